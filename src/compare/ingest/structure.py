"""Stage 2 of loading: clean lines -> documents (title + body) -> the plan hierarchy -> leaf items.

Markers, from the outermost level in (a marker only counts at the start of a line):

=========  ======================  ============  ====================
rank/kind  written as              item_id part  example
=========  ======================  ============  ====================
1 section  一、 一.                 三            三、主要目标
2 subsec   （一） (一)              （三）        （三）抓好十件大事
3 item     1.  1、  1．             3             3.开展党建示范点建设
4 subitem  （1）  1）               （1）
5 ordinal  一是 … 十是, ①…⑳        七            七是组织好…
6 bullet   ——  --  ●  •  ◆  ■       ——3           ——联系科技工作者…
=========  ======================  ============  ====================

A marker nests under the nearest open marker of a smaller rank. Every leaf of the tree is one item.
Sections without children that come before the first deeper item (一、指导思想, 二、总体要求 with
prose) belong to the preamble; a childless section after it is an item itself (its prose is kept).
Text lines without a marker continue the open node (or the preamble before any marker).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from compare.core.vocab import DEPARTMENT_LABELS, PLAN_TITLE_WORDS
from compare.ingest.framing import is_framing

log = logging.getLogger(__name__)

_CN = "一二三四五六七八九十"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


@dataclass(frozen=True)
class Marker:
    kind: str      # section | subsection | item | subitem | ordinal | bullet
    rank: int
    numeral: str   # 三 / 3 / 七 ; "" for bullets (numbered by position)
    written: str   # the marker as written: 三、 （三） 3. 七是 ——
    end: int       # where the content starts in the line


_MARKER_RULES: tuple[tuple[str, int, re.Pattern], ...] = (
    ("section", 1, re.compile(rf"^([{_CN}]{{1,3}})(?:、|[.．](?!\d))")),
    ("subsection", 2, re.compile(rf"^（([{_CN}]{{1,3}})）")),
    ("item", 3, re.compile(r"^(\d{1,2})[.．、](?!\d)")),
    ("subitem", 4, re.compile(r"^（(\d{1,2})）|^(\d{1,2})）")),
    ("ordinal", 5, re.compile(rf"^([{_CN}]{{1,3}})是(?!否|非|由|指|为了)|^([{_CIRCLED}])|^第([{_CN}]{{1,3}})[，、,：:](?=\S)")),
    ("bullet", 6, re.compile(r"^(——|－－|--|[●•◆■▲★☆▪])")),
)


def match_marker(line: str) -> Marker | None:
    """The structural marker opening this line, or None."""
    for kind, rank, rx in _MARKER_RULES:
        m = rx.match(line)
        if m:
            numeral = next((g for g in m.groups() if g), "") if kind != "bullet" else ""
            end = m.end()
            while end < len(line) and line[end] == " ":
                end += 1
            if end >= len(line) and kind in ("item", "ordinal", "bullet", "subitem"):
                return None  # a bare `1.` or `——` line is not an item
            return Marker(kind, rank, numeral, m.group(0), end)
    return None


def is_marker(line: str) -> bool:
    return match_marker(line) is not None


# lines of a notice that stand alone: 文号, a date, an issuing body, a notice title (…的通知)
_STANDALONE_RE = re.compile(
    r"^[\u4e00-\u9fff]{1,12}\s*[〔\[［【（(﹝〖]\s*(?:19|20)\d\d\s*[〕\]］】）)﹞〗]?\s*第?\s*\d{1,5}\s*[号號]?$"
    r"|^(?:\d{4}|[〇○零一二三四五六七八九]{2,4})\s*年\s*[\d一二三四五六七八九十]{1,2}\s*月\s*[\d一二三四五六七八九十]{1,3}\s*日$"
    r"|^[\u4e00-\u9fff（）]{2,30}(?:科协|科学技术协会|协会|办公室|办公厅|委员会|党组|人民政府|部)$"
    r"|^\S*关于\S*通知$"
)


def is_heading(line: str) -> bool:
    """A section/sub-section heading line without a full sentence (一、指导思想, （三）抓好十件大事),
    a document title line, or a standalone notice line (文号, date, issuing body, …的通知).
    Page-break joins never glue text onto these, nor these onto text."""
    m = match_marker(line)
    if m and m.kind in ("section", "subsection") and "。" not in line:
        return True
    if len(line) <= 80 and _STANDALONE_RE.search(line) and "。" not in line:
        return True
    return is_title_line(line)


# ---------------------------------------------------------------------------------------------
# document titles

#: a text ending with a plan word (core.vocab.PLAN_TITLE_WORDS), perhaps with a bracket after it:
#: the title rule here and the metadata rules (the plan a notice hands out) share this one pattern
PLAN_TITLE_END_RE = re.compile(rf"({'|'.join(map(re.escape, PLAN_TITLE_WORDS))})(（[^）]{{1,20}}）)?$")
# not a plan title: a notice, a quotation, a sentence, or a report on work done (完成情况, 汇报, 报告)
_NOT_TITLE_RE = re.compile(r"^(关于|印发)|《|》|通知$|[。；！？，]|完成情况|汇报|报告")
# a plausible plan year (1980-2099): the one pattern the loader and the title rules share
YEAR = r"(?:19[89]\d|20\d\d)"
_YEAR_RE = re.compile(rf"(?<!\d)({YEAR})(?!\d)")
_ORG_LINE_RE = re.compile(r"^[\u4e00-\u9fff]{2,20}(科协|科学技术协会|协会)$")
_FIVE_YEAR_NAME_RE = re.compile(r"“十[一二三四五六七八九]?五”|十[一二三四五六七八九]五(?:规划|时期|期间)")  # as a year


def is_title_line(line: str) -> bool:
    """A standalone document title: 河南省科协2024年重点工作, 省科协2019年工作要点, 中国科协“十四五”规划.

    Short (4-60 characters), no sentence punctuation, no marker, not a notice (关于…的通知, 《…》),
    ends with a plan word (工作要点, 重点工作, 计划, 规划, 方案, …) and names a year (or a five-year plan:
    “十一五”), a 科协 or 全民科学素质.
    """
    if not (4 <= len(line) <= 60) or _NOT_TITLE_RE.search(line) or match_marker(line):
        return False
    if not PLAN_TITLE_END_RE.search(line):
        return False
    return bool(_YEAR_RE.search(line) or _FIVE_YEAR_NAME_RE.search(line)) or "科协" in line or "科学技术协会" in line \
        or "全民科学素质" in line


@dataclass
class DocumentSegment:
    title: str | None        # None when the text has no title line (the Heilongjiang plan)
    lines: list[str]         # the body: everything after the title up to the next document


def split_documents(lines: list[str]) -> tuple[list[str], list[DocumentSegment]]:
    """Split a file's logical lines into (header lines, documents).

    A title line starts a document only when at least one marker line follows it before the next
    title; the header (notice, 文号, signature) is whatever precedes the first document. A title
    split over two lines (河南省科学技术协会 / 2019年工作要点) is rejoined. Without any title the whole
    text is one untitled document and the header is empty.
    """
    starts: list[int] = []
    title_idx = [i for i, line in enumerate(lines) if is_title_line(line)]
    for k, i in enumerate(title_idx):
        stop = title_idx[k + 1] if k + 1 < len(title_idx) else len(lines)
        if any(is_marker(line) for line in lines[i + 1:stop]):
            starts.append(i)
    if not starts:
        return [], [DocumentSegment(None, list(lines))]
    header = list(lines[: starts[0]])
    docs: list[DocumentSegment] = []
    for k, i in enumerate(starts):
        stop = starts[k + 1] if k + 1 < len(starts) else len(lines)
        title = lines[i]
        if k == 0 and header and _ORG_LINE_RE.match(header[-1]) and not _ORG_LINE_RE.match(title) \
                and re.match(r"^(19|20)\d\d", title):
            title = header.pop() + title
        docs.append(DocumentSegment(title, list(lines[i + 1: stop])))
    return header, docs


# ---------------------------------------------------------------------------------------------
# the hierarchy


@dataclass
class Node:
    marker: Marker
    first_line: str                       # content of the marker line (without the marker)
    body: list[str] = field(default_factory=list)
    children: list["Node"] = field(default_factory=list)
    parent: "Node | None" = None
    token: str = ""                       # path token (三 / （三） / 3 / 七 / ——3)

    @property
    def text(self) -> str:
        return "\n".join([self.first_line, *self.body]).strip()

    @property
    def title(self) -> str:
        """The node's short title: its first line up to the first 。."""
        return heading_of(self.first_line)


