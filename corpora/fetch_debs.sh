#!/usr/bin/env bash
# Downloads the real Debian packages named in corpora/debs.list into DIR (default corpora/debs/)
# with `apt-get download`: the artifact corpus for bench/archives.sh.
#
#   corpora/fetch_debs.sh [--list FILE] [--limit N] [--prune] [DIR]
#
# Idempotent: a package that already has a NAME_*.deb in DIR is not downloaded again. Names
# that apt does not know are skipped with a note (the run still succeeds). Each download goes to
# DIR/.partial/ first and is moved into DIR when complete, so an interrupted run leaves no
# truncated .deb behind. DIR/SHA256SUMS records what DIR holds (file names carry the versions).
#   --list FILE  another package list (default corpora/debs.list)
#   --limit N    only the first N names of the list (a small corpus to test the scripts with)
#   --prune      delete .deb files in DIR whose package is not among the names wanted
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
list=$repo/corpora/debs.list
limit=0
prune=0
dir=
while (($#)); do
  case $1 in
    --list) list=$2; shift 2 ;;
    --limit) limit=$2; shift 2 ;;
    --prune) prune=1; shift ;;
    -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"; exit 0 ;;
    -*) echo "fetch_debs: unknown option $1" >&2; exit 2 ;;
    *) [[ -z $dir ]] || { echo "fetch_debs: one DIR only" >&2; exit 2; }; dir=$1; shift ;;
  esac
done
dir=${dir:-$repo/corpora/debs}

for tool in apt-get apt-cache sha256sum; do
  command -v "$tool" >/dev/null || { echo "fetch_debs: $tool not found (this script needs Debian's apt)" >&2; exit 2; }
done
[[ -r $list ]] || { echo "fetch_debs: cannot read $list" >&2; exit 2; }

# Names: comments and blank lines dropped, order kept, duplicates removed.
mapfile -t names < <(sed 's/#.*//; s/[[:space:]]//g' "$list" | awk 'NF && !seen[$0]++')
((limit > 0 && limit < ${#names[@]})) && names=("${names[@]:0:limit}")
((${#names[@]})) || { echo "fetch_debs: $list names no package" >&2; exit 2; }

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

have() { compgen -G "$dir/${1}_*.deb" >/dev/null; }

# Prints the names (of those given) that apt has a downloadable candidate for.
available() {
  apt-cache policy "$@" 2>/dev/null | awk '
    /^[^ ].*:$/ { name = $0; sub(/:.*/, "", name); next }  # "NAME:" or "NAME:ARCH:"
    /^  Candidate:/ { if ($2 != "(none)") print name }'
}

todo=()
for n in "${names[@]}"; do have "$n" || todo+=("$n"); done
echo "fetch_debs: ${#names[@]} packages listed, $((${#names[@]} - ${#todo[@]})) already in $dir" >&2

if ((${#todo[@]})); then
  mapfile -t known < <(available "${todo[@]}")
  # Package lists missing or stale: refresh once. Not again within the hour (lists/partial/ is
  # touched by every update), so a name Debian dropped does not cost an update on every run.
  # Unreachable extra repositories only warn.
  if ((${#known[@]} < ${#todo[@]})) && [[ -z $(find /var/lib/apt/lists/partial -maxdepth 0 -mmin -60 2>/dev/null) ]]; then
    echo "fetch_debs: apt knows ${#known[@]} of ${#todo[@]} names; running apt-get update" >&2
    apt-get update -qq || echo "fetch_debs: apt-get update reported errors; going on with the lists there are" >&2
    mapfile -t known < <(available "${todo[@]}")
  fi
  declare -A is_known=()
  for n in "${known[@]}"; do is_known[$n]=1; done
  fetch=()
  for n in "${todo[@]}"; do
    if [[ -n ${is_known[$n]:-} ]]; then fetch+=("$n"); else echo "fetch_debs: skipped $n: not available from apt" >&2; fi
  done

  if ((${#fetch[@]})); then
    partial=$dir/.partial
    rm -rf "$partial"
    mkdir -p "$partial"
    # apt-get download runs as the _apt user when it can; that user may not write to $dir.
    apt_opts=(-q -o APT::Sandbox::User=root)
    echo "fetch_debs: downloading ${#fetch[@]} packages" >&2
    # One apt-get call for all (fast); if it fails, one call per package to name the failures.
    if ! (cd "$partial" && apt-get download "${apt_opts[@]}" "${fetch[@]}" >/dev/null); then
      echo "fetch_debs: batch download failed; retrying package by package" >&2
      for n in "${fetch[@]}"; do
        compgen -G "$partial/${n}_*.deb" >/dev/null && continue
        if ! (cd "$partial" && apt-get download "${apt_opts[@]}" "$n" >/dev/null 2>"$partial/$n.err"); then
          echo "fetch_debs: skipped $n: $(grep -m1 '^E:' "$partial/$n.err" || echo 'apt-get download failed')" >&2
          rm -f "$partial/${n}_"*.deb
        fi
      done
    fi
    for f in "$partial"/*.deb; do [[ -e $f ]] && mv -f "$f" "$dir/"; done
    rm -rf "$partial"
  fi
fi

if ((prune)); then
  declare -A wanted=()
  for n in "${names[@]}"; do wanted[$n]=1; done
  for f in "$dir"/*.deb; do
    [[ -e $f ]] || continue
    base=${f##*/}
    [[ -n ${wanted[${base%%_*}]:-} ]] || { echo "fetch_debs: pruned $base" >&2; rm -f "$f"; }
  done
fi

missing=0
for n in "${names[@]}"; do have "$n" || ((++missing)); done
(cd "$dir" && find . -maxdepth 1 -name '*.deb' -printf '%P\n' | LC_ALL=C sort | xargs -r sha256sum > SHA256SUMS)
count=$(grep -c . "$dir/SHA256SUMS" || true)
bytes=$(find "$dir" -maxdepth 1 -name '*.deb' -printf '%s\n' | awk '{t += $1} END {print t + 0}')
extra=$((count - (${#names[@]} - missing)))
note="$missing listed packages missing"
((extra > 0)) && note+=", $extra files not in the list (--prune deletes them)"
echo "fetch_debs: $dir holds $count .deb files, $(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1e6}') MB; $note" >&2
