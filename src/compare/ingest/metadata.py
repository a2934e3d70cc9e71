"""Metadata rules: title, year, province, document type, 文号, issuer and issue date from a plan's text.

Rules (most specific first):

- year      title year > 文号 year > year opening the first paragraph (2019年全省科协系统…)
- province  title > issuer > 文号 abbreviation (豫/鄂/…) > most-named province in the text
- doc_type  from the title, else from the first paragraph (深化改革 -> 深化改革工作要点)
- issue_number / issuer / issue_date from the notice header only (before the first title)
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from compare.core.vocab import DEFAULT_ISSUER_KIND
from compare.ingest.doc_types import classify_doc_type
from compare.ingest.metadata_year import (
    _LEADING_YEAR_RE,
    _TITLE_YEAR_RE,
    parse_date,
    plan_year,
)
from compare.ingest.provinces import (
    NATIONAL,
    count_provinces,
    province,
    province_from_issue_number,
    province_in,
)
from compare.ingest.structure import PLAN_TITLE_END_RE, YEAR

INFERRED_TITLE_NOTE = "（标题据正文推断）"


_YEAR = YEAR
_ISSUE_NO_RE = re.compile(
    rf"(?P<prefix>[\u4e00-\u9fff]{{1,12}})\s*[〔\[［【（(﹝〖]\s*(?P<year>{_YEAR})\s*[〕\]］】）)﹞〗]\s*第?\s*(?P<no>\d{{1,5}})\s*[号號]"
)
_PRINTED_RE = re.compile(r"^(?P<org>[\u4e00-\u9fff]{2,30}?)\s*(?P<date>\S+年\S+月\S+日)\s*印发$")
_ORG_RE = re.compile(r"^[\u4e00-\u9fff（）]{2,30}(科协|科学技术协会|协会|办公室|办公厅|委员会|党组|秘书处|厅|局|部|人民政府)$")
_NOTICE_ISSUER_RE = re.compile(r"^(?P<org>[\u4e00-\u9fff（）]{2,30}?)\s*关于(印发|转发|下发)")
_RED_HEADER_RE = re.compile(r"^(?P<org>[\u4e00-\u9fff（）]{2,30}?)文件$")
# a joint issuer line, alone or with its date: 中共某市委办公厅 某市人民政府办公厅 2011年11月25日
_BODY = r"(?:中共)?[\u4e00-\u9fff（）]{2,30}?(?:办公厅|办公室|人民政府|委员会|委|党组|局|科协|科学技术协会)"
_JOINT_RE = re.compile(rf"^(?P<org>{_BODY}(?:\s+{_BODY})+)(?:\s*(?P<date>(?:\d{{4}}|[〇○零OoＯ一二三四五六七八九]{{4}})年\S+月\S+日))?$")


# a whole line that is a 文号 whose closing bracket and 号 were lost (PDF text layer): 科协发智字〔 2021 30
_BROKEN_ISSUE_NO_RE = re.compile(rf"^(?P<prefix>[\u4e00-\u9fff]{{2,12}})\s*[〔\[［【﹝〖]\s*(?P<year>{_YEAR})\s+(?P<no>\d{{1,4}})$")


_CITED_RE = re.compile(r"》\s*[（(]\s*$")   # 印发的《…实施方案》（川府发〔2022〕28号）: the cited plan's 文号


def find_issue_number(lines: list[str]) -> str | None:
    """The first 文号 in lines, brackets normalised: 豫科协办发〔2024〕9号 (also 穗府办[2016]29号,
    traditional 號 after simplification, and a line-long 文号 missing its 〕 and 号). A 文号 in brackets
    right after a cited 《…》 is that plan's, not this text's."""
    for line in lines:
        m = next((m for m in _ISSUE_NO_RE.finditer(line) if not _CITED_RE.search(line[:m.start()])), None) \
            or _BROKEN_ISSUE_NO_RE.match(line.strip())
        if m:
            prefix = re.sub(r"^.*(关于|印发|根据|按照|通知|文号)", "", m.group("prefix"))
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
        pm = _PRINTED_RE.match(line) or _JOINT_RE.match(line)
        if pm and pm.group("date") and parse_date(pm.group("date")):
            return Signature(pm.group("org"), parse_date(pm.group("date")), (i,))
        date = parse_date(line)
        if date:
            if i > 0 and _ORG_RE.match(lines[i - 1]):
                return Signature(lines[i - 1], date, (i - 1, i))
            return Signature(None, date, (i,))
    return None


def notice_issuer(lines: list[str]) -> str | None:
    """Issuer from the notice title (河南省科协办公室 关于印发…), the red header (…办公室文件) or a joint
    issuer line (中共某市委办公厅 某市人民政府办公厅)."""
    for rx in (_NOTICE_ISSUER_RE, _RED_HEADER_RE, _JOINT_RE):
        for line in lines:
            m = rx.match(line)
            if m:
                return m.group("org").strip()
    return None


def classify_untitled(first_paragraph: str) -> str:
    """Document type of a plan without a title, from its first sentence."""
    first = re.split(r"[。；]", first_paragraph or "", maxsplit=1)[0]
    if "深化改革" in first or "改革" in first[:30]:
        return "深化改革工作要点"
    if "学会学术" in first:
        return "学会学术工作要点"
    if "科普工作" in first or "科学普及工作" in first:
        return "科普工作要点"
    if "规划" in _SUBJECT_RE.match(first).group("rest"):  # not 2025年是“十四五”规划收官之年，…
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


def infer_title(province_short: str, year: int, doc_type: str, city: str | None = None) -> str:
    """The title of an untitled plan: its association (the city's or county's when known), year, type."""
    org = "中国科协" if province_short == NATIONAL else f"{city or province(province_short).full}科协"
    return f"{org}{year}年{doc_type}{INFERRED_TITLE_NOTE}"


# ---------------------------------------------------------------------------------------------
# who issued it: level, province, city, department

_RECIPIENTS_NATIONAL_RE = re.compile(r"各省、自治区、直辖市")
_PUBLISHER_RE = re.compile(r"(?:发布机构|发文部门|发文单位|发文机关)\s*[：:]\s*(?P<org>[\u4e00-\u9fff（）]{2,30}?(科协|科学技术协会|协会|人民政府|办公室|办公厅))")
_SUBJECT_RE = re.compile(rf"^(?:{_YEAR}\s*年(?:度)?\s*(?:是[^，,。]{{2,40}}?(?:之年|一年)\s*)?[，,]?\s*)?(?P<rest>.{{0,40}})")
_LEADING_TITLE_YEAR_RE = re.compile(rf"^{_YEAR}\s*年(?:度)?")
_DEPARTMENT_RE = re.compile(r"(?:科协|科学技术协会)(?P<dept>[\u4e00-\u9fff]{1,10}?部)$")


def is_national_issue_number(issue_number: str | None) -> bool:
    """科协发…, 科协办发…, 科协普函…, 纲要办发… are the national association's 文号."""
    return bool(issue_number) and issue_number.startswith(("科协", "纲要办"))