@dataclass
class RawItem:
    item_id: str
    marker: str
    kind: str
    text: str                 # heading included, notes (责任部门) still inside
    section_no: str | None
    section_title: str | None
    subsection_no: str | None
    subsection_title: str | None


def heading_of(text: str) -> str:
    """The short title of an item: its text up to the first 。 (else ；！？, else the first line)."""
    first = text.strip().split("\n", 1)[0]
    for stop in ("。", "；", "！", "？"):
        if stop in first:
            return first.split(stop, 1)[0].strip()
    return first.strip().rstrip("，、：")


def _token(node: Node, siblings: list[Node]) -> str:
    m = node.marker
    if m.kind == "bullet":
        n = sum(1 for s in siblings if s.marker.kind == "bullet")
        return f"{m.written}{n}"
    if m.kind in ("subsection",):
        return f"（{m.numeral}）"
    if m.kind == "subitem":
        return f"（{m.numeral}）"
    return m.numeral


def build_tree(lines: list[str]) -> tuple[list[str], list[Node]]:
    """(lines before the first marker, top-level nodes)."""
    lead: list[str] = []
    roots: list[Node] = []
    stack: list[Node] = []
    for line in lines:
        m = match_marker(line)
        if m is None:
            (stack[-1].body if stack else lead).append(line)
            continue
        while stack and stack[-1].marker.rank >= m.rank:
            stack.pop()
        parent = stack[-1] if stack else None
        siblings = parent.children if parent else roots
        node = Node(marker=m, first_line=line[m.end:].strip(), parent=parent)
        siblings.append(node)
        node.token = _token(node, siblings)
        stack.append(node)
    return lead, roots


