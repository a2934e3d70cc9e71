"""Change over time within one province: terms that appear or disappear, theme shares that move."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from itertools import chain, pairwise

import numpy as np
import pandas as pd

from compare.analysis._common import _theme_key
from compare.analysis.corpus import Corpus
from compare.analysis.selection import (
    DEFAULT_DOC_TYPE,
    DEFAULT_LEVEL,
    as_list,
    describe,
    documents_view,
    like_with_like,
    validate_selection,
)
from compare.analysis.shares import theme_shares
from compare.core.deprecation import deprecate_kwarg
from compare.core.errors import ParameterError
from compare.core.vocab import TYPE_CODES

TERM_CHANGE_COLUMNS = ["from_year", "to_year", "change", "term", "freq"]
THEME_CHANGE_COLUMNS = ["year", "theme", "share_items", "delta", "n_items"]


def _province_corpus(
    corpus: Corpus,
    province: str,
    years,
    doc_types: str | Sequence[str] | None,
    levels: str | Sequence[str] | None,
    include_departments: bool,
) -> tuple[Corpus, str, list[int]]:
    """The sub-corpus of one province's comparable plans, its canonical name and the chosen years."""
    sel = validate_selection(corpus, province=province, years=years)
    province = sel["province"]
    types = as_list(doc_types)
    docs = like_with_like(documents_view(corpus.documents), doc_types=doc_types, levels=levels,
                          include_departments=include_departments)
    docs = docs[docs["province"] == province]
    have = sorted(int(y) for y in docs["year"].unique())
    of_type = f" of type {'、'.join(map(str, types))}" if types else ""
    if not have:
        known = sorted(corpus.documents.loc[corpus.documents["province"] == province, "doc_type"].unique())
        raise ParameterError(f"{province} has no plan{of_type}; its plans are {'、'.join(known)}")
    if years is not None:
        missing = [y for y in sel["years"] if y not in have]
        if missing:
            raise ParameterError(f"{province} has no plan{of_type} for year(s) {missing}; its years are {have}")
        have = sel["years"]
    corpus.tokens  # noqa: B018 - segment the whole corpus once; the sub-corpus shares the token lists
    ids = docs.loc[docs["year"].isin(have), "doc_id"].tolist()
    return corpus.select(doc_ids=ids), province, have


@deprecate_kwarg("level", "levels")
def main_doc_type(
    corpus: Corpus,
    province: str,
    *,
    years: int | Sequence[int] | None = None,
    levels: str | Sequence[str] | None = DEFAULT_LEVEL,
    include_departments: bool = False,
) -> tuple[str, list[int]]:
    """The document type that covers most of a province's (chosen) years, and those years.

    Change over time should compare like with like: Henan's 2022 plan is a 学会学术工作要点, so pooling
    it with the 工作要点 of 2019 and 2024 would read as "科普 disappeared in 2022". Ties go to the
    type listed first in the controlled vocabulary (工作要点 before 重点工作 …). A 重点工作 that
    repeats the same year's 工作要点 is not counted (see compare.analysis.like_with_like).

    >>> from compare.analysis.examples import example_corpus
    >>> main_doc_type(example_corpus(), "豫")
    ('工作要点', [2019, 2024])
    """
    sel = validate_selection(corpus, province=province, years=years)
    docs = like_with_like(documents_view(corpus.documents), doc_types=None, levels=levels,
                          include_departments=include_departments)
    docs = docs[docs["province"] == sel["province"]]
    if docs.empty:
        raise ParameterError(f"{sel['province']} has no plan of {describe(None, levels, include_departments)}")
    if years is not None:
        docs = docs[docs["year"].isin(sel["years"])]
    vocab = list(TYPE_CODES)
    by_type = docs.groupby("doc_type")["year"].agg(lambda y: sorted({int(v) for v in y}))
    best = min(by_type.index, key=lambda t: (-len(by_type[t]), vocab.index(t) if t in vocab else len(vocab), t))
    return str(best), list(by_type[best])


