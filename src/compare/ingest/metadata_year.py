"""The plan year and the dates of a plan's text, in every form plans are published with.

Rules, in the order `detect_year` applies them (the first that answers wins):

1. the title: a range gives its first year (2021—2025年 -> 2021), then `YYYY年`, then a five-year plan's
   name (“十五” 2001, “十一五” 2006 … “十四五” 2021, “十五五” 2026), then a year written without 年
   (…科学技术协会2022重点工作, 2023工作要点); the national outline's name, three years chained
   (纲要(2006-2010-2020年)), is read past in the title and the notice: it dates the outline, not the plan;
2. the notice's 《…YYYY年…》;
3. the 文号's year (豫科协办发〔2024〕9号);
4. the first paragraph: it opens with `YYYY年` (2023年是…, 2019年，全省科协…) or its first sentence frames
   the year (今年是2023年… is not taken: only the opening);
5. the signature date (see `parse_date` for the forms read);
6. last resort, with a warning and `provenance` saying so: the web page's own date line
   (发布时间：2021-11-19, 日期：2023/3/9) — a repost or crawl date, often months off.
"""
from __future__ import annotations

import re

from compare.ingest.structure import YEAR

_YEAR = YEAR
_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_DATE_RE = re.compile(
    r"^(?P<y>\d{4}|[〇○零一二三四五六七八九]{4})\s*年\s*(?P<m>\d{1,2}|[一二三四五六七八九十]{1,2})\s*月"
    r"\s*(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})\s*日$"
)
# 2023-03-07, 2023/3/7, 2023.3.7 (year first) and 07.03.2023, 7/3/2023 (day first), as a whole line
_ISO_DATE_RE = re.compile(rf"^(?P<y>{_YEAR})\s*[-/.．]\s*(?P<m>\d{{1,2}})\s*[-/.．]\s*(?P<d>\d{{1,2}})$")
_DAY_FIRST_RE = re.compile(rf"^(?P<d>\d{{1,2}})\s*[./．]\s*(?P<m>\d{{1,2}})\s*[./．]\s*(?P<y>{_YEAR})$")
_CN_TITLE_YEAR_RE = re.compile(r"((?:二[〇○零]|一九)[〇○零一二三四五六七八九]{2})\s*年")
# a zero typed as the letter O among Chinese numerals (二OO八年十二月十日, old web copies)
_LATIN_ZERO_RE = re.compile(r"(?<=[〇○零一二三四五六七八九OoＯ])[OoＯ]|[OoＯ](?=[〇○零一二三四五六七八九OoＯ])")
_SPACED_DIGITS_RE = re.compile(r"(?<=[\d〇○零一二三四五六七八九])\s+(?=[\d〇○零一二三四五六七八九])")
_NOTICE_TITLE_YEAR_RE = re.compile(rf"《[^》]*?(?P<year>{_YEAR})\s*年[^》]*》")
_LEADING_YEAR_RE = re.compile(rf"^(?P<year>{_YEAR})\s*年")
_TITLE_YEAR_RE = re.compile(rf"(?<!\d)(?P<year>{_YEAR})\s*年")
# the dash between a range's years as written: - — – ~ ～ 至 到, ― (U+2015), －, and doubled —— / ――
RANGE_DASH = r"(?:——|――|[-—–―－~～至到])"
_TITLE_RANGE_RE = re.compile(rf"(?<!\d)(?P<year>{_YEAR})\s*(?:年\s*)?{RANGE_DASH}\s*{_YEAR}\s*年")
# a five-year plan's name: 十一五 … 十五五 (十X五 -> 2006 + 5(X-1)); 十五 alone only as a plan's name (“十五”, 十五规划)
_FIVE_YEAR_PLAN_RE = re.compile(r"十([一二三四五六七八九])五|(?<![第\d一二三四五六七八九十])十五(?=[”\"’]|规划|计划|时期|期间)")
# the national outline's own name, three years chained: 纲要(2006-2010-2020年) names the outline, not the plan
_OUTLINE_CHAIN_RE = re.compile(rf"(?<!\d){_YEAR}\s*年?\s*{RANGE_DASH}\s*{_YEAR}\s*年?\s*{RANGE_DASH}\s*{_YEAR}\s*年?")
# a title year without 年: 永德县科学技术协会2022重点工作, 2023工作要点, 科协2021度工作计划
_BARE_TITLE_YEAR_RE = re.compile(rf"(?<![\d.\-/])(?P<year>{_YEAR})(?![\d.\-/])(?=\s*(?:年度|度)?\s*[\u4e00-\u9fff“])")
# the page's own date: 发布时间：2021-11-19 15:31, 日期:2023/3/9, 时间：2023年03月15日
_PAGE_DATE_RE = re.compile(
    rf"(?:发布时间|发布日期|时间|日期|发文日期|成文日期|更新时间)\s*[:：]?\s*(?P<year>{_YEAR})\s*[-/.年]\s*\d{{1,2}}")


