"""similar_pairs computed a block of rows at a time: the same pairs, in the same order, with the same
cosines as the whole n x n matrix (the reference below is the dense computation it replaced)."""
from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.preprocessing import normalize

from compare import analysis as an

S = importlib.import_module("compare.analysis.similarity")  # the package exports a function of that name


def _dense_reference(corpus, *, top_n, across_provinces=True, doc_types="工作要点", levels="省级",
                     include_departments=False) -> pd.DataFrame:
    """similar_pairs as it was computed on the whole cosine matrix (cosine_similarity, triangle mask,
    one partition over n x n cells)."""
    corpus = an.comparable(corpus, doc_types=doc_types, levels=levels, include_departments=include_departments)
    docs = S._sorted_documents(corpus)
    ids, labels, units = S._units(corpus, "document")
    ids, labels = np.asarray(ids, dtype=object), np.asarray(labels, dtype=object)
    provinces = docs["province"].astype(str).to_numpy()
    cos = S._cosines(units)
    candidate = np.triu(np.ones(cos.shape, dtype=bool), k=1)
    if across_provinces:
        candidate &= provinces[:, None] != provinces[None, :]
    flat = np.where(candidate, cos, -1.0).ravel()
    k = min(int(top_n), int(candidate.sum()))
    at_least = np.partition(flat, -k)[-k]
    a, b = np.divmod(np.flatnonzero(flat >= at_least), len(ids))
    swap = ids[a] > ids[b]
    a, b = np.where(swap, b, a), np.where(swap, a, b)
    out = pd.DataFrame({"label_a": labels[a], "label_b": labels[b], "cosine": cos[a, b]}).astype(
        {"label_a": "str", "label_b": "str"})
    out = out.sort_values(["cosine", "label_a", "label_b"], ascending=[False, True, True], kind="mergesort")
    return out.head(top_n).reset_index(drop=True)


@pytest.mark.parametrize("block_cells", [1, 7, 40, S.BLOCK_CELLS])
@pytest.mark.parametrize("options", [
    {"top_n": 15},
    {"top_n": 3, "across_provinces": False},
    {"top_n": 40, "doc_types": None, "levels": None, "include_departments": True},
    {"top_n": 1000, "doc_types": None, "levels": None, "across_provinces": False},
])
def test_similar_pairs_by_blocks_equal_the_whole_matrix_on_the_seeds(themed_dir, monkeypatch, block_cells, options):
    corpus = an.Corpus.load(themed_dir)
    monkeypatch.setattr(S, "BLOCK_CELLS", block_cells)
    got = an.similar_pairs(corpus, **options)
    want = _dense_reference(corpus, **options)
    assert len(got) > 0
    pd.testing.assert_frame_equal(got, want, check_exact=True)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 14),
    k=st.integers(1, 30),
    block_cells=st.integers(1, 60),
    seed=st.integers(0, 10_000),
    tie_prone=st.booleans(),
)
def test_top_pairs_by_blocks_keep_every_pair_the_whole_matrix_keeps(n, k, block_cells, seed, tie_prone):
    """Random sparse vectors (with many exact ties when tie_prone: few distinct 0/1 rows) and random
    groups: the blockwise top pairs are the whole matrix's pairs at least as good as its k-th best."""
    rng = np.random.default_rng(seed)
    dense = (rng.random((n, 6)) < 0.4).astype(float) if tie_prone else rng.random((n, 6)) * (rng.random((n, 6)) < 0.6)
    vectors = normalize(sp.csr_matrix(dense))
    groups = rng.integers(0, 3, n).astype(str)
    cos = np.clip((vectors @ vectors.T).toarray(), 0.0, 1.0)
    for g in (groups, None):
        a, b, c = S._top_pairs(vectors, g, k, block_cells=block_cells)
        candidate = np.triu(np.ones((n, n), dtype=bool), k=1)
        if g is not None:
            candidate &= g[:, None] != g[None, :]
        if not candidate.any():
            assert len(a) == 0
            continue
        flat = np.where(candidate, cos, -1.0).ravel()
        kk = min(k, int(candidate.sum()))
        want = np.flatnonzero(flat >= np.partition(flat, -kk)[-kk])
        assert np.array_equal(a * n + b, want)
        assert np.array_equal(c, cos[a, b])
