#!/usr/bin/env bash
# The dependency rule of STYLE.md and each folder's README, checked on every source:
# cli -> pipeline -> {engine, io}; engine and io know nothing of each other or of what is above
# them. A project include ("folder/file.hpp") may only name the folder itself or one it may
# use; the generated "sluice/version.hpp" is allowed everywhere above engine and io.
# Usage: include_directions_test.sh SOURCE_DIR (registered with ctest by tests/CMakeLists.txt).
set -euo pipefail
cd "$1"
declare -A allowed=(
  [engine]="engine"
  [io]="io"
  [pipeline]="pipeline engine io sluice"
  [cli]="cli pipeline engine io sluice"
)
bad=0
for folder in "${!allowed[@]}"; do
  while IFS=: read -r file line include; do
    target=${include#*\"}
    target=${target%%/*}
    if [[ " ${allowed[$folder]} " != *" $target "* ]]; then
      echo "include_directions: $file:$line includes \"${include#*\"} ($folder/ may include only: ${allowed[$folder]})" >&2
      bad=1
    fi
  done < <(grep -nE '^\s*#\s*include\s+"' "$folder"/*.cpp "$folder"/*.hpp | grep -vE '#\s*include\s+"[^"/]*"' || true)
done
# Relative includes reach around the rule: none in the product's folders.
if grep -nE '^\s*#\s*include\s+"\.\.' engine/*.?pp io/*.?pp pipeline/*.?pp cli/*.?pp; then
  echo "include_directions: relative includes above" >&2
  bad=1
fi
((bad == 0)) && echo "include_directions: every include of engine/ io/ pipeline/ cli/ points down or sideways"
exit "$bad"
