"""Promises followed: the same numeric target (object and unit) across a province's plans.

Method (docs/tracking.md): targets are grouped by issuer (province, level and the city of a city or
county plan), document type (like with like; `by_type=False` follows a promise across plan types too)
and unit. Two targets
of different plan years are the same promise when their objects (targets.object, the thing counted)
are equal or near-equal: the overlap coefficient of their character bigrams (shared bigrams /
bigrams of the shorter object, quote marks and spaces removed) is at least ``OBJECT_OVERLAP`` (0.6),
so 产业技术大会 (2019) and “一市一品”产业技术发展大会 (2024) are one series while 科普基地 and 科普
示范园 are not. Linked objects form a series (connected components, so a wording that drifts over
three plans stays one series); a series needs two or more plan years. When a plan states the same
object twice, the first target in document order is the year's value. `series` names it by the
latest plan's wording and the unit; `change` compares each year's value with the previous year's.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from compare.analysis._common import corpus_first
from compare.analysis.corpus import Corpus
from compare.core import schema
from compare.core.vocab import DEFAULT_LEVEL

__all__ = ["OBJECT_OVERLAP", "object_overlap", "target_series"]

OBJECT_OVERLAP = 0.6
_QUOTES = re.compile(r"[\s“”\"'‘’《》「」]")
_STOP = re.compile(r"[，。；：、,;:！？（）()\n]")


def _bigrams(text: str) -> set[str]:
    t = _QUOTES.sub("", text or "")
    return {t[i:i + 2] for i in range(len(t) - 1)} if len(t) > 1 else ({t} if t else set())


def object_overlap(a: str, b: str) -> float:
    """Overlap coefficient of the character bigrams of two objects (0-1).

    >>> object_overlap("产业技术大会", "“一市一品”产业技术发展大会")
    0.8
    """
    x, y = _bigrams(a), _bigrams(b)
    if not x or not y:
        return 0.0
    return len(x & y) / min(len(x), len(y))


def _object_fallback(text: str, phrase: str) -> str | None:
    """The words right after the quantity, up to punctuation (used only when targets has no
    `object` column, i.e. tables written before it existed)."""
    i = (text or "").find(phrase)
    if i < 0:
        return None
    rest = _STOP.split(text[i + len(phrase):], maxsplit=1)[0]
    rest = re.sub(r"^(以上|左右|以内|多|余)", "", rest)[:20]
    return rest or None


class _Union:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def _target_series(
    targets: pd.DataFrame,
    documents: pd.DataFrame,
    items: pd.DataFrame | None = None,
    *,
    by_type: bool = True,
    min_overlap: float = OBJECT_OVERLAP,
) -> pd.DataFrame:
    """target_series on the tables themselves (the implementation; also the old, table-first call)."""
    if targets.empty:
        return schema.empty("target_series")
    tg = _targets_with_objects(targets, documents, items)
    if tg.empty:
        return schema.empty("target_series")
    keys = ["province", "level", "_city", "doc_type", "unit"] if by_type else ["province", "level", "_city", "unit"]
    rows = []
    for _, g in tg.sort_values(keys + ["year", "doc_id", "_seq", "_pos"], kind="mergesort").groupby(keys, sort=True):
        years = g["year"].astype(int).tolist()
        if len(set(years)) < 2:
            continue
        recs = g.to_dict("records")
        for comp in _same_object_groups([str(o) for o in g["object"]], years, min_overlap):
            first: dict[int, int] = {}
            for i in comp:  # rows are in year / document order: the first target of each year
                first.setdefault(years[i], i)
            if len(first) >= 2:
                rows.extend(_series_rows([recs[i] for i in first.values()]))
    if not rows:
        return schema.empty("target_series")
    out = pd.DataFrame(rows)
    order = ["province", "level", "_city"] + (["doc_type"] if by_type else []) + ["series", "year", "doc_id"]
    out = out.assign(_city=out["city"].fillna("")).sort_values(order, kind="mergesort")
    return out[schema.column_names("target_series")].reset_index(drop=True)


def _targets_with_objects(targets: pd.DataFrame, documents: pd.DataFrame, items: pd.DataFrame | None) -> pd.DataFrame:
    """The targets that name an object, with their document's province, level, city, type and year and their
    place in it (_seq: the item's order, _pos: the target's order within the item)."""
    docs = documents.copy()
    if "level" not in docs.columns:
        docs["level"] = DEFAULT_LEVEL
    docs["level"] = docs["level"].fillna(DEFAULT_LEVEL)
    if "city" not in docs.columns:
        docs["city"] = None
    docs["_city"] = docs["city"].where(docs["city"].notna(), "")  # one city's plans form one chain
    tg = targets.reset_index(drop=True).copy()
    tg["_pos"] = np.arange(len(tg))  # the targets table is in document order within an item
    if items is not None:
        seq = items.set_index(["doc_id", "item_id"])["seq"]
        tg["_seq"] = [seq.get((d, i), 0) for d, i in zip(tg["doc_id"], tg["item_id"])]
    else:
        tg["_seq"] = 0
    if "object" not in tg.columns:
        if items is None:
            tg["object"] = None
        else:
            text = items.set_index(["doc_id", "item_id"])["text"]
            tg["object"] = [_object_fallback(text.get((d, i), ""), p) for d, i, p in zip(tg["doc_id"], tg["item_id"], tg["phrase"])]
    tg = tg[tg["object"].notna() & (tg["object"].astype(str).str.strip() != "")]
    return tg.merge(docs[["doc_id", "province", "level", "city", "_city", "doc_type", "year"]], on="doc_id", how="inner")


def _same_object_groups(objects: list[str], years: list[int], min_overlap: float) -> list[list[int]]:
    """Positions grouped by object: two targets of different years whose objects share at least
    min_overlap of the shorter one's character bigrams are one object (and so, transitively, more)."""
    grams = [_bigrams(o) for o in objects]
    uf = _Union(len(objects))
    for i in range(len(objects)):
        gi = grams[i]
        for j in range(i + 1, len(objects)):
            if (years[i] != years[j] and gi and grams[j]
                    and len(gi & grams[j]) / min(len(gi), len(grams[j])) >= min_overlap):
                uf.union(i, j)
    components: dict[int, list[int]] = {}
    for i in range(len(objects)):
        components.setdefault(uf.find(i), []).append(i)
    return list(components.values())


