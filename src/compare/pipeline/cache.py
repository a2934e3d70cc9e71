"""Corpus-wide comparisons computed once and shared by the figures and every report of a build.

``cache = ComparisonCache(processed_dir); cache(analysis.keyness, corpus, by="province", top_n=None)``

Results are stored as Parquet (the table, its dtypes in the Parquet schema) beside a small JSON file
naming the call; nothing is ever unpickled. The comparisons themselves live in :mod:`compare.analysis`
(keyness and similarity exist once, there): this module only decides what to compute and keeps it.
"""
from __future__ import annotations

import hashlib
import io as _io
import json
import logging
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from compare.core import cachefiles
from compare.core.io import atomic_write_bytes, atomic_write_text
from compare.pipeline.params import DEFAULT_DOC_TYPE, DEFAULT_LEVEL, comparable

log = logging.getLogger(__name__)

COMPARISONS_CACHE_DIR = "comparisons"  # under compare.core.paths.cache_dir()
COMPARISONS_CACHE_KEEP = 64  # most recently used results kept on disk
_COMPARISONS_FORMAT = 3  # part of the key: bump when the stored form or the key changes (3: rows of the corpus)


class ComparisonCache:
    """Results of comparison functions (``func(corpus, **kwargs)`` returning a DataFrame, e.g.
    ``analysis.keyness``) kept on disk, so that a corpus-wide comparison is computed once and then
    read by the figures step and every report kernel of a build.

    The key is the sha256 of the code version, pandas' version, the function's name, its keyword
    arguments and the corpus' own rows (:func:`corpus_digest`: every row of every frame of the corpus
    passed, not the whole tables), so a stale result is never returned, and a plan added to another
    province, type or level leaves the comparisons of a selection without it cached (the build's
    cross-province report after a plan of another type reads them instead of computing them again).
    processed_dir names where the corpus comes from (the figures look up the theme dictionary in
    use there). A result is ``<key>.parquet`` (written atomically: concurrent kernels
    may race to write the same result, with the same bytes) plus ``<key>.json`` naming the call, in
    ``<cache_dir>/comparisons/``; the last COMPARISONS_CACHE_KEEP used are kept. A damaged entry is
    recomputed."""

    def __init__(self, processed_dir: str | Path, *, directory: str | Path | None = None):
        from compare.core.paths import cache_dir

        self.processed_dir = Path(processed_dir)
        self.directory = Path(directory) if directory is not None else cache_dir() / COMPARISONS_CACHE_DIR
        self._base: str | None = None
        self._digests: dict[int, tuple[Any, str]] = {}
        self.hits = 0
        self.misses = 0

    def __repr__(self) -> str:
        return f"ComparisonCache({self.processed_dir}, {self.hits} hits, {self.misses} misses)"

    def _base_key(self) -> str:
        if self._base is None:
            from compare.core.hashing import code_version

            self._base = json.dumps([_COMPARISONS_FORMAT, code_version(), pd.__version__], sort_keys=True)
        return self._base

    @staticmethod
    def _call(func, kwargs: Mapping[str, Any]) -> tuple[str, str]:
        return (f"{func.__module__}.{func.__qualname__}",
                json.dumps(dict(kwargs), sort_keys=True, ensure_ascii=False, default=repr))

    def _digest(self, corpus) -> str:
        """corpus_digest(corpus), computed once per corpus object this cache is asked about."""
        kept = self._digests.get(id(corpus))
        if kept is None or kept[0]() is not corpus:  # (a weak reference: the memo keeps no corpus alive)
            kept = self._digests[id(corpus)] = (weakref.ref(corpus), corpus_digest(corpus))
        return kept[1]

    def key(self, func, corpus, kwargs: Mapping[str, Any]) -> str:
        """The cache key of func(corpus, **kwargs): the code, the call and the corpus' own rows."""
        ident = [self._base_key(), *self._call(func, kwargs), self._digest(corpus)]
        return hashlib.sha256("\0".join(ident).encode("utf-8")).hexdigest()

    def lookup(self, func, corpus, **kwargs) -> pd.DataFrame | None:
        """The cached result of func(corpus, **kwargs), or None (nothing is computed)."""
        path = self.directory / f"{self.key(func, corpus, kwargs)}.parquet"
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            result = pd.read_parquet(_io.BytesIO(data))
        except Exception as exc:  # damaged or foreign file: recompute (pyarrow raises several types)
            log.warning("recomputing %s: the cached result %s cannot be read (%s)", func.__name__, path, exc)
            return None
        self.hits += 1
        cachefiles.touch(path)  # recently used: pruned last
        cachefiles.touch(path.with_suffix(".json"))
        return result

    def __call__(self, func, corpus, **kwargs) -> pd.DataFrame:
        result = self.lookup(func, corpus, **kwargs)
        if result is not None:
            return result
        self.misses += 1
        path = self.directory / f"{self.key(func, corpus, kwargs)}.parquet"
        result = func(corpus, **kwargs)
        if not isinstance(result, pd.DataFrame):
            raise TypeError(f"ComparisonCache keeps tables: {func.__name__} returned {type(result).__name__}")
        buf = _io.BytesIO()
        result.to_parquet(buf, index=not isinstance(result.index, pd.RangeIndex))
        atomic_write_bytes(path, buf.getvalue())
        name, args = self._call(func, kwargs)
        atomic_write_text(path.with_suffix(".json"), json.dumps(
            {"function": name, "kwargs": args, "documents": len(corpus.documents), "rows": len(result)},
            ensure_ascii=False, sort_keys=True) + "\n")
        cachefiles.prune(self.directory, "*.parquet", COMPARISONS_CACHE_KEEP)
        for meta in self.directory.glob("*.json"):  # descriptions of pruned results
            if not meta.with_suffix(".parquet").exists():
                meta.unlink(missing_ok=True)
        return result


