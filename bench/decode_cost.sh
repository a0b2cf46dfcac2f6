#!/usr/bin/env bash
# What decoding costs: `sluice scan` of an input with the default --max-decode-depth (2) next to
# --max-decode-depth 0, interleaved in one run on the same bytes. Prints the CPU model, the
# median wall and user+system seconds of each, their ratio, the median of the runs' paired
# ratios (steadier on a shared machine), what was decoded, and the findings of each depth.
#
#   bench/decode_cost.sh [--sluice BIN] [--runs R] [--noise MB] [INPUT]
#     INPUT defaults to corpora/perf/linux-6.1 (corpora/make_perf_inputs.sh makes it).
#     --noise MB  instead, MB megabytes of random base64 made here, once wrapped at 76 columns
#                 and once on one line (the issue's bound: at most 1.3x, no finding).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
sluice=${SLUICE:-$repo/build/cli/sluice}
runs=5
noise=0
inputs=()
while (($#)); do
  case $1 in
    --sluice) sluice=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --noise) noise=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"; exit 0 ;;
    -*) echo "decode_cost: unknown option $1" >&2; exit 2 ;;
    *) inputs+=("$1"); shift ;;
  esac
done
[[ -x $sluice ]] || { echo "decode_cost: no sluice binary at $sluice" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if ((noise > 0)); then
  head -c $((noise * 750000)) /dev/urandom | base64 -w 76 >"$out/random-wrapped.b64"
  head -c $((noise * 750000)) /dev/urandom | base64 -w 0 >"$out/random-one-line.b64"
  inputs=("$out/random-wrapped.b64" "$out/random-one-line.b64")
elif ((${#inputs[@]} == 0)); then
  inputs=("$repo/corpora/perf/linux-6.1")
fi
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores; commit $(git -C "$repo" rev-parse --short HEAD)${SLUICE_SPAN_SEARCH:+; span search asked: $SLUICE_SPAN_SEARCH}"
median() { sort -n -k"$1" "$2" | awk -v k="$1" '{v[NR] = $k} END {print v[int((NR + 1) / 2)]}'; }
for input in "${inputs[@]}"; do
  [[ -e $input ]] || { echo "decode_cost: no input at $input (corpora/make_perf_inputs.sh)" >&2; exit 2; }
  rm -f "$out/depth0" "$out/depth2"
  "$sluice" scan "$input" -q -f jsonl -o /dev/null >/dev/null 2>&1 || true  # warm the page cache
  for ((r = 1; r <= runs; r++)); do
    # ABBA order: which depth runs first alternates, so a drift in load or clock favours neither.
    order="0 2"
    ((r % 2 == 0)) && order="2 0"
    for depth in $order; do
      /usr/bin/time -f "%e %U %S" -o "$out/time" "$sluice" scan "$input" -q -f jsonl --max-decode-depth "$depth" \
        -o "$out/report$depth.jsonl" >/dev/null 2>&1 || true
      read -r wall user sys < <(tail -n1 "$out/time")  # after "Command exited with non-zero status"
      awk -v w="$wall" -v u="$user" -v s="$sys" 'BEGIN {print w, u + s}' >>"$out/depth$depth"
    done
  done
  w0=$(median 1 "$out/depth0"); c0=$(median 2 "$out/depth0")
  w2=$(median 1 "$out/depth2"); c2=$(median 2 "$out/depth2")
  echo "input: $(basename "$input")"
  printf '%-26s %10s %14s\n' "median of $runs" "wall s" "user+sys s"
  printf '%-26s %10s %14s\n' "--max-decode-depth 0" "$w0" "$c0"
  printf '%-26s %10s %14s\n' "default (depth 2)" "$w2" "$c2"
  awk -v w0="$w0" -v w2="$w2" -v c0="$c0" -v c2="$c2" \
    'BEGIN {printf "%-26s %9.2fx %13.2fx\n", "ratio of medians", w2 / w0, c2 / c0}'
  # On a shared machine the load drifts between runs: the runs of a pair (depth 0 then 2, one
  # after the other) see nearly the same load, so the median of the pairs' ratios is steadier.
  paste "$out/depth0" "$out/depth2" | awk '{print $3 / $1, $4 / $2}' >"$out/pairs"
  printf '%-26s %9.2fx %13.2fx\n' "median ratio of pairs" "$(median 1 "$out/pairs")" "$(median 2 "$out/pairs")"
  for depth in 0 2; do
    tail -n1 "$out/report$depth.jsonl" | python3 -c '
import json, sys
s = json.load(sys.stdin)["summary"]
print("depth", sys.argv[1], "findings:", s["findings"], "" if sys.argv[1] == "0" else "decoded: %s" % s["decoded"])' "$depth"
  done
done
