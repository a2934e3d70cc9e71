"""`python -m compare track`: item continuity, target series and commitment strength tables.

Reads documents, items and targets from the processed directory and writes `item_links`,
`target_series` and `item_strength` (Parquet + CSV, atomically, deterministic). The build calls
:func:`run_track` after the themes step; it reads only ingest tables, so it may also run on its own.

A filtered run (`provinces` / `doc_types`) never replaces the whole `item_links` table: its links
replace the rows of the provinces and types it covers, the rows of every other province and type are
kept (rows of plans no longer in the documents table are dropped), so `track --provinces 湖北` leaves
Henan's links in place. Filter values are checked against the documents table first
(:func:`compare.analysis.selection.validate_filters`): an unknown province, year or type stops the
run with one line naming it and the choices, before anything is written.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from compare.analysis.corpus import Corpus
from compare.analysis.selection import validate_filters
from compare.analysis.series import target_series
from compare.analysis.strength import item_strength, load_lexicon
from compare.analysis.tracking import DEFAULT_PARAMS, LinkParams, item_links, plan_pairs
from compare.core import io
from compare.core.errors import EmptyCorpusError, SchemaError
from compare.core.paths import PROCESSED_DIR

log = logging.getLogger(__name__)

TRACK_TABLES = ("item_links", "target_series", "item_strength")
#: the order of item_links rows: by plan pair, each pair's rows in the order item_links gives them
_PAIR_ORDER = ["province", "level", "doc_type", "department", "year_from", "year_to", "doc_from", "doc_to"]


@dataclass
class TrackResult:
    paths: list[Path]
    links: pd.DataFrame
    series: pd.DataFrame
    strength: pd.DataFrame
    lexicon_version: str
    scope: str = ""          # the filter of a filtered run ("" for the whole corpus)
    n_pairs: int = 0         # plan pairs the run linked
    n_new: int = 0           # rows of item_links the run computed
    n_kept: int = 0          # rows of an earlier run kept (other provinces / types)

    def summary(self) -> str:
        """One line for the whole tables, after a line on the filtered part of a filtered run."""
        if not self.scope:
            return self._summary()
        return (f"{self.scope}: {self.n_pairs} plan pairs linked ({self.n_new} rows); item_links keeps the "
                f"{self.n_kept} rows of other provinces and types ({len(self.links)} rows in all)\n"
                + self._summary())

    def _summary(self) -> str:
        counts = self.links["status"].value_counts().to_dict() if not self.links.empty else {}
        pairs = self.links[["doc_from", "doc_to"]].drop_duplicates().shape[0] if not self.links.empty else 0
        strength = self.strength["strength"].value_counts().to_dict()
        n_series = self.series["series"].nunique() if not self.series.empty else 0
        return (
            f"{pairs} plan pairs linked ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}); "
            f"{n_series} target series; item strength: "
            + ", ".join(f"{k} {strength.get(k, 0)}" for k in ("strong", "moderate", "tentative", "none"))
        )


def run_track(
    processed_dir: str | Path = PROCESSED_DIR,
    *,
    years: list[int] | None = None,
    provinces=None,
    doc_types=None,
    lexicon: str | Path | None = None,
    params: LinkParams = DEFAULT_PARAMS,
    by_type: bool = True,
) -> TrackResult:
    """Write item_links, target_series and item_strength into processed_dir and return them.

    Every two consecutive plan years are linked, plus `years=[2019, 2022]` (two years an analyst names);
    `provinces` / `doc_types` restrict the linked pairs (the strength and series tables always
    cover the whole corpus). `lexicon` is a commitment lexicon TOML (default: the packaged one).
    """
    processed_dir = Path(processed_dir)
    documents = io.read_table("documents", processed_dir)
    items = io.read_table("items", processed_dir)
    targets = io.read_table("targets", processed_dir)
    if items.empty:
        raise EmptyCorpusError(f"{processed_dir}: the items table is empty: nothing to track")
    lex = load_lexicon(lexicon)
    checked = validate_filters(documents, provinces=provinces, doc_types=doc_types)  # one line naming a bad value
    provinces, doc_types = checked["provinces"], checked["doc_types"]
    if years is not None:
        years = validate_filters(documents, years=years)["years"]
    corpus = Corpus.from_frames(documents=documents, items=items, targets=targets)
    pairs = plan_pairs(corpus, provinces=provinces, doc_types=doc_types)
    if years is not None:  # the consecutive pairs plus the two years named
        named = plan_pairs(corpus, provinces=provinces, doc_types=doc_types, years=years)
        pairs = pd.concat([pairs, named], ignore_index=True).drop_duplicates(["doc_from", "doc_to"])
        pairs = pairs.sort_values(["province", "level", "doc_type", "department", "year_from", "year_to",
                                  "doc_from", "doc_to"], kind="mergesort").reset_index(drop=True)
    links = item_links(corpus, pairs=pairs, params=params)
    n_new, n_kept, scope = len(links), 0, ""
    if provinces is not None or doc_types is not None:  # a filtered run: merge into the whole table
        scope = " ".join(["、".join(v) for v in (provinces, doc_types) if v is not None])
        kept = _links_outside(processed_dir, documents, provinces=provinces, doc_types=doc_types)
        n_kept = len(kept)
        if n_kept:
            links = pd.concat([kept, links], ignore_index=True).sort_values(
                _PAIR_ORDER, kind="mergesort", na_position="first").reset_index(drop=True)
    series = target_series(corpus, by_type=by_type)
    strength = item_strength(corpus, lexicon=lex)
    paths = [
        io.write_table(links, "item_links", processed_dir),
        io.write_table(series, "target_series", processed_dir),
        io.write_table(strength, "item_strength", processed_dir),
    ]
    return TrackResult(paths, links, series, strength, lex.version, scope, len(pairs), n_new, n_kept)


def _links_outside(processed_dir: Path, documents: pd.DataFrame, *, provinces, doc_types) -> pd.DataFrame:
    """The rows of the saved item_links outside a filtered run's provinces and types, of plans still in
    the documents table (empty when there is no readable item_links yet)."""
    try:
        old = io.read_table("item_links", processed_dir)
    except (FileNotFoundError, SchemaError):
        return pd.DataFrame()
    inside = pd.Series(True, index=old.index)
    if provinces is not None:
        inside &= old["province"].isin(provinces)
    if doc_types is not None:
        inside &= old["doc_type"].isin(doc_types)
    present = old["doc_from"].isin(documents["doc_id"]) & old["doc_to"].isin(documents["doc_id"])
    return old[~inside & present]


def track_command(*, processed: str | Path, years=None, provinces=None, doc_types=None,
                  lexicon: str | Path | None = None) -> int:
    """`python -m compare track [--years 2019,2024] [--provinces …] [--doc-types …] [--lexicon FILE]`:
    write item_links, target_series and item_strength and print a summary."""
    res = run_track(processed, years=years, provinces=provinces, doc_types=doc_types, lexicon=lexicon)
    print(res.summary())
    if years and len(years) == 2:
        named = res.links[(res.links["year_from"] == min(years)) & (res.links["year_to"] == max(years))]
        if named.empty:
            print(f"note: no province has plans of one type and level in both {min(years)} and {max(years)}")
    for p in res.paths:
        print(f"wrote {p}")
    return 0
