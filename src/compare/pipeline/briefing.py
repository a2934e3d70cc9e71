"""Briefings: a 16:9 slide deck (``export --pptx``) and a Word brief (``export --docx``) of every chart,
for one document type and level (as the figures), plus ``python -m compare export``.

Slides: a title slide, then one slide per chart: its title, the chart, the source line, and the
chart's data in the speaker notes. Bar, stacked and line charts are native PowerPoint charts holding
their data (:mod:`compare.presentation.pptx_charts`: restyle them in PowerPoint or WPS); heatmaps and
the slogan timeline, which have no native type, are pictures (PNG). Word: a heading per chart, the chart, its data as a Word table and
the source line. Text runs carry the project's CJK family (the SC face, e.g. Noto Sans CJK SC) as
their East Asian font.
"""
from __future__ import annotations

import datetime as _dt
import io as _io
import logging
from pathlib import Path

import pandas as pd

from compare.core.errors import CompareError, ParameterError
from compare.core.io import atomic_write_bytes
from compare.core.labels import with_zh_headers, zh_column, zh_table
from compare.core.vocab import DEFAULT_DOC_TYPE, DEFAULT_LEVEL
from compare.pipeline.cache import ComparisonCache
from compare.pipeline.figures import draw_charts
from compare.presentation.fonts import cjk_font_info
from compare.presentation.pptx_charts import add_chart, native_charts
from compare.presentation.report_tables import keyness_rows
from compare.presentation.style import figure_bytes, scope_label, source_line

log = logging.getLogger(__name__)

DECK_NAME = "kexie_compare.pptx"
BRIEF_NAME = "kexie_compare.docx"
NOTES_ROWS = 60  # rows of a chart's data in the speaker notes
TABLE_ROWS = 40  # rows of a chart's data in the Word table
CODING_ROWS = 300  # rows of the policy-instrument coding table in the Word brief's appendix
IMAGE_DPI = 150


def _charts(corpus, *, provinces, doc_type, level, compute=None, colors=None):
    """(chart, its PNG, its native PowerPoint charts or None) for every briefing chart, in turn."""
    for chart in draw_charts(corpus, doc_type=doc_type, level=level, provinces=provinces, compute=compute):
        png = figure_bytes(chart.figure, "png", dpi=IMAGE_DPI)
        native = native_charts(chart.name, chart.table, colors=colors, figure=chart.figure) if colors is not None \
            else None
        chart.figure.clear()
        yield chart, png, native


def _is_share(column: str) -> bool:
    return column == "share" or column.startswith("share_")


def readable(df: pd.DataFrame) -> pd.DataFrame:
    """A chart's data as the brief and the speaker notes print it, every cell text, Chinese headers:
    shares as percentages (0.1224 -> 12.2%), a change of shares in percentage points, a Log Ratio that
    has no finite value as 仅本组, other numbers to 4 significant digits.

    >>> readable(pd.DataFrame({"theme": ["科普"], "share": [0.1224], "delta": [-0.05]})).values.tolist()
    [['科普', '12.2%', '-5.0 个百分点']]
    """
    out = keyness_rows(df, decimals=3) if "log_ratio" in df.columns else df.copy()
    for col in out.columns:
        name = str(col)
        values = out[col]
        if _is_share(name) and pd.api.types.is_numeric_dtype(values):
            out[col] = values.map(lambda v: "" if pd.isna(v) else f"{float(v) * 100:.1f}%")
        elif name == "delta" and pd.api.types.is_numeric_dtype(values):
            out[col] = values.map(lambda v: "" if pd.isna(v) else f"{float(v) * 100:+.1f} 个百分点")
        else:
            out[col] = values.map(lambda v: "" if _missing(v) else (f"{v:.4g}" if isinstance(v, float) else str(v)))
    return with_zh_headers(out)


def _missing(v) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):  # a list cell
        return False


def _table_text(df: pd.DataFrame, rows: int) -> str:
    zh = readable(df.head(rows))
    lines = ["\t".join(map(str, zh.columns))]
    lines += ["\t".join(r) for r in zh.itertuples(index=False)]
    if len(df) > rows:
        lines.append(f"……共 {len(df)} 行，完整数据见 figures/ 下同名 CSV")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# slides
# --------------------------------------------------------------------------------------------------


def _pptx_font(run, family: str, size=None, bold=False, color=None) -> None:
    from pptx.dml.color import RGBColor
    from pptx.util import Pt

    run.font.name = family
    run.font.bold = bold
    if size:
        run.font.size = Pt(size)
    if color:
        run.font.color.rgb = RGBColor.from_string(color)
    rpr = run.font._element  # noqa: SLF001 - East Asian typeface: python-pptx sets only the Latin one
    for tag in ("a:ea", "a:cs"):
        el = rpr.find(f"{{http://schemas.openxmlformats.org/drawingml/2006/main}}{tag[2:]}")
        if el is None:
            el = rpr.makeelement(f"{{http://schemas.openxmlformats.org/drawingml/2006/main}}{tag[2:]}", {})
            rpr.append(el)
        el.set("typeface", family)


