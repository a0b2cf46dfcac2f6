#!/usr/bin/env bash
# Packs the generated corpus tree into generated.tar.gz and generated.tar.zst for
# bench/archives.sh.
#
#   corpora/make_archives.sh [--mb N] [--corpus-bin BIN] [--force] [CORPUS_DIR] [OUT_DIR]
#
# CORPUS_DIR (default corpora/generated/) is used as it is when it exists; otherwise it is first
# generated with `sluice-corpus --out CORPUS_DIR --mb N` (default 500; BIN defaults to
# build/corpora/sluice-corpus). OUT_DIR defaults to corpora/archives/. Existing archives are
# kept unless --force or the tree is newer than them.
#
# The tar is deterministic: names sorted, mtime 0, owner and group 0, fixed permissions, one
# top-level folder `generated/` whatever CORPUS_DIR is called, so the same tree gives the same
# .tar bytes. gzip -6 -n (no name or time stamp) and zstd -3 (-T0: zstd's output does not depend
# on the number of threads) are deterministic too.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
mb=500
corpus_bin=$repo/build/corpora/sluice-corpus
force=0
args=()
while (($#)); do
  case $1 in
    --mb) mb=$2; shift 2 ;;
    --corpus-bin) corpus_bin=$2; shift 2 ;;
    --force) force=1; shift ;;
    -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"; exit 0 ;;
    -*) echo "make_archives: unknown option $1" >&2; exit 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
((${#args[@]} <= 2)) || { echo "make_archives: at most CORPUS_DIR and OUT_DIR" >&2; exit 2; }
corpus=${args[0]:-$repo/corpora/generated}
out=${args[1]:-$repo/corpora/archives}

for tool in tar gzip zstd; do
  if ! command -v "$tool" >/dev/null; then
    echo "make_archives: $tool not found: apt-get install $tool" >&2
    exit 2
  fi
done

if [[ ! -d $corpus ]] || [[ -z $(ls -A "$corpus") ]]; then
  [[ -x $corpus_bin ]] || { echo "make_archives: $corpus_bin not found (build it: cmake --build build --target sluice-corpus)" >&2; exit 2; }
  [[ -d $corpus ]] && rmdir "$corpus"
  echo "make_archives: generating a $mb MB corpus in $corpus" >&2
  "$corpus_bin" --out "$corpus" --mb "$mb" >&2
fi
corpus=$(cd "$corpus" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
case $out/ in "$corpus"/*) echo "make_archives: OUT_DIR must not be inside CORPUS_DIR" >&2; exit 2 ;; esac

pack() {  # deterministic tar of the tree on stdout
  tar -C "$corpus" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
      --mode='u+rwX,go+rX,go-w' --format=gnu --transform='s,^\.,generated,' -cf - .
}

newest=$(find "$corpus" -printf '%T@\n' | sort -n | tail -1)
make_one() {  # make_one NAME COMPRESSOR...
  local target=$out/$1
  shift
  if ((!force)) && [[ -s $target ]] && awk -v a="$(stat -c %Y "$target")" -v b="$newest" 'BEGIN {exit !(a >= b)}'; then
    echo "make_archives: $target is up to date" >&2
    return
  fi
  echo "make_archives: writing $target" >&2
  pack | "$@" > "$target.tmp"
  mv -f "$target.tmp" "$target"
}
make_one generated.tar.gz gzip -6 -n
make_one generated.tar.zst zstd -3 -T0 -q

files=$(find "$corpus" -type f | wc -l)
content=$(find "$corpus" -type f -printf '%s\n' | awk '{t += $1} END {print t + 0}')
for f in generated.tar.gz generated.tar.zst; do
  size=$(stat -c %s "$out/$f")
  awk -v f="$out/$f" -v s="$size" -v c="$content" -v n="$files" \
    'BEGIN {printf "make_archives: %s: %.1f MB, %d files of %.1f MB (%.1f%%)\n", f, s / 1e6, n, c / 1e6, 100 * s / c}' >&2
done
