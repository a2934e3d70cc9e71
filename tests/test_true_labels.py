"""Labels true at every level: a city or county plan's report is named for its issuer and does not say
city plans are left out; the Word brief shows shares as percentages and each similarity pair once;
reports/index.html carries its own CJK font subset; no chart's text runs outside its figure."""
from __future__ import annotations

import base64
import io
import re
import shutil
from pathlib import Path

import pytest

#: a city association's plan of 湖南, in our own words (the structure of a real 市科协 工作要点)
CHANGSHA_PLAN = """长沙市科学技术协会2024年工作要点

2024年，全市科协工作围绕服务创新发展，团结引领全市科技工作者建功立业。

一、加强政治引领
1.深入学习贯彻党的二十大精神，推进机关党建与业务工作深度融合。
2.开展科技工作者思想政治引领活动，组织科学家精神宣讲20场。

二、提升科普服务能力
3.举办全国科普日长沙主场活动，新建社区科普阵地10个。
4.推进青少年科技创新大赛，组织科技辅导员培训。

三、服务创新发展
5.深化“科创中国”试点城市建设，组织专家服务企业50家次。
6.建设市级学会服务站，推动学会承接政府转移职能。
"""


@pytest.fixture(scope="module")
def city_dir(raw_dir, tmp_path_factory) -> Path:
    """The seeds plus 长沙市科协's 2024 plan, ingested and themed."""
    from compare.ingest.run import ingest
    from compare.text.themes import run_themes

    base = tmp_path_factory.mktemp("city")
    shutil.copytree(raw_dir, base / "raw")
    (base / "raw" / "changsha_2024_work-plan.txt").write_text(CHANGSHA_PLAN, encoding="utf-8")
    result = ingest(base / "raw", base / "processed")
    assert not result.failures, result.failures
    run_themes(base / "processed")
    return base / "processed"


def _city_selection(city_dir):
    from compare.analysis import Corpus
    from compare.pipeline import params

    corpus = Corpus.load(city_dir)
    sel = params.select(corpus, province="湖南", level="市级")
    return corpus, sel, params.compared(corpus, sel)


def test_a_city_plans_report_is_named_for_its_issuer(city_dir):
    """`report --province 湖南 --level 市级` titled 长沙市科协's plan 湖南省科协工作要点分析."""
    from compare.presentation import display as show

    corpus, sel, sub = _city_selection(city_dir)
    assert list(sub.documents["issuer"]) == ["长沙市科学技术协会"]
    assert show.report_title("province", sel, corpus=sub) == "长沙市科协工作要点分析"
    assert show.report_subject(sel, sub) == "长沙市科协"
    # a provincial association's report keeps its name
    from compare.pipeline import params

    henan = params.select(corpus, province="河南")
    assert show.report_title("province", henan, corpus=params.compared(corpus, henan)) == "河南省科协工作要点分析"
    assert show.report_subject(henan, params.compared(corpus, henan)) == "河南"


def test_several_city_issuers_are_named_together():
    from compare.analysis.examples import example_corpus
    from compare.pipeline.params import Selection
    from compare.presentation import display as show

    corpus = example_corpus()
    docs = corpus.documents.assign(level="市级", issuer=["郑州市科学技术协会", "洛阳市科协", "武汉市科协", "武汉市科协"][
        :len(corpus.documents)])
    sel = Selection(provinces=("河南",), years=(2019, 2024), themes=tuple(corpus.themes), level="市级")
    henan = docs[docs["province"] == "河南"]
    title = show.report_title("province", sel, documents=henan)
    assert title.startswith("河南省市级科协工作要点分析") and "郑州市科协" in title and "洛阳市科协" in title


def test_the_coverage_note_names_the_levels_left_out(city_dir):
    """The city report said 市、县级和部门文件不计入: the plans it compares are city plans."""
    from compare.analysis import Corpus
    from compare.presentation import display as show

    corpus, sel, sub = _city_selection(city_dir)
    plans = Corpus.load(city_dir).select(provinces=sel.province, levels=sel.level)
    text = show.page_note(show.coverage(plans, sub, sel))
    assert "市、县级和部门文件不计入" not in text
    assert "省级、县级和部门文件不计入" in text and "工作要点（市级）" in text


