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

A whole-corpus run re-links only the chains that changed. Links are computed inside one province /
level / city / type / department chain (IDF fitted on the chain's items), so a chain whose plans and items
are as they were when `item_links` was last written keeps its rows; only the chains that gained, lost
or changed a plan are linked again (:class:`LinkReuse`; the record beside the tables,
``.item-links-chains.json``, holds each chain's digest, the linking parameters, the code and segmenter
versions, and the sha256 of the `item_links` it describes). The table is the one a run from nothing
writes, row for row (tests/test_track_reuse.py).
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from compare.analysis.corpus import Corpus
from compare.analysis.selection import validate_filters
from compare.analysis.series import target_series
from compare.analysis.strength import item_strength, load_lexicon
from compare.analysis.tracking import CHAIN_KEYS, DEFAULT_PARAMS, LinkParams, item_links, plan_pairs
from compare.core import io
from compare.core.hashing import code_version, sha256_file
from compare.core.errors import EmptyCorpusError, SchemaError
from compare.core.paths import PROCESSED_DIR
from compare.core.vocab import DEFAULT_LEVEL

log = logging.getLogger(__name__)

TRACK_TABLES = ("item_links", "target_series", "item_strength")
#: the order of item_links rows: by plan pair, each pair's rows in the order item_links gives them
_PAIR_ORDER = [*CHAIN_KEYS, "year_from", "year_to", "doc_from", "doc_to"]


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
    n_chains: int = 0        # province / level / type / department chains with a plan pair
    n_relinked: int = 0      # of those, chains linked in this run (the others kept their rows)
    n_rescored: int = 0      # plans whose items were scored for strength in this run (the others kept theirs)
    n_plans: int = 0         # plans in the documents table

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
    reuse: bool = True,
) -> TrackResult:
    """Write item_links, target_series and item_strength into processed_dir and return them.

    Every two consecutive plan years are linked, plus `years=[2019, 2022]` (two years an analyst names);
    `provinces` / `doc_types` restrict the linked pairs (the strength and series tables always
    cover the whole corpus). `lexicon` is a commitment lexicon TOML (default: the packaged one).
    reuse: a whole-corpus run keeps the rows of chains unchanged since item_links was written (same table).
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
        pairs = pairs.sort_values(_PAIR_ORDER, kind="mergesort").reset_index(drop=True)
    whole = provinces is None and doc_types is None and years is None
    reuser = LinkReuse(processed_dir, documents, items, params) if whole else None
    links, n_relinked = reuser.links(corpus, pairs, reuse=reuse) if reuser else (item_links(corpus, pairs=pairs,
                                                                                           params=params), 0)
    n_new, n_kept, scope = len(links), 0, ""
    if provinces is not None or doc_types is not None:  # a filtered run: merge into the whole table
        scope = " ".join(["、".join(v) for v in (provinces, doc_types) if v is not None])
        kept = _links_outside(processed_dir, documents, provinces=provinces, doc_types=doc_types)
        n_kept = len(kept)
        if n_kept:
            links = pd.concat([kept, links], ignore_index=True).sort_values(
                _PAIR_ORDER, kind="mergesort", na_position="first").reset_index(drop=True)
    series = reuser.series(corpus, reuse=reuse) if reuser and by_type else target_series(corpus, by_type=by_type)
    strength = reuser.strength(corpus, lex, reuse=reuse) if reuser else item_strength(corpus, lexicon=lex)
    paths = [
        io.write_table(links, "item_links", processed_dir),
        io.write_table(series, "target_series", processed_dir),
        io.write_table(strength, "item_strength", processed_dir),
    ]
    if reuser is not None:
        reuser.save()
    else:  # a filtered run changed item_links: the record no longer describes it
        (processed_dir / LinkReuse.RECORD).unlink(missing_ok=True)
    return TrackResult(paths, links, series, strength, lex.version, scope, len(pairs), n_new, n_kept,
                       reuser.n_chains if reuser else 0, n_relinked,
                       reuser.n_rescored if reuser else int(documents["doc_id"].nunique()), len(documents))


_CHAIN = CHAIN_KEYS  # province, level, city, doc_type, department


class LinkReuse:
    """The rows of `item_links` a whole-corpus run can keep: those of chains (province, level, city, type,
    department) whose documents and items have the digest recorded when the table was written."""

    RECORD = ".item-links-chains.json"
    VERSION = 3  # 2: chains have a city; 3: target_series groups

    def __init__(self, processed_dir: Path, documents: pd.DataFrame, items: pd.DataFrame, params: LinkParams):
        from compare.text.segment import default_segmenter

        self.processed_dir = processed_dir
        self.params = params
        self.setup = _digest([self.VERSION, code_version(), asdict(params), default_segmenter().config_hash_,
                              pd.__version__])  # pandas: the row hashes of the targets table
        self.docs = _doc_digests(documents, items)
        self.chains = _chain_digests(documents, self.docs)
        self.n_chains = 0
        self.n_rescored = 0  # documents whose items were scored for commitment strength in this run
        self._record: dict | None = None

    def _saved(self, table: str, entry: str, current: dict[str, str], **must) -> tuple[pd.DataFrame, set[str]]:
        """The saved table and the keys (chains or documents) whose rows in it are still right: none
        without a record that matches the table, this run's setup and `must`."""
        if self._record is None:
            try:
                self._record = json.loads((self.processed_dir / self.RECORD).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self._record = {}
        record = self._record
        try:
            if record.get("setup") != self.setup or any(record.get(k) != v for k, v in must.items()) or \
                    record.get(table) != sha256_file(self.processed_dir / f"{table}.parquet"):
                return pd.DataFrame(), set()
            old = io.read_table(table, self.processed_dir)
        except (OSError, ValueError, SchemaError):
            return pd.DataFrame(), set()
        recorded = record.get(entry, {})
        return old, {k for k, d in current.items() if recorded.get(k) == d}

    def _kept(self) -> tuple[pd.DataFrame, set[str]]:
        return self._saved("item_links", "chains", self.chains)

    def strength(self, corpus: Corpus, lex, *, reuse: bool = True) -> pd.DataFrame:
        """item_strength for every item, in items order: the saved rows of documents whose items are
        unchanged, the items of the others scored (one row per item, so nothing else depends on them)."""
        self.lexicon = lex.version
        old, same = self._saved("item_strength", "docs", self.docs, lexicon=lex.version) if reuse else (None, set())
        items = corpus.items
        changed = ~items["doc_id"].isin(same)
        self.n_rescored = int(items.loc[changed, "doc_id"].nunique())
        if not same:
            return item_strength(corpus, lexicon=lex)
        parts = [old[old["doc_id"].isin(same)]]
        if changed.any():
            parts.append(item_strength(Corpus.from_frames(documents=corpus.documents, items=items[changed]), lexicon=lex))
        out = pd.concat(parts, ignore_index=True)
        rank = {k: i for i, k in enumerate(zip(items["doc_id"], items["item_id"]))}
        order = np.array([rank[k] for k in zip(out["doc_id"], out["item_id"])], dtype=np.int64)
        return out.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)

    def series(self, corpus: Corpus, *, reuse: bool = True) -> pd.DataFrame:
        """target_series (by type): the saved rows of the plan groups (province, level, city, type)
        whose plans and targets are unchanged, the targets of the other groups followed again. A
        group's series never reach into another group, and the table is ordered by group first, so
        the kept and the new rows sort into the order a whole run gives."""
        documents = corpus.documents
        group = [_series_key(r) for r in _columns(documents, ["province", "level", "city", "doc_type"])]
        self.groups = _series_digests(documents, corpus.targets, group, self.docs)
        old, same = self._saved("target_series", "series", self.groups) if reuse else (pd.DataFrame(), set())
        if not same:
            return target_series(corpus, by_type=True)
        changed = set(documents["doc_id"][[g not in same for g in group]])
        fresh = target_series(Corpus.from_frames(
            documents=documents[documents["doc_id"].isin(changed)],
            items=corpus.items[corpus.items["doc_id"].isin(changed)],
            targets=corpus.targets[corpus.targets["doc_id"].isin(changed)]), by_type=True) if changed else old.iloc[:0]
        kept = old[[_series_key(r) in same for r in _columns(old, ["province", "level", "city", "doc_type"])]]
        out = pd.concat([f for f in (kept, fresh) if len(f)] or [old.iloc[:0]], ignore_index=True)
        order = ["province", "level", "_city", "doc_type", "series", "year", "doc_id"]
        out = out.assign(_city=out["city"].fillna("")).sort_values(order, kind="mergesort")
        return out.drop(columns="_city").reset_index(drop=True)

    def links(self, corpus: Corpus, pairs: pd.DataFrame, *, reuse: bool = True) -> tuple[pd.DataFrame, int]:
        """(item_links for every pair, in pair order; the number of chains linked in this run)."""
        keys = _chain_keys(pairs)
        self.n_chains = len(set(keys))
        old, same = self._kept() if reuse else (pd.DataFrame(), set())
        todo = pairs[[k not in same for k in keys]].reset_index(drop=True)
        n_relinked = len(set(keys) - same)
        fresh = item_links(corpus, pairs=todo, params=self.params)
        if not same:
            return fresh, n_relinked
        kept = old[[k in same for k in _chain_keys(old)]]
        rank = {p: i for i, p in enumerate(zip(pairs["doc_from"], pairs["doc_to"]))}
        kept = kept[[p in rank for p in zip(kept["doc_from"], kept["doc_to"])]]
        out = pd.concat([f for f in (kept, fresh) if len(f)] or [fresh], ignore_index=True)
        order = np.array([rank[p] for p in zip(out["doc_from"], out["doc_to"])], dtype=np.int64)
        return out.iloc[np.argsort(order, kind="stable")].reset_index(drop=True), n_relinked

    def save(self) -> None:
        """Record the chains item_links now describes (after it was written)."""
        record = {"setup": self.setup, "item_links": sha256_file(self.processed_dir / "item_links.parquet"),
                  "chains": dict(sorted(self.chains.items())),
                  "item_strength": sha256_file(self.processed_dir / "item_strength.parquet"),
                  "lexicon": getattr(self, "lexicon", None), "docs": dict(sorted(self.docs.items()))}
        if getattr(self, "groups", None) is not None:
            record["target_series"] = sha256_file(self.processed_dir / "target_series.parquet")
            record["series"] = dict(sorted(self.groups.items()))
        io.atomic_write_text(self.processed_dir / self.RECORD, json.dumps(record, ensure_ascii=False, indent=0) + "\n")


