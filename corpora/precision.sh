#!/usr/bin/env bash
# Measures sluice's precision on the precision corpora: the Debian sources fetched by
# corpora/fetch_sources.sh and, when --linux is given, Debian's Linux 6.1 source tarball.
#
#   corpora/precision.sh [--binary PATH] [--linux PATH] [--sources DIR] [--template DIR] [--keep DIR]
#
# Each corpus is scanned with `sluice scan … -f jsonl` at the default settings (all default rules,
# default confidence) and every finding location is compared with the corpus's judged file:
# corpora/debian-sources.judged.jsonl and corpora/linux-6.1.judged.jsonl (format in
# corpora/precision_compare.py). Prints per corpus the bytes scanned, the findings by rule with
# their verdicts, and false positives per 100 MB (1 MB = 10^6 bytes). A finding the judged file
# does not cover is printed as one line, `UNJUDGED path:line rule fingerprint | 60 characters of
# the line, the secret masked`, and the exit code is then 1: a new rule that fires on these trees
# cannot pass unnoticed. Secrets are never printed whole (first 4 characters, then a mask).
#   --binary PATH   the sluice binary (default: $SLUICE, else build/cli/sluice)
#   --linux PATH    also scan this Linux source tarball (/usr/src/linux-source-6.1.tar.xz; when
#                   that path is missing, the script installs the Debian package linux-source-6.1)
#   --sources DIR   the unpacked Debian sources (default corpora/sources/; fetch_sources.sh makes it)
#   --template DIR  write the unjudged locations of each corpus to DIR/<corpus>.unjudged.jsonl as
#                   judged-file lines with an empty verdict, ready to judge and append
#   --keep DIR      keep the raw reports (DIR/<corpus>.jsonl; they hold the secrets in clear)
# Exit codes: 0 every finding judged; 1 unjudged findings; 2 usage or setup error.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
sluice=${SLUICE:-$repo/build/cli/sluice}
linux=
sources=$repo/corpora/sources
template=
keep=
while (($#)); do
  case $1 in
    --binary) sluice=$2; shift 2 ;;
    --linux) linux=$2; shift 2 ;;
    --sources) sources=$2; shift 2 ;;
    --template) template=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"; exit 0 ;;
    *) echo "precision: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

[[ -x $sluice ]] || { echo "precision: no sluice binary at $sluice (--binary PATH)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "precision: python3 not found" >&2; exit 2; }
[[ -d $sources ]] || { echo "precision: no $sources; run corpora/fetch_sources.sh first" >&2; exit 2; }
# Package folders: what fetch_sources.sh unpacked (DIR/.apt and DIR/VERSIONS are not scanned).
mapfile -t packages < <(find "$sources" -mindepth 1 -maxdepth 1 -type d ! -name '.*' -printf '%f\n' | LC_ALL=C sort)
((${#packages[@]})) || { echo "precision: $sources holds no package folder" >&2; exit 2; }

if [[ -n $linux && ! -e $linux ]]; then
  if [[ $linux == /usr/src/linux-source-6.1.tar.xz ]]; then
    echo "precision: $linux missing; installing linux-source-6.1" >&2
    apt-get install -y -q --no-install-recommends linux-source-6.1 >/dev/null
  fi
  [[ -e $linux ]] || { echo "precision: no $linux" >&2; exit 2; }
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[[ -n $template ]] && mkdir -p "$template"
[[ -n $keep ]] && mkdir -p "$keep"

rules=$("$sluice" rules list 2>/dev/null | awk 'NR > 1 && NF' | wc -l)
echo "$("$sluice" --version 2>/dev/null || echo sluice), $rules rules, default settings" >&2
status=0

# scan NAME ROOT PATH... : scans PATHs from folder ROOT (so paths in the report are relative to
# it) and scores the report against corpora/NAME.judged.jsonl.
scan() {
  local name=$1 root=$2 rc=0
  shift 2
  local report=$work/$name.jsonl
  (cd "$root" && "$sluice" scan "$@" -f jsonl -o "$report" 2>"$work/$name.err") || rc=$?
  # 0 nothing found, 1 findings, 3 an input could not be read (a truncated test tarball in
  # docker.io's fixtures): all give a report; 2 is a real failure.
  if ((rc == 2)) || [[ ! -s $report ]]; then
    echo "precision: sluice scan failed on $name (exit $rc):" >&2
    cat "$work/$name.err" >&2
    exit 2
  fi
  grep -v '^sluice: error:' "$work/$name.err" | sed 's/^/  /' >&2 || true
  [[ -n $keep ]] && cp "$report" "$keep/"
  local args=(--name "$name" --report "$report" --judged "$repo/corpora/$name.judged.jsonl" --root "$root")
  [[ -n $template ]] && args+=(--template "$template/$name.unjudged.jsonl")
  python3 "$repo/corpora/precision_compare.py" "${args[@]}" || status=1
  echo
}

if [[ -f $sources/VERSIONS ]]; then
  echo "Debian sources: ${#packages[@]} packages ($(awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2}' "$sources/VERSIONS"))" >&2
fi
scan debian-sources "$sources" "${packages[@]}"
if [[ -n $linux ]]; then
  scan linux-6.1 "$(dirname "$linux")" "$(basename "$linux")"
fi
exit $status
