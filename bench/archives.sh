#!/usr/bin/env bash
# Archive throughput: `sluice scan` on archives next to decompression alone, side by side in one
# run, on the same bytes. Prints MB/s of decompressed bytes for every command and the ratio of
# sluice's time to decompression's (the goal: scanning adds less than 10%).
#
#   bench/archives.sh [options]
#     --sluice BIN       the sluice binary (default: $SLUICE, else build/cli/sluice)
#     --drain BIN        sluice-archive-drain (default: build/bench/sluice-archive-drain when
#                        built); --no-drain leaves its rows out
#     --runs R           timed runs of every command, interleaved; the table shows the median
#                        and the best (default: $RUNS, else 3)
#     --threads N        the "all cores" thread count (default: nproc)
#     --archives DIR     folder with generated.tar.gz and generated.tar.zst
#                        (default corpora/archives/, made by corpora/make_archives.sh)
#     --debs DIR         folder of .deb files (default corpora/debs/, from corpora/fetch_debs.sh)
#     --only LIST        comma-separated subset of: gz,zst,debs (default: all that exist)
#     --sluice-arg ARG   one more argument for every `sluice scan` (repeatable)
#     --raw FILE         also write every timed run as tab-separated values
#
# Inputs and commands (every command's output goes to /dev/null; sluice writes its report to a
# scratch file):
#   generated.tar.gz   gzip -dc | pigz -dc | bsdtar -xOf | drain -j1 | sluice scan -j1 | -jN
#   generated.tar.zst  zstd -dc | bsdtar -xOf | drain -j1 | sluice scan -j1 | -jN
#   debs/              per .deb `bsdtar -xOf X.deb 'data.tar.*' | bsdtar -xOf -`, serially
#                      and with xargs -P N | drain --depth 2 and drain (depth 8), -j1 and -jN |
#                      sluice scan DIR -j1 | -jN
# Decompressed bytes are measured once per input: the contents of the tar members (for .debs,
# of the members of each data.tar.*), the bytes a scanner has to look at.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
sluice=${SLUICE:-$repo/build/cli/sluice}
drain=$repo/build/bench/sluice-archive-drain
use_drain=1
runs=${RUNS:-3}
threads=$(nproc)
archives=$repo/corpora/archives
debs=$repo/corpora/debs
only=gz,zst,debs
sluice_args=()
raw=

die() { echo "archives.sh: $*" >&2; exit 2; }
while (($#)); do
  case $1 in
    --sluice) sluice=$2; shift 2 ;;
    --drain) drain=$2; shift 2 ;;
    --no-drain) use_drain=0; shift ;;
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --archives) archives=$2; shift 2 ;;
    --debs) debs=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --sluice-arg) sluice_args+=("$2"); shift 2 ;;
    --raw) raw=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs wants a positive number"
