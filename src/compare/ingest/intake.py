"""The intake report: one row per raw file of an ingest (table `intake`), and its short printed form.

status, in order of precedence:
- `skipped`    nothing was loaded: unreadable, not a plan, or excluded in metadata.csv (`reason` says which)
- `duplicate`  every document of the file was already loaded from another file (`duplicate_of`)
- `partial`    some of it was loaded: a document or part skipped, a document excluded, a document
               dropped as a duplicate while others loaded, or a document without items
- `loaded`     everything loaded (warnings may still say something worth a look)
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from compare.core import schema

STATUSES = ("loaded", "partial", "duplicate", "skipped")


@dataclass
class FileIntake:
    source_file: str
    status: str = "loaded"
    reason: str | None = None
    format: str | None = None
    encoding: str | None = None
    n_documents: int = 0
    n_items: int = 0
    duplicate_of: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    doc_ids: list[str] = field(default_factory=list)
    n_parsed: int = 0             # documents parsed from the file (before exclusion and duplicates)
    n_duplicates: int = 0
    partial_reasons: list[str] = field(default_factory=list)

    def skip(self, reason: str) -> None:
        self.status, self.reason = "skipped", reason

    def finish(self) -> None:
        """Set status and reason from what happened to the file's documents."""
        if self.status == "skipped":
            return
        if self.n_documents == 0 and self.n_duplicates and self.n_duplicates == self.n_parsed:
            self.status = "duplicate"
            self.reason = f"same plan as {'；'.join(self.duplicate_of)}"
        elif self.n_documents == 0:
            self.status = "skipped"
            self.reason = "; ".join(self.partial_reasons) or "no document loaded"
        elif self.partial_reasons:
            self.status = "partial"
            self.reason = "; ".join(self.partial_reasons)
        else:
            self.status = "loaded"

    def row(self) -> dict:
        return {"source_file": self.source_file, "status": self.status, "reason": self.reason, "format": self.format,
                "encoding": self.encoding, "n_documents": self.n_documents, "n_items": self.n_items,
                "duplicate_of": "；".join(self.duplicate_of) or None, "warnings": list(self.warnings)}


def intake_table(records: list[FileIntake]) -> pd.DataFrame:
    if not records:
        return schema.empty("intake")
    df = pd.DataFrame([r.row() for r in sorted(records, key=lambda r: r.source_file)])
    for col in ("n_documents", "n_items"):
        df[col] = df[col].astype("int64")
    return schema.validate(df, "intake")


def counts(records: list[FileIntake]) -> dict[str, int]:
    return {s: sum(r.status == s for r in records) for s in STATUSES}


def format_intake(records: list[FileIntake], *, max_rows: int = 40) -> str:
    """The per-file table printed by `ingest`. With more than max_rows files only the files that were
    not loaded (partial, duplicate, skipped) are listed (the full table is data/processed/intake.csv)."""
    rows = sorted(records, key=lambda r: r.source_file)
    shown = rows if len(rows) <= max_rows else [r for r in rows if r.status != "loaded"]
    lines = []
    if shown:
        width = min(48, max(len(r.source_file) for r in shown))
        lines.append(f"{'status':9s} {'file':{width}s} {'format':12s} {'docs':>4s} {'items':>5s}  note")
        for r in shown:
            fmt = f"{r.format or '-'}/{r.encoding}" if r.format in ("txt", "html") else (r.format or "-")
            note = r.reason or " ".join(r.doc_ids)
            if r.warnings and r.status == "loaded":
                note = f"{note} (warning: {r.warnings[0]}{' …' if len(r.warnings) > 1 else ''})"
            lines.append(f"{r.status:9s} {r.source_file:{width}s} {fmt:12s} {r.n_documents:4d} {r.n_items:5d}  {note}")
    if len(shown) < len(rows):
        n_warned = sum(1 for r in rows if r.status == "loaded" and r.warnings)
        lines.append(f"({len(rows) - len(shown)} more file(s) loaded"
                     + (f", {n_warned} of them with warnings: see intake.csv)" if n_warned else ")"))
    c = counts(rows)
    lines.append(", ".join(f"{n} {s}" for s, n in c.items() if n) + f" of {len(rows)} file(s)")
    return "\n".join(lines)
