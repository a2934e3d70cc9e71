"""The loader: raw plan files -> documents / items / targets tables (see compare.core.schema).

    files ──decode──> text ──clean──> lines ──split──> documents ──parse──> items ──> targets
          (clean.decode)  (clean.*)        (structure.split_documents)  (structure.parse_items,
                                                                          departments, targets)

Metadata comes from the text, never from the file name:

- title     a standalone title line (河南省科协2024年重点工作); none -> inferred and marked as such
- year      title year > 文号 year > year opening the first paragraph (2019年全省科协系统…)
- province  title > issuer > 文号 abbreviation (豫/鄂/…) > most-named province in the text
- doc_type  from the title, else from the first paragraph (深化改革 -> 深化改革工作要点)
- issue_number / issuer / issue_date from the notice header only (before the first title), so a
  文号 cited inside an item (豫科〔2022〕56号) is never taken; a signature (issuer line + date line)
  wins over the web page's publication time, which is cruft anyway.

Public API: ingest(raw_dir, out_dir, *, strict=False) -> IngestResult, load_file(path),
parse_text(text, *, source_file), cli_ingest(args).
"""
from __future__ import annotations

import hashlib
import logging
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from compare.core import io

from compare.core import schema
from compare.ingest.clean import clean_lines, count_masks, decode, looks_like_html, simplified
from compare.ingest.departments import extract_departments
from compare.core.errors import CompareError, EmptyCorpusError, InputFileError
from compare.ingest.provinces import (
    pinyin,
    province_in,
)
from compare.ingest.metadata import (  # noqa: F401
    Signature,
    _CN_DIGITS,
    _DATE_RE,
    _FIVE_YEAR_PLAN_RE,
    _ISSUE_NO_RE,
    _LEADING_YEAR_RE,
    _NOTICE_ISSUER_RE,
    _NOTICE_TITLE_YEAR_RE,
    _ORG_RE,
    _PRINTED_RE,
    _RED_HEADER_RE,
    _TITLE_RANGE_RE,
    _TITLE_YEAR_RE,
    _YEAR,
    _cn_number,
    _first_index,
    classify_doc_type,
    classify_untitled,
    detect_province,
    detect_year,
    find_issue_number,
    find_signature,
    infer_title,
    notice_issuer,
    parse_date,
    title_prefix,
)
from compare.core.schema import DOC_TYPES, TYPE_CODES  # noqa: F401
from compare.ingest.structure import heading_of, is_marker, parse_items, split_documents
from compare.ingest.targets import extract_targets

log = logging.getLogger(__name__)

from compare.ingest.metadata import INFERRED_TITLE_NOTE  # noqa: F401
SKIP_NAMES_RE = re.compile(r"^(MANIFEST|README)", re.I)


class IngestError(CompareError):
    """--strict ingest with files that could not be loaded: nothing was written."""

    def __init__(self, failures: list[InputFileError]):
        self.failures = list(failures)
        lines = "\n".join(f"  {f}" for f in self.failures)
        super().__init__(f"{len(self.failures)} file(s) could not be loaded; strict mode, nothing written:\n{lines}")


# ---------------------------------------------------------------------------------------------
# parsing


@dataclass
class ParsedDocument:
    province: str
    year: int
    doc_type: str
    title: str
    issuer: str | None
    issue_number: str | None
    issue_date: str | None
    source_file: str
    source_sha256: str
    encoding: str
    preamble: str
    n_masked: int
    items: list[dict] = field(default_factory=list)     # item rows without doc-level copies
    targets: list[dict] = field(default_factory=list)   # target rows without doc_id
    doc_id: str = ""

    @property
    def base_id(self) -> str:
        return f"{pinyin(self.province)}-{self.year}-{TYPE_CODES[self.doc_type]}"


def _item_rows(raw_items) -> tuple[list[dict], list[dict]]:
    items, targets = [], []
    for raw in raw_items:
        text, departments = extract_departments(raw.text)
        heading = heading_of(text)
        items.append(dict(
            item_id=raw.item_id,
            section_no=raw.section_no,
            section_title=raw.section_title,
            subsection_no=raw.subsection_no,
            subsection_title=raw.subsection_title,
            marker=raw.marker,
            heading=heading,
            text=text,
            departments=departments,
            n_chars=len(text),
            n_masked=count_masks(text),
        ))
        for t in extract_targets(text):
            targets.append(dict(item_id=raw.item_id, phrase=t.phrase, value=t.value, value_high=t.value_high,
                                unit=t.unit, qualifier=t.qualifier, object=t.object, basis=t.basis))
    return items, targets