@deprecate_kwarg("doc_type", "doc_types")
@deprecate_kwarg("level", "levels")
def term_changes(
    corpus: Corpus,
    province: str,
    *,
    years: int | Sequence[int] | None = None,
    top_n: int | None = 20,
    doc_types: str | Sequence[str] | None = DEFAULT_DOC_TYPE,
    levels: str | Sequence[str] | None = DEFAULT_LEVEL,
    include_departments: bool = False,
) -> pd.DataFrame:
    """Terms that appear or disappear between consecutive years of one province's plans.

    For each consecutive pair of the chosen years (default: all the province's years), "appears"
    lists terms used in to_year but not in from_year (freq = count in to_year), "disappears" terms
    used in from_year but not in to_year (freq = count in from_year); the top_n of each by freq,
    ties by term. One year gives an empty frame. Like with like: only plans of doc_types (default
    工作要点) and levels (default 省级) are compared, since a 学会学术工作要点 naturally lacks the 科普
    vocabulary of a general plan; doc_types=None pools every type (see compare.analysis.like_with_like).
    A chosen year without a plan of that type raises ParameterError (never replaced by another type);
    a year whose plan has no items is skipped (consecutive years are the years with items).

    >>> from compare.analysis.examples import example_corpus
    >>> t = term_changes(example_corpus(), "河南")
    >>> t[t.change == "appears"]["term"].tolist()
    ['智库', '高端']
    """
    sub, province, years = _province_corpus(corpus, province, years, doc_types, levels, include_departments)
    toks = sub.tokens
    item_years = sub.items["year"].to_numpy()
    # a year whose plan has no items (e.g. a truncated copy loaded `partial`) is missing, as in
    # theme_changes: comparing with it would list every term as appearing / disappearing
    years = [y for y in years if (item_years == y).any()]
    freq: dict[int, Counter] = {}
    for y in years:
        freq[y] = Counter(chain.from_iterable(toks[i] for i in np.flatnonzero(item_years == y)))
    frames = []
    for y0, y1 in pairwise(years):
        for change, src, other in (("appears", freq[y1], freq[y0]), ("disappears", freq[y0], freq[y1])):
            pairs = sorted(((-n, t) for t, n in src.items() if t not in other))
            if top_n is not None:
                pairs = pairs[:top_n]
            frames.append(pd.DataFrame({
                "from_year": np.full(len(pairs), y0, dtype="int64"),
                "to_year": np.full(len(pairs), y1, dtype="int64"),
                "change": change,
                "term": pd.Series([t for _, t in pairs], dtype="str"),
                "freq": np.array([-n for n, _ in pairs], dtype="int64"),
            }))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
            TERM_CHANGE_COLUMNS, ["int64", "int64", "str", "str", "int64"])})
    out = pd.concat(frames, ignore_index=True)
    return out.astype({"from_year": "int64", "to_year": "int64", "freq": "int64"})[TERM_CHANGE_COLUMNS]


@deprecate_kwarg("doc_type", "doc_types")
@deprecate_kwarg("level", "levels")
def theme_changes(
    corpus: Corpus,
    province: str,
    *,
    years: int | Sequence[int] | None = None,
    doc_types: str | Sequence[str] | None = DEFAULT_DOC_TYPE,
    levels: str | Sequence[str] | None = DEFAULT_LEVEL,
    include_departments: bool = False,
) -> pd.DataFrame:
    """Theme shares (by items) of one province per year and their change from the previous chosen
    year (delta is NaN for the first year: nothing to compare with). Every theme every year.
    doc_types / levels choose the plans compared, as in term_changes.

    >>> from compare.analysis.examples import example_corpus
    >>> t = theme_changes(example_corpus(), "河南")
    >>> t[t.year == 2024].set_index("theme")["delta"].round(3).to_dict()
    {'党建': -0.333, '科普': -0.167, '智库': 0.5}
    """
    sub, province, years = _province_corpus(corpus, province, years, doc_types, levels, include_departments)
    shares = theme_shares(sub, by=("year",), doc_types=None, levels=None, include_departments=True)
    shares = shares.sort_values(["theme", "year"], key=_theme_key(corpus), kind="mergesort")
    shares["delta"] = shares.groupby("theme", sort=False)["share_items"].diff()
    shares = shares.sort_values(["year", "theme"], key=_theme_key(corpus), kind="mergesort")
    return shares[THEME_CHANGE_COLUMNS].reset_index(drop=True)
