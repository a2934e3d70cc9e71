"""The loader: raw plan files -> documents / items / targets tables (see compare.core.schema).

    files ──decode──> text ──clean──> lines ──split──> documents ──parse──> items ──> targets
          (encoding.decode) (clean.*)        (structure.split_documents)  (structure.parse_items,
                                                                          departments, targets)

Metadata comes from the text, never from the file name:

- title     a standalone title line (河南省科协2024年重点工作); none -> inferred and marked as such
- year      title year > 文号 year > year opening the first paragraph (2019年全省科协系统…)
- province  title > issuer > 文号 abbreviation (豫/鄂/…) > most-named province in the text
- doc_type  from the title, else from the first paragraph (深化改革 -> 深化改革工作要点)
- issue_number / issuer / issue_date from the notice header only (before the first title), so a
  文号 cited inside an item (豫科〔2022〕56号) is never taken; a signature (issuer line + date line)
  wins over the web page's publication time, which is cruft anyway.

Around the parsing (docs/loader.md: Formats, The metadata file, The intake report):
- readers.read_raw reads .txt/.html/.docx/.pdf (encoding.decode for text);
- overrides (data/raw/metadata.csv) correct metadata per file or document, recorded in `provenance`;
- dedupe drops a plan present twice; identity gives ids that depend on the document alone;
- intake records what became of every file (table `intake`).

Public API: load_file(path), parse_text(text, *, source_file), raw_files(raw_dir); the whole
directory: compare.ingest.run.ingest(raw_dir, out_dir, *, strict=False) -> IngestResult.
"""
from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from compare.core.errors import EmptyCorpusError, InputFileError
from compare.core.vocab import DEFAULT_ISSUER_KIND
from compare.ingest.clean import clean_lines_and_site, count_masks, looks_like_html, simplified
from compare.ingest.departments import extract_departments
from compare.ingest.flat_pages import join_split_title, split_flat_pages, split_inline_numbers
from compare.ingest.metadata import (
    Signature,
    classify_untitled,
    document_metadata,
    find_issue_number,
    find_signature,
    handed_out_title,
    infer_title,
    not_a_plan,
    notice_issuer,
    plan_part,
    summary_and_plan,
)
from compare.ingest.overrides import FileOverrides
from compare.ingest.plan_news import attachment_only, interpretation, plan_news
from compare.ingest.paragraph_items import paragraph_heading, paragraph_items, titled_without_markers
from compare.ingest.readers import read_raw
from compare.ingest.section_paragraphs import split_section_paragraphs
from compare.ingest.structure import heading_of, is_marker, parse_items, relayout, split_documents
from compare.ingest.targets import extract_targets
from compare.ingest.untitled import (body_only_opener, body_only_type, first_prose, missing_fields_line,
                                     opening_paragraph, own_title, work_done_opening)

log = logging.getLogger(__name__)

SKIP_NAMES_RE = re.compile(r"^(MANIFEST|README|metadata\.csv$)", re.I)  # not plans



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
    format: str = "txt"                                 # txt | html | docx | pdf (readers.read_raw)
    level: str | None = None                            # 全国 | 省级 | 市级 | 县级; None -> default in tables()
    city: str | None = None
    department: str | None = None
    provenance: dict = field(default_factory=dict)      # field -> "text" | "override" | "inferred"
    converted: bool = False                             # the text was traditional, converted to simplified
    issuer_kind: str = DEFAULT_ISSUER_KIND              # 科协 | 科协部门 | 党政机关 | 老科协 | 其他 (ingest.issuers)