def _walk(nodes: list[Node]):
    for n in nodes:
        yield n
        yield from _walk(n.children)


def _path(node: Node) -> list[Node]:
    out = []
    while node is not None:
        out.append(node)
        node = node.parent
    return out[::-1]


def parse_items(lines: list[str]) -> tuple[str, list[RawItem]]:
    """Parse a document body into (preamble, leaf items in document order).

    Framing leaves (指导思想, 主要目标, 背景和意义 …) before the first task are preamble too."""
    lead, roots = build_tree(split_inline_ordinals(lines))
    leaves = [n for n in _walk(roots) if not n.children]
    deep = [n for n in leaves if n.marker.kind != "section" and not is_framing(n)]
    preamble_parts = list(lead)
    items: list[RawItem] = []
    seen: dict[str, int] = {}
    first_deep = id(deep[0]) if deep else None
    reached_deep = not deep
    for node in _walk(roots):
        if id(node) == first_deep:
            reached_deep = True
        if node.children:
            # a heading with children: its own intro prose (rare) is preamble before the first item;
            # after it, it is no item of its own (an introduction, not a task) and is logged
            if not reached_deep:
                preamble_parts.extend(node.body)
            elif node.body:
                log.debug("intro prose of heading %s%s is not an item: %.40s", node.marker.written,
                          node.title, " ".join(node.body))
            continue
        if (node.marker.kind == "section" and not reached_deep) or (not items and is_framing(node)):
            preamble_parts.append(node.marker.written + node.text)
            continue
        path = _path(node)
        sec = next((p for p in path if p.marker.kind == "section"), None)
        sub = next((p for p in path if p.marker.kind == "subsection"), None)
        item_id = "/".join(p.token for p in path)
        if item_id in seen:  # numbering repeated in the source: keep ids unique, deterministically
            seen[item_id] += 1
            item_id = f"{item_id}#{seen[item_id]}"
        else:
            seen[item_id] = 1
        items.append(RawItem(
            item_id=item_id,
            marker=node.marker.written,
            kind=node.marker.kind,
            text=node.text,
            section_no=sec.marker.numeral if sec else None,
            section_title=sec.title if sec else None,
            subsection_no=sub.marker.numeral if sub else None,
            subsection_title=sub.title if sub else None,
        ))
    return "\n".join(p for p in preamble_parts if p).strip(), items


# ---------------------------------------------------------------------------------------------
# layouts as plans are really published: inline 一是…二是… runs, tables, doc-sharing residue

_INLINE_ORD_RE = re.compile(rf"([{_CN}]{{1,2}})是(?!否|非|由|指|为了)")
_NOT_ORDINAL_BEFORE = "统唯单同专第万划之"