def _textbox(slide, left, top, width, height, text, family, size, *, bold=False, color="1F2933"):
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    run = frame.paragraphs[0].add_run()
    run.text = text
    _pptx_font(run, family, size, bold, color)
    return box


def _palette(corpus, compute) -> dict[str, str]:
    """Theme colours of the dictionary that scored the tables, as the pictures use them."""
    from compare.pipeline.figures import dictionary_in_use, theme_palette

    processed_dir = compute.processed_dir if isinstance(compute, ComparisonCache) else None
    return theme_palette(corpus, dictionary_in_use(processed_dir))


def _native_slide(slide, chart, specs, family: str) -> None:
    """The chart's subtitle, then its native chart(s): one, or a grid of small multiples (one per
    province); a change-over-time chart gets its new / dropped terms beside the lines."""
    from pptx.util import Emu, Inches

    from compare.presentation.layout import grid_shape

    subtitle = chart.caption.get("subtitle", "")
    if subtitle:
        _textbox(slide, Inches(0.4), Inches(0.72), Inches(12.5), Inches(0.45), subtitle, family, 13, color="616E7C")
    left, top, width, height = Inches(0.4), Inches(1.2), Inches(12.5), Inches(5.8)
    terms = chart.data.get("_terms")
    if terms is not None and not terms.empty:
        width = Inches(8.6)
        _textbox(slide, Inches(9.2), top, Inches(3.9), height, _terms_text(terms), family, 12)
    rows, cols = grid_shape(len(specs)) if len(specs) > 1 else (1, 1)
    cell_w, cell_h = Emu(int(width / cols)), Emu(int(height / rows))
    for k, spec in enumerate(specs):
        r, c = divmod(k, cols)
        add_chart(slide, spec, Emu(int(left + c * cell_w)), Emu(int(top + r * cell_h)), cell_w, cell_h, family=family)


def _terms_text(terms: pd.DataFrame, per_change: int = 8) -> str:
    """新出现 / 不再出现的词 per pair of years, as the picture's side panel lists them."""
    lines = ["新出现 / 不再出现的词"]
    for (fy, ty), part in terms.groupby(["from_year", "to_year"], sort=True):
        lines.append(f"{fy} → {ty}")
        for change, label in (("appears", "＋"), ("disappears", "－")):
            words = part.loc[part["change"] == change, "term"].astype(str).head(per_change).tolist()
            lines.append(f"{label} {'、'.join(words) or '（无）'}")
    return "\n".join(lines)


def export_pptx(corpus, path: str | Path, *, provinces=None, doc_type: str | None = DEFAULT_DOC_TYPE,
                level: str | None = DEFAULT_LEVEL, compute=None) -> Path:
    """Write the slide deck and return its path."""
    from pptx import Presentation
    from pptx.util import Emu, Inches

    path = Path(path)
    if path.suffix.lower() != ".pptx":
        raise ParameterError(f"{path}: the deck's name must end in .pptx")
    family = cjk_font_info().family
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    blank = prs.slide_layouts[6]
    title_slide = prs.slides.add_slide(blank)
    scope = scope_label(doc_type, level) or "全部文件"
    _textbox(title_slide, Inches(0.8), Inches(2.4), Inches(11.7), Inches(1.2), "各省科协工作计划比较", family, 40,
             bold=True)
    _textbox(title_slide, Inches(0.8), Inches(3.7), Inches(11.7), Inches(0.8),
             f"{scope}｜{'、'.join(provinces) if provinces else '全部省份'}｜{_dt.date.today():%Y-%m-%d}",
             family, 20, color="616E7C")
    n = 0
    colors = _palette(corpus, compute)
    for chart, png, specs in _charts(corpus, provinces=provinces, doc_type=doc_type, level=level, compute=compute,
                                     colors=colors):
        slide = prs.slides.add_slide(blank)
        _textbox(slide, Inches(0.4), Inches(0.15), Inches(12.5), Inches(0.6), chart.title, family, 24, bold=True)
        if specs:  # bars, lines, stacked: a native chart with its data, restyled in PowerPoint or WPS
            _native_slide(slide, chart, specs, family)
        else:  # heatmaps, the slogan timeline, tables: no native type fits
            width = Inches(12.5)
            height = Emu(int(width * 7.5 / 13.333))
            if height > Inches(6.2):
                height = Inches(6.2)
                width = Emu(int(height * 13.333 / 7.5))
            slide.shapes.add_picture(_io.BytesIO(png), int((prs.slide_width - width) / 2), Inches(0.8), width,
                                     height)
        _textbox(slide, Inches(0.4), Inches(7.05), Inches(12.5), Inches(0.4), chart.source, family, 10,
                 color="616E7C")
        notes = slide.notes_slide.notes_text_frame
        notes.text = f"{chart.title}（{chart.counts}）\n{chart.source}\n\n{_table_text(chart.table, NOTES_ROWS)}"
        for p in notes.paragraphs:
            for run in p.runs:
                _pptx_font(run, family)
        n += 1
    buf = _io.BytesIO()
    prs.save(buf)
    atomic_write_bytes(path, buf.getvalue())
    log.info("%s: title slide and %d chart slides", path, n)
    return path


