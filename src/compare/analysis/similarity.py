"""Similarity: how alike two plans (or provinces, or items) are, by the cosine of their TF-IDF vectors."""
from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from compare.analysis._common import _item_order
from compare.analysis.corpus import Corpus, comparable
from compare.core.deprecation import deprecate_kwarg, warn_deprecated
from compare.core.errors import ParameterError
from compare.core.vocab import DEFAULT_DOC_TYPE, DEFAULT_LEVEL, DEFAULT_TOP_N

SIMILARITY_COLUMNS = ["doc_a", "doc_b", "label_a", "label_b", "cosine"]


def _identity(tokens):
    return tokens


def _sorted_documents(corpus: Corpus) -> pd.DataFrame:
    docs = corpus.documents[corpus.documents["doc_id"].isin(corpus.items["doc_id"])]
    return docs.sort_values(["province", "year", "doc_type", "doc_id"], kind="mergesort").reset_index(drop=True)


def _doc_label(row) -> str:
    return f"{row.province} {int(row.year)} {row.doc_type}"


UNITS = ("document", "province", "item")


def _level_as_unit(func):
    """similarity(level="province") was the first name of `unit`: read it so, with a FutureWarning."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        level = kwargs.get("level")
        if isinstance(level, str) and level in UNITS:
            kwargs.pop("level")
            warn_deprecated(f"similarity(level={level!r})", f"unit={level!r}")
            kwargs["unit"] = level
        return func(*args, **kwargs)
    return wrapper


@_level_as_unit
@deprecate_kwarg("doc_type", "doc_types")
@deprecate_kwarg("level", "levels")
def similarity(
    corpus: Corpus,
    *,
    unit: str = "document",
    max_units: int = 3000,
    doc_types: str | Sequence[str] | None = DEFAULT_DOC_TYPE,
    levels: str | Sequence[str] | None = DEFAULT_LEVEL,
    include_departments: bool = False,
) -> pd.DataFrame:
    """Cosine similarity of TF-IDF vectors (scikit-learn TfidfVectorizer on our tokens): every pair of
    different units once (unit i before unit j in the order below), never a unit with itself;
    :func:`similarity_matrix` turns it into the symmetric matrix (1 on the diagonal), and
    ``plots.similarity_heatmap`` draws it.

    unit "document" joins the tokens of each document's items; "province" those of each province;
    "item" compares single items (labelled `doc_id item_id`). A unit without tokens has cosine 0 with
    every other unit. Units are ordered by province, year, doc_type, doc_id (items in document order).
    More than max_units units (n(n − 1)/2 rows) raises ParameterError: compare a Corpus.select(...)
    instead. doc_types / levels / include_departments choose the plans compared (default: the 工作要点
    of provincial associations; see compare.analysis.like_with_like).

    >>> from compare.analysis.examples import example_corpus
    >>> s = similarity(example_corpus(), unit="province")
    >>> s[["doc_a", "doc_b"]].values.tolist()
    [['河南', '湖北']]
    >>> bool(s["cosine"].between(0, 1).all())
    True
    """
    corpus = comparable(corpus, doc_types=doc_types, levels=levels, include_departments=include_departments)

    ids, labels, units = _units(corpus, unit)
    n = len(units)
    if n > max_units:
        raise ParameterError(
            f"similarity at unit={unit!r} would compare {n} units ({n * (n - 1) // 2:,} pairs), more than max_units="
            f"{max_units}; compare a smaller corpus (corpus.select(provinces=..., years=...)) or raise max_units"
        )
    cos = _cosines(units)
    ia, ib = np.triu_indices(n, k=1)  # each pair once, row by row: (0, 1), (0, 2), …, (1, 2), …
    return pd.DataFrame({
        "doc_a": np.asarray(ids, dtype=object)[ia],
        "doc_b": np.asarray(ids, dtype=object)[ib],
        "label_a": np.asarray(labels, dtype=object)[ia],
        "label_b": np.asarray(labels, dtype=object)[ib],
        "cosine": cos[ia, ib],
    }).astype({"doc_a": "str", "doc_b": "str", "label_a": "str", "label_b": "str"})


def similarity_matrix(sim: pd.DataFrame, *, by: str = "label") -> pd.DataFrame:
    """The symmetric unit × unit matrix of a :func:`similarity` frame (each pair once), 1.0 on the
    diagonal, units in their order; by "label" (label_a/label_b) or "id" (doc_a/doc_b).

    >>> from compare.analysis.examples import example_corpus
    >>> similarity_matrix(similarity(example_corpus(), unit="province")).round(3).values.tolist()
    [[1.0, 0.185], [0.185, 1.0]]
    """
    a, b = ("label_a", "label_b") if by == "label" else ("doc_a", "doc_b")
    if by not in ("label", "id"):
        raise ParameterError(f"by must be 'label' or 'id', not {by!r}")
    units = list(dict.fromkeys([*sim[a], *sim[b]]))
    m = pd.DataFrame(np.eye(len(units)), index=units, columns=units)
    for x, y, c in zip(sim[a], sim[b], sim["cosine"]):
        m.at[x, y] = m.at[y, x] = c
    return m


def _units(corpus: Corpus, unit: str) -> tuple[list[str], list[str], list[list[str]]]:
    """(ids, labels, token bags) of the units compared, in their order."""
    items = corpus.items
    toks = corpus.tokens
    if unit == "document":
        docs = _sorted_documents(corpus)
        ids = docs["doc_id"].tolist()
        labels = [_doc_label(r) for r in docs.itertuples(index=False)]
        bag: dict[str, list[str]] = {i: [] for i in ids}
        for doc_id, t in zip(items["doc_id"], toks):
            bag[doc_id].extend(t)
        return ids, labels, [bag[i] for i in ids]
    if unit == "province":
        ids = corpus.provinces
        bag = {p: [] for p in ids}
        for prov, t in zip(items["province"], toks):
            bag[prov].extend(t)
        return ids, list(ids), [bag[p] for p in ids]
    if unit == "item":
        order = _item_order(corpus)
        ids = [f"{items.at[i, 'doc_id']} {items.at[i, 'item_id']}" for i in order]
        labels = [f"{items.at[i, 'province']} {int(items.at[i, 'year'])} {items.at[i, 'item_id']}" for i in order]
        return ids, labels, [toks[i] for i in order]
    raise ParameterError(f"unit must be 'document', 'province' or 'item', not {unit!r}")


def _cosines(units: list[list[str]]) -> np.ndarray:
    """Cosine similarity of the units' TF-IDF vectors, 1 on the diagonal, clipped to [0, 1]."""
    from sklearn.metrics.pairwise import cosine_similarity

    n = len(units)
    if any(units):
        cos = cosine_similarity(_tfidf(units))
    else:
        cos = np.zeros((n, n))
    np.fill_diagonal(cos, 1.0)
    return np.clip(cos, 0.0, 1.0)


