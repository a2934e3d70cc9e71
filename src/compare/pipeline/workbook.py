"""The tables for Excel, WPS and LibreOffice: one workbook (``export --xlsx``, and the build's
``data/processed/kexie_compare.xlsx``) and CSV copies with Chinese headers (``export --lang zh``).

The workbook opens with a 说明 sheet (what each sheet holds, sources, generation time, model and code
versions), then one sheet per table that exists: documents, items, targets, item themes, theme shares
and the intake report. Headers are Chinese (:mod:`compare.core.labels`), header rows frozen, every
sheet has an autofilter and column widths that fit its content; list columns are joined with 、.
"""
from __future__ import annotations

import datetime as _dt
import io as _io
import logging
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from compare.core.errors import ParameterError
from compare.core.io import atomic_write_bytes, csv_bytes
from compare.core.labels import with_zh_headers, zh_table
from compare.pipeline import sheetxml

log = logging.getLogger(__name__)

WORKBOOK_NAME = "kexie_compare.xlsx"
#: tables of the workbook, in sheet order (those that exist in the processed directory)
WORKBOOK_TABLES = ("documents", "items", "targets", "item_themes", "theme_shares", "item_instruments", "intake")
SHEET_NOTES = {
    "documents": "每份工作计划一行：省份、层级、年份、文件类型、标题、发文单位、文号等",
    "items": "每个工作条目一行（计划层级中的每个末级条目），按文件中的顺序",
    "targets": "条目中的每个量化目标一行（如“不少于200场”）；数值只在同一计数对象和单位内可比",
    "item_themes": "每个条目的主题（得分最高者）、各主题得分、次选主题和判定依据",
    "theme_shares": "各省、各年、各类文件中各主题的条目占比",
    "item_instruments": "政策工具编码表：每个条目的编码（文件-章节-条目）、政策工具类型（供给型/环境型/需求型）、"
                        "工具、次选工具、主题和判定依据；低置信度的条目值得人工复核（与次选工具比较）；"
                        "编码中的文件序号一经给出不再改变（新增计划取下一个序号）",
    "intake": "收录报告：data/raw 中每个文件是否读入、原因和提示",
}
MAX_WIDTH = 60  # characters: longer cells (item texts) are cut off in view, not in the data
MAX_CELL = 32767  # characters Excel holds in one cell


def _display_width(value) -> int:
    text = "" if value is None else str(value)
    first = text.split("\n", 1)[0]
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in first)


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Lists joined with 、, missing values empty: what a spreadsheet cell holds."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object:  # lists (also as numpy arrays, as Parquet gives them) -> one cell
            out[col] = out[col].map(lambda v: "、".join(map(str, v)) if isinstance(v, (list, tuple))
                                    or (hasattr(v, "tolist") and not isinstance(v, str)) else v)
    return out.astype(object).where(out.notna(), None)


def _selected(processed_dir: Path, *, provinces=None, doc_type=None, level=None) -> dict[str, pd.DataFrame]:
    """The workbook's tables, restricted to the chosen documents (all when nothing is chosen)."""
    from compare.core.io import read_table

    tables: dict[str, pd.DataFrame] = {}
    for name in WORKBOOK_TABLES:
        if (processed_dir / f"{name}.parquet").is_file():
            tables[name] = read_table(name, processed_dir)
    if "documents" not in tables:
        from compare.core.errors import EmptyCorpusError

        raise EmptyCorpusError(f"{processed_dir}/documents.parquet does not exist: run `python -m compare ingest` first")
    if "item_instruments" in tables and len(tables.get("items", ())):  # the coding table as studies print it
        from compare.analysis import Corpus
        from compare.analysis.instruments import instrument_coding_table

        tables["item_instruments"] = instrument_coding_table(Corpus.from_frames(
            items=tables["items"], documents=tables["documents"], item_themes=tables.get("item_themes"),
            item_instruments=tables["item_instruments"]))
    if provinces or doc_type or level:
        from compare.analysis import like_with_like
        from compare.analysis.selection import canonical_provinces

        docs = tables["documents"]
        docs = like_with_like(docs, doc_types=doc_type, levels=level, include_departments=not (doc_type or level))
        if provinces:
            wanted = canonical_provinces([provinces] if isinstance(provinces, str) else list(provinces))
            docs = docs[docs["province"].isin(wanted)]
        ids = set(docs["doc_id"])
        for name, df in tables.items():
            if "doc_id" in df.columns and name != "intake":
                tables[name] = df[df["doc_id"].isin(ids)].reset_index(drop=True)
        if "theme_shares" in tables:
            ts = tables["theme_shares"]
            keys = set(zip(docs["province"], docs["year"], docs["doc_type"]))
            tables["theme_shares"] = ts[[k in keys for k in zip(ts["province"], ts["year"], ts["doc_type"])]]
    return tables