def _digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def _chain_keys(frame: pd.DataFrame) -> list[str]:
    """_chain_key of every row (item_links has a row per linked item: each chain's key made once)."""
    made: dict = {}
    out = []
    for row in frame[_CHAIN].itertuples(index=False, name=None):
        key = made.get(row)
        if key is None:
            key = made[row] = _chain_key(row)
        out.append(key)
    return out


def _chain_key(row) -> str:
    """A chain as the record names it (a city or department of None and of "" are no city, the
    association's own plans)."""
    province, level, city, doc_type, department = row
    city = city if isinstance(city, str) else ""
    department = department if isinstance(department, str) else ""
    return json.dumps([str(province), str(level), city, str(doc_type), department], ensure_ascii=False)


def _doc_digests(documents: pd.DataFrame, items: pd.DataFrame) -> dict[str, str]:
    """doc_id -> sha256 of what linking and scoring its items read: its province, level, year and type
    and its items (seq, item_id, heading, text)."""
    per_doc: dict[str, hashlib._Hash] = {}
    ordered = items.sort_values(["doc_id", "seq"], kind="mergesort")
    for doc_id, seq, item_id, heading, text in zip(ordered["doc_id"], ordered["seq"], ordered["item_id"],
                                                   ordered["heading"], ordered["text"]):
        h = per_doc.get(doc_id)
        if h is None:
            h = per_doc[doc_id] = hashlib.sha256()
        h.update(f"{seq}\x1f{item_id}\x1f{heading}\x1f{text}\x1e".encode())
    levels = documents["level"].fillna(DEFAULT_LEVEL) if "level" in documents.columns else \
        pd.Series(DEFAULT_LEVEL, documents.index)
    out = {}
    for doc_id, province, level, year, doc_type in zip(documents["doc_id"], documents["province"], levels,
                                                       documents["year"], documents["doc_type"]):
        h = per_doc.get(doc_id)
        out[str(doc_id)] = _digest([str(province), str(level), int(year), str(doc_type), h.hexdigest() if h else None])
    return out


