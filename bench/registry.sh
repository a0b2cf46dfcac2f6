#!/usr/bin/env bash
# A whole-registry scan against `skopeo copy` of the same images to local dir: destinations
# (issue 22's bound: sluice at no less than 80% of skopeo's throughput), on a loopback
# registry (Debian's docker-registry) that this script fills and removes.
#
#   bench/registry.sh [IMAGES] [BASE_MB] [TOP_MB] [RUNS]   (default 8 images, 200 MB base, 20 MB each)
#
# The images share one base layer (as most images of a registry do) and each has a layer of its
# own; layer content is text cut from the Linux tree of corpora/perf (corpora/make_perf_inputs.sh)
# when it is there, else generated text. skopeo copies each image to its own dir: (every
# blob fetched for every image: what a per-image tool does); sluice scans the registry with
# every layer fetched once. Times are medians of RUNS, interleaved.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
images=${1:-8}
base_mb=${2:-200}
top_mb=${3:-20}
runs=${4:-3}
sluice=${SLUICE:-build/cli/sluice}
for tool in docker-registry skopeo python3; do
  command -v "$tool" >/dev/null || { echo "registry.sh: $tool is needed (scripts/setup.sh installs it)" >&2; exit 1; }
done

make_scratch registry

port=$(free_port)
cat >"$work/config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/data
http:
  addr: 127.0.0.1:$port
EOF
docker-registry serve "$work/config.yml" >/dev/null 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break
  sleep 0.1
done

echo "registry.sh: building $images images ($base_mb MB shared base, $top_mb MB each on top)" >&2
python3 - "$work" "$images" "$base_mb" "$top_mb" corpora/perf/linux-6.1 <<'EOF'
import hashlib, io, json, os, random, sys, tarfile
work, images, base_mb, top_mb, source = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
files = []
if os.path.isdir(source):
    for root, _, names in os.walk(source):
        for name in names:
            files.append(os.path.join(root, name))
        if len(files) > 200000:
            break
random.seed(7)
def text(size):
    out = bytearray()
    while len(out) < size:
        if files:
            path = random.choice(files)
            try:
                with open(path, "rb") as f:
                    out += f.read(size - len(out))
            except OSError:
                pass
        else:
            out += (" ".join(random.choice(["alpha", "beta", "gamma", "delta", str(random.random())])
                             for _ in range(200)) + "\n").encode()
    return bytes(out[:size])
def layer(prefix, mb):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for k in range(mb):
            data = text(1 << 20)
            info = tarfile.TarInfo(f"{prefix}/file{k}.txt")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()
def sha(b): return hashlib.sha256(b).hexdigest()
base = layer("usr/share/base", base_mb)
for i in range(images):
    top = layer(f"srv/app{i}", top_mb)
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Env": ["PATH=/usr/bin"]},
                         "rootfs": {"type": "layers", "diff_ids": ["sha256:" + sha(base), "sha256:" + sha(top)]}}).encode()
    manifest = json.dumps([{"Config": sha(config) + ".json", "RepoTags": [f"app{i}:1"],
                            "Layers": [sha(base) + "/layer.tar", sha(top) + "/layer.tar"]}]).encode()
    with tarfile.open(f"{work}/image{i}.tar", "w") as tar:
        for name, data in [(sha(config) + ".json", config), (sha(base) + "/layer.tar", base),
                           (sha(top) + "/layer.tar", top), ("manifest.json", manifest)]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
EOF
for i in $(seq 0 $((images - 1))); do
  skopeo --insecure-policy copy --quiet --dest-tls-verify=false "docker-archive:$work/image$i.tar" \
    "docker://127.0.0.1:$port/app$i:1"
  rm -f "$work/image$i.tar"
done
stored=$(du -sb "$work/data" | cut -f1)

copy_all() {
  rm -rf "$work/copies" && mkdir -p "$work/copies"
  for i in $(seq 0 $((images - 1))); do
    skopeo --insecure-policy copy --quiet --src-tls-verify=false "docker://127.0.0.1:$port/app$i:1" \
      "dir:$work/copies/app$i"
  done
}
scan_all() { "$sluice" scan "oci://127.0.0.1:$port/" -f jsonl -o "$work/report.jsonl" -q; }

copies=() scans=()
for _ in $(seq "$runs"); do
  copies+=("$(time_of copy_all)")
  scans+=("$(time_of scan_all)")
done
copy=$(printf '%s\n' "${copies[@]}" | median)
scan=$(printf '%s\n' "${scans[@]}" | median)
logical=$(( (base_mb + top_mb) * images ))
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) threads"
echo "registry: $images images, ${base_mb} MB shared base + ${top_mb} MB own layer each (uncompressed; $((stored >> 20)) MiB stored)"
printf 'skopeo copy of every image to dir:  %6.2f s  (%.0f MB/s of image content)\n' "$copy" "$(echo "$logical / $copy" | bc -l)"
printf 'sluice scan oci://HOST/             %6.2f s  (%.0f MB/s of image content)\n' "$scan" "$(echo "$logical / $scan" | bc -l)"
printf 'sluice throughput / skopeo:         %6.2f   (issue 22 bound: >= 0.80)\n' "$(echo "$copy / $scan" | bc -l)"