def _cn_number(s: str) -> int:
    """Chinese numerals up to 99 (一, 十, 十二, 二十, 三十一) and digit strings."""
    if s.isdigit():
        return int(s)
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return int("".join(str(_CN_DIGITS[c]) for c in s))


def parse_date(line: str) -> str | None:
    """A whole line that is a date -> `YYYY-MM-DD`, else None. Forms: 2019年3月12日, 二〇一九年三月十二日
    (also 二OO八年…, the zero typed as a letter O),
    spaced digits (2 0 1 9 年 3 月 1 2 日), 2019-03-12, 2019/3/12, 2019.3.12 and day first 12.03.2019."""
    text = _SPACED_DIGITS_RE.sub("", _LATIN_ZERO_RE.sub("〇", line.strip()))
    m = _DATE_RE.match(text) or _ISO_DATE_RE.match(text) or _DAY_FIRST_RE.match(text)
    if not m:
        return None
    try:
        y, mo, d = _cn_number(m.group("y")), _cn_number(m.group("m")), _cn_number(m.group("d"))
    except KeyError:
        return None
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def title_year(title: str) -> tuple[int, str] | None:
    """(year, rule) from a title, or None. The national outline's name (纲要(2006-2010-2020年)) is no year
    of the plan's: it is read past, so the plan's own date or 文号 dates it."""
    title = _OUTLINE_CHAIN_RE.sub("", title)
    m = _TITLE_RANGE_RE.search(title)
    if m:
        return int(m.group("year")), "title range"
    m = _TITLE_YEAR_RE.search(title)
    if m:
        return int(m.group("year")), "title YYYY年"
    m = _FIVE_YEAR_PLAN_RE.search(title)
    if m:  # “十四五”规划 -> 2021: the 11th plan started in 2006, one every five years since (“十五” 2001)
        return 2006 + 5 * (_CN_DIGITS[m.group(1)] - 1) if m.group(1) else 2001, "title 十X五"
    m = _BARE_TITLE_YEAR_RE.search(title)
    if m:
        return int(m.group("year")), "title year without 年"
    m = _CN_TITLE_YEAR_RE.search(_LATIN_ZERO_RE.sub("〇", title))
    if m:  # 二〇二三年工作要点: the year in Chinese digits
        return int("".join(str(_CN_DIGITS[c]) for c in m.group(1))), "title 二〇XX年"
    return None


def detect_year(*, title: str | None, header: list[str], issue_number: str | None,
                first_paragraph: str, trace: list[str] | None = None) -> int | None:
    """Title > notice 《…年…》 > 文号 > the year opening the first paragraph (rules 1-4 above)."""
    def seen(rule: str, year: int | None) -> int | None:
        if trace is not None:
            trace.append(f"year: {rule} -> {year}")
        return year

    if title:
        hit = title_year(title)
        if hit:
            return seen(f"{hit[1]} in {title!r}", hit[0])
    for line in header:
        m = _NOTICE_TITLE_YEAR_RE.search(_OUTLINE_CHAIN_RE.sub("", line))
        if m:
            return seen(f"notice 《…年…》 in {line[:40]!r}", int(m.group("year")))
    if issue_number:
        m = re.search(rf"〔({_YEAR})〕", issue_number)
        if m:
            return seen(f"文号 {issue_number}", int(m.group(1)))
    m = _LEADING_YEAR_RE.match(first_paragraph or "")
    if m:
        return seen(f"first paragraph opens {first_paragraph[:12]!r}", int(m.group("year")))
    if trace is not None:
        trace.append("year: none in the title, the notice, the 文号 or the first paragraph's opening")
    return None


def page_date_year(lines: list[str]) -> int | None:
    """The year of the web page's own date line (发布时间：2021-11-19): a last resort only."""
    for line in lines:
        m = _PAGE_DATE_RE.search(line)
        if m:
            return int(m.group("year"))
    return None


def plan_year(named: str | None, *, context: list[str], body: list[str], site: list[str], first_paragraph: str,
              issue_number: str | None, issue_date: str | None, trace: list[str], provenance: dict,
              notes: list[str]) -> int | None:
    """The plan year: the year rules, else the signature date's year, else (a titled plan only: an
    untitled page's date makes no news story a plan) the web page's date, with a note to check it."""
    year = detect_year(title=named, header=context, issue_number=issue_number, first_paragraph=first_paragraph,
                       trace=trace)
    if year is None and issue_date:
        year = int(issue_date[:4])
        trace.append(f"year: signature date {issue_date} -> {year}")
    if year is None and named:
        year = page_date_year([*site, *context, *body[:6]])
        if year is not None:
            provenance["year"] = "page-date"
            notes.append(f"plan year {year} taken from the web page's date (a repost or crawl date, not the "
                         f"plan's): check it, or set year in metadata.csv")
            trace.append(f"year: last resort, the page's date line -> {year}")
    return year
