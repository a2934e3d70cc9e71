"""Documents without a title line: body-only copies, and plans whose title is named in the body.

Two traits of city and county plans as they are really reposted (docs/loader.md, "City and county
plans"):

- **A plan named in its own body**: `为…，特制定《某县科协2024年工作要点》` / `现制定《…规划纲要》如下`.
  When the document has no title line, `own_title` takes that name as the title, and the title rules
  read the year, type, issuer and place from it (as for the title a notice hands out). Only a name
  the plan *makes* counts (制定, 制订, 编制, 拟定, 研究制定 + 本/如下), before the first item, and only
  when it ends with a plan word: `根据《全民科学素质行动规划纲要》` cites another plan and never counts.
- **A body-only copy** that starts at `序言` / `前言` or at a framing heading (`总体要求`, `指导思想`,
  `一、总体要求`) with no title above it (`body_only_opener`). It is read as a plan when its body
  reads as one (items found by the marker rules). Its first paragraph is the prose after the opening
  heading (`opening_paragraph`: `2024年全县科协工作的总体要求是…` gives the year and the type); a copy
  opening at 序言 whose opening mentions 规划 or 纲要 is a 规划 (`body_only_type`). What the text does
  not give comes from `metadata.csv` (title, year, province: the title row is read before the document
  is given up), else the skip reason names every field to add (`missing_fields_line`).
- **A copy opening at its 文号** (`乐市科协[2014] 2 号`, then the addressee `各县（市、区）科协：`, then
  `2014年市科协科普工作的基本思路是…` and 一、二、): its first paragraph is the first line of prose after
  the 文号 and addressee lines (`first_prose`), so the year, type and issuer come from that sentence
  and the title is inferred (provenance `inferred`); the place comes from the 文号 prefix
  (`compare.ingest.metadata_place.issue_number_place`).
- **Work done, not planned**: an untitled text whose first sentence tells what was achieved
  (`2023年，某县科协在县委的领导下…各项工作取得新成效`, `一年来…圆满完成`, `今年以来…`, `现将…总结如下`) is a
  summary, whatever markers follow (`work_done_opening`); a sentence that says what the body *will* do
  (将, 要, 力争 before the outcome: `…将推动科协工作取得新成效`) is a plan's framing.
"""
from __future__ import annotations

import re

_OWN_TITLE_RE = re.compile(
    r"(?:特|现|研究|经研究，?|为此，?)?(?:制定|制订|编制|拟定)(?:了)?(?:本|如下)?《(?P<title>[^《》]{4,60})》")
_OPENERS = ("序言", "前言", "引言")
_FRAMING_RE = re.compile(
    r"^(?:[一二三四五六七八九十]{1,2}[、.．]\s*|（[一二三四五六七八九十]{1,2}）\s*)?"
    r"(?P<head>序言|前言|引言|总体要求|指导思想|指导思想和总体要求|总体思路|指导思想和工作目标)[：:。]?")
_MAX_LEAD = 8   # lines searched for the plan's own name, at most (before the first item in any case)


def own_title(lines: list[str]) -> str | None:
    """The plan's own title as its body names it (`特制定《某县科协2024年工作要点》`), or None."""
    from compare.ingest.metadata import classify_doc_type
    from compare.ingest.structure import is_marker

    for line in lines[:_MAX_LEAD]:
        if is_marker(line):
            break
        for m in _OWN_TITLE_RE.finditer(line):
            title = m.group("title").strip()
            if classify_doc_type(title) != "其他":
                return title
    return None


def body_only_opener(lines: list[str]) -> str | None:
    """`序言` / `总体要求` / `指导思想` when the text opens with it (a body-only copy), else None."""
    if not lines:
        return None
    m = _FRAMING_RE.match(lines[0])
    if m is None or (len(lines[0]) > 60 and m.group("head") in _OPENERS):
        return None
    return m.group("head")


def opening_paragraph(preamble: str, body: list[str]) -> str:
    """The first paragraph of prose: the preamble's first line that is not the opening heading
    itself (序言, 一、总体要求), with a heading run into its text taken off."""
    for line in [*(preamble.split("\n") if preamble else []), *body[:3]]:
        m = _FRAMING_RE.match(line)
        rest = line[m.end():].strip() if m else line.strip()
        if rest:
            return rest
    return ""


def body_only_type(opener: str, preamble: str) -> str | None:
    """A body-only copy opening at 序言 that speaks of 规划 / 纲要 is a 规划; else None (the first
    paragraph decides)."""
    if opener in _OPENERS and re.search("规划|纲要", preamble[:400]):
        return "规划"
    return None


def missing_fields_line(source_file: str, opener: str, *, title: bool, year: bool, province: bool) -> str:
    """The skip reason of a body-only copy whose metadata the text does not give: the fields to add."""
    fields = [name for name, missing in (("title", title), ("year", year), ("province", province)) if missing]
    example = {"title": "某县科协2024年工作要点", "year": "2024", "province": "河南"}
    return (f"a body-only copy (it opens at {opener}, without a title line) that does not name its "
            f"{'、'.join(fields)}; add: {source_file},{','.join(f + '=…' for f in fields)} to "
            f"data/raw/metadata.csv (a row with the columns file,{','.join(fields)}, e.g. "
            f"{source_file},{','.join(example[f] for f in fields)})")


_DONE_OPENER_RE = re.compile(r"^(?:今年以来|一年来|过去的?一年|近年来|\d{4}年以来|[一二三四五六七八九十]{1,2}月份?以来)")
_DONE_RE = re.compile(r"取得了?(?:新的?|显著|明显|良好|积极|阶段性|较好的?|突出)?(?:成效|成绩|进展|成果)|圆满完成"
                      r"|(?:总结|汇报|报告)如下")
_WILL_RE = re.compile(r"将|要|力争|计划|拟|努力|确保")


def work_done_opening(lines: list[str]) -> str | None:
    """Why an untitled text is a summary of work done (its opening sentence reports results), or None."""
    first = next((line for line in lines[:3] if len(line) >= 20), "")
    sentence = re.split(r"[。！？]", first, maxsplit=1)[0]
    m = _DONE_RE.search(sentence)
    if _DONE_OPENER_RE.match(sentence) or (m and not _WILL_RE.search(sentence[: m.start()])):
        return f"a summary of work done (it opens: {sentence[:30]}…), not a plan"
    return None


_ADDRESSEE_RE = re.compile(r"^各.{2,300}[：:]$")


def first_prose(lines: list[str]) -> str:
    """The first line of a preamble that is neither a 文号 line nor the addressee (各…：)."""
    from compare.ingest.metadata import find_issue_number

    for line in lines:
        if _ADDRESSEE_RE.match(line) or (len(line) <= 30 and find_issue_number([line])):
            continue
        return line
    return lines[0] if lines else ""
