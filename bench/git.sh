#!/usr/bin/env bash
# Git history throughput: `sluice scan` of a repository's history next to reading the same
# blobs with git itself, side by side in one run. Prints MB/s of unique blob bytes for every
# command and the ratio of each time to the ceiling `git cat-file --batch-all-objects --batch`
# (git reading every object once, one core). Goals (issue 4): sluice within 1.3x of the
# ceiling on one core, faster than it on all cores.
#
#   bench/git.sh [--runs R] [--threads N] [--sluice BIN] [--drain BIN] [REPO]
#
# REPO defaults to corpora/linux-history (corpora/make_git_repo.sh). Its .git directory is
# scanned (history only, not the working tree). sluice-git-drain is sluice's own blob reading
# (io::GitObjects, libgit2) without scanning. Median of R interleaved runs (default 3).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
sluice=${SLUICE:-$root/build/cli/sluice}
drain=$root/build/bench/sluice-git-drain
runs=${RUNS:-3}
threads=$(nproc)
args=()
die() { echo "git.sh: $*" >&2; exit 2; }
while (($#)); do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --sluice) sluice=$2; shift 2 ;;
    --drain) drain=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) args+=("$1"); shift ;;
  esac
done
repo=${args[0]:-$root/corpora/linux-history}
gitdir=$repo
[[ -d $repo/.git ]] && gitdir=$repo/.git
[[ -d $gitdir/objects ]] || die "$repo is not a git repository (make one with corpora/make_git_repo.sh)"
[[ -x $sluice ]] || die "no sluice binary at $sluice"
[[ -x $drain ]] || die "no $drain (cmake --build build --target sluice-git-drain)"

read -r blobs bytes < <(git --git-dir="$gitdir" cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' |
  awk '$1 == "blob" {n++; s += $2} END {printf "%d %d\n", n, s}')
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-git.XXXXXX")
trap 'rm -rf "$work"' EXIT

labels=("git cat-file --batch-all-objects --batch (ceiling)"
        "sluice-git-drain -j1 (sluice reading only)" "sluice-git-drain -j$threads (sluice reading only)"
        "sluice scan -j1" "sluice scan -j$threads")
cmds=("git --git-dir=$(printf %q "$gitdir") cat-file --batch-all-objects --batch"
      "$(printf %q "$drain") -j 1 $(printf %q "$gitdir")" "$(printf %q "$drain") -j $threads $(printf %q "$gitdir")"
      "$(printf %q "$sluice") scan -q -j 1 $(printf %q "$gitdir") -f jsonl -o $work/r.jsonl"
      "$(printf %q "$sluice") scan -q -j $threads $(printf %q "$gitdir") -f jsonl -o $work/r.jsonl")
n=${#cmds[@]}
declare -a walls
for ((i = 0; i < n; i++)); do walls[i]=""; done
for ((r = 1; r <= runs; r++)); do
  for ((i = 0; i < n; i++)); do
    TIMEFORMAT=%3R
    t=$( { time eval "${cmds[i]}" >/dev/null 2>"$work/err" || [[ $? == 1 ]]; } 2>&1 ) ||
      die "${labels[i]} failed: $(cat "$work/err")"
    walls[i]+=" $t"
  done
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
echo "git.sh: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores; $(git --version)"
echo "git.sh: $repo: $blobs blobs, $(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1e6}') MB of unique blob bytes; median of $runs interleaved runs"
ceiling=$(echo "${walls[0]}" | median)
printf '| %-52s | %8s | %8s | %14s |\n' command seconds "MB/s" "x ceiling time"
printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..54})" "----------" "----------" "----------------"
for ((i = 0; i < n; i++)); do
  m=$(echo "${walls[i]}" | median)
  printf '| %-52s | %8.2f | %8.0f | %14.2f |\n' "${labels[i]}" "$m" "$(awk -v b="$bytes" -v s="$m" 'BEGIN {print b / 1e6 / s}')" \
    "$(awk -v m="$m" -v c="$ceiling" 'BEGIN {print m / c}')"
done
