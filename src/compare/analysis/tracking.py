"""Item continuity: which tasks of one plan continue in the next, which are new, which were dropped.

Method (documented in docs/tracking.md):

1. **Pairs.** Documents are grouped by province, level, document type and department (a 科普部 plan is
   only compared with the 科普部 plan of another year); inside a group every two consecutive plan
   years form a pair (`plan_pairs`), plus any two years an analyst names.
2. **Similarity.** Two views of each item's whole text (heading included), both TF-IDF with IDF
   fitted on all the items of the group (so words every plan of the province repeats - 科技工作者,
   全省, 科协 - weigh little): its content words (the project's jieba `Segmenter`, stop words and
   boilerplate verbs removed; `TfidfVectorizer(analyzer=<identity>, sublinear_tf=True)`) and its
   character 2- and 3-grams (`TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3),
   sublinear_tf=True)` on runs of Chinese characters and letters, so no n-gram spans punctuation or
   digits). Similarity = ``word_weight`` x word cosine + (1 - ``word_weight``) x character cosine
   (0.7 / 0.3): words carry the task (科技馆, 智库, 院士), character n-grams catch rewordings jieba
   splits differently.
3. **Assignment.** `scipy.optimize.linear_sum_assignment` pairs items one-to-one maximising total
   similarity; a pair is a link when its similarity is at least ``link_threshold``.
4. **Merged / split.** A further pair (i, j) is also a link when its similarity is at least
   ``extra_threshold`` and j is i's best match or i is j's best match (several old items folded into one
   new item, or one old item spread over several). A link whose later item has several earlier items is
   `merged`; one whose earlier item has several later items is `split` (`merged` wins when both hold);
   every other link is `continued`. An earlier item without a link is `dropped`, a later one `new`.

Everything is deterministic: sorted input, no randomness, ties broken by document order.
"""
from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.feature_extraction.text import TfidfVectorizer

from compare.analysis.continuity import (
    STATUS_LABELS,
    STATUSES,
    continuity_summary,
    link_scores,
    link_table,
)
from compare.analysis._common import corpus_first
from compare.analysis.corpus import Corpus
from compare.analysis.selection import as_list
from compare.core import schema
from compare.core.errors import EmptyCorpusError, ParameterError
from compare.core.vocab import DEFAULT_DOC_TYPE, DEFAULT_LEVEL

__all__ = [
    "STATUSES",
    "STATUS_LABELS",
    "LinkParams",
    "continuity_summary",
    "item_links",
    "item_similarity",
    "latest_pair",
    "link_items",
    "link_scores",
    "link_table",
    "plan_pairs",
]


_RUN = re.compile(r"[^\W\d_]+")  # runs of letters (CJK ideographs are letters); digits and punctuation split


@dataclass(frozen=True)
class LinkParams:
    """Tunable constants of the linking method (defaults measured on the Henan hand links)."""

    word_weight: float = 0.7
    link_threshold: float = 0.10
    extra_threshold: float = 0.11
    ngram_range: tuple[int, int] = (2, 3)
    top_terms: int = 5


DEFAULT_PARAMS = LinkParams()


def _runs(text: str) -> str:
    return " ".join(_RUN.findall(text or ""))


def _identity(tokens):
    return tokens


def _cosines(fit: list, a: list, b: list, vectorizer: TfidfVectorizer) -> np.ndarray:
    vectorizer.fit(fit)
    if not vectorizer.vocabulary_:
        return np.zeros((len(a), len(b)))
    return (vectorizer.transform(a) @ vectorizer.transform(b).T).toarray()


