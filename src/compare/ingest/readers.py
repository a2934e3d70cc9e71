"""Stage 0 of loading: a raw file of any supported format -> its text, format and encoding.

| format | how the text is read | `documents.format` | `documents.encoding` |
|---|---|---|---|
| `.txt` (and any other name holding text) | `encoding.decode_with_warnings` (BOM, UTF-16, UTF-8, GB18030/Big5, charset-normalizer, mojibake check, a few bad bytes replaced) | `txt` | the encoding |
| `.html` / `.htm` / `.shtml` / `.xhtml` (or text that is HTML) | decoded as text, then the page's main text by trafilatura (`clean.html_to_text`) | `html` | the encoding |
| `.docx` | python-docx: paragraphs and tables in document order, a table row -> one line, cells joined by a tab; Word's automatic numbering rendered (`wordnum`) | `docx` | `n/a` |
| `.xlsx` | openpyxl: every sheet, one line per row, cells joined by a tab (task lists published as workbooks) | `xlsx` | `n/a` |
| `.pdf` with a text layer | pypdfium2 (pdfium, read directly): CJK characters the layout split with spaces joined, page numbers and running headers/footers dropped, lines broken at the right margin rejoined | `pdf` | `n/a` |

`.doc`, `.wps`, `.rtf`, `.mht`, other Office/ZIP files and PDFs without a text layer raise InputFileError with one
line saying what to do. The format is taken from the file's first bytes when they say so (a PDF named
`.txt` is read as a PDF), else from the extension. Heavy libraries are imported only for the formats
present (trafilatura, python-docx, pypdfium2).

Public API: read_raw(data, name) -> RawText, FORMATS.
"""
from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from compare.core.errors import InputFileError
from compare.ingest.clean import html_to_text, looks_like_html
from compare.core.encoding import decode_with_warnings

FORMATS = ("txt", "html", "docx", "pdf", "xlsx")
NO_ENCODING = "n/a"  # documents.encoding of formats whose text is not decoded from bytes (docx, pdf)
HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml"}

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SAVE_AS_DOCX = "open it in Word or WPS and save it as .docx (文件 > 另存为 > Word 文档 .docx), or as plain text"


@dataclass
class RawText:
    text: str
    format: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


def read_raw(data: bytes, name: str | Path) -> RawText:
    """The text of one raw file (its bytes and its name). Raises InputFileError naming file and reason."""
    suffix = Path(name).suffix.lower()
    if data.startswith(_OLE) or suffix in {".doc", ".wps", ".et", ".dps"}:
        what = {".wps": "a WPS document (.wps)", ".doc": "an old Word document (.doc)"}.get(
            suffix, "an old Office document (.doc/.wps/.xls/.ppt)")
        raise InputFileError(name, f"{what} cannot be read: {_SAVE_AS_DOCX}")
    if data.startswith(b"{\\rtf") or suffix == ".rtf":
        raise InputFileError(name, f"a Rich Text (.rtf) file cannot be read: {_SAVE_AS_DOCX}")
    if suffix in {".mht", ".mhtml"} or data[:400].lstrip().lower().startswith((b"mime-version:", b"from: <saved by")):
        raise InputFileError(name, "a web archive (.mht) cannot be read: open it in a browser and save the page "
                                   "as .html (网页，仅HTML), or copy the plan's text into a .txt file")
    if data.startswith(b"%PDF") or suffix == ".pdf":
        return read_pdf(data, name)
    if suffix in (".xlsx", ".xlsm") or (data.startswith(b"PK\x03\x04") and "xl/workbook.xml" in _zip_members(data)):
        return read_xlsx(data, name)
    if data.startswith(b"PK\x03\x04") or suffix == ".docx":
        return read_docx(data, name)
    text, encoding, warnings = decode_with_warnings(data, name)
    if suffix in HTML_SUFFIXES or looks_like_html(text):
        try:
            return RawText(html_to_text(text), "html", encoding, warnings)
        except Exception as exc:  # a third-party parser on an arbitrary page: one line, never a crash
            raise InputFileError(name, f"cannot read the HTML page ({type(exc).__name__}): save the page again "
                                       "or copy the plan's text into a .txt file") from exc
    return RawText(text, "txt", encoding, warnings)


# ---------------------------------------------------------------------------------------------
# .docx


def _zip_members(data: bytes) -> set[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return set(zf.namelist())
    except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError, OSError):  # damaged archives
        return set()


def _cell_text(cell) -> str:
    return " ".join(p.text.strip() for p in cell.paragraphs if p.text.strip())