def publisher(lines: list[str]) -> str | None:
    """`发布机构：临西县科学技术协会` on a government information-disclosure page."""
    for line in lines:
        m = _PUBLISHER_RE.search(line)
        if m:
            return m.group("org")
    return None


def locate(*, title: str | None, issuer: str | None, header: list[str], first_paragraph: str,
           issue_number: str | None) -> tuple[str | None, str | None, str | None]:
    """(level, province, city) of the issuing body, or Nones when nothing names it.

    Looked at in order: the title (长治市科学技术协会2022年工作要点, 2020年中国科协学会学术工作要点),
    the issuer, a 发布机构 line, the subject of the first paragraph (2023年，中国科协将…). National
    bodies are 全国 whatever else the text names; a national 文号 (科协发…, 纲要办发…) or a notice
    addressed to 各省、自治区、直辖市 also makes a plan 全国 when no body is named. A generic body
    (县科协, 省科协) gives the level; the place then comes from the next source that names one.
    """
    from compare.ingest.places import issuer_level

    hint = province_from_issue_number(issue_number)
    hint = None if hint == NATIONAL else hint
    t = _LEADING_TITLE_YEAR_RE.sub("", (title or "").strip())
    subject = _SUBJECT_RE.match(first_paragraph or "").group("rest")
    sources = [t, issuer, publisher(header), subject]
    level = None   # the level a generic body gave (县科协 -> 县级), waiting for a place
    for src in sources:
        loc = issuer_level(src, hint=hint) if src else None
        if loc is None:
            continue
        if loc.province is None:
            level = level or loc.level
        elif level is None or loc.level == level:
            return loc.level, loc.province, loc.city
        elif loc.level != NATIONAL:
            return level, loc.province, None   # 市科协 issued it; the issuer line named only its province
    if t and re.search(r"中国科协|中国科学技术协会", t):
        return NATIONAL, NATIONAL, None
    if level is None and (is_national_issue_number(issue_number)
                          or any(_RECIPIENTS_NATIONAL_RE.search(line) for line in header)):
        return NATIONAL, NATIONAL, None
    return level, None, None


