"""Theme shares: how much of each plan (or group of plans) is 科普, 智库, 党建 …"""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from compare.analysis._common import _check_columns, _safe_div
from compare.analysis.corpus import Corpus, comparable
from compare.core.deprecation import deprecate_kwarg
from compare.core.errors import ParameterError
from compare.core.vocab import DEFAULT_DOC_TYPE, DEFAULT_LEVEL


@deprecate_kwarg("doc_type", "doc_types")
@deprecate_kwarg("level", "levels")
def theme_shares(
    corpus: Corpus,
    *,
    by: str | Sequence[str] = ("province", "year", "doc_type"),
    doc_types: str | Sequence[str] | None = DEFAULT_DOC_TYPE,
    levels: str | Sequence[str] | None = DEFAULT_LEVEL,
    include_departments: bool = False,
) -> pd.DataFrame:
    """Theme shares per group: columns *by, theme, n_items, share_items, share_chars.

    Every theme appears for every group that has items (zeros included), so shares within a group
    sum to 1 (share_chars is 0 for a group whose items have no characters). Groups are the
    combinations of `by` that occur in items, sorted; themes follow the dictionary order; the
    group columns keep the names given in `by`, which may also name documents columns (level, city,
    department). doc_types / levels / include_departments choose the
    plans compared (default: the 工作要点 of provincial associations, no department plans; see
    :func:`compare.analysis.like_with_like`).

    >>> from compare.analysis.examples import example_corpus
    >>> s = theme_shares(example_corpus(), by="province")
    >>> s.loc[s.theme == "科普", ["province", "n_items", "share_items"]].values.tolist()
    [['河南', 3, 0.6], ['湖北', 0, 0.0]]
    """
    corpus = comparable(corpus, doc_types=doc_types, levels=levels, include_departments=include_departments)
    df = corpus.with_document_columns(corpus.items_themed, by)  # by may name documents columns (level, city, …)
    by = _check_columns(df, by, "theme_shares(by=...)")
    themes = corpus.themes
    groups = df[by].drop_duplicates().sort_values(by, kind="mergesort").reset_index(drop=True)
    grid = groups.merge(pd.DataFrame({"theme": themes}), how="cross")
    counts = (
        df.groupby([*by, "theme"], sort=False, dropna=False)
        .agg(n_items=("item_id", "size"), chars=("n_chars", "sum"))
        .reset_index()
    )
    out = grid.merge(counts, on=[*by, "theme"], how="left")
    out["n_items"] = out["n_items"].fillna(0).astype("int64")
    out["chars"] = out["chars"].fillna(0).astype("int64")
    totals = out.groupby(by, sort=False, dropna=False)[["n_items", "chars"]].transform("sum")
    out["share_items"] = _safe_div(out["n_items"], totals["n_items"])
    out["share_chars"] = _safe_div(out["chars"], totals["chars"])
    return out[[*by, "theme", "n_items", "share_items", "share_chars"]].reset_index(drop=True)


@deprecate_kwarg("doc_type", "doc_types")
@deprecate_kwarg("level", "levels")
def theme_share_matrix(
    corpus: Corpus,
    *,
    by: str | Sequence[str] = ("province", "year"),
    weight: str = "items",
    doc_types: str | Sequence[str] | None = DEFAULT_DOC_TYPE,
    levels: str | Sequence[str] | None = DEFAULT_LEVEL,
    include_departments: bool = False,
) -> pd.DataFrame:
    """Tidy share matrix: *by, theme, share. weight="items" counts items, "chars" weighs them by length.
    doc_types / levels / include_departments choose the plans compared (default: the 工作要点 of
    provincial associations; see :func:`compare.analysis.like_with_like`). Pivot with
    ``df.pivot(index=list(by), columns="theme", values="share")`` for a heatmap.

    >>> from compare.analysis.examples import example_corpus
    >>> m = theme_share_matrix(example_corpus(), by="province")
    >>> m[m.province == "河南"].set_index("theme")["share"].round(2).to_dict()
    {'党建': 0.2, '科普': 0.6, '智库': 0.2}
    """
    if weight not in ("items", "chars"):
        raise ParameterError(f"weight must be 'items' or 'chars', not {weight!r}")
    shares = theme_shares(corpus, by=by, doc_types=doc_types, levels=levels, include_departments=include_departments)
    col = "share_items" if weight == "items" else "share_chars"
    by = [by] if isinstance(by, str) else list(by)
    return shares[[*by, "theme", col]].rename(columns={col: "share"}).reset_index(drop=True)
