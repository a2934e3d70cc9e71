"""Quantitative targets in item text: 联合举办9场, 不少于200万人次, 力争新增3-5家, 50场左右, 1/3以上.

Rules (each has a unit test in tests/test_targets.py):

1. A target is an Arabic number (integer or decimal, optionally a range `3-5` / `3～5` / `3至5`),
   an optional multiplier 万/亿/千 (multiplied out), an optional 多/余, and a measure word from
   `UNITS` (个, 场, 场次, 人, 人次, 家, 条, 期, 名, 项, 所, %, …). Units are a closed list, so years
   (2019年), dates (9月15日), 文号 (56号), anniversaries (70周年) and durations never match.
2. Never a target: a number after 第 (第33届, 第21届), a number touching a code joiner (1-9-6-1,
   1—9—6—1, 3+1, N+1, 5·30, 2.3.4) or letters (G20, 5G), anything inside quotes or title marks
   (“5610”, “3+1”, 《…》) or 文号 brackets (〔2022〕).
3. Chinese numerals are never targets. In these plans they name things (十件大事, 两项攻坚行动,
   四个意识, 六个一, 百会链千企, 第十四届): plan writers give counts to be met in Arabic numerals
   (GB/T 15835), so precision is kept at the cost of recall.
4. Fractions `a/b` (a < b <= 100) are targets in percent: 1/3以上 -> value 33.33, unit %.
5. The qualifier is the word after the quantity (以上, 左右, 以内, 以下, 上下), else 多/余 before
   the unit, else the word just before the number (不少于, 不低于, 不超过, 至少, 超过, 约, 近, 逾),
   else 力争 up to four characters before the number (力争新增3-5家). The phrase runs from the
   qualifier word (when it is the one used) to the end of the quantity.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

UNITS: tuple[str, ...] = tuple(sorted((
    "个", "场次", "场", "人次", "人", "家", "条", "期", "名", "项", "所", "座", "次", "篇", "部", "本",
    "件", "份", "支", "批", "类", "台", "套", "门", "节", "堂", "课时", "学时", "小时", "组", "队",
    "户次", "户", "亩", "元", "平方米", "公里", "千米", "吨", "册", "位", "倍", "个百分点", "%",
), key=lambda u: (-len(u), u)))
POST_QUALIFIERS = ("以上", "左右", "以内", "以下", "上下")
INNER_QUALIFIERS = ("多", "余")
PRE_QUALIFIERS = ("不少于", "不低于", "不超过", "至少", "超过", "约", "近", "逾")
_MULTIPLIERS = {"万": 1e4, "亿": 1e8, "千": 1e3}

_NUM = r"\d+(?:\.\d+)?"
_QTY_RE = re.compile(
    rf"(?P<low>{_NUM})(?:\s*(?P<sep>[-—–~～至到])\s*(?P<high>{_NUM}))?"
    rf"(?P<mult>[万亿千])?(?P<inner>[多余])?(?P<unit>{'|'.join(re.escape(u) for u in UNITS)})"
    rf"(?P<post>{'|'.join(POST_QUALIFIERS)})?"
)
_FRACTION_RE = re.compile(rf"(?P<a>\d{{1,3}})/(?P<b>\d{{1,3}})(?P<post>{'|'.join(POST_QUALIFIERS)})?")
_NUMBER_START_RE = re.compile(r"\d")
_NUM_RE = re.compile(_NUM)
_CJK_ONLY_RE = re.compile(r"[\u4e00-\u9fff]*")
_JOINERS = "-—–+·•./／:：_＋"
_QUOTED_RE = re.compile(r"“[^“”]*”|‘[^‘’]*’|《[^《》]*》|「[^「」]*」|『[^『』]*』|〔[^〔〕]*〕|\"[^\"]*\"")
_HIDE = "\x00"


@dataclass(frozen=True)
class Target:
    phrase: str
    value: float
    value_high: float | None
    unit: str
    qualifier: str | None
    start: int


def hide_quoted(text: str) -> str:
    """Quoted spans (slogans, names, titles, 文号 years) replaced by NUL of the same length."""
    return _QUOTED_RE.sub(lambda m: _HIDE * len(m.group(0)), text)


def _blocked_before(text: str, i: int) -> bool:
    """True when the number starting at i is an ordinal or part of a code/name."""
    j = i - 1
    while j >= 0 and text[j] == " ":
        j -= 1
    if j < 0:
        return False
    ch = text[j]
    return ch == "第" or ch in _JOINERS or ch.isascii() and ch.isalnum() or ch == _HIDE


def _pre_qualifier(text: str, i: int) -> tuple[str | None, int]:
    """(qualifier, its start) for the words just before position i."""
    for q in PRE_QUALIFIERS:
        if text.endswith(q, 0, i):
            return q, i - len(q)
    window = text[max(0, i - 6): i]
    k = window.rfind("力争")
    if k >= 0 and len(window) - (k + 2) <= 4 and _CJK_ONLY_RE.fullmatch(window[k + 2:]):
        return "力争", i - len(window) + k
    return None, i


def _num(s: str) -> float:
    return float(s)


def extract_targets(text: str) -> list[Target]:
    """All quantitative targets in text, in order of appearance."""
    if not text:
        return []
    hidden = hide_quoted(text)
    out: list[Target] = []
    pos = 0
    n = len(hidden)
    while pos < n:
        m = _NUMBER_START_RE.search(hidden, pos)
        if not m:
            break
        i = m.start()
        # the whole digit run (with joiners) starting here
        run_end = _NUM_RE.match(hidden, i).end()
        if _blocked_before(hidden, i):
            pos = run_end
            continue
        frac = _FRACTION_RE.match(hidden, i)
        if frac:
            a, b = int(frac.group("a")), int(frac.group("b"))
            after = hidden[frac.end(): frac.end() + 1]
            if 0 < a < b <= 100 and not (after and (after.isdigit() or after in _JOINERS)):
                pre, pstart = _pre_qualifier(hidden, i)
                post = frac.group("post")
                qual = post or pre
                start = pstart if (pre and not post) else i
                out.append(Target(text[start: frac.end()], round(100 * a / b, 2), None, "%", qual, start))
            pos = frac.end()
            continue
        qm = _QTY_RE.match(hidden, i)
        if not qm:
            pos = run_end
            continue
        end = qm.end()
        # a joiner right after the quantity's number part means a code (1-9-6-1): skip the whole run
        tail = hidden[qm.end("high") if qm.group("high") else qm.end("low"):][:1]
        if tail and tail in _JOINERS and not qm.group("mult") and not qm.group("unit"):
            pos = end
            continue
        if qm.group("sep") and qm.group("high") is None:
            pos = end
            continue
        low = _num(qm.group("low"))
        high = _num(qm.group("high")) if qm.group("high") else None
        mult = _MULTIPLIERS.get(qm.group("mult") or "", 1.0)
        value = low * mult
        value_high = high * mult if high is not None else None
        if value_high is not None and value_high < value:
            pos = end
            continue  # not a range (e.g. 5-3), most likely a code
        pre, pstart = _pre_qualifier(hidden, i)
        post = qm.group("post") or qm.group("inner")
        qual = post or pre
        start = pstart if (pre and not post) else i
        unit = qm.group("unit")
        out.append(Target(text[start:end], float(value), value_high, unit, qual, start))
        pos = end
    return out