def department_of(issuer: str | None) -> str | None:
    """The department of an association that issued a plan: 中国科协学会学术部 -> 学会学术部;
    None for the association itself, its 办公厅/办公室 or 党组, or any other body."""
    if not issuer:
        return None
    m = _DEPARTMENT_RE.search(issuer.strip())
    return m.group("dept") if m else None


_TITLE_DEPARTMENT_RE = re.compile(r"^(?:[\u4e00-\u9fff]{0,20}?(?:科协|科学技术协会))?(?P<dept>[\u4e00-\u9fff]{2,8}部)$")


def title_department(title: str | None) -> str | None:
    """The department a title names before its year, alone or after its association: 调宣部2019年工作要点
    and 湖北省科协调宣部2019年工作要点 -> 调宣部; None when the title names no department (西部, 办公室,
    an association itself). The province then comes from the issuer, the site line or the text."""
    m = _TITLE_DEPARTMENT_RE.match(title_prefix(title or ""))
    if m is None or province_in(m.group("dept")) or re.search("科协|协会", m.group("dept")):
        return None
    return m.group("dept")


# ---------------------------------------------------------------------------------------------
# the plan a notice hands out, and texts that are no plan at all

_HANDED_OUT_RE = re.compile(
    r"(?:印发|转发|下发|印制下发)[^《]{0,12}《(?P<title>[^》]{4,60})》"
    r"|《(?P<title2>[^》]{4,60})》[^《》。]{0,16}(?<!日前)(?<!近日)(?<!正式)(?<!已)(?:印发|印制下发|予以印发)"
    r"|关于(?:印发|转发)(?P<title3>[^《》，。]{4,60}?)的通知"
    # 关于某县科协2024年工作要点的通知 (no 印发): an association's dated plan, never 关于报送…/征集…
    rf"|关于(?!.{{0,8}}?(?:报送|上报|征集|申报|推荐|编制|制定|做好|开展|召开|举办))(?P<title4>[^《》，。]{{0,20}}?"
    rf"(?:科协|科学技术协会)[^《》，。]{{0,12}}?{_YEAR}\s*年[^《》，。]{{0,12}}?)的通知")


def handed_out_title(lines: list[str]) -> str | None:
    """The plan a notice hands out: 关于印发《中国科协2025年工作要点》的通知 -> 中国科协2025年工作要点;
    现将《长治市科学技术协会2022年工作要点》印制下发 -> 长治市科学技术协会2022年工作要点."""
    for line in lines:
        for m in _HANDED_OUT_RE.finditer(line):
            title = m.group("title") or m.group("title2") or m.group("title3") or m.group("title4")
            title = re.sub(r"\[([^\[\]]{1,20})\]$", r"（\1）", title)  # 实施方案[2016—2020年]
            if PLAN_TITLE_END_RE.search(title):
                return title
    return None


