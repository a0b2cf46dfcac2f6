#!/usr/bin/env bash
# Rule catalog start-up cost: how long `sluice scan` takes to load and compile a generated rule
# catalog of N rules before it scans anything, for N = 1k, 2k, 4k, 8k, 16k (or --sizes).
#
#   bench/rule_compile.sh [options]
#     --sluice BIN     the sluice binary (default: $SLUICE, else build/cli/sluice)
#     --sizes LIST     comma-separated rule counts (default: 1000,2000,4000,8000,16000)
#     --runs R         timed runs per size; the table shows the median (default: 3)
#     --keep DIR       write the generated catalogs to DIR and keep them (default: a scratch dir)
#
# Each catalog is generated deterministically (awk, fixed seed) in the shape of the built-in
# rules: a card (name, vendor, family, severity, description, security, mitigation,
# references), keywords, one [[rules.examples]] table and a negative example per rule, and a
# regex from one of four templates seen in the catalog (a vendor prefix, a keyword assignment,
# a hex key after a name, a base64 body). `sluice scan --no-builtin-rules --rules FILE EMPTY
# -v` is timed with /usr/bin/time: wall time, CPU time (user + sys: on a shared machine the
# steadier figure) and peak RSS; -v prints the time from reading the rules to a ready database,
# shown next to them. Nothing is scanned: the input is an empty file. The table is Markdown,
# ready for the README, headed by the CPU model from /proc/cpuinfo.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
sluice=${SLUICE:-$here/build/cli/sluice}
sizes=1000,2000,4000,8000,16000
runs=3
keep=
while [[ $# -gt 0 ]]; do
  case $1 in
    --sluice) sluice=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "rule_compile.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -x $sluice ]] || { echo "rule_compile.sh: no sluice binary at $sluice (build it, or --sluice BIN)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "rule_compile.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
out=${keep:-$scratch}
mkdir -p "$out"
: > "$scratch/empty"

# generate N FILE: N rules in the built-in catalog's shape.
generate() {
  awk -v n="$1" 'BEGIN {
    srand(15);
    lower = "abcdefghijklmnopqrstuvwxyz"; alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    hex = "0123456789abcdef";
    for (i = 0; i < n; ++i) {
      name = ""; for (k = 0; k < 5; ++k) name = name substr(lower, int(rand() * 26) + 1, 1);
      name = name i;  # unique
      len = 20 + int(rand() * 29);
      t = i % 4;
      secret = "";
      if (t == 0) {
        regex = "\\b(" name "_[A-Za-z0-9]{" len "})\\b";
        for (k = 0; k < len; ++k) secret = secret substr(alnum, int(rand() * 62) + 1, 1);
        secret = name "_" secret; text = "TOKEN=" secret;
      } else if (t == 1) {
        regex = "(?i:" name ")[A-Za-z0-9_.-]{0,20}(?i:secret|token)[\"\x27]?\\s{0,5}(?:=>|:=|[=:])\\s{0,5}[\"\x27]?([A-Za-z0-9]{" len "})\\b";
        for (k = 0; k < len; ++k) secret = secret substr(alnum, int(rand() * 62) + 1, 1);
        text = toupper(name) "_SECRET=" secret;
      } else if (t == 2) {
        regex = "(?i:" name ")_?key[=:]\\s*([a-f0-9]{" len "})\\b";
        for (k = 0; k < len; ++k) secret = secret substr(hex, int(rand() * 16) + 1, 1);
        text = name "_key=" secret;
      } else {
        regex = "\\b(" name "-[A-Za-z0-9+/]{" len "}={0,2})";
        for (k = 0; k < len; ++k) secret = secret substr(alnum, int(rand() * 62) + 1, 1);
        secret = name "-" secret; text = "auth: " secret;
      }
      printf "[[rules]]\nid = \"gen_%s\"\nname = \"Generated %s key\"\nvendor = \"%s Inc\"\nfamily = \"API Key\"\n", name, name, name;
      printf "severity = \"medium\"\ndescription = \"A generated rule for a made-up vendor %s, used to time rule loading.\"\n", name;
      printf "regex = \x27\x27\x27%s\x27\x27\x27\nkeywords = [\"%s\"]\ntags = [\"generated\"]\n", regex, name;
      printf "security = [\"Nothing: the vendor does not exist.\"]\nmitigation = [\"Rotate the made-up key.\"]\n";
      printf "references = [\"https://example.com/%s\"]\nnegative_examples = [\x27\x27\x27%s=<your-key>\x27\x27\x27]\n\n", name, name;
      printf "[[rules.examples]]\ntext = \x27\x27\x27%s\x27\x27\x27\nsecret = \"%s\"\n\n", text, secret;
    }
  }' > "$2"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
echo "CPU: $cpu ($(nproc) cores); sluice: $sluice; median of $runs runs"
echo
echo "| rules | catalog | wall | CPU (user + sys) | load + compile (-v) | peak RSS |"
echo "|---:|---:|---:|---:|---:|---:|"
IFS=, read -ra counts <<< "$sizes"
for n in "${counts[@]}"; do
  file="$out/rules-$n.toml"
  generate "$n" "$file"
  walls=(); cpus=(); compiles=(); rss=()
  for ((r = 0; r < runs; ++r)); do
    if ! /usr/bin/time -f '%e %U %S %M' -o "$scratch/time" "$sluice" scan --no-builtin-rules --rules "$file" \
        --max-rules $((n + 1)) "$scratch/empty" -v --no-progress > /dev/null 2> "$scratch/err"; then
      echo "rule_compile.sh: sluice failed on $n rules:" >&2; tail -3 "$scratch/err" >&2; exit 1
    fi
    read -r wall user sys kb < <(tail -1 "$scratch/time")
    walls+=("$wall"); cpus+=("$(echo "$user + $sys" | bc -l)"); rss+=("$kb")
    compiles+=("$(sed -n 's/.*database compiled in \([0-9.]*\) s.*/\1/p' "$scratch/err" | tail -1)")
  done
  size=$(du -k "$file" | cut -f1)
  printf '| %d | %.1f MB | %.1f s | %.1f s | %.1f s | %d MB |\n' "$n" "$(echo "$size / 1024" | bc -l)" \
    "$(printf '%s\n' "${walls[@]}" | median)" "$(printf '%s\n' "${cpus[@]}" | median)" \
    "$(printf '%s\n' "${compiles[@]}" | median)" \
    "$(( $(printf '%s\n' "${rss[@]}" | median) / 1024 ))"
done
