"""`ingest --explain FILE`: what each loader rule saw in one file, for a person deciding what to fix.

Prints how the file was read (format, encoding), then for each document the rule that gave its
title, year, province/level/city, issuer and issuer_kind and doc_type, the number of items and the
first one, and, when the file is skipped, the reason with the metadata.csv line that would fix it.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from compare.core.errors import InputFileError


def explain_file(path: str | Path) -> str:
    """The explanation of one raw file as text (one fact per line)."""
    from compare.ingest.load import parse_text
    from compare.ingest.readers import read_raw

    path = Path(path)
    out = [f"{path.name}:"]
    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"{path.name}: cannot read: {exc.strerror or exc}"
    try:
        raw = read_raw(data, path)
    except InputFileError as exc:
        return f"{path.name}: not read: {exc.reason}"
    out.append(f"  read as {raw.format}, encoding {raw.encoding}, {len(raw.text)} characters")
    trace: list[str] = []
    warnings: list[str] = []
    try:
        docs = parse_text(raw.text, source_file=path.name, encoding=raw.encoding,
                          sha256=hashlib.sha256(data).hexdigest(), fmt=raw.format, warnings=warnings, trace=trace)
    except InputFileError as exc:
        docs, reason = [], str(exc)
    else:
        reason = None
    out.extend("  " + t for t in trace)
    out.extend("  warning: " + w for w in warnings)
    for d in docs:
        out.append(f"  loaded: {d.title} | {d.province} {d.level} {d.city or ''} | {d.year} | {d.doc_type} | "
                   f"issuer {d.issuer or '-'} ({d.issuer_kind}) | {len(d.items)} items")
    if reason:
        out.append(f"  skipped: {reason}")
    return "\n".join(out)