def complete_title(title: str, notice_title: str | None) -> str:
    """A title line without its issuer (2022年工作要点) takes the notice's fuller title when that ends
    with it (《长治市科学技术协会2022年工作要点》)."""
    if notice_title and notice_title != title and notice_title.endswith(title) and _LEADING_TITLE_YEAR_RE.match(title):
        return notice_title
    return title


_NEWS_RE = re.compile(r"本报讯|本报记者|记者\s*[\u4e00-\u9fff]{2,3}|通讯员|[0-9一二三四五六七八九十]+日讯|客户端讯|融媒讯|新闻网讯")
# a news lead: 2月12日，县科协召开全体干部会议… (a date, then a meeting being held)
_NEWS_LEAD_RE = re.compile(r"^\d{1,2}月\d{1,2}日(上午|下午|晚)?[，,].{0,40}?(召开|举行|举办)")
_MEETING_RE = re.compile(r"会议(指出|强调|要求|认为|听取|审议|总结|通报|传达|部署)|(主持|出席|参加)会议|会上[，,]")
_REPORT_RE = re.compile(r"工作总结|工作汇报|工作报告|向大会报告工作|完成情况")
_NOTICE_TITLE_RE = re.compile(r"关于.{2,60}的通知")
_CONTACT_RE = re.compile(r"^联系人\s*[：:]")
_DEADLINE_RE = re.compile(r"请.{0,40}?于\s*\d{1,2}\s*月\s*\d{1,2}\s*日.{0,20}?前")
_AUDIENCE_RE = re.compile(r"^(各位委员|各位代表|各位理事|各位领导|同志们)")
# a byline: ◎ 江苏省科协党组书记 陈惠娟 (an office-holder's signed article)
_BYLINE_RE = re.compile(r"^[◎●■]?\s*[\u4e00-\u9fff]{2,24}(书记|主席|会长|局长|厅长|部长|秘书长|理事长)\s+[\u4e00-\u9fff]{2,3}$")


def not_a_plan(lines: list[str]) -> str | None:
    """Why a text with no plan title is not a plan (a news story, a report or summary of work done, a
    notice about something else, a call for material with contacts), or None when it may be one."""
    head = "\n".join(lines[:12])
    text = "\n".join(lines)
    if (_NEWS_RE.search(head) or len(_MEETING_RE.findall(text)) >= 2
            or any(_NEWS_LEAD_RE.search(line) for line in lines[:4])):
        return "a news story (本报讯 / 记者 / 会议指出 …), not a plan"
    for line in lines[:6]:
        m = _REPORT_RE.search(line[:60])
        title_like = len(line) <= 40 and not re.search(r"[。，：；]", line)
        if m and (title_like or m.start() < 15):  # a title-like line, or what the text opens with
            return f"a report or summary of work done ({m.group(0)}), not a plan"
        if _AUDIENCE_RE.match(line):
            return "a speech or report to a meeting (各位委员、同志们), not a plan"
        if _BYLINE_RE.match(line):
            return f"a signed article ({line.strip('◎●■ ')}), not a plan"
    for line in lines[:6]:
        m = _NOTICE_TITLE_RE.search(line)
        if m and not _HANDED_OUT_RE.search(line) and not PLAN_TITLE_END_RE.search(m.group(0)[:-3]):
            return f"a notice about something else ({m.group(0)}), not a plan"
    if sum(1 for line in lines if _CONTACT_RE.match(line)) >= 2 or (
            any(_CONTACT_RE.match(line) for line in lines) and any(_DEADLINE_RE.search(line) for line in lines)):
        return "a notice asking for material (联系人 …), not a plan"
    return None


# ---------------------------------------------------------------------------------------------
# one document's metadata, every rule above in order

