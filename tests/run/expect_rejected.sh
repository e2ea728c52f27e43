# Sourced by the bad-input tests of the apps. expect_rejected WHAT ARGS... runs
# "${command[@]}" ARGS... in the current directory and checks the contract for bad input: exit
# status 2, exactly one line on stderr, and no file created, removed or changed. Counts checks and
# failures in $checks and $failures. Sourcing it moves into a fresh scratch directory (removed on
# exit) and sets command=(APP --quiet --output run.h5) for APP = $app; setup runs a preparing
# command. With app_lines=NAME set, only stderr lines starting with NAME are counted (mpiexec runs).
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
command=("$app" --quiet --output run.h5)
checks=0
failures=0
# setup STATUS COMMAND...: a command that prepares files and must exit with STATUS.
setup() {
  local expected="$1"; shift
  checks=$((checks + 1))
  "$@" >/dev/null 2>&1
  local status=$?
  [ "$status" -eq "$expected" ] || { echo "FAIL setup (status $status): $*"; failures=$((failures + 1)); }
}
directory_state() { find . -path ./stderr.txt -prune -o -print0 | sort -z | xargs -0 md5sum 2>&1; }
expect_rejected() {
  local what="$1"; shift
  local before after status lines
  checks=$((checks + 1))
  before="$(directory_state)"
  "${command[@]}" "$@" >stdout.txt 2>stderr.txt
  status=$?
  # Under mpiexec only the app's own lines count (mpiexec adds its banner about the exit status).
  if [ -n "${app_lines:-}" ]; then
    grep "^$app_lines" stderr.txt > app_stderr.txt; mv app_stderr.txt stderr.txt
  fi
  lines=$(wc -l < stderr.txt)
  rm -f stdout.txt
  after="$(directory_state)"
  if [ "$status" -ne 2 ] || [ "$lines" -ne 1 ] || [ "$before" != "$after" ]; then
    echo "FAIL $what: status $status, $lines stderr lines, files changed: $([ "$before" != "$after" ] && echo yes || echo no)"
    cat stderr.txt
    failures=$((failures + 1))
  else
    echo "ok   $what: $(cat stderr.txt)"
  fi
  rm -f stderr.txt
}
