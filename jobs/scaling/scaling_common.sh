# shellcheck shell=bash
# Sourced (not run) by strong.sbatch, weak.sbatch and run_local.sh: runs of attnflow-particles
# that each append one row to a scaling CSV, the format plot_scaling.py and comm_model.py read:
# a plain CSV table (numpy.genfromtxt(names=True) and pandas.read_csv load it as it is) with the
# header of --timing-csv after the columns study, cores (the cores the study could use) and
# load_average (the 1-minute load when the run started), one row per run. The notes (machine or
# allocation, the command of every run, the load before and after each study) go to the sidecar
# <csv stem>.input.ini, as for attnflow's own tables. The sourcing script sets script_name and
# sources jobs/slurm/common.sh first (messages, checks, launcher).

# The --timing-csv header of attnflow-particles, with the study, cores and load columns in front.
scaling_timing_header="git_revision,input,tokens,dimension,beta,engine,ranks,nodes,steps,wall_seconds,compute_seconds,communication_seconds,output_seconds,pairs_per_second_per_core,peak_memory_mib_per_rank"
scaling_header="study,cores,load_average,$scaling_timing_header"

# scaling_setup BUILD CSV: APP, EXTRA (--skip-pair-diagnostics when the binary has it), the CSV
# to append to (it must be absent, or a scaling CSV with the study column: nothing else is
# touched) and a scratch directory WORK (removed at exit).
scaling_setup() {
  attnflow_set_application "$1" particles
  local help
  help=$("$APP" --help)  # not piped: grep -q would end the pipe early (pipefail)
  grep -q -- --timing-csv <<< "$help" ||
    attnflow_fail "$APP has no --timing-csv (rebuild it from a newer attnflow)"
  EXTRA=()
  if grep -q -- --skip-pair-diagnostics <<< "$help"; then EXTRA+=(--skip-pair-diagnostics); fi
  CSV=$(realpath -m "$2")
  # The notes of scaling.csv (also while it is written as scaling.csv.partial): scaling.input.ini.
  local final=${CSV%.partial}
  NOTES="${final%.*}.input.ini"
  [ "$(basename "$final")" = "$(basename "${final%.*}")" ] && NOTES="$final.input.ini"
  if [ -e "$CSV" ]; then
    local header
    header=$(head -n 1 "$CSV")
    [ "$header" = "$scaling_header" ] || attnflow_fail "$CSV exists and is not a scaling CSV of" \
      "this version (its header is '${header:0:40}...', expected '${scaling_header:0:40}...'):" \
      "choose another CSV, or remove it"
  fi
  mkdir -p "$(dirname "$CSV")"
  [ -e "$CSV" ] || : > "$NOTES"  # a new CSV starts new notes
  WORK=$(mktemp -d "${SCRATCH:-${TMPDIR:-/tmp}}/attnflow-scaling.XXXXXX")
  trap 'rm -rf "$WORK"' EXIT
}

# scaling_comment TEXT...: one '#' line in the notes beside the CSV (NOTES).
scaling_comment() {
  echo "# $*" >> "$NOTES"
}

# scaling_describe CORES: the notes every study starts with (machine or allocation, cores, the
# command), and CORES for the cores column (plot_scaling.py's oversubscription line).
scaling_describe() {
  SCALING_CORES=$1
  local model count="-n P"
  [ "$LAUNCHER_KIND" = srun ] && count="--ntasks=P"
  model=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //' || true)
  local where
  where=$(hostname)
  [ -n "${SLURM_JOB_ID:-}" ] &&
    where+=", Slurm job $SLURM_JOB_ID on ${SLURM_JOB_NUM_NODES:-?} node(s) ${SLURM_JOB_NODELIST:-}"
  scaling_comment "attnflow scaling study, $(date -u +%Y-%m-%dT%H:%M:%SZ), $where"
  scaling_comment "cores: $1, ${model:-unknown processor}"
  echo "$script_name: launcher: ${LAUNCH[*]} $count ${LAUNCH_OPTIONS[*]}"
  scaling_comment "every run: ${LAUNCH[*]} $count ${LAUNCH_OPTIONS[*]} $APP --quiet --tokens N --dimension D --beta B --engine E" \
    "--integrator euler --steps K --output-every K --snapshot-every K --overwrite --output <tmp>" \
    "--timing-csv <csv> ${EXTRA[*]}"
}