def _item_rows(raw_items) -> tuple[list[dict], list[dict]]:
    items, targets = [], []
    for raw in raw_items:
        text, departments = extract_departments(raw.text)
        heading = paragraph_heading(text) if raw.kind == "paragraph" else heading_of(text)
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
               sha256: str | None = None, fmt: str = "txt", overrides: FileOverrides | None = None,
               warnings: list[str] | None = None, trace: list[str] | None = None) -> list[ParsedDocument]:
    """Parse the text of one file into its documents. Raises InputFileError when no plan is found.

    fmt: documents.format. overrides: the metadata.csv rows of the file (province and year are used
    before a document is given up for lack of them; the other fields are applied by `ingest`).
    warnings: receives one line per part of the file that was skipped ("skipped …") or is odd.
    trace: receives what each rule saw, document by document (`ingest --explain`)."""
    if not isinstance(text, str):
        raise InputFileError(source_file, f"expected text, got {type(text).__name__}")
    html = fmt == "html" or looks_like_html(text)
    what = "HTML page without a recognisable plan" if html else "no recognisable plan"
    lines, _converted, site = clean_lines_and_site(text)
    if not lines:
        raise InputFileError(source_file, "no text left after removing blank lines and web cruft"
                             + (" (HTML page)" if html else ""))
    lines = join_split_title(split_inline_numbers(split_flat_pages(relayout(lines))))  # one-line layers, 1、2、
    header, segments = split_documents(lines)
    header, segments = titled_without_markers(header, segments)
    shared = _FileParse(
        source_file=source_file, sha256=sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest(),
        encoding=encoding, fmt=fmt, converted=_converted, site=site, notice=_notice_metadata(header),
        header=header, handed=handed_out_title(lines[:60]),  # the plan a notice hands out: 关于印发《…》的通知
        n_documents=len(segments), overrides=overrides, warnings=warnings, trace=trace)
    if reason := plan_news(lines) or interpretation(lines):   # news of a plan; its 政策解读
        raise InputFileError(source_file, f"not a plan: {reason}")
    if shared.handed is None and all(seg.title is None for seg in segments):
        reason = not_a_plan(lines) or work_done_opening(lines)
        if reason:
            raise InputFileError(source_file, f"not a plan: {reason}")
    if shared.handed is None and len(segments) == 1 and segments[0].title is None:
        shared.handed = own_title(segments[0].lines)  # 特制定《某县科协2024年工作要点》: named in its own body
        shared.opener = body_only_opener(segments[0].lines) if shared.handed is None else None  # 序言 / 总体要求
    docs: list[ParsedDocument] = []
    problems: list[str] = []
    for seg in segments:
        parsed = _parse_document(seg, shared)
        if isinstance(parsed, str):
            problems.append(parsed)
        else:
            docs.append(parsed)
    if docs and not any(d.items for d in docs) and (attached := attachment_only(lines)):
        raise InputFileError(source_file, f"not a plan: the plan is only named as an attachment ({attached}), "
                             "its text is not in this file: add the attachment itself")
    if not docs:
        first = problems[0] if problems else "no plan text"
        raise InputFileError(source_file, first if first.startswith("not a plan") else f"{what}: {first}")
    return docs


@dataclass
class _FileParse:
    """What the documents of one file share while each is parsed: where the text came from, its
    notice header and handed-out title, and the caller's overrides, warnings and trace."""

    source_file: str
    sha256: str
    encoding: str
    fmt: str
    converted: bool
    site: list[str]
    notice: dict
    header: list[str]
    handed: str | None
    n_documents: int
    overrides: FileOverrides | None
    warnings: list[str] | None
    trace: list[str] | None
    opener: str | None = None   # a body-only copy's opening heading (序言, 总体要求): compare.ingest.untitled


