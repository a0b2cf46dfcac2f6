#!/usr/bin/env python3
"""Compares a `sluice scan -f jsonl` report with a judged file; the scoring half of
corpora/precision.sh (Python 3 standard library only).

    precision_compare.py --name NAME --report REPORT.jsonl --judged JUDGED.jsonl
                         [--root DIR] [--template FILE]

Prints bytes scanned, findings by rule with their verdicts, and false positives per 100 MB
(1 MB = 10^6 bytes). Every finding location the judged file does not cover is printed as one
`UNJUDGED` line (path:line, rule, 60 characters of the line around the secret with the secret
masked) and the exit code is 1. `--root` is the folder the scanned paths are relative to, to read
that context from; without it (or for archive members) the masked secret alone is shown.
`--template FILE` also writes the unjudged locations as judged-file lines with an empty verdict,
ready to fill in and append.

A judged line is {"path", "rule_id", "line", "secret_fp", "verdict", "reason"}: `secret_fp` is
the first 4 characters of the secret, its length and the first 12 hex digits of its SHA-256
(`----/1675/3f2a9c1b04de`), never the secret. A location matches a judged line with the same
path, rule and secret_fp, at the same line if one is judged there, else at any line (a point
release that moves a fixture keeps its judgement). Verdicts: tp (a real credential), fp (not a
credential at all), test-vector (a fixture or test key, real in format, guarding nothing),
example (a documented example or placeholder value).
"""
import argparse
import collections
import hashlib
import json
import os
import re
import sys

VERDICTS = ("tp", "fp", "test-vector", "example")


def secret_fp(secret):
    digest = hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return f"{secret[:4]}/{len(secret)}/{digest}"


def mask(secret):
    first = secret.split("\n", 1)[0]
    return first[:4] + "*" * min(max(len(first) - 4, 0), 12) + f"({len(secret)})"


def context(root, path, line, secret, width=60):
    """60 characters of the line around the secret, the secret masked; one line, printable."""
    shown = mask(secret)
    text = None
    if root and "!" not in path:
        try:
            with open(os.path.join(root, path), "rb") as f:
                for i, raw in enumerate(f, 1):
                    if i == line:
                        text = raw.decode("utf-8", "replace").rstrip("\r\n")
                        break
        except OSError:
            pass
    if text is None:
        return shown
    first = secret.split("\n", 1)[0]
    at = text.find(first) if first else -1
    if at < 0:
        # Not verbatim on the line (escaped, or spread over lines): mask every long token after
        # its first 4 characters, so no secret can be printed whole.
        text = re.sub(r"[^\s\"'`=:,;()<>{}\[\]]{8,}", lambda m: m.group()[:4] + "*" * min(len(m.group()) - 4, 12), text)
        return "".join(c if c.isprintable() else " " for c in text.strip()[:width])
    masked = text[:at] + shown + text[at + len(first):].replace(first, shown)
    start = max(0, at - (width - len(shown)) // 2)
    out = masked[start:start + width]
    return "".join(c if c.isprintable() else " " for c in out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--name", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--judged", required=True)
    ap.add_argument("--root")
    ap.add_argument("--template")
    args = ap.parse_args()

    findings, summary = [], {}
    with open(args.report, encoding="utf-8", errors="surrogateescape") as f:
        for raw in f:
            if not raw.strip():
                continue
            obj = json.loads(raw)
            if "summary" in obj:
                summary = obj["summary"]
            else:
                findings.append(obj)

    judged = []
    if os.path.exists(args.judged):
        with open(args.judged, encoding="utf-8") as f:
            for n, raw in enumerate(f, 1):
                if raw.strip():
                    j = json.loads(raw)
                    if j.get("verdict") not in VERDICTS:
                        sys.exit(f"precision: {args.judged}:{n}: verdict must be one of {', '.join(VERDICTS)}")
                    judged.append(j)
    exact = collections.defaultdict(list)
    loose = collections.defaultdict(list)
    for j in judged:
        exact[(j["path"], j["rule_id"], j["secret_fp"], j["line"])].append(j)
        loose[(j["path"], j["rule_id"], j["secret_fp"])].append(j)

    by_rule = collections.defaultdict(collections.Counter)
    unjudged = []
    used = set()
    locations = 0
    for fnd in findings:
        fp = secret_fp(fnd["secret"])
        for loc in fnd["locations"]:
            locations += 1
            key = (loc["path"], fnd["rule_id"], fp)
            hit = exact.get(key + (loc["line"],)) or loose.get(key)
            if hit:
                j = hit[0]
                used.add(id(j))
                by_rule[fnd["rule_id"]][j["verdict"]] += 1
            else:
                by_rule[fnd["rule_id"]]["unjudged"] += 1
                unjudged.append((loc["path"], loc["line"], fnd["rule_id"], fp, fnd["secret"]))

    nbytes = summary.get("bytes", 0)
    mb = nbytes / 1e6
    total = collections.Counter()
    for c in by_rule.values():
        total.update(c)
    print(f"== {args.name}")
    print(f"bytes scanned: {nbytes} ({mb:.1f} MB) in {summary.get('files', 0)} inputs"
          f" ({summary.get('members', 0)} archive members); {summary.get('errors', 0)} errors")
    print(f"findings: {len(findings)} ({locations} locations)")
    cols = ("tp", "fp", "test-vector", "example", "unjudged")
    print(f"  {'rule':<34}{'locations':>10}" + "".join(f"{c:>12}" for c in cols))
    for rule in sorted(by_rule, key=lambda r: (-sum(by_rule[r].values()), r)):
        c = by_rule[rule]
        print(f"  {rule:<34}{sum(c.values()):>10}" + "".join(f"{c[k]:>12}" for k in cols))
    print(f"  {'total':<34}{locations:>10}" + "".join(f"{total[k]:>12}" for k in cols))
    per100 = total["fp"] / (mb / 100) if mb else 0.0
    print(f"false positives: {total['fp']} locations, {per100:.2f} per 100 MB"
          f" (test vectors {total['test-vector']}, examples {total['example']}, true {total['tp']})")
    stale = sum(1 for j in judged if id(j) not in used)
    if stale:
        print(f"judged lines no finding matched (fixed or moved): {stale}")
    if args.template and unjudged:
        with open(args.template, "w", encoding="utf-8") as out:
            for path, line, rule, fp, _ in sorted(unjudged):
                out.write(json.dumps({"path": path, "rule_id": rule, "line": line, "secret_fp": fp,
                                      "verdict": "", "reason": ""}) + "\n")
    for path, line, rule, fp, secret in sorted(unjudged):
        print(f"UNJUDGED {path}:{line} {rule} {fp} | {context(args.root, path, line, secret)}")
    if unjudged:
        print(f"{len(unjudged)} UNJUDGED locations: judge them in {args.judged}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