_RECIPIENT_RE = re.compile(r"^各.{2,300}[：:]$")
# a city's, county's or district's government speaking: 经市人民政府同意, 来源：区政府办, 各镇人民政府
_BELOW_PROVINCE_RE = re.compile(r"经(?:[市县区州旗]委、)?(?:[市县区州旗]|[\u4e00-\u9fff]{2,8}[市县区州旗])(?:人民)?政府同意"
                                r"|(?:^|来源[：:]\s*)[市县区]政府办|^各(?:镇|乡|乡镇|街道)")
_GOVERNMENT_RE = re.compile(r"经(?:[省市县区州旗]委、)?(?:[省市县区州旗]|[\u4e00-\u9fff]{2,8}[省市县区州旗])?(?:人民)?政府同意"
                            r"|(?:^|来源[：:]\s*)[省市县区]?政府办")
_TITLE_ORG_RE = re.compile(r"^[\u4e00-\u9fff]{2,30}(科协|科学技术协会|协会|党组|办公厅|办公室)$")


_TITLE_ORG_LEAD_RE = re.compile(r"^(?P<org>[\u4e00-\u9fff]{2,30}?(科协|科学技术协会))")


def title_issuer(title: str) -> str | None:
    """The body a title names before its year (河南省科协2019年工作要点 -> 河南省科协) or, for a title
    opening with its year, right after it (2021年度丽水市科学技术协会重点工作 -> 丽水市科学技术协会);
    only a named association or office (a place or 中国科协 first), never a generic 省科协."""
    from compare.ingest.places import issuer_level

    prefix = title_prefix(title)
    if not prefix:
        m = _TITLE_ORG_LEAD_RE.match(_LEADING_TITLE_YEAR_RE.sub("", title.strip()))
        prefix = m.group("org") if m else ""
    if not prefix or not _TITLE_ORG_RE.match(prefix):
        return None
    loc = issuer_level(prefix)
    return prefix if loc is not None and loc.province is not None else None


def _org_line_before(context: list[str], title: str | None) -> str | None:
    """A body's name standing alone on the line right before a title that names no association
    (铜川市王益区农业农村局 / 第二十八届…活动实施方案): the document's issuer."""
    k = context.index(title) if title in context else len(context)  # an untitled body holds its title line
    if title and k > 0 and _ORG_RE.match(context[k - 1]) and not _RECIPIENT_RE.match(context[k - 1]) \
            and not re.match(r"[\u4e00-\u9fff]{0,30}?(?:科协|科学技术协会)", title):  # 县科协…: not the portal's 县人民政府
        return context[k - 1]
    return None


@dataclass
class DocumentMetadata:
    title: str | None          # as written, completed from the notice; None when the text has none
    year: int | None
    province: str | None
    level: str | None
    city: str | None
    issuer: str | None
    department: str | None
    doc_type: str
    provenance: dict           # field -> "text" | "inferred" | "page-date"
    issuer_kind: str = DEFAULT_ISSUER_KIND   # one of compare.core.vocab.ISSUER_KINDS
    notes: list = field(default_factory=list)    # warnings worth a look (a year from the page's date)
    ambiguous: tuple = ()      # provinces in play when the places named lie in several
    unplaced: str | None = None   # why no province was taken although one is named (a city's text)


