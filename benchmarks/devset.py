"""Accuracy of the loader on a development set of real plans.

The real texts are third-party pages and are never committed, nor stored anywhere: they are either
files outside the repository (DEVSET_DIR / --dir, repeatable) or, preferably, a stream on standard
input that is read in memory (`--stdin`, below). What is committed is the facts checked by hand, one
row per text keyed by the sha256 of its bytes, and the outcome of the last run: benchmarks/devset_facts.csv

    sha256, file, kind (plan | nonplan), province, level, city, year, doc_type, issue_number,
    first_heading, department, set (dev | heldout | city-dev | city-heldout | city-heldout2 | city-heldout3 | city-heldout4), issuer_kind,
    outcome

`issuer_kind` empty means "not recorded" (the older rows); `outcome` is what the last run gave
(`ok`, `wrong: year,first_heading`, `skipped: <reason>`, `refused (<class>)`, `LOADED as <title>`). A
refused non-plan records the class of the loader's reason (`refusal_class`): interpretation, news,
report, speech, article, notice, attachment, not-a-plan, no-year, no-province, no-items, empty, other;
rows of older runs say only `refused`. Each set's report counts its refused non-plans by class.

The stdin stream: each text is preceded by one header line holding its facts,

    @@@ file=c01_some_city_2023|kind=plan|province=山西|level=市级|city=长治市|year=2022|doc_type=工作要点|issue_number=|first_heading=组织开展|department=|issuer_kind=科协|set=city-dev

and the text runs to the next `@@@ ` line. The facts are written to the CSV before the loader sees
the text (a held-out row whose facts are already recorded keeps them: facts are never tuned after a
run); then every text is parsed in memory and the outcomes are written.

`dev` texts were read while the rules were written; `heldout` texts were collected and their facts
recorded after the rules were frozen, then run once: their figures are the honest estimate.

A plan counts right on a field when the loaded document has the recorded value (an empty cell means
"none": no 文号, no city, no department); a 文号 is compared in the loader's form (brackets 〔〕, no spaces,
no 第 before the number), so a fact keeping the page's `[2016]` matches. `first_heading` is right when the first item's heading starts
with the recorded words (a truncated copy may stop mid-item); an empty `first_heading` means the copy
is truncated before its first item, and the plan must load with 0 items. A non-plan is right when the
loader refuses it. Any exception other than the loader's InputFileError is a crash.

    .venv/bin/python benchmarks/devset.py [--dir DIR] [--verbose]

Exit code 0 when every goal is met (or the dev-set directory is absent: nothing to measure), 1 otherwise.
Goals: province, year, doc_type >= 95%; 文号 and first item heading >= 90%; no non-plan loaded; no crash.
City and county sets (city-dev, city-heldout): province, year, doc_type, level >= 90%; first item >= 85%.

    .venv/bin/python benchmarks/devset.py --stdin [--verbose] < stream
    .venv/bin/python benchmarks/devset.py --stdin --no-record [--verbose] < stream   # score only, write nothing
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
from compare.ingest.load import load_file, parse_text
from compare.ingest.readers import read_raw

FACTS = ROOT / "benchmarks" / "devset_facts.csv"
DEFAULT_DIRS = [Path(d) for d in os.environ.get("DEVSET_DIR", "").split(":") if d]
GOALS = {"province": 0.95, "year": 0.95, "doc_type": 0.95, "issue_number": 0.90, "first_heading": 0.90}
CITY_GOALS = {"province": 0.90, "year": 0.90, "doc_type": 0.90, "level": 0.90, "first_heading": 0.85}
FIELDS = ("province", "level", "city", "year", "doc_type", "issue_number", "first_heading", "department",
          "issuer_kind")
COLUMNS = ("sha256", "file", "kind", "province", "level", "city", "year", "doc_type", "issue_number",
           "first_heading", "department", "set", "issuer_kind", "outcome")
SETS = ("dev", "heldout", "city-dev", "city-heldout", "city-heldout2", "city-heldout3", "city-heldout4")


def read_facts(path: Path = FACTS) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write_facts(rows: list[dict], path: Path = FACTS) -> None:
    """All rows, every column (missing ones empty), atomically."""
    tmp = path.with_suffix(".csv.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for row in rows:
            w.writerow({c: row.get(c) or "" for c in COLUMNS})
    tmp.replace(path)


def read_stream(stream: str) -> list[tuple[dict, str]]:
    """`@@@ k=v|k=v…` header lines, each followed by its text -> [(facts, text)]."""
    out: list[tuple[dict, str]] = []
    for block in ("\n" + stream).split("\n@@@ ")[1:]:
        head, _, text = block.partition("\n")
        facts = dict(kv.split("=", 1) for kv in head.strip().split("|") if "=" in kv)
        facts = {k.strip(): v.strip() for k, v in facts.items()}
        missing = {"file", "kind", "set"} - set(facts)
        if missing or facts["set"] not in SETS or facts["kind"] not in ("plan", "nonplan"):
            raise SystemExit(f"bad header for {facts.get('file', head[:40])!r}: need file, kind "
                             f"(plan|nonplan) and set ({'|'.join(SETS)})")
        facts["sha256"] = _sha(text)
        out.append((facts, text))
    return out


def _held_out(fact: dict) -> bool:
    """A held-out set (heldout, city-heldout, city-heldout2 …): its facts and first outcome are frozen."""
    return "heldout" in fact.get("set", "")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_stream(entries: list[tuple[dict, str]], facts: list[dict]) -> list[dict]:
    """Upsert the facts of the stream's texts (by sha256) before any is run; a held-out row that was
    already run keeps its recorded facts. A text already recorded under another file name or in another
    set stops the run before anything is written (it must not move between sets). Returns the fact
    rows of the stream, in stream order."""
    by_sha = {f["sha256"]: f for f in facts}
    by_file = {f["file"]: f for f in facts}
    rows = []
    for new, text in entries:
        # the last text of a stream keeps the stream's final newline, the others do not: the same
        # text fed in another position is the same text
        same = [new["sha256"], _sha(text + "\n"), _sha(text[:-1]) if text.endswith("\n") else None]
        old = next((by_sha[sha] for sha in same if sha in by_sha), None)
        if old is None and new["file"] in by_file:
            raise SystemExit(f"{new['file']}: the text differs from the one recorded (sha256 changed)")
        if old is not None:
            new["sha256"] = old["sha256"]
        if old is not None and (old.get("file"), old.get("set")) != (new.get("file"), new.get("set")):
            raise SystemExit(
                f"{new['file']}: this text is already recorded as {old.get('file')} in set {old.get('set')};"
                " a text belongs to one row of one set: leave it out of the stream (or move its row by hand)"
            )
        if old is not None and _held_out(old) and old.get("outcome"):
            rows.append(old)  # held-out facts are frozen once run
            continue
        if old is None:
            old = {}
            facts.append(old)
            by_sha[new["sha256"]] = old
        old.update({c: new.get(c, "") for c in COLUMNS if c != "outcome"})
        rows.append(old)
    return rows


def evaluate_stream(entries: list[tuple[dict, str]], rows: list[dict]) -> dict:
    """Parse every text of the stream in memory (as the loader reads a .txt file)."""
    out, crashes = [], []
    for (new, text), fact in zip(entries, rows):
        name = fact["file"] if "." in fact["file"] else fact["file"] + ".txt"
        try:
            raw = read_raw(text.encode("utf-8"), name)
            docs, reason = parse_text(raw.text, source_file=name, encoding=raw.encoding), None
        except InputFileError as exc:
            docs, reason = [], str(exc)
        except Exception as exc:  # noqa: BLE001 - a crash is what we measure
            docs, reason = [], f"CRASH {type(exc).__name__}: {exc}"
            crashes.append(fact["file"])
        out.append((fact, docs, reason))
    return {"rows": out, "missing": [], "crashes": crashes}


_REFUSAL_CLASSES = (   # the loader's reason -> its class (first match wins)
    ("interpretation", "an interpretation of a plan"), ("news", "a news story"), ("report", "a report or summary"),
    ("report", "a summary of work done"), ("speech", "a speech or report"), ("article", "a signed article"),
    ("notice", "a notice"), ("attachment", "only named as an attachment"), ("not-a-plan", "not a plan"),
    ("no-year", "no plan year"), ("no-province", "no province"), ("no-items", "no plan items"),
    ("empty", "no text left"))


def refusal_class(reason: str | None) -> str:
    """The class of a refusal's reason (see the module doc), `other` when none fits."""
    return next((cls for cls, needle in _REFUSAL_CLASSES if needle in (reason or "")), "other")


