"""Small helpers shared by the analysis modules (not part of the public API)."""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from compare.core import schema
from compare.core.deprecation import warn_deprecated
from compare.core.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from compare.analysis.corpus import Corpus

SCORE_PREFIX = schema.THEME_SCORE_PREFIX


def _check_columns(df: pd.DataFrame, cols: Iterable[str], what: str) -> list[str]:
    cols = [cols] if isinstance(cols, str) else list(cols)
    unknown = [c for c in cols if c not in df.columns]
    if unknown:
        raise ParameterError(f"{what}: unknown column(s) {unknown}; choose from {list(df.columns)}")
    return cols


def _safe_div(num, den):
    """num / den, with 0 where den is 0 (an empty group has no share rather than NaN)."""
    num = np.asarray(num, dtype="float64")
    den = np.asarray(den, dtype="float64")
    out = np.zeros(np.broadcast(num, den).shape, dtype="float64")
    np.divide(num, den, out=out, where=den != 0)
    return out


def _item_order(corpus: Corpus) -> list[int]:
    """Row positions of items ordered by province, year, doc_type, doc_id, seq."""
    cols = [c for c in ("province", "year", "doc_type", "doc_id", "seq") if c in corpus.items.columns]
    return corpus.items.sort_values(cols, kind="mergesort").index.tolist()


def _theme_key(corpus: Corpus):
    """A sort key that orders the `theme` column in dictionary order and leaves other columns alone."""
    order = {t: i for i, t in enumerate(corpus.themes)}

    def key(col: pd.Series) -> pd.Series:
        return col.map(order) if col.name == "theme" else col

    return key


def corpus_first(tables: Callable):
    """For a function that now takes a Corpus first: the old call with the tables first (e.g.
    ``item_links(documents, items)``) still works, with a FutureWarning, by calling `tables`, the
    function's implementation on those tables."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(corpus, *args, **kwargs):
            if isinstance(corpus, pd.DataFrame):
                warn_deprecated(f"{func.__name__}() with tables first",
                                f"{func.__name__}(corpus, …) with a Corpus (Corpus.load or Corpus.from_frames)")
                return tables(corpus, *args, **kwargs)
            return func(corpus, *args, **kwargs)

        return wrapper

    return decorate
