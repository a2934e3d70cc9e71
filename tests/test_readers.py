"""Formats: a Big5, .docx, .pdf and .html copy of a seed give the same items as the .txt;
unreadable formats say what to do. Every copy is generated here, in tmp_path, from the tests' seeds."""
from __future__ import annotations

import io

import pytest
import zhconv
from conftest import RAW

from compare.core.errors import InputFileError
from compare.ingest.load import load_file
from compare.ingest.readers import (
    PdfLine,
    drop_page_furniture,
    join_cjk_spaces,
    read_raw,
    rejoin_lines,
)

HENAN_2019 = RAW / "henan_2019_work-plan.txt"
HUBEI_2019 = RAW / "hubei_2019_work-plan.txt"
HENAN_2024 = RAW / "henan_2024_key-work-and-work-plan.txt"


def seed_lines(path):
    return [line.strip() for line in path.read_text("utf-8").split("\n") if line.strip()]


def same_plan(doc, base):
    assert (doc.province, doc.year, doc.doc_type, doc.title) == (base.province, base.year, base.doc_type, base.title)
    assert [it["item_id"] for it in doc.items] == [it["item_id"] for it in base.items]
    assert [it["heading"] for it in doc.items] == [it["heading"] for it in base.items]
    assert [it["text"] for it in doc.items] == [it["text"] for it in base.items]
    assert doc.targets == base.targets


# --- encodings --------------------------------------------------------------------------------

def test_big5_traditional_copy_gives_the_same_items(tmp_path):
    text = zhconv.convert(HENAN_2019.read_text("utf-8"), "zh-tw").replace("\xa0", " ")
    path = tmp_path / "henan_big5.txt"
    path.write_bytes(text.encode("big5", errors="replace"))  # ［ and a few symbols have no Big5 code: ?
    (base,) = load_file(HENAN_2019)
    (doc,) = load_file(path)
    assert doc.encoding == "big5" and doc.format == "txt"
    assert (doc.province, doc.year, len(doc.items)) == ("河南", 2019, len(base.items))
    assert [it["item_id"] for it in doc.items] == [it["item_id"] for it in base.items]
    # zhconv's round trip is not the identity on every character (e.g. 着/著); the headings are
    assert sum(a["heading"] == b["heading"] for a, b in zip(doc.items, base.items)) >= 0.9 * len(base.items)
    # and the Big5 bytes decode to exactly what the same traditional text saved as UTF-8 gives
    utf8 = tmp_path / "henan_trad_utf8.txt"
    utf8.write_text(text.encode("big5", errors="replace").decode("big5"), encoding="utf-8")
    (same,) = load_file(utf8)
    assert doc.items == same.items and doc.targets == same.targets and doc.title == same.title


def test_short_big5_and_gbk_texts_are_told_apart():
    plan = "河南省科协2019年工作要点\n一、加强学会建设\n1.举办学术会议。\n"
    raw = read_raw(zhconv.convert(plan, "zh-tw").encode("big5"), "a.txt")
    assert raw.encoding == "big5" and "學會" in raw.text
    raw = read_raw(plan.encode("gbk"), "b.txt")
    assert raw.encoding == "gb18030" and raw.text == plan


@pytest.mark.parametrize("encoding, damage", [
    ("gbk", lambda b: b[:-1]),                                  # a download cut mid-character
    ("utf-8", lambda b: b[:500] + b"\xff" + b[500:]),          # a stray byte
    ("big5", lambda b: b[:-1]),
])
def test_a_few_bad_bytes_are_replaced_with_a_warning(encoding, damage):
    text = HUBEI_2019.read_text("utf-8").replace("\xa0", " ")
    if encoding == "big5":
        text = zhconv.convert(text, "zh-tw")
    data = damage(text.encode(encoding, errors="replace"))
    raw = read_raw(data, "damaged.txt")
    assert raw.encoding == {"gbk": "gb18030"}.get(encoding, encoding)
    assert raw.warnings and "undecodable byte(s)" in raw.warnings[0]


@pytest.mark.parametrize("make", [
    lambda t: t.encode("utf-8").decode("gbk", errors="replace").encode("utf-8"),   # UTF-8 read as GBK, saved
    lambda t: t.encode("gbk", errors="replace").decode("big5", errors="replace").encode("utf-8"),
    lambda t: ("锟斤拷" * 3 + t).encode("utf-8"),
])
def test_mojibake_is_reported_never_loaded(tmp_path, make):
    path = tmp_path / "garbled.txt"
    path.write_bytes(make(HUBEI_2019.read_text("utf-8")))
    with pytest.raises(InputFileError, match=r"^garbled\.txt: garbled text \(mojibake\)") as exc:
        load_file(path)
    assert "save it again as UTF-8" in str(exc.value) and "\n" not in str(exc.value)


