"""Metadata rules: title, year, province, document type, 文号, issuer and issue date from a plan's text.

Rules (most specific first):

- year      title year > 文号 year > year opening the first paragraph (2019年全省科协系统…)
- province  title > issuer > 文号 abbreviation (豫/鄂/…) > most-named province in the text
- doc_type  from the title, else from the first paragraph (深化改革 -> 深化改革工作要点)
- issue_number / issuer / issue_date from the notice header only (before the first title)
"""
from __future__ import annotations

import re
from collections import Counter  # noqa: F401
from dataclasses import dataclass

from compare.core.schema import DOC_TYPES, TYPE_CODES  # noqa: F401
from compare.ingest.provinces import (  # noqa: F401
    NATIONAL,
    count_provinces,
    pinyin,
    province,
    province_from_issue_number,
    province_in,
)
from compare.ingest.structure import YEAR

INFERRED_TITLE_NOTE = "（标题据正文推断）"


_YEAR = YEAR
_ISSUE_NO_RE = re.compile(
    rf"(?P<prefix>[\u4e00-\u9fff]{{1,12}})\s*[〔\[［【（(]\s*(?P<year>{_YEAR})\s*[〕\]］】）)]\s*第?\s*(?P<no>\d{{1,5}})\s*号"
)
_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_DATE_RE = re.compile(
    r"^(?P<y>\d{4}|[〇○零一二三四五六七八九]{4})\s*年\s*(?P<m>\d{1,2}|[一二三四五六七八九十]{1,2})\s*月"
    r"\s*(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})\s*日$"
)
_PRINTED_RE = re.compile(r"^(?P<org>[\u4e00-\u9fff]{2,30}?)\s*(?P<date>\S+年\S+月\S+日)\s*印发$")
_ORG_RE = re.compile(r"^[\u4e00-\u9fff（）]{2,30}(科协|科学技术协会|协会|办公室|办公厅|委员会|党组|秘书处|厅|局)$")
_NOTICE_ISSUER_RE = re.compile(r"^(?P<org>[\u4e00-\u9fff（）]{2,30}?)\s*关于(印发|转发|下发)")
_RED_HEADER_RE = re.compile(r"^(?P<org>[\u4e00-\u9fff（）]{2,30}?)文件$")
_NOTICE_TITLE_YEAR_RE = re.compile(rf"《[^》]*?(?P<year>{_YEAR})\s*年[^》]*》")
_LEADING_YEAR_RE = re.compile(rf"^(?P<year>{_YEAR})\s*年")
_TITLE_YEAR_RE = re.compile(rf"(?<!\d)(?P<year>{_YEAR})\s*年")
_TITLE_RANGE_RE = re.compile(rf"(?<!\d)(?P<year>{_YEAR})\s*[-—–~～至到]\s*{_YEAR}\s*年")
_FIVE_YEAR_PLAN_RE = re.compile(r"十([一二三四五六七八九])五")


def _cn_number(s: str) -> int:
    """Chinese numerals up to 99 (一, 十, 十二, 二十, 三十一) and digit strings."""
    if s.isdigit():
        return int(s)
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return int("".join(str(_CN_DIGITS[c]) for c in s))


def parse_date(line: str) -> str | None:
    """`2019年3月12日` / `二〇一九年三月十二日` (a whole line) -> `2019-03-12`, else None."""
    m = _DATE_RE.match(line.strip())
    if not m:
        return None
    try:
        y, mo, d = _cn_number(m.group("y")), _cn_number(m.group("m")), _cn_number(m.group("d"))
    except KeyError:
        return None
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def find_issue_number(lines: list[str]) -> str | None:
    """The first 文号 in lines, brackets normalised: 豫科协办发〔2024〕9号."""
    for line in lines:
        m = _ISSUE_NO_RE.search(line)
        if m:
            prefix = re.sub(r"^.*(关于|印发|根据|按照)", "", m.group("prefix"))
            if prefix:
                return f"{prefix}〔{m.group('year')}〕{m.group('no')}号"
    return None


@dataclass
class Signature:
    issuer: str | None
    date: str | None
    lines: tuple[int, ...]      # indexes of the signature lines (removed from the body)