def table_lines(table) -> list[str]:
    """One line per table row: its non-empty cells joined by a tab (a merged cell counted once).
    Nested tables inside a cell are flattened into the cell's text."""
    lines = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a horizontally merged cell is returned once per grid column
                continue
            seen.add(id(cell._tc))
            text = _cell_text(cell)
            for inner in cell.tables:
                text = " ".join([text, *(" ".join(line.split("\t")) for line in table_lines(inner))]).strip()
            if text:
                cells.append(text)
        if cells:
            lines.append("\t".join(cells))
    return lines


def read_docx(data: bytes, name: str | Path) -> RawText:
    """Paragraphs and tables of the document body, in document order (headers/footers left out)."""
    members = _zip_members(data)
    if "word/document.xml" not in members:
        if "content.xml" in members:
            raise InputFileError(name, f"an OpenDocument file (.odt) cannot be read: {_SAVE_AS_DOCX}")
        if members:
            raise InputFileError(name, "a ZIP archive or an Office file other than Word or Excel (.pptx, …): "
                                       "unpack it or save the plan as .docx or plain text")
        raise InputFileError(name, "not a valid .docx file (damaged or not a Word document): "
                                   "open it in Word or WPS and save it again as .docx")
    import docx  # python-docx, imported only when a .docx is present

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several types for damaged files
        raise InputFileError(name, f"cannot open the .docx file ({type(exc).__name__}): save it again from Word or WPS") from exc
    try:
        return _docx_text(document)
    except Exception as exc:  # python-docx on a file Word wrote oddly: one line, never a crash
        raise InputFileError(name, f"cannot read the .docx file ({type(exc).__name__}): save it again from "
                                   "Word or WPS") from exc


def _docx_text(document) -> RawText:
    from docx.table import Table

    from compare.ingest.wordnum import Numbering

    numbering = Numbering(document)
    lines: list[str] = []
    n_auto = n_unrendered = 0
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(table_lines(block))
            continue
        text = block.text
        if text.strip() and numbering.is_numbered(block):
            n_auto += 1
            label = numbering.label(block)
            if label is None:
                n_unrendered += 1
            elif not text.lstrip().startswith(label):
                text = label + text.lstrip()
        lines.append(text)
    warnings = []
    if n_unrendered:
        warnings.append(f"{n_unrendered} paragraph(s) use Word's automatic numbering that could not be rendered "
                        "(no numbering definition): items may be missing their markers (in Word: select all, "
                        "开始 > 编号 > 转换为文本 / in WPS: 文字工具, then save again)")
    elif n_auto:
        warnings.append(f"{n_auto} paragraph(s) numbered by Word's automatic numbering: their numbers were "
                        "rendered from the document's numbering definitions")
    return RawText("\n".join(lines), "docx", NO_ENCODING, warnings)


# ---------------------------------------------------------------------------------------------
# .xlsx


def read_xlsx(data: bytes, name: str | Path) -> RawText:
    """A task list published as an Excel workbook (重点工作任务清单.xlsx): every sheet in order, one line per
    row with its non-empty cells joined by a tab (a title in a merged first row is one line), as a Word
    table is read. Formulas give their cached values."""
    import openpyxl  # imported only when a workbook is present

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for damaged or protected files
        raise InputFileError(name, f"cannot open the Excel file ({type(exc).__name__}): save it again from Excel "
                                   "or WPS, or save the plan as .docx") from exc
    lines: list[str] = []
    try:
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows(values_only=True):
                cells = [_excel_cell(v) for v in row]
                cells = [c for c in cells if c]
                if cells:
                    lines.append("\t".join(cells))
    except Exception as exc:
        raise InputFileError(name, f"cannot read the Excel file ({type(exc).__name__}): save it again") from exc
    finally:
        workbook.close()
    return RawText("\n".join(lines), "xlsx", NO_ENCODING)


def _excel_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 序号 1.0 -> 1
    return " ".join(str(value).split())


# ---------------------------------------------------------------------------------------------
# .pdf

_CJK_SPACED_RE = re.compile(r"(?<=[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef“”‘’《》—…]) +"
                            r"(?=[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef“”‘’《》—…])")
#: page numbers as printed: —1— / - 1 - / – 12 – / 第1页 / 第 1 页 共 9 页 / 1/9 / 1
PAGE_NUMBER_RE = re.compile(
    r"^[\s\-—–－─_·•]*(第\s*\d+\s*页(\s*[，,/]?\s*共\s*\d+\s*页)?|\d{1,3}(\s*/\s*\d{1,3})?|[ivxlcIVXLC]{1,6})[\s\-—–－─_·•]*$")