def _notice_metadata(lines: list[str]) -> dict:
    """文号, issuer and issue date from a notice header; signature (issuer line + date line) first."""
    sig = find_signature(lines)
    return dict(
        issue_number=find_issue_number(lines),
        issuer=(sig.issuer if sig else None) or notice_issuer(lines),
        issue_date=sig.date if sig else None,
        signature_lines=sig.lines if sig else (),
    )


def _strip_closing_signature(lines: list[str]) -> tuple[list[str], Signature | None]:
    """A signature closing a document (issuer + date in the last three lines) is metadata, not text."""
    tail = lines[-3:]
    sig = find_signature(tail, from_end=True) if tail else None
    if not sig:
        return list(lines), None
    offset = len(lines) - len(tail)
    drop = {offset + k for k in sig.lines}
    return [line for k, line in enumerate(lines) if k not in drop], sig


def parse_text(text: str, *, source_file: str = "<text>", encoding: str = "utf-8",
               sha256: str | None = None) -> list[ParsedDocument]:
    """Parse the text of one file into its documents. Raises InputFileError when no plan is found."""
    if not isinstance(text, str):
        raise InputFileError(source_file, f"expected text, got {type(text).__name__}")
    html = looks_like_html(text)
    what = "HTML page without a recognisable plan" if html else "no recognisable plan"
    lines, _converted = clean_lines(text)
    if not lines:
        raise InputFileError(source_file, "no text left after removing blank lines and web cruft"
                             + (" (HTML page)" if html else ""))
    header, segments = split_documents(lines)
    sha = sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest()

    notice = _notice_metadata(header)
    docs: list[ParsedDocument] = []
    problems: list[str] = []
    for seg in segments:
        body, closing = _strip_closing_signature(seg.lines)
        meta = notice
        if seg.title is None:
            # untitled: a notice (文号, signature) may sit in the lines before the first marker
            n_lead = next((k for k, line in enumerate(body) if is_marker(line)), len(body))
            lead_meta = _notice_metadata(body[:n_lead])
            drop = set(lead_meta.pop("signature_lines"))
            body = [line for k, line in enumerate(body) if k not in drop]
            meta = {k: notice[k] or lead_meta[k] for k in ("issue_number", "issuer", "issue_date")}
        d_issue_number = meta["issue_number"]
        d_issuer = meta["issuer"] or (closing.issuer if closing else None)
        d_issue_date = meta["issue_date"] or (closing.date if closing else None)

        preamble, raw_items = parse_items(body)
        first_par = preamble.split("\n", 1)[0] if preamble else (body[0] if body else "")
        title = seg.title
        year = detect_year(title=title, header=header, issue_number=d_issue_number, first_paragraph=first_par)
        doc_text = "\n".join([title or "", *body])
        prov = detect_province(title=title, issuer=d_issuer, issue_number=d_issue_number,
                               text="\n".join([*header, doc_text]))
        problem = (
            "no plan items (no 一、 / （一） / 1. / 一是 / —— markers)" if not raw_items
            else "no plan year (looked in the title, the 文号 and the first paragraph)" if year is None
            else "no province (no province name in the title, issuer, 文号 or text)" if prov is None
            else None
        )
        if problem:
            problems.append(problem)
            if seg.title:
                log.warning("%s: document %r skipped: %s", source_file, seg.title, problem)
            continue
        doc_type = classify_doc_type(title) if title else classify_untitled(first_par)
        if title is None:
            title = infer_title(prov, year, doc_type)
        if d_issuer is None and seg.title and province_in(title_prefix(seg.title)):
            d_issuer = title_prefix(seg.title)  # 河南省科协2019年工作要点 is issued by 河南省科协
        items, targets = _item_rows(raw_items)
        docs.append(ParsedDocument(
            province=prov,
            year=year,
            doc_type=doc_type,
            title=simplified(title),
            issuer=simplified(d_issuer),
            issue_number=simplified(d_issue_number),
            issue_date=d_issue_date,
            source_file=source_file,
            source_sha256=sha,
            encoding=encoding,
            preamble=preamble,
            n_masked=count_masks(doc_text),
            items=items,
            targets=targets,
        ))
    if not docs:
        raise InputFileError(source_file, f"{what}: {problems[0] if problems else 'no plan text'}")
    return docs