def _tfidf(units: list[list[str]]):
    """The units' TF-IDF rows (scikit-learn TfidfVectorizer on our tokens)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer=_identity, lowercase=False).fit_transform(units)


#: cells of one block of the cosine matrix (rows x all units): 2 million float64 = 16 MB, whatever the corpus
BLOCK_CELLS = 2_000_000


def _top_pairs(vectors, groups: np.ndarray | None, k: int, *, block_cells: int | None = None):
    """(a, b, cosine) of every pair a < b (of different groups when groups is given) whose cosine is at
    least the k-th best, in row-major order: the k best pairs and all pairs tied with the k-th.

    The cosine matrix is computed a block of rows at a time (block_cells, default BLOCK_CELLS, cells at most), each block
    keeps its own k best (and ties), so memory never holds the n x n matrix; the values are those of
    the whole matrix, entry for entry."""
    n = vectors.shape[0]
    if k < 1 or n < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    rows_per_block = max(1, (block_cells or BLOCK_CELLS) // n)
    kept_a, kept_b, kept_c = [], [], []
    n_candidates = 0
    columns = np.arange(n)
    transposed = vectors.T.tocsr()  # what `vectors @ vectors.T` converts the transpose to, once
    for start in range(0, n, rows_per_block):
        stop = min(n, start + rows_per_block)
        cos = np.clip((vectors[start:stop] @ transposed).toarray(), 0.0, 1.0)
        candidate = columns[None, :] > np.arange(start, stop)[:, None]  # each pair once, no unit with itself
        if groups is not None:
            candidate &= groups[start:stop, None] != groups[None, :]
        a, b = np.nonzero(candidate)  # row-major
        values = cos[a, b]
        n_candidates += len(values)
        if len(values) > k:
            at_least = np.partition(values, -k)[-k]
            keep = values >= at_least
            a, b, values = a[keep], b[keep], values[keep]
        kept_a.append(a + start)
        kept_b.append(b)
        kept_c.append(values)
    a, b, values = np.concatenate(kept_a), np.concatenate(kept_b), np.concatenate(kept_c)
    k = min(k, n_candidates)
    if k < 1:
        return a[:0], b[:0], values[:0]
    at_least = np.partition(values, -k)[-k]
    keep = values >= at_least
    return a[keep], b[keep], values[keep]


SIMILAR_PAIRS_COLUMNS = ["label_a", "label_b", "cosine"]


@deprecate_kwarg("n", "top_n")
@deprecate_kwarg("doc_type", "doc_types")
@deprecate_kwarg("level", "levels")
def similar_pairs(
    corpus: Corpus,
    *,
    top_n: int = DEFAULT_TOP_N,
    across_provinces: bool = True,
    doc_types: str | Sequence[str] | None = DEFAULT_DOC_TYPE,
    levels: str | Sequence[str] | None = DEFAULT_LEVEL,
    include_departments: bool = False,
) -> pd.DataFrame:
    """The top_n most similar pairs of different documents (label_a, label_b, cosine), each pair once, best
    first (ties by label); across_provinces keeps pairs from two different provinces.

    The cosines are those of ``similarity(corpus, unit="document")``, computed a block of rows at a time
    that keeps only its best pairs: memory holds at most ``BLOCK_CELLS`` cosines (16 MB), never the n × n
    matrix, at any corpus size. In a pair the document with the smaller
    doc_id comes first. doc_types / levels / include_departments as in :func:`similarity`.

    >>> from compare.analysis.examples import example_corpus
    >>> similar_pairs(example_corpus(), top_n=1).round(3).values.tolist()
    [['河南 2019 工作要点', '湖北 2019 工作要点', 0.269]]
    """
    corpus = comparable(corpus, doc_types=doc_types, levels=levels, include_departments=include_departments)
    empty = pd.DataFrame({c: pd.Series(dtype="str" if c != "cosine" else "float64") for c in SIMILAR_PAIRS_COLUMNS})
    docs = _sorted_documents(corpus)
    if len(docs) < 2:
        return empty
    ids, labels, units = _units(corpus, "document")
    if not any(units):
        return empty
    ids, labels = np.asarray(ids, dtype=object), np.asarray(labels, dtype=object)
    provinces = docs["province"].astype(str).to_numpy() if across_provinces else None
    from sklearn.preprocessing import normalize

    # normalised once more, exactly as sklearn's cosine_similarity does before its product
    a, b, cosine = _top_pairs(normalize(_tfidf(units)), provinces, int(top_n))
    if len(a) == 0:
        return empty
    swap = ids[a] > ids[b]
    a, b = np.where(swap, b, a), np.where(swap, a, b)
    out = pd.DataFrame({"label_a": labels[a], "label_b": labels[b], "cosine": cosine}).astype(
        {"label_a": "str", "label_b": "str"})
    out = out.sort_values(["cosine", "label_a", "label_b"], ascending=[False, True, True], kind="mergesort")
    return out.head(top_n).reset_index(drop=True)