_SENTENCE_END_RE = re.compile(r"[。；！？：:;!?]$")
_DIGITS_RE = re.compile(r"\d+")
MIN_TEXT_CHARS_PER_PAGE = 10  # below this on average, the PDF has no usable text layer


@dataclass
class PdfLine:
    text: str
    x0: float
    x1: float
    text_x0: float | None = None  # where the text after a leading item marker starts (a hanging indent)


_CJK_PAIR_RE = re.compile(r"[\u3400-\u9fff](?=[\u3400-\u9fff])")


def join_cjk_spaces(line: str) -> str:
    """`河 南 省 科 协` -> `河南省科协`: in a line set with spaces between its characters (more spaced
    CJK pairs than adjacent ones), the spaces between two CJK characters or CJK punctuation go; a space
    the text itself has between two words (深化改革 培育…) stays."""
    if " " not in line:
        return line
    spaced = len(_CJK_SPACED_RE.findall(line))
    if spaced and spaced >= len(_CJK_PAIR_RE.findall(line)):
        return _CJK_SPACED_RE.sub("", line)
    return line


_SPACE_RUN_RE = re.compile(r" +")
_LEADING_MARKER_RE = re.compile(r"([（(]?[0-9一二三四五六七八九十]{1,3}[.、．）)]|[（(][0-9一二三四五六七八九十]{1,3}[）)])[ \t]*")
_MARKER_TAB_RE = re.compile(r"^([（(]?[0-9一二三四五六七八九十]{1,3}[.、．）)]|[（(][0-9一二三四五六七八九十]{1,3}[）)]|[一二三四五六七八九十]{1,3}是)\t")
#: a gap between two characters wider than this many character heights separates table cells
CELL_GAP = 1.5


def _line_text(raw: str, offset: int, textpage, n_chars: int) -> str:
    """One line's text: a run of spaces over a gap wider than 1.5 character heights (table cells set
    apart) becomes a tab, as a Word table row is read; a line set with spaces between its characters
    is joined (`join_cjk_spaces`); other space runs become one space."""
    def box(i: int):
        return textpage.get_charbox(offset + i) if offset + i < n_chars else None

    parts, last = [], 0
    for m in _SPACE_RUN_RE.finditer(raw):
        before, after = box(m.start() - 1) if m.start() else None, box(m.end()) if m.end() < len(raw) else None
        sep = " "
        if before is not None and after is not None:
            height = max(before[3] - before[1], after[3] - after[1], 1.0)  # a period's box is flat
            if after[0] - before[2] >= CELL_GAP * height:
                sep = "\t"
        parts += [raw[last:m.start()], sep]
        last = m.end()
    parts.append(raw[last:])
    line = " ".join("".join(parts).split(" "))
    if "\t" in line:  # a wide gap after an item marker (Word's numbering tab, 1.→举办…) is no cell break
        line = _MARKER_TAB_RE.sub(r"\1", "\t".join(" ".join(cell.split()) for cell in line.split("\t") if cell.strip()))
    if "\t" in line:
        return line
    return join_cjk_spaces(" ".join(line.split()))


def _page_lines(page) -> list[PdfLine]:
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
        n_chars = textpage.count_chars()
        lines: list[PdfLine] = []
        start = 0
        for raw in re.split(r"(\r\n|\n|\r)", text):
            if raw in ("\r\n", "\n", "\r"):
                start += len(raw)
                continue
            if raw.strip():
                lead = len(raw) - len(raw.lstrip())
                first, last = start + lead, start + len(raw.rstrip()) - 1
                x0 = textpage.get_charbox(first)[0] if first < n_chars else 0.0
                x1 = textpage.get_charbox(last)[2] if last < n_chars else 0.0
                body = raw.strip()
                marker = _LEADING_MARKER_RE.match(body)
                text_x0 = (textpage.get_charbox(first + marker.end())[0]
                           if marker and marker.end() < len(body) and first + marker.end() < n_chars else None)
                lines.append(PdfLine(_line_text(body, first, textpage, n_chars), x0, x1, text_x0))
            start += len(raw)
        return lines
    finally:
        textpage.close()


def _furniture_key(line: str) -> str:
    return _DIGITS_RE.sub("#", line.replace(" ", ""))


