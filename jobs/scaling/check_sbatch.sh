#!/bin/bash
# CI check of attnflow's Slurm scripts: bash syntax (bash -n), every #SBATCH line a known long
# option of the form --name or --name=value, before the first command, and a --signal=B:...
# only in a script that traps signals. When sbatch exists and a controller answers
# (scontrol ping), `sbatch --test-only` validates each script against it too, with the sizes
# replaced by 1 node and 1 task: the check is about the script's options, not about whether
# this controller could give the sizes a study asks for.
#   jobs/scaling/check_sbatch.sh [script.sbatch ...]
#   (default: every *.sbatch in jobs/scaling and jobs/slurm)
# Exit status 0 when all scripts pass, 1 otherwise (each failure is printed).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [ $# -gt 0 ]; then scripts=("$@"); else scripts=("$here"/*.sbatch "$here"/../slurm/*.sbatch); fi

# Long options of sbatch (slurm 22/23) that these scripts may use.
known=" account array begin chdir comment constraint core-spec cpus-per-gpu cpus-per-task
  dependency distribution error exclusive export gpus gpus-per-node gpus-per-task gres hint
  job-name licenses mail-type mail-user mem mem-per-cpu mem-per-gpu mincpus nodelist nodes
  ntasks ntasks-per-core ntasks-per-node ntasks-per-socket open-mode output partition
  priority qos requeue reservation signal switches threads-per-core time time-min wait-all-nodes
  wckey "

failures=0
validated=0
fail() { echo "check_sbatch: $1" >&2; failures=$((failures + 1)); }

for script in "${scripts[@]}"; do
  [ -f "$script" ] || { fail "$script: no such file"; continue; }
  bash -n "$script" 2>/dev/null || fail "$script: bash syntax error ($(bash -n "$script" 2>&1 | head -1))"
  count=0
  while IFS= read -r line; do
    count=$((count + 1))
    option=${line#\#SBATCH }
    if [[ ! "$option" =~ ^--([a-z-]+)(=[^[:space:]]+)?$ ]]; then
      fail "$script: '$line' is not of the form #SBATCH --name[=value]"; continue
    fi
    name=${BASH_REMATCH[1]}
    [[ " $known " == *[[:space:]]"$name"[[:space:]]* ]] || fail "$script: unknown sbatch option --$name"
    value=${BASH_REMATCH[2]#=}
    case "$name" in
      nodes|ntasks|ntasks-per-node|cpus-per-task)
        [[ "$value" =~ ^[0-9]+(-[0-9]+)?$ ]] || fail "$script: --$name=$value is not a count" ;;
      time)
        [[ "$value" =~ ^([0-9]+-)?[0-9]+(:[0-9]{2}){0,2}$ ]] || fail "$script: --time=$value is not [D-]HH:MM:SS" ;;
      signal)
        # B: sends the signal to the batch shell only: an untrapped shell dies of it (job
        # FAILED) and the app never sees it.
        if [[ "$value" == B:* ]] && ! grep -qE '^[[:space:]]*trap ' "$script"; then
          fail "$script: --signal=$value signals only the batch shell, which this script does not trap (use --signal=${value#B:} to signal the srun tasks)"
        fi ;;
    esac
  done < <(grep -E '^#SBATCH' "$script")
  [ "$count" -gt 0 ] || fail "$script: no #SBATCH lines"
  # #SBATCH lines after the first command are ignored by sbatch: they must precede it.
  first_command=$(grep -nvE '^(#|[[:space:]]*$)' "$script" | head -1 | cut -d: -f1)
  last_sbatch=$(grep -nE '^#SBATCH' "$script" | tail -1 | cut -d: -f1)
  if [ -n "$first_command" ] && [ -n "$last_sbatch" ] && [ "$last_sbatch" -gt "$first_command" ]; then
    fail "$script: #SBATCH line $last_sbatch comes after the first command (line $first_command)"
  fi
  if command -v sbatch >/dev/null && command -v scontrol >/dev/null &&
     timeout 10 scontrol ping 2>/dev/null | grep -q UP; then
    sizes=(--nodes=1 --ntasks=1 --ntasks-per-node=1)
    if ! answer=$(timeout 30 sbatch --test-only "${sizes[@]}" "$script" 2>&1); then
      fail "$script: sbatch --test-only ${sizes[*]} rejected it ($(tail -1 <<< "$answer"))"
    fi
    validated=$((validated + 1))
  fi
done

if [ "$failures" -eq 0 ]; then
  echo "check_sbatch: ${#scripts[@]} scripts OK ($validated also accepted by sbatch --test-only)"
  exit 0
fi
exit 1
