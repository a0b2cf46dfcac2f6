#!/usr/bin/env bash
# Installs Microsoft's SARIF validator (@microsoft/sarif-multitool, from the npm registry) into
# build/sarif-tool/ and prints the path of its launcher. Idempotent: a second run only prints.
# Needs node and npm (Debian: apt-get install nodejs npm). Used by the SARIF end-to-end test.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${SLUICE_SARIF_TOOL_DIR:-$PWD/build/sarif-tool}
version=5.7.0
launcher=$prefix/node_modules/.bin/sarif-multitool
if [[ ! -x $launcher ]]; then
  if ! command -v npm >/dev/null 2>&1; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
      echo "sarif-validator: installing nodejs and npm" >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
    else
      echo "sarif-validator: npm is missing (apt-get install nodejs npm)" >&2
      exit 1
    fi
  fi
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "@microsoft/sarif-multitool@$version" >&2
fi
echo "$launcher"