# --------------------------------------------------------------------------------------------------
# Word
# --------------------------------------------------------------------------------------------------


def _docx_font(run, family: str, size=None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = family
    if size:
        run.font.size = Pt(size)
    rfonts = run._element.get_or_add_rPr().get_or_add_rFonts()  # noqa: SLF001 - East Asian font
    rfonts.set(qn("w:eastAsia"), family)


def export_docx(corpus, path: str | Path, *, provinces=None, doc_type: str | None = DEFAULT_DOC_TYPE,
                level: str | None = DEFAULT_LEVEL, compute=None) -> Path:
    """Write the Word brief and return its path."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Inches

    path = Path(path)
    if path.suffix.lower() != ".docx":
        raise ParameterError(f"{path}: the brief's name must end in .docx")
    family = cjk_font_info().family
    doc = Document()
    for name in ("Normal", "Heading 1", "Heading 2", "Title"):
        st = doc.styles[name]
        st.font.name = family
        st.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), family)
    scope = scope_label(doc_type, level) or "全部文件"
    doc.add_heading("各省科协工作计划比较", level=0)
    p = doc.add_paragraph()
    _docx_font(p.add_run(f"{scope}｜{'、'.join(provinces) if provinces else '全部省份'}｜{_dt.date.today():%Y-%m-%d}"),
               family)
    for chart, png, _ in _charts(corpus, provinces=provinces, doc_type=doc_type, level=level, compute=compute):
        doc.add_heading(chart.title, level=1)
        doc.add_picture(_io.BytesIO(png), width=Inches(6.3))
        df = readable(chart.table.head(TABLE_ROWS))
        table = doc.add_table(rows=1, cols=len(df.columns))
        table.style = "Table Grid"
        for cell, name in zip(table.rows[0].cells, df.columns):
            run = cell.paragraphs[0].add_run(str(name))
            _docx_font(run, family, 9)
            run.bold = True
        for row in df.itertuples(index=False):
            cells = table.add_row().cells
            for cell, text in zip(cells, row):
                _docx_font(cell.paragraphs[0].add_run(text), family, 9)
        note = chart.source if len(chart.table) <= TABLE_ROWS else (
            f"{chart.source}（表中为前 {TABLE_ROWS} 行，共 {len(chart.table)} 行）")
        _docx_font(doc.add_paragraph().add_run(note), family, 9)
    _coding_appendix(doc, corpus, family, provinces=provinces, doc_type=doc_type, level=level)
    buf = _io.BytesIO()
    doc.save(buf)
    atomic_write_bytes(path, buf.getvalue())
    return path


def _coding_appendix(doc, corpus, family: str, *, provinces, doc_type, level) -> None:
    """附录：政策工具编码表 of the compared plans (code 文件-章节-条目, plan, heading, type, tool, runner-up
    tool, theme, evidence), at most CODING_ROWS rows (the workbook's sheet holds them all); nothing without coding."""
    from compare.analysis.instruments import instrument_coding_table
    from compare.pipeline.figures import select_like_with_like

    if not corpus.has_instruments:
        return
    sub = select_like_with_like(corpus, doc_type=doc_type, level=level, provinces=provinces)[0]
    table = instrument_coding_table(sub)
    doc.add_heading("附录：政策工具编码表", level=1)
    intro = ("每个条目按 Rothwell 与 Zegveld 的政策工具分类编码：供给型（科协直接提供人才培养、资金、设施、信息和服务）、"
             "环境型（目标规划、制度、组织建设、宣传引导）、需求型（示范试点、购买服务、对外交流、成果转化）；"
             "编码为“文件-章节-条目”序号（文件序号一经给出不再改变，新增计划取下一个序号；与报告和工作簿中的编码相同），"
             "判定依据是决定编码的词语，次选工具是得分第二的工具；工具后标 * 的条目判断接近，值得人工复核。")
    _docx_font(doc.add_paragraph().add_run(intro), family, 10)
    # the workbook's and the reports' headers (compare.core.labels); 文件 names the plan: province, year, type
    headers = [zh_column("code"), zh_table("documents"),
               *(zh_column(c, "item_instruments") for c in ("heading", "type", "tool", "runner_up", "theme", "evidence"))]
    grid = doc.add_table(rows=1, cols=len(headers))
    grid.style = "Table Grid"
    for cell, name in zip(grid.rows[0].cells, headers):
        run = cell.paragraphs[0].add_run(name)
        _docx_font(run, family, 8)
        run.bold = True
    for r in table.head(CODING_ROWS).itertuples(index=False):
        values = [r.code, f"{r.province} {r.year} {r.doc_type}", r.heading, r.type,
                  f"{r.tool}{' *' if bool(r.low_confidence) else ''}", "" if pd.isna(r.runner_up) else r.runner_up,
                  "" if pd.isna(r.theme) else r.theme, r.evidence]
        for cell, v in zip(grid.add_row().cells, values):
            _docx_font(cell.paragraphs[0].add_run(str(v)), family, 8)
    shown = f"共 {len(table)} 条" if len(table) <= CODING_ROWS else \
        f"表中为前 {CODING_ROWS} 条，共 {len(table)} 条；完整编码表见工作簿的“政策工具编码表”"
    _docx_font(doc.add_paragraph().add_run(f"{source_line(doc_type=doc_type, level=level)}（{shown}）"), family, 9)


# --------------------------------------------------------------------------------------------------
# the command
# --------------------------------------------------------------------------------------------------


def export_command(*, processed: str | Path, out: str | Path | None = None, xlsx: bool | str | Path | None = None,
                   pptx: bool | str | Path | None = None, docx: bool | str | Path | None = None,
                   lang: str | None = None, provinces=None, doc_type: str | None = None,
                   level: str | None = None) -> int:
    """`python -m compare export [--xlsx [FILE]] [--pptx [FILE]] [--docx [FILE]] [--lang zh] [--provinces ..]
    [--doc-type 工作要点] [--level 省级] [--processed DIR] [--out DIR]`.

    xlsx / pptx / docx: True for the default file name in `out` (default: processed; for a selection,
    provinces / doc_type / level, its own directory `<processed>/<provinces>_<type>_<level>/`, so the
    whole workbook is never replaced by a part), a path for another file, None for none. lang="zh":
    CSV copies with Chinese headers in `out` too."""
    from compare.pipeline import workbook

    processed = Path(processed)
    provinces = provinces or None
    # the workbook holds every table whole unless a selection is asked for; charts default to 工作要点, 省级
    asked_type, asked_level = doc_type, level
    doc_type, level = asked_type or DEFAULT_DOC_TYPE, asked_level or DEFAULT_LEVEL
    if not (xlsx or pptx or docx) and lang != "zh":
        raise ParameterError("export: say what to write: --xlsx, --pptx, --docx and/or --lang zh")
    if provinces is not None or asked_type or asked_level:  # checked against the tables before anything is
        from compare.analysis.selection import validate_filters  # written: one line naming the choices
        from compare.core import io

        provinces = validate_filters(io.read_table("documents", processed), provinces=provinces,
                                     doc_types=asked_type, levels=asked_level)["provinces"]
    if out is None and (provinces or asked_type or asked_level):
        # a selection's files go beside the whole ones, never over them: <processed>/河南_重点工作/
        from compare.core.paths import selection_dir

        out = selection_dir(processed, "-".join(provinces or ()), asked_type, asked_level)
        out.mkdir(parents=True, exist_ok=True)
    out = Path(out or processed)
    written: list[Path] = []
    if xlsx:
        target = out / workbook.WORKBOOK_NAME if xlsx is True else Path(xlsx)
        written.append(workbook.export_workbook(processed, target, provinces=provinces, doc_type=asked_type,
                                                level=asked_level))
    if lang == "zh":
        written += workbook.export_zh_csv(processed, out, provinces=provinces, doc_type=asked_type, level=asked_level)
    if pptx or docx:
        from compare.analysis import Corpus
        corpus = Corpus.load(processed)
        cache = ComparisonCache(processed)
        try:
            if pptx:
                target = out / DECK_NAME if pptx is True else Path(pptx)
                written.append(export_pptx(corpus, target, provinces=provinces, doc_type=doc_type, level=level,
                                           compute=cache))
            if docx:
                target = out / BRIEF_NAME if docx is True else Path(docx)
                written.append(export_docx(corpus, target, provinces=provinces, doc_type=doc_type, level=level,
                                           compute=cache))
        except OSError as exc:
            raise CompareError(f"cannot write {exc.filename}: {exc.strerror}") from None
    for p in written:
        print(p)
    return 0