[[ $threads =~ ^[1-9][0-9]*$ ]] || die "--threads wants a positive number"
for key in ${only//,/ }; do
  [[ $key == gz || $key == zst || $key == debs ]] || die "--only takes gz, zst and debs, comma-separated"
done

# Tools, each with the Debian package that has it.
missing=()
for pair in zstd:zstd pigz:pigz gzip:gzip bsdtar:libarchive-tools xz:xz-utils bzip2:bzip2 lz4:lz4 \
            xargs:findutils awk:gawk; do
  command -v "${pair%%:*}" >/dev/null || missing+=("$pair")
done
if ((${#missing[@]})); then
  for pair in "${missing[@]}"; do echo "archives.sh: ${pair%%:*} not found (Debian package ${pair#*:})" >&2; done
  die "install them: apt-get install -y $(printf '%s ' "${missing[@]#*:}")(or run scripts/setup.sh)"
fi
[[ -x $sluice ]] || die "no sluice binary at $sluice (build it, or give --sluice BIN or SLUICE=BIN)"
if ((use_drain)) && [[ ! -x $drain ]]; then
  echo "archives.sh: note: no $drain (cmake --build build --target sluice-archive-drain); its rows are left out" >&2
  use_drain=0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-archives.XXXXXX")
trap 'rm -rf "$work"' EXIT
[[ -n $raw ]] && printf 'input\tcommand\trun\twall_s\tuser_s\tsys_s\texit\n' > "$raw"

q() { printf '%q' "$1"; }
sluice_cmd() {  # sluice_cmd PATH THREADS
  local cmd
  cmd="$(q "$sluice") scan $(q "$1") -f jsonl -o $(q "$work/report.jsonl") -j $2"
  local a
  for a in "${sluice_args[@]}"; do cmd+=" $(q "$a")"; done
  echo "$cmd"
}
# sluice's fixed cost (process start, rule database, report) on an empty file, to put the
# small-input rows in perspective.
: > "$work/empty"
startup_row() { row "sluice scan of an empty file (start-up)" 1 startup "$(sluice_cmd "$work/empty" 1)"; }
mb() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1e6}'; }

# Sums "regular files, bytes" of a tar listing (bsdtar -tv) on stdin.
tar_contents() { awk '/^-/ {n++; t += $5} END {printf "%d %d\n", n, t}'; }

# ---- one input: rows of commands, timed in interleaved rounds, then the table ----
# Each row: label, class (1: one thread of work, N: all cores), kind (decomp, sluice or startup),
# command.
labels=() classes=() kinds=() cmds=()
row() { labels+=("$1"); classes+=("$2"); kinds+=("$3"); cmds+=("$4"); }

# ---- machine and versions, printed above the first table ----
header_printed=0
header_once() {
  ((header_printed)) && return
  header_printed=1
  echo "archives.sh: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB;" \
       "median of $runs interleaved runs, warm page cache; MB/s = decompressed MB (10^6 bytes) / median seconds"
  echo "archives.sh: $("$sluice" --version 2>/dev/null | head -1) ($sluice); $(bsdtar --version | head -1);" \
       "$(zstd -V | head -1 | sed 's/^\*\** *//; s/ *\**$//'); $(gzip -V | head -1); $(pigz -V 2>&1 | head -1)"
}

T_WALL=0 T_USER=0 T_SYS=0 T_RC=0
run_timed() {  # run_timed CMD ERRFILE
  local tf=$work/time TIMEFORMAT='%3R %3U %3S'
  T_RC=0
  { time eval "$1" >/dev/null 2>"$2"; } 2>"$tf" || T_RC=$?
  read -r T_WALL T_USER T_SYS < <(tail -n 1 "$tf")
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
best() { tr ' ' '\n' | grep . | sort -g | head -n 1; }

bench_input() {  # bench_input NAME BYTES HEADER_TEXT
  local name=$1 bytes=$2 i r n=${#labels[@]}
  local -a walls=() cpus=() rcs=() incomplete=()
  for ((i = 0; i < n; i++)); do walls[i]=""; cpus[i]=""; rcs[i]=0; incomplete[i]=0; done
  echo >&2
  echo "archives.sh: $name: $n commands x $runs runs" >&2
  for ((r = 1; r <= runs; r++)); do
    for ((i = 0; i < n; i++)); do
      run_timed "${cmds[i]}" "$work/err.$i"
      walls[i]+=" $T_WALL"
      cpus[i]+=" $(awk -v u="$T_USER" -v s="$T_SYS" 'BEGIN {print u + s}')"
      if [[ ${kinds[i]} == sluice || ${kinds[i]} == startup ]]; then
        # 1 is "findings", not an error; 3 (some input not scanned) keeps the timing, flagged.
        if ((T_RC == 3)); then incomplete[i]=1; elif ((T_RC > 1)); then rcs[i]=$T_RC; fi
      elif ((T_RC != 0)); then
        rcs[i]=$T_RC
      fi
      [[ -n $raw ]] && printf '%s\t%s\t%d\t%s\t%s\t%s\t%d\n' "$name" "${labels[i]}" "$r" "$T_WALL" "$T_USER" "$T_SYS" \
        "$T_RC" >> "$raw"
      printf 'archives.sh:   run %d/%d  %-44s %7.2f s\n' "$r" "$runs" "${labels[i]}" "$T_WALL" >&2
    done
  done

  # Per class, two references: decompression with libarchive, the library sluice uses (the
  # drain at sluice's depth if it is there, else bsdtar), and the fastest decompression. A single
  # archive has no parallel decompression: class N then falls back to class 1.
  local -a med=() bst=() cores=()
  for ((i = 0; i < n; i++)); do
    med[i]=$(median <<< "${walls[i]}")
    bst[i]=$(best <<< "${walls[i]}")
    cores[i]=$(awk -v c="$(median <<< "${cpus[i]}")" -v w="${med[i]}" 'BEGIN {printf "%.2f", (w > 0 ? c / w : 0)}')
  done
  local -A ref=() ref_label=() fast=() fast_label=()
  local class pattern
  for class in 1 N; do
    # The drain at sluice's depth, else bsdtar: the first decompression row that matches.
    for pattern in 'sluice-archive-drain -j*' 'bsdtar*'; do
      for ((i = 0; i < n; i++)); do
        # shellcheck disable=SC2053
        [[ ${kinds[i]} == decomp && ${classes[i]} == "$class" && ${rcs[i]} == 0 && ${labels[i]} == $pattern ]] || continue
        ref[$class]=${med[i]}; ref_label[$class]=${labels[i]}
        break 2
      done
    done
    for ((i = 0; i < n; i++)); do
      [[ ${kinds[i]} == decomp && ${classes[i]} == "$class" && ${rcs[i]} == 0 ]] || continue
      if [[ -z ${fast[$class]:-} ]] || awk -v a="${med[i]}" -v b="${fast[$class]}" 'BEGIN {exit !(a < b)}'; then
        fast[$class]=${med[i]}; fast_label[$class]=${labels[i]}
      fi
    done
  done
  if [[ -z ${ref[N]:-} ]]; then ref[N]=${ref[1]:-}; ref_label[N]=${ref_label[1]:-}; fi
  if [[ -z ${fast[N]:-} ]]; then fast[N]=${fast[1]:-}; fast_label[N]=${fast_label[1]:-}; fi

  header_once
  echo
  echo "== $name: $3"
  printf '%-46s %9s %9s %9s %6s %14s %11s\n' "command" "median s" "best s" "MB/s" "cores" "vs libarchive" "vs fastest"
  for ((i = 0; i < n; i++)); do
    local rate vs_ref="" vs_fast="" c=${classes[i]}
    rate=$(awk -v b="$bytes" -v t="${med[i]}" 'BEGIN {printf "%.1f", (t > 0 ? b / 1e6 / t : 0)}')
    [[ ${kinds[i]} == startup ]] && rate=-
    if [[ ${kinds[i]} == sluice ]]; then
      [[ -n ${ref[$c]:-} ]] && vs_ref=$(awk -v a="${med[i]}" -v b="${ref[$c]}" 'BEGIN {printf "%.2fx", a / b}')
      [[ -n ${fast[$c]:-} ]] && vs_fast=$(awk -v a="${med[i]}" -v b="${fast[$c]}" 'BEGIN {printf "%.2fx", a / b}')
    elif [[ ${labels[i]} == "${ref_label[$c]:-}" || ${labels[i]} == "${ref_label[1]:-}" ]]; then
      vs_ref="(ref)"
    fi
    if ((rcs[i] != 0)); then
      printf '%-46s FAILED (exit %d): %s\n' "${labels[i]}" "${rcs[i]}" "$(grep -m1 . "$work/err.$i" || true)"
      continue
    fi
    printf '%-46s %9.3f %9.3f %9s %6s %14s %11s\n' "${labels[i]}" "${med[i]}" "${bst[i]}" "$rate" "${cores[i]}" \
      "$vs_ref" "$vs_fast"
  done
  # A one-thread decompression that got much less than a core means other processes competed.
  local least
  least=$(for ((i = 0; i < n; i++)); do
            if [[ ${kinds[i]} == decomp && ${classes[i]} == 1 && ${rcs[i]} == 0 ]]; then echo "${cores[i]}"; fi
          done | sort -g | head -n 1)
  if [[ -n $least ]] && awk -v c="$least" 'BEGIN {exit !(c < 0.8)}'; then
    echo "   WARNING: a one-thread decompression used only $least of a core: the machine was busy" \
         "(load average $(cut -d' ' -f1-3 /proc/loadavg)); these figures are not reliable"
  fi
  echo "   libarchive reference: 1 thread ${ref_label[1]:-none}; all cores ${ref_label[N]:-none}"
  echo "   fastest decompression: 1 thread ${fast_label[1]:-none}; all cores ${fast_label[N]:-none}"
  for ((i = 0; i < n; i++)); do
    if [[ ${kinds[i]} == sluice ]]; then
      echo "   ${labels[i]}: $(grep -m1 '^sluice: scanned' "$work/err.$i" || echo 'no summary line')"
      if ((incomplete[i])); then
        echo "   ${labels[i]}: exit 3, some input was not scanned: $(grep -m1 'error' "$work/err.$i" || true)"
      fi
    elif [[ ${labels[i]} == sluice-archive-drain* ]]; then
      echo "   ${labels[i]}: $(grep -m1 '^sluice-archive-drain: [0-9]* inputs' "$work/err.$i" | sed 's/^sluice-archive-drain: //')"
    fi
  done
  labels=() classes=() kinds=() cmds=()
  ((++benchmarked))
}
benchmarked=0

drain_note() { if ((use_drain)); then echo "; sluice-archive-drain: libarchive in one process, no scanning"; fi; }
N=$threads

# ---- generated corpus, .tar.gz and .tar.zst ----
tarball_input() {  # tarball_input KEY FILE
  local key=$1 file=$2 name=${2##*/}
  [[ ,$only, == *,$key,* ]] || return 0
  if [[ ! -s $file ]]; then
    echo "archives.sh: skipped $file: not found (corpora/make_archives.sh makes it)" >&2
    return 0
  fi
  echo "archives.sh: measuring $name" >&2
  local files content stream
  read -r files content < <(bsdtar -tvf "$file" | tar_contents)
  case $key in
    gz) stream=$(gzip -dc "$file" | wc -c) ;;
    zst) stream=$(zstd -dc "$file" | wc -c) ;;
  esac
  local f; f=$(q "$file")
  case $key in
    gz)
      row "gzip -dc" 1 decomp "gzip -dc $f"
      row "pigz -dc" 1 decomp "pigz -dc $f" ;;
    zst)
      row "zstd -dc" 1 decomp "zstd -dc $f" ;;
  esac
  row "bsdtar -xOf" 1 decomp "bsdtar -xOf $f"
  if ((use_drain)); then row "sluice-archive-drain -j1" 1 decomp "$(q "$drain") -j1 $f"; fi
  row "sluice scan -j1" 1 sluice "$(sluice_cmd "$file" 1)"
  row "sluice scan -j$N" N sluice "$(sluice_cmd "$file" "$N")"
  startup_row
  bench_input "$name" "$content" "$(mb "$content") MB decompressed in $files files (tar stream $(mb "$stream") MB), $(mb "$(stat -c %s "$file")") MB compressed$(drain_note)"
}
tarball_input gz "$archives/generated.tar.gz"
tarball_input zst "$archives/generated.tar.zst"

# ---- a folder of real .debs ----
if [[ ,$only, == *,debs,* ]]; then
  if [[ ! -d $debs ]] || ! compgen -G "$debs/*.deb" >/dev/null; then
    echo "archives.sh: skipped $debs: no .deb files (corpora/fetch_debs.sh downloads them)" >&2
  else
    debs=$(cd "$debs" && pwd)
    find "$debs" -maxdepth 1 -name '*.deb' -print0 | sort -z > "$work/debs.list0"
    count=$(tr -cd '\0' < "$work/debs.list0" | wc -c)
    echo "archives.sh: measuring $count .debs in $debs" >&2
    # Per .deb: files and bytes of the data.tar members, and of the members that are compressed
    # themselves (man pages, changelogs: sluice opens them, the bsdtar pipeline does not).
    # shellcheck disable=SC2016
    xargs -0 -a "$work/debs.list0" -n1 -P "$N" sh -c \
      'bsdtar -xOf "$1" "data.tar.*" | bsdtar -tvf - | awk '\''/^-/ {n++; t += $5; if ($NF ~ /\.(gz|bz2|xz|zst|lz4|zip|jar|tgz|Z)$/) {cn++; ct += $5}} END {printf "%d %d %d %d\n", n, t, cn, ct}'\''' sh \
      > "$work/debs.sizes"
    read -r files content nested nested_bytes < <(awk '{a += $1; b += $2; c += $3; d += $4} END {printf "%d %d %d %d\n", a, b, c, d}' "$work/debs.sizes")
    compressed=$(xargs -0 -a "$work/debs.list0" stat -c %s | awk '{t += $1} END {print t + 0}')
    # sh -c per .deb: bsdtar cannot open a member as an archive in the same process. dash starts
    # in about a millisecond; the two bsdtar processes per .deb cost more (see bench/README.md).
    # shellcheck disable=SC2016
    per_deb='sh -c '\''bsdtar -xOf "$1" "data.tar.*" | bsdtar -xOf -'\'' sh'
    list0=$(q "$work/debs.list0")
    row "bsdtar data.tar | bsdtar, serial" 1 decomp "xargs -0 -a $list0 -n1 -P1 $per_deb"
    row "bsdtar data.tar | bsdtar, xargs -P$N" N decomp "xargs -0 -a $list0 -n1 -P$N $per_deb"
    if ((use_drain)); then
      row "sluice-archive-drain --depth 2 -j1" 1 decomp "$(q "$drain") --depth 2 -j1 $(q "$debs")"
      row "sluice-archive-drain --depth 2 -j$N" N decomp "$(q "$drain") --depth 2 -j$N $(q "$debs")"
      row "sluice-archive-drain -j1" 1 decomp "$(q "$drain") -j1 $(q "$debs")"
      row "sluice-archive-drain -j$N" N decomp "$(q "$drain") -j$N $(q "$debs")"
    fi
    row "sluice scan DIR -j1" 1 sluice "$(sluice_cmd "$debs" 1)"
    row "sluice scan DIR -j$N" N sluice "$(sluice_cmd "$debs" "$N")"
    startup_row
    bench_input "${debs##*/}/ ($count .debs)" "$content" \
      "$(mb "$content") MB decompressed in $files files of the data.tar members, $(mb "$compressed") MB of .debs; $nested of those files ($(mb "$nested_bytes") MB) are compressed themselves and left so by the bsdtar pipeline$(drain_note)"
  fi
fi
((benchmarked)) || die "no input to measure (see the notes above)"
