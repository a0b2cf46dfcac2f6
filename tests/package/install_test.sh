#!/usr/bin/env bash
# Installs sluice into temporary roots the two ways README gives, `cmake --install` and the
# Debian package built by `cpack -G DEB`, and uses it from there: --version, a scan that finds a
# generated fake key, the man page and the bash completion. The package's dependencies must
# name the libraries the binary links (dpkg-shlibdeps) and resolve with apt on this machine.
# Usage: install_test.sh BUILD_DIR VERSION (registered with ctest by tests/CMakeLists.txt).
set -euo pipefail
build=$(cd "$1" && pwd)
version=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "install_test: $*" >&2; exit 1; }

# A tree with one fake, format-valid PostHog personal key (phx_ and 43 letters and digits).
key="phx_$(head -c 4096 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9' | cut -c 1-43)"
mkdir -p "$tmp/tree/app"
printf 'POSTHOG_PERSONAL_API_KEY=%s\n' "$key" >"$tmp/tree/app/.env"

# Everything an installed root must hold, used from there with nothing of the build tree.
check_root() {
  local prefix=$1 how=$2
  local bin="$prefix/bin/sluice"
  [[ -x $bin ]] || fail "$how: no executable $bin"
  local said
  said=$("$bin" --version) || fail "$how: sluice --version failed"
  [[ $said == "sluice $version" ]] || fail "$how: --version said '$said', expected 'sluice $version'"
  local report status=0
  report=$(cd / && "$bin" scan "$tmp/tree" -f jsonl --redact 2>"$tmp/stderr") || status=$?
  [[ $status == 1 ]] || fail "$how: scan exit code $status, expected 1 (findings): $(cat "$tmp/stderr")"
  grep -q '"rule_id":"posthog_personal_key"' <<<"$report" || fail "$how: the planted key was not reported"
  grep -q "$key" <<<"$report" && fail "$how: --redact printed the key"
  [[ -x $prefix/bin/sluice-slurm-scan ]] || fail "$how: no sluice-slurm-scan"
  [[ -s $prefix/share/man/man1/sluice.1.gz ]] || fail "$how: no man page"
  zcat "$prefix/share/man/man1/sluice.1.gz" | grep -q -- '--max-ratio' || fail "$how: the man page lacks the scan flags"
  [[ -s $prefix/share/doc/sluice/README.md && -s $prefix/share/doc/sluice/copyright ]] || fail "$how: no README or copyright"
  local completion=$prefix/share/bash-completion/completions/sluice
  [[ -s $completion ]] || fail "$how: no bash completion"
  # The completion offers the flags, a flag's choices (also after '='), and subcommands, read
  # from the installed binary's --help (not from its examples).
  complete_words() {  # what the completion offers for the words given, the last being completed
    PATH="$prefix/bin:$PATH" bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _sluice; echo "${COMPREPLY[*]}"' _ "$completion" "$@"
  }
  local offered
  for case in "scan --form|--format" "scan --format js|json jsonl" "scan -f s|sarif" "scan --format = js|json jsonl" \
              "scan --min-confidence h|high" "rules |list show check profile" "--|--help --version" \
              "merge --form|--format"; do
    local words=${case%%|*} expected=${case#*|}
    read -ra argv <<<"$words"
    [[ $words == *" " ]] && argv+=("")
    offered=$(complete_words sluice "${argv[@]}")
    [[ $offered == "$expected" ]] || fail "$how: completing 'sluice $words' offered '$offered', expected '$expected'"
  done
  echo "install_test: $how: ok"
}

cmake --install "$build" --prefix "$tmp/local" >/dev/null
check_root "$tmp/local" "cmake --install"

(cd "$tmp" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1) ||
  fail "cpack failed: $(tail -n 20 "$tmp/cpack.log")"
deb=$(ls "$tmp"/pkg/sluice_"$version"_*.deb 2>/dev/null | head -n 1)
[[ -n $deb ]] || fail "cpack made no sluice_${version}_*.deb: $(ls "$tmp/pkg")"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in 'libhs|libvectorscan' libre2 libtbb libarchive libgit2 libc6; do
  grep -qE "(^|, )($lib)" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
dpkg-deb -x "$deb" "$tmp/root"
check_root "$tmp/root/usr" "the Debian package"
# apt resolves the package's dependencies here (simulated: nothing is installed).
if command -v apt-get >/dev/null; then
  apt-get install -s "$deb" >"$tmp/apt.log" 2>&1 || fail "apt-get install -s $deb: $(tail -n 5 "$tmp/apt.log")"
fi
echo "install_test: $deb"
