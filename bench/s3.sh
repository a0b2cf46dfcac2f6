#!/usr/bin/env bash
# An S3 bucket scan against `rclone copy` of the same bucket to a local directory (issue 22's
# bound: sluice at no less than 80% of rclone's throughput), both on a loopback s3rver that
# this script fills and stops (s3rver 3 from npm, installed into build/s3rver as the S3 test
# does, if it is not there yet).
#
#   bench/s3.sh [SMALL_OBJECTS] [SMALL_KB] [BIG_OBJECTS] [BIG_MB] [RUNS]   (default 400 x 256 KB, 2 x 100 MB, 3 runs)
#
# Object content is text cut from the Linux tree of corpora/perf (corpora/make_perf_inputs.sh)
# when it is there, else generated text. rclone (Debian's 1.60) is configured by RCLONE_CONFIG_*
# variables for the same endpoint with path-style addressing. Times are medians of RUNS,
# interleaved.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
small=${1:-400}
small_kb=${2:-256}
big=${3:-2}
big_mb=${4:-100}
runs=${5:-3}
sluice=${SLUICE:-build/cli/sluice}
for tool in node npm rclone python3 bc; do
  command -v "$tool" >/dev/null || { echo "s3.sh: $tool is needed (scripts/setup.sh installs it)" >&2; exit 1; }
done
s3rver=build/s3rver/node_modules/s3rver/bin/s3rver.js
if [[ ! -f $s3rver ]]; then
  npm install --prefix build/s3rver --no-audit --no-fund --loglevel=error s3rver@3.7.1 >&2
fi

make_scratch s3

port=$(free_port)
mkdir -p "$work/store"
node --openssl-legacy-provider "$s3rver" -d "$work/store" -a 127.0.0.1 -p "$port" --configure-bucket bkt \
  >/dev/null 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -s "http://127.0.0.1:$port/" >/dev/null 2>&1 && break
  sleep 0.1
done

echo "s3.sh: filling the bucket: $small x $small_kb KB, $big x $big_mb MB" >&2
python3 - "$port" "$small" "$small_kb" "$big" "$big_mb" corpora/perf/linux-6.1 <<'PY'
import http.client, os, random, sys
port, small, small_kb, big, big_mb, source = (int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]),
                                              int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
files = []
if os.path.isdir(source):
    for root, _, names in os.walk(source):
        files += [os.path.join(root, name) for name in names]
        if len(files) > 200000:
            break
random.seed(7)
def text(size):
    out = bytearray()
    while len(out) < size:
        if files:
            try:
                with open(random.choice(files), "rb") as f:
                    out += f.read(size - len(out))
            except OSError:
                pass
        else:
            out += (" ".join(random.choice(["alpha", "beta", "gamma", str(random.random())]) for _ in range(200))
                    + "\n").encode()
    return bytes(out[:size])
connection = http.client.HTTPConnection("127.0.0.1", port)
def put(key, data):
    connection.request("PUT", "/bkt/" + key, body=data, headers={"Content-Length": str(len(data))})
    answer = connection.getresponse()
    answer.read()
    assert answer.status == 200, (key, answer.status)
for k in range(small):
    put("small/%05d.txt" % k, text(small_kb << 10))
for k in range(big):
    put("big/%d.log" % k, text(big_mb << 20))
PY
logical_mb=$(echo "($small * $small_kb / 1024) + ($big * $big_mb)" | bc -l)

export RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other
export RCLONE_CONFIG_BENCH_ENDPOINT="http://127.0.0.1:$port" RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true
export RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=S3RVER RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=S3RVER
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
unset AWS_CA_BUNDLE  # rclone 1.60 fails when it is set

copy_all() { rm -rf "$work/copy" && rclone copy --config /dev/null "bench:bkt" "$work/copy"; }
scan_all() { "$sluice" scan s3://bkt --s3-endpoint "http://127.0.0.1:$port" -f jsonl -o "$work/report.jsonl" -q; }

copies=() scans=()
for _ in $(seq "$runs"); do
  copies+=("$(time_of copy_all)")
  scans+=("$(time_of scan_all)")
done
copy=$(printf '%s\n' "${copies[@]}" | median)
scan=$(printf '%s\n' "${scans[@]}" | median)
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) threads"
printf 'bucket: %d objects of %d KB, %d of %d MB (%.0f MB)\n' "$small" "$small_kb" "$big" "$big_mb" "$logical_mb"
printf 'rclone copy of the bucket to a directory:  %6.2f s  (%.0f MB/s)\n' "$copy" "$(echo "$logical_mb / $copy" | bc -l)"
printf 'sluice scan s3://bkt:                      %6.2f s  (%.0f MB/s)\n' "$scan" "$(echo "$logical_mb / $scan" | bc -l)"
printf 'sluice throughput / rclone:                %6.2f   (issue 22 bound: >= 0.80)\n' "$(echo "$copy / $scan" | bc -l)"
