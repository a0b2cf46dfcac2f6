#!/usr/bin/env bash
# Fetches the Debian source packages named in corpora/sources.list and unpacks each into
# DIR/NAME/ (default DIR corpora/sources/): the Debian precision corpus for corpora/precision.sh.
#
#   corpora/fetch_sources.sh [--list FILE] [--limit N] [--prune] [DIR]
#
# The system's apt configuration is not changed: the script keeps a private sources list with
# deb-src lines for bookworm, bookworm-updates and bookworm-security, and its own package lists,
# in DIR/.apt/, and runs `apt-get source --download-only` and `dpkg-source -x` with them
# (dpkg-dev is installed with apt-get when dpkg-source is missing).
# Idempotent: a package that already has DIR/NAME/ is not fetched again. Names that apt does not
# know are skipped with a note (the run still succeeds). Each package is downloaded and unpacked
# in DIR/.partial/ and moved to DIR/NAME/ when complete, so an interrupted run leaves no half
# tree behind; the downloaded .dsc and tarballs are then deleted. The folder name carries no
# version, so paths in the judged file survive a point release; DIR/VERSIONS records the
# version of every unpacked package.
#   --list FILE  another package list (default corpora/sources.list)
#   --limit N    only the first N names of the list (a small corpus to test the scripts with)
#   --prune      delete folders in DIR whose package is not among the names wanted
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
list=$repo/corpora/sources.list
limit=0
prune=0
dir=
while (($#)); do
  case $1 in
    --list) list=$2; shift 2 ;;
    --limit) limit=$2; shift 2 ;;
    --prune) prune=1; shift ;;
    -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"; exit 0 ;;
    -*) echo "fetch_sources: unknown option $1" >&2; exit 2 ;;
    *) [[ -z $dir ]] || { echo "fetch_sources: one DIR only" >&2; exit 2; }; dir=$1; shift ;;
  esac
done
dir=${dir:-$repo/corpora/sources}

for tool in apt-get apt-cache; do
  command -v "$tool" >/dev/null || { echo "fetch_sources: $tool not found (this script needs Debian's apt)" >&2; exit 2; }
done
[[ -r $list ]] || { echo "fetch_sources: cannot read $list" >&2; exit 2; }

