"""Stage 1 of loading: raw bytes -> clean logical lines.

Each rule is a small named function with its own unit test (tests/test_clean.py):

- `decode`            bytes -> str, recording the encoding (UTF-8 ± BOM, UTF-16 ± BOM, GB18030/GBK, Big5,
                      charset-normalizer's guess); garbled text (mojibake) is refused
- `html_to_text`      an HTML page -> its main text by trafilatura, one block per line
- `to_simplified`     traditional characters -> simplified (only when the text *is* traditional)
- `normalise`         line ends, odd spaces, full-width digits, masks, punctuation, spaces around numbers
- `numbered_rows`     a table flattened one cell a line keeps its row numbers (compare.ingest.cell_tables)
- `cruft_rule`        is this line web cruft (breadcrumb, 来源/时间, navigation, footer, ICP, page number)?
- `join_page_breaks`  rejoin words split by page breaks (`积极推\\n\\n荐` -> `积极推荐`)

`clean_lines(text)` runs the text rules in that order and returns the logical lines of the plan.
"""
from __future__ import annotations

import html
import re
import unicodedata

import zhconv


# ---------------------------------------------------------------------------------------------
# masks

#: Every run of masking asterisks (`******`, `＊＊＊`, or an existing `█` run) becomes this one token.
MASK = "██"
_MASK_RE = re.compile(r"[*＊]{2,}|█+")


def count_masks(text: str) -> int:
    """Number of masked words in already-normalised text."""
    return text.count(MASK)


# ---------------------------------------------------------------------------------------------
# HTML

_HTML_RE = re.compile(r"^\s*(<!doctype\s+html|<html\b|<head\b|<body\b|<meta\b|<div\b|<p\b)", re.IGNORECASE)
_MD_TABLE_ROW_RE = re.compile(r"^\|(.*)\|\s*$")
_MD_TABLE_RULE_RE = re.compile(r"^\|[\s\-:|]+\|\s*$")


def looks_like_html(text: str) -> bool:
    return bool(_HTML_RE.match(text[:2000])) or "<html" in text[:2000].lower()


def _table_rows_to_tabs(text: str) -> str:
    """trafilatura writes a table row as `| a | b | c |`: one line with the cells joined by a tab, as a
    Word table is read (compare.ingest.readers.table_lines)."""
    out = []
    for line in text.split("\n"):
        m = _MD_TABLE_ROW_RE.match(line.strip())
        if m:
            if _MD_TABLE_RULE_RE.match(line.strip()):
                continue
            cells = [c.strip() for c in m.group(1).split("|")]
            line = "\t".join(c for c in cells if c)
        out.append(line)
    return "\n".join(out)


def html_to_text(markup: str) -> str:
    """The main text of an HTML page, one block per line, by trafilatura (tables kept, no comments;
    `favor_recall` only when the default extraction finds less than 200 characters: on a short page it
    would append the rest of the page after the main text): navigation, breadcrumbs, 来源/时间 lines,
    related links and footers are left out by the extractor; what it keeps of them goes through the
    cruft rules below. When the page names a plan title (trafilatura's title from <h1>/<title>, or a
    part of <title> such as `河南省科协2019年工作要点_通知公告_…`) that the main text lacks, it is put
    back in front. Table rows become one line with cells joined by a tab."""
    import trafilatura  # imported only when an HTML file is present (0.15 s)

    def extract(**options):
        tree = _prepare_tree(markup)
        return trafilatura.bare_extraction(tree, include_tables=True, include_comments=False, with_metadata=True,
                                           deduplicate=False, **options)

    doc = extract()
    text = (doc.text or "") if doc is not None else ""
    if len(text) < 200:
        recall = extract(favor_recall=True)
        if recall is not None and len(recall.text or "") > len(text):
            doc, text = recall, recall.text
    if not text:
        text = trafilatura.html2txt(markup) or ""
    text = html.unescape(text)
    page_title = _TITLE_TAG_RE.search(markup[:20000])
    candidates = [(doc.title or "") if doc is not None else ""]
    if page_title:
        candidates += _TITLE_SPLIT_RE.split(html.unescape(page_title.group(1)))
    from compare.ingest.structure import (
        is_title_line,  # the loader's own rule for a plan title
    )

    flat = text.replace(" ", "")
    for title in (c.strip() for c in candidates):
        if title and is_title_line(title):
            if title.replace(" ", "") not in flat:
                text = f"{title}\n{text}"
            break
    text = _table_rows_to_tabs(text).replace(f" {_CELL_SEP} ", "\t").replace(_CELL_SEP, "\t")
    return text.replace(_UNIQUE, "")


