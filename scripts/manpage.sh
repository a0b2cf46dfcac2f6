#!/usr/bin/env bash
# Generates the man page sluice(1) from the binary's own --help texts with help2man (Debian
# package help2man, installed here when missing and we are root), so the page never drifts
# from the flags. Usage: scripts/manpage.sh [SLUICE_BINARY [OUTPUT]]
# (defaults: build/cli/sluice, build/sluice.1). View with: man -l build/sluice.1
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-build/cli/sluice}
output=${2:-build/sluice.1}
if ! command -v help2man >/dev/null 2>&1; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "manpage: installing help2man" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq help2man >/dev/null
  else
    echo "manpage: help2man is missing (apt-get install help2man)" >&2
    exit 1
  fi
fi
include=$(mktemp)
trap 'rm -f "$include"' EXIT
# Each command's help becomes a section of its own; help2man formats the top-level --help.
{
  for command in scan "rules list" "rules show" "rules check"; do
    upper=$(tr '[:lower:]' '[:upper:]' <<<"$command")
    echo "[SLUICE $upper]"
    # Lines starting with '.' or "'" would be read as roff requests.
    "$binary" $command --help | sed -e "s|$binary|sluice|g" -e 's/^\([.'"'"']\)/\\\&\1/' -e 's/\\/\\\\/g' -e 's/^$/.PP/' -e 's/^\(  *-\)/.br\n\1/'
    echo
  done
  cat <<'SECTIONS'
[FILES]
.TP
.B .sluice.toml
Found in the directory scanned (when it is the only path scanned): scanned content, so it may only narrow the
report (exclude, include, disable, [allowlist]); any other key is refused and named on stderr. Named with
\fB\-\-config\fR it is trusted in full: a [scan] table with any long flag of \fBsluice scan\fR, plus extra
rules. A .gitleaks.toml is accepted as is.
.TP
.B .sluiceignore
Finding fingerprints and gitignore\-style path patterns to ignore (or \fB\-\-ignore\-file\fR); one found in the
scanned directory may only narrow the walk.
[EXIT STATUS]
0: the scan is complete and found nothing (at or above \fB\-\-fail\-on\fR); 1: findings; 2: usage or fatal
error; 3: some input could not be scanned (wins over 1).
SECTIONS
} >"$include"
help2man --no-info --no-discard-stderr --name "find leaked credentials in large corpora, fast" \
  --section 1 --include "$include" --output "$output" "$binary"
echo "$output"
