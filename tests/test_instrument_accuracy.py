"""Measured accuracy of policy-instrument coding against hand labels.

tests/fixtures/instrument_labels.csv: every item of the seeds, labelled from the codebook's coding
rules (docs: Policy instruments) before the coder's output was looked at, and split by a hash of the
item's id into a tuning half (the codebook's words and weights were adjusted on it) and a held-out
half. tests/fixtures/instrument_labels_realworld.csv: items of real plans of other provinces, cities
and years, keyed by the sha256 of each item's text (the texts are not stored); their outcomes are
measured with benchmarks/instrument_devset.py (texts piped in on stdin) and recorded in
tests/fixtures/instrument_outcomes_realworld.csv.

Run `pytest -s tests/test_instrument_accuracy.py` to see the figures and the confusion matrices."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from compare.core import io
from compare.text.codebook import load_codebook
from compare.text.instrument_eval import agreement, confusion
from compare.text.instruments import InstrumentCoder

FIXTURES = Path(__file__).parent / "fixtures"
LABELS = FIXTURES / "instrument_labels.csv"
REAL_LABELS = FIXTURES / "instrument_labels_realworld.csv"
REAL_OUTCOMES = FIXTURES / "instrument_outcomes_realworld.csv"

# Floors, set from the held-out half a few items below what was measured (type 88.2 %, tool 82.4 %
# after the last codebook change; 82.4 % / 78.4 % when that half was first measured): a change that
# loses held-out items fails here.
MIN_HELDOUT_TYPE, MIN_HELDOUT_TOOL = 0.84, 0.78
MIN_ALL_TYPE, MIN_ALL_TOOL = 0.88, 0.83
MIN_ERRORS_FLAGGED = 0.6  # share of wrong tools marked low_confidence (measured 79 %)


@pytest.fixture(scope="module")
def coded(processed_dir) -> pd.DataFrame:
    items = io.read_table("items", processed_dir)
    labels = pd.read_csv(LABELS, dtype=str, encoding="utf-8")
    pred = InstrumentCoder(codebook=load_codebook()).fit(items).predict(items)
    pred.insert(0, "item_id", items["item_id"].to_numpy())
    pred.insert(0, "doc_id", items["doc_id"].to_numpy())
    pred["item_heading"] = items["heading"].to_numpy()
    merged = labels.merge(pred, on=["doc_id", "item_id"], how="left", suffixes=("", "_coded"), indicator=True)
    stale = merged[merged["_merge"] != "both"]
    assert stale.empty, f"labels for items the loader no longer produces:\n{stale[['doc_id', 'item_id', 'heading']]}"
    return merged.drop(columns="_merge")


def test_labels_cover_the_seeds(coded, processed_dir):
    codebook = load_codebook()
    items = io.read_table("items", processed_dir)
    assert len(coded) == len(items) >= 100, "every seed item is labelled"
    assert coded.set_index(["doc_id", "item_id"]).index.is_unique
    assert (coded["heading"] == coded["item_heading"]).all(), "a label's heading does not match its item"
    assert set(coded["tool"]) <= set(codebook.tool_names)
    assert (coded["type"] == coded["tool"].map(codebook.tool_type())).all(), "a label's type is not its tool's"
    assert set(coded["type"]) == set(codebook.types), "every type needs hand-labelled items"
    assert set(coded["split"]) == {"tune", "heldout"} and (coded["split"] == "heldout").sum() >= 50


def test_real_plan_labels_and_outcomes_are_consistent():
    codebook = load_codebook()
    labels = pd.read_csv(REAL_LABELS, dtype=str, encoding="utf-8")
    assert len(labels) >= 80 and labels["sha256"].is_unique
    assert labels["sha256"].str.fullmatch(r"[0-9a-f]{64}").all(), "real-plan items are keyed by sha256, no text"
    assert set(labels["tool"]) <= set(codebook.tool_names)
    assert (labels["type"] == labels["tool"].map(codebook.tool_type())).all()
    out = pd.read_csv(REAL_OUTCOMES, dtype=str, encoding="utf-8")
    assert set(out["sha256"]) == set(labels["sha256"]), "every labelled real-plan item has a recorded outcome"
    m = out.merge(labels, on="sha256", suffixes=("", "_label"))
    assert (m["tool"] == m["tool_label"]).all(), "outcomes were recorded against other labels"
    for sha, g in m.groupby("codebook_sha256", sort=False):
        a = agreement(g["type"], g["tool"], g["predicted_type"], g["predicted_tool"], g["low_confidence"] == "True")
        which = "the current codebook" if sha == codebook.sha256() else f"codebook {sha[:12]}"
        print(f"\nreal plans, held out, recorded with {which}: {a.line()}")


def test_instrument_accuracy(coded):
    codebook = load_codebook()
    lines = []
    results = {}
    for split in ("tune", "heldout", "all"):
        s = coded if split == "all" else coded[coded["split"] == split]
        results[split] = a = agreement(s["type"], s["tool"], s["type_coded"], s["tool_coded"], s["low_confidence"])
        lines.append(f"{split:<8} {a.line()}")
    held = coded[coded["split"] == "heldout"]
    lines.append("held-out types (rows: label, columns: coded):")
    lines.append(confusion(held["type"], held["type_coded"], codebook.types).to_string())
    wrong = coded[coded["tool"] != coded["tool_coded"]]
    lines.append(f"wrong tools ({len(wrong)}):")
    lines += [f"  [{r.split}] {r.doc_id} {r.item_id} {r.heading}: labelled {r.tool}, coded {r.tool_coded}"
              f"{' (low confidence)' if r.low_confidence else ''}" for r in wrong.itertuples()]
    report = "\n".join(lines)
    print("\n" + report)
    held, every = results["heldout"], results["all"]
    assert held.type_accuracy >= MIN_HELDOUT_TYPE and held.tool_accuracy >= MIN_HELDOUT_TOOL, report
    assert every.type_accuracy >= MIN_ALL_TYPE and every.tool_accuracy >= MIN_ALL_TOOL, report
    assert every.errors_flagged >= MIN_ERRORS_FLAGGED, report


def test_every_lexicon_decision_quotes_its_evidence(coded, processed_dir):
    """The evidence of an item coded by the lexicon is words of its own text (normalised)."""
    from compare.text.segment import normalize_text

    items = io.read_table("items", processed_dir).set_index(["doc_id", "item_id"])
    lex = coded[coded["method"] == "lexicon"]
    assert len(lex) >= 0.9 * len(coded)
    for r in lex.itertuples():
        text = normalize_text(items.loc[(r.doc_id, r.item_id), "text"])
        assert r.evidence and all(w in text for w in r.evidence), (r.doc_id, r.item_id, r.evidence)


SECOND = FIXTURES / "instrument_labels_second.csv"
INDEPENDENT = FIXTURES / "instrument_labels_independent.csv"


def _agreement_with_first(path):
    codebook = load_codebook()
    first = pd.read_csv(LABELS, dtype=str, encoding="utf-8")
    second = pd.read_csv(path, dtype=str, encoding="utf-8")
    assert len(second) >= 50 and set(second["tool"]) <= set(codebook.tool_names)
    m = second.merge(first, on=["doc_id", "item_id"], suffixes=("_second", ""), validate="one_to_one")
    assert len(m) == len(second), "second ratings for items without a first label"
    assert (m["type_second"] == m["tool_second"].map(codebook.tool_type())).all(), "a tool under the wrong type"
    return agreement(m["type"], m["tool"], m["type_second"], m["tool_second"])


def test_second_rating_agrees():
    """The same coder rated the held-out half again about an hour later, shuffled and without ids or
    first labels: intra-rater agreement (inflated by memory), kept beside the independent rating."""
    a = _agreement_with_first(SECOND)
    print(f"\nsecond rating (same coder) vs first: {a.line().split(';')[0]}")
    assert a.tool_kappa >= 0.6, a.line()


def test_independent_coder_agrees():
    """Inter-rater agreement: an independent coder who saw only the codebook (docs/instruments.md) and
    the item texts, never the first labels or the coder's output, rated the 51 held-out seed items.
    Measured: type 96.1 % (κ 0.94), tool 92.2 % (κ 0.91). Below κ 0.6 the codebook is not reliable."""
    a = _agreement_with_first(INDEPENDENT)
    print(f"\nindependent coder vs first: {a.line().split(';')[0]}")
    assert a.type_kappa >= 0.6 and a.tool_kappa >= 0.6, a.line()