# --- html -------------------------------------------------------------------------------------

def kexie_page(lines: list[str], title: str) -> str:
    """A page laid out as 科协 sites are: navigation, breadcrumb, title, 来源/时间 line, the plan,
    供稿人, print/close links, related articles, footer."""
    body = "\n".join(f"<p style='text-indent:2em'>{line}</p>" for line in lines)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_通知公告_河南省科学技术协会</title>
<script>var s = '1.不是条目';</script><style>.x{{}}</style></head><body>
<div class="top"><a href="/">首页</a> | <a>科协概况</a> | <a>通知公告</a> | <a>学会工作</a> | <a>科学普及</a></div>
<div class="crumb">您当前所在位置：<a>首页</a> &gt; <a>通知公告</a> &gt; 正文</div>
<div class="article"><h1 class="title">{title}</h1>
<div class="info">来源：省科协办公室　　发布时间：2019-03-12 09:30　　浏览次数：1234</div>
<div class="TRS_Editor">{body}
<p>供稿人：王五</p></div>
<div class="tools">【打印本页】【关闭窗口】</div></div>
<div class="related"><h3>相关文章</h3><ul><li><a>省科协召开全委会议</a></li><li><a>关于举办科技活动周的通知</a></li></ul></div>
<div class="footer">版权所有：河南省科学技术协会　豫ICP备05000000号　地址：郑州市政六街3号</div>
</body></html>"""


def test_html_copy_of_a_kexie_page_gives_the_same_items(tmp_path):
    lines = seed_lines(HENAN_2019)
    title = lines[0]
    path = tmp_path / "page.htm"
    path.write_text(kexie_page(lines[1:], title), encoding="utf-8")
    (base,) = load_file(HENAN_2019)
    (doc,) = load_file(path)
    assert doc.format == "html" and doc.encoding == "utf-8"
    same_plan(doc, base)
    everything = "\n".join([doc.preamble, *(it["text"] for it in doc.items)])
    for cruft in ("供稿人", "浏览次数", "打印本页", "ICP", "相关文章", "当前所在位置", "不是条目"):
        assert cruft not in everything


def test_html_keeps_headings_and_numbered_items_on_their_own_lines():
    from compare.ingest.clean import html_to_text

    page = kexie_page(["<strong>一、加强政治引领</strong>", "（一）深化学习", "1.举办学术会议。", "2.开展科普活动。"],
                      "河南省科协2019年工作要点")
    lines = [line.strip() for line in html_to_text(page).split("\n") if line.strip()]
    for line in ("一、加强政治引领", "（一）深化学习", "1.举办学术会议。", "2.开展科普活动。"):
        assert line in lines


def test_html_of_an_older_site_laid_out_in_tables(tmp_path):
    """Older 科协 sites put the whole page in nested tables, the menu in a row of links, the title in a
    cell, the plan's paragraphs in one cell (and the title again only in <title>)."""
    lines = seed_lines(HUBEI_2019)
    body = "".join(f"<p>　　{line}</p>" for line in lines if "2019年工作要点" not in line or "《" in line)
    page = f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>省科协2019年工作要点_通知公告_湖北省科学技术协会</title></head><body>
