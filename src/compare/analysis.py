"""Comparisons analysts ask for, each returning a tidy DataFrame with a deterministic row order.

Everything starts from a :class:`Corpus` (the processed tables in memory)::

    corpus = Corpus.load("data/processed")
    theme_share_matrix(corpus, by=("province", "year"))      # how much of each plan is 科普, 智库, …
    keyness(corpus, by="province")                            # distinctive terms per province (G²)
    term_changes(corpus, "河南", years=[2019, 2022, 2024])    # what appeared / disappeared

Conventions: provinces sort by their Unicode code points (as everywhere in the package), years
ascending, themes in the theme dictionary's order. A corpus with a single document still works
(comparisons that need two groups return an empty frame with the right columns); a corpus with no
items raises :class:`compare.errors.EmptyCorpusError`.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from compare import io, schema
from compare.errors import CompareError, EmptyCorpusError, ParameterError

log = logging.getLogger(__name__)

SCORE_PREFIX = schema.THEME_SCORE_PREFIX


# --------------------------------------------------------------------------------------------------
# Corpus
# --------------------------------------------------------------------------------------------------


def _documents_from_items(items: pd.DataFrame) -> pd.DataFrame:
    """A minimal documents table (one row per doc_id, in first-seen order) when only items are given."""
    cols = ["doc_id", "province", "year", "doc_type"]
    docs = items[cols].drop_duplicates("doc_id").reset_index(drop=True)
    docs["title"] = docs["doc_id"]
    docs["n_items"] = docs["doc_id"].map(items["doc_id"].value_counts()).astype("int64")
    return docs


def _themes_from(item_themes: pd.DataFrame) -> list[str]:
    """Theme order: the `score_<theme>` columns (written in dictionary order), then any other theme seen."""
    themes = [c[len(SCORE_PREFIX):] for c in item_themes.columns if c.startswith(SCORE_PREFIX)]
    if "theme" in item_themes.columns:
        extra = sorted(set(item_themes["theme"].dropna().astype(str)) - set(themes))
        themes += extra
    return themes


@dataclass
class Corpus:
    """The processed tables of one corpus, plus lazily computed item tokens.

    Build it with :meth:`load` (from a processed directory) or :meth:`from_frames` (in memory, e.g.
    hand-built test corpora or the themes stage before its tables are written).
    """

    documents: pd.DataFrame
    items: pd.DataFrame
    targets: pd.DataFrame
    item_themes: pd.DataFrame
    clusters: pd.DataFrame
    themes: list[str]
    _tokens: list[list[str]] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.documents) == 0 or len(self.items) == 0:
            raise EmptyCorpusError(
                f"the corpus is empty ({len(self.documents)} documents, {len(self.items)} items): "
                "there is nothing to compare; check the raw directory and run `python -m compare ingest`"
            )
        self.items = self.items.reset_index(drop=True)
        if self._tokens is not None and len(self._tokens) != len(self.items):
            raise ParameterError(f"tokens has {len(self._tokens)} entries but the corpus has {len(self.items)} items")

    # ---- construction ---------------------------------------------------------------------------

    @classmethod
    def load(cls, processed_dir: str | Path) -> Corpus:
        """Read the processed tables. documents and items are required; item_themes and clusters are
        optional (absent before `python -m compare themes` has run; theme comparisons then raise)."""
        processed_dir = Path(processed_dir)
        documents = io.read_table("documents", processed_dir)
        items = io.read_table("items", processed_dir)
        targets = io.read_table("targets", processed_dir)
        item_themes = (
            io.read_table("item_themes", processed_dir)
            if (processed_dir / "item_themes.parquet").is_file()
            else schema.empty("item_themes")
        )
        clusters = (
            io.read_table("clusters", processed_dir)
            if (processed_dir / "clusters.parquet").is_file()
            else schema.empty("clusters")
        )
        return cls.from_frames(
            documents=documents, items=items, targets=targets, item_themes=item_themes, clusters=clusters
        )

    @classmethod
    def from_frames(
        cls,
        *,
        items: pd.DataFrame,
        documents: pd.DataFrame | None = None,
        targets: pd.DataFrame | None = None,
        item_themes: pd.DataFrame | None = None,
        clusters: pd.DataFrame | None = None,
        themes: Sequence[str] | None = None,
        tokens: Sequence[Sequence[str]] | None = None,
    ) -> Corpus:
        """A corpus from DataFrames. Only items is required: documents is derived from items when
        missing, themes from the `score_<theme>` columns of item_themes, and `tokens` (one token list
        per items row) skips segmentation, e.g. for hand-built corpora."""
        if items is None or len(items) == 0:
            raise EmptyCorpusError("the corpus is empty (0 items): there is nothing to compare")
        items = items.reset_index(drop=True)
        if documents is None:
            documents = _documents_from_items(items)
        if targets is None:
            targets = schema.empty("targets")
        if item_themes is None:
            item_themes = schema.empty("item_themes")
        if clusters is None:
            clusters = schema.empty("clusters")
        theme_list = list(themes) if themes is not None else _themes_from(item_themes)
        if themes is not None and "theme" in item_themes.columns:
            unknown = sorted(set(item_themes["theme"].astype(str)) - set(theme_list))
            if unknown:
                raise ParameterError(f"item_themes uses themes {unknown} that are not in themes={theme_list}")
        toks = [list(t) for t in tokens] if tokens is not None else None
        return cls(
            documents=documents.reset_index(drop=True),
            items=items,
            targets=targets.reset_index(drop=True),
            item_themes=item_themes.reset_index(drop=True),
            clusters=clusters.reset_index(drop=True),
            themes=theme_list,
            _tokens=toks,
        )

    def select(
        self,
        *,
        provinces: Sequence[str] | None = None,
        years: Sequence[int] | None = None,
        doc_type: Sequence[str] | None = None,
        doc_ids: Sequence[str] | None = None,
    ) -> Corpus:
        """A sub-corpus of the documents matching every given filter (tokens stay aligned, not recomputed).
        Values are used as given; call validate_selection first to reject unknown ones.
        Raises EmptyCorpusError when nothing matches."""
        keep = pd.Series(True, index=self.documents.index)
        if provinces is not None:
            keep &= self.documents["province"].isin(list(provinces))
        if years is not None:
            keep &= self.documents["year"].isin([int(y) for y in years])
        if doc_type is not None:
            keep &= self.documents["doc_type"].isin(list(doc_type))
        if doc_ids is not None:
            keep &= self.documents["doc_id"].isin(list(doc_ids))
        ids = set(self.documents.loc[keep, "doc_id"])
        item_mask = self.items["doc_id"].isin(ids).to_numpy()
        if not item_mask.any():
            raise EmptyCorpusError(
                f"no items match provinces={provinces}, years={years}, doc_type={doc_type}, doc_ids={doc_ids}"
            )
        toks = [t for t, k in zip(self._tokens, item_mask) if k] if self._tokens is not None else None
        return Corpus(
            documents=self.documents[keep].reset_index(drop=True),
            items=self.items[item_mask].reset_index(drop=True),
            targets=self.targets[self.targets["doc_id"].isin(ids)].reset_index(drop=True),
            item_themes=self.item_themes[self.item_themes["doc_id"].isin(ids)].reset_index(drop=True),
            clusters=self.clusters,
            themes=list(self.themes),
            _tokens=toks,
        )

    # ---- derived views ----------------------------------------------------------------------------

    @property
    def has_themes(self) -> bool:
        return len(self.item_themes) > 0

    @property
    def items_themed(self) -> pd.DataFrame:
        """items (same rows, same order) with theme, score_* and cluster columns.

        Raises EmptyCorpusError when there are no theme assignments, and CompareError when
        item_themes does not match items (stale tables: re-run themes)."""
        if not self.has_themes:
            raise EmptyCorpusError(
                "the corpus has no theme assignments (item_themes is empty): run `python -m compare themes` first"
            )
        extra = [c for c in self.item_themes.columns if c not in ("doc_id", "item_id")]
        merged = self.items.merge(
            self.item_themes[["doc_id", "item_id", *extra]],
            on=["doc_id", "item_id"],
            how="left",
            validate="one_to_one",
            indicator=True,
        )
        missing = merged[merged["_merge"] != "both"]
        n_orphans = len(self.item_themes) - int((merged["_merge"] == "both").sum())
        if len(missing) or n_orphans:
            example = ", ".join(f"{d} {i}" for d, i in missing[["doc_id", "item_id"]].head(3).itertuples(index=False))
            raise CompareError(
                f"item_themes does not match items: {len(missing)} items have no theme"
                + (f" (e.g. {example})" if example else "")
                + f" and {n_orphans} theme rows name no item; re-run `python -m compare themes`"
            )
        return merged.drop(columns="_merge")

    @property
    def tokens(self) -> list[list[str]]:
        """Content tokens of each items row (same order), from the shared segmenter (cached by content hash)."""
        if self._tokens is None:
            from compare.segment import default_segmenter

            self._tokens = default_segmenter().tokenize_many(self.items["text"].astype(str).tolist())
        return self._tokens

    @property
    def provinces(self) -> list[str]:
        return sorted(self.documents["province"].astype(str).unique().tolist())

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.documents["year"].unique())


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------
# theme shares
# --------------------------------------------------------------------------------------------------


def theme_shares(corpus: Corpus, *, by: Sequence[str] = ("province", "year", "doc_type")) -> pd.DataFrame:
    """Theme shares per group: columns *by, theme, n_items, share_items, share_chars.

    Every theme appears for every group that has items (zeros included), so shares within a group
    sum to 1 (share_chars is 0 for a group whose items have no characters). Groups are the
    combinations of `by` that occur in items, sorted; themes follow the dictionary order."""
    df = corpus.items_themed
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


def theme_share_matrix(
    corpus: Corpus,
    *,
    by: Sequence[str] = ("province", "year"),
    weight: str = "items",
    doc_type: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Tidy share matrix: *by, theme, share. weight="items" counts items, "chars" weighs them by length.
    doc_type restricts to one or several document types first. Pivot with
    ``df.pivot(index=list(by), columns="theme", values="share")`` for a heatmap."""
    if weight not in ("items", "chars"):
        raise ParameterError(f"weight must be 'items' or 'chars', not {weight!r}")
    sub = corpus
    if doc_type is not None:
        types = [doc_type] if isinstance(doc_type, str) else list(doc_type)
        known = sorted(corpus.items["doc_type"].astype(str).unique())
        unknown = [t for t in types if t not in known]
        if unknown:
            raise ParameterError(f"unknown doc_type {unknown}; the corpus has {known}")
        sub = corpus.select(doc_type=types)
    shares = theme_shares(sub, by=by)
    col = "share_items" if weight == "items" else "share_chars"
    by = list(by)
    return shares[[*by, "theme", col]].rename(columns={col: "share"}).reset_index(drop=True)
