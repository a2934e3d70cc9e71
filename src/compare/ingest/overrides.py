"""Corrections the analyst controls: `data/raw/metadata.csv`.

    file,province,year,doc_type,level,city,issuer,title,exclude
    henan_2019_copy.txt,,,,,,,,yes
    zhengzhou_2023.docx,河南,2023,工作要点,市级,郑州市,,,
    henan_2024_key-work-and-work-plan.txt,,,重点工作,,,,河南省科协2024年重点工作,

- The header names `file` and any subset of the other columns, in any order. The file is UTF-8 (with or
  without BOM) or GB18030 (as Chinese Excel saves it), read by compare.core.textfile (mojibake refused);
  `#` lines are comments, rows of empty cells (Excel's blank rows) are skipped; empty cells change nothing.
- Parsed strictly, one row per line: every row has exactly one cell per header column; a value with a
  comma or a quote is quoted and its quotes doubled (`"含""引号""的值"`); an unbalanced quote, text after a
  closing quote or a quote inside an unquoted value is an error (a value never spans lines).
- A value overrides what the text gives for that file: province (any name form: 河南, 河南省, 豫),
  year (1949-2100), doc_type (core.vocab.DOC_TYPES), level (全国/省级/市级/县级), city, issuer,
  title. `exclude` (yes/true/1/是/x) leaves the file, or one of its documents, out of the tables.
- In a file with several documents a row whose `title` names one of them (as written, or contained
  in it: 重点工作 selects 河南省科协2024年重点工作) applies to that document only; a row without a
  title applies to all of them. In a one-document file `title` is the corrected title.
- A bad value or a malformed row fails the whole ingest with `metadata.csv:<line>: <reason>`
  (MetadataFileError) before anything is written: nothing of the file is applied. A row naming a file
  that is not in the raw directory is a warning.

Every document records where each field came from in `documents.provenance`: "override" for the
fields set here.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from compare.core.errors import CompareError
from compare.core.textfile import AnalystFileError, read_text
from compare.core.vocab import DOC_TYPES, LEVELS
from compare.ingest.provinces import NATIONAL, canonical_province

METADATA_FILE = "metadata.csv"
COLUMNS = ("province", "year", "doc_type", "level", "city", "issuer", "title", "exclude")
_TRUE = {"1", "true", "yes", "y", "x", "是", "排除"}
_FALSE = {"", "0", "false", "no", "n", "否"}
_NON_WORD_RE = re.compile(r"[\W_]+")


class MetadataFileError(CompareError):
    """metadata.csv has a bad value. Names the file, the line and the reason."""

    def __init__(self, path: str | Path, line: int | None, reason: str):
        self.path, self.line, self.reason = Path(path), line, reason
        where = f"{self.path.name}:{line}" if line is not None else self.path.name
        super().__init__(f"{where}: {reason}")


@dataclass
class OverrideRow:
    line: int
    file: str
    values: dict            # column -> checked value (only the non-empty cells, exclude apart)
    exclude: bool = False

    @property
    def title(self) -> str | None:
        return self.values.get("title")


def _key(title: str | None) -> str:
    import zhconv

    return _NON_WORD_RE.sub("", zhconv.convert(title or "", "zh-cn"))


@dataclass
class FileOverrides:
    """The rows of metadata.csv for one file."""
    rows: list[OverrideRow] = field(default_factory=list)

    @property
    def excluded(self) -> OverrideRow | None:
        """The row excluding the whole file (exclude set, no title), if any."""
        return next((r for r in self.rows if r.exclude and not r.title), None)

    def for_document(self, title: str | None, *, n_documents: int = 1) -> tuple[dict, OverrideRow | None]:
        """(values, row) for a document of the file. A one-document file takes its row's values as they
        are (title included); in a multi-document file a row with a title applies to the document whose
        title it names, a row without one to every document."""
        if n_documents <= 1 and len(self.rows) == 1:
            row = self.rows[0]
            return dict(row.values), row
        key = _key(title)
        general = [r for r in self.rows if not r.title]
        named = [r for r in self.rows if r.title and key and (_key(r.title) == key or _key(r.title) in key)]
        values: dict = {}
        row = None
        for r in general + named:
            values.update({k: v for k, v in r.values.items() if not (k == "title" and r in named)})
            row = r
        return values, row

    def unmatched(self, titles: list[str | None]) -> list[OverrideRow]:
        """Rows of a multi-document file whose title names none of its documents."""
        if len(titles) <= 1:
            return []
        keys = [_key(t) for t in titles]
        return [r for r in self.rows if r.title and not any(k and (_key(r.title) == k or _key(r.title) in k)
                                                              for k in keys)]


@dataclass
class Overrides:
    path: Path | None = None
    by_file: dict[str, FileOverrides] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def for_file(self, name: str) -> FileOverrides | None:
        return self.by_file.get(name)


def _check(path: Path, line: int, column: str, value: str):
    if column == "province":
        canon = NATIONAL if value in (NATIONAL, "中国科协") else canonical_province(value)
        if canon is None:
            raise MetadataFileError(path, line, f"province {value!r} is not a province name (河南, 河南省, 豫, 全国 …)")
        return canon
    if column == "year":
        if not re.fullmatch(r"\d{4}", value) or not 1949 <= int(value) <= 2100:
            raise MetadataFileError(path, line, f"year {value!r} is not a year between 1949 and 2100")
        return int(value)
    if column == "doc_type":
        if value not in DOC_TYPES:
            raise MetadataFileError(path, line, f"doc_type {value!r} is not one of {' / '.join(DOC_TYPES)}")
        return value
    if column == "level":
        if value not in LEVELS:
            raise MetadataFileError(path, line, f"level {value!r} is not one of {' / '.join(LEVELS)}")
        return value
    return value


def _bare_quote(line: str) -> int | None:
    """Column (1-based) of a double quote inside a value that does not start with one (`河南"省"`, or a
    space before the opening quote), which the csv module keeps as text; None when there is none."""
    i, start = 0, True
    while i < len(line):
        ch = line[i]
        if start and ch == '"':  # a quoted value: skip to its closing quote ("" is a quote inside it)
            i += 1
            while i < len(line) and not (line[i] == '"' and line[i + 1:i + 2] != '"'):
                i += 2 if line[i] == '"' else 1
        elif ch == '"':
            return i + 1
        start = ch == ","
        i += 1
    return None


def _cells(path: Path, line_no: int, line: str) -> list[str]:
    """The cells of one physical line, parsed strictly (RFC 4180 quoting: a value holding a comma or a
    quote is quoted, a quote inside it doubled; a value never spans lines)."""
    try:
        cells = next(csv.reader([line], strict=True))
    except csv.Error as exc:
        if "end of data" in str(exc):
            reason = ("unbalanced quote: a value opened with \" is not closed on this line (a value cannot "
                      "span lines; a quote inside a quoted value is doubled: \"\")")
        else:
            reason = ("text after a closing quote: a quoted value ends at the quote (a quote inside it is "
                      "doubled: \"\"; no space between the quote and the comma)")
        raise MetadataFileError(path, line_no, reason) from None
    column = _bare_quote(line)
    if column is not None:
        raise MetadataFileError(path, line_no, f"a quote inside an unquoted value (column {column}): quote the "
                                               "whole value and double the quote (\"含\"\"引号\"\"的值\"), or leave it out")
    return cells


def read_overrides(raw_dir: str | Path, present: set[str] | None = None) -> Overrides:
    """metadata.csv of raw_dir (an empty Overrides when there is none). Raises MetadataFileError: the
    whole file is refused at its first bad line (a bad value, a row with the wrong number of fields,
    an unbalanced quote, an encoding that does not read as Chinese), so nothing of it is applied."""
    path = Path(raw_dir) / METADATA_FILE
    if not path.is_file():
        return Overrides()
    try:
        text = read_text(path)  # UTF-8 or GB18030 (Excel), short files too; mojibake refused
    except AnalystFileError as exc:
        raise MetadataFileError(path, exc.line, exc.reason) from None
    lines = [(n, _cells(path, n, line)) for n, line in enumerate(text.split("\n"), 1)
             if line.strip() and not line.lstrip().startswith("#")]
    lines = [(n, cells) for n, cells in lines if any(c.strip() for c in cells)]  # Excel's blank rows: ,,,,
    if not lines:
        return Overrides(path)
    header_line, header = lines[0][0], [h.strip().lower() for h in lines[0][1]]
    if not header or header[0] != "file":
        raise MetadataFileError(path, header_line, "the header must start with `file` (file,province,year,doc_type,"
                                                   "level,city,issuer,title,exclude: any subset after file)")
    unknown = [h for h in header[1:] if h not in COLUMNS]
    if unknown:
        raise MetadataFileError(path, header_line, f"unknown column(s) {', '.join(unknown)}; allowed: file, {', '.join(COLUMNS)}")
    if len(set(header)) != len(header):
        raise MetadataFileError(path, header_line, "a column is named twice")
    out = Overrides(path)
    seen: dict[tuple[str, str], int] = {}
    for line_no, cells in lines[1:]:
        if len(cells) != len(header):
            raise MetadataFileError(path, line_no, f"{len(cells)} field{'s' if len(cells) != 1 else ''} for "
                                                   f"{len(header)} columns ({','.join(header)}): every row has a "
                                                   "cell per column, empty or not; a comma inside a value needs quotes")
        cells = [c.strip() for c in cells]
        name = cells[0]
        if not name:
            raise MetadataFileError(path, line_no, "the file cell is empty")
        values, exclude = {}, False
        for column, value in zip(header[1:], cells[1:]):
            if column == "exclude":
                if value.lower() not in _TRUE | _FALSE:
                    raise MetadataFileError(path, line_no, f"exclude {value!r} is not yes/no (yes, true, 1, 是, x / empty, no, 0, 否)")
                exclude = value.lower() in _TRUE
            elif value:
                values[column] = _check(path, line_no, column, value)
        key = (name, _key(values.get("title")))
        if key in seen:
            raise MetadataFileError(path, line_no, f"{name} already has a row on line {seen[key]}"
                                    + (" for this title" if values.get("title") else ""))
        seen[key] = line_no
        out.by_file.setdefault(name, FileOverrides()).rows.append(OverrideRow(line_no, name, values, exclude))
    if present is not None:
        for name in sorted(set(out.by_file) - present):
            out.warnings.append(f"{METADATA_FILE} names {name}, which is not in the raw directory")
    return out


def apply_overrides(doc, values: dict) -> None:
    """Set the overridden fields on a parsed document and mark them in its provenance. A title the
    loader inferred (the text had none) is inferred again from the corrected province, year and type."""
    for column, value in values.items():
        if column == "exclude":
            continue
        setattr(doc, column, value)
        doc.provenance[column] = "override"
    if doc.provenance.get("title") == "inferred" and "title" not in values and \
            {"province", "year", "doc_type"} & set(values):
        from compare.ingest.metadata import infer_title

        doc.title = infer_title(doc.province, doc.year, doc.doc_type)