def outcome(fact: dict, docs: list, reason: str | None) -> str:
    """What one run gave for one text, for the outcome column."""
    if fact["kind"] == "nonplan":
        return f"LOADED as {docs[0].title}" if docs else f"refused ({refusal_class(reason)})"
    if not docs:
        return f"skipped: {reason}"
    wrong = [f for f in FIELDS if _checked(fact, f) and not _right(f, fact.get(f) or "", _got(docs[0], f))]
    return "wrong: " + ",".join(wrong) if wrong else "ok"


def _checked(fact: dict, field: str) -> bool:
    return field != "issuer_kind" or bool(fact.get("issuer_kind"))


def _got(doc, field: str):
    if field == "first_heading":
        return doc.items[0]["heading"] if doc.items else ""
    value = getattr(doc, field, None)
    return "" if value is None else str(value)


def _right(field: str, expected: str, got: str) -> bool:
    if field == "first_heading":
        return got == "" if expected == "" else got.startswith(expected)
    if field == "issue_number":   # a fact may keep the page's brackets (穗府办[2016]29号); the loader writes 〔〕
        return _issue_number_form(got) == _issue_number_form(expected)
    return got == expected


_OPEN, _CLOSE = "[［【(（﹝〖", "]］】)）﹞〗"


def _issue_number_form(number: str) -> str:
    """A 文号 with its brackets as the loader writes them (〔〕), no spaces and no 第 before the number."""
    number = "".join(number.split()).translate(str.maketrans(_OPEN + _CLOSE, "〔" * len(_OPEN) + "〕" * len(_CLOSE)))
    return number.replace("〕第", "〕")


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
    counted = {f: 0 for f in FIELDS}
    plans = nonplans = nonplans_loaded = 0
    wrong: list[str] = []
    refused: dict[str, int] = {}
    refusals: list[str] = []
    for fact, docs, reason in result["rows"]:
        if fact["kind"] == "nonplan":
            nonplans += 1
            if docs:
                nonplans_loaded += 1
                wrong.append(f"{fact['file']}: non-plan loaded as {docs[0].title}")
            else:
                refused[refusal_class(reason)] = refused.get(refusal_class(reason), 0) + 1
                refusals.append(f"{fact['file']}: refused ({refusal_class(reason)}): {(reason or '')[:120]}")
            continue
        plans += 1
        doc = docs[0] if docs else None
        for f in FIELDS:
            if not _checked(fact, f):
                continue
            counted[f] += 1
            got = _got(doc, f) if doc is not None else None
            if got is not None and _right(f, fact.get(f) or "", got):
                right[f] += 1
            else:
                wrong.append(f"{fact['file']}: {f} expected {fact[f]!r} got {got!r}"
                             + (f" ({reason})" if doc is None else ""))
    share = {f: (right[f] / counted[f] if counted[f] else 0.0) for f in FIELDS}
    return {"plans": plans, "counted": counted, "nonplans": nonplans, "nonplans_loaded": nonplans_loaded, "share": share,
            "right": right, "wrong": wrong, "crashes": len(result["crashes"]), "missing": len(result["missing"]),
            "refused": dict(sorted(refused.items(), key=lambda kv: (-kv[1], kv[0]))), "refusals": refusals}


