"""Exports for briefings, read back with the libraries an analyst's tools use: the Excel workbook
(openpyxl), CSV copies with Chinese headers, the 16:9 slide deck (python-pptx) and the Word brief
(python-docx): sheets, headers, frozen rows, filters, slides, pictures, notes, tables, CJK fonts."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from compare.core.labels import COLUMN_LABELS, zh_column
from compare.presentation.fonts import cjk_font_info

CHARTS = 8


@pytest.fixture(scope="module")
def exported(themed_dir, tmp_path_factory) -> Path:
    from compare.cli import main

    out = tmp_path_factory.mktemp("exports")
    assert main(["export", "--processed", str(themed_dir), "--out", str(out), "--xlsx", "--pptx", "--docx",
                 "--lang", "zh"]) == 0
    return out


def test_every_table_column_has_a_chinese_header():
    from compare.core import schema

    missing = [c.name for t in schema.TABLES for c in schema.columns(t) if c.name not in COLUMN_LABELS]
    assert missing == []
    assert zh_column("score_科普") == "得分：科普"


@pytest.mark.slow  # renders every chart twice (slides, Word)
def test_workbook_sheets_headers_and_layout(exported, themed_dir):
    from openpyxl import load_workbook

    wb = load_workbook(exported / "kexie_compare.xlsx")
    assert wb.sheetnames[:6] == ["说明", "文件", "工作条目", "量化目标", "条目主题", "主题占比"]
    readme = {r[0]: r[1] for r in wb["说明"].iter_rows(values_only=True) if r[0]}
    for key in ("生成时间", "代码版本", "主题模型版本", "来源", "文件", "工作条目"):
        assert key in readme, key
    docs = pd.read_parquet(themed_dir / "documents.parquet")
    for name in wb.sheetnames[1:]:
        ws = wb[name]
        assert ws.freeze_panes == "A2", name
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), name
        assert all(c.value and not str(c.value).isascii() for c in ws[1]), [c.value for c in ws[1]]
    ws = wb["文件"]
    headers = [c.value for c in ws[1]]
    assert headers[:3] == ["文件编号", "省份", zh_column(docs.columns[2])]
    assert ws.max_row == len(docs) + 1
    assert ws.column_dimensions["A"].width >= len("henan-2024-gzyd")
    items = wb["工作条目"]
    col = [c.value for c in items[1]].index("责任部门") + 1
    joined = [items.cell(r, col).value for r in range(2, items.max_row + 1)]
    assert any(v and "、" in v for v in joined) and not any(v and "；" in v for v in joined)


@pytest.mark.slow  # renders every chart twice (slides, Word)
def test_workbook_selection(themed_dir, tmp_path):
    from openpyxl import load_workbook

    from compare.pipeline.workbook import export_workbook

    path = export_workbook(themed_dir, tmp_path / "hubei.xlsx", provinces=["湖北"])
    ws = load_workbook(path)["文件"]
    col = [c.value for c in ws[1]].index("省份") + 1
    assert {ws.cell(r, col).value for r in range(2, ws.max_row + 1)} == {"湖北"}
    path = export_workbook(themed_dir, tmp_path / "plain.xlsx", doc_type="工作要点", level="省级")
    wb = load_workbook(path)
    ws = wb["文件"]
    col = [c.value for c in ws[1]].index("文件类型") + 1
    assert {ws.cell(r, col).value for r in range(2, ws.max_row + 1)} == {"工作要点"}
    shares = wb["主题占比"]
    col = [c.value for c in shares[1]].index("条目占比") + 1
    assert shares.cell(2, col).number_format == "0.0%"


@pytest.mark.slow  # renders every chart twice (slides, Word)
def test_csv_copies_with_chinese_headers(exported):
    raw = (exported / "documents_zh.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(exported / "documents_zh.csv", encoding="utf-8-sig")
    assert list(df.columns[:2]) == ["文件编号", "省份"]


@pytest.mark.slow  # renders every chart twice (slides, Word)
def test_slide_deck(exported):
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    prs = Presentation(exported / "kexie_compare.pptx")
    assert abs(prs.slide_width / prs.slide_height - 16 / 9) < 0.01
    slides = list(prs.slides)
    assert len(slides) == 1 + CHARTS
    family = cjk_font_info().family
    for slide in slides[1:]:
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == 1 and pictures[0].image.content_type == "image/png"
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        assert any(t.startswith("数据来源") for t in texts), texts
        notes = slide.notes_slide.notes_text_frame.text
        assert "数据来源" in notes and "\t" in notes  # the chart's data, tab-separated with Chinese headers
        run = next(r for s in slide.shapes if s.has_text_frame for p in s.text_frame.paragraphs for r in p.runs)
        ea = run.font._element.find("{http://schemas.openxmlformats.org/drawingml/2006/main}ea")  # noqa: SLF001
        assert run.font.name == family and ea is not None and ea.get("typeface") == family
    titles = [slides[i].shapes[0].text_frame.text for i in range(1, len(slides))]
    assert "各省科协工作要点的主题结构" in titles


@pytest.mark.slow  # renders every chart twice (slides, Word)
def test_word_brief(exported):
    from docx import Document
    from docx.oxml.ns import qn

    doc = Document(exported / "kexie_compare.docx")
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert len(headings) == CHARTS
    assert len(doc.inline_shapes) == CHARTS and len(doc.tables) == CHARTS
    assert all(t.rows[0].cells[0].text and not t.rows[0].cells[0].text.isascii() for t in doc.tables)
    sources = [p.text for p in doc.paragraphs if p.text.startswith("数据来源")]
    assert len(sources) == CHARTS
    run = doc.tables[0].rows[0].cells[0].paragraphs[0].runs[0]
    assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == cjk_font_info().family  # noqa: SLF001


def test_export_needs_something_to_write(themed_dir, capsys):
    from compare.cli import main

    assert main(["export", "--processed", str(themed_dir)]) == 1
    assert "--xlsx" in capsys.readouterr().err
