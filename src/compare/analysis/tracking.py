"""Item continuity: which tasks of one plan continue in the next, which are new, which were dropped.

Method (documented in docs/tracking.md):

1. **Pairs.** Documents are grouped in chains by province, level, city, document type and department
   (a city's plan is only compared with the same city's plans, a 科普部 plan only with the 科普部 plan
   of another year); inside a chain every two consecutive plan years form a pair (`plan_pairs`), plus
   any two years an analyst names. Pairs, time and memory grow with the plans, never with their square.
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
from compare.analysis.tracking_vectors import ChainVectors, runs
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


@dataclass(frozen=True)
class LinkParams:
    """Tunable constants of the linking method (defaults measured on the Henan hand links)."""

    word_weight: float = 0.7
    link_threshold: float = 0.10
    extra_threshold: float = 0.11
    ngram_range: tuple[int, int] = (2, 3)
    top_terms: int = 5


DEFAULT_PARAMS = LinkParams()


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
        [runs(t) for t in fit_texts], [runs(t) for t in a_texts], [runs(t) for t in b_texts],
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
    if term_df is None:
        term_df = _term_df(tokens.values())
    rows = _pair_rows(items_from["text"].tolist(), items_from["item_id"].tolist(), items_to["text"].tolist(),
                      items_to["item_id"].tolist(), sim, tokens, term_df, params)
    return pd.DataFrame({c: [r[k] for r in rows] for k, c in enumerate(_LINK_COLUMNS)})


_LINK_COLUMNS = ("item_from", "item_to", "status", "similarity", "shared_terms")


def _term_df(token_lists) -> dict[str, int]:
    """Number of items (token lists) using each word."""
    df: dict[str, int] = {}
    for toks in token_lists:
        for t in set(toks):
            df[t] = df.get(t, 0) + 1
    return df


def _pair_rows(text_from: list[str], id_from: list[str], text_to: list[str], id_to: list[str], sim: np.ndarray,
               tokens: dict[str, list[str]], term_df: dict[str, int], params: LinkParams) -> list[tuple]:
    """link_items' rows (item_from, item_to, status, similarity, shared_terms) of one plan pair: links
    in the later plan's item order (new items interleaved), dropped items last."""
    links = _links_from_matrix(sim, params)
    n_from: dict[int, int] = {}
    n_to: dict[int, int] = {}
    for i, j in links:
        n_from[i] = n_from.get(i, 0) + 1
        n_to[j] = n_to.get(j, 0) + 1
    rows = []
    for i, j in links:
        status = "merged" if n_to[j] > 1 else "split" if n_from[i] > 1 else "continued"
        shared = _shared_terms(tokens[text_from[i]], tokens[text_to[j]], term_df, params.top_terms)
        rows.append((i, j, status, float(sim[i, j]), shared))
    best_to = sim.max(axis=1) if sim.shape[1] else np.zeros(len(text_from))
    best_from = sim.max(axis=0) if sim.shape[0] else np.zeros(len(text_to))
    for i in sorted(set(range(len(text_from))) - set(n_from)):
        rows.append((i, None, "dropped", float(best_to[i]), []))
    for j in sorted(set(range(len(text_to))) - set(n_to)):
        rows.append((None, j, "new", float(best_from[j]), []))
    rows.sort(key=lambda r: (r[1] is None, r[1] if r[1] is not None else 0, r[0] if r[0] is not None else -1))
    return [(id_from[i] if i is not None else None, id_to[j] if j is not None else None, status, round(v, 6), shared)
            for i, j, status, v, shared in rows]


#: what makes one chain of plans: one issuer's plans of one type over the years (a city or county plan
#: is only compared with the same city's plans; a 科普部 plan only with the 科普部 plan of another year)
CHAIN_KEYS = ["province", "level", "city", "doc_type", "department"]


def _documents(documents: pd.DataFrame) -> pd.DataFrame:
    docs = documents.copy()
    if "level" not in docs.columns:
        docs["level"] = DEFAULT_LEVEL
    docs["level"] = docs["level"].fillna(DEFAULT_LEVEL)
    for col in ("city", "department"):  # "" for none, so that groupby keeps them
        if col not in docs.columns:
            docs[col] = ""
        docs[col] = docs[col].where(docs[col].notna(), "")
    return docs