def _report(s: dict, label: str) -> bool:
    print(f"{label}: {s['plans']} plans, {s['nonplans']} non-plans ({s['missing']} listed texts missing)")
    ok = True
    goals = CITY_GOALS if label.startswith("city") else GOALS
    for f in FIELDS:
        if not s["counted"][f]:
            continue
        goal = goals.get(f)
        met = goal is None or not s["plans"] or s["share"][f] >= goal
        ok &= met
        print(f"  {f:14s} {s['right'][f]:3d}/{s['counted'][f]:<3d} {100 * s['share'][f]:5.1f}%"
              + (f"  goal >= {100 * goal:.0f}% {'met' if met else 'MISSED'}" if goal else ""))
    print(f"  non-plans loaded as plans: {s['nonplans_loaded']}  (goal 0)")
    if s.get("refused"):
        print("  non-plans refused, by reason: " + ", ".join(f"{k} {v}" for k, v in s["refused"].items()))
    print(f"  crashes: {s['crashes']}  (goal 0)")
    return ok and s["nonplans_loaded"] == 0 and s["crashes"] == 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--dir", type=Path, action="append", help="directory holding dev-set texts (repeatable)")
    ap.add_argument("--verbose", action="store_true", help="list every wrong field")
    ap.add_argument("--stdin", action="store_true",
                    help="read texts with their facts from standard input (see the module doc); record facts and outcomes")
    ap.add_argument("--no-record", action="store_true",
                    help="with --stdin: score the stream only, writing nothing (texts that are no dev-set row, "
                         "such as the invented trait fixtures)")
    args = ap.parse_args(argv)
    logging.getLogger("compare").setLevel(logging.ERROR)  # the loader's per-file warnings: see --verbose
    if args.stdin and args.no_record:
        return _score_only(sys.stdin.read(), verbose=args.verbose)
    if args.stdin:
        return _main_stdin(sys.stdin.read(), verbose=args.verbose)
    dirs = [d for d in (args.dir or DEFAULT_DIRS) if d.is_dir()]
    if not dirs:
        print(f"dev set directories {[str(d) for d in (args.dir or DEFAULT_DIRS)]} not found: nothing to measure")
        return 0
    facts = read_facts()
    result = evaluate(dirs, facts)
    ok = True
    wrong: list[str] = []
    for label in (*SETS, None):
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