def load_file(path: str | Path) -> list[ParsedDocument]:
    """Read, decode and parse one raw file. Raises InputFileError naming the file and the reason."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(path, f"cannot read: {exc.strerror or exc}") from exc
    text, encoding = decode(data, path)
    return parse_text(text, source_file=path.name, encoding=encoding, sha256=hashlib.sha256(data).hexdigest())


# ---------------------------------------------------------------------------------------------
# ingest


@dataclass
class IngestResult:
    documents: pd.DataFrame
    items: pd.DataFrame
    targets: pd.DataFrame
    failures: list[InputFileError]
    n_files: int
    seconds: float = 0.0
    out_dir: Path | None = None


def raw_files(raw_dir: str | Path) -> list[Path]:
    """Plan files in raw_dir, sorted by name: MANIFEST, README*, dotfiles and directories skipped."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise EmptyCorpusError(f"raw directory {raw_dir} does not exist")
    return sorted(
        (p for p in raw_dir.iterdir()
         if p.is_file() and not p.name.startswith(".") and not SKIP_NAMES_RE.match(p.name)),
        key=lambda p: p.name,
    )


def assign_doc_ids(docs: list[ParsedDocument]) -> None:
    """`<pinyin>-<year>-<type code>`; a second document with the same id gets `-2`, then `-3`, … in
    file-name order, so ids are stable for the same raw directory."""
    seen: dict[str, int] = {}
    for d in docs:
        base = d.base_id
        seen[base] = seen.get(base, 0) + 1
        d.doc_id = base if seen[base] == 1 else f"{base}-{seen[base]}"


def tables(docs: list[ParsedDocument]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The three contract tables from parsed documents (doc ids must be assigned)."""
    doc_rows, item_rows, target_rows = [], [], []
    for d in docs:
        doc_rows.append(dict(
            doc_id=d.doc_id, province=d.province, year=d.year, doc_type=d.doc_type, title=d.title,
            issuer=d.issuer, issue_number=d.issue_number, issue_date=d.issue_date,
            source_file=d.source_file, source_sha256=d.source_sha256, encoding=d.encoding,
            n_items=len(d.items), n_masked=d.n_masked, preamble=d.preamble,
        ))
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


def ingest(raw_dir: str | Path, out_dir: str | Path, *, strict: bool = False) -> IngestResult:
    """Load every plan file in raw_dir and write documents/items/targets to out_dir.

    A file that cannot be used is recorded in `.failures` (one InputFileError naming the file and the
    reason) and the others still load. With strict=True any failure raises IngestError and nothing
    is written. Raises EmptyCorpusError when no document could be loaded at all.
    """
    t0 = time.perf_counter()
    files = raw_files(raw_dir)
    docs: list[ParsedDocument] = []
    failures: list[InputFileError] = []
    for path in files:
        try:
            docs.extend(load_file(path))
        except InputFileError as exc:
            log.warning("skipped %s", exc)
            failures.append(exc)
    if strict and failures:
        raise IngestError(failures)
    if not docs:
        detail = "".join(f"\n  {f}" for f in failures)
        raise EmptyCorpusError(f"no plan documents could be loaded from {raw_dir} ({len(files)} file(s)){detail}")
    assign_doc_ids(docs)
    documents, items, targets = tables(docs)
    out_dir = Path(out_dir)
    for df, name in ((documents, "documents"), (items, "items"), (targets, "targets")):
        io.write_table(df, name, out_dir)
    seconds = time.perf_counter() - t0
    log.info("ingested %d file(s) -> %d documents, %d items, %d targets in %.2f s",
             len(files), len(documents), len(items), len(targets), seconds)
    return IngestResult(documents, items, targets, failures, len(files), seconds, out_dir)


def cli_ingest(args) -> int:
    """`python -m compare ingest [--raw DIR] [--out DIR] [--strict]`.

    Exit codes: 0 every file loaded; 2 some files were skipped (the others were written);
    1 nothing written (strict mode with a failure, or no loadable document).
    """
    raw = Path(getattr(args, "raw", None) or "data/raw")
    out = Path(getattr(args, "out", None) or "data/processed")
    try:
        result = ingest(raw, out, strict=bool(getattr(args, "strict", False)))
    except IngestError as exc:
        for f in exc.failures:
            print(f"error: {f}", file=sys.stderr)
        print(f"error: --strict: {len(exc.failures)} file(s) failed, nothing written", file=sys.stderr)
        return 1
    n_targets = result.targets.groupby("doc_id").size() if len(result.targets) else {}
    for row in result.documents.itertuples():
        print(f"{row.doc_id:28s} {row.province}\t{row.year}\t{row.doc_type}\titems={row.n_items}\t"
              f"targets={int(n_targets.get(row.doc_id, 0)) if len(result.targets) else 0}\t{row.source_file}")
    print(f"{len(result.documents)} documents, {len(result.items)} items, {len(result.targets)} targets "
          f"from {result.n_files} file(s) in {result.seconds:.2f} s -> {out}")
    for f in result.failures:
        print(f"skipped: {f}", file=sys.stderr)
    return 2 if result.failures else 0