def document_metadata(*, title: str | None, notice_title: str | None, context: list[str], body: list[str],
                      first_paragraph: str, issuer: str | None, issue_number: str | None,
                      issue_date: str | None, trace: list[str] | None = None,
                      site: list[str] = (), body_only: bool = False) -> DocumentMetadata:
    """title/year/province/level/city/issuer/department/doc_type of one document.

    context: the notice lines before the document (header, or the lead of an untitled document).
    Year: `compare.ingest.metadata_year` (title > notice 《…年…》 > 文号 > first paragraph > signature
    date; the web page's own date only as a last resort, with a note and provenance `page-date`).
    Province/level/city: `locate`, else the province named most often outside the recipient list
    (a national notice names 新疆生产建设兵团科协 among its recipients), level 省级 then inferred, else
    the gazetteer (`compare.ingest.metadata_place`: counties, banners, prefectures, site lines, 文号).
    trace: receives one line per rule that answered (`ingest --explain`). site: the web-page lines the
    cruft rules removed (site name, 主办单位, 发布时间), read for a place or a last-resort date only.
    body_only: a copy opening at 序言 / 总体要求 (compare.ingest.untitled): the gazetteer applies too.
    """
    from compare.ingest.issuers import issuer_kind
    from compare.ingest.metadata_place import guess_place, township_plan

    provenance: dict = {}
    notes: list[str] = []
    trace = trace if trace is not None else []
    if title:
        title = complete_title(title, notice_title)
    named = title = title or notice_title
    trace.append(f"title: {named!r}" + ("" if named else " (none: an untitled document)"))
    year = plan_year(named, context=context, body=body, site=site, first_paragraph=first_paragraph,
                      issue_number=issue_number, issue_date=issue_date, trace=trace, provenance=provenance,
                      notes=notes)
    issuer = issuer or publisher(context) or _org_line_before(context, named)
    level, prov, city, ambiguous, unplaced = _plan_place(named, issuer, context=context, body=body, site=site,
                                               first_paragraph=first_paragraph, issue_number=issue_number,
                                               body_only=body_only, trace=trace, provenance=provenance)
    town = township_plan(named, prov, lambda lv, hint: guess_place(
        title=named, issuer=issuer, header=[*site, *context], body=body, issue_number=issue_number, level=lv, hint=hint))
    if town is not None:  # 唐家口街道2024年全域科普工作计划: a street's (or town's) plan, not the province's
        level, city, issuer = town.level, town.city, issuer or town.issuer
        provenance.pop("level", None)
        trace.append(f"place: {town.rule} -> level {level}, city {city}")
    if issuer is None and title:
        issuer = title_issuer(title)  # 河南省科协2019年工作要点 is issued by 河南省科协
    doc_type = classify_doc_type(named) if named else classify_untitled(first_paragraph)
    kind, kind_from = issuer_kind(issuer, named)
    if kind_from == "inferred" and _GOVERNMENT_RE.search("\n".join([*site, *context, *body[:4]])):
        kind, kind_from = "党政机关", "inferred"   # 经市人民政府同意，现印发给你们: a government hands it out
    trace.append(f"issuer: {issuer!r} -> issuer_kind {kind} (from the {kind_from})")
    trace.append(f"doc_type: {doc_type} (from the {'title' if named else 'first sentence'})")
    if kind_from == "inferred":
        provenance["issuer_kind"] = "inferred"
    for name, value in (("title", title), ("year", year), ("province", prov), ("level", level), ("city", city),
                        ("issuer", issuer), ("doc_type", doc_type), ("issuer_kind", kind)):
        if value is not None:
            provenance.setdefault(name, "text")
    if title is None:
        provenance["title"] = "inferred"
    department = department_of(issuer) or title_department(named)
    if department and kind == "科协":  # 调宣部2019年工作要点: a department of the association issued it
        kind = "科协部门"
    return DocumentMetadata(title, year, prov, level, city, issuer, department, doc_type, provenance,
                            issuer_kind=kind, notes=notes, ambiguous=ambiguous, unplaced=unplaced)



