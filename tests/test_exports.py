"""Exports for briefings, read back with the libraries an analyst's tools use: the Excel workbook
(openpyxl), CSV copies with Chinese headers, the 16:9 slide deck (python-pptx) and the Word brief
(python-docx): sheets, headers, frozen rows, filters, slides, pictures, notes, tables, CJK fonts."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from compare.core.labels import COLUMN_LABELS, zh_column
from compare.presentation.fonts import cjk_font_info

CHARTS = 11


@pytest.fixture(scope="module")
def exported(instrumented_dir, tmp_path_factory) -> Path:
    from compare.cli import main

    out = tmp_path_factory.mktemp("exports")
    assert main(["export", "--processed", str(instrumented_dir), "--out", str(out), "--xlsx", "--pptx", "--docx",
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
        charts = [s for s in slide.shapes if s.has_chart]  # native charts: bars, lines, stacked
        assert (len(pictures) == 1 and pictures[0].image.content_type == "image/png" and not charts) or \
            (charts and not pictures)
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
    assert len(headings) == CHARTS + 1  # and the appendix: the policy-instrument coding table
    assert len(doc.inline_shapes) == CHARTS and len(doc.tables) == CHARTS + 1
    assert all(t.rows[0].cells[0].text and not t.rows[0].cells[0].text.isascii() for t in doc.tables)
    sources = [p.text for p in doc.paragraphs if p.text.startswith("数据来源")]
    assert len(sources) == CHARTS + 1
    run = doc.tables[0].rows[0].cells[0].paragraphs[0].runs[0]
    assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == cjk_font_info().family  # noqa: SLF001


def test_export_needs_something_to_write(themed_dir, capsys):
    from compare.cli import main

    assert main(["export", "--processed", str(themed_dir)]) == 1
    assert "--xlsx" in capsys.readouterr().err


def _deck_charts(path: Path) -> dict[str, list]:
    """Slide title -> the native charts on that slide (empty for a picture slide)."""
    from pptx import Presentation

    prs = Presentation(path)
    return {slide.shapes[0].text_frame.text: [s.chart for s in slide.shapes if s.has_chart]
            for slide in list(prs.slides)[1:]}


def _series(chart) -> dict[str, list[float]]:
    return {s.name: list(s.values) for s in chart.plots[0].series}


@pytest.mark.slow  # renders every chart twice (slides, Word)
def test_slide_deck_charts_are_native_with_their_data(exported, instrumented_dir):
    """Bars, stacked bars and lines are python-pptx chart objects whose data equal the comparison
    tables they come from; heatmaps stay pictures; chart text carries the CJK East Asian font."""
    import numpy as np
    from pptx.enum.chart import XL_CHART_TYPE

    from compare import analysis

    corpus = analysis.Corpus.load(instrumented_dir)
    deck = _deck_charts(exported / "kexie_compare.pptx")
    for heat in ("各省科协工作要点的主题结构", "各份工作要点的文本相似度", "各省工作要点的政策工具 × 主题"):
        assert deck[heat] == [], heat
    [bar] = deck["各省工作要点的主题构成"]
    assert bar.chart_type == XL_CHART_TYPE.BAR_STACKED_100
    shares = analysis.theme_share_matrix(corpus, by="province").pivot(index="province", columns="theme",
                                                                       values="share")
    assert list(bar.plots[0].categories) == list(shares.index)
    for theme, values in _series(bar).items():
        assert np.allclose(values, shares[theme].to_numpy()), theme
    [line] = deck["河南科协工作重点的变化"]
    assert line.chart_type == XL_CHART_TYPE.LINE_MARKERS
    changes = analysis.theme_changes(corpus, "河南").pivot(index="year", columns="theme", values="share_items")
    assert list(line.plots[0].categories) == [str(y) for y in changes.index]
    for theme, values in _series(line).items():
        assert np.allclose(values, changes[theme].to_numpy()), theme
    [structure] = deck["各省工作要点的政策工具结构"]
    assert structure.chart_type == XL_CHART_TYPE.BAR_STACKED_100
    types = analysis.instrument_shares(corpus, by="province").pivot(index="province", columns="type", values="share")
    assert list(structure.plots[0].categories) == list(types.index)
    assert {k: list(np.round(v, 9)) for k, v in _series(structure).items()} == \
        {t: list(np.round(types[t].to_numpy(), 9)) for t in types.columns}
    [years] = deck["河南政策工具结构的变化"]
    assert years.chart_type == XL_CHART_TYPE.COLUMN_STACKED_100
    tools = analysis.instrument_changes(corpus, provinces="河南")
    wide = tools.pivot(index="year", columns="tool", values="share")
    used = [t for t in dict.fromkeys(tools["tool"]) if wide[t].any()]
    assert list(_series(years)) == used
    for tool, values in _series(years).items():
        assert np.allclose(values, wide[tool].to_numpy()), tool
    [targets] = deck["量化目标"]
    assert targets.chart_type == XL_CHART_TYPE.BAR_STACKED
    counted = analysis.targets_by_theme(corpus).groupby(["province", "year"])["n_targets"].sum()
    drawn = dict(zip(targets.plots[0].categories, np.sum(list(_series(targets).values()), axis=0)))
    assert drawn["湖北 2019"] == 0  # a plan without targets is a row, as in the picture
    for (p, y), n in counted.items():
        assert drawn[f"{p} {y}"] == n
    terms = deck["各省工作要点的特色词"]
    assert {c.chart_title.text_frame.text for c in terms} == {"河南", "湖北"}
    assert all(c.chart_type == XL_CHART_TYPE.BAR_CLUSTERED for c in terms)
    family = cjk_font_info().family
    xml = structure._chartSpace.xml  # noqa: SLF001
    assert f'<a:ea typeface="{family}"/>' in xml


@pytest.mark.slow  # renders every chart twice (slides, Word)
def test_workbook_and_brief_carry_the_coding_table(exported, instrumented_dir):
    from docx import Document
    from openpyxl import load_workbook

    coded = pd.read_parquet(instrumented_dir / "item_instruments.parquet")
    ws = load_workbook(exported / "kexie_compare.xlsx")["政策工具编码表"]
    headers = [c.value for c in ws[1]]
    for name in ("编码（文件-章节-条目）", "条目标题", "工具类型", "政策工具", "次选工具", "主题", "判定依据"):
        assert name in headers, name
    assert ws.max_row == len(coded) + 1
    rows = {r[headers.index("编码（文件-章节-条目）")]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    for c in coded.head(20).itertuples():
        assert rows[c.code][headers.index("政策工具")] == c.tool
        assert rows[c.code][headers.index("工具类型")] == c.type
    doc = Document(exported / "kexie_compare.docx")
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[-1] == "附录：政策工具编码表"
    appendix = doc.tables[-1]
    assert [c.text for c in appendix.rows[0].cells] == ["编码（文件-章节-条目）", "文件", "条目标题", "工具类型", "政策工具",
                                                        "次选工具", "主题", "判定依据"]
    by_code = coded.set_index("code")
    for row in appendix.rows[1:6]:
        code, _, _, typ, tool = (c.text for c in row.cells[:5])
        assert (typ, tool.rstrip(" *")) == (by_code.loc[code, "type"], by_code.loc[code, "tool"])