def _score_only(stream: str, *, verbose: bool) -> int:
    """The stream's texts scored against their header facts; the facts file is neither read nor written."""
    entries = read_stream(stream)
    rows = [{c: new.get(c, "") for c in COLUMNS} for new, _text in entries]
    result = evaluate_stream(entries, rows)
    return _report_sets(result, suffix=" (not recorded)", verbose=verbose, wrong_when_failed=False)


def _report_sets(result: dict, *, suffix: str, verbose: bool, wrong_when_failed: bool) -> int:
    """Each set's scores printed; the wrong fields listed when verbose (or, with wrong_when_failed,
    once a goal is missed). 0 when every set meets its goals, 1 otherwise."""
    ok = True
    for label in SETS:
        keep = [r for r in result["rows"] if r[0].get("set") == label]
        if keep:
            s = score(dict(result, rows=keep, crashes=[c for c in result["crashes"]
                                                       if any(r[0]["file"] == c for r in keep)]))
            ok &= _report(s, label + suffix)
            if verbose or (wrong_when_failed and not ok):
                for line in s["wrong"] + (s["refusals"] if verbose else []):
                    print("   -", line)
    return 0 if ok else 1


def _main_stdin(stream: str, *, verbose: bool) -> int:
    facts = read_facts()
    entries = read_stream(stream)
    rows = record_stream(entries, facts)
    frozen = {id(f) for f in rows if _held_out(f) and f.get("outcome")}
    write_facts(facts)                      # the facts first, before the loader sees any text
    result = evaluate_stream(entries, rows)
    for fact, docs, reason in result["rows"]:
        now = outcome(fact, docs, reason)
        if id(fact) in frozen:              # a held-out text is run once: its first outcome stays on record
            if now != fact["outcome"] and not (fact["outcome"] == "refused" and now.startswith("refused")):
                print(f"note: {fact['file']} (held out) now gives {now!r}; recorded first run: {fact['outcome']!r}")
            continue
        fact["outcome"] = now
    write_facts(facts)
    return _report_sets(result, suffix="", verbose=verbose, wrong_when_failed=True)


if __name__ == "__main__":
    sys.exit(main())
