"""What a province report is made from, as one digest per province: the build re-renders a province
report only when its own rows (or the saved reference, the theme model, the template, the code or
its parameters) changed.

A province report shows the province's plans (any type and level, its items, targets, themes,
theme revisions and tracking rows) and quotes corpus-wide numbers only from the saved reference
(:mod:`compare.pipeline.reference`). :func:`province_digests` hashes, per province, the rows of every
processed table that belong to its documents (``doc_id``) or to the province (``province``); the
cluster table (corpus-wide sizes of the theme model's clusters) and the intake file report are not
report inputs. The digests of one set of tables are kept in ``<cache>/report-inputs.json``, so a
build that changed nothing never reads the tables.

A cross-province report shows the plans it compares (one type and level) and a note on what it
leaves out (:func:`compare.presentation.coverage.coverage_text`): :func:`cross_digest` hashes exactly
that, so a plan of another type, level or province-year that leaves the note as it was leaves the
report as it was.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from compare.core import schema
from compare.core.hashing import _sha256_json, table_hashes
from compare.core.io import atomic_write_text

NOT_INPUTS = ("intake", "clusters")
CACHE_FILE = "report-inputs-3.json"  # 2: rows hashed as JSON; 3: rows hashed by pandas


def _table_rows(path: Path, by_doc: dict[str, str]) -> dict[str, str]:
    """sha256 of each province's rows of one table: pandas' 64-bit hash of every row (every column;
    a list cell as its items joined and its length), the province's rows in table order, and the
    columns' names."""
    import numpy as np

    df, rows = _row_hashes(path)
    if "doc_id" in df.columns:
        owner = df["doc_id"].map(by_doc)
    elif "province" in df.columns:
        owner = df["province"].astype("string")
    else:
        return {}
    owners = owner.fillna("").astype(str).to_numpy()
    head = json.dumps([str(c) for c in df.columns], ensure_ascii=False).encode("utf-8")
    out = {}
    for prov in sorted(set(owners) - {""}):
        h = hashlib.sha256(head)
        h.update(np.ascontiguousarray(rows[owners == prov]).tobytes())
        out[str(prov)] = h.hexdigest()
    return out


_ROW_HASHES: dict = {}  # (path, file signature) -> (table, row hashes), of the tables last hashed


def _row_hashes(path: Path):
    """The table at path (as :func:`_hashable` gives it) and pandas' 64-bit hash of each of its rows;
    kept while the file is unchanged, so the province and cross-province digests of one build read
    and hash each table once."""
    import pandas as pd

    from compare.core.hashing import stat_signature

    key = (str(path), stat_signature(path.stat()))
    kept = _ROW_HASHES.get(key)  # (the figures key is made in a thread beside the report renders')
    if kept is None:
        df = _hashable(path)
        kept = (df, pd.util.hash_pandas_object(df, index=False).to_numpy())
        if len(_ROW_HASHES) >= 32:  # one set of tables at a time
            _ROW_HASHES.clear()
        _ROW_HASHES[key] = kept
    return kept


def hash_rows(processed_dir: str | Path, *, leave: tuple[str, ...] = ()) -> None:
    """Read and hash the rows of the processed tables (but `leave`) now, for the digests made later
    in this process while the files are unchanged: the build does it while the worker process tracks
    (the tracking tables, left, are being written)."""
    for name in schema.TABLES:
        path = Path(processed_dir) / f"{name}.parquet"
        if name not in NOT_INPUTS and name not in leave and path.is_file():
            _row_hashes(path)


