#!/usr/bin/env python3
"""Every row of issue 19's performance table, measured in one run, side by side.

    bench/perf.py [--inputs DIR] [--runs R] [--threads N] [--sluice BIN] [--ceiling BIN] [--json]

The inputs are made by corpora/make_perf_inputs.sh (default corpora/perf/): the Linux 6.1 tree,
512 MiB of it as one file, and the tree as linux.tar.zst. Each timed command runs R times
(default 5), interleaved (round 1 runs every command once, then round 2, ...), so the noise of a
shared machine falls on all rows alike; a row shows the median, and the ratio is of medians.
Peak RSS is the largest of the runs (wait4). sluice writes JSONL to /dev/null; an exit code of 0
or 1 is a complete scan, anything else marks the row FAILED.

Rows (sluice, the reference it is compared with, the ratio):
  tree vs rg        sluice scan TREE -jN          rg -c -uuu phx_ -jN TREE     time / time
  tree vs bound     sluice scan TREE -jT          read alone + raw Hyperscan   bound / time (T = 1, N)
  512 MiB file      sluice scan FILE -j1          raw Hyperscan block mode, 40 fixed patterns, 1 thread   ref / time
  tar.zst           sluice scan linux.tar.zst -jN zstd -dc > /dev/null        time / time
  one-line file     sluice scan ONE -jN           (the bound: 40 ms)
  threads           sluice scan TREE -j1          sluice scan TREE -jN         time(1) / time(N)
The bound of the tree is per thread: reading alone and scanning alone take r and s seconds on
T threads (sluice-ceiling tree), so a scanner that does both with no overlap takes r + s.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def commit():
    try:
        return subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def timed(argv, stdout=subprocess.DEVNULL):
    """Runs argv; returns (seconds, exit code, peak RSS in KiB, first stderr line)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace").strip().splitlines()
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, proc.returncode, usage.ru_maxrss, err[0] if err else ""


class Command:
    def __init__(self, name, argv, ok_codes=(0,), to_null=False):
        self.name, self.argv, self.ok_codes, self.to_null = name, argv, ok_codes, to_null
        self.times, self.rss, self.failed = [], 0, ""

    def run(self):
        if self.failed:
            return
        out = open(os.devnull, "wb") if self.to_null else subprocess.DEVNULL
        seconds, code, rss, err = timed(self.argv, out)
        if self.to_null:
            out.close()
        if code not in self.ok_codes:
            self.failed = f"exit {code}: {err}"
            return
        self.times.append(seconds)
        self.rss = max(self.rss, rss)

    def median(self):
        return statistics.median(self.times) if self.times and not self.failed else None


