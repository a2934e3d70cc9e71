"""Quantitative targets (不少于200场, 新建企业科协20家 …) per theme: counted, and added only when alike."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from compare.analysis._common import _theme_key
from compare.analysis.corpus import Corpus, comparable
from compare.analysis.selection import describe
from compare.core.deprecation import deprecate_kwarg
from compare.core.vocab import DEFAULT_DOC_TYPE, DEFAULT_LEVEL

TARGETS_BY_THEME_COLUMNS = ["theme", "province", "year", "n_targets"]
TARGET_VALUES_COLUMNS = ["theme", "province", "year", "object", "unit", "basis", "n_targets", "total_value"]
NON_ADDITIVE_UNITS = frozenset({"%", "％", "倍", "位"})  # rates and ranks: summing them means nothing
COUNTS = "n_targets: number of quantitative targets (commitments with a number), not their values"
VALUES = ("total_value: the sum of values of targets with the same object, unit and basis (NaN when the object "
          "is unknown or the unit is a rate or rank); values of different objects, units or bases are never added")


@deprecate_kwarg("doc_type", "doc_types")
@deprecate_kwarg("level", "levels")
def targets_by_theme(
    corpus: Corpus,
    *,
    values: bool = False,
    doc_types: str | Sequence[str] | None = DEFAULT_DOC_TYPE,
    levels: str | Sequence[str] | None = DEFAULT_LEVEL,
    include_departments: bool = False,
) -> pd.DataFrame:
    """How many quantitative targets each plan sets per theme: columns theme, province, year, n_targets.

    Targets are counted, not added up: 18 new pilot counties and a stock of 55 counties, or trainees and
    audiences, are different things. With ``values=True`` the rows are split by the thing counted
    (targets.`object`, e.g. 科普活动), `unit` and `basis` (新增 an increase, 总量 a level reached, null a
    count of the year's activity), and `total_value` adds values only within one object, unit and
    basis: 18 new 科普信息化试点县 (新增) and the 55 they bring the total to (总量) stay two rows. Never
    for rates or ranks such as %; NaN when the object is not known, so a corpus whose targets have
    no `object` column gets counts only. Every theme in dictionary order, then province, year
    (, object, unit, basis). ``df.attrs["counts"]`` says what the numbers count.
    doc_types / levels / include_departments choose the plans (default: the 工作要点 of provincial
    associations; see compare.analysis.like_with_like).

    >>> from compare.analysis.examples import example_corpus
    >>> t = targets_by_theme(example_corpus())
    >>> t.values.tolist()
    [['科普', '河南', 2019, 2], ['科普', '河南', 2024, 1]]
    >>> t.attrs["counts"]
    'n_targets: number of quantitative targets (commitments with a number), not their values; 工作要点, 省级'
    >>> v = targets_by_theme(example_corpus(), values=True)
    >>> v[["year", "object", "unit", "n_targets", "total_value"]].values.tolist()  # same object, unit, basis
    [[2019, '科普活动', '场', 2, 250.0], [2024, '科普活动', '场', 1, 300.0]]
    """
    corpus = comparable(corpus, doc_types=doc_types, levels=levels, include_departments=include_departments)
    what = describe(doc_types, levels, include_departments)
    cols = TARGET_VALUES_COLUMNS if values else TARGETS_BY_THEME_COLUMNS
    types = {"theme": "str", "province": "str", "year": "int64", "object": "object", "unit": "str",
             "basis": "object", "n_targets": "int64", "total_value": "float64"}
    themed = corpus.items_themed[["doc_id", "item_id", "province", "year", "theme"]]
    t = corpus.targets.merge(themed, on=["doc_id", "item_id"], how="inner")
    for col in ("object", "basis"):
        if col not in t.columns:
            t[col] = None
    keys = ["theme", "province", "year", "object", "unit", "basis"] if values else ["theme", "province", "year"]
    if t.empty:
        out = pd.DataFrame({c: pd.Series(dtype=types[c]) for c in cols})
    else:
        for col in ("object", "basis"):
            t[col] = t[col].astype(object).where(t[col].notna(), None)
        out = (
            t.groupby(keys, sort=False, dropna=False)
            .agg(n_targets=("value", "size"), total_value=("value", "sum"))
            .reset_index()
        )
        if values:
            unknown = out["object"].isna() | (out["object"].astype(str).str.strip() == "")
            out.loc[unknown | out["unit"].isin(NON_ADDITIVE_UNITS), "total_value"] = np.nan
        out = out.sort_values(keys, key=_theme_key(corpus), kind="mergesort", na_position="last")
        out = out.astype({c: types[c] for c in cols if types[c] != "object"})[cols].reset_index(drop=True)
    out.attrs["counts"] = (f"{COUNTS}; {VALUES}" if values else COUNTS) + f"; {what}"
    return out