def drop_page_furniture(pages: list[list[PdfLine]]) -> tuple[list[list[PdfLine]], int]:
    """Drop page numbers and running headers/footers: a line among the first or last two of a page whose
    text (digits ignored) recurs at the top or bottom of at least half the pages (and of at least 2),
    except a plan title at the top of the first page (a running header may repeat the title).
    Returns (pages, lines dropped)."""
    edge: Counter = Counter()
    for lines in pages:
        keys = {_furniture_key(pl.text) for pl in lines[:2] + lines[-2:]}
        edge.update(keys)
    threshold = max(2, (len(pages) + 1) // 2)
    running = {k for k, n in edge.items() if n >= threshold} if len(pages) >= 2 else set()
    from compare.ingest.structure import is_title_line

    out, dropped = [], 0
    for page_no, lines in enumerate(pages):
        keep = []
        for k, pl in enumerate(lines):
            at_edge = k < 2 or k >= len(lines) - 2
            if page_no == 0 and k < 2 and is_title_line(pl.text):
                keep.append(pl)  # a running header repeating the plan's title: its first page has the title
                continue
            if at_edge and (PAGE_NUMBER_RE.match(pl.text) or _furniture_key(pl.text) in running):
                dropped += 1
                continue
            keep.append(pl)
        out.append(keep)
    return out, dropped


_FIRST_WORD_RE = re.compile(r"[A-Za-z0-9%.,\-]+|.")


def rejoin_lines(pages: list[list[PdfLine]]) -> list[str]:
    """Rejoin lines the layout broke at the right margin. A line continues the previous one when the
    previous one was wrapped (the line's first character, or first Latin word, would not have fitted
    before the right margin: the right edge of the widest line), the line is not indented and does not
    start an item (一、 / （一） / 1. …; a line under the text after the paragraph's marker is not indented:
    Word's hanging numbered lists), and, in a document that does not indent its paragraphs, the
    previous line does not end a sentence (。；！？：). Table rows (cells joined by a tab) stand alone.
    Page breaks are crossed."""
    from compare.ingest.structure import is_marker

    all_lines = [pl for lines in pages for pl in lines]
    if not all_lines:
        return []
    right = max(pl.x1 for pl in all_lines)
    left = min(pl.x0 for pl in all_lines)
    widths = sorted((pl.x1 - pl.x0) / max(1, len(pl.text)) for pl in all_lines if len(pl.text) >= 5)
    char_w = widths[len(widths) // 2] if widths else 12.0
    indented = [pl.x0 > left + 1.2 * char_w or pl.text.startswith("\u3000") for pl in all_lines]
    indents_paragraphs = sum(indented) >= max(2, 0.1 * len(all_lines))
    out: list[str] = []
    prev: PdfLine | None = None
    hang: float | None = None  # where the current paragraph's text starts after its marker (hanging indent)
    for pl, indent in zip(all_lines, indented):
        if indent and hang is not None and abs(pl.x0 - hang) < 0.6 * char_w:
            indent = False  # lines up under the text after the paragraph's marker (1.␣举办… / ␣␣␣高水平…)
        if prev is not None and not indent and not is_marker(pl.text) and "\t" not in pl.text + prev.text:
            word = _FIRST_WORD_RE.match(pl.text).group(0)
            word_w = len(word) * (pl.x1 - pl.x0) / max(1, len(pl.text))
            wrapped = right - prev.x1 <= max(1.5 * char_w, word_w + 0.5 * char_w)
            if wrapped and (indents_paragraphs or not _SENTENCE_END_RE.search(prev.text)):
                latin = re.search(r"[A-Za-z0-9,.]$", out[-1]) and re.match(r"[A-Za-z]", pl.text)
                out[-1] += (" " if latin else "") + pl.text
                prev = pl
                continue
        out.append(pl.text)
        prev, hang = pl, pl.text_x0
    return out


def read_pdf(data: bytes, name: str | Path) -> RawText:
    import pypdfium2 as pdfium  # imported only when a PDF is present

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        reason = str(exc)
        if "password" in reason.lower():
            raise InputFileError(name, "the PDF is password-protected: save an unprotected copy") from exc
        raise InputFileError(name, f"cannot open the PDF ({reason}): save it again or find the text version") from exc
    try:
        pages = [_page_lines(document[i]) for i in range(len(document))]
    except Exception as exc:  # pdfium on a damaged page: one line, never a crash
        raise InputFileError(name, f"cannot read the PDF's text ({type(exc).__name__}): save it again or find "
                                   "the text version") from exc
    finally:
        document.close()
    n_chars = sum(len(pl.text) for lines in pages for pl in lines)
    if not pages or n_chars < MIN_TEXT_CHARS_PER_PAGE * len(pages):
        raise InputFileError(name, "a scanned PDF without a text layer: run OCR on it (e.g. WPS/Acrobat "
                                   "'识别文字'/'Recognize text') or find the text version of the plan")
    pages, _dropped = drop_page_furniture(pages)
    return RawText("\n".join(rejoin_lines(pages)), "pdf", NO_ENCODING)