def item_similarity(
    items_from: pd.DataFrame,
    items_to: pd.DataFrame,
    *,
    fit_on: pd.DataFrame | None = None,
    params: LinkParams = DEFAULT_PARAMS,
    tokens: dict[str, list[str]] | None = None,
) -> np.ndarray:
    """Similarity matrix (rows: items_from, columns: items_to) of two plans' items, values in 0-1.

    `fit_on` (default: both plans' items) holds the items the IDF weights are learned from;
    `item_links` passes every item of the province / level / type group. `tokens` maps an item text
    to its content words (default: the project's Segmenter). Items need a `text` column.
    """
    fit = pd.concat([items_from, items_to]) if fit_on is None else fit_on
    fit_texts, a_texts, b_texts = list(fit["text"]), list(items_from["text"]), list(items_to["text"])
    if not a_texts or not b_texts:
        return np.zeros((len(a_texts), len(b_texts)))
    tokens = dict(tokens or {})
    missing = sorted({t for t in fit_texts + a_texts + b_texts if t not in tokens})
    if missing:
        tokens.update(zip(missing, _tokens_for(missing)))
    words = _cosines(
        [tokens[t] for t in fit_texts], [tokens[t] for t in a_texts], [tokens[t] for t in b_texts],
        TfidfVectorizer(analyzer=_identity, sublinear_tf=True, norm="l2", dtype=np.float64),
    )
    chars = _cosines(
        [_runs(t) for t in fit_texts], [_runs(t) for t in a_texts], [_runs(t) for t in b_texts],
        TfidfVectorizer(analyzer="char_wb", ngram_range=params.ngram_range, sublinear_tf=True, norm="l2",
                        lowercase=True, dtype=np.float64),
    )
    w = params.word_weight
    return np.clip(w * words + (1 - w) * chars, 0.0, 1.0)


def _links_from_matrix(sim: np.ndarray, params: LinkParams) -> list[tuple[int, int]]:
    """The linked (row, column) pairs: the thresholded assignment plus merged/split extras."""
    if sim.size == 0:
        return []
    rows, cols = linear_sum_assignment(sim, maximize=True)
    links = {(int(i), int(j)) for i, j in zip(rows, cols) if sim[i, j] >= params.link_threshold}
    best_col = sim.argmax(axis=1)  # argmax takes the first maximum: ties go to document order
    best_row = sim.argmax(axis=0)
    for i, j in zip(*np.nonzero(sim >= params.extra_threshold)):
        if best_col[i] == j or best_row[j] == i:
            links.add((int(i), int(j)))
    return sorted(links)


def _shared_terms(tokens_a: Sequence[str], tokens_b: Sequence[str], df: dict[str, int], n: int) -> list[str]:
    """Content words both items use, rarest in the group first, then in order of first use."""
    b = set(tokens_b)
    seen: list[str] = []
    for t in tokens_a:
        if t in b and t not in seen:
            seen.append(t)
    return sorted(seen, key=lambda t: (df.get(t, 0), seen.index(t)))[:n]


def _tokens_for(texts: Sequence[str]) -> list[list[str]]:
    from compare.text.segment import default_segmenter

    return default_segmenter().tokenize_many(list(texts))