def _plan_pairs(
    documents: pd.DataFrame,
    *,
    provinces=None,
    doc_types=None,
    levels=None,
    years: Sequence[int] | None = None,
) -> pd.DataFrame:
    """plan_pairs on the tables themselves (the implementation; also the old, table-first call).

    Linear in the documents: each chain's plan years are ranked and every plan is joined with the
    plans of the next rank of its own chain only (or the two named years)."""
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
    keys = CHAIN_KEYS
    cols = keys + ["year_from", "year_to", "doc_from", "doc_to"]
    docs = docs[keys + ["year", "doc_id"]].astype({"year": "int64"})
    if years is not None:
        left = docs[docs["year"] == years[0]]
        right = docs[docs["year"] == years[1]]
    else:  # rank of each plan year inside its chain: consecutive years are ranks r and r + 1
        docs = docs.assign(_rank=docs.groupby(keys, sort=False)["year"].rank(method="dense").astype("int64"))
        left = docs
        right = docs.assign(_rank=docs["_rank"] - 1)
    on = keys + (["_rank"] if years is None else [])
    pairs = left.merge(right, on=on, suffixes=("_from", "_to"))
    pairs = pairs.rename(columns={"year_from": "year_from", "doc_id_from": "doc_from", "doc_id_to": "doc_to"})
    pairs = pairs.sort_values(keys + ["year_from", "doc_from", "year_to", "doc_to"], kind="mergesort")
    return pairs[cols].reset_index(drop=True).astype({"year_from": "int64", "year_to": "int64"})


@corpus_first(_plan_pairs)
def plan_pairs(
    corpus: Corpus,
    *,
    provinces=None,
    doc_types=None,
    levels=None,
    years: Sequence[int] | None = None,
) -> pd.DataFrame:
    """The plan pairs to link: province, level, city, doc_type, department, year_from, year_to, doc_from,
    doc_to.

    Default: every two consecutive plan years of each chain: one province / level / city / type /
    department (a city's plan is paired only with the same city's plans, so the pairs grow with the
    plans, never with their square).
    `years=(2019, 2024)` instead pairs exactly those two years in every group that has both.
    Documents of one group and year (rare: `-2` doc ids) are each paired with each.

    >>> from compare import analysis
    >>> plan_pairs(analysis.example_corpus())[["doc_from", "doc_to"]].values.tolist()
    [['henan-2019-gzyd', 'henan-2024-gzyd']]
    """
    return _plan_pairs(corpus.documents, provinces=provinces, doc_types=doc_types, levels=levels, years=years)


def _latest_pair(
    documents: pd.DataFrame,
    province: str,
    *,
    doc_type: str = DEFAULT_DOC_TYPE,
    level: str = DEFAULT_LEVEL,
    city: str | None = None,
) -> tuple[int, int] | None:
    """latest_pair on the tables themselves (the implementation; also the old, table-first call)."""
    docs = _documents(documents)
    mask = (docs["province"] == province) & (docs["doc_type"] == doc_type) & (docs["level"] == level)
    mask &= docs["department"] == ""
    if city is not None:
        mask &= docs["city"] == city
    # the two years must be two plans of one chain: 长沙's 2023 plan and 株洲's 2024 plan are no pair
    best = None
    for _, years in docs.loc[mask].groupby("city", sort=True)["year"]:
        ys = sorted({int(y) for y in years})
        if len(ys) >= 2 and (best is None or (ys[-1], ys[-2]) > (best[1], best[0])):
            best = (ys[-2], ys[-1])
    return best


@corpus_first(_latest_pair)
def latest_pair(
    corpus: Corpus,
    province: str,
    *,
    doc_type: str = DEFAULT_DOC_TYPE,
    level: str = DEFAULT_LEVEL,
    city: str | None = None,
) -> tuple[int, int] | None:
    """The years of the latest two plans of one chain (one type and level, issued by the association
    itself: no department; for city and county plans one city or county, ``city`` to name it), e.g.
    (2019, 2024) for Henan's 工作要点; None when no chain has two plan years. Among a province's cities
    the chain with the most recent pair wins: two different cities' plans never make a pair. Reports use
    it for their 延续 / 新增 / 不再提及 section.

    >>> from compare import analysis
    >>> latest_pair(analysis.example_corpus(), "河南")
    (2019, 2024)
    """
    return _latest_pair(corpus.documents, province, doc_type=doc_type, level=level, city=city)