def ceiling(binary, args):
    out = subprocess.run([binary] + args, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"perf: {' '.join([binary] + args)} failed: {out.stderr.strip()}")
    return {k: float(v) for k, v in (line.split() for line in out.stdout.splitlines())}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", default=os.path.join(REPO, "corpora", "perf"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--sluice", default=os.environ.get("SLUICE", os.path.join(REPO, "build", "cli", "sluice")))
    parser.add_argument("--ceiling", default=os.path.join(REPO, "build", "bench", "sluice-ceiling"))
    parser.add_argument("--patterns", default=os.path.join(REPO, "bench", "fixed-40.patterns"))
    parser.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")
    opts = parser.parse_args()

    tree = os.path.join(opts.inputs, "linux-6.1")
    big = os.path.join(opts.inputs, "linux-512mb.txt")
    archive = os.path.join(opts.inputs, "linux.tar.zst")
    for path in (tree, big, archive, opts.sluice, opts.ceiling):
        if not os.path.exists(path):
            sys.exit(f"perf: {path} missing (corpora/make_perf_inputs.sh; bash scripts/setup.sh builds the binaries)")
    one_line = os.path.join(opts.inputs, "one-line.txt")
    with open(one_line, "w") as f:
        f.write("nothing to see here\n")
    n = str(opts.threads)

    def sluice(path, threads):
        return [opts.sluice, "scan", path, "-j", threads, "-f", "jsonl", "-o", os.devnull, "-q"]

    cmds = {
        "tree_n": Command(f"sluice scan TREE -j{n}", sluice(tree, n), (0, 1)),
        "tree_1": Command("sluice scan TREE -j1", sluice(tree, "1"), (0, 1)),
        "rg_n": Command(f"rg -c -uuu phx_ -j{n} TREE", ["rg", "-c", "-uuu", "-j", n, "phx_", tree], (0, 1)),
        "big_1": Command("sluice scan FILE -j1", sluice(big, "1"), (0, 1)),
        "zst_n": Command(f"sluice scan linux.tar.zst -j{n}", sluice(archive, n), (0, 1)),
        "zstd": Command("zstd -dc linux.tar.zst", ["zstd", "-dc", "-q", archive], (0,), to_null=True),
    }
    one = Command(f"sluice scan ONE-LINE -j{n}", sluice(one_line, n), (0, 1))
    for cmd in cmds.values():  # warm the page cache and the binaries
        cmd.run()
        cmd.times.clear()
    for _ in range(opts.runs):
        for cmd in cmds.values():
            cmd.run()
        for _ in range(5):
            one.run()
    refs = {t: ceiling(opts.ceiling, ["--runs", str(opts.runs), "tree", tree, "-j", t]) for t in ("1", n)}
    block = ceiling(opts.ceiling, ["--runs", str(opts.runs), "block", big, "--patterns", opts.patterns])

    def ratio(a, b):
        return a / b if a is not None and b else None

    m = {k: c.median() for k, c in cmds.items()}
    bound = {t: refs[t]["read_seconds"] + refs[t]["scan_seconds"] for t in refs}
    gb = refs["1"]["bytes"] / 1e9
    rows = [
        {"case": "Linux tree: sluice vs rg -c -uuu phx_", "sluice_s": m["tree_n"], "reference_s": m["rg_n"],
         "ratio": ratio(m["tree_n"], m["rg_n"]), "ratio_kind": "sluice / reference (bound <= 1.5)"},
        {"case": "Linux tree, 1 thread: share of read + raw Hyperscan", "sluice_s": m["tree_1"],
         "reference_s": bound["1"], "ratio": ratio(bound["1"], m["tree_1"]),
         "ratio_kind": "reference / sluice (bound >= 0.9)"},
        {"case": f"Linux tree, {n} threads: share of read + raw Hyperscan", "sluice_s": m["tree_n"],
         "reference_s": bound[n], "ratio": ratio(bound[n], m["tree_n"]),
         "ratio_kind": "reference / sluice (bound >= 0.9)"},
        {"case": "512 MiB file, 1 thread: vs raw Hyperscan block, 40 fixed patterns", "sluice_s": m["big_1"],
         "reference_s": block["seconds"], "ratio": ratio(block["seconds"], m["big_1"]),
         "ratio_kind": "reference / sluice (bound >= 0.7)"},
        {"case": "linux.tar.zst: vs zstd -dc", "sluice_s": m["zst_n"], "reference_s": m["zstd"],
         "ratio": ratio(m["zst_n"], m["zstd"]), "ratio_kind": "sluice / reference (bound <= 1.25)"},
        {"case": "one-line file, whole process", "sluice_s": one.median(), "reference_s": 0.040,
         "ratio": ratio(one.median(), 0.040), "ratio_kind": "sluice / 40 ms (bound <= 1)"},
        {"case": f"Linux tree: 1 thread vs {n}", "sluice_s": m["tree_n"], "reference_s": m["tree_1"],
         "ratio": ratio(m["tree_1"], m["tree_n"]), "ratio_kind": f"time(1) / time({n}) (bound >= 1.8)"},
    ]
    info = {
        "cpu": cpu_model(), "cores": os.cpu_count(), "threads": opts.threads, "commit": commit(), "runs": opts.runs,
        "tree_bytes": refs["1"]["bytes"], "tree_files": refs["1"]["files"],
        "raw_hyperscan_tree_1thread_mbps": refs["1"]["bytes"] / refs["1"]["scan_seconds"] / 1e6,
        "read_tree_1thread_mbps": refs["1"]["bytes"] / refs["1"]["read_seconds"] / 1e6,
        "raw_hyperscan_block_40_mbps": block["bytes"] / block["seconds"] / 1e6,
        "peak_rss_kib": {"tree": cmds["tree_n"].rss, "tar_zst": cmds["zst_n"].rss},
        "failed": {c.name: c.failed for c in list(cmds.values()) + [one] if c.failed},
    }
    if opts.json:
        print(json.dumps({"machine": info, "rows": rows}, indent=2))
        return
    print(f"CPU: {info['cpu']} ({info['cores']} cores), sluice at {info['commit']}, median of {opts.runs} runs")
    print(f"tree: {int(info['tree_files'])} files, {gb:.2f} GB; raw Hyperscan with the catalog "
          f"{info['raw_hyperscan_tree_1thread_mbps']:.0f} MB/s and reading alone {info['read_tree_1thread_mbps']:.0f} "
          f"MB/s on one thread; 40 fixed patterns in block mode {info['raw_hyperscan_block_40_mbps']:.0f} MB/s")
    print(f"{'case':<68}{'sluice':>10}{'reference':>11}{'ratio':>8}  ratio is")

    def sec(x):
        return "FAILED" if x is None else f"{x:.3f}s"
    for row in rows:
        r = "-" if row["ratio"] is None else f"{row['ratio']:.2f}"
        print(f"{row['case']:<68}{sec(row['sluice_s']):>10}{sec(row['reference_s']):>11}{r:>8}  {row['ratio_kind']}")
    print(f"peak RSS: tree {info['peak_rss_kib']['tree'] / 1024:.0f} MiB, "
          f"tar.zst {info['peak_rss_kib']['tar_zst'] / 1024:.0f} MiB")
    for name, why in info["failed"].items():
        print(f"FAILED {name}: {why}")


if __name__ == "__main__":
    main()