def link_items(
    items_from: pd.DataFrame,
    items_to: pd.DataFrame,
    *,
    fit_on: pd.DataFrame | None = None,
    params: LinkParams = DEFAULT_PARAMS,
    tokens: dict[str, list[str]] | None = None,
    term_df: dict[str, int] | None = None,
    sim: np.ndarray | None = None,
) -> pd.DataFrame:
    """Link the items of two plans. Returns rows of `item_links` without the pair columns:
    item_from, item_to, status, similarity, shared_terms.

    `tokens` maps an item text to its content words (default: segmented with the project's
    Segmenter); `term_df` maps a word to the number of items of the group using it (ranks the
    shared terms, rarest first); `sim` is a precomputed `item_similarity` matrix.

    >>> from compare import analysis
    >>> items = analysis.example_corpus().items
    >>> a, b = items[items.doc_id == "henan-2019-gzyd"], items[items.doc_id == "henan-2024-gzyd"]
    >>> link_items(a, b)[["item_from", "item_to", "status"]].fillna("-").values.tolist()[1]
    ['一/1', '一/2', 'continued']
    """
    items_from = items_from.reset_index(drop=True)
    items_to = items_to.reset_index(drop=True)
    if tokens is None:
        texts = sorted(set(items_from["text"]) | set(items_to["text"]) | set(fit_on["text"] if fit_on is not None else []))
        tokens = dict(zip(texts, _tokens_for(texts)))
    if sim is None:
        sim = item_similarity(items_from, items_to, fit_on=fit_on, params=params, tokens=tokens)
    links = _links_from_matrix(sim, params)
    if term_df is None:
        term_df = {}
        for toks in tokens.values():
            for t in set(toks):
                term_df[t] = term_df.get(t, 0) + 1
    n_from: dict[int, int] = {}
    n_to: dict[int, int] = {}
    for i, j in links:
        n_from[i] = n_from.get(i, 0) + 1
        n_to[j] = n_to.get(j, 0) + 1
    text_from, text_to = items_from["text"].tolist(), items_to["text"].tolist()
    id_from, id_to = items_from["item_id"].tolist(), items_to["item_id"].tolist()
    rows = []
    for i, j in links:
        status = "merged" if n_to[j] > 1 else "split" if n_from[i] > 1 else "continued"
        shared = _shared_terms(tokens[text_from[i]], tokens[text_to[j]], term_df, params.top_terms)
        rows.append((i, j, status, float(sim[i, j]), shared))
    linked_from = {i for i, _ in links}
    linked_to = {j for _, j in links}
    for i in range(len(items_from)):
        if i not in linked_from:
            best = float(sim[i].max()) if sim.shape[1] else 0.0
            rows.append((i, None, "dropped", best, []))
    for j in range(len(items_to)):
        if j not in linked_to:
            best = float(sim[:, j].max()) if sim.shape[0] else 0.0
            rows.append((None, j, "new", best, []))
    # order: by the later plan's item order (new and continued interleaved), dropped items last
    rows.sort(key=lambda r: (r[1] is None, r[1] if r[1] is not None else 0, r[0] if r[0] is not None else -1))
    return pd.DataFrame(
        {
            "item_from": [id_from[i] if i is not None else None for i, *_ in rows],
            "item_to": [id_to[j] if j is not None else None for _, j, *_ in rows],
            "status": [r[2] for r in rows],
            "similarity": [round(r[3], 6) for r in rows],
            "shared_terms": [r[4] for r in rows],
        }
    )


def _documents(documents: pd.DataFrame) -> pd.DataFrame:
    docs = documents.copy()
    if "level" not in docs.columns:
        docs["level"] = DEFAULT_LEVEL
    if "department" not in docs.columns:
        docs["department"] = None
    docs["level"] = docs["level"].fillna(DEFAULT_LEVEL)
    docs["department"] = docs["department"].where(docs["department"].notna(), "")
    return docs


def _plan_pairs(
    documents: pd.DataFrame,
    *,
    provinces=None,
    doc_types=None,
    levels=None,
    years: Sequence[int] | None = None,
) -> pd.DataFrame:
    """plan_pairs on the tables themselves (the implementation; also the old, table-first call)."""
    docs = _documents(documents)
    for col, want in (("province", provinces), ("doc_type", doc_types), ("level", levels)):
        want = as_list(want)
        if want is not None:
            docs = docs[docs[col].isin(want)]
    if years is not None:
        years = [int(y) for y in years]
        if len(years) != 2 or years[0] == years[1]:
            raise ParameterError(f"years: name two different plan years to compare, got {years}")
        years = sorted(years)
    keys = ["province", "level", "doc_type", "department"]
    out = []
    for key, grp in docs.sort_values(keys + ["year", "doc_id"], kind="mergesort").groupby(keys, sort=True):
        plan_years = sorted(grp["year"].unique())
        steps = [tuple(years)] if years is not None else list(itertools.pairwise(plan_years))
        for y0, y1 in steps:
            for d0 in grp.loc[grp["year"] == y0, "doc_id"]:
                for d1 in grp.loc[grp["year"] == y1, "doc_id"]:
                    out.append((*key, int(y0), int(y1), d0, d1))
    cols = keys + ["year_from", "year_to", "doc_from", "doc_to"]
    return pd.DataFrame(out, columns=cols).astype({"year_from": "int64", "year_to": "int64"})


