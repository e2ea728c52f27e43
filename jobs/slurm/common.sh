# shellcheck shell=bash
# Sourced (not run) by the batch scripts in jobs/slurm and jobs/scaling: messages and checks of
# their environment settings, the MPI launcher, and the state of a checkpointed run.
# The sourcing script sets script_name (for messages) before sourcing.

# One line naming what is wrong and what is accepted, exit status 2 (the apps' bad-input status).
attnflow_fail() {
  echo "${script_name:-attnflow}: $*" >&2
  exit 2
}

# attnflow_require_count NAME VALUE: VALUE is a whole number >= 1.
attnflow_require_count() {
  [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] ||
    attnflow_fail "$1 must be a whole number >= 1 (got '$2')"
}

# attnflow_require_counts NAME LIST: every word of LIST is a whole number >= 1.
attnflow_require_counts() {
  local word
  [ -n "${2// /}" ] || attnflow_fail "$1 must list whole numbers >= 1 (got nothing)"
  for word in $2; do
    [[ "$word" =~ ^[0-9]+$ ]] && [ "$word" -ge 1 ] ||
      attnflow_fail "$1 must list whole numbers >= 1 (got '$word' in '$2')"
  done
}

# attnflow_require_number NAME VALUE: VALUE is a decimal number (the apps check its range).
attnflow_require_number() {
  [[ "$2" =~ ^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$ ]] ||
    attnflow_fail "$1 must be a number (got '$2')"
}

# attnflow_require_choice NAME VALUE CHOICE...: VALUE is one of the CHOICEs.
attnflow_require_choice() {
  local name=$1 value=$2 choice
  shift 2
  for choice in "$@"; do [ "$value" = "$choice" ] && return 0; done
  attnflow_fail "$name must be one of: $* (got '$value')"
}

# attnflow_set_application BUILD NAME: APP = the absolute path of BUILD/apps/attnflow-NAME,
# which must be executable.
attnflow_set_application() {
  APP="$1/apps/attnflow-$2"
  [ -x "$APP" ] || attnflow_fail "$APP not found or not executable (BUILD must be attnflow's" \
    "build directory, absolute or relative to $PWD; now '$1')"
  APP=$(realpath "$APP")
}

# attnflow_set_launcher: LAUNCH (array) = the command that starts an MPI program on the tasks of
# this allocation, and LAUNCHER_KIND = srun | mpiexec (how a rank count is passed).
#   LAUNCHER (environment), if set, is used as given, e.g. LAUNCHER="srun --mpi=pmi2".
#   Inside Slurm: `srun --mpi=pmix` when Slurm has the PMIx plugin (`srun --mpi=list`): Debian's
#   and most Open MPI builds have no Slurm PMI-1/2 support, so a plain srun starts N singletons
#   that fail in MPI_Init. Without PMIx: mpiexec (Open MPI reads the Slurm allocation and starts
#   its daemons through srun), else plain srun (the site's MpiDefault).
#   Outside Slurm: mpiexec.
attnflow_set_launcher() {
  if [ -n "${LAUNCHER:-}" ]; then
    read -ra LAUNCH <<< "$LAUNCHER"
  elif [ -n "${SLURM_JOB_ID:-}" ] && command -v srun >/dev/null; then
    local plugins
    plugins=$(srun --mpi=list 2>&1 || true)
    if grep -qw pmix <<< "$plugins"; then
      LAUNCH=(srun --mpi=pmix)
    elif command -v mpiexec >/dev/null; then
      LAUNCH=(mpiexec)
    else
      LAUNCH=(srun)
    fi
  else
    command -v mpiexec >/dev/null ||
      attnflow_fail "no mpiexec on PATH and not inside a Slurm job (install openmpi-bin or set LAUNCHER)"
    LAUNCH=(mpiexec)
  fi
  case "$(basename "${LAUNCH[0]}")" in
    srun) LAUNCHER_KIND=srun ;;
    mpiexec|mpirun|orterun|mpiexec.*|mpirun.*) LAUNCHER_KIND=mpiexec ;;
    *) attnflow_fail "LAUNCHER must start with srun, mpiexec or mpirun (got '${LAUNCH[*]}')" ;;
  esac
}

# attnflow_launch RANKS COMMAND...: COMMAND on RANKS ranks through LAUNCH (RANKS empty: every
# task of the allocation). The launcher's exit status is returned (srun: the largest of the tasks').
attnflow_launch() {
  local ranks=$1
  shift
  local count=()
  if [ -n "$ranks" ]; then
    if [ "$LAUNCHER_KIND" = srun ]; then count=(--ntasks="$ranks"); else count=(-n "$ranks"); fi
  fi
  "${LAUNCH[@]}" "${count[@]}" "$@"
}

# attnflow_run_state OUTPUT CHECKPOINT_DIRECTORY: prints the state of a run that writes OUTPUT
# (written as OUTPUT.partial until the end) and checkpoints into CHECKPOINT_DIRECTORY:
#   complete   OUTPUT exists and OUTPUT.partial does not (the app renames it at the end)
#   stopped    a checkpoint ('latest' pointer) and OUTPUT.partial: continue with --restart
#   new        none of them
#   unclear    any other combination (printed with what was found)
attnflow_run_state() {
  local output=$1 directory=$2
  local final=0 partial=0 checkpoint=0
  [ -e "$output" ] && final=1
  [ -e "$output.partial" ] && partial=1
  [ -e "$directory/latest" ] && checkpoint=1
  if [ $final = 1 ] && [ $partial = 0 ]; then
    echo complete
  elif [ $final = 0 ] && [ $partial = 1 ] && [ $checkpoint = 1 ]; then
    echo stopped
  elif [ $final = 0 ] && [ $partial = 0 ] && [ $checkpoint = 0 ]; then
    echo new
  else
    echo "unclear (output $([ $final = 1 ] || echo "not ")present, $output.partial" \
      "$([ $partial = 1 ] || echo "not ")present, checkpoint $directory/latest" \
      "$([ $checkpoint = 1 ] || echo "not ")present)"
  fi
}

# attnflow_settings_file OUTPUT: where jobs/slurm/run.sbatch records a run's settings, for
# jobs/slurm/restart.sh.
attnflow_settings_file() {
  echo "${1%.h5}.slurm-run"
}
