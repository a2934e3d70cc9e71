"""Ingest: every raw file -> documents / items / targets and the intake report (docs/loader.md, "The intake report").

    raw files ──read_raw + parse_text (load)──> documents ──metadata.csv (overrides)──> ──dedupe──>
        ──ids (identity)──> tables (documents, items, targets, intake)

`ingest(raw_dir, out_dir)` loads every file with `compare.ingest.load.load_file`; `ingest_command` is
what `python -m compare ingest` runs.
"""
from __future__ import annotations

import json
import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from compare.core import io, schema
from compare.core.errors import EXIT_PARTIAL, CompareError, EmptyCorpusError, InputFileError
from compare.ingest.dedupe import content_key, find_duplicates, raw_content
from compare.ingest.identity import assign_doc_ids as _assign_ids
from compare.ingest.identity import holders, read_registry, write_registry
from compare.ingest.intake import FileIntake, format_intake, intake_table
from compare.ingest.load import load_file, raw_files
from compare.ingest.overrides import METADATA_FILE, apply_overrides, read_overrides
from compare.ingest.reuse import Loaded, ParseCache

log = logging.getLogger("compare.ingest.load")


class IngestError(CompareError):
    """--strict ingest with files that could not be loaded: nothing was written."""

    def __init__(self, failures: list[InputFileError]):
        self.failures = list(failures)
        lines = "\n".join(f"  {f}" for f in self.failures)
        super().__init__(f"{len(self.failures)} file(s) could not be loaded; strict mode, nothing written:\n{lines}")


METADATA_FIELDS = ("province", "year", "doc_type", "title", "issuer", "issue_number", "issue_date", "level",
                   "city", "department", "issuer_kind")

@dataclass
class IngestResult:
    documents: pd.DataFrame
    items: pd.DataFrame
    targets: pd.DataFrame
    failures: list[InputFileError]
    n_files: int
    seconds: float = 0.0
    out_dir: Path | None = None
    intake: pd.DataFrame | None = None
    files: list[FileIntake] = field(default_factory=list)
    n_reused: int = 0  # files taken from the parse cache (unchanged since the last ingest), not parsed


def default_level(d: Any) -> str:
    """The level when the text did not say: 全国 for 全国, 市级 when a city is known, else 省级."""
    return "全国" if d.province == "全国" else "市级" if d.city else "省级"


def provenance_json(d: Any) -> str:
    """field -> text | override | inferred, for every metadata field with a value (JSON, keys sorted)."""
    out = {}
    for f in METADATA_FIELDS:
        if getattr(d, f) is not None:
            out[f] = d.provenance.get(f, "text")
    return json.dumps(out, ensure_ascii=False, sort_keys=True)