@corpus_first(_plan_pairs)
def plan_pairs(
    corpus: Corpus,
    *,
    provinces=None,
    doc_types=None,
    levels=None,
    years: Sequence[int] | None = None,
) -> pd.DataFrame:
    """The plan pairs to link: province, level, doc_type, department, year_from, year_to, doc_from, doc_to.

    Default: every two consecutive plan years of each province / level / type / department group.
    `years=(2019, 2024)` instead pairs exactly those two years in every group that has both.
    Documents of one group and year (rare: `-2` doc ids) are each paired with each.

    >>> from compare import analysis
    >>> plan_pairs(analysis.example_corpus())[["doc_from", "doc_to"]].values.tolist()
    [['henan-2019-gzyd', 'henan-2024-gzyd']]
    """
    return _plan_pairs(corpus.documents, provinces=provinces, doc_types=doc_types, levels=levels, years=years)


class _GroupVectors:
    """TF-IDF vectors (word and character) of every item of one province / level / type group, fitted
    once; a pair's similarity matrix is a product of two row blocks (same numbers as item_similarity
    with fit_on = the group)."""

    def __init__(self, frames: list[pd.DataFrame], doc_ids: list[str], tokens: dict[str, list[str]],
                 params: LinkParams):
        texts = [t for f in frames for t in f["text"]]
        self.rows: dict[str, slice] = {}
        start = 0
        for d, f in zip(doc_ids, frames):
            self.rows[d] = slice(start, start + len(f))
            start += len(f)
        word_vec = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, norm="l2", dtype=np.float64)
        char_vec = TfidfVectorizer(analyzer="char_wb", ngram_range=params.ngram_range, sublinear_tf=True,
                                   norm="l2", lowercase=True, dtype=np.float64)
        toks = [tokens[t] for t in texts]
        self.words = word_vec.fit_transform(toks) if any(toks) else None
        runs = [_runs(t) for t in texts]
        self.chars = char_vec.fit_transform(runs) if any(r.strip() for r in runs) else None
        self.term_df: dict[str, int] = {}
        for tk in toks:
            for t in set(tk):
                self.term_df[t] = self.term_df.get(t, 0) + 1

    def similarity(self, doc_a: str, doc_b: str, params: LinkParams) -> np.ndarray:
        ra, rb = self.rows[doc_a], self.rows[doc_b]
        n_a, n_b = ra.stop - ra.start, rb.stop - rb.start
        words = (self.words[ra] @ self.words[rb].T).toarray() if self.words is not None else np.zeros((n_a, n_b))
        chars = (self.chars[ra] @ self.chars[rb].T).toarray() if self.chars is not None else np.zeros((n_a, n_b))
        w = params.word_weight
        return np.clip(w * words + (1 - w) * chars, 0.0, 1.0)


def _latest_pair(
    documents: pd.DataFrame,
    province: str,
    *,
    doc_type: str = DEFAULT_DOC_TYPE,
    level: str = DEFAULT_LEVEL,
) -> tuple[int, int] | None:
    """latest_pair on the tables themselves (the implementation; also the old, table-first call)."""
    docs = _documents(documents)
    mask = (docs["province"] == province) & (docs["doc_type"] == doc_type) & (docs["level"] == level)
    mask &= docs["department"] == ""
    years = sorted(docs.loc[mask, "year"].unique())
    return (int(years[-2]), int(years[-1])) if len(years) >= 2 else None


@corpus_first(_latest_pair)
def latest_pair(
    corpus: Corpus,
    province: str,
    *,
    doc_type: str = DEFAULT_DOC_TYPE,
    level: str = DEFAULT_LEVEL,
) -> tuple[int, int] | None:
    """The years of a province's latest two plans of one type and level issued by the association
    itself (no department), e.g. (2019, 2024) for Henan's 工作要点; None when it has fewer than two.
    Reports use it for their 延续 / 新增 / 不再提及 section.

    >>> from compare import analysis
    >>> latest_pair(analysis.example_corpus(), "河南")
    (2019, 2024)
    """
    return _latest_pair(corpus.documents, province, doc_type=doc_type, level=level)


