#!/usr/bin/env bash
# Installs what sluice needs from Debian 12 packages (only what is missing), then configures
# and builds it in build/ (every target, or $SLUICE_TARGETS). Idempotent: a second run is an
# incremental build.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake ninja-build pkg-config git
          libtbb-dev libre2-dev libtomlplusplus-dev libcli11-dev nlohmann-json3-dev libfmt-dev
          libxxhash-dev libarchive-dev libzstd-dev zlib1g-dev libbz2-dev libgit2-dev libdeflate-dev liblzma-dev libgtest-dev libgmock-dev libbenchmark-dev ripgrep
          zstd pigz libarchive-tools xz-utils bzip2 lz4 help2man clang-format python3
          libssl-dev libcurl4-openssl-dev libsqlite3-dev slurm-wlm munge
          docker-registry skopeo apache2-utils curl libpugixml-dev rclone chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm installs s3rver for the S3 test (tests/e2e/s3_test.cpp); a Node.js from elsewhere
# (NodeSource) brings its own npm and must not be replaced.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
# Hyperscan API: the maintained vectorscan fork, or Intel's hyperscan (same libhs.pc).
if ! pkg-config --exists libhs 2>/dev/null; then
  missing+=(libvectorscan-dev)
fi
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  if ! apt-get install -y -qq "${missing[@]}" >/dev/null; then
    # Where vectorscan is not packaged, fall back to libhyperscan-dev.
    missing=("${missing[@]/libvectorscan-dev/libhyperscan-dev}")
    apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

# scripts/sanitize and scripts/fuzz want the packages only (they build trees of their own).
[[ ${SLUICE_SETUP_PACKAGES_ONLY:-0} == 1 ]] && exit 0

build_type=${SLUICE_BUILD_TYPE:-Release}
if [[ ! -f build/build.ninja ]]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$build_type" >/dev/null
fi
# SLUICE_TARGETS (e.g. "sluice sluice-corpus"): build only those (scripts/demo); default: everything.
targets=()
[[ -n ${SLUICE_TARGETS:-} ]] && targets=(--target ${SLUICE_TARGETS})
cmake --build build --parallel "$(nproc)" "${targets[@]}"