def _cn_value(s: str) -> int:
    digits = {c: i for i, c in enumerate("〇一二三四五六七八九")}
    if s == "十":
        return 10
    if s.startswith("十"):
        return 10 + digits.get(s[1], 0)
    if s.endswith("十"):
        return digits.get(s[0], 0) * 10
    return digits.get(s[0], 0) if len(s) == 1 else digits.get(s[0], 0) * 10 + digits.get(s[-1], 0)


def split_inline_ordinal_line(line: str) -> list[str]:
    """`（一）强化会员工作。一是加强团体建设。…二是重视乡镇科协…` -> the item line, `一是…`, `二是…`.

    Only a run 一是, 二是, (三是 …) in order, at least two long, splits; only lines that open with a
    marker (an item's own text) are split, so prose in a preamble stays whole."""
    m0 = match_marker(line)
    if m0 is None or m0.kind in ("ordinal", "bullet") or "二是" not in line:
        return [line]
    cuts: list[int] = []
    want = 1
    for m in _INLINE_ORD_RE.finditer(line, m0.end):
        if _cn_value(m.group(1)) == want and line[m.start() - 1] not in _NOT_ORDINAL_BEFORE:
            cuts.append(m.start())
            want += 1
    if len(cuts) < 2:
        return [line]
    parts = [line[i:j].strip() for i, j in zip([0, *cuts], [*cuts, len(line)])]
    return [p for p in parts if p]


def split_inline_ordinals(lines: list[str]) -> list[str]:
    return [part for line in lines for part in split_inline_ordinal_line(line)]


TABLE_HEADS = (
    "序号", "项目名称", "项目", "工作任务", "重点任务", "任务", "工作内容", "主要内容", "具体内容", "内容", "工作项目",
    "目标", "工作目标", "预期目标", "目标任务", "具体措施", "主要措施", "措施", "工作措施", *DEPARTMENT_LABELS,
    "完成时限", "时限", "完成时间", "时间", "进度安排", "备注",
)


def _row_line(number: str, header: list[str], cells: list[str]) -> str:
    """One table row as an item line: `3. 名称。目标：…；完成时限：…。（责任部门：…）`."""
    cells = [c.strip() for c in cells]
    name = cells[0] if cells else ""
    rest, notes = [], []
    for head, cell in zip(header[2:], cells[1:]):
        if cell:
            (notes if head in DEPARTMENT_LABELS else rest).append(f"{head}：{cell}")
    return item_line(number, name, rest, notes)


def item_line(number: str, name: str, rest: list[str], notes: list[str]) -> str:
    """A table row written as the item line the item rules read: `3. 名称。目标：…；完成时限：…。（责任部门：…）`
    (rest: the other cells, joined with ；; notes: the department cells, in brackets after the item)."""
    line = f"{number}. {name}"
    if name and name[-1] not in "。；":
        line += "。"
    if rest:
        line += "；".join(rest) + "。"
    if notes:
        line += "（" + "；".join(notes) + "）"
    return line


def _cells(line: str, n: int) -> list[str]:
    # Word rows keep their empty cells (tab-separated); space-separated rows cannot say
    parts = line.split("\t") if "\t" in line else [p for p in line.split(" ") if p != ""]
    if len(parts) > n:  # a cell with spaces inside: the overflow belongs to the last cell
        parts = parts[: n - 1] + [" ".join(parts[n - 1:])]
    return parts


