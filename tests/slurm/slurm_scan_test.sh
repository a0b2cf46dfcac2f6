#!/usr/bin/env bash
# A real Slurm: a single-node cluster (munged, slurmctld and slurmd as this user, everything under a
# temporary directory, ports of its own) runs scripts/slurm-scan --shards 4 on a corpus of a
# tree, archives and two git repositories; the merged report must be the report of one
# `sluice scan` of the corpus (timings aside, lines sorted). Then --resume reruns only a shard
# whose report is gone, and a failing task is named. Exit 77 (skipped) only when the Slurm or
# munge packages are not installed.
#
#   tests/slurm/slurm_scan_test.sh SLUICE_BINARY SOURCE_DIR
set -euo pipefail
sluice=$(realpath "$1")
source_dir=$(realpath "$2")
for tool in sbatch sinfo slurmctld slurmd munged mungekey git; do
  if ! command -v "$tool" >/dev/null && [[ ! -x /usr/sbin/$tool ]]; then
    echo "SKIP: $tool is not installed (Debian packages slurm-wlm and munge)"
    exit 77
  fi
done
export PATH="$PATH:/usr/sbin"

tmp=$(mktemp -d /tmp/sluice-slurm-XXXXXX)
chmod 755 "$tmp"
cleanup() {
  set +e
  [[ -f $tmp/slurmd.pid ]] && kill "$(cat "$tmp/slurmd.pid")" 2>/dev/null
  [[ -f $tmp/slurmctld.pid ]] && kill "$(cat "$tmp/slurmctld.pid")" 2>/dev/null
  [[ -f $tmp/munged.pid ]] && kill "$(cat "$tmp/munged.pid")" 2>/dev/null
  sleep 1
  [[ -n ${KEEP_SLURM_TMP:-} ]] || rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for log in "$tmp"/*.log "$tmp"/out/*.log; do [[ -f $log ]] && { echo "--- $log" >&2; tail -20 "$log" >&2; }; done
  exit 1
}

# munge: a key of our own, its socket under $tmp.
mkdir -p "$tmp/munge"
mungekey -c -k "$tmp/munge/munge.key" -b 1024 2>/dev/null || dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$tmp/munge/munge.key"
chmod 700 "$tmp/munge"
munged --force --key-file="$tmp/munge/munge.key" --socket="$tmp/munge/munge.socket" \
  --pid-file="$tmp/munged.pid" --log-file="$tmp/munged.log" --seed-file="$tmp/munge/munge.seed" ||
  fail "munged did not start"

# Ports of our own, so that a Slurm already running here is left alone.
port=$((20000 + RANDOM % 20000))
host=$(hostname -s)
mkdir -p "$tmp/state" "$tmp/spool"
cat >"$tmp/slurm.conf" <<CONF
ClusterName=sluicetest
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=$(id -un)
SlurmdUser=$(id -un)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge/munge.socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$tmp/slurm.conf"
slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start"
slurmd -f "$SLURM_CONF" || fail "slurmd did not start"
for _ in $(seq 1 60); do
  state=$(sinfo -h -o %T 2>/dev/null | head -1 || true)
  [[ $state == idle ]] && break
  sleep 1
done
[[ ${state:-} == idle ]] || fail "the node did not come up (state: ${state:-none})"

# The corpus: a tree of credential files (the leak corpus), a tar.gz and a zip of parts of it,
# and two git repositories with keys in their history.
corpus="$tmp/corpus"
mkdir -p "$corpus"
cp -r "$source_dir/corpora/leaks/home" "$source_dir/corpora/leaks/etc" "$corpus/"
tar -C "$source_dir/corpora/leaks" -czf "$corpus/repos.tar.gz" repos
(cd "$source_dir/corpora/leaks" && python3 -c "
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    import os
    for root, _, files in os.walk('srv'):
        for f in files: z.write(os.path.join(root, f))
" "$corpus/srv.zip")
for name in alpha beta; do
  repo="$corpus/repos/$name"
  mkdir -p "$repo"
  git -C "$repo" init -q
  for k in 1 2 3; do
    key=$(python3 -c "import random,string; r=random.Random('$name$k'); print('phx_'+''.join(r.choice(string.ascii_letters+string.digits) for _ in range(43)))")
    echo "POSTHOG_PERSONAL_API_KEY=$key" >"$repo/settings$k.env"
    git -C "$repo" add . && git -C "$repo" -c user.name=t -c user.email=t@example.invalid -c commit.gpgsign=false commit -qm "settings $k"
  done
  git -C "$repo" rm -q settings3.env && git -C "$repo" -c user.name=t -c user.email=t@example.invalid -c commit.gpgsign=false commit -qm "drop settings 3"
done

normalized() {
  sed -E 's/"seconds": ?[0-9.eE+-]+/"seconds":0/g' "$1" | sort
}

set +e
"$sluice" scan "$corpus" -f jsonl -o "$tmp/single.jsonl" -q
single_rc=$?
"$source_dir/scripts/slurm-scan" --shards 4 --out "$tmp/out" --sluice "$sluice" -- "$corpus"
rc=$?
set -e
[[ $rc == "$single_rc" ]] || fail "slurm-scan exited $rc, a single scan $single_rc"
[[ $rc == 1 ]] || fail "expected findings (exit 1), got $rc"
for i in 0 1 2 3; do [[ -s $tmp/out/shard-$i.jsonl ]] || fail "no report of shard $i"; done
diff <(normalized "$tmp/single.jsonl") <(normalized "$tmp/out/report.jsonl") >/dev/null ||
  fail "the merged report differs from a single scan's"
echo "ok: 4 shards merged = one scan ($(grep -c '"rule_id"' "$tmp/out/report.jsonl") findings)"

# --resume: only the shard whose report is gone runs again.
rm "$tmp/out/shard-2.jsonl"
before=$(stat -c %Y "$tmp/out/shard-0.jsonl")
set +e
"$source_dir/scripts/slurm-scan" --shards 4 --out "$tmp/out" --sluice "$sluice" -f sarif --resume -- "$corpus" 2>"$tmp/resume.err"
rc=$?
set -e
[[ $rc == 1 ]] || fail "--resume exited $rc: $(cat "$tmp/resume.err")"
grep -q "submitting shards 2 of 4" "$tmp/resume.err" || fail "--resume did not submit shard 2 alone: $(cat "$tmp/resume.err")"
[[ $(stat -c %Y "$tmp/out/shard-0.jsonl") == "$before" ]] || fail "--resume ran shard 0 again"
"$sluice" scan "$corpus" -f sarif -o "$tmp/single.sarif" -q || true
diff <(normalized "$tmp/single.sarif") <(normalized "$tmp/out/report.sarif") >/dev/null ||
  fail "the merged SARIF report differs from a single scan's"
echo "ok: --resume reran shard 2 alone"

# --state: each shard keeps a state, merged into state.db; a second run reads nothing again
# (archives neither) and reports the same.
set +e
"$source_dir/scripts/slurm-scan" --shards 4 --out "$tmp/st" --sluice "$sluice" --state -- "$corpus" 2>"$tmp/st1.err"
rc1=$?
"$source_dir/scripts/slurm-scan" --shards 4 --out "$tmp/st" --sluice "$sluice" --state -- "$corpus" 2>"$tmp/st2.err"
rc2=$?
set -e
[[ $rc1 == 1 && $rc2 == 1 ]] || fail "--state runs exited $rc1 and $rc2: $(cat "$tmp/st1.err" "$tmp/st2.err")"
for i in 0 1 2 3; do [[ -s $tmp/st/state-$i.db ]] || fail "no state of shard $i"; done
grep -q "merged 4 state files" "$tmp/st2.err" || fail "the shards' states were not merged: $(cat "$tmp/st2.err")"
diff <(normalized "$tmp/single.jsonl" | grep -v '"summary"') <(normalized "$tmp/st/report.jsonl" | grep -v '"summary"') >/dev/null ||
  fail "the findings of a re-audit with --state differ from a single scan's"
python3 - "$tmp/st/report.jsonl" <<'PY' || fail "the re-audit read inputs again"
import json, sys
summary = json.loads(open(sys.argv[1]).read().splitlines()[-1])["summary"]
assert summary["from_state"] == summary["files"] + summary["blobs"] and summary["bytes"] == 0, summary
PY
echo "ok: --state re-audit read nothing again, same findings"

# A task that fails is named, and nothing is merged.
set +e
"$source_dir/scripts/slurm-scan" --shards 2 --out "$tmp/bad" --sluice "$sluice" -- "$corpus" -- --no-such-flag 2>"$tmp/bad.err"
rc=$?
set -e
[[ $rc == 2 ]] || fail "a failing task gave exit $rc"
grep -q "failed: 0 (exit 2) 1 (exit 2)" "$tmp/bad.err" || fail "the failed shards were not named: $(cat "$tmp/bad.err")"
[[ ! -e $tmp/bad/report.jsonl ]] || fail "a report was merged from failed shards"
echo "ok: failed shards named"