def _hashable(path: Path):
    """A table as a DataFrame pandas can hash row by row: each list column becomes its items joined
    by U+001F and their number (two columns), done by Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    for i in reversed(range(table.num_columns)):
        field = table.schema.field(i)
        if pa.types.is_list(field.type) or pa.types.is_large_list(field.type):
            column = table.column(i)
            items = column if pa.types.is_string(field.type.value_type) else pc.cast(column, pa.list_(pa.string()))
            table = table.set_column(i, field.name, pc.binary_join(items, "\x1f"))
            table = table.add_column(i + 1, f"{field.name}#n", pc.list_value_length(column))
    return table.to_pandas()


def _compute(processed_dir: Path) -> dict[str, str]:
    import pyarrow.parquet as pq

    docs = pq.read_table(processed_dir / "documents.parquet", columns=["doc_id", "province"]).to_pandas()
    by_doc = dict(zip(docs["doc_id"].astype(str), docs["province"].astype("string")))
    per: dict[str, dict[str, str]] = {}
    for name in schema.TABLES:
        path = processed_dir / f"{name}.parquet"
        if name in NOT_INPUTS or not path.is_file():
            continue
        for prov, digest in _table_rows(path, by_doc).items():
            per.setdefault(prov, {})[name] = digest
    return {prov: _sha256_json(tables)[:16] for prov, tables in sorted(per.items())}


def province_digests(processed_dir: str | Path, *, cache_dir: str | Path | None = None) -> dict[str, str]:
    """{province: digest of its rows in every processed table} for processed_dir, read from the cache
    file when the tables are the ones it was computed from."""
    from compare.core.paths import cache_dir as project_cache

    processed_dir = Path(processed_dir)
    cache = Path(cache_dir) if cache_dir is not None else project_cache()
    key = _sha256_json({k: v for k, v in table_hashes(processed_dir).items() if k not in NOT_INPUTS})
    return _remembered(cache / CACHE_FILE, key, lambda: _compute(processed_dir))


def province_digest(processed_dir: str | Path, province: str) -> str:
    """The digest of one province's rows (what its report shows: the header prints it)."""
    return province_digests(processed_dir).get(str(province), "")


FIGURE_INPUTS_FILE = "figure-inputs-2.json"  # 2: rows by their row hashes
_CHART_TABLES = ("items", "targets", "item_themes", "item_instruments")


def selection_digest(processed_dir: str | Path, *, doc_type: str | None, level: str | None,
                     cache_dir: str | Path | None = None) -> str:
    """What the build's charts of one doc_type and level are made from, as one digest: the rows of
    the compared plans in documents, items, targets, item_themes and item_instruments (and the theme
    columns), plus the province-years with a plan of that level (the charts name those without one of
    that type). A plan of another type or level (a city plan, a 科普 plan of a year that has its
    工作要点) leaves it unchanged, so the figures step is skipped. Kept in ``<cache>/figure-inputs-2.json``
    per set of tables, so a build that changed nothing never reads the tables."""
    from compare.core.paths import cache_dir as project_cache

    processed_dir = Path(processed_dir)
    cache = Path(cache_dir) if cache_dir is not None else project_cache()
    key = _sha256_json({"tables": {k: v for k, v in table_hashes(processed_dir).items() if k not in NOT_INPUTS},
                        "doc_type": doc_type, "level": level})
    return _remembered(cache / FIGURE_INPUTS_FILE, key,
                       lambda: _selection_rows(processed_dir, doc_type=doc_type, level=level))


_REMEMBERED_ENTRIES = 16  # per file: the tables of a few projects (or test runs) sharing one cache


def _remembered(path: Path, key: str, compute):
    """The value kept in the small JSON file at path for key, else compute() (then kept there for
    key, with the most recent other entries: two projects or runs sharing a cache do not evict each
    other's). A missing, damaged or foreign file only costs the computation."""
    entries: dict = {}
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        entries = dict(saved.get("entries", {}))
        if key in entries:
            return entries[key]
    except (OSError, ValueError, KeyError, AttributeError, TypeError):
        pass
    value = compute()
    entries.pop(key, None)
    kept = list(entries.items())[-(_REMEMBERED_ENTRIES - 1):] + [(key, value)]  # oldest first
    atomic_write_text(path, json.dumps({"entries": dict(kept)}, ensure_ascii=False) + "\n")
    return value


def _selection_rows(processed_dir: Path, *, doc_type: str | None, level: str | None) -> str:
    import pyarrow.parquet as pq

    from compare.analysis import like_with_like

    docs = pq.read_table(processed_dir / "documents.parquet").to_pandas()
    chosen = like_with_like(docs, doc_types=doc_type, levels=level)
    level_docs = like_with_like(docs, doc_types=None, levels=level) if level else docs
    ids = set(chosen["doc_id"])
    h = hashlib.sha256()
    h.update(chosen.to_json(orient="values", force_ascii=False).encode("utf-8"))
    h.update(json.dumps(sorted({(str(p), int(y)) for p, y in zip(level_docs["province"], level_docs["year"])}),
                        ensure_ascii=False).encode("utf-8"))
    for name in _CHART_TABLES:
        table = processed_dir / f"{name}.parquet"
        if table.is_file():
            # the row hashes the report digests of the same build use (each table read and hashed once)
            df, rows = _row_hashes(table)
            mine = df["doc_id"].astype(str).isin(ids).to_numpy() if "doc_id" in df.columns else slice(None)
            h.update(json.dumps([name, list(map(str, df.columns))], ensure_ascii=False).encode("utf-8"))
            h.update(rows[mine].tobytes())
    return h.hexdigest()


