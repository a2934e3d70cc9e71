"""Pages of a plan flattened onto one line, as doc-sharing sites show a document's text layer.

A trait of plans reposted on doc-sharing sites (docs/loader.md, "City and county plans"): the whole
preview is one line, `某县科协2024年工作要点 2024年，县科协将…。一、强化政治引领 1.组织…。2.开展…`, sometimes
without the `1、` `2、` page-chunk numbers that `compare.ingest.structure.drop_page_residue` keys on.
`split_flat_pages` gives such a line back its lines with the same splitter as those chunks: a leading
title, then a break before every section, sub-section and item marker that follows a sentence end, a
colon, a space or (for `1.` `2.`) a Chinese character. Only a long line (at least 60 characters) is
split, and only when it holds at least two section markers (一、 二、 / （一）（二）) or three item
markers (1. 2. 3.) in that position: a plan paragraph that cites one `1.` stays whole.
"""
from __future__ import annotations

import re

from compare.ingest.structure import split_flattened

_SECTION_RE = re.compile(r"(?:(?<=[。；！？：])|\s)(?:[一二三四五六七八九十]{1,3}、|（[一二三四五六七八九十]{1,3}）)")
_ITEM_RE = re.compile(r"(?:(?<=[。；！？：\u4e00-\u9fff])|\s)\d{1,2}[.．](?!\d)[\u4e00-\u9fff]")
_MIN_LEN = 60


def _flattened(line: str) -> bool:
    return len(line) >= _MIN_LEN and (len(_SECTION_RE.findall(line)) >= 2 or len(_ITEM_RE.findall(line)) >= 3)


def split_flat_pages(lines: list[str]) -> list[str]:
    """Each flattened page line split back into its title, paragraphs and marker lines."""
    return [part for line in lines for part in (split_flattened(line) if _flattened(line) else [line])]
