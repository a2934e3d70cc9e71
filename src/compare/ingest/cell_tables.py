"""Table plans flattened to one cell a line, with each row's number on a line of its own.

A plan published as a table (序号 | 工作任务 | 具体内容 | 责任部门 | 完成时限), copied from a web page or a
PDF, often arrives one cell per line:

    1
    开展科技工作者日活动
    5月举办主题活动4场
    科普部
    5月
    2
    …

The cleaning's page-number rule would drop the bare `1`, `2` lines and with them the only sign of
where a row starts. `numbered_rows` runs before that rule and reads such a table first:

- **Row numbers**: a run of bare numbers 1, 2, 3 … in order (at least three; two when a `序号`
  header stands right above the `1`), each followed by 1 to 8 cells before the next, the first of
  them short (at most 60 characters: it names the task): page numbers stand a page of text apart,
  or between paragraphs and headings, so they never form such a run.
- **The last row** takes as many cells as most rows have (as many as the widest row when it opens a
  group, but no date or issuing body's name beyond the usual width: that is the signature), stopping
  early at a line that is no cell. A cell is never a marker line (一、, （一）, 1.), a plan title, a bare
  number or longer than 600 characters (a content cell may hold a long paragraph).
- **Header cells** right above the `1` (序号, 工作任务, 责任部门, 完成时限, … in
  `compare.ingest.structure.TABLE_HEADS`) name the columns: cells are written `完成时限：5月`, a
  department column becomes the row's `（责任部门：…）` note. Without a header a cell that lists offices
  (科普部、学会部, 各乡镇科协) is the department note and a short time cell (5月, 全年, 年底前) the 完成时限.
- **Category cells**: a merged 类别 cell (党建引领, 管理创新和公共服务类项目) spans the rows of a group and
  appears once, so that row has more cells than most: it becomes a section heading (一、党建引领) and
  the rows under it that section's items. Where the 类别 column stands after the row number the extra
  cell opens its row; where it stands before `序号` (项目类别 | 序号 | 项目名称 …) it follows the header
  for the first group and ends the previous row for the next ones.

Each row becomes one item line, `3. 名称。具体内容；完成时限：5月。（责任部门：科普部）`, that the marker rules
then read as the item `3` (heading: the first cell). Text outside the run is returned as it was.
"""
from __future__ import annotations

import re
from collections import Counter

from compare.core.vocab import DEPARTMENT_LABELS

MAX_CELL = 600          # a cell longer than this is a page of text, not a table cell
MAX_NAME = 60           # a row's first cell names the task: short
MAX_CELLS = 8           # cells between two row numbers, at most
_CN = "一二三四五六七八九十"
_NUMBER_RE = re.compile(r"^\d{1,3}$")
_SHORT_HEAD_RE = re.compile(r"^[\u4e00-\u9fff]{1,6}$")   # 项目 / 类别: a column name before 序号
_OFFICE_RE = re.compile(r"(部|室|办|办公室|中心|科协|学会|协会|局|委|委员会|团委|妇联|馆|站|院|所|公司|政府)$")
_TIME_RE = re.compile(r"^(全年|长期|常年|持续推进|年内|年底前?|上半年|下半年|第?[一二三四1-4]季度|\d{1,2}月(底|中旬|上旬|下旬)?前?"
                      r"|\d{1,2}[-—至~]\d{1,2}月|\d{4}年\d{1,2}月(底|前)?|\d{1,2}月\d{1,2}日前?)$")