def tables_to_items(lines: list[str]) -> list[str]:
    """Plans laid out as tables give one item line per row.

    Two forms: a row per line with cells separated by a tab (Word tables) or a space (after
    normalisation), headed by `序号 项目名称 目标 …`; or one cell per line (flattened HTML): a `序号`
    line followed by the other header cells, then each row's number and its cells."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        head = _cells(line, 99)
        if len(head) >= 3 and head[0] == "序号" and all(h in TABLE_HEADS for h in head):
            i += 1
            while i < len(lines):
                cells = _cells(lines[i], len(head))
                if len(cells) < 2 or not cells[0].isdigit():
                    break
                out.append(_row_line(cells[0], head, cells[1:]))
                i += 1
            continue
        if line == "序号":
            j = i + 1
            while j < len(lines) and lines[j] in TABLE_HEADS and lines[j] != "序号":
                j += 1
            head = ["序号", *lines[i + 1: j]]
            if len(head) >= 3:
                i, n = j, 1
                numbered = i < len(lines) and lines[i] == "1"   # page-number cleaning may have eaten them
                width = len(head) if numbered else len(head) - 1
                while i + width <= len(lines):
                    row = lines[i: i + width]
                    if numbered and row[0] != str(n):
                        break
                    cells = row[1:] if numbered else row
                    if any(len(c) > 60 or match_marker(c) or is_title_line(c) for c in cells):
                        break
                    out.append(_row_line(str(n), head, cells))
                    i += width
                    n += 1
                continue
        out.append(line)
        i += 1
    return out


_CHUNK_RE = re.compile(r"^(\d{1,3})、")
_OPEN_END_RE = re.compile(r"[\u4e00-\u9fff，、“（0-9A-Za-z]$")
_RESIDUE_RE = re.compile(
    r"第\s*\d+\s*页\s*/\s*共\s*\d+\s*页|_第\s*\d+\s*页$|^点击查看更多|^已阅读\d+页|继续免费阅读|^下载(本)?文档$"
    r"|^(大小|页数|格式|上传时间|文档编号|上传人)\s*[：:]|^温馨提示|^收藏\s*分享|^返回\s*下载|^资源描述$|^文档简介$")
_CHUNK_MIN = 60


def drop_page_residue(lines: list[str]) -> list[str]:
    """Doc-sharing sites: slide/page residue lines go; the page-chunk numbers they prefix to every
    chunk (`1、各位委员…`, `2、十六大精神…` where chunk 2 continues chunk 1's sentence) are not items:
    the number is dropped and a chunk that continues an open sentence is joined to it."""
    lines = [ln for ln in lines if not (len(ln) <= 60 and _RESIDUE_RE.search(ln))]
    chunks: list[int] = []
    want = 1
    for k, line in enumerate(lines):
        m = _CHUNK_RE.match(line)
        if not m or int(m.group(1)) != want:
            continue
        if want > 1 and not (len(lines[k - 1]) >= _CHUNK_MIN and _OPEN_END_RE.search(lines[k - 1])):
            break
        chunks.append(k)
        want += 1
    # every chunk but the last is a page of text
    if len(chunks) < 2 or any(len(lines[k]) < _CHUNK_MIN for k in chunks[:-1]):
        return lines
    out: list[str] = []
    for k, line in enumerate(lines):
        if k in chunks:
            body = _CHUNK_RE.sub("", line, count=1)
            if k != chunks[0] and out:
                out[-1] += body
                continue
            line = body
        out.append(line)
    # the pages were flattened: markers and a leading title run on inside the text
    return [part for line in out for part in split_flattened(line)]


_FLAT_MARKER_RE = re.compile(
    rf"(?:(?<=[。；！？：])|\s+)(?=[{_CN}]{{1,3}}、|\d{{1,2}}[.．](?!\d)|（[{_CN}]{{1,3}}）)"
    rf"|(?<=[\u4e00-\u9fff])(?=\d{{1,2}}[.．][\u4e00-\u9fff])")
_RUN_ON_FIRST_SUB_RE = re.compile(rf"^([{_CN}]{{1,3}}、[^，。；：（]{{2,14}}?)(（一）.+)$")
_FLAT_TITLE_RE = re.compile(rf"^(?P<title>.{{4,60}}?)\s*(?={YEAR}\s*年(?:[，,]|是)|为(?:深入|进一步|全面|认真|切实|贯彻))")


def split_flattened(line: str) -> list[str]:
    """A page of flattened text back into lines: a leading title (…工作要点 2023年，… / …计划为深入贯彻…),
    markers (after a sentence end or a colon: …如下：一、…)."""
    m = _FLAT_TITLE_RE.match(line)
    parts = [m.group("title"), line[m.end():]] if m and is_title_line(m.group("title")) else [line]
    out = [p.strip() for part in parts for p in _FLAT_MARKER_RE.split(part) if p.strip()]
    return [q for p in out for q in (_RUN_ON_FIRST_SUB_RE.split(p) if p[:1] in _CN else [p]) if q]  # 一、发展基础（一）…


def relayout(lines: list[str]) -> list[str]:
    """Every layout rule, in order: doc-sharing residue, then tables."""
    return tables_to_items(drop_page_residue(lines))
