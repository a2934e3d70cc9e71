"""Accuracy of the loader on a development set of real plans.

The real texts are third-party pages and are never committed: they live outside the repository
(default /work/notes/devset and /work/notes/devset_heldout, or DEVSET_DIR / --dir, repeatable). What is
committed is the facts checked by hand, one row per text keyed by the sha256 of its bytes:
benchmarks/devset_facts.csv

    sha256, file, kind (plan | nonplan), province, level, city, year, doc_type, issue_number,
    first_heading, department, set (dev | heldout)

`dev` texts were read while the rules were written; `heldout` texts were collected and their facts
recorded after the rules were frozen, then run once: their figures are the honest estimate.

A plan counts right on a field when the loaded document has the recorded value (an empty cell means
"none": no 文号, no city, no department). `first_heading` is right when the first item's heading starts
with the recorded words (a truncated copy may stop mid-item); an empty `first_heading` means the copy
is truncated before its first item, and the plan must load with 0 items. A non-plan is right when the
loader refuses it. Any exception other than the loader's InputFileError is a crash.

    .venv/bin/python benchmarks/devset.py [--dir DIR] [--verbose]

Exit code 0 when every goal is met (or the dev-set directory is absent: nothing to measure), 1 otherwise.
Goals: province, year, doc_type >= 95%; 文号 and first item heading >= 90%; no non-plan loaded; no crash.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import logging
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from compare.core.errors import InputFileError
from compare.ingest.load import load_file

FACTS = ROOT / "benchmarks" / "devset_facts.csv"
DEFAULT_DIRS = [Path(d) for d in os.environ.get("DEVSET_DIR", "/work/notes/devset:/work/notes/devset_heldout").split(":")]
GOALS = {"province": 0.95, "year": 0.95, "doc_type": 0.95, "issue_number": 0.90, "first_heading": 0.90}
FIELDS = ("province", "level", "city", "year", "doc_type", "issue_number", "first_heading", "department")


def read_facts(path: Path = FACTS) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _got(doc, field: str):
    if field == "first_heading":
        return doc.items[0]["heading"] if doc.items else ""
    value = getattr(doc, field, None)
    return "" if value is None else str(value)


def _right(field: str, expected: str, got: str) -> bool:
    if field == "first_heading":
        return got == "" if expected == "" else got.startswith(expected)
    return got == expected


def evaluate(directories: list[Path], facts: list[dict]) -> dict:
    by_sha = {}
    for directory in directories:
        for p in sorted(directory.iterdir()):
            if p.is_file():
                by_sha[hashlib.sha256(p.read_bytes()).hexdigest()] = p
    rows, missing, crashes = [], [], []
    for fact in facts:
        path = by_sha.get(fact["sha256"])
        if path is None:
            missing.append(fact["file"])
            continue
        try:
            docs, reason = load_file(path), None
        except InputFileError as exc:
            docs, reason = [], str(exc)
        except Exception as exc:  # noqa: BLE001 - a crash is what we measure
            docs, reason = [], f"CRASH {type(exc).__name__}: {exc}"
            crashes.append(fact["file"])
        rows.append((fact, docs, reason))
    return {"rows": rows, "missing": missing, "crashes": crashes}


def score(result: dict) -> dict:
    right = {f: 0 for f in FIELDS}
    plans = nonplans = nonplans_loaded = 0
    wrong: list[str] = []
    for fact, docs, reason in result["rows"]:
        if fact["kind"] == "nonplan":
            nonplans += 1
            if docs:
                nonplans_loaded += 1
                wrong.append(f"{fact['file']}: non-plan loaded as {docs[0].title}")
            continue
        plans += 1
        doc = docs[0] if docs else None
        for f in FIELDS:
            got = _got(doc, f) if doc is not None else None
            if got is not None and _right(f, fact[f], got):
                right[f] += 1
            else:
                wrong.append(f"{fact['file']}: {f} expected {fact[f]!r} got {got!r}"
                             + (f" ({reason})" if doc is None else ""))
    share = {f: (right[f] / plans if plans else 0.0) for f in FIELDS}
    return {"plans": plans, "nonplans": nonplans, "nonplans_loaded": nonplans_loaded, "share": share,
            "right": right, "wrong": wrong, "crashes": len(result["crashes"]), "missing": len(result["missing"])}


def _report(s: dict, label: str) -> bool:
    print(f"{label}: {s['plans']} plans, {s['nonplans']} non-plans ({s['missing']} listed texts missing)")
    ok = True
    for f in FIELDS:
        goal = GOALS.get(f)
        met = goal is None or not s["plans"] or s["share"][f] >= goal
        ok &= met
        print(f"  {f:14s} {s['right'][f]:3d}/{s['plans']:<3d} {100 * s['share'][f]:5.1f}%"
              + (f"  goal >= {100 * goal:.0f}% {'met' if met else 'MISSED'}" if goal else ""))
    print(f"  non-plans loaded as plans: {s['nonplans_loaded']}  (goal 0)")
    print(f"  crashes: {s['crashes']}  (goal 0)")
    return ok and s["nonplans_loaded"] == 0 and s["crashes"] == 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--dir", type=Path, action="append", help="directory holding dev-set texts (repeatable)")
    ap.add_argument("--verbose", action="store_true", help="list every wrong field")
    args = ap.parse_args(argv)
    logging.getLogger("compare").setLevel(logging.ERROR)  # the loader's per-file warnings: see --verbose
    dirs = [d for d in (args.dir or DEFAULT_DIRS) if d.is_dir()]
    if not dirs:
        print(f"dev set directories {[str(d) for d in (args.dir or DEFAULT_DIRS)]} not found: nothing to measure")
        return 0
    facts = read_facts()
    result = evaluate(dirs, facts)
    ok = True
    wrong: list[str] = []
    for label in ("dev", "heldout", None):
        keep = [r for r in result["rows"] if label is None or r[0].get("set", "dev") == label]
        if not keep:
            continue
        part = dict(result, rows=keep,
                    missing=[m for m in result["missing"]],
                    crashes=[c for c in result["crashes"] if any(r[0]["file"] == c for r in keep)])
        s = score(part)
        s["missing"] = sum(1 for f in facts if (label is None or f.get("set", "dev") == label)
                           and f["file"] in result["missing"])
        ok &= _report(s, "all" if label is None else label)
        if label is None:
            wrong = s["wrong"]
    if args.verbose or not ok:
        for line in wrong:
            print("   -", line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
