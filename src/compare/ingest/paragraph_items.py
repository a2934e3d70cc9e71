"""Items of plans published without markers: the last resort of the structure rules.

Used only when the marker rules (compare.ingest.structure) found no item in a titled plan:

1. **One-line bodies**: a body flattened onto one line (`…职责。一、加强思想政治引领。…二、推进全域科普。…`)
   is split before each section, sub-section or item marker that follows a sentence end, and the
   marker rules run again.
2. **Paragraph plans**: items as bare paragraphs whose first clause is the heading
   (`加强思想政治引领。组织科技工作者…`). A paragraph is an item when its first clause (up to 。 ， or ；)
   is short (4-24 characters) and opens with a working verb (加强, 推进, 深化, 开展, 服务 …); the text
   reads as a plan only when at least three paragraphs do and they are most of the paragraphs after
   the first one. Paragraphs before the first such one are the preamble. Photo captions (图为…, 图片…,
   ▲…, and event captions such as `…科学家精神宣讲会在甬举办`) and page-chunk numbers are never items.
3. **Headline plans** (a plan published as a web article): short heading lines led by a working verb
   (`强化政治引领`, at most 16 characters, no sentence punctuation), each followed by prose paragraphs;
   a verb-led short line right under a heading is its subtitle (`全面加强党的建设`, kept in the text),
   other short lines without sentence punctuation are photo captions (`某县科协第十次代表大会`) and
   dropped, and so are dated captions (`2024年8月，某县举办…夏令营活动`). The text reads as such a plan when at least two headings each have prose; the prose
   before the first heading is the preamble.
Items get the marker `¶` and the ids ¶1, ¶2, … in document order.
"""
from __future__ import annotations

import re

from compare.ingest.clean import is_event_caption
from compare.ingest.section_paragraphs import is_dated_caption
from compare.ingest.structure import DocumentSegment, RawItem, is_title_line, match_marker, parse_items

_SPLIT_RE = re.compile(r"(?<=[。；！？])(?=(?:[一二三四五六七八九十]{1,3}、|（[一二三四五六七八九十]{1,3}）|\d{1,2}[.．、])\S)")
_VERB_RE = re.compile(
    r"^(?:着力|全力|持续|进一步|切实|大力|积极|扎实|全面|深入|继续|认真)?"
    r"(?:加强|加快|推进|推动|深化|开展|实施|强化|提升|提高|做好|抓好|办好|健全|完善|打造|服务|组织|建设|建立|发挥"
    r"|促进|优化|坚持|落实|培育|拓展|创新|夯实|聚焦|围绕|筑牢|弘扬|巩固|凝聚|引领|搭建|助力|壮大|规范|用好|讲好|加大"
    r"|孵化|激活|构建|厚植|擦亮|打响|汇聚|集聚|选树|增强|拓宽|深耕|做强|做实|做优|释放|涵养)")
_CAPTION_RE = re.compile(r"^(?:图为|图片|图：|图:|▲|△|（图|\(图)|(?:摄影|供图|图/)")
_FIRST_CLAUSE_RE = re.compile(r"^([^。，；,;！？]{4,24})[。，；,;]")
_MIN_ITEMS = 3


def split_one_line_bodies(lines: list[str]) -> list[str]:
    """Each line split before a marker that follows a sentence end (only lines holding two or more)."""
    out: list[str] = []
    for line in lines:
        parts = _SPLIT_RE.split(line)
        out.extend(p.strip() for p in parts if p.strip()) if len(parts) >= 3 else out.append(line)
    return out


def is_caption(line: str) -> bool:
    """图为… / ▲… captions, and event captions between paragraphs (`…宣讲会在甬举办`:
    compare.ingest.clean.is_event_caption)."""
    return (len(line) <= 40 and bool(_CAPTION_RE.search(line))) or is_event_caption(line)


def _heading_paragraph(line: str) -> bool:
    m = _FIRST_CLAUSE_RE.match(line)
    return bool(m) and bool(_VERB_RE.match(m.group(1))) and len(line) >= 12 and match_marker(line) is None


_HEADLINE_MAX = 16
_SENTENCE_PUNCT_RE = re.compile(r"[。，；：！？,;:]")


def _short_line(line: str) -> bool:
    return len(line) <= 40 and not _SENTENCE_PUNCT_RE.search(line) and match_marker(line) is None


def headline_items(lines: list[str]) -> tuple[str, list[RawItem]] | None:
    """(preamble, items) of a headline plan (rule 3 above), or None."""
    preamble: list[str] = []
    groups: list[list[str]] = []      # [heading, subtitle…, prose…]
    has_prose: list[bool] = []
    for line in lines:
        if is_dated_caption(line):                 # 2024年8月，某县举办…活动: a photo caption
            continue
        if _short_line(line):
            verb_led = len(line) <= _HEADLINE_MAX and bool(_VERB_RE.match(line))
            if verb_led and (not groups or has_prose[-1]):
                groups.append([line])
                has_prose.append(False)
            elif verb_led and groups:
                groups[-1].append(line)            # a subtitle under the heading
            continue                               # a photo caption
        if groups:
            groups[-1].append(line)
            has_prose[-1] = True
        else:
            preamble.append(line)
    if len(groups) < 2 or not all(has_prose):
        return None
    items = [RawItem(item_id=f"¶{n}", marker="¶", kind="paragraph", text="\n".join(
        [f"{g[0]}。", *g[1:]]), section_no=None, section_title=None, subsection_no=None, subsection_title=None)
        for n, g in enumerate(groups, start=1)]
    return "\n".join(preamble), items


def paragraph_items(lines: list[str]) -> tuple[str, list[RawItem]] | None:
    """(preamble, items) of a plan without markers, or None when the text does not read as one."""
    split = split_one_line_bodies(lines)
    if split != lines:
        preamble, items = parse_items(split)
        if items:
            return preamble, items
    paras = [line for line in lines if not is_caption(line)]
    flags = [_heading_paragraph(p) for p in paras]
    if sum(flags) < _MIN_ITEMS or sum(flags[1:]) < 0.6 * max(1, len(paras) - 1):
        return headline_items(paras)
    first = flags.index(True)
    items = []
    for n, text in enumerate(paras[first:], start=1):
        items.append(RawItem(item_id=f"¶{n}", marker="¶", kind="paragraph", text=text, section_no=None,
                             section_title=None, subsection_no=None, subsection_title=None))
    return "\n".join(paras[:first]), items


def titled_without_markers(header: list[str], segments: list[DocumentSegment]) -> tuple[list, list]:
    """A title line in the first lines of a text without markers starts the document when the rest
    reads as a plan by the rules above (`split_documents` needs a marker after a title)."""
    if len(segments) != 1 or segments[0].title is not None:
        return header, segments
    lines = segments[0].lines
    for k, line in enumerate(lines[:6]):
        if is_title_line(line) and paragraph_items(lines[k + 1:]) is not None:
            return [*header, *lines[:k]], [DocumentSegment(line, lines[k + 1:])]
    return header, segments


def paragraph_heading(text: str) -> str:
    """The heading of a paragraph item: its first clause (服务企业创新发展，组织… -> 服务企业创新发展)."""
    m = _FIRST_CLAUSE_RE.match(text.strip())
    return m.group(1).strip() if m else text.strip()