CROSS_INPUTS_FILE = "cross-inputs.json"
#: the cross-province template's parameters that choose what it compares
CROSS_SELECTION = ("provinces", "year", "doc_type", "level", "themes")


def cross_digest(processed_dir: str | Path, parameters: dict, *, cache_dir: str | Path | None = None) -> str | None:
    """What a cross-province report with these parameters is made from, as one digest: its selection
    (provinces, years, themes, type, level), the rows of the plans it compares in every processed table
    (by doc_id; item links by either end) and its coverage note. None when the parameters select
    nothing (the render then fails and says why). Kept in ``<cache>/cross-inputs.json`` per set of
    tables and parameters, so the report's header and the build's key cost one computation."""
    from compare.core.paths import cache_dir as project_cache

    processed_dir = Path(processed_dir)
    cache = Path(cache_dir) if cache_dir is not None else project_cache()
    chosen = {k: parameters.get(k) for k in CROSS_SELECTION}
    key = _sha256_json({"tables": {k: v for k, v in table_hashes(processed_dir).items() if k not in NOT_INPUTS},
                        "parameters": chosen})
    return _remembered(cache / CROSS_INPUTS_FILE, key, lambda: _cross_rows(processed_dir, chosen))


def cross_inputs(processed_dir: str | Path, **parameters) -> dict[str, str]:
    """The cross-province report's header row naming its inputs (the digest the build keys it on)."""
    digest = cross_digest(processed_dir, parameters)
    doc_type, level = parameters.get("doc_type") or "", parameters.get("level") or ""
    return {"数据版本": f"所比较的{doc_type}（{level}）在各数据表中的行及覆盖说明 sha256 {(digest or '')[:16]}"
                        "（比较范围之外新增的文件不改变本报告）"}


def _cross_rows(processed_dir: Path, parameters: dict) -> str | None:
    import pyarrow.parquet as pq

    from compare.analysis import Corpus
    from compare.core.errors import CompareError
    from compare.core.io import read_table
    from compare.pipeline import params
    from compare.presentation.coverage import coverage_text

    themes = pq.read_table(processed_dir / "item_themes.parquet") if (processed_dir / "item_themes.parquet").is_file() \
        else None
    try:
        corpus = Corpus.from_frames(
            documents=read_table("documents", processed_dir),
            items=pq.read_table(processed_dir / "items.parquet", columns=["doc_id", "item_id"]).to_pandas(),
            item_themes=themes.to_pandas() if themes is not None else None)
        sel = params.select(corpus, **parameters)
    except CompareError:
        return None
    sub = params.compared(corpus, sel)
    plans = corpus.select(provinces=list(sel.provinces), years=list(sel.years), levels=sel.level)
    ids = set(sub.documents["doc_id"].astype(str))
    h = hashlib.sha256(json.dumps([list(sel.provinces), list(sel.years), list(sel.themes), sel.doc_type, sel.level,
                                   coverage_text(plans, sub, sel)], ensure_ascii=False).encode("utf-8"))
    for name in schema.TABLES:
        path = processed_dir / f"{name}.parquet"
        if name in NOT_INPUTS or not path.is_file():
            continue
        df, rows = _row_hashes(path)
        if "doc_id" in df.columns:
            mine = df["doc_id"].astype(str).isin(ids)
        elif {"doc_from", "doc_to"} <= set(df.columns):
            mine = df["doc_from"].astype(str).isin(ids) | df["doc_to"].astype(str).isin(ids)
        else:  # theme_shares: an export of the items' themes, which no report reads
            continue
        h.update(json.dumps([name, [str(c) for c in df.columns]], ensure_ascii=False).encode("utf-8"))
        h.update(rows[mine.to_numpy()].tobytes())
    return h.hexdigest()
