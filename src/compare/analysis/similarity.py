"""Similarity: how alike two plans (or provinces, or items) are, by the cosine of their TF-IDF vectors."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from compare.analysis._common import _item_order
from compare.analysis.corpus import Corpus, comparable
from compare.analysis.selection import DEFAULT_DOC_TYPE, DEFAULT_LEVEL
from compare.core.errors import ParameterError

SIMILARITY_COLUMNS = ["doc_a", "doc_b", "label_a", "label_b", "cosine"]


def _identity(tokens):
    return tokens


def _sorted_documents(corpus: Corpus) -> pd.DataFrame:
    docs = corpus.documents[corpus.documents["doc_id"].isin(corpus.items["doc_id"])]
    return docs.sort_values(["province", "year", "doc_type", "doc_id"], kind="mergesort").reset_index(drop=True)


def _doc_label(row) -> str:
    return f"{row.province} {int(row.year)} {row.doc_type}"


UNITS = ("document", "province", "item")


def similarity(
    corpus: Corpus,
    *,
    unit: str = "document",
    max_units: int = 3000,
    doc_type: str | Sequence[str] | None = DEFAULT_DOC_TYPE,
    level: str | Sequence[str] | None = DEFAULT_LEVEL,
    include_departments: bool = False,
) -> pd.DataFrame:
    """Cosine similarity of TF-IDF vectors (scikit-learn TfidfVectorizer on our tokens), every ordered
    pair including the diagonal (1.0), so ``pivot(index="label_a", columns="label_b", values="cosine")``
    gives the full matrix.

    unit "document" joins the tokens of each document's items; "province" those of each province;
    "item" compares single items (labelled `doc_id item_id`). A unit without tokens has cosine 0 with
    every other unit. Units are ordered by province, year, doc_type, doc_id (items in document order).
    More than max_units units (n² rows) raises ParameterError: compare a Corpus.select(...) instead.
    doc_type / level / include_departments choose the plans compared (default: the 工作要点 of
    provincial associations; see compare.analysis.like_with_like). For backward compatibility
    ``level="document" | "province" | "item"`` is read as `unit`.

    >>> from compare.analysis.examples import example_corpus
    >>> s = similarity(example_corpus(), unit="province")
    >>> s[["doc_a", "doc_b"]].values.tolist()
    [['河南', '河南'], ['河南', '湖北'], ['湖北', '河南'], ['湖北', '湖北']]
    >>> bool(s["cosine"].between(0, 1).all())
    True
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    if isinstance(level, str) and level in UNITS:  # the old name of `unit`
        unit, level = level, DEFAULT_LEVEL
    corpus = comparable(corpus, doc_type, level, include_departments)

    items = corpus.items
    toks = corpus.tokens
    if unit == "document":
        docs = _sorted_documents(corpus)
        ids = docs["doc_id"].tolist()
        labels = [_doc_label(r) for r in docs.itertuples(index=False)]
        bag: dict[str, list[str]] = {i: [] for i in ids}
        for doc_id, t in zip(items["doc_id"], toks):
            bag[doc_id].extend(t)
        units = [bag[i] for i in ids]
    elif unit == "province":
        ids = corpus.provinces
        labels = list(ids)
        bag = {p: [] for p in ids}
        for prov, t in zip(items["province"], toks):
            bag[prov].extend(t)
        units = [bag[p] for p in ids]
    elif unit == "item":
        order = _item_order(corpus)
        ids = [f"{items.at[i, 'doc_id']} {items.at[i, 'item_id']}" for i in order]
        labels = [f"{items.at[i, 'province']} {int(items.at[i, 'year'])} {items.at[i, 'item_id']}" for i in order]
        units = [toks[i] for i in order]
    else:
        raise ParameterError(f"unit must be 'document', 'province' or 'item', not {unit!r}")
    n = len(units)
    if n > max_units:
        raise ParameterError(
            f"similarity at unit={unit!r} would compare {n} units ({n * n:,} rows), more than max_units="
            f"{max_units}; compare a smaller corpus (corpus.select(provinces=..., years=...)) or raise max_units"
        )
    if any(units):
        matrix = TfidfVectorizer(analyzer=_identity, lowercase=False).fit_transform(units)
        cos = cosine_similarity(matrix)
    else:
        cos = np.zeros((n, n))
    np.fill_diagonal(cos, 1.0)
    cos = np.clip(cos, 0.0, 1.0)
    ia, ib = np.divmod(np.arange(n * n), n)
    return pd.DataFrame({
        "doc_a": np.asarray(ids, dtype=object)[ia],
        "doc_b": np.asarray(ids, dtype=object)[ib],
        "label_a": np.asarray(labels, dtype=object)[ia],
        "label_b": np.asarray(labels, dtype=object)[ib],
        "cosine": cos.ravel(),
    }).astype({"doc_a": "str", "doc_b": "str", "label_a": "str", "label_b": "str"})