def _plan_place(named: str | None, issuer: str | None, *, context: list[str], body: list[str], site: list[str],
                first_paragraph: str, issue_number: str | None, body_only: bool, trace: list[str],
                provenance: dict) -> tuple[str | None, str | None, str | None, tuple, str | None]:
    """(level, province, city, provinces in play): `locate`, else the province named most often outside
    the recipient list (level 省级 inferred), else for a titled plan or a body-only copy the gazetteer."""
    from compare.ingest.metadata_place import city_of_title, guess_place, issue_number_place
    from compare.ingest.places import level_of

    level, prov, city = locate(title=named, issuer=issuer, header=context, first_paragraph=first_paragraph,
                               issue_number=issue_number)
    trace.append(f"place: title/issuer/发布机构/first sentence -> level {level}, province {prov}, city {city}")
    ambiguous: tuple = ()
    if prov is None and (place := issue_number_place(issue_number)) is not None:
        loc = level_of(place)   # 乐市科协[2014]2号 -> 乐山市, 凯府办函〔2023〕1号 -> 凯里市
        level, prov, city = loc.level, loc.province, loc.city
        trace.append(f"place: 文号 prefix {issue_number} -> level {level}, province {prov}, city {city}")
    below = level is None and bool(_BELOW_PROVINCE_RE.search("\n".join([*site, *context, *body[:4]])))
    if prov is None:
        text = "\n".join(line for line in [*context, named or "", *body] if not _RECIPIENT_RE.match(line))
        prov = detect_province(title=named, issuer=issuer, issue_number=issue_number, text=text)
        trace.append(f"place: province names in the text -> {prov}")
        if prov == NATIONAL:
            level = NATIONAL
        elif prov is not None and level is None and below:
            trace.append("place: a city or county government's text (经市人民政府同意) naming no place of its own")
            prov = None   # not the province's plan: asked for in metadata.csv rather than guessed 省级
        elif prov is not None and level is None:
            level = "省级"
            provenance["level"] = "inferred"
    if prov is not None and city is None and level != NATIONAL and (found := city_of_title(named, prov, level)):
        level, city = found   # 城关区科协… whose province the text settles (甘肃 named): 城关区 of 甘肃
    # a titled plan, a body-only copy, or an untitled one whose first sentence's subject is a generic
    # association (2017年是…，县科协工作的总体思路是…): the gazetteer may read its place from the body
    if prov is None and (named or body_only or level is not None):
        guess = guess_place(title=named, issuer=issuer, header=[*site, *context], body=body,
                            issue_number=issue_number, level=level)
        trace.append(f"place: {guess.rule if guess else 'gazetteer: no county, banner or prefecture named'}"
                     + (f" -> level {guess.level}, province {guess.province}, city {guess.city}" if guess else ""))
        if guess is not None and not (below and guess.level == "省级"):  # a province named: not its plan
            level, prov, city, ambiguous = guess.level, guess.province, guess.city, guess.ambiguous
    unplaced = ("a city or county government's text (经市人民政府同意, 各镇人民政府) that names no city or county of its "
                "own, only a province") if below and prov is None else None
    return level, prov, city, ambiguous, unplaced


# ---------------------------------------------------------------------------------------------
# a summary of last year's work with this year's plan in one document

_SUMMARY_TITLE_RE = re.compile(
    rf"总结.{{0,8}}?(?:(?P<year>{_YEAR})\s*年(?:度)?)?(?:工作)?(?:计划|要点|安排|打算|思路|意见)")
_PLAN_PART_RE = re.compile(
    rf"^(?:[一二三四五六七八九十]{{1,3}}、|（[一二三四五六七八九十]{{1,3}}）)?\s*(?:关于)?\s*(?:(?P<year>{_YEAR})\s*年(?:度)?|明年|今年|下一步)"
    r"(?:的)?(?:主要)?(?:工作)?(?:计划|要点|安排|打算|思路|重点)")


def summary_and_plan(title: str | None) -> bool:
    """`泉州市老科协2021年工作总结2022年工作计划`, `…工作总结暨2012年工作计划`: a report on last year's work
    that also holds a plan."""
    return bool(title) and bool(_SUMMARY_TITLE_RE.search(title))


def plan_part(title: str, body: list[str]) -> tuple[list[str], int | None] | None:
    """The plan part of a summary-and-plan document: (the lines after its heading, the plan's year from
    the title or that heading), or None when the text holds only the summary (a truncated copy)."""
    m = _SUMMARY_TITLE_RE.search(title)
    for k, line in enumerate(body):
        h = _PLAN_PART_RE.match(line)
        if h and len(line) <= 40:
            year = h.group("year") or (m.group("year") if m else None)
            return body[k + 1:], int(year) if year else None
    return None
