"""Sections whose tasks are bare paragraphs, each opening with a short heading sentence.

A trait of plans published as web articles (docs/loader.md, "City and county plans"): the sections
are numbered (一、科创赋能强引擎，激活产业新动能) but the tasks under them are not; each is a paragraph
whose first sentence is a short slogan ending in 。 (`智赋交通筑赛道。依托…`), with photo captions
between them (`2025年5月30日，某县科协举办…活动。`).

The marker rules see such a section as one leaf item. `split_section_paragraphs` gives it one item per
paragraph instead when at least two paragraphs of the section (the first among them) open with a
heading sentence of 4-12 characters (no comma inside) followed by at least 12 characters of prose.
Lines that do not open so continue the paragraph above them; a dated photo caption (a line opening
with a date and telling of an event held, 举办 / 举行 / 召开 …, at most 80 characters, one
sentence; never a deadline such as `2025年6月底前`) is dropped. Item ids are the section's id
plus ¶1, ¶2 … (`一/¶2`), marker `¶`, kind `paragraph`; the section stays their section.
"""
from __future__ import annotations

import re

from compare.ingest.structure import RawItem

_HEAD_SENTENCE_RE = re.compile(r"^[^。，、；：！？,;:\s]{4,12}[。！](?=.{12,})")
_DATED_CAPTION_RE = re.compile(
    r"^\d{4}年\d{1,2}月(?:\d{1,2}日)?(?![底前中上下旬])[，,]?[^。]*(?:举办|举行|召开|开展|参加|出席|走进|来到|展示)[^。]*。?$")
_MIN_PARAGRAPHS = 2


def _is_head(line: str) -> bool:
    return bool(_HEAD_SENTENCE_RE.match(line))


def is_dated_caption(line: str) -> bool:
    """`2025年5月30日，某县科协举办…活动。`: a photo caption (an event on a date), not a task."""
    return len(line) <= 80 and bool(_DATED_CAPTION_RE.match(line))


def _paragraphs(item: RawItem) -> list[str] | None:
    """The paragraph items of one section leaf, or None when its body does not read so."""
    if item.kind != "section":
        return None
    body = [line for line in item.text.split("\n")[1:] if line.strip() and not is_dated_caption(line)]
    if not body or not _is_head(body[0]) or sum(map(_is_head, body)) < _MIN_PARAGRAPHS:
        return None
    groups: list[list[str]] = []
    for line in body:
        if _is_head(line):
            groups.append([line])
        else:
            groups[-1].append(line)
    return ["\n".join(g) for g in groups]


def split_section_paragraphs(items: list[RawItem]) -> list[RawItem]:
    """Each section leaf whose body is paragraphs led by heading sentences -> one item per paragraph."""
    out: list[RawItem] = []
    for item in items:
        paragraphs = _paragraphs(item)
        if paragraphs is None:
            out.append(item)
            continue
        out.extend(RawItem(item_id=f"{item.item_id}/¶{n}", marker="¶", kind="paragraph", text=text,
                           section_no=item.section_no, section_title=item.section_title,
                           subsection_no=None, subsection_title=None)
                   for n, text in enumerate(paragraphs, start=1))
    return out
