#!/usr/bin/env bash
# The triage page at scale: a JSON report of N findings (default 100,000; 2 locations each,
# spread over 40 rules of the catalog), made into a page by `sluice report`, then loaded by
# Debian's headless Chromium: the time to the DOM after the script ran (the whole table
# filtered, sorted and its first page drawn, as the page itself measures it), unfiltered and
# with filters in the fragment. Prints the page's size and the median of 3 loads each.
#   bench/html_report.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
n=${1:-100000}
sluice=$PWD/build/cli/sluice
make_scratch html
python3 - "$n" "$work/report.json" "$sluice" <<'PY'
import json, random, subprocess, sys
n, out, sluice = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rules = [r for r in json.loads(subprocess.check_output([sluice, "rules", "list", "-f", "json"]))][:40]
rng = random.Random(7)
findings = []
for i in range(n):
    rule = rules[i % len(rules)]
    locations = [{"path": f"repo{i % 97}/src/dir{i % 13}/file{i}.py", "archive_chain": [f"repo{i % 97}/src/dir{i % 13}/file{i}.py"],
                  "offset": 10 * k, "line": k + 1, "column": 5} for k in range(2)]
    findings.append({"rule_id": rule["id"], "rule_name": rule["name"], "vendor": rule["vendor"], "family": rule["family"],
                     "severity": rule["severity"], "confidence": rule["confidence"], "secret": f"tok_{rng.getrandbits(96):024x}",
                     "redacted": False, "fingerprint": f"{i:032x}", "occurrences": 2, "locations": locations,
                     "description": "", "mitigation": []})
json.dump({"tool": {"name": "sluice", "version": "bench"}, "findings": findings,
           "summary": {"files": n, "bytes": n * 1000, "complete": True, "issues": []}}, open(out, "w"))
PY
"$sluice" report "$work/report.json" -o "$work/page.html" -q
# Milliseconds from the start of the page's load to its first table (the page measures it).
ready_ms() {  # FRAGMENT
  chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --user-data-dir="$work/profile" --dump-dom "file://$work/page.html$1" \
    2>/dev/null | head -c 65536 | grep -o 'data-ready-ms="[0-9]*"' | grep -o '[0-9]*'
}
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "findings: $n; report.json $(du -h "$work/report.json" | cut -f1); page $(du -h "$work/page.html" | cut -f1)"
for fragment in "" "#path=dir7/file1&sort=path" "#vendor=AWS&severity=critical"; do
  ms=$(for _ in 1 2 3; do ready_ms "$fragment"; done | median)
  printf 'page ready%s: %.2f s (median of 3, from the start of its load)\n' "${fragment:+ at $fragment}" \
    "$(echo "$ms / 1000" | bc -l)"
done