def _columns(df: pd.DataFrame, names: list[str]):
    """Rows of those columns (a missing level is the default level, a missing column None)."""
    cols = []
    for name in names:
        col = df[name] if name in df.columns else pd.Series(None, df.index, dtype=object)
        cols.append(col.fillna(DEFAULT_LEVEL) if name == "level" else col)
    return zip(*cols)


def _series_key(row) -> str:
    """A group of plans whose targets are followed together (province, level, city, type)."""
    province, level, city, doc_type = row
    return json.dumps([str(province), str(level), city if isinstance(city, str) else "", str(doc_type)],
                      ensure_ascii=False)


def _series_digests(documents: pd.DataFrame, targets: pd.DataFrame, group: list[str],
                    docs: dict[str, str]) -> dict[str, str]:
    """Group -> sha256 of its plans (doc_id, year, the document's digest) and their targets rows in
    table order (every column): what following its targets reads."""
    rows = pd.util.hash_pandas_object(targets, index=False).to_numpy() if len(targets) else np.zeros(0, np.uint64)
    per_doc: dict[str, hashlib._Hash] = {}
    for doc_id, h in zip(targets["doc_id"], rows):
        d = per_doc.get(doc_id)
        if d is None:
            d = per_doc[doc_id] = hashlib.sha256()
        d.update(int(h).to_bytes(8, "little"))
    out: dict[str, list] = {}
    for key, doc_id, year in sorted(zip(group, documents["doc_id"], documents["year"]), key=lambda r: (r[0], str(r[1]))):
        d = per_doc.get(doc_id)
        out.setdefault(key, []).append([str(doc_id), int(year), docs.get(str(doc_id)), d.hexdigest() if d else None])
    return {k: _digest(v) for k, v in out.items()}


def _chain_digests(documents: pd.DataFrame, docs: dict[str, str]) -> dict[str, str]:
    """Chain -> sha256 of its plans (doc_id, year and the document's digest): what linking a chain reads."""
    documents = documents.sort_values(["doc_id"], kind="mergesort")
    levels = documents["level"].fillna(DEFAULT_LEVEL) if "level" in documents.columns else \
        pd.Series(DEFAULT_LEVEL, documents.index)
    departments = documents["department"] if "department" in documents.columns else pd.Series(None, documents.index)
    cities = documents["city"] if "city" in documents.columns else pd.Series(None, documents.index)
    chains: dict[str, list] = {}
    for row, doc_id, year in zip(zip(documents["province"], levels, cities, documents["doc_type"], departments),
                                 documents["doc_id"], documents["year"]):
        chains.setdefault(_chain_key(row), []).append([doc_id, int(year), docs.get(str(doc_id))])
    return {k: _digest(v) for k, v in chains.items()}


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