def _series_rows(members: list[dict]) -> list[dict]:
    """One series' rows (a target a year, in year order), named for its latest object and its unit;
    change: against the year before (None after a zero)."""
    name = f"{_QUOTES.sub('', str(members[-1]['object']))}（{members[0]['unit']}）"
    rows = []
    prev = None
    for r in members:
        change = None if prev in (None, 0) else round(float(r["value"]) / prev - 1, 6)
        prev = float(r["value"])
        vh = r["value_high"]
        rows.append({
            "province": r["province"], "level": r["level"], "city": r["_city"] or None,
            "doc_type": r["doc_type"], "series": name,
            "object": r["object"], "unit": r["unit"], "year": int(r["year"]), "doc_id": r["doc_id"],
            "item_id": r["item_id"], "phrase": r["phrase"], "value": float(r["value"]),
            "value_high": None if vh is None or pd.isna(vh) else float(vh),
            "qualifier": r["qualifier"] if isinstance(r["qualifier"], str) else None,
            "n_years": len(members), "change": change,
        })
    return rows


@corpus_first(_target_series)
def target_series(
    corpus: Corpus,
    *,
    by_type: bool = True,
    min_overlap: float = OBJECT_OVERLAP,
) -> pd.DataFrame:
    """The `target_series` table: one row per plan year of every series, ordered by province,
    level, city, type, series and year (a city's promises are followed within that city's plans). Targets without an `object` (older tables) take it from the item
    text after the quantity; items give the order of targets within a plan (document order).

    >>> from compare import analysis
    >>> c = analysis.example_corpus()
    >>> target_series(c)[["series", "year", "value"]].values.tolist()
    [['科普活动（场）', 2019, 50.0], ['科普活动（场）', 2024, 300.0]]
    """
    return _target_series(corpus.targets, corpus.documents, corpus.items, by_type=by_type, min_overlap=min_overlap)