<table width="1000"><tr><td><table><tr><td><a>首页</a></td><td><a>机构概况</a></td><td><a>通知公告</a></td></tr></table></td></tr>
<tr><td><table><tr><td>发布时间：2019-03-18 来源：办公室</td></tr><tr><td class="content">{body}</td></tr></table></td></tr>
<tr><td>版权所有 湖北省科学技术协会 鄂ICP备13005063号</td></tr></table></body></html>"""
    path = tmp_path / "old_site.htm"
    path.write_bytes(page.encode("gb18030"))
    (base,) = load_file(HUBEI_2019)
    (doc,) = load_file(path)
    assert doc.encoding == "gb18030" and doc.format == "html"
    same_plan(doc, base)


def test_html_lines_separated_by_br_stay_lines():
    from compare.ingest.clean import html_to_text

    page = ("<html><body><div class='nav'>首页 | 通知</div><div class='art'><h2>河南省科协2019年工作要点</h2><p>"
            "一、加强政治引领<br>1.深入学习宣传贯彻党的精神，组织科技工作者开展学习活动。<br>"
            "2.加强学会党建工作，推动学会党组织全覆盖。</p></div><div>版权所有</div></body></html>")
    from compare.ingest.clean import cruft_rule

    lines = [line.strip() for line in html_to_text(page).split("\n") if line.strip() and not cruft_rule(line.strip())]
    assert lines[:4] == ["河南省科协2019年工作要点", "一、加强政治引领", "1.深入学习宣传贯彻党的精神，组织科技工作者开展学习活动。",
                         "2.加强学会党建工作，推动学会党组织全覆盖。"]


@pytest.mark.parametrize("seed", [HENAN_2019, HUBEI_2019], ids=lambda p: p.stem)
def test_html_repeated_headings_are_all_kept(seed):
    """trafilatura keeps one element per text in its recovery pass; a plan repeats short headings
    (（一）主要目标 under every section): without care all but one were dropped."""
    import re

    from compare.ingest.clean import html_to_text

    lines = seed_lines(seed)
    sections = [k for k, line in enumerate(lines) if re.match("^[一二三四五六七八九]、", line)]
    for k in reversed(sections):
        lines.insert(k + 1, "（一）主要目标")
    text = html_to_text(kexie_page(lines[1:], lines[0]))
    assert text.count("（一）主要目标") == len(sections) >= 4
    assert "\u2063" not in text


def test_html_plan_laid_out_as_a_table_with_its_title_only_in_h1(tmp_path):
    rows = [["序号", "项目名称", "工作目标", "责任部门"], ["1", "科普大篷车进基层", "全年开展活动100场", "科普部"],
            ["2", "院士专家工作站建设", "新建工作站10家", "学会部"], ["3", "青少年科技创新大赛", "组织参赛学生5000人次", "青少年部"]]
    table = "<table border=1>" + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows) + "</table>"
    title = "郑州市科学技术协会2023年重点工作任务清单"
    page = (f"<html><head><title>{title}_通知公告</title></head><body><div class=nav><a>首页</a> | <a>通知</a></div>"
            f"<div class=article><h1>{title}</h1><div class=info>来源：办公室 时间：2023-02-01</div><div class=content>"
            "<p>为推动全市科协工作高质量发展，制定本清单，请各部门认真抓好落实，确保各项任务按期完成。</p>"
            f"{table}</div></div><div class=footer>版权所有 郑州市科学技术协会</div></body></html>")
    path = tmp_path / "list.html"
    path.write_text(page, encoding="utf-8")
    (doc,) = load_file(path)
    assert (doc.title, doc.year, doc.city) == (title, 2023, "郑州市")
    assert [it["heading"] for it in doc.items] == ["科普大篷车进基层", "院士专家工作站建设", "青少年科技创新大赛"]


def test_html_table_rows_become_tab_joined_lines():
    from compare.ingest.clean import html_to_text

    page = ("<html><body><div><h1>某市科协2023年重点工作</h1><p>一、重点项目</p><table>"
            "<tr><th>序号</th><th>项目名称</th><th>目标</th></tr>"
            "<tr><td>1</td><td>科普大篷车进基层</td><td>开展活动100场</td></tr></table>"
            "<p>以上项目由各部门负责落实，年底前完成并报送进展情况，确保各项任务落到实处。</p></div></body></html>")
    lines = [line.strip() for line in html_to_text(page).split("\n") if line.strip()]
    assert "序号\t项目名称\t目标" in lines and "1\t科普大篷车进基层\t开展活动100场" in lines


# --- docx -------------------------------------------------------------------------------------

def make_docx(lines: list[str], table: list[list[str]] | None = None, *, table_after: int = 3) -> bytes:
    import docx

    document = docx.Document()
    for k, line in enumerate(lines):
        document.add_paragraph(line)
        if table and k == table_after:
            t = document.add_table(rows=len(table), cols=len(table[0]))
            for r, row in enumerate(table):
                for c, value in enumerate(row):
                    t.cell(r, c).text = value
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_docx_copy_gives_the_same_items(tmp_path):
    path = tmp_path / "henan_2024.docx"
    path.write_bytes(make_docx(seed_lines(HENAN_2024)))
    base = load_file(HENAN_2024)
    docs = load_file(path)
    assert [d.format for d in docs] == ["docx"] * len(base) and docs[0].encoding == "n/a"
    for doc, b in zip(docs, base):
        same_plan(doc, b)


def test_docx_tables_are_read_in_document_order_one_line_per_row():
    data = make_docx(["河南省科协2023年重点工作", "一、重点项目", "二、保障措施"],
                     [["序号", "项目名称", "目标"], ["1", "科普大篷车进基层", "开展活动100场"]], table_after=1)
    lines = read_raw(data, "plan.docx").text.split("\n")
    assert lines == ["河南省科协2023年重点工作", "一、重点项目", "序号\t项目名称\t目标",
                     "1\t科普大篷车进基层\t开展活动100场", "二、保障措施"]


def test_docx_plan_laid_out_as_a_table_gives_one_item_per_row(tmp_path):
    table = [["序号", "项目名称", "工作目标", "责任部门"],
             ["1", "科普大篷车进基层", "全年开展活动100场", "科普部"],
             ["2", "院士专家工作站建设", "新建工作站10家", "学会部"],
             ["3", "青少年科技创新大赛", "组织参赛学生5000人次", "青少年部"]]
    path = tmp_path / "list.docx"
    path.write_bytes(make_docx(["郑州市科学技术协会2023年重点工作任务清单", "为推动全市科协工作高质量发展，制定本清单。"],
                               table, table_after=1))
    (doc,) = load_file(path)
    assert (doc.year, doc.province, doc.city, doc.level) == (2023, "河南", "郑州市", "市级")
    assert [(it["item_id"], it["heading"], it["departments"]) for it in doc.items] == [
        ("1", "科普大篷车进基层", ["科普部"]), ("2", "院士专家工作站建设", ["学会部"]), ("3", "青少年科技创新大赛", ["青少年部"])]
    assert [t["phrase"] for t in doc.targets] == ["100场", "10家", "5000人次"]


def test_docx_automatic_numbering_is_rendered():
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    document.add_paragraph("河南省科协2023年工作要点")
    # a two-level list as plans number it: 一、 for sections, 1. for items (restarting under each section)
    numbering = document.part.numbering_part.element
    absn = OxmlElement("w:abstractNum")
    absn.set(qn("w:abstractNumId"), "90")
    for ilvl, fmt, text in ((0, "chineseCounting", "%1、"), (1, "decimal", "%2.")):
        lvl = OxmlElement("w:lvl")
        lvl.set(qn("w:ilvl"), str(ilvl))
        for tag, val in (("w:start", "1"), ("w:numFmt", fmt), ("w:lvlText", text)):
            el = OxmlElement(tag)
            el.set(qn("w:val"), val)
            lvl.append(el)
        absn.append(lvl)
    numbering.insert(0, absn)
    num = OxmlElement("w:num")
    num.set(qn("w:numId"), "90")
    ref = OxmlElement("w:abstractNumId")
    ref.set(qn("w:val"), "90")
    num.append(ref)
    numbering.append(num)

    def numbered(text, ilvl):
        p = document.add_paragraph(text)
        num_pr = p._p.get_or_add_pPr().get_or_add_numPr()
        num_pr.get_or_add_ilvl().val = ilvl
        num_pr.get_or_add_numId().val = 90

    numbered("加强学会建设", 0)
    numbered("举办学术会议。", 1)
    numbered("开展学术评价。", 1)
    numbered("提升科学素质", 0)
    numbered("开展科普日活动。", 1)
    document.add_paragraph("自动编号的列表", style="List Number")
    buf = io.BytesIO()
    document.save(buf)
    raw = read_raw(buf.getvalue(), "numbered.docx")
    assert raw.text.split("\n") == ["河南省科协2023年工作要点", "一、加强学会建设", "1.举办学术会议。", "2.开展学术评价。",
                                    "二、提升科学素质", "1.开展科普日活动。", "1.自动编号的列表"]
    assert "rendered" in raw.warnings[0]
    (doc,) = load_file_bytes(buf.getvalue(), "numbered.docx")
    assert [it["item_id"] for it in doc.items][:3] == ["一/1", "一/2", "二/1"]


def load_file_bytes(data, name, tmp=None):
    import tempfile
    from pathlib import Path

    d = Path(tempfile.mkdtemp())
    (d / name).write_bytes(data)
    return load_file(d / name)


@pytest.mark.parametrize("n, fmt, out", [
    (1, "chineseCounting", "一"), (10, "chineseCounting", "十"), (12, "chineseCountingThousand", "十二"),
    (20, "chineseCounting", "二十"), (35, "chineseCounting", "三十五"), (3, "decimalEnclosedCircle", "③"),
    (2, "ideographTraditional", "乙"), (4, "lowerRoman", "iv"), (3, "upperLetter", "C"), (7, "decimal", "7"),
])
def test_word_number_formats(n, fmt, out):
    from compare.ingest.wordnum import format_number

    assert format_number(n, fmt) == out


# --- pdf --------------------------------------------------------------------------------------

def make_pdf(lines: list[str], *, header: str | None = "河南省科学技术协会文件", page_numbers: bool = True,
             indent: bool = True) -> bytes:
    """A PDF with a text layer, in the project's CJK font: A4 pages, a running header, page numbers
    printed as —1—, paragraphs wrapped by the layout (fpdf2)."""
    from fpdf import FPDF

    from compare.presentation.fonts import find_cjk_font

    font = find_cjk_font()

    class Plan(FPDF):
        def header(self):
            if header:
                self.set_font("cjk", size=9)
                self.cell(0, 8, header, align="C", new_x="LMARGIN", new_y="NEXT")

        def footer(self):
            if page_numbers:
                self.set_y(-15)
                self.set_font("cjk", size=9)
                self.cell(0, 8, f"—{self.page_no()}—", align="C")

    pdf = Plan(format="A4")
    pdf.add_font("cjk", fname=str(font.path), collection_font_number=font.face_index)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font("cjk", size=12)
    for line in lines:
        pdf.set_x(pdf.l_margin + (24 if indent else 0))  # first-line indent of two characters
        pdf.write(7, line, wrapmode="CHAR")  # as Word breaks Chinese lines: anywhere, spaces or not
        pdf.ln(7)
    return bytes(pdf.output())


@pytest.mark.parametrize("seed", sorted(RAW.glob("*.txt")), ids=lambda p: p.stem)
def test_pdf_copy_gives_the_same_items(tmp_path, seed):
    path = tmp_path / "plan.pdf"
    path.write_bytes(make_pdf(seed_lines(seed)))
    base = load_file(seed)
    docs = load_file(path)
    assert [d.format for d in docs] == ["pdf"] * len(base) and docs[0].encoding == "n/a"
    for doc, b in zip(docs, base):
        same_plan(doc, b)


@pytest.mark.parametrize("seed", sorted(RAW.glob("*.txt")), ids=lambda p: p.stem)
def test_docx_copy_of_every_seed_gives_the_same_items(tmp_path, seed):
    path = tmp_path / "plan.docx"
    path.write_bytes(make_docx(seed_lines(seed)))
    base = load_file(seed)
    docs = load_file(path)
    assert len(docs) == len(base)
    for doc, b in zip(docs, base):
        same_plan(doc, b)


def test_pdf_page_numbers_and_running_headers_are_dropped():
    body = ["一、加强学会建设", "1.举办学术会议。", "2.开展科普活动。", "3.建设科技智库。", "4.服务科技工作者。",
            "二、服务创新发展", "5.建设院士工作站。", "6.组织科技服务团。", "7.举办创新大赛。", "8.推进成果转化。",
            "三、提升科学素质", "9.开展科普日活动。", "10.建设科普基地。", "11.培训科普人员。", "12.推进科普信息化。"]
    pages = [[PdfLine("河南省科学技术协会文件", 200, 400), *(PdfLine(t, 60, 300) for t in body[5 * k:5 * k + 5]),
              PdfLine(f"— {k + 1} —", 280, 310)] for k in range(3)]
    kept, dropped = drop_page_furniture(pages)
    assert dropped == 6
    assert [[pl.text for pl in p] for p in kept] == [body[0:5], body[5:10], body[10:15]]


def test_pdf_running_header_repeating_the_title_keeps_the_title_on_page_one(tmp_path):
    lines = seed_lines(HENAN_2019)
    path = tmp_path / "plan.pdf"
    path.write_bytes(make_pdf(lines[1:], header=lines[0]))  # the title only as the running header
    (base,) = load_file(HENAN_2019)
    (doc,) = load_file(path)
    same_plan(doc, base)


@pytest.mark.parametrize("line", ["—1—", "- 1 -", "– 12 –", "第1页", "第 2 页 共 9 页", "3/9", "7"])
def test_page_number_forms(line):
    from compare.ingest.readers import PAGE_NUMBER_RE

    assert PAGE_NUMBER_RE.match(line)
    assert not PAGE_NUMBER_RE.match("1.举办学术会议")


def test_pdf_lines_broken_at_the_margin_are_rejoined_and_cjk_spaces_joined():
    assert join_cjk_spaces("河 南 省 科 协 2019 年") == "河南省科协 2019 年"  # normalise_line does the digits
    assert join_cjk_spaces("贯彻《关于深化改革 培育世界一流科技期刊的意见》") == "贯彻《关于深化改革 培育世界一流科技期刊的意见》"
    lines = [PdfLine("一、加强政治引领", 60, 160), PdfLine("　　1.深入学习宣传贯彻党的精神，组织科技工作者开展", 60, 540),
             PdfLine("学习活动。", 60, 120), PdfLine("　　2.加强学会党建工作，推动学会党组织全覆盖，持续提升", 84, 540),
             PdfLine("　　3.新的段落。", 84, 200)]
    assert rejoin_lines([lines]) == ["一、加强政治引领", "　　1.深入学习宣传贯彻党的精神，组织科技工作者开展学习活动。",
                                     "　　2.加强学会党建工作，推动学会党组织全覆盖，持续提升", "　　3.新的段落。"]


def test_pdf_task_list_table_gives_one_item_per_row(tmp_path):
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    from compare.presentation.fonts import find_cjk_font

    font = find_cjk_font()
    pdf = FPDF()
    pdf.add_font("cjk", fname=str(font.path), collection_font_number=font.face_index)
    pdf.set_font("cjk", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 8, "郑州市科学技术协会2023年重点工作任务清单", new_x="LMARGIN", new_y="NEXT")
    rows = [["序号", "项目名称", "工作目标", "责任部门"], ["1", "科普大篷车进基层", "全年开展活动100场", "科普部"],
            ["2", "院士专家工作站建设", "新建工作站10家", "学会部"]]
    with pdf.table(col_widths=(10, 40, 40, 20), headings_style=FontFace(emphasis=None)) as table:
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(value)
    path = tmp_path / "list.pdf"
    path.write_bytes(bytes(pdf.output()))
    assert read_raw(path.read_bytes(), path.name).text.split("\n")[1:] == ["\t".join(r) for r in rows]
    (doc,) = load_file(path)
    assert [it["heading"] for it in doc.items] == ["科普大篷车进基层", "院士专家工作站建设"]
    assert [t["phrase"] for t in doc.targets] == ["100场", "10家"]


def test_pdf_numbering_tab_after_a_marker_is_not_a_cell_break(tmp_path):
    from fpdf import FPDF

    from compare.presentation.fonts import find_cjk_font

    font = find_cjk_font()
    pdf = FPDF()
    pdf.add_font("cjk", fname=str(font.path), collection_font_number=font.face_index)
    pdf.set_font("cjk", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, "河南省科协2023年工作要点", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 8, "一、加强学会建设", new_x="LMARGIN", new_y="NEXT")
    long_item = ("举办学术会议，组织科技工作者开展学术交流活动，提升学术交流质量和水平，"
                 "打造一批高水平学术会议品牌，推动学术交流与产业发展深度融合，服务创新驱动发展战略，"
                 "全年举办学术会议不少于50场。")
    for n, text in ((1, long_item), (2, "开展学会评估。")):
        pdf.cell(20, 8, f"{n}.")  # Word's hanging numbering: the number, a tab stop, the text
        pdf.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    path = tmp_path / "numbered.pdf"
    path.write_bytes(bytes(pdf.output()))
    (doc,) = load_file(path)
    assert [it["item_id"] for it in doc.items] == ["一/1", "一/2"]
    assert doc.items[0]["text"].endswith("服务创新驱动发展战略，全年举办学术会议不少于50场。")
    assert "\n" not in doc.items[0]["text"]  # three lines under a hanging indent, one paragraph


def test_scanned_pdf_without_text_layer_says_run_ocr(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 100, style="F")  # an image of a page, no text
    path = tmp_path / "scan.pdf"
    path.write_bytes(bytes(pdf.output()))
    with pytest.raises(InputFileError, match=r"^scan\.pdf: a scanned PDF without a text layer: run OCR"):
        load_file(path)


# --- formats that cannot be read ----------------------------------------------------------------

@pytest.mark.parametrize("name, data, says", [
    ("plan.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "save it as .docx"),
    ("plan.wps", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "a WPS document (.wps) cannot be read"),
    ("plan.wps", b"anything", "save it as .docx"),
    ("broken.docx", b"PK\x03\x04" + bytes(50), "not a valid .docx"),
    ("broken.pdf", b"%PDF-1.4\n garbage", "cannot open the PDF"),
    ("plan.rtf", b"{\\rtf1\\ansi \\'c9\\'e7 plan}", "Rich Text (.rtf) file cannot be read"),
    ("page.mht", b"MIME-Version: 1.0\r\nContent-Type: multipart/related\r\n", "save the page as .html"),
])
def test_unreadable_formats_give_one_line_saying_what_to_do(tmp_path, name, data, says):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputFileError) as exc:
        load_file(path)
    assert str(exc.value).startswith(f"{name}: ") and says in str(exc.value) and "\n" not in str(exc.value)


def test_other_office_zip_files_are_named():
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("ppt/presentation.xml", "<presentation/>")
    with pytest.raises(InputFileError, match="other than Word or Excel"):
        read_raw(buf.getvalue(), "plan.pptx")
    with pytest.raises(InputFileError, match="cannot open the Excel file"):
        read_raw(b"PK\x03\x04" + bytes(40), "broken.xlsx")


def test_xlsx_task_list_gives_one_item_per_row(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["郑州市科学技术协会2023年重点工作任务清单"])
    sheet.merge_cells("A1:D1")
    for row in (["序号", "项目名称", "工作目标", "责任部门"], [1, "科普大篷车进基层", "全年开展活动100场", "科普部"],
                [2, "院士专家工作站建设", "新建工作站10家", "学会部"], [3.0, "青少年科技创新大赛", "组织参赛学生5000人次", None]):
        sheet.append(row)
    path = tmp_path / "list.xlsx"
    workbook.save(path)
    raw = read_raw(path.read_bytes(), path.name)
    assert raw.format == "xlsx" and raw.text.split("\n")[:3] == [
        "郑州市科学技术协会2023年重点工作任务清单", "序号\t项目名称\t工作目标\t责任部门", "1\t科普大篷车进基层\t全年开展活动100场\t科普部"]
    (doc,) = load_file(path)
    assert (doc.year, doc.city, doc.format) == (2023, "郑州市", "xlsx")
    assert [it["heading"] for it in doc.items] == ["科普大篷车进基层", "院士专家工作站建设", "青少年科技创新大赛"]


def test_synthetic_corpus_saved_as_html_docx_and_pdf_gives_the_same_tables(tmp_path):
    """The benchmark's synthetic plans (built from the seeds), each saved in every format: same items."""
    import shutil

    from benchmarks import corpus as bench
    from compare.core.encoding import decode
    from compare.ingest.load import raw_files
    from compare.ingest.run import ingest

    txt = tmp_path / "txt"
    bench.generate_corpus(8, txt, raw_dir=RAW, seed=3)
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for k, p in enumerate(raw_files(txt)):
        lines = [line.strip() for line in decode(p.read_bytes())[0].split("\n") if line.strip()]
        if k % 4 == 1:
            (mixed / f"{p.stem}.html").write_text(kexie_page(lines, "通知公告"), encoding="utf-8")
        elif k % 4 == 2:
            (mixed / f"{p.stem}.docx").write_bytes(make_docx(lines))
        elif k % 4 == 3:
            (mixed / f"{p.stem}.pdf").write_bytes(make_pdf(lines, header=None))
        else:
            shutil.copy(p, mixed / p.name)
    a, b = ingest(txt, tmp_path / "a"), ingest(mixed, tmp_path / "b")
    assert sorted(b.documents.format) == ["docx", "docx", "html", "html", "pdf", "pdf", "txt", "txt"]
    cols = ["doc_id", "item_id", "heading", "text"]
    key = ["doc_id", "item_id"]
    items_a = a.items[cols].sort_values(key).reset_index(drop=True)
    items_b = b.items[cols].sort_values(key).reset_index(drop=True)
    assert len(items_a) > 50
    assert items_a.equals(items_b)
    meta = ["doc_id", "province", "year", "doc_type", "title", "issuer", "issue_number"]
    assert a.documents[meta].sort_values("doc_id").reset_index(drop=True).equals(
        b.documents[meta].sort_values("doc_id").reset_index(drop=True))
