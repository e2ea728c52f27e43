#!/bin/bash
# CI check of the Slurm scripts in this directory: bash syntax (bash -n), and every #SBATCH line
# must be a known long option of the form --name or --name=value. When sbatch exists and a
# controller answers (scontrol ping), `sbatch --test-only` validates the scripts against it too.
#   jobs/scaling/check_sbatch.sh [script.sbatch ...]     (default: every *.sbatch beside it)
# Exit status 0 when all scripts pass, 1 otherwise (each failure is printed).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [ $# -gt 0 ]; then scripts=("$@"); else scripts=("$here"/*.sbatch); fi

# Long options of sbatch (slurm 22/23) that these scripts may use.
known=" account array begin chdir comment constraint core-spec cpus-per-gpu cpus-per-task
  dependency distribution error exclusive export gpus gpus-per-node gpus-per-task gres hint
  job-name licenses mail-type mail-user mem mem-per-cpu mem-per-gpu mincpus nodelist nodes
  ntasks ntasks-per-core ntasks-per-node ntasks-per-socket open-mode output partition
  priority qos requeue reservation signal switches threads-per-core time time-min wait-all-nodes
  wckey "

failures=0
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
    timeout 30 sbatch --test-only "$script" >/dev/null 2>&1 ||
      fail "$script: sbatch --test-only rejected it ($(sbatch --test-only "$script" 2>&1 | tail -1))"
  fi
done

if [ "$failures" -eq 0 ]; then
  echo "check_sbatch: ${#scripts[@]} scripts OK"
  exit 0
fi
exit 1