def _parse_document(seg, f: _FileParse) -> ParsedDocument | str:
    """One document of the file, or why it was skipped (a skipped titled document is also warned of)."""
    body, context, d_issue_number, d_issuer, d_issue_date = _segment_notice(seg, f.notice, f.header)
    notice_title = f.handed if f.n_documents == 1 else None
    if seg.title is None and notice_title is None and f.overrides is not None:  # metadata.csv names it
        notice_title = f.overrides.for_document(None, n_documents=f.n_documents)[0].get("title")
    named = seg.title or notice_title
    plan_year = None
    if summary_and_plan(named):  # 2021年工作总结和2022年工作计划: only the plan part is a plan
        part = plan_part(named, body)
        if part is None:
            return "not a plan: a summary of work done (工作总结) whose plan part is not in the text"
        body, plan_year = part
    preamble, raw_items = parse_items(body)
    raw_items = split_section_paragraphs(raw_items)  # 一、… whose tasks are paragraphs led by a short sentence
    opens_plan = seg.title is None and bool(body) and classify_untitled(body[0]) != "其他"  # 2025年是…，某县科协将…
    if not raw_items and (seg.title or f.handed or opens_plan):  # no markers: one-line body, paragraph plan
        found = paragraph_items(body)
        if found is not None:
            preamble, raw_items = found
    first_par = first_prose(preamble.split("\n")) if preamble else (body[0] if body else "")
    if f.opener:
        first_par = opening_paragraph(preamble, body)
    doc_trace: list[str] = []
    md = document_metadata(title=seg.title, notice_title=notice_title,
                           context=context, body=body, first_paragraph=first_par, issuer=d_issuer,
                           issue_number=d_issue_number, issue_date=d_issue_date, trace=doc_trace, site=f.site,
                           body_only=f.opener is not None)
    if f.opener and md.title is None and md.doc_type == "其他":
        md.doc_type = body_only_type(f.opener, preamble) or md.doc_type
    if f.opener:
        doc_trace.append(f"body-only copy: opens at {f.opener}; first paragraph {first_par[:30]!r} -> {md.doc_type}")
    if f.trace is not None:
        _trace_document(f.trace, doc_trace, raw_items)
    title, year, prov = md.title, plan_year or md.year, md.province
    if f.overrides is not None:  # metadata.csv knows better (province/year: before giving up on the document)
        ov, _row = f.overrides.for_document(title, n_documents=f.n_documents)
        year, prov = ov.get("year", year), ov.get("province", prov)
    problem = _document_problem(f.source_file, md, title=title, year=year, province=prov, n_items=len(raw_items),
                                opener=f.opener)
    if problem:
        if f.warnings is not None and seg.title:
            f.warnings.append(f"skipped document {simplified(seg.title)}: {problem}")
        if seg.title:
            log.warning("%s: document %r skipped: %s", f.source_file, seg.title, problem)
        return problem
    for note in md.notes:
        _note(f.source_file, f.warnings, note)
    if not raw_items:  # metadata recognisable, items not: a truncated copy loads as a partial document
        _note(f.source_file, f.warnings,
              f"document {simplified(title)}: no plan items recognised (a truncated copy?); loaded with 0 items")
    items, targets = _item_rows(raw_items)
    return ParsedDocument(
        province=prov, year=year, doc_type=md.doc_type,
        title=simplified(title if title is not None else infer_title(prov, year, md.doc_type,
                                                                     md.city if prov == md.province else None)),
        issuer=simplified(md.issuer), issue_number=simplified(d_issue_number), issue_date=d_issue_date,
        source_file=f.source_file, source_sha256=f.sha256, encoding=f.encoding, preamble=preamble,
        n_masked=count_masks("\n".join([title or "", *body])), items=items, targets=targets, format=f.fmt,
        converted=f.converted, level=md.level, city=md.city, department=md.department,
        provenance=md.provenance, issuer_kind=md.issuer_kind)


def _segment_notice(seg, notice: dict, header: list[str]) -> tuple[list[str], list[str], str | None, str | None,
                                                                   str | None]:
    """A document's body (its closing signature and any notice lines taken out), the lines its
    metadata is looked for in, and its 文号, issuer and issue date (from the file's notice header,
    the document's own lead lines or its closing signature)."""
    body, closing = _strip_closing_signature(seg.lines)
    meta, context = notice, header
    if seg.title is None:
        # untitled: a notice (文号, signature) may sit in the lines before the first marker
        n_lead = next((k for k, line in enumerate(body) if is_marker(line)), len(body))
        lead_meta = _notice_metadata(body[:n_lead])
        drop = set(lead_meta.pop("signature_lines"))
        context = [*header, *body[:n_lead]]
        body = [line for k, line in enumerate(body) if k not in drop]
        meta = {k: notice[k] or lead_meta[k] for k in ("issue_number", "issuer", "issue_date")}
    elif not notice["issue_number"] and body and len(body[0]) <= 30 and find_issue_number(body[:1]):
        # a 文号 standing right under the title (2024年广东省科协科普工作要点 / 粤科协普〔2024〕3号)
        meta = {**notice, "issue_number": find_issue_number(body[:1])}
        body = body[1:]
    issuer = meta["issuer"] or (closing.issuer if closing else None)
    issue_date = meta["issue_date"] or (closing.date if closing else None)
    return body, context, meta["issue_number"], issuer, issue_date


