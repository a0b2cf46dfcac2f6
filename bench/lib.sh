# Helpers the end-to-end bench scripts share; sourced (`. "$(dirname "$0")/lib.sh"`).

# A TCP port on 127.0.0.1 that nothing listens on now (the kernel's pick).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Seconds one run of "$@" took (its output dropped); exit 0 or 1 (findings) is success, any
# other status ends the script, naming the command.
time_of() {
  local start end status=0
  start=$(date +%s.%N)
  "$@" >/dev/null || status=$?
  end=$(date +%s.%N)
  ((status <= 1)) || { echo "$(basename "$0"): $* failed (exit $status)" >&2; exit 1; }
  echo "$end - $start" | bc -l
}

# The median of the numbers on standard input, one per line.
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# A scratch directory in $work, removed when the script exits, with the server whose pid the
# script puts in $server (stopped then).
make_scratch() {  # NAME
  work=$(mktemp -d "/tmp/sluice-$1-bench.XXXXXX")
  server=
  trap remove_scratch EXIT
}
remove_scratch() {
  # Not an && list: under set -e the killed server's status from `wait` would end the trap
  # before the directory is removed (the old cleanup left every scratch directory behind).
  if [[ -n $server ]]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
