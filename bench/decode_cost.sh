#!/usr/bin/env bash
# What decoding costs: `sluice scan` of a tree with the default --max-decode-depth (2) next to
# --max-decode-depth 0, interleaved in one run on the same bytes. Prints the CPU model, the
# median wall and user+system seconds of each, their ratio, the median of the runs' paired
# ratios (steadier on a shared machine), and what was decoded.
#
#   bench/decode_cost.sh [--sluice BIN] [--runs R] [TREE]
#     TREE defaults to corpora/perf/linux-6.1 (corpora/make_perf_inputs.sh makes it).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
sluice=${SLUICE:-$repo/build/cli/sluice}
runs=5
tree=$repo/corpora/perf/linux-6.1
while (($#)); do
  case $1 in
    --sluice) sluice=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"; exit 0 ;;
    -*) echo "decode_cost: unknown option $1" >&2; exit 2 ;;
    *) tree=$1; shift ;;
  esac
done
[[ -d $tree ]] || { echo "decode_cost: no tree at $tree (corpora/make_perf_inputs.sh)" >&2; exit 2; }
[[ -x $sluice ]] || { echo "decode_cost: no sluice binary at $sluice" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores; commit $(git -C "$repo" rev-parse --short HEAD)"
"$sluice" scan "$tree" -q -f jsonl -o /dev/null >/dev/null 2>&1 || true  # warm the page cache
for ((r = 1; r <= runs; r++)); do
  for depth in 0 2; do
    /usr/bin/time -f "%e %U %S" -o "$out/time" "$sluice" scan "$tree" -q -f jsonl --max-decode-depth "$depth" \
      -o "$out/report$depth.jsonl" >/dev/null 2>&1 || true
    read -r wall user sys <"$out/time"
    awk -v w="$wall" -v u="$user" -v s="$sys" 'BEGIN {print w, u + s}' >>"$out/depth$depth"
  done
done
median() { sort -n -k"$1" "$2" | awk -v k="$1" '{v[NR] = $k} END {print v[int((NR + 1) / 2)]}'; }
w0=$(median 1 "$out/depth0"); c0=$(median 2 "$out/depth0")
w2=$(median 1 "$out/depth2"); c2=$(median 2 "$out/depth2")
printf '%-26s %10s %14s\n' "median of $runs" "wall s" "user+sys s"
printf '%-26s %10s %14s\n' "--max-decode-depth 0" "$w0" "$c0"
printf '%-26s %10s %14s\n' "default (depth 2)" "$w2" "$c2"
awk -v w0="$w0" -v w2="$w2" -v c0="$c0" -v c2="$c2" 'BEGIN {printf "%-26s %9.2fx %13.2fx\n", "ratio of medians", w2 / w0, c2 / c0}'
# On a shared machine the load drifts between runs: the runs of a pair (depth 0 then 2, one
# after the other) see nearly the same load, so the median of the pairs' ratios is steadier.
paste "$out/depth0" "$out/depth2" | awk '{print $3 / $1, $4 / $2}' >"$out/pairs"
printf '%-26s %9.2fx %13.2fx\n' "median ratio of pairs" "$(median 1 "$out/pairs")" "$(median 2 "$out/pairs")"
tail -n1 "$out/report2.jsonl" | python3 -c 'import json, sys; print("decoded:", json.load(sys.stdin)["summary"]["decoded"])'