def _note(source_file: str, warnings: list[str] | None, text: str) -> None:
    """A remark on a loaded document: logged, and kept in `warnings` (the intake report) when given."""
    log.warning("%s: %s", source_file, text)
    if warnings is not None:
        warnings.append(text)


def _trace_document(trace: list[str], doc_trace: list[str], raw_items) -> None:
    """What the rules saw for one document, for `ingest --explain`."""
    trace.append(f"document {sum(t.startswith('document ') for t in trace) + 1}:")
    trace.extend("  " + t for t in doc_trace)
    trace.append(f"  items: {len(raw_items)}" + (f", the first: {raw_items[0].marker}{heading_of(raw_items[0].text)!r}"
                                                 if raw_items else " (no 一、 / （一） / 1. / 一是 / —— markers)"))


def _document_problem(source_file: str, md, *, title: str | None, year: int | None, province: str | None,
                      n_items: int, opener: str | None = None) -> str | None:
    """Why a document cannot be loaded (no plan year, no province, not a plan; no items, which wins
    unless the document has a title and nothing else is wrong), with the metadata.csv line that would
    fix it; None when it can be loaded."""
    problem = None
    if opener and title is None and (year is None or province is None or md.doc_type == "其他"):
        problem = missing_fields_line(source_file, opener, title=md.doc_type == "其他", year=year is None,
                                      province=province is None)
    elif year is None:
        problem = ("no plan year (looked in the title, the 文号, the first paragraph, the signature and the "
                   "page's date)" + _fix_line(source_file, "year", "2024"))
    elif province is None and md.unplaced:
        problem = (f"no province: {md.unplaced}; add: {source_file},province=…,level=…,city=… to data/raw/"
                   f"metadata.csv (a row with the columns file,province,level,city, e.g. {source_file},贵州,县级,凯里市)")
    elif province is None and md.ambiguous:
        problem = ("no province: the places named lie in " + "、".join(md.ambiguous)
                   + _fix_line(source_file, "province", md.ambiguous[0]))
    elif province is None:
        problem = ("no province (no province, prefecture or county name in the title, issuer, 文号, site lines "
                   "or text)" + _fix_line(source_file, "province", "河南"))
    elif title is None and md.doc_type == "其他":
        # no title, and the first sentence does not open a plan (2024年，… / 深化改革…): a funding list,
        # a profile or a notice with numbered parts, not a plan
        problem = ("not a plan: no plan title and the text does not open as a plan"
                   + _fix_line(source_file, "title", "某县科协2024年工作要点"))
    if not n_items and (problem or title is None):
        return "no plan items (no 一、 / （一） / 1. / 一是 / —— markers)"
    return problem


def _fix_line(source_file: str, field: str, example: str) -> str:
    """The metadata.csv line that would let the document load."""
    return (f"; add: {source_file},{field}=… to data/raw/metadata.csv (a row with the columns file,{field}, "
            f"e.g. {source_file},{example})")


def load_file(path: str | Path, *, overrides: FileOverrides | None = None,
              warnings: list[str] | None = None) -> list[ParsedDocument]:
    """Read (any supported format), decode and parse one raw file. Raises InputFileError naming the
    file and the reason; its `format` / `encoding` attributes say how far reading got."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(path, f"cannot read: {exc.strerror or exc}") from exc
    raw = read_raw(data, path)
    if warnings is not None:
        warnings.extend(raw.warnings)
    try:
        return parse_text(raw.text, source_file=path.name, encoding=raw.encoding,
                          sha256=hashlib.sha256(data).hexdigest(), fmt=raw.format, overrides=overrides,
                          warnings=warnings)
    except InputFileError as exc:
        exc.format, exc.encoding = raw.format, raw.encoding
        raise


# ---------------------------------------------------------------------------------------------
# the plan files of a raw directory (compare.ingest.run loads them all)


def raw_files(raw_dir: str | Path) -> list[Path]:
    """Plan files in raw_dir, sorted by name: MANIFEST, README*, metadata.csv, dotfiles and directories
    skipped."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise EmptyCorpusError(f"raw directory {raw_dir} does not exist")
    return sorted(
        (p for p in raw_dir.iterdir()
         if p.is_file() and not p.name.startswith(".") and not SKIP_NAMES_RE.match(p.name)),
        key=lambda p: p.name,
    )
