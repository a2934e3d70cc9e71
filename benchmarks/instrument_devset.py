"""Policy-instrument coding measured on items of real plans that are not in the repository.

Third-party texts are never stored: the pages are piped in on stdin (e.g. a heredoc) and read in
memory. What is committed is the hand labels, keyed by the sha256 of each item's text as the loader
extracts it (tests/fixtures/instrument_labels_realworld.csv), and the outcome of each measurement
(tests/fixtures/instrument_outcomes_realworld.csv: the coder's tool for each labelled item, with the
codebook's sha256 it was measured with).

stdin holds one or more pages::

    === PAGE https://example.org/plan.html
    <the page text>
    === LABELS
    一/1,宣传引导
    一/2,人才培养

    .venv/bin/python benchmarks/instrument_devset.py --list      # the items the loader finds (no coding)
    .venv/bin/python benchmarks/instrument_devset.py --label     # record the labels given after each page
    .venv/bin/python benchmarks/instrument_devset.py --measure   # code the labelled items, print and record

Labels are made from the codebook before the coder's output for the item is looked at (--label never
codes); --measure codes with the packaged codebook and a coder fitted on the seeds (what an analyst
gets when these plans are added to the seed corpus).
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from compare.core.errors import InputFileError  # noqa: E402
from compare.ingest.load import parse_text  # noqa: E402

LABELS = ROOT / "tests" / "fixtures" / "instrument_labels_realworld.csv"
OUTCOMES = ROOT / "tests" / "fixtures" / "instrument_outcomes_realworld.csv"
LABEL_FIELDS = ["sha256", "url", "item_id", "type", "tool"]
OUTCOME_FIELDS = ["sha256", "tool", "predicted_tool", "predicted_type", "low_confidence", "method", "codebook_sha256"]


def read_pages(stream) -> list[dict]:
    pages, cur, part = [], None, None
    for line in stream.read().splitlines():
        if line.startswith("=== PAGE"):
            cur = {"url": line[len("=== PAGE"):].strip(), "text": [], "labels": {}}
            pages.append(cur)
            part = "text"
        elif line.startswith("=== LABELS") and cur is not None:
            part = "labels"
        elif cur is not None and part == "text":
            cur["text"].append(line)
        elif cur is not None and part == "labels" and line.strip():
            item_id, tool = [x.strip() for x in line.split(",")[:2]]
            cur["labels"][item_id] = tool
    for p in pages:
        p["text"] = "\n".join(p["text"])
    return pages


def items_of(page: dict) -> list[dict]:
    """The page's items as the loader extracts them; for a page the loader refuses as a document (a
    news report of a year's work arrangements, without province or year) the loader's own item
    rules are applied to its lines."""
    try:
        docs = parse_text(page["text"], source_file=page["url"])
    except InputFileError:
        docs = []
    items = [it for d in docs for it in d.items]
    if items:
        return items
    from compare.ingest.clean import clean_lines
    from compare.ingest.load import _item_rows
    from compare.ingest.structure import parse_items, relayout

    lines, _ = clean_lines(page["text"])
    _preamble, raw = parse_items(relayout(lines))
    return _item_rows(raw)[0]


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, fields: list[str], rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main(argv=None) -> int:
    logging.basicConfig(level=logging.ERROR)
    ap = argparse.ArgumentParser()
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--list", action="store_true")
    g.add_argument("--label", action="store_true")
    g.add_argument("--measure", action="store_true")
    ap.add_argument("--out", type=Path, default=OUTCOMES,
                    help=f"where --measure records the outcomes (default {OUTCOMES.relative_to(ROOT)})")
    args = ap.parse_args(argv)
    pages = read_pages(sys.stdin)
    from compare.text.codebook import load_codebook

    codebook = load_codebook()
    tool_type = codebook.tool_type()
    if args.list:
        for p in pages:
            print(f"# {p['url']}")
            for it in items_of(p):
                print(f"{it['item_id']}\t{it['marker']}\t{it['heading'][:30]}\t{sha(it['text'])[:12]}")
        return 0
    if args.label:
        rows = {r["sha256"]: r for r in _read(LABELS)}
        for p in pages:
            its = items_of(p)
            found = {it["item_id"]: it for it in its}
            found.update({f"#{k}": it for k, it in enumerate(its, 1)})  # labels may name items by position
            print(f"# {p['url']}: {len(its)} items")
            for item_id, tool in p["labels"].items():
                if item_id not in found:
                    print(f"{p['url']}: no item {item_id}; items: {[it['item_id'] for it in its]}", file=sys.stderr)
                    return 1
                print(f"  {item_id:<4} {found[item_id]['item_id']:<8} {found[item_id]['heading'][:26]:<28} {tool}")
                item_id = found[item_id]["item_id"]
                if tool not in tool_type:
                    print(f"{p['url']} {item_id}: unknown tool {tool}", file=sys.stderr)
                    return 1
                h = sha(found[item_id]["text"])
                rows[h] = {"sha256": h, "url": p["url"], "item_id": item_id, "type": tool_type[tool], "tool": tool}
        _write(LABELS, LABEL_FIELDS, sorted(rows.values(), key=lambda r: (r["url"], r["sha256"])))
        print(f"{len(rows)} labelled real-plan items in {LABELS.relative_to(ROOT)}")
        return 0
    # --measure
    import pandas as pd

    from compare.ingest.run import ingest
    from compare.core import io
    from compare.text.instruments import InstrumentCoder
    import tempfile

    labels = {r["sha256"]: r for r in _read(LABELS)}
    with tempfile.TemporaryDirectory() as tmp:
        ingest(ROOT / "tests" / "fixtures" / "seeds", tmp)
        seeds = io.read_table("items", tmp)
    coder = InstrumentCoder(codebook=codebook).fit(seeds)
    rows = []
    for p in pages:
        items = [it for it in items_of(p) if sha(it["text"]) in labels]
        if not items:
            continue
        pred = coder.predict(pd.DataFrame({"text": [it["text"] for it in items],
                                           "heading": [it["heading"] for it in items]}))
        for it, r in zip(items, pred.itertuples()):
            lab = labels[sha(it["text"])]
            rows.append({"sha256": lab["sha256"], "tool": lab["tool"], "predicted_tool": r.tool,
                         "predicted_type": r.type, "low_confidence": bool(r.low_confidence), "method": r.method,
                         "codebook_sha256": codebook.sha256()})
            mark = "ok " if r.tool == lab["tool"] else ("typ" if r.type == lab["type"] else "XX ")
            print(f"{mark} {p['url'][-40:]} {it['item_id']:<10} {it['heading'][:20]:<22} label {lab['tool']} "
                  f"coded {r.tool} {'LOW' if r.low_confidence else ''} {list(r.evidence)[:4]}")
    n = len(rows)
    if not n:
        print("no labelled items in the pages given")
        return 1
    from compare.text.instrument_eval import agreement, confusion

    a = agreement([tool_type[r["tool"]] for r in rows], [r["tool"] for r in rows],
                  [r["predicted_type"] for r in rows], [r["predicted_tool"] for r in rows],
                  [r["low_confidence"] for r in rows])
    print(a.line())
    print(confusion([tool_type[r["tool"]] for r in rows], [r["predicted_type"] for r in rows], codebook.types))
    _write(args.out, OUTCOME_FIELDS, sorted(rows, key=lambda r: r["sha256"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
