"""The TF-IDF vectors item tracking compares, one chain of plans at a time.

:func:`tfidf_matrix` is scikit-learn's ``TfidfVectorizer(sublinear_tf=True, norm="l2")`` for the
two analyzers tracking uses (content words, and ``char_wb`` character n-grams), with the vocabulary
counted by numpy instead of a Python dict per n-gram: the same matrix, bit for bit (same columns in
sorted term order, same stored order of entries, so every later dot product adds in the same order;
tests/test_tracking_scale.py compares it with ``TfidfVectorizer`` on every chain of the seeds and of a
synthetic corpus). A national corpus has a thousand chains; fitting each with ``TfidfVectorizer``
cost more than all the rest of tracking together.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

_RUN = re.compile(r"[^\W\d_]+")  # runs of letters (CJK ideographs are letters); digits and punctuation split


def runs(text: str) -> str:
    """The runs of letters of a text, space-separated (what the character n-grams are taken from)."""
    return " ".join(_RUN.findall(text or ""))


def char_wb_ngrams(text: str, ngram_range: tuple[int, int]) -> list[str]:
    """``TfidfVectorizer(analyzer="char_wb", lowercase=True)``'s n-grams of one text, in its order:
    per word (padded with a space each side) its n-grams of each length, a word shorter than n once."""
    lo, hi = ngram_range
    out: list[str] = []
    for w in text.lower().split():
        w = f" {w} "
        size = len(w)
        for n in range(lo, hi + 1):
            if size - n + 1 <= 1:  # sklearn: a word no longer than n gives one gram and ends the word
                out.append(w[:n])
                break
            out.extend([w[i:i + n] for i in range(size - n + 1)])
    return out


def _tfidf(rows: np.ndarray, column: np.ndarray, rank: np.ndarray, n_docs: int, n_terms: int) -> sp.csr_matrix:
    """TF-IDF (sublinear tf, l2 rows) of term occurrences: occurrence i is in document rows[i] and
    column column[i] (the term's place in sorted order), whose first appearance in the corpus is
    rank[i]-th; a row's entries are stored by that rank, as CountVectorizer stores them."""
    keys, counts = np.unique(rows * n_terms + rank, return_counts=True)
    row_of, rank_of = np.divmod(keys, n_terms)
    by_rank = np.empty(n_terms, dtype=np.int64)
    by_rank[rank] = column                            # first-appearance rank -> sorted column
    indptr = np.zeros(n_docs + 1, dtype=np.int32)
    np.cumsum(np.bincount(row_of, minlength=n_docs), out=indptr[1:])
    data = counts.astype(np.float64)
    indices = by_rank[rank_of].astype(np.int32)
    # TfidfTransformer(sublinear_tf=True, smooth_idf=True, norm="l2"), operation for operation
    df = np.bincount(indices, minlength=n_terms).astype(np.float64)
    df += 1.0
    idf = np.full_like(df, fill_value=n_docs + 1, dtype=np.float64)
    idf /= df
    np.log(idf, out=idf)
    idf += 1.0
    np.log(data, out=data)
    data += 1.0
    data *= idf[indices]
    return normalize(sp.csr_matrix((data, indices, indptr), shape=(n_docs, n_terms)), norm="l2", copy=False)


def tfidf_matrix(docs: Sequence[Sequence[str]]) -> sp.csr_matrix:
    """``TfidfVectorizer(analyzer=<identity>, sublinear_tf=True, norm="l2").fit_transform(docs)`` for
    documents given as their terms in order (at least one term in all). Columns are the terms in sorted
    order; inside a row the entries are stored in the order scikit-learn stores them (by the term's
    first appearance in the corpus), so the values and every product of them are identical."""
    vocabulary: dict[str, int] = {}
    ids = [vocabulary.setdefault(t, len(vocabulary)) for d in docs for t in d]  # first-appearance order
    if not ids:
        raise ValueError("tfidf_matrix: the documents have no terms")
    column = np.empty(len(vocabulary), dtype=np.int64)
    column[[vocabulary[t] for t in sorted(vocabulary)]] = np.arange(len(vocabulary))
    rank = np.asarray(ids, dtype=np.int64)
    rows = np.repeat(np.arange(len(docs), dtype=np.int64), [len(d) for d in docs])
    return _tfidf(rows, column[rank], rank, len(docs), len(vocabulary))


_BITS = 21  # every code point is below 2**21: three of them pack into one int64 in string order


def char_tfidf_matrix(texts: Sequence[str], ngram_range: tuple[int, int]) -> sp.csr_matrix:
    """``TfidfVectorizer(analyzer="char_wb", ngram_range=ngram_range, lowercase=True, sublinear_tf=True,
    norm="l2").fit_transform(texts)``, bit for bit, with the n-grams packed into integers by numpy (n-grams
    of up to 3 characters; longer ones go through :func:`char_wb_ngrams` and :func:`tfidf_matrix`).
    At least one text must have a word."""
    lo, hi = ngram_range
    if not 1 <= lo <= hi <= 3:
        return tfidf_matrix([char_wb_ngrams(t, ngram_range) for t in texts])
    words = [t.lower().split() for t in texts]
    n_words = np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words))
    flat = [w for ws in words for w in ws]
    if not flat:
        raise ValueError("char_tfidf_matrix: the texts have no words")
    padded = np.fromiter((len(w) + 2 for w in flat), dtype=np.int64, count=len(flat))  # " word "
    start = np.zeros(len(flat), dtype=np.int64)
    np.cumsum(padded[:-1], out=start[1:])
    chars = np.frombuffer("".join(f" {w} " for w in flat).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    chars = np.concatenate([chars, np.zeros(hi, dtype=np.int64)])  # room for the last gram's padding
    doc_of_word = np.repeat(np.arange(len(texts), dtype=np.int64), n_words)
    span = int(padded.max()) + 1
    keys, order, rows = [], [], []
    for n in range(lo, hi + 1):  # a padded word has at least 3 characters: never shorter than n
        count = padded - n + 1
        word = np.repeat(np.arange(len(flat), dtype=np.int64), count)
        offset = np.arange(int(count.sum()), dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
        pos = start[word] + offset
        key = np.zeros(len(pos), dtype=np.int64)
        for m in range(n):  # missing characters are 0, below every character: a prefix sorts first
            key |= chars[pos + m] << (_BITS * (hi - 1 - m))
        keys.append(key)
        order.append((word * (hi - lo + 1) + (n - lo)) * span + offset)  # the n-gram's place in sklearn's order
        rows.append(doc_of_word[word])
    keys, order, rows = np.concatenate(keys), np.concatenate(order), np.concatenate(rows)
    terms, column = np.unique(keys, return_inverse=True)
    column = column.ravel()
    first = np.full(len(terms), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, column, order)  # each term's first appearance
    rank_of_term = np.empty(len(terms), dtype=np.int64)
    rank_of_term[np.argsort(first)] = np.arange(len(terms))  # first appearances are all different
    return _tfidf(rows, column, rank_of_term[column], len(texts), len(terms))


class ChainVectors:
    """Word and character TF-IDF vectors of every item of one chain of plans, fitted once; a pair's
    similarity matrix is a product of two row blocks (the numbers of ``tracking.item_similarity``
    with fit_on = the chain)."""

    def __init__(self, texts: list[str], rows: dict[str, slice], tokens: dict[str, list[str]], *,
                 ngram_range: tuple[int, int], word_weight: float):
        self.rows = rows
        self.word_weight = word_weight
        toks = [tokens[t] for t in texts]
        self.words = tfidf_matrix(toks) if any(toks) else None
        letters = [runs(t) for t in texts]
        self.chars = char_tfidf_matrix(letters, ngram_range) if any(r.strip() for r in letters) else None
        self.term_df: dict[str, int] = {}
        for tk in toks:
            for t in set(tk):
                self.term_df[t] = self.term_df.get(t, 0) + 1

    def similarity(self, doc_a: str, doc_b: str) -> np.ndarray:
        ra, rb = self.rows[doc_a], self.rows[doc_b]
        n_a, n_b = ra.stop - ra.start, rb.stop - rb.start
        words = (self.words[ra] @ self.words[rb].T).toarray() if self.words is not None else np.zeros((n_a, n_b))
        chars = (self.chars[ra] @ self.chars[rb].T).toarray() if self.chars is not None else np.zeros((n_a, n_b))
        w = self.word_weight
        return np.clip(w * words + (1 - w) * chars, 0.0, 1.0)