_TITLE_TAG_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TITLE_SPLIT_RE = re.compile(r"\s*[_|｜–—]+\s*|\s+-\s+")


_CELL_SEP = "\u00a6"  # ¦ joins the cells of a flattened table row until the text is out of trafilatura
_BLOCKS_IN_CELL = ".//p|.//div|.//br|.//li|.//table"


_UNIQUE = "\u2063"  # invisible separator: makes repeated blocks distinct while trafilatura reads the page
_BLOCK_TAGS = ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "span", "font", "strong", "b")


def _prepare_tree(markup: str):
    """The page as an lxml tree ready for trafilatura: data tables flattened (`_flatten_data_tables`),
    and blocks whose text repeats an earlier block's (（一）主要目标 under two sections) made distinct with
    invisible separators, removed again afterwards: trafilatura's recovery pass keeps one element per
    text ("identical-text elements collapse"), which would drop a plan's repeated headings."""
    root = _flatten_data_tables(markup) if "<table" in markup.lower() else _parse_html(markup)
    if isinstance(root, str):
        return root
    seen: dict[str, int] = {}
    for el in root.iter(*_BLOCK_TAGS):
        if len(el):  # only leaf blocks: their text is the whole of what they show
            continue
        text = (el.text or "").strip()
        if len(text) < 2:
            continue
        n = seen.get(text, 0)
        seen[text] = n + 1
        if n:
            el.text = el.text + _UNIQUE * n
    return root


def _parse_html(markup: str):
    import lxml.html

    try:
        return lxml.html.fromstring(markup)
    except (ValueError, lxml.etree.ParserError):
        return markup


def _flatten_data_tables(markup: str):
    """The page as an lxml tree in which every *data* table (no nested table, no cell holding more than
    one paragraph or more than 300 characters) is one paragraph per row, cells joined by ¦: trafilatura
    renders tables inconsistently (one cell per line, or `| a | b |`), while the plan-table rule needs
    one line per row. A layout table (a whole page or article inside a table, as older 科协 sites are
    built) becomes plain blocks: trafilatura would run a cell's paragraphs into one line."""
    import lxml.html

    root = _parse_html(markup)
    if isinstance(root, str):
        return root
    layout = []
    for table in list(root.iter("table")):
        cells = table.xpath(".//td|.//th")
        links = "".join(a.text_content() for a in table.iter("a")).split()
        if table.xpath(".//table") or not cells or any(
                len(c.xpath(_BLOCKS_IN_CELL)) > 1 or len(c.text_content()) > 300 for c in cells) or (
                links and "".join(links) == "".join(table.text_content().split())):  # a menu of links
            layout.append(table)
            continue
        block = lxml.html.Element("div")
        for tr in table.iter("tr"):
            texts = [" ".join(c.text_content().split()) for c in tr if c.tag in ("td", "th")]
            texts = [t for t in texts if t]
            if texts:
                para = lxml.html.Element("p")
                para.text = f" {_CELL_SEP} ".join(texts)
                block.append(para)
        block.tail = table.tail
        parent = table.getparent()
        if parent is not None:
            parent.replace(table, block)
    for table in layout:  # a layout table is page structure: its rows and cells become plain blocks
        for el in table.iter("table", "thead", "tbody", "tfoot", "tr", "td", "th"):
            el.tag = "div"
    return root




# ---------------------------------------------------------------------------------------------
# traditional -> simplified


def is_traditional(text: str) -> bool:
    """True when the text is written mostly in traditional characters: zhconv counts the characters
    only one script has (a mirror page's simplified spam header over a traditional plan is traditional;
    the first such character alone would decide otherwise)."""
    return zhconv.issimp(text, full=True) is False