#: the frames of a Corpus a comparison can read (its tokens are derived from items' text by the
#: packaged segmenter, which the code version covers)
CORPUS_FRAMES = ("documents", "items", "targets", "item_themes", "clusters", "item_instruments")


def frame_digest(df: pd.DataFrame) -> bytes:
    """sha256 of a frame's columns, dtypes and every value in row order (pandas' own row hashes; cells
    holding lists or arrays are hashed by their JSON)."""
    h = hashlib.sha256(json.dumps([[str(c) for c in df.columns], [str(t) for t in df.dtypes], len(df)],
                                  ensure_ascii=False).encode("utf-8"))
    for col in range(df.shape[1]):
        values = df.iloc[:, col]
        try:
            hashed = pd.util.hash_pandas_object(values, index=False)
        except TypeError:  # unhashable cells (lists or arrays of departments, ...): their full JSON
            hashed = pd.util.hash_pandas_object(values.map(_cell_json), index=False)
        h.update(hashed.to_numpy().tobytes())
    return h.digest()


def _cell_json(value) -> str:
    """A cell as JSON, every element written out (numpy's repr elides long arrays)."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def corpus_digest(corpus) -> str:
    """sha256 of everything a comparison of `corpus` is computed from: every row of its documents,
    items, targets, item themes, clusters and instrument coding, and its theme order. Rows of other
    provinces, types or levels are not in it, so adding a plan leaves the digest of a selection
    without that plan (and the cached comparisons of that selection) as it was."""
    h = hashlib.sha256(json.dumps(list(corpus.themes), ensure_ascii=False).encode("utf-8"))
    for name in CORPUS_FRAMES:
        h.update(name.encode("ascii") + b"\0" + frame_digest(getattr(corpus, name)))
    return h.hexdigest()


def _direct(func, corpus, **kwargs):
    return func(corpus, **kwargs)


def top_terms(key: pd.DataFrame, top_n: int) -> pd.DataFrame:
    """The top_n terms of each group of a keyness frame computed with top_n=None (``rank <= top_n``):
    the same rows ``analysis.keyness(..., top_n=top_n)`` returns, so one computation serves every
    top_n (the figures use 10, the reports their parameter)."""
    return key[key["rank"] <= int(top_n)].reset_index(drop=True)


def against_others(corpus, sub) -> Any:
    """The sub-corpus's documents plus every document of the other provinces: the reference a province's
    distinctive terms are measured against (its own unselected years are left out, not counted as 'other')."""
    own = set(sub.documents["province"])
    others = corpus.documents.loc[~corpus.documents["province"].isin(own), "doc_id"]
    return corpus.select(doc_ids=[*sub.documents["doc_id"], *others])


def shared_keyness(corpus, compute, *, doc_type: str = DEFAULT_DOC_TYPE, level: str = DEFAULT_LEVEL) -> pd.DataFrame:
    """Every province's distinctive terms among the plans of one type and level (top_n=None), computed
    once into the cache: a build calls this before rendering, and every province report of that type
    then reads its rows (:func:`province_keyness`) instead of counting the whole corpus again."""
    from compare import analysis

    like = comparable(corpus, doc_type=doc_type, level=level)
    return compute(analysis.keyness, like, by="province", top_n=None, doc_types=doc_type, levels=level)


def province_keyness(corpus, sub, *, top_n: int, compute=None, doc_type: str = DEFAULT_DOC_TYPE,
                     level: str = DEFAULT_LEVEL) -> pd.DataFrame:
    """Distinctive terms of the sub-corpus' province against every other province's plans of the same
    type and level (corpus: those plans, e.g. ``params.comparable(corpus, ...)``; the reference is
    :func:`against_others`): the top_n rows of ``analysis.keyness(by="province")`` for that province.

    With compute (a :class:`ComparisonCache`), the whole table is read when it is cached (a build
    computes it once with :func:`shared_keyness`: the kernel then loads no other province's tokens);
    otherwise only this province's rows are computed (``analysis.keyness(..., groups=...)``: 0.1 s
    instead of 1.4 s on 1,000 documents) and cached."""
    from compare import analysis

    like = {"doc_types": doc_type, "levels": level}
    ref = against_others(corpus, sub)
    own = sorted(set(sub.documents["province"].astype(str)))
    key = (compute.lookup(analysis.keyness, ref, by="province", top_n=None, **like)
           if isinstance(compute, ComparisonCache) else None)
    if key is None:
        key = (compute or _direct)(analysis.keyness, ref, by="province", top_n=None, groups=own, **like)
    return top_terms(key[key["group"].astype(str).isin(own)], top_n)