# Names: comments and blank lines dropped, order kept, duplicates removed.
mapfile -t names < <(sed 's/#.*//; s/[[:space:]]//g' "$list" | awk 'NF && !seen[$0]++')
((limit > 0 && limit < ${#names[@]})) && names=("${names[@]:0:limit}")
((${#names[@]})) || { echo "fetch_sources: $list names no package" >&2; exit 2; }

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

have() { [[ -d $dir/$1 ]]; }

todo=()
for n in "${names[@]}"; do have "$n" || todo+=("$n"); done
echo "fetch_sources: ${#names[@]} packages listed, $((${#names[@]} - ${#todo[@]})) already in $dir" >&2

if ((${#todo[@]})); then
  if ! command -v dpkg-source >/dev/null; then
    echo "fetch_sources: dpkg-source not found; installing dpkg-dev" >&2
    apt-get install -y -q --no-install-recommends dpkg-dev >/dev/null
  fi

  # Private apt state: deb-src lines the system may not have, lists apart from the system's.
  aptdir=$dir/.apt
  mkdir -p "$aptdir/lists/partial" "$aptdir/parts" "$aptdir/cache/archives/partial"
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  signed=
  [[ -r $keyring ]] && signed="[signed-by=$keyring] "
  cat > "$aptdir/sources.list" <<EOF
deb-src ${signed}http://deb.debian.org/debian bookworm main
deb-src ${signed}http://deb.debian.org/debian bookworm-updates main
deb-src ${signed}http://deb.debian.org/debian-security bookworm-security main
EOF
  # APT::Sandbox::User=root: the _apt user may not write to $dir.
  apt_opts=(-q -o "Dir::Etc::SourceList=$aptdir/sources.list" -o "Dir::Etc::SourceParts=$aptdir/parts"
    -o "Dir::State::Lists=$aptdir/lists" -o "Dir::Cache=$aptdir/cache" -o APT::Sandbox::User=root)

  # Prints "NAME VERSION..." for the names (of those given) that the source lists have, the
  # versions highest first (bookworm, -updates and -security may each have one).
  available() {
    local n
    for n in "$@"; do
      apt-cache "${apt_opts[@]}" showsrc --only-source "$n" 2>/dev/null |
        awk '/^Version:/ {print $2}' | sort -urV | awk -v n="$n" '{v = v " " $0} END {if (v != "") print n v}'
    done
  }

  # Lists missing or older than a day: refresh (a few seconds, 10 MB).
  if [[ -z $(find "$aptdir/lists" -maxdepth 1 -name '*Sources*' -mmin -1440 2>/dev/null) ]]; then
    echo "fetch_sources: refreshing the private deb-src lists in $aptdir" >&2
    apt-get "${apt_opts[@]}" update -qq >/dev/null ||
      echo "fetch_sources: apt-get update reported errors; going on with the lists there are" >&2
  fi
  declare -A versions=()
  while read -r n v; do versions[$n]=$v; done < <(available "${todo[@]}")

  partial=$dir/.partial
  for n in "${todo[@]}"; do
    if [[ -z ${versions[$n]:-} ]]; then
      echo "fetch_sources: skipped $n: no source package of that name in bookworm" >&2
      continue
    fi
    # The highest version first; an older one when a file of it cannot be downloaded (a
    # security update whose files the mirror lacks, say).
    got=
    for v in ${versions[$n]}; do
      rm -rf "$partial"
      mkdir -p "$partial"
      if ! (cd "$partial" && apt-get "${apt_opts[@]}" source --download-only --only-source "$n=$v" >/dev/null 2>"$partial/err"); then
        echo "fetch_sources: $n $v: $(grep -m1 '^E:' "$partial/err" || echo 'apt-get source failed')" >&2
        continue
      fi
      dsc=$(compgen -G "$partial/${n}_*.dsc" | head -n 1)
      # No signature check here: apt has checked the files against the signed Release file.
      if ! (cd "$partial" && dpkg-source --no-check -x "$dsc" tree >/dev/null 2>"$partial/err"); then
        echo "fetch_sources: $n $v: dpkg-source -x failed: $(tail -n 1 "$partial/err")" >&2
        continue
      fi
      mv "$partial/tree" "$dir/$n"
      echo "$n $v" >> "$dir/VERSIONS"
      echo "fetch_sources: unpacked $n $v" >&2
      got=1
      break
    done
    [[ -n $got ]] || echo "fetch_sources: skipped $n: no version could be fetched" >&2
  done
  rm -rf "$partial"
fi

if ((prune)); then
  declare -A wanted=()
  for n in "${names[@]}"; do wanted[$n]=1; done
  for d in "$dir"/*/; do
    d=${d%/}
    [[ -e $d ]] || continue
    [[ -n ${wanted[${d##*/}]:-} ]] || { echo "fetch_sources: pruned ${d##*/}" >&2; rm -rf "$d"; }
  done
fi

# VERSIONS: one line per folder in DIR, the last version recorded for it, sorted.
if [[ -f $dir/VERSIONS ]]; then
  awk -v d="$dir" '{v[$1] = $2} END {for (n in v) if (system("test -d \"" d "/" n "\"") == 0) print n, v[n]}' \
    "$dir/VERSIONS" | LC_ALL=C sort > "$dir/VERSIONS.new"
  mv "$dir/VERSIONS.new" "$dir/VERSIONS"
fi

missing=0
for n in "${names[@]}"; do have "$n" || ((++missing)); done
count=$(find "$dir" -mindepth 1 -maxdepth 1 -type d ! -name '.*' | wc -l)
bytes=$(find "$dir" -mindepth 1 -maxdepth 1 -type d ! -name '.*' -print0 | xargs -0 -r du -sb --apparent-size | awk '{t += $1} END {print t + 0}')
extra=$((count - (${#names[@]} - missing)))
note="$missing listed packages missing"
((extra > 0)) && note+=", $extra folders not in the list (--prune deletes them)"
echo "fetch_sources: $dir holds $count unpacked packages, $(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1e6}') MB; $note" >&2
