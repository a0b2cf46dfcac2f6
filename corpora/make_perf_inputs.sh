#!/usr/bin/env bash
# The inputs of bench/perf.py, made from Debian's Linux 6.1 source tarball:
#
#   corpora/make_perf_inputs.sh [--tarball PATH] [--force] [OUT_DIR]
#
# OUT_DIR (default corpora/perf/) receives:
#   linux-6.1/        the extracted tree (78,000 files, 1.3 GB)
#   linux-512mb.txt   512 MiB of that tree's files, concatenated in sorted path order
#   linux.tar.zst     the tree as a tar (names sorted, mtime 0, owner 0), zstd -3
# The tarball defaults to /usr/src/linux-source-6.1.tar.xz; when that path is missing, the
# Debian package linux-source-6.1 is installed (root only). Existing outputs are kept unless
# --force. Takes about a minute on 2 cores; needs about 3 GB of disk.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
tarball=/usr/src/linux-source-6.1.tar.xz
force=0
args=()
while (($#)); do
  case $1 in
    --tarball) tarball=$2; shift 2 ;;
    --force) force=1; shift ;;
    -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"; exit 0 ;;
    -*) echo "make_perf_inputs: unknown option $1" >&2; exit 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
((${#args[@]} <= 1)) || { echo "make_perf_inputs: at most OUT_DIR" >&2; exit 2; }
out=${args[0]:-$repo/corpora/perf}

for tool in tar xz zstd; do
  command -v "$tool" >/dev/null || { echo "make_perf_inputs: $tool not found: apt-get install $tool" >&2; exit 2; }
done
if [[ ! -e $tarball ]]; then
  if [[ $tarball == /usr/src/linux-source-6.1.tar.xz && $(id -u) == 0 ]]; then
    echo "make_perf_inputs: $tarball missing; installing linux-source-6.1" >&2
    apt-get install -y -q --no-install-recommends linux-source-6.1 >/dev/null
  fi
  [[ -e $tarball ]] || { echo "make_perf_inputs: no $tarball (apt-get install linux-source-6.1)" >&2; exit 2; }
fi

mkdir -p "$out"
tree=$out/linux-6.1
if ((force)) || [[ ! -d $tree ]]; then
  rm -rf "$tree" "$tree.part"
  mkdir -p "$tree.part"
  echo "make_perf_inputs: extracting $tarball" >&2
  tar -C "$tree.part" --strip-components=1 -xJf "$tarball"
  mv "$tree.part" "$tree"
fi

big=$out/linux-512mb.txt
if ((force)) || [[ ! -s $big ]]; then
  echo "make_perf_inputs: $big" >&2
  # head stops reading at 512 MiB: the cat behind it dies of SIGPIPE, which is no error here.
  (cd "$tree" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 cat 2>/dev/null) | head -c $((512 << 20)) > "$big.part" || true
  (($(stat -c %s "$big.part") == 512 << 20)) || { echo "make_perf_inputs: the tree has less than 512 MiB" >&2; exit 2; }
  mv "$big.part" "$big"
fi

archive=$out/linux.tar.zst
if ((force)) || [[ ! -s $archive ]]; then
  echo "make_perf_inputs: $archive" >&2
  tar -C "$tree" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --transform 's,^\.,linux-6.1,' -cf - . |
    zstd -3 -T0 -q -o "$archive.part"
  mv "$archive.part" "$archive"
fi
echo "make_perf_inputs: inputs in $out" >&2
