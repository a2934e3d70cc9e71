"""The Corpus: the processed tables of one corpus in memory, and how to take a part of it."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from compare.analysis._common import SCORE_PREFIX
from compare.core import io, schema
from compare.core.deprecation import deprecate_kwarg
from compare.core.errors import CompareError, EmptyCorpusError, ParameterError
from compare.core.vocab import DEFAULT_DOC_TYPE, DEFAULT_LEVEL


_COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3  # always on from pandas 3


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


@dataclass(repr=False)
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
    #: policy-instrument coding of the items (empty before `python -m compare instruments` has run)
    item_instruments: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    _tokens: list[list[str]] | None = field(default=None, repr=False, compare=False)
    _views: dict = field(default_factory=dict, repr=False, compare=False)  # like_with_like sub-corpora

    def __post_init__(self) -> None:
        if len(self.documents) == 0 or len(self.items) == 0:
            raise EmptyCorpusError(
                f"the corpus is empty ({len(self.documents)} documents, {len(self.items)} items): "
                "there is nothing to compare; check the raw directory and run `python -m compare ingest`"
            )
        self.items = self.items.reset_index(drop=True)
        orphans = sorted(set(self.items["doc_id"]) - set(self.documents["doc_id"]))
        if orphans:
            raise CompareError(f"items refer to documents that are not in the documents table: {orphans[:5]}")
        if self._tokens is not None and len(self._tokens) != len(self.items):
            raise ParameterError(f"tokens has {len(self._tokens)} entries but the corpus has {len(self.items)} items")

    def __repr__(self) -> str:
        years = self.years
        span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
        return (
            f"Corpus({len(self.documents)} documents, {len(self.items)} items, {len(self.targets)} targets; "
            f"provinces {'、'.join(self.provinces)}; years {span}; themes {'、'.join(self.themes) or 'none yet'})"
        )

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
        item_instruments = (
            io.read_table("item_instruments", processed_dir)
            if (processed_dir / "item_instruments.parquet").is_file()
            else None
        )
        return cls.from_frames(
            documents=documents, items=items, targets=targets, item_themes=item_themes, clusters=clusters,
            item_instruments=item_instruments,
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
        item_instruments: pd.DataFrame | None = None,
    ) -> Corpus:
        """A corpus from DataFrames. Only items is required: documents is derived from items when
        missing, themes from the `score_<theme>` columns of item_themes, and `tokens` (one token list
        per items row) skips segmentation, e.g. for hand-built corpora. item_instruments (the policy-
        instrument coding, one row per item) is optional."""
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
            item_instruments=(item_instruments.reset_index(drop=True) if item_instruments is not None
                              else pd.DataFrame(columns=["doc_id", "item_id"])),
            _tokens=toks,
        )

    @deprecate_kwarg("province", "provinces")
    @deprecate_kwarg("year", "years")
    @deprecate_kwarg("doc_type", "doc_types")
    @deprecate_kwarg("level", "levels")
    @deprecate_kwarg("theme", "themes")
    def select(
        self,
        *,
        provinces: str | Sequence[str] | None = None,
        years: int | str | Sequence[int] | None = None,
        doc_types: str | Sequence[str] | None = None,
        levels: str | Sequence[str] | None = None,
        themes: str | Sequence[str] | None = None,
        doc_ids: str | Sequence[str] | None = None,
        issuer_kinds: str | Sequence[str] | None = None,
    ) -> Corpus:
        """A sub-corpus of the documents (and items) matching every given filter; tokens stay aligned.

        Each filter takes one value or a list: ``select(provinces="河南", years=2019)``. Province
        names may be written in any form (河南省, 豫); years as ints or strings ("2019年"). `themes`
        keeps the items whose primary theme is one of them (and the documents that still have
        items). The singular names (province, year, doc_type, level, theme) still work for now,
        with a FutureWarning. Issuer kinds as in every selection
        (:func:`compare.analysis.selection.issuer_kinds_for`): with ``doc_types`` or ``levels`` given
        only 科协 and 科协部门 plans are kept unless ``issuer_kinds`` names others (or "all"); a selection
        by province, year, theme or doc_ids alone keeps every issuer. Raises EmptyCorpusError naming the
        filter that removed everything, and ParameterError for a name that is not a province.

        >>> from compare.analysis.examples import example_corpus
        >>> example_corpus().select(provinces="豫", years=2024)
        Corpus(2 documents, 3 items, 1 targets; provinces 河南; years 2024; themes 党建、科普、智库)
        >>> example_corpus().select(provinces="湖北", years=2024)
        Traceback (most recent call last):
        ...
        compare.core.errors.EmptyCorpusError: no documents left after years=[2024] (provinces=['湖北'] left years 2019)
        """
        from compare.analysis.selection import (
            _strings,
            canonical_provinces,
            documents_view,
            issuer_kind_mask,
            issuer_kinds_for,
            parse_years,
        )

        docs = documents_view(self.documents)
        kept = _Narrowing(docs)
        narrow, applied = kept.narrow, kept.applied
        if provinces is not None:
            ps = canonical_provinces(provinces)
            narrow("provinces", ps, docs["province"].isin(ps), "province")
        if years is not None:
            ys = parse_years(years)
            narrow("years", ys, docs["year"].isin(ys), "year")
        if doc_types is not None:
            ts = _strings(doc_types, "doc_type", None)
            narrow("doc_types", ts, docs["doc_type"].isin(ts), "doc_type")
        if levels is not None:
            ls = _strings(levels, "level", None)
            narrow("levels", ls, docs["level"].fillna(DEFAULT_LEVEL).isin(ls), "level")
        if doc_ids is not None:
            ids = _strings(doc_ids, "doc_id", None)
            narrow("doc_ids", ids, docs["doc_id"].isin(ids), "doc_id")
        kinds = issuer_kinds_for(issuer_kinds, narrowed=doc_types is not None or levels is not None)
        if kinds is not None:
            narrow("issuer_kinds", kinds, issuer_kind_mask(docs, kinds), "issuer_kind")
        keep = kept.keep
        ids = set(self.documents.loc[keep.to_numpy(), "doc_id"])
        item_mask = self.items["doc_id"].isin(ids).to_numpy().copy()
        if themes is not None:
            ts = _strings(themes, "theme", None)
            item_mask &= self.items_themed["theme"].isin(ts).to_numpy()
            if not item_mask.any():
                raise EmptyCorpusError(f"no items left after themes={ts}" + (f" ({', '.join(applied)})" if applied else ""))
            keep &= self.documents["doc_id"].isin(set(self.items.loc[item_mask, "doc_id"])).to_numpy()
        if not item_mask.any():
            raise EmptyCorpusError(f"no items in the documents left after {', '.join(applied)}")
        return self._subset(keep.to_numpy(), item_mask)

    def _subset(self, doc_mask, item_mask) -> Corpus:
        toks = [t for t, k in zip(self._tokens, item_mask) if k] if self._tokens is not None else None
        items = self.items[item_mask].reset_index(drop=True)
        keys = pd.MultiIndex.from_frame(items[["doc_id", "item_id"]])

        def rows_of(df: pd.DataFrame) -> pd.DataFrame:
            """The rows of a per-item table (targets, item_themes) that belong to the kept items."""
            if len(df) == 0:
                return df.reset_index(drop=True)
            return df[pd.MultiIndex.from_frame(df[["doc_id", "item_id"]]).isin(keys)].reset_index(drop=True)

        return Corpus(
            documents=self.documents[doc_mask].reset_index(drop=True),
            items=items,
            targets=rows_of(self.targets),
            item_themes=rows_of(self.item_themes),
            clusters=self.clusters,
            themes=list(self.themes),
            item_instruments=rows_of(self.item_instruments),
            _tokens=toks,
        )

    @deprecate_kwarg("doc_type", "doc_types")
    @deprecate_kwarg("level", "levels")
    def like_with_like(
        self,
        *,
        doc_types: str | Sequence[str] | None = DEFAULT_DOC_TYPE,
        levels: str | Sequence[str] | None = DEFAULT_LEVEL,
        include_departments: bool = False,
        issuer_kinds: str | Sequence[str] | None = None,
    ) -> Corpus:
        """The sub-corpus a comparison of like with like uses (see
        :func:`compare.analysis.selection.like_with_like`: one type, one level, no department plans,
        only the association's own issuer kinds unless `issuer_kinds` says otherwise, no 重点工作
        counted twice). Returns self when nothing is left out. Raises EmptyCorpusError
        saying which condition removed every document.

        >>> from compare.analysis.examples import example_corpus
        >>> example_corpus().like_with_like().documents["doc_id"].tolist()
        ['henan-2019-gzyd', 'henan-2024-gzyd', 'hubei-2019-gzyd']
        """
        from compare.analysis.selection import describe, documents_view, like_with_like

        key = (repr(doc_types), repr(levels), include_departments, repr(issuer_kinds))
        if key in self._views:
            return self._views[key]
        docs = documents_view(self.documents)
        kept = like_with_like(docs, doc_types=doc_types, levels=levels, include_departments=include_departments,
                              issuer_kinds=issuer_kinds)
        if len(kept) == len(docs):
            self._views[key] = self
            return self
        if kept.empty:
            have = docs.groupby(["doc_type", "level"]).size()
            found = "、".join(f"{t} ({lv}) {n}" for (t, lv), n in have.items())
            raise EmptyCorpusError(
                f"no documents of {describe(doc_types, levels, include_departments)} in this corpus "
                f"(it has {found}); pass doc_types=None / levels=None to compare every type / level")
        doc_mask = self.documents["doc_id"].isin(set(kept["doc_id"])).to_numpy()
        item_mask = self.items["doc_id"].isin(set(kept["doc_id"])).to_numpy()
        if not item_mask.any():
            raise EmptyCorpusError(f"the documents of {describe(doc_types, levels)} have no items")
        self._views[key] = self._subset(doc_mask, item_mask)
        return self._views[key]

    # ---- derived views ----------------------------------------------------------------------------

    @property
    def has_instruments(self) -> bool:
        """Whether the items have a policy-instrument coding (table item_instruments)."""
        return len(self.item_instruments) > 0

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
        # a report asks for it a dozen times: merged once per (items, item_themes) pair of frames; each
        # caller gets its own copy (shallow under pandas' copy-on-write), so changing it never changes
        # the kept one
        kept = self._views.get("items_themed")
        if kept is None or kept[0] is not self.items or kept[1] is not self.item_themes:
            kept = self._views["items_themed"] = (self.items, self.item_themes, self._merge_themes())
        return kept[2].copy(deep=not _COPY_ON_WRITE)

    def _merge_themes(self) -> pd.DataFrame:
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
            from compare.text.segment import default_segmenter

            self._tokens = default_segmenter().tokenize_many(self.items["text"].astype(str).tolist())
        return self._tokens

    def with_document_columns(self, df: pd.DataFrame, columns) -> pd.DataFrame:
        """df (items or items_themed rows) plus the named documents columns it lacks (level, city,
        department, title, …), matched by doc_id; a documents table without `level` / `department`
        gives 省级 / null (see compare.analysis.selection.documents_view)."""
        from compare.analysis.selection import documents_view

        cols = [columns] if isinstance(columns, str) else list(columns)
        missing = [c for c in cols if c not in df.columns]
        if not missing:
            return df
        docs = documents_view(self.documents).set_index("doc_id")
        out = df.copy()
        for c in missing:
            if c in docs.columns:
                out[c] = out["doc_id"].map(docs[c]).to_numpy()
        return out

    @property
    def provinces(self) -> list[str]:
        return sorted(self.documents["province"].astype(str).unique().tolist())

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.documents["year"].unique())


@deprecate_kwarg("doc_type", "doc_types")
@deprecate_kwarg("level", "levels")
def comparable(
    corpus: Corpus,
    *,
    doc_types: str | Sequence[str] | None = DEFAULT_DOC_TYPE,
    levels: str | Sequence[str] | None = DEFAULT_LEVEL,
    include_departments: bool = False,
) -> Corpus:
    """corpus.like_with_like(...) with the arguments every comparison function passes on."""
    return corpus.like_with_like(doc_types=doc_types, levels=levels, include_departments=include_departments)


class _Narrowing:
    """The documents a selection keeps so far and the filters applied, for its messages: a filter
    that leaves nothing raises EmptyCorpusError naming it and what the filters before it left."""

    def __init__(self, docs: pd.DataFrame):
        self.docs = docs
        self.keep = pd.Series(True, index=docs.index)
        self.applied: list[str] = []

    def narrow(self, name: str, values, mask: pd.Series, column: str) -> None:
        before = self.keep
        self.keep = self.keep & mask
        if not self.keep.any():
            left = sorted({str(v) for v in self.docs.loc[before, column]})
            after = f" ({', '.join(self.applied)} left {column}s {'、'.join(left)})" if self.applied else (
                f" (the corpus has {column}s {'、'.join(left)})")
            raise EmptyCorpusError(f"no documents left after {name}={values}{after}")
        self.applied.append(f"{name}={values}")