def _versions(tables: dict[str, pd.DataFrame]) -> tuple[str, str]:
    from compare import __version__

    try:
        from compare.core.hashing import code_version

        code = f"{__version__} ({code_version()[:12]})"
    except Exception:  # noqa: BLE001 - a version string must never stop an export
        code = __version__
    models = []
    if "item_themes" in tables and "model_version" in tables["item_themes"].columns:
        models = sorted(set(tables["item_themes"]["model_version"].dropna().astype(str)))
    return code, "、".join(models) or "（未记录）"


def _instrument_version(tables: dict[str, pd.DataFrame], processed_dir: Path) -> list[list]:
    """The 说明 row naming the saved instrument model that coded the items (none without coding)."""
    if "item_instruments" not in tables:
        return []
    from compare.text import instrument_model

    return [["政策工具模型版本", instrument_model.current_version(processed_dir) or "（未记录）"]]


def _readme(tables: dict[str, pd.DataFrame], processed_dir: Path, selection: str) -> list[list]:
    code, model = _versions(tables)
    docs = tables["documents"]
    rows = [["kexie-compare 科协工作计划比较：数据表", ""], ["", ""],
            ["生成时间", _dt.datetime.now(_dt.timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M %Z")],
            ["代码版本", code], ["主题模型版本", model], *_instrument_version(tables, processed_dir),
            ["数据目录", str(processed_dir)],
            ["所选文件", selection], ["来源", "各省科协工作计划原文（data/raw），文件名与 sha256 见“文件”表的源文件列"],
            ["来源文件", "、".join(sorted(set(docs["source_file"].astype(str))))[:2000] if "source_file" in docs else ""],
            ["", ""], ["工作表", "内容（行数）"]]
    for name, df in tables.items():
        rows.append([zh_table(name), f"{SHEET_NOTES.get(name, '')}（{len(df)} 行）"])
    rows += [["", ""], ["说明", "列表型的列（如责任部门）用“、”连接；数值只在同一计数对象和单位内相加或比较。"]]
    return rows


def _header(ws, plain: pd.DataFrame, headers: list[str]) -> None:
    """Column widths (from the header and the first 300 rows), the frozen header row, the autofilter
    over every row and the header row itself, bold on a pale blue fill."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    for j, header in enumerate(headers, 1):
        sample = [header] + plain.iloc[:300, j - 1].tolist()
        width = min(max(_display_width(v) for v in sample) + 2, MAX_WIDTH)
        ws.column_dimensions[get_column_letter(j)].width = max(width, 6)
    ws.freeze_panes = "A2"
    if headers:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(len(plain) + 1, 1)}"
    bold, fill, middle = Font(bold=True), PatternFill("solid", fgColor="E8EEF5"), Alignment(vertical="center")
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(ws, value=header)
        cell.font, cell.fill, cell.alignment = bold, fill, middle
        header_cells.append(cell)
    ws.append(header_cells)


def _write_sheet(ws, df: pd.DataFrame, plain: pd.DataFrame, fast: dict[str, bytes] | None = None) -> None:
    """One table into a write-only sheet (rows streamed, not kept as cell objects): widths, frozen
    header and autofilter are set before the first row, as streaming requires. With fast (a dict),
    openpyxl writes the header and the first row (which registers the cells' styles) and the other
    rows are made as the same XML in one pass (compare.pipeline.sheetxml), kept in fast[ws.title]."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.utils import get_column_letter

    headers = [str(c) for c in plain.columns]
    _header(ws, plain, headers)
    shares = {j for j, column in enumerate(df.columns) if str(column).startswith("share")}  # as percentages

    def text(v: str) -> str:
        v = ILLEGAL_CHARACTERS_RE.sub("", v)
        if len(v) > MAX_CELL:  # Excel's limit per cell; the CSV and Parquet keep the whole text
            v = v[:MAX_CELL - 1] + "…"
        return v

    def cell(j: int, v):
        if isinstance(v, str):
            v = text(v)
            if v.startswith("="):  # text that starts with = is text, never a formula
                c = WriteOnlyCell(ws, value=v)
                c.data_type = "s"
                return c
        if j in shares:
            c = WriteOnlyCell(ws, value=v)
            c.number_format = "0.0%"
            return c
        return v

    rows = plain.itertuples(index=False)
    if fast is None:
        for row in rows:
            ws.append([cell(j, v) for j, v in enumerate(row)])
        return
    first = next(rows, None)
    if first is None:
        return
    ws.append([cell(j, v) for j, v in enumerate(first)])
    percent = {}
    if shares:
        probe = WriteOnlyCell(ws)
        probe.number_format = "0.0%"
        percent = dict.fromkeys(shares, probe.style_id)  # the style the first row's cells registered
    letters = [get_column_letter(j) for j in range(1, len(headers) + 1)]
    cleaned = ([text(v) if type(v) is str else v for v in row] for row in rows)
    fast[ws.title] = sheetxml.rows_xml(cleaned, 3, letters, percent=percent)


def export_workbook(processed_dir: str | Path, path: str | Path | None = None, *, provinces=None,
                    doc_type: str | None = None, level: str | None = None) -> Path:
    """Write the workbook (default ``<processed_dir>/kexie_compare.xlsx``, what the build writes) and
    return its path. provinces / doc_type / level keep only those documents (default: every table whole)."""
    processed_dir = Path(processed_dir)
    path = Path(path) if path is not None else processed_dir / WORKBOOK_NAME
    if path.suffix.lower() != ".xlsx":
        raise ParameterError(f"{path}: the workbook's name must end in .xlsx")
    tables = _selected(processed_dir, provinces=provinces, doc_type=doc_type, level=level)
    selection = "、".join(str(v) for v in (level, doc_type) if v) or "全部文件"
    if provinces:
        selection += "；省份：" + ("、".join(provinces) if not isinstance(provinces, str) else provinces)
    atomic_write_bytes(path, _workbook_bytes(tables, processed_dir, selection, fast=True))
    return path


def _workbook_bytes(tables: dict[str, pd.DataFrame], processed_dir: Path, selection: str, *, fast: bool) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)  # rows streamed to the file instead of kept as cell objects
    readme = wb.create_sheet("说明")
    readme.column_dimensions["A"].width = 16
    readme.column_dimensions["B"].width = 100
    for i, row in enumerate(_readme(tables, processed_dir, selection)):
        if i == 0:
            first = WriteOnlyCell(readme, value=row[0])
            first.font = Font(bold=True, size=14)
            row = [first, *row[1:]]
        readme.append(row)
    plains = {name: _plain(with_zh_headers(df, name)) for name, df in tables.items()}
    # the one-pass rows know str, int, float, bool and None: a sheet with anything else (a date) is
    # left to openpyxl, decided before any sheet is written
    rows: dict[str, bytes] | None = {} if fast and all(map(sheetxml.known_values, plains.values())) else None
    for name, df in tables.items():
        _write_sheet(wb.create_sheet(zh_table(name)), df, plains[name], rows)
    buf = _io.BytesIO()
    wb.save(buf)
    if not rows:
        return buf.getvalue()
    parts = {f"xl/worksheets/sheet{i}.xml": rows.get(ws.title, b"") for i, ws in enumerate(wb.worksheets, 1)}
    return sheetxml.splice(buf.getvalue(), parts)


def export_zh_csv(processed_dir: str | Path, out_dir: str | Path, *, tables: Sequence[str] = WORKBOOK_TABLES,
                  provinces=None, doc_type=None, level=None) -> list[Path]:
    """CSV copies of the tables with Chinese headers (UTF-8 with BOM): ``<out_dir>/<name>_zh.csv``."""
    processed_dir, out_dir = Path(processed_dir), Path(out_dir)
    chosen = _selected(processed_dir, provinces=provinces, doc_type=doc_type, level=level)
    written = []
    for name in tables:
        if name in chosen:
            path = out_dir / f"{name}_zh.csv"
            atomic_write_bytes(path, csv_bytes(with_zh_headers(chosen[name], name)))
            written.append(path)
    return written