# scaling_load_comment STUDY WHEN: the load average, which tells a loaded machine's numbers apart.
scaling_load_comment() {
  scaling_comment "$1: load average $2 $(cut -d' ' -f1-3 /proc/loadavg)"
}

# scaling_run STUDY ENGINE RANKS TOKENS STEPS DIMENSION BETA: one run through attnflow_launch
# (with LAUNCH_OPTIONS, e.g. binding), its row appended to CSV with STUDY, the cores and the
# 1-minute load average at its start in front.
scaling_run() {
  local study=$1 engine=$2 ranks=$3 tokens=$4 steps=$5 dimension=$6 beta=$7
  local raw="$WORK/timing.csv" output="$WORK/run.h5"  # run.csv: the diagnostics
  rm -f "$raw"
  local status=0 load
  load=$(cut -d' ' -f1 /proc/loadavg)
  attnflow_launch "$ranks" "${LAUNCH_OPTIONS[@]}" "$APP" --quiet --tokens "$tokens" \
    --dimension "$dimension" --beta "$beta" --engine "$engine" --integrator euler \
    --steps "$steps" --output-every "$steps" --snapshot-every "$steps" --overwrite \
    --output "$output" --timing-csv "$raw" "${EXTRA[@]}" || status=$?
  if [ "$status" -ne 0 ] || [ ! -s "$raw" ]; then
    echo "$script_name: $study P=$ranks N=$tokens failed (${LAUNCH[*]} exit status $status);" \
      "the rows before it are in $CSV" >&2
    exit 1
  fi
  [ "$(head -n 1 "$raw")" = "$scaling_timing_header" ] ||
    attnflow_fail "$APP wrote a --timing-csv header other than '$scaling_timing_header'" \
      "(this script needs updating)"
  [ -s "$CSV" ] || echo "$scaling_header" >> "$CSV"
  tail -n +2 "$raw" | sed "s/^/$study,${SCALING_CORES:-0},$load,/" >> "$CSV"
  rm -f "$output" "${output%.h5}.csv" "${output%.h5}.xdmf" "${output%.h5}.input.ini"
  echo "$script_name: $study P=$ranks N=$tokens: $(tail -n 1 "$raw" | cut -d, -f10-15)"
}

# scaling_weak_tokens SERIES TOKENS RANKS: N of a weak-scaling run on RANKS ranks from TOKENS at
# one rank: 'tokens' keeps N/P (N = TOKENS P), 'work' keeps the pairs per rank N^2/P of the
# direct and ring engines (N = TOKENS sqrt(P), rounded).
scaling_weak_tokens() {
  case "$1" in
    tokens) echo $(( $2 * $3 )) ;;
    work) awk -v n="$2" -v p="$3" 'BEGIN { printf "%d", n * sqrt(p) + 0.5 }' ;;
  esac
}

# scaling_ranks AVAILABLE: the default rank counts, 1 2 4 ... up to AVAILABLE, and AVAILABLE.
scaling_ranks() {
  local p=1 list=""
  while [ "$p" -lt "$1" ]; do list+="$p "; p=$(( p * 2 )); done
  echo "$list$1"
}

# scaling_available: how many ranks the allocation holds (SLURM_NTASKS; outside Slurm the cores).
scaling_available() {
  if [ -n "${SLURM_NTASKS:-}" ]; then
    echo "$SLURM_NTASKS"
  elif [ -n "${SLURM_JOB_ID:-}" ]; then
    # An allocation without --ntasks: one task per allocated CPU of the first node.
    echo "${SLURM_CPUS_ON_NODE:-1}"
  else
    nproc
  fi
}

# scaling_launch_setup: LAUNCH (jobs/slurm/common.sh) and LAUNCH_OPTIONS: one core per rank.
# srun binds as the site's task plugin does by default (an explicit --cpu-bind is an error where
# the plugin is task/none); to bind explicitly: LAUNCHER="srun --mpi=pmix --cpu-bind=cores".
scaling_launch_setup() {
  attnflow_set_launcher
  if [ "$LAUNCHER_KIND" = srun ]; then
    LAUNCH_OPTIONS=(--cpus-per-task=1)
  else
    LAUNCH_OPTIONS=(--bind-to core)
  fi
}