def _cn(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 23 -> 二十三 (section numerals)."""
    tens, ones = divmod(n, 10)
    return (("" if tens < 2 else _CN[tens - 1]) + ("十" if tens else "") + (_CN[ones - 1] if ones else "")) or "十"


def _is_office_list(cell: str) -> bool:
    parts = [p for p in re.split(r"[、，,；/\s]+", cell) if p]
    return bool(parts) and len(cell) <= 60 and all(_OFFICE_RE.search(p) for p in parts)


def _is_cell(line: str) -> bool:
    """A table cell: short, not a bare number, not a marker line (一、 （一） 1.) nor a plan title."""
    from compare.ingest.structure import is_marker, is_title_line

    return 0 < len(line) <= MAX_CELL and not _NUMBER_RE.match(line) and not is_marker(line) \
        and not is_title_line(line)


def _header(lines: list[str], first: int) -> tuple[int, list[str], bool]:
    """(where the header starts, the column names after 序号, whether columns stand before 序号).

    With a `序号` cell a few lines above the first row number, every cell between it and the `1` is
    a column name (a category cell may follow them: see numbered_rows), and up to three short cells
    right above it (项目 / 类别) name columns before 序号. Without one, the cells right above the `1`
    that are known column names (TABLE_HEADS) are the header."""
    from compare.ingest.structure import TABLE_HEADS

    for k in range(first - 1, max(-1, first - MAX_CELLS - 3), -1):
        if lines[k] == "序号":
            start = k
            while start > 0 and k - start < 3 and _SHORT_HEAD_RE.match(lines[start - 1]):
                start -= 1
            return start, lines[k + 1:first], start < k
    k = first
    while k > 0 and first - k < MAX_CELLS and lines[k - 1] in TABLE_HEADS:
        k -= 1
    return k, lines[k:first], False


def _run(lines: list[str], start: int) -> list[int]:
    """Positions of the row numbers 1, 2, 3 … starting at `start` (a `1` line)."""
    nums = [start]
    while True:
        want, pos = str(len(nums) + 1), nums[-1]
        nxt = None
        for j in range(pos + 1, min(pos + 2 + MAX_CELLS, len(lines))):
            if lines[j] == want and j > pos + 1 and j + 1 < len(lines) and len(lines[j + 1]) <= MAX_NAME:
                nxt = j
                break
            if not _is_cell(lines[j]):
                break
        if nxt is None:
            return nums
        nums.append(nxt)


def _last_row_end(text: list[str], at: int, width: int, widest: int) -> int:
    """Where the last row ends: `width` cells (as most rows have), or up to `widest` when the row opens
    a group; a line that is no cell ends it sooner, and beyond `width` so does a date or an issuing
    body's name (the signature under the table)."""
    from compare.ingest.structure import is_heading

    end = at + 1
    while end < len(text) and end - at - 1 < widest and _is_cell(text[end]):
        if end - at - 1 >= width and is_heading(text[end]):
            break
        end += 1
    return end


def _row_line(number: str, cells: list[str], header: list[str]) -> str:
    """One row as an item line: `3. 名称。内容；完成时限：5月。（责任部门：科普部）`."""
    from compare.ingest.structure import item_line

    name, rest, notes = cells[0], [], []
    heads = header[-len(cells):] if header and len(header) >= len(cells) else [""] * len(cells)
    for head, cell in zip(heads[1:], cells[1:]):
        if head in DEPARTMENT_LABELS or (not head and _is_office_list(cell)):
            notes.append(f"{head or '责任部门'}：{cell}")
        elif head and head != "序号":
            rest.append(f"{head}：{cell.rstrip('。；')}")
        elif not head and _TIME_RE.match(cell):
            rest.append(f"完成时限：{cell}")
        else:
            rest.append(cell.rstrip("。；"))
    return item_line(number, name, rest, notes)


def numbered_rows(lines: list[str]) -> list[str]:
    """The lines with every row-number run read as a table: one item line per row (module doc).
    Blank lines are dropped around a table; without a run the lines come back unchanged."""
    if "1" not in lines:
        return lines
    text = [line for line in lines if line]
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] != "1":
            out.append(text[i])
            i += 1
            continue
        nums = _run(text, i) if i + 1 < len(text) and len(text[i + 1]) <= MAX_NAME else [i]
        start, cols, lead = _header(text, i)
        has_no = start < i and "序号" in text[start:i]
        if len(nums) < (2 if has_no else 3):
            out.append(text[i])
            i += 1
            continue
        widths = [b - a - 1 for a, b in zip(nums, nums[1:])]
        counts = Counter(widths)
        width = min(w for w, c in counts.items() if c == max(counts.values()))  # category rows are wider
        end = _last_row_end(text, nums[-1], width, max(widths))
        del out[len(out) - (i - start):]  # the header cells name the columns: no text of their own
        section = 0

        def open_group(categories: list[str]) -> None:
            nonlocal section
            for category in categories:
                out.append(f"{_cn(section + 1)}、{category}")
                section += 1

        if has_no and len(cols) > width:  # 序号 … header, then the first group's category cell
            open_group(cols[width:])
            cols = cols[:width]
        for k, at in enumerate(nums):
            stop = nums[k + 1] if k + 1 < len(nums) else end
            cells = text[at + 1: stop]
            if not cells:
                continue
            following: list[str] = []
            if len(cells) > width and lead:  # category column before 序号: the next group's cell ends the row
                cells, following = cells[:width], cells[width:]
            elif len(cells) > width and not cols:  # number first: a merged category cell opens a group
                open_group(cells[: len(cells) - width])
                cells = cells[len(cells) - width:]
            out.append(_row_line(text[at], cells, ["序号", *cols] if cols else []))
            open_group(following)
        i = end
    return out