def tables(docs: list[Any]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The three contract tables from parsed documents (doc ids must be assigned)."""
    doc_rows, item_rows, target_rows = [], [], []
    for d in docs:
        if d.level is None:
            d.level = default_level(d)
            d.provenance.setdefault("level", "inferred")
        doc_rows.append({
            "doc_id": d.doc_id, "province": d.province, "level": d.level, "city": d.city, "year": d.year,
            "doc_type": d.doc_type, "title": d.title, "issuer": d.issuer, "department": d.department,
            "issuer_kind": d.issuer_kind,
            "issue_number": d.issue_number, "issue_date": d.issue_date, "source_file": d.source_file,
            "source_sha256": d.source_sha256, "format": d.format, "encoding": d.encoding, "n_items": len(d.items),
            "n_masked": d.n_masked, "preamble": d.preamble, "provenance": provenance_json(d),
        })
        for seq, it in enumerate(d.items, 1):
            item_rows.append(dict(doc_id=d.doc_id, seq=seq, province=d.province, year=d.year,
                                  doc_type=d.doc_type, **it))
        for t in d.targets:
            target_rows.append(dict(doc_id=d.doc_id, **t))

    def frame(rows: list[dict], name: str) -> pd.DataFrame:
        if not rows:
            return schema.empty(name)
        df = pd.DataFrame(rows)
        return schema.validate(df, name)

    return frame(doc_rows, "documents"), frame(item_rows, "items"), frame(target_rows, "targets")


def _load_all(files: list[Path], overrides, cache: ParseCache) -> tuple[list[Any], list[FileIntake], list[InputFileError]]:
    """Read and parse every file, applying metadata.csv (exclusions and values); a file whose key is in
    the parse cache is taken from it (compare.ingest.reuse)."""
    docs: list[Any] = []
    records: list[FileIntake] = []
    failures: list[InputFileError] = []
    for path in files:
        file_ov = overrides.for_file(path.name)
        if file_ov is not None and file_ov.excluded is not None:
            rec = FileIntake(path.name)
            rec.skip(f"excluded in {METADATA_FILE} (line {file_ov.excluded.line})")
            records.append(rec)
            continue
        key = cache.key(path, file_ov)
        loaded = cache.get(key)
        if loaded is None:
            try:
                loaded = _load_one(path, file_ov)
            except _Skipped as skipped:
                failures.append(skipped.error)
                records.append(skipped.record)
                continue
            cache.put(key, loaded)
        records.append(loaded.record)
        docs.extend(loaded.documents)
    return docs, records, failures


class _Skipped(Exception):
    def __init__(self, error: InputFileError, record: FileIntake):
        self.error, self.record = error, record


def _load_one(path: Path, file_ov) -> Loaded:
    """One file's documents (metadata.csv applied) and intake record; _Skipped when it cannot be used."""
    rec = FileIntake(path.name)
    try:
        parsed = load_file(path, overrides=file_ov, warnings=rec.warnings)
    except InputFileError as exc:
        log.warning("skipped %s", exc)
        rec.format, rec.encoding = exc.format, exc.encoding
        rec.skip(exc.reason)
        raise _Skipped(exc, rec) from exc
    rec.format, rec.encoding, rec.n_parsed = parsed[0].format, parsed[0].encoding, len(parsed)
    if any(w.startswith("skipped") for w in rec.warnings):
        rec.partial_reasons.append("part of the file skipped")
    if file_ov is not None:
        for row in file_ov.unmatched([d.title for d in parsed]):
            rec.warnings.append(f"{METADATA_FILE} line {row.line}: title {row.title!r} names none of the file's "
                                f"documents ({'; '.join(d.title for d in parsed)})")
    docs = []
    for d in parsed:
        if file_ov is not None:
            values, row = file_ov.for_document(d.title, n_documents=len(parsed))
            if row is not None and row.exclude and (row.title or len(parsed) == 1):
                rec.warnings.append(f"document {d.title} excluded in {METADATA_FILE} (line {row.line})")
                rec.partial_reasons.append("a document excluded")
                continue
            if values:
                apply_overrides(d, values)
                rec.warnings.append(f"{METADATA_FILE} line {row.line} sets {', '.join(sorted(values))}"
                                    + (f" of {d.title}" if len(parsed) > 1 else ""))
        docs.append(d)
    return Loaded(docs, rec)


def ingest(raw_dir: str | Path, out_dir: str | Path, *, strict: bool = False, reuse: bool = True) -> IngestResult:
    """Load every plan file in raw_dir and write documents/items/targets and the intake report to out_dir.

    A file that cannot be used is recorded in `.failures` (one InputFileError naming the file and the
    reason) and in `intake`; the others still load. A plan present twice is loaded once
    (compare.ingest.dedupe). With strict=True any failure raises IngestError and nothing is written.
    Raises EmptyCorpusError when no document could be loaded at all, MetadataFileError for a bad
    metadata.csv. reuse=True takes the files unchanged since the last ingest into out_dir from its parse
    cache instead of parsing them again (compare.ingest.reuse; same tables either way).
    """
    t0 = time.perf_counter()
    files = raw_files(raw_dir)
    overrides = read_overrides(raw_dir, present={p.name for p in files})
    out_dir = Path(out_dir)
    registry = read_registry(out_dir)  # the ids given by the previous ingest: kept (compare.ingest.identity)
    cache = ParseCache(out_dir, enabled=reuse)
    docs, records, failures = _load_all(files, overrides, cache)
    if strict and failures:
        raise IngestError(failures)
    if not docs:
        detail = "".join(f"\n  {f}" for f in failures)
        raise EmptyCorpusError(f"no plan documents could be loaded from {raw_dir} ({len(files)} file(s)){detail}")

    by_file = {r.source_file: r for r in records}
    dropped = set()
    keys = [content_key(raw_content(d)) for d in docs]
    for dup in find_duplicates(docs, keys=keys):
        d, kept = docs[dup.index], docs[dup.kept]
        rec = by_file[d.source_file]
        rec.n_duplicates += 1
        if kept.source_file not in rec.duplicate_of:
            rec.duplicate_of.append(kept.source_file)
        rec.warnings.append(f"duplicate of {kept.title} in {kept.source_file} ({dup.how}, {dup.similarity:.2f}): "
                            f"{d.title} not loaded")
        dropped.add(dup.index)
    docs = [d for i, d in enumerate(docs) if i not in dropped]
    kept_keys = [k for i, k in enumerate(keys) if i not in dropped]
    id_warnings = _assign_ids(docs, kept_keys, registry=registry)
    for d in docs:
        rec = by_file[d.source_file]
        rec.n_documents += 1
        rec.n_items += len(d.items)
        rec.doc_ids.append(d.doc_id)
        if not d.items:
            rec.warnings.append(f"document {d.title} has no items")
            rec.partial_reasons.append("a document without items")
    for w in id_warnings:
        for rec in records:
            if rec.source_file in w.files:
                rec.warnings.append(w.message)
    for rec in records:
        if rec.n_duplicates and rec.n_documents:
            rec.partial_reasons.append(f"a document already loaded from {'；'.join(rec.duplicate_of)}")
        rec.finish()
    documents, items, targets = tables(docs)
    intake = intake_table(records)
    for df, name in ((documents, "documents"), (items, "items"), (targets, "targets"), (intake, "intake")):
        io.write_table(df, name, out_dir)
    write_registry(out_dir, holders(docs, kept_keys))
    cache.save()
    seconds = time.perf_counter() - t0
    log.info("ingested %d file(s) (%d parsed, %d unchanged since the last ingest) -> %d documents, %d items, "
             "%d targets in %.2f s", len(files), len(files) - cache.hits, cache.hits, len(documents), len(items),
             len(targets), seconds)
    for w in overrides.warnings:
        log.warning("%s", w)
    return IngestResult(documents, items, targets, failures, len(files), seconds, out_dir, intake, records,
                        cache.hits)


def ingest_command(*, raw: str | Path, out: str | Path, strict: bool = False) -> int:
    """`python -m compare ingest [--raw DIR] [--out DIR] [--strict]`: ingest and print the intake report.

    Prints the intake table (one line per file). Exit codes: 0 every file loaded (duplicates, files
    excluded in metadata.csv and partial files included); 3 some files were skipped (the others were written); 1 nothing written
    (strict mode with a failure, no loadable document, or a bad metadata.csv).
    """
    raw, out = Path(raw), Path(out)
    try:
        result = ingest(raw, out, strict=strict)
    except IngestError as exc:
        for f in exc.failures:
            print(f"error: {f}", file=sys.stderr)
        print(f"error: --strict: {len(exc.failures)} file(s) failed, nothing written", file=sys.stderr)
        return 1
    print(format_intake(result.files))
    print(f"{len(result.documents)} documents, {len(result.items)} items, {len(result.targets)} targets "
          f"from {result.n_files} file(s) in {result.seconds:.2f} s -> {out} (intake report: {out / 'intake.csv'})")
    for f in result.failures:
        print(f"skipped: {f}", file=sys.stderr)
    # a file the analyst excluded in metadata.csv is skipped on purpose: nothing to fix, not a partial run
    unwanted = [r for r in result.files if r.status == "skipped" and not (r.reason or "").startswith("excluded in ")]
    return EXIT_PARTIAL if result.failures or unwanted else 0
