#!/bin/bash
# A one-node Slurm cluster on localhost, for trying and testing the batch scripts (ctest
# slurm_workflow): Debian's slurm-wlm and munge, a private munged, slurmctld and slurmd, every
# file (configuration from local-cluster.conf.in, keys, state, logs) under one DIRECTORY.
#   jobs/slurm/local_cluster.sh install [PACKAGE...]  apt-get install slurm-wlm, munge and the
#                                                     PACKAGEs that are missing (root or sudo)
#   jobs/slurm/local_cluster.sh start DIRECTORY       start the daemons; then
#                                                     export SLURM_CONF=DIRECTORY/slurm.conf
#   jobs/slurm/local_cluster.sh stop DIRECTORY        cancel every job, stop what start started
# The node has the CPUs `slurmd -C` reports; ports are free ones chosen at start. Daemons and jobs
# run as the calling user (root in CI). The machine's own /etc/slurm and /etc/munge are not used.
# Exit status: 0; 2 bad arguments; 3 the cluster could not be installed or started (the reason
# and the daemon's log are printed): the test skips then.
set -euo pipefail
script_name=local_cluster.sh
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=common.sh
source "$here/common.sh"
node=attnflow0

# One line and exit status 3: this machine cannot run the cluster.
cannot() {
  echo "$script_name: $*" >&2
  exit 3
}

install_packages() {
  bash "$here/../install_packages.sh" slurm-wlm munge "$@" ||
    cannot "slurm-wlm, munge${*:+ and $*} cannot be installed here"
}

# Two TCP ports that nothing listens on now.
free_ports() {
  python3 -c '
import socket
sockets = [socket.socket() for _ in range(2)]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in sockets))'
}

# wait_until SECONDS COMMAND...: poll COMMAND every half second.
wait_until() {
  local deadline=$(( SECONDS + $1 ))
  shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.5
  done
}

# wait_daemon PIDFILE SECONDS COMMAND...: like wait_until, but gives up at once when the daemon
# whose pid start recorded in PIDFILE has exited.
wait_daemon() {
  local file=$1 deadline=$(( SECONDS + $2 ))
  shift 2
  until "$@" >/dev/null 2>&1; do
    alive "$file" && [ $SECONDS -lt $deadline ] || return 1
    sleep 0.5
  done
}

queue_empty() {
  [ -z "$(squeue --noheader 2>/dev/null)" ]
}

node_idle() {
  [ "$(sinfo --noheader --nodes="$node" --format=%T 2>/dev/null)" = idle ]
}