def _item_links(
    documents: pd.DataFrame,
    items: pd.DataFrame,
    *,
    pairs: pd.DataFrame | None = None,
    params: LinkParams = DEFAULT_PARAMS,
    tokens: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """item_links on the tables themselves (the implementation; also the old, table-first call).

    Streams chain by chain: the pairs of one chain are linked with that chain's vectors and tokens
    only, then both are dropped, so time and memory grow with the plans, never with their square."""
    if items.empty:
        raise EmptyCorpusError("item_links: there are no items to link")
    if pairs is None:
        pairs = _plan_pairs(documents)
    if pairs.empty:
        return schema.empty("item_links")
    docs = _documents(documents)
    keys = CHAIN_KEYS
    if "city" not in pairs.columns:  # pairs built by hand (or before chains had a city)
        pairs = pairs.assign(city=pairs["doc_from"].map(docs.set_index("doc_id")["city"]).fillna(""))
    pairs = pairs.assign(department=pairs["department"].where(pairs["department"].notna(), ""),
                         city=pairs["city"].where(pairs["city"].notna(), ""))
    items = items.sort_values(["doc_id", "seq"], kind="mergesort")
    doc_col = items["doc_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, doc_col[1:] != doc_col[:-1]]) if len(doc_col) else np.array([], int)
    bounds = dict(zip(doc_col[starts], zip(starts, np.r_[starts[1:], len(doc_col)])))
    all_text, all_ids = items["text"].to_numpy(dtype=object), items["item_id"].to_numpy(dtype=object)
    chain_docs = {k: list(g["doc_id"]) for k, g in docs.groupby(keys, sort=False)}
    given = tokens or {}
    out: dict[str, list] = {c: [] for c in schema.column_names("item_links")}
    pair_cols = ["province", "level", "city", "doc_type", "department", "year_from", "year_to", "doc_from", "doc_to"]
    current, vectors, chain_tokens = None, None, {}  # the chain being linked
    for pair in pairs[pair_cols].itertuples(index=False, name=None):
        d0, d1 = pair[7], pair[8]
        if d0 not in bounds or d1 not in bounds:
            continue
        members = [d for d in chain_docs.get(pair[:5], []) if d in bounds]
        members = tuple(members if d0 in members and d1 in members else [d0, d1])
        if members != current:  # pairs come chain by chain: keep one chain's vectors and tokens at a time
            current = members
            vectors, chain_tokens = _chain_vectors(members, bounds, all_text, given, params)
        sim = vectors.similarity(d0, d1)
        (a0, a1), (b0, b1) = bounds[d0], bounds[d1]
        links = _pair_rows(list(all_text[a0:a1]), list(all_ids[a0:a1]), list(all_text[b0:b1]),
                           list(all_ids[b0:b1]), sim, chain_tokens, vectors.term_df, params)
        province, level, city, doc_type, department, y0, y1 = pair[:7]
        for col, value in (("province", province), ("level", level), ("city", city or None),
                           ("doc_type", doc_type), ("department", department or None),
                           ("year_from", int(y0)), ("year_to", int(y1)), ("doc_from", d0), ("doc_to", d1)):
            out[col].extend([value] * len(links))
        for k, col in enumerate(_LINK_COLUMNS):
            out[col].extend(r[k] for r in links)
    if not out["doc_from"]:
        return schema.empty("item_links")
    frame = pd.DataFrame(out)
    return frame.astype({"year_from": "int64", "year_to": "int64", "similarity": "float64"})


def _chain_vectors(members, bounds: dict, all_text: np.ndarray, given: dict[str, list[str]],
                   params: LinkParams) -> tuple[ChainVectors, dict[str, list[str]]]:
    """The vectors and tokens of one chain's items (members: its doc_ids in order; bounds: each doc's
    rows in all_text); tokens from `given`, else segmented (the token cache keeps them)."""
    rows, texts, start = {}, [], 0
    for d in members:
        lo, hi = bounds[d]
        texts.extend(all_text[lo:hi])
        rows[d] = slice(start, start + hi - lo)
        start += hi - lo
    tokens = {t: given[t] for t in set(texts) if t in given}
    todo = sorted(set(texts) - set(tokens))
    if todo:
        tokens.update(zip(todo, _tokens_for(todo)))
    vectors = ChainVectors(texts, rows, tokens, ngram_range=params.ngram_range, word_weight=params.word_weight)
    return vectors, tokens


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
    items of the pair's chain (province / level / city / type / department). The pairs are linked
    chain by chain (time and memory grow with the number of plans).

    >>> from compare import analysis
    >>> c = analysis.example_corpus()
    >>> links = item_links(c)
    >>> [(r.item_from, r.item_to, r.status) for r in links.fillna("-").itertuples()]
    [('-', '一/1', 'new'), ('一/1', '一/2', 'continued'), ('一/2', '-', 'dropped'), ('一/3', '-', 'dropped')]

    >>> links.loc[1, "shared_terms"]
    ['全国科普日']
    """
    return _item_links(corpus.documents, corpus.items, pairs=pairs, params=params, tokens=tokens)
