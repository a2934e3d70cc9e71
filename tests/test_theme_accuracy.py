"""Measured accuracy of the primary theme against hand labels (tests/theme_labels.csv).

The labels were made by reading each seed item and deciding its theme, before the model was run.
Run `pytest -s tests/test_theme_accuracy.py` (or -rA) to see the accuracy table."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from compare.core import io
from compare.text.themes import load_theme_dictionary

LABELS = Path(__file__).with_name("theme_labels.csv")
MIN_ACCURACY = 0.85


@pytest.fixture(scope="module")
def labelled(themed_dir) -> pd.DataFrame:
    labels = pd.read_csv(LABELS, dtype=str, encoding="utf-8")
    pred = io.read_table("item_themes", themed_dir)[["doc_id", "item_id", "theme"]]
    merged = labels.merge(pred, on=["doc_id", "item_id"], how="left", suffixes=("", "_model"), indicator=True)
    stale = merged[merged["_merge"] != "both"]
    assert stale.empty, f"labels for items the loader no longer produces:\n{stale[['doc_id', 'item_id', 'heading']]}"
    return merged.drop(columns="_merge")


def test_labels_cover_the_corpus(labelled, themed_dir):
    themes = load_theme_dictionary().themes
    assert len(labelled) >= 60
    assert labelled.set_index(["doc_id", "item_id"]).index.is_unique
    assert set(labelled["theme"]) == set(themes), "every theme needs hand-labelled items"
    docs = io.read_table("documents", themed_dir)
    assert set(labelled["doc_id"]) == set(docs["doc_id"]), "every seed document needs hand-labelled items"
    items = io.read_table("items", themed_dir).set_index(["doc_id", "item_id"])
    headings = items.loc[list(zip(labelled["doc_id"], labelled["item_id"])), "heading"].tolist()
    assert headings == labelled["heading"].tolist(), "a label's heading does not match its item"


def test_theme_accuracy(labelled):
    themes = load_theme_dictionary().themes
    truth, pred = labelled["theme"], labelled["theme_model"]
    accuracy = float((truth == pred).mean())
    rows = []
    for t in themes:
        tp = int(((pred == t) & (truth == t)).sum())
        n_pred, n_true = int((pred == t).sum()), int((truth == t).sum())
        rows.append((t, n_true, n_pred, tp / n_pred if n_pred else float("nan"), tp / n_true if n_true else float("nan")))
    lines = [f"theme accuracy on {len(labelled)} hand-labelled seed items: {accuracy:.1%}",
             f"{'theme':<6}{'labelled':>9}{'predicted':>10}{'precision':>10}{'recall':>8}"]
    lines += [f"{t:<6}{n:>9}{p:>10}{prec:>10.2f}{rec:>8.2f}" for t, n, p, prec, rec in rows]
    wrong = labelled[truth != pred]
    lines.append(f"misclassified ({len(wrong)}):")
    lines += [f"  {r.doc_id} {r.item_id} {r.heading}: labelled {r.theme}, model {r.theme_model}"
              for r in wrong.itertuples()]
    print("\n" + "\n".join(lines))
    assert accuracy >= MIN_ACCURACY, "\n".join(lines)
