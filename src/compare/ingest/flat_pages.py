"""Pages of a plan flattened onto one line, as doc-sharing sites show a document's text layer.

A trait of plans reposted on doc-sharing sites (docs/loader.md, "City and county plans"): the whole
preview is one line, `某县科协2024年工作要点 2024年，县科协将…。一、强化政治引领 1.组织…。2.开展…`, sometimes
without the `1、` `2、` page-chunk numbers that `compare.ingest.structure.drop_page_residue` keys on.
`split_flat_pages` gives such a line back its lines with the same splitter as those chunks: a leading
title, then a break before every section, sub-section and item marker that follows a sentence end, a
colon, a space or (for `1.` `2.`) a Chinese character. Only a long line (at least 60 characters) is
split, and only when it holds at least two section markers (一、 二、 / （一）（二）) or three item
markers (1. 2. 3.) in that position: a plan paragraph that cites one `1.` stays whole. A signature
and its date at the end of the line (`…牵头单位：市教育局。某市某办公室 2023年3月23日`) get their own lines
back, so the date is read as the plan's signature date.

Items numbered inline after a colon (`…特制定本活动方案：1、时间：… 2、内容：（1）…；（2）…`, an activity
plan copied into one paragraph) are split by `split_inline_numbers`: a run `1、 2、 …` or `（1） （2） …`
counting up from 1, at least two long, whose first number follows a colon and each next one a sentence
end (。；：) or a space, gives one line per number. A paragraph citing a single `（1）` stays whole.

A title split after its year (`2024年` on a line of its own, then `某县科协工作要点`) is joined back
into one title line (`join_split_title`), so the title gives the year.
"""
from __future__ import annotations

import re

from compare.ingest.structure import YEAR, is_title_line, split_flattened

_SECTION_RE = re.compile(r"(?:(?<=[。；！？：])|\s)(?:[一二三四五六七八九十]{1,3}、|（[一二三四五六七八九十]{1,3}）)")
_ITEM_RE = re.compile(r"(?:(?<=[。；！？：\u4e00-\u9fff])|\s)\d{1,2}[.．](?!\d)[\u4e00-\u9fff]")
_MIN_LEN = 60
_SIGNATURE_RE = re.compile(
    rf"(?<=[。；])\s*(?P<org>[\u4e00-\u9fff（）]{{2,30}}?)\s*(?P<date>{YEAR}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日)$")


def _flattened(line: str) -> bool:
    return len(line) >= _MIN_LEN and (len(_SECTION_RE.findall(line)) >= 2 or len(_ITEM_RE.findall(line)) >= 3)


def split_flat_pages(lines: list[str]) -> list[str]:
    """Each flattened page line split back into its title, paragraphs and marker lines."""
    return [part for line in lines for part in (_split(line) if _flattened(line) else [line])]


def _split(line: str) -> list[str]:
    out = split_flattened(line)
    sig = _SIGNATURE_RE.search(out[-1]) if out else None
    if sig:
        out[-1:] = [p for p in (out[-1][:sig.start()].strip(), sig.group("org"), sig.group("date")) if p]
    return out


_INLINE_NUMBER_RES = (re.compile(r"(?:(?<=[。；：;:])|\s)(?P<n>\d{1,2})、(?=\S)"),
                      re.compile(r"(?:(?<=[。；：;:])|\s)[（(](?P<n>\d{1,2})[）)](?=\S)"))


def split_inline_numbers(lines: list[str]) -> list[str]:
    """Each paragraph holding an inline run of numbered items split at its numbers (see the module doc)."""
    return [part for line in lines for part in _split_numbers(line)]


_RUN_START_RE = re.compile(r"[：:]\s*(?:1、|[（(]1[）)])")


def _split_numbers(line: str) -> list[str]:
    if not _RUN_START_RE.search(line):   # every run starts with 1 after a colon: most lines stop here
        return [line]
    cuts: set[int] = set()
    for rx in _INLINE_NUMBER_RES:
        run: list[int] = []
        for m in rx.finditer(line):
            n = int(m.group("n"))
            if n == 1 and not run and line[:m.start()].rstrip().endswith(("：", ":")):
                run = [m.start()]
            elif run and n == len(run) + 1:
                run.append(m.start())
        if len(run) >= 2:
            cuts.update(run)
    if not cuts:
        return [line]
    bounds = [0, *sorted(cuts), len(line)]
    return [p for i, j in zip(bounds, bounds[1:]) if (p := line[i:j].strip())]


_YEAR_ALONE_RE = re.compile(rf"^{YEAR}\s*年(?:度)?$")


def join_split_title(lines: list[str]) -> list[str]:
    """`2024年` alone on the line above a title without a year: one title line (see the module doc)."""
    out: list[str] = []
    k = 0
    while k < len(lines):
        line = lines[k]
        nxt = lines[k + 1] if k + 1 < len(lines) else ""
        joined = line + nxt
        if _YEAR_ALONE_RE.match(line) and nxt and not re.search(YEAR, nxt) and is_title_line(joined):
            out.append(joined)
            k += 2
            continue
        out.append(line)
        k += 1
    return out
