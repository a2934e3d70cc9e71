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
6. The object (the thing counted) is, first, the noun phrase right after the quantity (measure word
   + noun: 举办9场产业技术大会 -> 产业技术大会; a 的 right after the quantity is skipped). It ends
   at punctuation, a bracket, the next number, 等 or 的, or a predicate word (`OBJECT_END_WORDS`: 为,
   带动, 实施, 开展, …); connectors (和, 及, 与, 或, 、) at its end are dropped. When nothing follows
   the quantity (or a 、 follows it: 新建高校科协5个以上、…), the object is the clause before it (back to punctuation or 、) without its
   trailing stock words (数量, 总量, 达到, 共, … `STOCK_WORDS`), its leading time words (全年,
   年内, 力争, …) and its leading verbs (`OBJECT_VERBS`: 新建, 举办, 培训, 接待, …): 举办科普活动
   不少于50场 -> 科普活动; 新建企业科协20家 -> 企业科协. A clause that is only stock words (总量达到
   55个) takes the object of the previous target of the item. Quote marks are removed (“3+1”县级试点
   -> 3+1县级试点); null when no Chinese character is left.
7. The basis says what the number counts: 新增 when the clause before the number (back to ，。；)
   has 新 + a verb (新建, 新增, 新培训, 新发展, …), 总量 when it has 总量, 总数, 累计, 总计, 合计,
   达到 or 共 right before the number (the nearer of the two wins), else null (the year's activity).
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
    object: str | None = None
    basis: str | None = None


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


OBJECT_END_WORDS = ("为", "向", "将", "带动", "实施", "开展", "参与", "进入", "作为", "开放", "期间", "以上", "左右")
STOCK_WORDS = ("数量", "总数", "总量", "规模", "人数", "达到", "达", "超过", "累计", "总计", "合计", "共计", "共")
OBJECT_LEAD_WORDS = ("全年", "年内", "今年", "当年", "每年", "力争", "确保", "努力", "计划", "争取", "重点")
OBJECT_VERBS = tuple(sorted((
    "新建", "新增", "新培训", "新发展", "新认定", "新培育", "新创建", "建设", "建成", "培训", "培育", "接待",
    "报送", "举办", "开展", "组织", "支持", "实施", "完成", "服务", "吸引", "覆盖", "动员", "引进", "推荐",
    "评选", "表彰", "发布", "培养", "遴选", "创建", "打造", "认定", "发展", "吸纳", "招收", "命名", "设立",
    "成立", "启动", "选派", "资助", "扶持", "联合举办", "主办", "承办", "召开", "编制", "出版", "推出",
    "提高", "提升", "增长", "增加", "减少", "降低",
), key=lambda w: (-len(w), w)))
_OBJECT_STOPS = set("，。；：,;:！？!?（()）【】[]<>〈〉\n\r\t 　")
_QUOTE_MARKS = re.compile(r"[“”‘’《》「」『』\"]")
_CONNECTORS = "和及与或、并"
_NEW_RE = re.compile(r"新(?:建|增|培训|发展|认定|培育|创建|设立|成立|吸纳|招收|命名)")
_STOCK_RE = re.compile(r"总量|总数|累计|总计|合计|达到|共$")
_HAS_CJK = re.compile(r"[\u4e00-\u9fff]")


def _clean_object(span: str) -> str | None:
    span = _QUOTE_MARKS.sub("", span).strip(_CONNECTORS + " ")
    return span if _HAS_CJK.search(span) else None


def _object_after(text: str, hidden: str, end: int) -> str | None:
    """The noun phrase right after the quantity (rule 6)."""
    i = end + 1 if hidden[end:end + 1] == "的" else end
    if hidden[i:i + 1] == "、":  # 5个以上、… : the list goes on with another count; the object is before
        return None
    j = i
    while j < len(hidden):
        ch = hidden[j]
        if ch in _OBJECT_STOPS or ch.isdigit() or ch in "等的":
            break
        if j > i and any(hidden.startswith(w, j) for w in OBJECT_END_WORDS):
            break
        j += 1
    return _clean_object(text[i:j])


def _strip_words(s: str, words: tuple[str, ...], *, lead: bool) -> str:
    changed = True
    while changed and s:
        changed = False
        for w in words:
            if lead and s.startswith(w):
                s, changed = s[len(w):].lstrip("好"), True
            elif not lead and s.endswith(w):
                s, changed = s[: -len(w)], True
    return s


def _object_before(text: str, hidden: str, start: int) -> tuple[str | None, bool]:
    """The clause before the quantity without stock, time and verb words (rule 6); also whether
    the clause was only stock words (the object is then the previous target's)."""
    j = start
    while j > 0 and hidden[j - 1] not in _OBJECT_STOPS and hidden[j - 1] != "、" and not hidden[j - 1].isdigit():
        j -= 1
    clause = _QUOTE_MARKS.sub("", text[j:start])
    core = _strip_words(clause, STOCK_WORDS, lead=False)
    only_stock = bool(clause) and not core
    core = _strip_words(core, OBJECT_LEAD_WORDS + OBJECT_VERBS, lead=True)
    return _clean_object(core), only_stock


def _basis(hidden: str, number_start: int) -> str | None:
    """新增 / 总量 / None from the clause before the number (rule 7)."""
    j = number_start
    while j > 0 and hidden[j - 1] not in "，。；,;！？!?\n":
        j -= 1
    clause = hidden[j:number_start]
    new = [m.end() for m in _NEW_RE.finditer(clause)]
    stock = [m.end() for m in _STOCK_RE.finditer(clause)]
    if not new and not stock:
        return None
    return "新增" if max(new, default=-1) > max(stock, default=-1) else "总量"


def find_object(text: str, start: int, end: int, number_start: int, previous: str | None = None,
                hidden: str | None = None) -> tuple[str | None, str | None]:
    """(object, basis) of the target text[start:end] whose number begins at number_start (rules 6-7).

    >>> t = "举办科普活动不少于50场，新建企业科协20家"
    >>> find_object(t, 6, 12, 9), find_object(t, 19, 22, 19)
    (('科普活动', None), ('企业科协', '新增'))
    """
    hidden = hide_quoted(text) if hidden is None else hidden
    obj = _object_after(text, hidden, end)
    if obj is None:
        obj, only_stock = _object_before(text, hidden, start)
        if obj is None and only_stock:
            obj = previous
    return obj, _basis(hidden, number_start)


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
                obj, basis = find_object(text, start, frac.end(), i, out[-1].object if out else None, hidden)
                out.append(Target(text[start: frac.end()], round(100 * a / b, 2), None, "%", qual, start, obj, basis))
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
        obj, basis = find_object(text, start, end, i, out[-1].object if out else None, hidden)
        out.append(Target(text[start:end], float(value), value_high, unit, qual, start, obj, basis))
        pos = end
    return out