def test_source_line_names_the_level_of_the_issuers():
    from compare.presentation.style import source_line

    assert source_line(doc_type="工作要点", level="省级") == "数据来源：各省科协工作要点（省级）"
    assert source_line(doc_type="工作要点", level="市级") == "数据来源：各市科协工作要点（市级）"
    assert source_line(doc_type="工作要点", level="县级") == "数据来源：各县科协工作要点（县级）"
    assert source_line(doc_type="工作要点", level="全国") == "数据来源：中国科协工作要点（全国）"


@pytest.mark.slow
def test_city_report_end_to_end_is_titled_for_its_issuer(city_dir, tmp_path):
    from compare.cli import main

    assert main(["report", "--province", "湖南", "--level", "市级", "--processed", str(city_dir),
                 "--out", str(tmp_path)]) == 0
    page = next(p for p in tmp_path.rglob("*.html") if p.name != "index.html").read_text(encoding="utf-8")
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1)
    assert "长沙市科协工作要点分析" in h1 and "湖南省科协" not in page
    assert "市、县级和部门文件不计入" not in page
    assert "长沙市科协工作要点的特色词" in page or "长沙市科协" in page


# ---- the Word brief --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def brief(themed_dir, tmp_path_factory):
    from docx import Document

    from compare.analysis import Corpus
    from compare.pipeline.briefing import export_docx

    path = export_docx(Corpus.load(themed_dir), tmp_path_factory.mktemp("brief") / "brief.docx")
    return Document(str(path))


def _tables_by_heading(doc) -> dict[str, list[list[str]]]:
    """Each chart's Word table (rows of cell texts) under the heading before it."""
    out, heading = {}, None
    body = doc.element.body
    tables = iter(doc.tables)
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p" and child.xpath("string(.)") and "Heading" in (child.xpath("string(.//w:pStyle/@w:val)") or ""):
            heading = child.xpath("string(.)")
        elif tag == "tbl":
            table = next(tables)
            out[heading] = [[c.text for c in row.cells] for row in table.rows]
    return out


@pytest.mark.slow
def test_word_brief_shows_shares_as_percent(brief):
    """The brief printed theme shares as 0.1224."""
    tables = _tables_by_heading(brief)
    share_cols = 0
    for heading, rows in tables.items():
        header = rows[0]
        for j, name in enumerate(header):
            values = [r[j] for r in rows[1:] if r[j]]
            if "占比" in name and values:  # (a chart with no data, e.g. uncoded instruments, has none)
                share_cols += 1
                assert all(re.fullmatch(r"-?\d+(\.\d)?%", v) for v in values), (heading, name, values[:5])
    assert share_cols >= 2
    assert not any(re.fullmatch(r"0\.\d{3,}", c) for rows in tables.values() for r in rows for c in r
                   if rows[0] and "占比" in "".join(rows[0]))


@pytest.mark.slow
def test_word_brief_lists_each_similarity_pair_once(brief):
    tables = _tables_by_heading(brief)
    rows = next(rows for heading, rows in tables.items() if "相似度" in (heading or ""))
    header = rows[0]
    a, b = header.index("文件甲"), header.index("文件乙")
    pairs = [(r[a], r[b]) for r in rows[1:]]
    assert pairs and all(x != y for x, y in pairs)  # never a plan with itself
    assert len({frozenset(p) for p in pairs}) == len(pairs)  # never both directions


# ---- reports/index.html ----------------------------------------------------------------------------


def test_index_page_embeds_its_cjk_font_subset(tmp_path):
    """reports/index.html showed empty boxes on a machine without a CJK font; the reports embed theirs."""
    from fontTools.ttLib import TTFont

    from compare.pipeline import index
    from compare.presentation.fontembed import EMBEDDED_FONT_FAMILY, page_text

    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "province_henan.html").write_text("<html></html>", encoding="utf-8")
    index.write_record(reports / "province_henan.html", index.ReportRecord(
        file="province_henan.html", source="build", kind="province", name="河南", parameters={"province": "河南"},
        status="failed", message="湖北省科协数据表缺少条目"))
    path = index.write_index(reports)
    page = path.read_text(encoding="utf-8")
    assert f'"{EMBEDDED_FONT_FAMILY}"' in page.split("</style>")[0]
    data = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", page)
    assert data, "no embedded @font-face"
    cmap = TTFont(io.BytesIO(base64.b64decode(data.group(1)))).getBestCmap()
    visible = {c for c in page_text(page) if not c.isspace()}
    cjk = {c for c in visible if ord(c) > 0x2E80}
    assert cjk and all(ord(c) in cmap for c in cjk), sorted(c for c in cjk if ord(c) not in cmap)