def to_simplified(text: str) -> tuple[str, bool]:
    """(simplified text, converted?). Simplified text is returned untouched: zhconv's phrase tables are
    only applied to text that is traditional, so an already-simplified plan never changes."""
    if is_traditional(text):
        return zhconv.convert(text, "zh-cn"), True
    return text, False


def simplified(s: str | None) -> str | None:
    """Metadata values are always simplified."""
    return zhconv.convert(s, "zh-cn") if s else s


# ---------------------------------------------------------------------------------------------
# normalisation

_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65“”‘’《》〈〉【】…—█"
_CJK_CH = f"[{_CJK}]"
_ZERO_WIDTH_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACE_RE = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\x0b\x0c]")
_TAB_RUN_RE = re.compile(r" *\t[\t ]*")
#: a tab right after an item marker (Word's "save as text" of a numbered list: `1.\t举办…`) is no cell break
_MARKER_TAB_RE = re.compile(r"^([（(]?[0-9一二三四五六七八九十]{1,3}[.、．）)]|[（(][0-9一二三四五六七八九十]{1,3}[）)])\t")
_FULLWIDTH_ALNUM = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}  # ０-９
_FULLWIDTH_ALNUM.update({c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_FULLWIDTH_ALNUM.update({c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)})  # ａ-ｚ
_FULLWIDTH_ALNUM[0xFF05] = ord("%")  # ％
_PUNCT_MAP = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}
_ASCII_PUNCT_RE = re.compile(r"[,:;?!]")
_PAREN_PAIR_RE = re.compile(r"\(([^()\n]*)\)")
_QUOTE_PAIR_RE = re.compile(r'"([^"\n]*)"')
_SPACE_NUM_RE = re.compile(rf"(?<={_CJK_CH}) +(?=[0-9A-Za-z%])|(?<=[0-9A-Za-z%]) +(?={_CJK_CH})")
_SPACE_PUNCT_RE = re.compile(r" +(?=[，。、；：！？（）“”《》【】])|(?<=[，。、；：！？（）“”《》【】]) +")
_CJK_RE = re.compile(_CJK_CH)
_NEEDS_PUNCT_RE = re.compile(r"[,:;?!()\"]")
_OPEN_NEAR_CJK_RE = re.compile(rf"\((?={_CJK_CH})|(?<={_CJK_CH})\(")
_CLOSE_AFTER_CJK_RE = re.compile(rf"(?<={_CJK_CH})\)")
_MULTI_SPACE_RE = re.compile(" {2,}")
_FULLWIDTH_ALNUM_RE = re.compile("[\uff05\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_FULLWIDTH_DECIMAL_RE = re.compile(r"(?<=\d)．(?=\d)")  # 1．5万 -> 1.5万; the marker 1．stays as written
_NON_TEXT_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _is_cjk(ch: str) -> bool:
    return bool(ch) and _CJK_RE.match(ch) is not None


def fullwidth_punctuation(line: str) -> str:
    """ASCII punctuation used in Chinese text -> full-width, so web copies (often NFKC-folded) compare
    equal to the originals: `(责任部门:调研宣传部)` -> `（责任部门：调研宣传部）`.

    `, : ; ? !` change when a CJK character is next to them (so 1,000 and 14:41 and URLs stay);
    a pair of parentheses or double quotes changes when its content or a neighbour is CJK.
    """

    def paren(m: re.Match) -> str:
        before = line[m.start() - 1] if m.start() else ""
        after = line[m.end()] if m.end() < len(line) else ""
        if _CJK_RE.search(m.group(1)) or _is_cjk(before) or _is_cjk(after):
            return f"（{m.group(1)}）"
        return m.group(0)

    # innermost pairs first, repeatedly, so nested brackets are handled
    for _ in range(5):
        new = _PAREN_PAIR_RE.sub(paren, line)
        if new == line:
            break
        line = new
    line = _QUOTE_PAIR_RE.sub(lambda m: f"“{m.group(1)}”" if _CJK_RE.search(m.group(1)) else m.group(0), line)

    def punct(m: re.Match) -> str:
        i = m.start()
        before = line[i - 1] if i else ""
        j = i + 1
        while j < len(line) and line[j] == " ":
            j += 1
        after = line[j] if j < len(line) else ""
        if _is_cjk(before) or _is_cjk(after):
            return _PUNCT_MAP[m.group(0)]
        return m.group(0)

    line = _ASCII_PUNCT_RE.sub(punct, line)
    # unpaired brackets next to CJK
    line = _OPEN_NEAR_CJK_RE.sub("（", line)
    line = _CLOSE_AFTER_CJK_RE.sub("）", line)
    return line


def normalise_line(line: str) -> str:
    """One line: spaces collapsed and trimmed (a tab between table cells is kept, one per cell break), no spaces between CJK and digits (`2024 年` -> `2024年`)
    or around full-width punctuation, ASCII punctuation in Chinese text made full-width."""
    line = _SPACE_RE.sub(" ", line)
    line = _MULTI_SPACE_RE.sub(" ", line).strip()
    if "\t" in line:  # table cells (one line per row, cells joined by a tab) keep one tab between them
        line = _MARKER_TAB_RE.sub(r"\1", _TAB_RUN_RE.sub("\t", line)).strip()
    if not line:
        return ""
    if _NEEDS_PUNCT_RE.search(line):
        line = fullwidth_punctuation(line)
    if " " in line:
        line = _SPACE_NUM_RE.sub("", line)
        line = _SPACE_PUNCT_RE.sub("", line)
    return line.strip()


# pinyin glosses after characters (山(shān)東(dōng), 学（xué）) as reposting sites add them, and runs of
# `?` left where a page's non-breaking spaces were lost in a bad re-encoding
_PINYIN_GLOSS_RE = re.compile(
    r"(?<=[\u3400-\u9fff])[(（]\s*[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]*\s*[)）]")
_QUESTION_RUN_RE = re.compile(r"[?？]{3,}")


def strip_annotations(text: str) -> str:
    """`学(xué)习(xí)` -> `学习`; `????长治市科学技术协会` -> `长治市科学技术协会`."""
    if "(" in text or "（" in text:
        text = _PINYIN_GLOSS_RE.sub("", text)
    if "??" in text or "？？" in text:
        text = _QUESTION_RUN_RE.sub(" ", text)
    return text


def normalise(text: str) -> str:
    """Whole-text normalisation: line ends, zero-width characters, full-width digits/letters/％ (and ．
    between digits),
    masks (`******` -> MASK), then `normalise_line` on every line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = _ZERO_WIDTH_RE.sub("", text)
    if _FULLWIDTH_ALNUM_RE.search(text):
        text = text.translate(_FULLWIDTH_ALNUM)
    if "．" in text:
        text = _FULLWIDTH_DECIMAL_RE.sub(".", text)
    text = _MASK_RE.sub(MASK, text)
    text = strip_annotations(text)
    # characters that are never text (NUL and other C0 controls) -> space
    text = _NON_TEXT_RE.sub(" ", text)
    text = unicodedata.normalize("NFC", text)
    return "\n".join(normalise_line(line) for line in text.split("\n"))


# ---------------------------------------------------------------------------------------------
# web cruft

_MAX_CRUFT_LEN = 120
_CRUFT_RULES: tuple[tuple[str, re.Pattern], ...] = (
    ("breadcrumb", re.compile(r"(您?(当前|现在)?所在(的)?位置|当前位置)\s*[：:]")),
    ("source-or-time", re.compile(
        r"^(文章)?(来源|出处|作者|发布者|发布人|发布时间|发布日期|时间|日期|编辑|责任编辑|审核|审校|校对"
        r"|浏览次数|浏览量|点击数|点击量|阅读数|阅读量|字号|供稿|供稿人|撰稿|撰稿人|摄影|稿源)\s*[：:]")),
    ("web-timestamp", re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(\s*\d{1,2}:\d{2}(:\d{2})?)?\s*([|｜].*)?$")),
    ("footer", re.compile(
        r"copyright|©|版权所有|all rights reserved|ICP备|ICP证|公网安备|网站标识码|^网站地图|^联系我们"
        r"|^技术支持|^(联合)?主办(单位)?\s*[：:]|^承办(单位)?\s*[：:]|^协办(单位)?\s*[：:]"
        r"|^(地址|邮编|电话|传真|邮箱|E-?mail)\s*[：:]", re.IGNORECASE)),
    ("page-controls", re.compile(
        r"^[•·\s]*[【\[]?(打印本页|打印|关闭窗口|关闭|返回顶部|返回|加入收藏|收藏|分享到?|字体|上一篇|下一篇)[】\]]?"
        r"(\s*[：:].*|[•·\s]*[【\[]?(打印本页|打印|关闭窗口|关闭|返回顶部|加入收藏|收藏)?[】\]]?)*$"
        r"|^(页面|网页|本页)功能\s*[：:]")),
    ("page-tools", re.compile(r"扫一扫|在手机(上)?打开|手机扫码|微信扫|分享到|^相关(链接|文章|阅读|新闻)|^附件下载"
                              r"|^【?字体[：:]?\s*[【\[]?大|^字号[：:]?\s*大|^(浏览|阅读)(次数|量)")),
    ("page-number", re.compile(r"^[-—–－\s]*(第\s*\d+\s*页(\s*[，,/]?\s*共\s*\d+\s*页)?|\d{1,3})[-—–－\s]*$")),
    ("cc-line", re.compile(r"^抄送[：:]")),
    ("doc-sharing", re.compile(r"^版权说明[：:]|本文档由用户(提供并)?上传|^文档简介$|^资源描述$|^下载本文档$|继续免费阅读"
                               r"|^已阅读\d+页|_第\s*\d+\s*页$|^点击查看更多|^网站客服[：:]|^(大小|页数|格式|上传时间|文档编号)[：:]")),
    ("uploader-location", re.compile(r"^[•·\s]*(?:\d{4}-\d{1,2}-\d{1,2}\s*)?(?:发布于|上传于|IP属地[：:]?)\s*\S{2,8}$")),
    ("image-placeholder", re.compile(r"^(?:!\[[^\]]*\][(（][^)）]*[)）]\s*)+$|^\[(?:图片|image|img)\]$"
                                     r"|^[^\s，。；]{1,40}\.(?:png|jpe?g|gif|bmp|webp)$", re.IGNORECASE)),
    # a mirror's leftover markup: `1. <ul id="fwlom"></ul>`, `<object id="x"></object>` (tags and list marks only)
    ("html-remnant", re.compile(r"^[-•·*\s]*(?:\d{1,3}[.、]\s*)?(?:</?[a-zA-Z][a-zA-Z0-9]*\b[^<>]*>\s*)+$")),
    ("punctuation-only", re.compile(r"^[^\w\u3400-\u9fff\uf900-\ufaff□■█]+$")),
)
_NAV_SPLIT_RE = re.compile(r"\s*[|｜>＞»›]\s*")


def _is_navigation(line: str) -> bool:
    """`首页 | 科协微信 | 科普中国`, `首页 > 新闻中心 > 通知公告`: short parts separated by `|`, or by two or
    more `>` (one `>` alone may be a comparison), none of them a sentence."""
    parts = [p for p in _NAV_SPLIT_RE.split(line) if p]
    if len(parts) < 2:
        return False
    if not re.search(r"[|｜]", line) and len(parts) < 3 and "首页" not in line:
        return False
    return all(len(p) <= 12 and not re.search(r"[，。；！？]", p) for p in parts)


def cruft_rule(line: str) -> str | None:
    """The name of the web-cruft rule this line matches, or None for plan text.

    Only short lines (<= 120 characters) can be cruft: plan paragraphs are never removed.
    """
    if not line or len(line) > _MAX_CRUFT_LEN:
        return None
    if line in {"首页", "打印", "关闭", "返回顶部"}:
        return "page-controls"
    for name, rx in _CRUFT_RULES:
        if rx.search(line):
            return name
    if _is_navigation(line):
        return "navigation"
    return None


def remove_cruft(lines: list[str]) -> list[str]:
    return [line for line in lines if cruft_rule(line) is None]


# ---------------------------------------------------------------------------------------------
# page-break joins

_MID_SENTENCE_END_RE = re.compile(rf"[\u3400-\u9fff\uf900-\ufaff，、“《（0-9A-Za-z{MASK[0]}]$")
_MIN_PROSE_LEN = 30
_EVENT_CAPTION_END_RE = re.compile(r"(?:举办|举行|召开|开幕|闭幕|启动|现场|合影|留影)$")


def is_event_caption(line: str) -> bool:
    """A photo caption naming an event (`…科学家精神宣讲会在甬举办`, `…活动现场`): at most 60 characters,
    no 。 or ；, ending with 举办 / 举行 / 召开 / 现场 …; never glued to the paragraph below it."""
    return len(line) <= 60 and "。" not in line and "；" not in line and bool(_EVENT_CAPTION_END_RE.search(line))


def join_page_breaks(lines: list[str], *, is_marker, is_heading) -> list[str]:
    """Rejoin paragraphs split by page breaks (`积极推` + `荐我省…` -> `积极推荐我省…`).

    A line is glued to the previous one when the previous line is prose (>= 30 characters, not a
    heading), ends mid-sentence (a CJK character, digit, `，`, `、`, or an opening bracket/quote), and
    the line itself does not start a new item, section or title. Blank lines are ignored (page breaks
    leave them behind). `is_marker(line)` / `is_heading(line)` come from compare.ingest.structure.
    """
    out: list[str] = []
    for line in lines:
        if not line:
            continue
        if out:
            prev = out[-1]
            if (
                len(prev) >= _MIN_PROSE_LEN
                and _MID_SENTENCE_END_RE.search(prev)
                and not is_heading(prev)
                and not is_event_caption(prev)
                and not is_marker(line)
                and not is_heading(line)
            ):
                out[-1] = prev + line
                continue
        out.append(line)
    return out


def prepare_text(text: str) -> tuple[str, bool]:
    """HTML -> text, traditional -> simplified, normalise. Returns (text, converted_from_traditional)."""
    if looks_like_html(text):
        text = html_to_text(text)
    text, converted = to_simplified(text)
    return normalise(text), converted


def clean_lines(text: str) -> tuple[list[str], bool]:
    """Text -> (logical lines, converted_from_traditional): HTML stripped, simplified, normalised, web
    cruft removed, page breaks rejoined, blank lines dropped."""
    lines, converted, _site = clean_lines_and_site(text)
    return lines, converted


_BULLETED_FIELD_RE = re.compile(
    r"^[•·●▪]\s*(?P<line>(?:索引号|主题分类|成文日期|发布日期|发文日期|发文字号|发文单位|发文机关|有效性|规范性文件登记号"
    r"|信息分类|公开方式|公开范围|公文种类)(?:\s|[：:]|$|(?=[0-9A-Za-z])).*|各[^：:]{2,300}[：:])$")


# a law or government-information mirror's title field: the notice title itself (…办公厅关于印发…的通知)
_TITLE_FIELD_RE = re.compile(r"^\s*[•·●▪]?\s*(?:发文标题|文件标题|标\s*题)\s*[：:]\s*(?=\S{4,}(?:通知|方案|要点|计划|规划)$)")


def unbullet_fields(lines: list[str]) -> list[str]:
    """A government page's information table set as a bulleted list (`• 发文字号 青政发〔2022〕6号`,
    `• 各区、市人民政府，…：`): the bullets go, so that its fields are read as fields and the
    recipient line as a recipient line, never as ● items of the plan. A mirror's title field
    (`发文标题：某市人民政府办公室关于印发…的通知`) is read as the notice title it holds."""
    lines = [m.group("line") if (m := _BULLETED_FIELD_RE.match(line.strip())) else line for line in lines]
    return [_TITLE_FIELD_RE.sub("", line) for line in lines]


def clean_lines_and_site(text: str) -> tuple[list[str], bool, list[str]]:
    """`clean_lines` plus the web-page lines its cruft rules removed from the top of the page (site
    name, 主办单位, 发布时间: the metadata rules may still read a place or a last-resort date there)."""
    from compare.ingest.cell_tables import numbered_rows
    from compare.ingest.structure import is_heading, is_marker

    text, converted = prepare_text(text)
    raw = unbullet_fields(text.split("\n"))
    lines = remove_cruft(numbered_rows(raw))  # a table's row numbers before the page-number rule
    site = [line for line in raw[:40] if line and cruft_rule(line) is not None]
    return join_page_breaks(lines, is_marker=is_marker, is_heading=is_heading), converted, site
