"""Comparisons analysts ask for, each returning a tidy DataFrame with a deterministic row order.

Everything starts from a :class:`Corpus` (the processed tables in memory)::

    corpus = Corpus.load("data/processed")
    theme_share_matrix(corpus, by=("province", "year"))      # how much of each plan is 科普, 智库, …
    keyness(corpus, by="province")                            # distinctive terms per province (G²)
    term_changes(corpus, "河南", years=[2019, 2022, 2024])    # what appeared / disappeared

Conventions: provinces sort by their Unicode code points (as everywhere in the package), years
ascending, themes in the theme dictionary's order. A corpus with a single document still works
(comparisons that need two groups return an empty frame with the right columns); a corpus with no
items raises :class:`compare.core.errors.EmptyCorpusError`.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd

from compare.core import io

from compare.core import schema
from compare.core.errors import CompareError, EmptyCorpusError, ParameterError

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
    _tokens: list[list[str]] | None = field(default=None, repr=False, compare=False)

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
            from compare.text.segment import default_segmenter

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


def _doc_types(corpus: Corpus, doc_type: str | Sequence[str] | None) -> list[str] | None:
    """doc_type as a list, checked against the corpus (ParameterError listing the known types)."""
    if doc_type is None:
        return None
    types = [doc_type] if isinstance(doc_type, str) else list(doc_type)
    known = sorted(corpus.documents["doc_type"].astype(str).unique())
    unknown = [t for t in types if t not in known]
    if unknown:
        raise ParameterError(f"unknown doc_type {unknown}; the corpus has {known}")
    return types


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
    types = _doc_types(corpus, doc_type)
    if types is not None:
        sub = corpus.select(doc_type=types)
    shares = theme_shares(sub, by=by)
    col = "share_items" if weight == "items" else "share_chars"
    by = list(by)
    return shares[[*by, "theme", col]].rename(columns={col: "share"}).reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# keyness
# --------------------------------------------------------------------------------------------------

KEYNESS_COLUMNS = ["group", "term", "freq_target", "freq_reference", "statistic", "p_value", "log_ratio", "rank"]


def keyness_table(a, b, c, d, *, measure: str = "g2", correction: str = "default") -> tuple[np.ndarray, np.ndarray]:
    """Signed keyness of 2×2 tables, vectorised: (statistic, p_value).

    a = term in target, b = term in reference, c = other tokens in target, d = other tokens in
    reference. measure "g2" is the log-likelihood ratio G² = 2 Σ O ln(O/E), "chi2" Pearson's χ².
    correction follows quanteda's textstat_keyness: "default"/"yates" apply Yates' continuity
    correction when the smallest expected count is below 5 (and |ad − bc| exceeds N/2),
    "williams" divides by Williams' q (tables without zero cells), "none" applies none. The sign is
    + when the term is over-represented in the target (a > its expected count), else −; the p-value
    is that of |statistic| on χ² with 1 degree of freedom (scipy.stats.chi2.sf). Zero cells
    contribute 0 to G² exactly (quanteda offsets them by 1e-9 instead: differences below 1e-7).
    """
    from scipy.special import chdtrc, xlogy  # chdtrc(1, x) is what scipy.stats.chi2.sf(x, 1) computes; importing
    # scipy.stats for it took 0.65 s in every report kernel

    if measure not in ("g2", "chi2"):
        raise ParameterError(f"measure must be 'g2' or 'chi2', not {measure!r}")
    if correction not in ("default", "yates", "williams", "none"):
        raise ParameterError(f"correction must be 'default', 'yates', 'williams' or 'none', not {correction!r}")
    a, b, c, d = (np.asarray(x, dtype="float64") for x in (a, b, c, d))
    n = a + b + c + d
    r1, r2, c1, c2 = a + b, c + d, a + c, b + d  # row (term / rest) and column (target / reference) totals
    e11 = _safe_div(r1 * c1, n)
    sign = np.where(a > e11, 1.0, -1.0)
    denom = r1 * r2 * c1 * c2
    ad_bc = a * d - b * c
    small = np.minimum.reduce([e11, _safe_div(r1 * c2, n), _safe_div(r2 * c1, n), _safe_div(r2 * c2, n)]) < 5
    if measure == "chi2":
        diff = np.abs(ad_bc)
        if correction in ("default", "yates"):
            apply = small & (diff >= n / 2)
            diff = np.where(apply, diff - n / 2, diff)
        stat = _safe_div(n * diff**2, denom)
        if correction == "williams":
            stat = stat / _williams_q(a, b, c, d, n)
    else:
        if correction in ("default", "yates"):
            apply = small & (np.abs(ad_bc) > n / 2)
            step = np.where(apply, np.where(ad_bc > 0, -0.5, 0.5), 0.0)
            a, d, b, c = a + step, d + step, b - step, c - step
        expected = [(a, e11), (b, _safe_div(r1 * c2, n)), (c, _safe_div(r2 * c1, n)), (d, _safe_div(r2 * c2, n))]
        stat = 2 * sum(xlogy(o, _safe_div(o, e)) for o, e in expected)  # 0·ln 0 = 0 exactly
        stat = np.maximum(stat, 0.0)  # rounding noise around an exact fit
        if correction == "williams":
            stat = stat / _williams_q(a, b, c, d, n)
    stat = sign * stat
    return stat, chdtrc(1, np.abs(stat))


def _williams_q(a, b, c, d, n):
    q = 1 + (_safe_div(n, a + b) + _safe_div(n, c + d) - 1) * (_safe_div(n, a + c) + _safe_div(n, b + d) - 1) / (6 * n)
    return np.where(a * b * c * d == 0, 1.0, q)  # undefined with a zero cell: no correction


def log_ratio(a, b, total_target, total_reference) -> np.ndarray:
    """Hardie's Log Ratio effect size: log2 of (relative frequency in target / in reference), a zero
    frequency replaced by 0.5 so that terms absent from one side stay finite. +1 means twice as frequent."""
    a = np.where(np.asarray(a, dtype="float64") == 0, 0.5, a)
    b = np.where(np.asarray(b, dtype="float64") == 0, 0.5, b)
    return np.log2(_safe_div(a, total_target) / _safe_div(b, total_reference).clip(min=np.finfo("float64").tiny))


def _group_values(corpus: Corpus, by: str) -> pd.Series:
    col = _check_columns(corpus.items, [by], "by")[0]
    return corpus.items[col]


def keyness(
    corpus: Corpus,
    *,
    by: str = "province",
    measure: str = "g2",
    top_n: int | None = 20,
    min_freq: int = 3,
    correction: str = "default",
) -> pd.DataFrame:
    """Distinctive terms of each group against the rest of the corpus (quanteda's textstat_keyness).

    For every value of items[by] (province, year, doc_id, doc_type, …) the group's tokens are the
    target and all other items' tokens the reference. Each term with at least min_freq occurrences
    in the whole corpus gets a 2×2 table and a signed statistic (see keyness_table). Returned: the
    top_n terms over-represented in each group (statistic > 0), highest statistic first (ties by
    term), with the Log Ratio effect size. Fewer than two groups gives an empty frame."""
    if top_n is not None and top_n < 1:
        raise ParameterError(f"top_n must be a positive integer or None, not {top_n!r}")
    groups = _group_values(corpus, by)
    keyness_table(0, 0, 1, 1, measure=measure, correction=correction)  # validates measure/correction
    empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
        KEYNESS_COLUMNS, [groups.dtype, "str", "int64", "int64", "float64", "float64", "float64", "int64"])})
    if groups.nunique() < 2:
        return empty
    long = pd.DataFrame({"group": groups.to_numpy(), "term": corpus.tokens}).explode("term").dropna(subset=["term"])
    if long.empty:
        return empty
    counts = long.groupby(["group", "term"], sort=True).size().unstack("group", fill_value=0)  # term × group
    counts = counts[counts.sum(axis=1) >= min_freq]
    if counts.empty:
        return empty
    all_totals = long.groupby("group").size()  # every token counts in the totals, rare terms included
    grand = int(all_totals.sum())
    term_total = counts.sum(axis=1).to_numpy()
    frames = []
    for g in sorted(counts.columns):
        a = counts[g].to_numpy()
        b = term_total - a
        t_total = int(all_totals.get(g, 0))
        c = t_total - a
        d = (grand - t_total) - b
        stat, p = keyness_table(a, b, c, d, measure=measure, correction=correction)
        df = pd.DataFrame({
            "group": g,
            "term": counts.index.astype(str),
            "freq_target": a.astype("int64"),
            "freq_reference": b.astype("int64"),
            "statistic": stat,
            "p_value": p,
            "log_ratio": log_ratio(a, b, t_total, grand - t_total),
        })
        df = df[df["statistic"] > 0].sort_values(["statistic", "term"], ascending=[False, True], kind="mergesort")
        if top_n is not None:
            df = df.head(top_n)
        df["rank"] = np.arange(1, len(df) + 1, dtype="int64")
        frames.append(df)
    out = pd.concat(frames, ignore_index=True) if frames else empty
    out["group"] = out["group"].astype(groups.dtype)
    return out[KEYNESS_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# similarity
# --------------------------------------------------------------------------------------------------

SIMILARITY_COLUMNS = ["doc_a", "doc_b", "label_a", "label_b", "cosine"]


def _identity(tokens):
    return tokens


def _sorted_documents(corpus: Corpus) -> pd.DataFrame:
    docs = corpus.documents[corpus.documents["doc_id"].isin(corpus.items["doc_id"])]
    return docs.sort_values(["province", "year", "doc_type", "doc_id"], kind="mergesort").reset_index(drop=True)


def _doc_label(row) -> str:
    return f"{row.province} {int(row.year)} {row.doc_type}"


def similarity(corpus: Corpus, *, level: str = "document", max_units: int = 3000) -> pd.DataFrame:
    """Cosine similarity of TF-IDF vectors (scikit-learn TfidfVectorizer on our tokens), every ordered
    pair including the diagonal (1.0), so ``pivot(index="label_a", columns="label_b", values="cosine")``
    gives the full matrix.

    level "document" joins the tokens of each document's items; "province" those of each province;
    "item" compares single items (labelled `doc_id item_id`). A unit without tokens has cosine 0 with
    every other unit. Units are ordered by province, year, doc_type, doc_id (items in document order).
    More than max_units units (n² rows) raises ParameterError: compare a Corpus.select(...) instead."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    items = corpus.items
    toks = corpus.tokens
    if level == "document":
        docs = _sorted_documents(corpus)
        ids = docs["doc_id"].tolist()
        labels = [_doc_label(r) for r in docs.itertuples(index=False)]
        bag: dict[str, list[str]] = {i: [] for i in ids}
        for doc_id, t in zip(items["doc_id"], toks):
            bag[doc_id].extend(t)
        units = [bag[i] for i in ids]
    elif level == "province":
        ids = corpus.provinces
        labels = list(ids)
        bag = {p: [] for p in ids}
        for prov, t in zip(items["province"], toks):
            bag[prov].extend(t)
        units = [bag[p] for p in ids]
    elif level == "item":
        order = _item_order(corpus)
        ids = [f"{items.at[i, 'doc_id']} {items.at[i, 'item_id']}" for i in order]
        labels = [f"{items.at[i, 'province']} {int(items.at[i, 'year'])} {items.at[i, 'item_id']}" for i in order]
        units = [toks[i] for i in order]
    else:
        raise ParameterError(f"level must be 'document', 'province' or 'item', not {level!r}")
    n = len(units)
    if n > max_units:
        raise ParameterError(
            f"similarity at level={level!r} would compare {n} units ({n * n:,} rows), more than max_units="
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


def _item_order(corpus: Corpus) -> list[int]:
    """Row positions of items ordered by province, year, doc_type, doc_id, seq."""
    cols = [c for c in ("province", "year", "doc_type", "doc_id", "seq") if c in corpus.items.columns]
    return corpus.items.sort_values(cols, kind="mergesort").index.tolist()


# --------------------------------------------------------------------------------------------------
# change over time (one province)
# --------------------------------------------------------------------------------------------------

TERM_CHANGE_COLUMNS = ["from_year", "to_year", "change", "term", "freq"]
THEME_CHANGE_COLUMNS = ["year", "theme", "share_items", "delta", "n_items"]


def _province_corpus(
    corpus: Corpus, province: str, years: Sequence[int] | None, doc_type: str | Sequence[str] | None
) -> tuple[Corpus, str, list[int]]:
    """The sub-corpus of one province (and doc types), its canonical name and the chosen years."""
    sel = validate_selection(corpus, province=province, years=years)
    province = sel["province"]
    types = _doc_types(corpus, doc_type)
    docs = corpus.documents[corpus.documents["province"] == province]
    if types is not None:
        docs = docs[docs["doc_type"].isin(types)]
    have = sorted(int(y) for y in docs["year"].unique())
    of_type = f" of type {'、'.join(types)}" if types else ""
    if not have:
        known = sorted(corpus.documents.loc[corpus.documents["province"] == province, "doc_type"].unique())
        raise ParameterError(f"{province} has no plan{of_type}; its plans are {'、'.join(known)}")
    if years is not None:
        missing = [y for y in sel["years"] if y not in have]
        if missing:
            raise ParameterError(f"{province} has no plan{of_type} for year(s) {missing}; its years are {have}")
        have = sel["years"]
    corpus.tokens  # noqa: B018 - segment the whole corpus once; the sub-corpus shares the token lists
    return corpus.select(provinces=[province], years=have, doc_type=types), province, have


def main_doc_type(
    corpus: Corpus, province: str, *, years: Sequence[int] | None = None
) -> tuple[str, list[int]]:
    """The document type that covers most of a province's (chosen) years, and those years.

    Change over time should compare like with like: Henan's 2022 plan is a 学会学术工作要点, so pooling
    it with the 工作要点 of 2019 and 2024 would read as "科普 disappeared in 2022". Ties go to the
    type listed first in the controlled vocabulary (工作要点 before 重点工作 …)."""
    from compare.core.schema import TYPE_CODES

    sel = validate_selection(corpus, province=province, years=years)
    docs = corpus.documents[corpus.documents["province"] == sel["province"]]
    if years is not None:
        docs = docs[docs["year"].isin(sel["years"])]
    vocab = list(TYPE_CODES)
    by_type = docs.groupby("doc_type")["year"].agg(lambda y: sorted({int(v) for v in y}))
    best = sorted(by_type.index, key=lambda t: (-len(by_type[t]), vocab.index(t) if t in vocab else len(vocab), t))[0]
    return str(best), list(by_type[best])


def term_changes(
    corpus: Corpus,
    province: str,
    *,
    years: Sequence[int] | None = None,
    top_n: int | None = 20,
    doc_type: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Terms that appear or disappear between consecutive years of one province's plans.

    For each consecutive pair of the chosen years (default: all the province's years), "appears"
    lists terms used in to_year but not in from_year (freq = count in to_year), "disappears" terms
    used in from_year but not in to_year (freq = count in from_year); the top_n of each by freq,
    ties by term. One year gives an empty frame. All of a year's documents are pooled; pass
    doc_type (e.g. "工作要点") to compare like with like, since a 学会学术工作要点 naturally lacks
    the 科普 vocabulary of a general plan."""
    sub, province, years = _province_corpus(corpus, province, years, doc_type)
    toks = sub.tokens
    item_years = sub.items["year"].to_numpy()
    freq: dict[int, Counter] = {}
    for y in years:
        freq[y] = Counter(chain.from_iterable(toks[i] for i in np.flatnonzero(item_years == y)))
    frames = []
    for y0, y1 in zip(years, years[1:]):
        for change, src, other in (("appears", freq[y1], freq[y0]), ("disappears", freq[y0], freq[y1])):
            pairs = sorted(((-n, t) for t, n in src.items() if t not in other))
            if top_n is not None:
                pairs = pairs[:top_n]
            frames.append(pd.DataFrame({
                "from_year": np.full(len(pairs), y0, dtype="int64"),
                "to_year": np.full(len(pairs), y1, dtype="int64"),
                "change": change,
                "term": pd.Series([t for _, t in pairs], dtype="str"),
                "freq": np.array([-n for n, _ in pairs], dtype="int64"),
            }))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
            TERM_CHANGE_COLUMNS, ["int64", "int64", "str", "str", "int64"])})
    out = pd.concat(frames, ignore_index=True)
    return out.astype({"from_year": "int64", "to_year": "int64", "freq": "int64"})[TERM_CHANGE_COLUMNS]


def theme_changes(
    corpus: Corpus,
    province: str,
    *,
    years: Sequence[int] | None = None,
    doc_type: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Theme shares (by items) of one province per year and their change from the previous chosen
    year (delta is NaN for the first year: nothing to compare with). Every theme every year.
    doc_type restricts to one or several document types (see term_changes)."""
    sub, province, years = _province_corpus(corpus, province, years, doc_type)
    shares = theme_shares(sub, by=("year",))
    shares = shares.sort_values(["theme", "year"], key=_theme_key(corpus), kind="mergesort")
    shares["delta"] = shares.groupby("theme", sort=False)["share_items"].diff()
    shares = shares.sort_values(["year", "theme"], key=_theme_key(corpus), kind="mergesort")
    return shares[THEME_CHANGE_COLUMNS].reset_index(drop=True)


def _theme_key(corpus: Corpus):
    order = {t: i for i, t in enumerate(corpus.themes)}

    def key(col: pd.Series) -> pd.Series:
        return col.map(order) if col.name == "theme" else col

    return key


# --------------------------------------------------------------------------------------------------
# shared phrases and slogans
# --------------------------------------------------------------------------------------------------

SHARED_PHRASE_COLUMNS = [
    "phrase", "kind", "province", "year", "doc_id", "count", "first_year", "first_province", "n_provinces",
]
# “…” ‘…’ 「…」 『…』 "…" (ASCII, paired) for slogans; 《…》 for titles of documents/laws/plans
_QUOTE_RE = re.compile(r"“([^“”\n]{2,24})”|‘([^‘’\n]{2,24})’|「([^「」\n]{2,24})」|『([^『』\n]{2,24})』|\"([^\"\n]{2,24})\"")
_TITLE_RE = re.compile(r"《([^《》\n]{2,40})》")
_QUOTED_ONLY_MAX_CHARS = 2
_NGRAM_SIZES = (2, 3, 4)
_NGRAM_MIN_CHARS = 4


def _adjacent_runs(text: str, tokens: Sequence[str]) -> list[list[str]]:
    """Split tokens into runs (length >= 2) whose members follow each other directly in text."""
    runs: list[list[str]] = []
    run: list[str] = []
    pos, prev_end = 0, -1
    for tok in tokens:
        i = text.find(tok, pos)
        if i < 0:  # not found (should not happen for our tokenizer): start afresh
            if len(run) > 1:
                runs.append(run)
            run, prev_end = [], -1
            continue
        if i == prev_end:
            run.append(tok)
        else:
            if len(run) > 1:
                runs.append(run)
            run = [tok]
        pos = prev_end = i + len(tok)
    if len(run) > 1:
        runs.append(run)
    return runs


def shared_phrases(corpus: Corpus, *, min_provinces: int = 2, max_phrases: int | None = None) -> pd.DataFrame:
    """Phrases and slogans used by at least min_provinces provinces, with who used them when.

    Three kinds, searched in item texts and document preambles (normalised: full-width -> ASCII,
    traditional -> simplified):

    * "quoted": text quoted somewhere in the corpus with “”, ‘’, 「」, 『』 or ASCII "" (2–24
      characters), e.g. “四个意识”, “3+1”; then counted wherever it occurs, quoted or not, so a
      province writing 四个意识 without quotes still counts (also inside a longer phrase:
      “5·30全国科技工作者日” is a use of 全国科技工作者日). Two-character phrases (三长, 省会, 拔尖)
      are ordinary words too often and count only where they are quoted.
    * "title": document titles inside 《》, counted only inside 《》.
    * "ngram": 2–4 content tokens that follow each other directly in an item's text (never across
      a dropped word or number), at least 4 characters; an n-gram is dropped when a longer one
      with exactly the same uses contains it.

    One row per phrase, kind and document (count = occurrences); first_year is the earliest year of
    use and first_province every province using it in that year (joined with 、). Ordered earliest
    first, then by how widely the phrase travelled (n_provinces, descending), kind and phrase; rows
    within a phrase by year, province. max_phrases keeps the first so many phrases of that order."""
    if min_provinces < 1:
        raise ParameterError(f"min_provinces must be at least 1, not {min_provinces!r}")
    items = corpus.items
    docs = corpus.documents.set_index("doc_id")
    texts_by_doc: dict[str, str] = {}
    for doc_id, text in zip(items["doc_id"], items["text"].astype(str)):
        texts_by_doc[doc_id] = texts_by_doc.get(doc_id, "") + "\n" + text
    if "preamble" in docs.columns:
        for doc_id in texts_by_doc:
            pre = docs.at[doc_id, "preamble"]
            if isinstance(pre, str) and pre:
                texts_by_doc[doc_id] = pre + "\n" + texts_by_doc[doc_id]
    # 1. quoted and title phrases. Texts are normalised as the segmenter does (full-width -> ASCII,
    # traditional -> simplified) so that “３＋１” and “3+1” are one slogan.
    from compare.text.segment import normalize_text

    norm_texts = {d: normalize_text(t) for d, t in texts_by_doc.items()}
    quoted: set[str] = set()
    quoted_counts: dict[tuple[str, str], int] = {}  # (phrase, doc_id) -> uses inside quotes
    title_counts: dict[tuple[str, str], int] = {}
    for doc_id, text in norm_texts.items():
        for m in _QUOTE_RE.finditer(text):
            q = next(g for g in m.groups() if g).strip()
            quoted.add(q)
            quoted_counts[(q, doc_id)] = quoted_counts.get((q, doc_id), 0) + 1
        for m in _TITLE_RE.finditer(text):
            key = (m.group(1).strip(), doc_id)
            title_counts[key] = title_counts.get(key, 0) + 1
    rows: list[tuple[str, str, str, int]] = []  # phrase, kind, doc_id, count
    for q in sorted(quoted):
        if len(q) < 2:
            continue
        for doc_id, text in norm_texts.items():
            # two-character phrases (三长, 省会, 拔尖) are ordinary words too often: count them quoted only
            n = text.count(q) if len(q) > _QUOTED_ONLY_MAX_CHARS else quoted_counts.get((q, doc_id), 0)
            if n:
                rows.append((q, "quoted", doc_id, n))
    rows.extend((t, "title", d, n) for (t, d), n in title_counts.items() if len(t) >= 2)
    candidates = quoted | {t for t, _ in title_counts}
    # 2. recurring n-grams: consecutive content tokens that are also adjacent in the text, so an
    # n-gram never spans a dropped word or number and always occurs literally
    grams_of: dict[str, set[tuple]] = {}
    item_grams: list[Counter] = []
    for text, toks, prov in zip(items["text"].tolist(), corpus.tokens, items["province"].tolist()):
        found: list[tuple] = []
        for run in _adjacent_runs(normalize_text(text), toks):
            for size in _NGRAM_SIZES:
                found.extend(zip(*[run[j:] for j in range(size)]))
        grams = Counter(found)
        item_grams.append(grams)
        grams_of.setdefault(prov, set()).update(grams)
    n_prov = Counter(chain.from_iterable(grams_of.values()))
    joined = {g: "".join(g) for g, n in n_prov.items() if n >= min_provinces}
    joined = {g: p for g, p in joined.items() if len(p) >= _NGRAM_MIN_CHARS and p not in candidates}
    ngram_uses: dict[str, dict[str, int]] = {}
    for doc_id, grams in zip(items["doc_id"].tolist(), item_grams):
        for g in grams.keys() & joined.keys():
            uses = ngram_uses.setdefault(joined[g], {})
            uses[doc_id] = uses.get(doc_id, 0) + grams[g]
    prov_of = docs["province"].to_dict()
    ngram_uses = {g: u for g, u in ngram_uses.items() if len({prov_of[d] for d in u}) >= min_provinces}
    by_signature: dict[tuple, list[str]] = {}
    for g, u in ngram_uses.items():
        by_signature.setdefault(tuple(sorted(u.items())), []).append(g)
    for sig, grams in by_signature.items():
        for g in grams:
            if not any(len(o) > len(g) and g in o for o in grams):
                rows.extend((g, "ngram", d, n) for d, n in sig)
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
            SHARED_PHRASE_COLUMNS, ["str", "str", "str", "int64", "str", "int64", "int64", "str", "int64"])})
    df = pd.DataFrame(rows, columns=["phrase", "kind", "doc_id", "count"])
    df["province"] = df["doc_id"].map(prov_of).astype("str")
    df["year"] = df["doc_id"].map(docs["year"].to_dict()).astype("int64")
    df["n_provinces"] = df.groupby(["phrase", "kind"])["province"].transform("nunique").astype("int64")
    df = df[df["n_provinces"] >= min_provinces]
    if df.empty:
        return df.assign(first_year=pd.Series(dtype="int64"), first_province=pd.Series(dtype="str"))[
            SHARED_PHRASE_COLUMNS].reset_index(drop=True)
    df["first_year"] = df.groupby(["phrase", "kind"])["year"].transform("min").astype("int64")
    first = (
        df[df["year"] == df["first_year"]]
        .groupby(["phrase", "kind"])["province"]
        .agg(lambda s: "、".join(sorted(set(s))))
        .rename("first_province")
    )
    df = df.merge(first, on=["phrase", "kind"], how="left")
    kind_order = {"quoted": 0, "title": 1, "ngram": 2}
    df["_kind"] = df["kind"].map(kind_order)
    df["_neg_n"] = -df["n_provinces"]
    df = df.sort_values(["first_year", "_neg_n", "_kind", "phrase", "year", "province", "doc_id"], kind="mergesort")
    if max_phrases is not None:
        keep = df[["phrase", "kind"]].drop_duplicates().head(max_phrases)
        df = df.merge(keep, on=["phrase", "kind"], how="inner")
    return df[SHARED_PHRASE_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# targets and departments
# --------------------------------------------------------------------------------------------------

TARGETS_BY_THEME_COLUMNS = ["theme", "province", "year", "unit", "n_targets", "total_value"]
NON_ADDITIVE_UNITS = frozenset({"%", "％", "倍", "位"})  # rates and ranks: summing them means nothing


def targets_by_theme(corpus: Corpus) -> pd.DataFrame:
    """Quantitative targets per theme, province, year and unit: how many, and their summed value
    (NaN for units whose values cannot be added, such as %). Themes in dictionary order."""
    themed = corpus.items_themed[["doc_id", "item_id", "province", "year", "theme"]]
    t = corpus.targets.merge(themed, on=["doc_id", "item_id"], how="inner")
    if t.empty:
        return pd.DataFrame({c: pd.Series(dtype=d) for c, d in zip(
            TARGETS_BY_THEME_COLUMNS, ["str", "str", "int64", "str", "int64", "float64"])})
    out = (
        t.groupby(["theme", "province", "year", "unit"], sort=False)
        .agg(n_targets=("value", "size"), total_value=("value", "sum"))
        .reset_index()
    )
    out.loc[out["unit"].isin(NON_ADDITIVE_UNITS), "total_value"] = np.nan
    out = out.sort_values(["theme", "province", "year", "unit"], key=_theme_key(corpus), kind="mergesort")
    return out.astype({"year": "int64", "n_targets": "int64", "total_value": "float64"})[
        TARGETS_BY_THEME_COLUMNS].reset_index(drop=True)


def departments_by_theme(corpus: Corpus, *, top_n: int | None = None, collective: bool = True) -> pd.DataFrame:
    """Items carried by each responsible department, per theme (an item naming several departments
    counts once for each). Every theme for every department, zeros included. Departments ordered by
    total items (descending, ties by name), themes in dictionary order; top_n keeps the busiest.

    collective=False leaves out classes of recipients (各全省学会, 机关各部室, 企业科协, …; see
    compare.ingest.departments.is_collective) so that only the named offices that carry the work remain.
    One office written two ways is counted once (科普部 = 科学技术普及部, compare.ingest.departments.ALIASES)."""
    from compare.ingest.departments import canonical_department, is_collective

    themed = corpus.items_themed[["doc_id", "item_id", "departments", "theme"]].copy()
    themed["department"] = themed["departments"].map(
        lambda ds: [d for d in dict.fromkeys(canonical_department(str(d)) for d in ds if str(d).strip())
                    if collective or not is_collective(d)] if ds is not None else [])
    long = themed.explode("department").dropna(subset=["department"])
    if long.empty:
        return pd.DataFrame({"department": pd.Series(dtype="str"), "theme": pd.Series(dtype="str"),
                             "n_items": pd.Series(dtype="int64")})
    counts = long.groupby(["department", "theme"]).size().rename("n_items").reset_index()
    totals = counts.groupby("department")["n_items"].sum()
    order = sorted(totals.index, key=lambda d: (-int(totals[d]), d))
    if top_n is not None:
        order = order[:top_n]
    grid = pd.MultiIndex.from_product([order, corpus.themes], names=["department", "theme"]).to_frame(index=False)
    out = grid.merge(counts, on=["department", "theme"], how="left")
    out["n_items"] = out["n_items"].fillna(0).astype("int64")
    return out.astype({"department": "str", "theme": "str"})


# --------------------------------------------------------------------------------------------------
# keyword in context, filters and parameter checks
# --------------------------------------------------------------------------------------------------

KWIC_COLUMNS = ["doc_id", "item_id", "province", "year", "left", "keyword", "right"]


def kwic(corpus: Corpus, keyword: str, *, width: int = 20) -> pd.DataFrame:
    """Every occurrence of keyword (literal, non-overlapping) in item texts with `width` characters
    of context each side (line breaks shown as spaces). Keyword and texts are normalised as the
    segmenter does (full-width -> ASCII, traditional -> simplified), so 科协 also finds 科協 in
    a traditional text (context is shown normalised). Items ordered by province, year, document."""
    if not isinstance(keyword, str) or not keyword.strip():
        raise ParameterError("kwic needs a non-empty keyword")
    if width < 0:
        raise ParameterError(f"width must be >= 0, not {width!r}")
    from compare.text.segment import normalize_text

    keyword = normalize_text(keyword.strip())
    items = corpus.items
    cols = {c: items[c].tolist() for c in ("doc_id", "item_id", "province", "year", "text")}
    rows = []
    for i in _item_order(corpus):
        text = normalize_text(cols["text"][i])
        start = text.find(keyword)
        while start != -1:
            end = start + len(keyword)
            rows.append((
                cols["doc_id"][i], cols["item_id"][i], cols["province"][i], int(cols["year"][i]),
                text[max(0, start - width):start].replace("\n", " "), keyword,
                text[end:end + width].replace("\n", " "),
            ))
            start = text.find(keyword, end)
    df = pd.DataFrame(rows, columns=KWIC_COLUMNS)
    return df.astype({"doc_id": "str", "item_id": "str", "province": "str", "year": "int64",
                      "left": "str", "keyword": "str", "right": "str"})


def _as_list(value) -> list | None:
    if value is None:
        return None
    if isinstance(value, (str, int, np.integer)):
        return [value]
    return list(value)


def validate_selection(
    corpus: Corpus,
    *,
    province: str | None = None,
    provinces: Sequence[str] | None = None,
    years: Sequence[int] | int | None = None,
    themes: Sequence[str] | str | None = None,
) -> dict:
    """Check user parameters against the corpus and return them in canonical form:
    {"province": str | None, "provinces": list | None, "years": list[int] | None, "themes": list | None}.

    Province names may be written in full, short or abbreviated form (河南省, 河南, 豫). Raises
    ParameterError naming the bad value and listing the known ones."""
    known_p = corpus.provinces
    known_y = corpus.years

    def canon(name) -> str:
        from compare.ingest.provinces import canonical_province

        raw = str(name).strip()
        c = canonical_province(raw)
        if c in known_p:
            return c
        if raw in known_p:
            return raw
        what = f"{raw!r}" + (f" ({c})" if c and c != raw else "")
        reason = "is not in this corpus" if c else "is not a province name"
        raise ParameterError(f"province {what} {reason}; known provinces: {'、'.join(known_p)}")

    out: dict = {"province": None, "provinces": None, "years": None, "themes": None}
    if province is not None:
        out["province"] = canon(province)
    if provinces is not None:
        out["provinces"] = list(dict.fromkeys(canon(p) for p in _as_list(provinces)))
    if years is not None:
        ys = []
        for y in _as_list(years):
            try:
                yi = int(str(y).strip().removesuffix("年"))
            except ValueError:
                raise ParameterError(f"year {y!r} is not a year; known years: {known_y}") from None
            if yi not in known_y:
                raise ParameterError(f"year {yi} is not in this corpus; known years: {known_y}")
            ys.append(yi)
        out["years"] = sorted(set(ys))
    if themes is not None:
        ts = [str(t).strip() for t in _as_list(themes)]
        unknown = [t for t in ts if t not in corpus.themes]
        if unknown:
            known = "、".join(corpus.themes) if corpus.themes else "none (run `python -m compare themes` first)"
            raise ParameterError(f"unknown theme(s) {unknown}; known themes: {known}")
        out["themes"] = list(dict.fromkeys(ts))
    return out


def filter_items(
    corpus: Corpus,
    *,
    province: str | Sequence[str] | None = None,
    year: int | Sequence[int] | None = None,
    theme: str | Sequence[str] | None = None,
    doc_type: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Items (with theme columns when the corpus has themes) matching every given filter; each filter
    takes one value or a list. Province aliases are accepted; unknown values raise ParameterError.
    Rows keep the corpus order."""
    sel = validate_selection(corpus, provinces=_as_list(province), years=_as_list(year), themes=_as_list(theme))
    df = corpus.items_themed if corpus.has_themes else corpus.items
    if theme is not None and not corpus.has_themes:
        raise EmptyCorpusError("cannot filter by theme: the corpus has no theme assignments (run themes first)")
    mask = pd.Series(True, index=df.index)
    if sel["provinces"] is not None:
        mask &= df["province"].isin(sel["provinces"])
    if sel["years"] is not None:
        mask &= df["year"].isin(sel["years"])
    if sel["themes"] is not None:
        mask &= df["theme"].isin(sel["themes"])
    types = _doc_types(corpus, doc_type)
    if types is not None:
        mask &= df["doc_type"].isin(types)
    return df[mask].reset_index(drop=True)