# ---- chart text inside the figure ------------------------------------------------------------------


def _outside(fig) -> list[str]:
    """What of a figure is drawn (partly) outside it, measured by the renderer: the figure's tight
    bounding box (every artist drawn, tick labels only where a tick is drawn) must lie inside the
    figure; each text found outside, and each axis whose tick labels are, is named."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height

    def out(box) -> bool:
        return box.x0 < -0.5 or box.y0 < -0.5 or box.x1 > width + 0.5 or box.y1 > height + 0.5

    def where(box) -> str:
        return f"{[round(v) for v in box.extents]} of {round(width)}×{round(height)}"

    bad = []
    tick_labels = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                tick_labels.update((id(tick.label1), id(tick.label2)))
            box = axis.get_tightbbox(renderer)  # the drawn ticks, their labels and the axis label
            if box is not None and out(box):
                bad.append(f"{axis.axis_name}-axis of {ax.get_title() or 'axes'} at {where(box)}")
    for text in fig.findobj(Text):
        if id(text) in tick_labels or not text.get_visible() or not text.get_text().strip():
            continue
        box = text.get_window_extent(renderer)
        if out(box):
            bad.append(f"{text.get_text()[:40]!r} at {where(box)}")
    tight = fig.get_tightbbox(renderer).transformed(fig.dpi_scale_trans)
    if out(tight) and not bad:
        bad.append(f"something at {where(tight)}")
    return bad


@pytest.mark.slow
@pytest.mark.parametrize("doc_type", ["工作要点", "学会学术工作要点", None])
def test_no_chart_text_runs_outside_its_figure(themed_dir, doc_type):
    """The distinctive-terms chart's subtitle was cut off at the right edge: every chart the figures
    step draws keeps every text (titles, subtitles, labels, source lines) inside the figure."""
    from compare.analysis import Corpus
    from compare.pipeline.figures import CHARTS, draw_charts

    corpus = Corpus.load(themed_dir)
    drawn, problems = [], []
    for chart in draw_charts(corpus, doc_type=doc_type, level="省级"):
        drawn.append(chart.name)
        problems += [f"{chart.name}: {p}" for p in _outside(chart.figure)]
        chart.figure.clear()
    assert set(drawn) == set(CHARTS)
    assert problems == []


def test_a_long_subtitle_is_fitted_inside_the_slide():
    from compare.presentation import plots

    fig = plots.distinctive_terms(
        _keyness_rows(), top_n=5, scope="省级 · 学会学术工作要点",
        subtitle="与其他省份相比用得较多的词，按关键性（G²）从高到低排列，越长越独特；浅色：差异未达显著（p ≥ 0.05）；"
                 "括号内为出现次数；这是一条特意写得很长很长的说明，用来检验副标题在幻灯片上是否会超出右边缘",
        note="缺少：" + "、".join(f"某省 {y}" for y in range(2000, 2030)))
    assert _outside(fig) == []


def _keyness_rows():
    import pandas as pd

    return pd.DataFrame({"group": ["河南", "湖北"], "term": ["科创中原", "学校"], "freq_target": [12, 3],
                         "freq_reference": [0, 0], "statistic": [10.2, 7.7], "p_value": [0.001, 0.006],
                         "log_ratio": [float("nan"), float("nan")], "rank": [1, 1]})