# running PID: the process runs (a zombie, dead but not yet reaped by init, does not).
running() {
  local state
  state=$(sed -n 's/^[0-9]* (.*) \([A-Z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# alive PIDFILE: the daemon whose pid start recorded there is running.
alive() {
  [ -s "$1" ] && running "$(cat "$1")"
}

# failed NAME LOG: the daemon did not come up: its log's end and exit 3.
failed() {
  echo "$script_name: $1 did not start; the end of $2:" >&2
  tail -15 "$2" >&2 || true
  stop_cluster
  cannot "$1 cannot run on this machine (see above)"
}

start_cluster() {
  for program in munged mungekey slurmctld slurmd sinfo; do
    command -v "$program" >/dev/null ||
      cannot "$program not found (jobs/slurm/local_cluster.sh install installs slurm-wlm and munge)"
  done
  [ ! -e "$directory/slurm.conf" ] ||
    attnflow_fail "$directory already holds a cluster (stop it first, or use an empty directory)"
  # A Unix socket path has at most 107 characters.
  [ ${#directory} -le 80 ] ||
    attnflow_fail "DIRECTORY must be at most 80 characters long (munge's socket lives in it): '$directory'"
  mkdir -p "$directory"/{state,spool,tmp,munge}
  chmod 700 "$directory/munge"
  : > "$directory/plugstack.conf"
  mungekey --create --keyfile="$directory/munge/munge.key" ||
    cannot "mungekey could not create a key in $directory/munge"
  local ports hardware
  ports=$(free_ports)
  # The node as slurmd sees the machine (slurmd refuses a node larger than that).
  hardware=$(slurmd -C | head -1 | tr ' ' '\n' |
    grep -E '^(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore)=' | paste -s -d ' ')
  [ -n "$hardware" ] || cannot "slurmd -C reported no CPUs"
  sed -e "s|@DIRECTORY@|$directory|g" -e "s|@CONTROLLER_PORT@|${ports% *}|" \
    -e "s|@NODE_PORT@|${ports#* }|" -e "s|@USER@|$(id -un)|g" \
    -e "s|@MUNGE_SOCKET@|$directory/munge/socket|" -e "s|@NODE@|$node|g" \
    -e "s|@HARDWARE@|$hardware|" "$here/local-cluster.conf.in" > "$directory/slurm.conf"
  export SLURM_CONF="$directory/slurm.conf"

  # Each daemon in the foreground of its own session, its pid recorded for stop.
  setsid munged --foreground --force --key-file="$directory/munge/munge.key" \
    --socket="$directory/munge/socket" --pid-file="$directory/munge/munged.pid" \
    --log-file="$directory/munge/munged.log" --seed-file="$directory/munge/munged.seed" \
    > "$directory/munged.stdout" 2>&1 &
  echo $! > "$directory/munged.started"
  wait_daemon "$directory/munged.started" 10 test -S "$directory/munge/socket" ||
    failed munged "$directory/munge/munged.log"
  (cd "$directory" && exec setsid slurmctld -D -c -f "$SLURM_CONF" > "$directory/slurmctld.stdout" 2>&1) &
  echo $! > "$directory/slurmctld.started"
  wait_daemon "$directory/slurmctld.started" 30 scontrol ping ||
    failed slurmctld "$directory/slurmctld.stdout"
  (cd "$directory" && exec setsid slurmd -D -N "$node" -f "$SLURM_CONF" > "$directory/slurmd.stdout" 2>&1) &
  echo $! > "$directory/slurmd.started"
  wait_daemon "$directory/slurmd.started" 30 node_idle || failed slurmd "$directory/slurmd.stdout"
  echo "$script_name: one-node cluster up ($hardware; controller port ${ports% *});" \
    "export SLURM_CONF=$SLURM_CONF"
}

# stop_daemon NAME: SIGTERM to the daemon start started, SIGKILL after 10 s.
stop_daemon() {
  local file="$directory/$1.started" pid
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  if running "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    wait_until 10 eval '! running "$pid"' || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

stop_cluster() {
  export SLURM_CONF="$directory/slurm.conf"
  if alive "$directory/slurmctld.started"; then
    scancel --full --quiet --user="$(id -un)" 2>/dev/null || true
    # slurmd's step daemons end with their jobs: wait for that before stopping slurmd.
    wait_until 30 queue_empty || true
    wait_until 20 node_idle || true
  fi
  stop_daemon slurmd
  stop_daemon slurmctld
  stop_daemon munged
  # Step daemons of this cluster still running (they log to its slurmd.log): ended by pid.
  local fd pid
  for fd in /proc/[0-9]*/fd/*; do
    [ "$(readlink "$fd" 2>/dev/null)" = "$directory/slurmd.log" ] || continue
    pid=${fd#/proc/}
    pid=${pid%%/*}
    kill -KILL "$pid" 2>/dev/null || true
  done
}

command=${1:-}
case "$command" in
  install)
    shift
    install_packages "$@" ;;
  start|stop)
    [ $# -eq 2 ] || attnflow_fail "usage: jobs/slurm/local_cluster.sh $command DIRECTORY"
    directory=$(realpath -m "$2")
    if [ "$command" = start ]; then start_cluster; else stop_cluster; fi ;;
  *) attnflow_fail "usage: jobs/slurm/local_cluster.sh install [PACKAGE...] | start DIRECTORY | stop DIRECTORY" ;;
esac
