"""Responsible departments (（责任部门：…）) and the themes of the items they carry."""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from compare.analysis.corpus import Corpus, comparable
from compare.core.deprecation import deprecate_kwarg
from compare.core.vocab import DEFAULT_DOC_TYPE, DEFAULT_LEVEL
from compare.ingest.departments import canonical_department, is_collective


@deprecate_kwarg("doc_type", "doc_types")
@deprecate_kwarg("level", "levels")
def departments_by_theme(
    corpus: Corpus,
    *,
    top_n: int | None = None,
    collective: bool = True,
    doc_types: str | Sequence[str] | None = DEFAULT_DOC_TYPE,
    levels: str | Sequence[str] | None = DEFAULT_LEVEL,
    include_departments: bool = False,
) -> pd.DataFrame:
    """Items carried by each responsible department, per theme (an item naming several departments
    counts once for each). Every theme for every department, zeros included. Departments ordered by
    total items (descending, ties by name), themes in dictionary order; top_n keeps the busiest.

    collective=False leaves out classes of recipients (各全省学会, 机关各部室, 企业科协, …; see
    compare.ingest.departments.is_collective) so that only the named offices that carry the work remain.
    One office written two ways is counted once (科普部 = 科学技术普及部, compare.ingest.departments.ALIASES).
    doc_types / levels / include_departments choose the plans (default: the 工作要点 of provincial
    associations; see compare.analysis.like_with_like).

    >>> from compare.analysis.examples import example_corpus
    >>> d = departments_by_theme(example_corpus(), top_n=1)
    >>> d.values.tolist()
    [['科学技术普及部', '党建', 0], ['科学技术普及部', '科普', 3], ['科学技术普及部', '智库', 0]]
    """
    corpus = comparable(corpus, doc_types=doc_types, levels=levels, include_departments=include_departments)
    themed = corpus.items_themed[["doc_id", "item_id", "departments", "theme"]].copy()
    themed["department"] = themed["departments"].map(
        lambda ds: [d for d in dict.fromkeys(canonical_department(str(d)) for d in ds if str(d).strip())
                    if collective or not is_collective(d)] if ds is not None else [])
    long = themed.explode("department").dropna(subset=["department"])
    if long.empty:
        return pd.DataFrame({"department": pd.Series(dtype="str"), "theme": pd.Series(dtype="str"),
                             "n_items": pd.Series(dtype="int64")})
    counts = long.groupby(["department", "theme"]).size().rename("n_items").reset_index()
    totals = counts.groupby("department")["n_items"].sum()
    order = sorted(totals.index, key=lambda d: (-int(totals[d]), d))
    if top_n is not None:
        order = order[:top_n]
    grid = pd.MultiIndex.from_product([order, corpus.themes], names=["department", "theme"]).to_frame(index=False)
    out = grid.merge(counts, on=["department", "theme"], how="left")
    out["n_items"] = out["n_items"].fillna(0).astype("int64")
    return out.astype({"department": "str", "theme": "str"})