def find_signature(lines: list[str], *, from_end: bool = False) -> Signature | None:
    """An issuer line followed by a standalone date line (or `X 2024年1月5日印发`)."""
    order = range(len(lines) - 1, -1, -1) if from_end else range(len(lines))
    for i in order:
        line = lines[i]
        pm = _PRINTED_RE.match(line)
        if pm and parse_date(pm.group("date")):
            return Signature(pm.group("org"), parse_date(pm.group("date")), (i,))
        date = parse_date(line)
        if date:
            if i > 0 and _ORG_RE.match(lines[i - 1]):
                return Signature(lines[i - 1], date, (i - 1, i))
            return Signature(None, date, (i,))
    return None


def notice_issuer(lines: list[str]) -> str | None:
    """Issuer from the notice title (河南省科协办公室 关于印发…) or the red header (…办公室文件)."""
    for rx in (_NOTICE_ISSUER_RE, _RED_HEADER_RE):
        for line in lines:
            m = rx.match(line)
            if m:
                return m.group("org").strip()
    return None


def classify_doc_type(title: str) -> str:
    """Controlled vocabulary from a title (or a first sentence)."""
    t = title or ""
    if "学会学术" in t:
        return "学会学术工作要点"
    if re.search(r"科普|科学普及", t) and re.search(r"要点|计划", t):
        return "科普工作要点"
    if "改革" in t and re.search(r"要点|方案|计划|任务", t):
        return "深化改革工作要点"
    if re.search(r"重点工作|重点任务", t) and not t.endswith("工作要点"):
        return "重点工作"
    if re.search(r"规划|纲要", t):
        return "规划"
    if re.search(r"要点|工作计划|年度计划", t):
        return "工作要点"
    return "其他"


def classify_untitled(first_paragraph: str) -> str:
    """Document type of a plan without a title, from its first sentence."""
    first = re.split(r"[。；]", first_paragraph or "", maxsplit=1)[0]
    if "深化改革" in first or "改革" in first[:30]:
        return "深化改革工作要点"
    if "学会学术" in first:
        return "学会学术工作要点"
    if "科普工作" in first or "科学普及工作" in first:
        return "科普工作要点"
    if "规划" in first[:40]:
        return "规划"
    return "工作要点" if _LEADING_YEAR_RE.match(first) else "其他"


def title_prefix(title: str) -> str:
    """The part of a title before its year: 河南省科协2024年重点工作 -> 河南省科协."""
    m = _TITLE_YEAR_RE.search(title or "")
    return (title[: m.start()] if m else title or "").strip()


def detect_province(*, title: str | None, issuer: str | None, issue_number: str | None,
                    text: str) -> str | None:
    """Title > issuer > 文号 abbreviation > the province named most often in the text (ties: named first)."""
    for candidate in (title or "", issuer or ""):
        p = province_in(candidate) if candidate else None
        if p:
            return p
    p = province_from_issue_number(issue_number)
    if p:
        return p
    counts = count_provinces(text)
    if not counts:
        return None
    best = max(counts.values())
    # ties: the province named first wins (deterministic; the first naming is usually the author)
    tied = [n for n, c in counts.items() if c == best]
    return min(tied, key=lambda n: (_first_index(text, n), n))


def _first_index(text: str, short: str) -> int:
    p = province(short)
    idx = [text.find(n) for n in (p.full, p.short, *p.nicknames) if text.find(n) >= 0]
    return min(idx) if idx else len(text)


def detect_year(*, title: str | None, header: list[str], issue_number: str | None,
                first_paragraph: str) -> int | None:
    """Title year (a range gives its first year; “十四五” gives 2021) > notice 《…年…》 year > 文号
    year > the year opening the first paragraph."""
    if title:
        m = _TITLE_RANGE_RE.search(title) or _TITLE_YEAR_RE.search(title)
        if m:
            return int(m.group("year"))
        m = _FIVE_YEAR_PLAN_RE.search(title)
        if m:  # “十四五”规划 -> 2021: the 11th plan started in 2006, one every five years since
            return 2006 + 5 * (_CN_DIGITS[m.group(1)] - 1)
    for line in header:
        m = _NOTICE_TITLE_YEAR_RE.search(line)
        if m:
            return int(m.group("year"))
    if issue_number:
        m = re.search(rf"〔({_YEAR})〕", issue_number)
        if m:
            return int(m.group(1))
    m = _LEADING_YEAR_RE.match(first_paragraph or "")
    return int(m.group("year")) if m else None


def infer_title(province_short: str, year: int, doc_type: str) -> str:
    org = "中国科协" if province_short == NATIONAL else f"{province(province_short).full}科协"
    return f"{org}{year}年{doc_type}{INFERRED_TITLE_NOTE}"
