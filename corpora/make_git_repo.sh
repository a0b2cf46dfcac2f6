#!/usr/bin/env bash
# Builds a git repository with a history of real source code for bench/git.sh: the Linux
# source tarball Debian ships (apt-get install linux-source-6.1) imported in several commits,
# then packed by `git gc` (so most blobs are deltas in one pack, like a real clone).
#
#   corpora/make_git_repo.sh [--dirs "fs kernel ..."] [--commits N] [--force] [OUT_DIR]
#
# OUT_DIR defaults to corpora/linux-history/ (a worktree; the history is OUT_DIR/.git). The
# first commit holds the chosen top-level directories of the kernel tree (default: fs kernel
# mm net include lib: about 40% of it); each later commit edits 5% of the files (a line
# appended, a line changed) and deletes a few, so later versions are stored as deltas. The
# history is deterministic (fixed dates and identity; files picked by a fixed rule).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
dirs="fs kernel mm net include lib"
commits=6
force=0
args=()
while (($#)); do
  case $1 in
    --dirs) dirs=$2; shift 2 ;;
    --commits) commits=$2; shift 2 ;;
    --force) force=1; shift ;;
    -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"; exit 0 ;;
    -*) echo "make_git_repo: unknown option $1" >&2; exit 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
out=${args[0]:-$repo/corpora/linux-history}
tarball=/usr/src/linux-source-6.1.tar.xz
if [[ ! -f $tarball ]]; then
  echo "make_git_repo: $tarball missing: apt-get install linux-source-6.1" >&2
  exit 2
fi
if [[ -d $out/.git && $force == 0 ]]; then
  echo "make_git_repo: $out exists (use --force to rebuild)" >&2
  exit 0
fi
rm -rf "$out"
mkdir -p "$out"
members=()
for d in $dirs; do members+=("linux-source-6.1/$d"); done
tar -xJf "$tarball" -C "$out" --strip-components=1 "${members[@]}"

export GIT_AUTHOR_NAME="Bench Author" GIT_AUTHOR_EMAIL="bench@example.invalid"
export GIT_COMMITTER_NAME="Bench Author" GIT_COMMITTER_EMAIL="bench@example.invalid"
g() { git -C "$out" -c init.defaultBranch=main -c commit.gpgsign=false -c gc.auto=0 "$@"; }
g init -q
g add -A
GIT_AUTHOR_DATE="2023-01-01T00:00:00Z" GIT_COMMITTER_DATE="2023-01-01T00:00:00Z" g commit -q -m "import"
mapfile -t files < <(g ls-files | grep -E '\.(c|h)$')
for ((c = 1; c < commits; c++)); do
  # Every 20th file, shifted per commit: one line appended, the first line changed.
  for ((i = c; i < ${#files[@]}; i += 20)); do
    f=$out/${files[i]}
    [[ -f $f ]] || continue
    sed -i "1s|\$| /* rev $c */|" "$f"
    printf '/* revision %d of %s */\n' "$c" "${files[i]}" >>"$f"
  done
  for ((i = c * 997; i < ${#files[@]}; i += 5003)); do rm -f "$out/${files[i]}"; done
  g add -A
  date="2023-0$((c % 9 + 1))-01T00:00:00Z"
  GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date g commit -q -m "revision $c"
done
g gc -q --prune=now
g count-objects -vH >&2