def _item_links(
    documents: pd.DataFrame,
    items: pd.DataFrame,
    *,
    pairs: pd.DataFrame | None = None,
    params: LinkParams = DEFAULT_PARAMS,
    tokens: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """item_links on the tables themselves (the implementation; also the old, table-first call)."""
    if items.empty:
        raise EmptyCorpusError("item_links: there are no items to link")
    if pairs is None:
        pairs = _plan_pairs(documents)
    if pairs.empty:
        return schema.empty("item_links")
    docs = _documents(documents).set_index("doc_id")
    items = items.sort_values(["doc_id", "seq"], kind="mergesort")
    by_doc = {d: g.reset_index(drop=True) for d, g in items.groupby("doc_id", sort=True)}
    keys = ["province", "level", "doc_type", "department"]
    group_docs = {k: list(g["doc_id"]) for k, g in docs.reset_index().groupby(keys, sort=True)}
    pair_keys = list(zip(pairs["province"], pairs["level"], pairs["doc_type"], pairs["department"]))
    wanted = {d for k in pair_keys for d in group_docs.get(k, [])} | set(pairs["doc_from"]) | set(pairs["doc_to"])
    tokens = dict(tokens or {})
    needed = sorted({t for d in wanted if d in by_doc for t in by_doc[d]["text"]} - set(tokens))
    tokens.update(zip(needed, _tokens_for(needed)))
    frames = []
    group_cache: dict = {}
    for pair, group_key in zip(pairs.itertuples(index=False), pair_keys):
        a, b = by_doc.get(pair.doc_from), by_doc.get(pair.doc_to)
        if a is None or b is None:
            continue
        members = [d for d in group_docs.get(group_key, []) if d in by_doc]
        members = members if pair.doc_from in members and pair.doc_to in members else [pair.doc_from, pair.doc_to]
        key = tuple(members)
        if key not in group_cache:
            group_cache.clear()  # pairs come grouped: keep one group's vectors at a time
            group_cache[key] = _GroupVectors([by_doc[d] for d in members], members, tokens, params)
        vectors = group_cache[key]
        sim = vectors.similarity(pair.doc_from, pair.doc_to, params)
        links = link_items(a, b, params=params, tokens=tokens, term_df=vectors.term_df, sim=sim)
        for col, value in (
            ("province", pair.province), ("level", pair.level), ("doc_type", pair.doc_type),
            ("department", pair.department or None),
            ("year_from", int(pair.year_from)), ("year_to", int(pair.year_to)),
            ("doc_from", pair.doc_from), ("doc_to", pair.doc_to),
        ):
            links.insert(len(links.columns) - 5, col, value)
        frames.append(links)
    if not frames:
        return schema.empty("item_links")
    out = pd.concat(frames, ignore_index=True)
    return out[schema.column_names("item_links")]


@corpus_first(_item_links)
def item_links(
    corpus: Corpus,
    *,
    pairs: pd.DataFrame | None = None,
    params: LinkParams = DEFAULT_PARAMS,
    tokens: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """The `item_links` table for `pairs` (default: `plan_pairs(corpus)`), in pair order.

    IDF weights and the term document-frequencies that rank shared terms are learned from all the
    items of the pair's province / level / type / department group.

    >>> from compare import analysis
    >>> c = analysis.example_corpus()
    >>> links = item_links(c)
    >>> [(r.item_from, r.item_to, r.status) for r in links.fillna("-").itertuples()]
    [('-', '一/1', 'new'), ('一/1', '一/2', 'continued'), ('一/2', '-', 'dropped'), ('一/3', '-', 'dropped')]

    >>> links.loc[1, "shared_terms"]
    ['全国科普日']
    """
    return _item_links(corpus.documents, corpus.items, pairs=pairs, params=params, tokens=tokens)
