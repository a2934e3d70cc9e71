"""Texts about a plan that are not the plan: news of it, interpretations of it, and notices whose plan
is only an attachment.

Traits of city and county pages (docs/loader.md, "City and county plans"):

- **A news headline about a plan** (`某区出台科协系统深化改革实施方案`, `某市印发《…实施方案》`) over a news
  opening (`近日，…正式印发了《…》`, `…网讯 近日`, `日前`, `记者`) is a story summarising the plan, not the
  plan, even when it quotes the plan's sections (`plan_news`).
- **A meeting report under a headline that carries out someone's arrangements**
  (`某市老科协积极贯彻落实省老科协近期工作安排`, `…传达学习…工作要点`) over a news lead (`4月22日，…召开了…会议`)
  is news, even with 一、二、 items: the plan word is the object of 贯彻落实, not the text's title.
- **News quoting a plan's title in a report** (`某市基层科协组织建设“3+1”工作扎实推进` over `10月12日以来，市科协…
  传达了市委办公室印发的《…实施方案》文件精神`; `某县印发《…》` over `近期，县政府办公室印发了《…》`) is news:
  no plan title line, fewer than two marker lines (一、 （一） 1. …) of its own, the plan named only inside a sentence reporting
  it (传达了/印发的/宣读了《…》), under a progress headline (…扎实推进, 召开, 启动) or over a dated or
  news lead (10月12日以来，/ 近期 / 会上).
- **An interpretation of a plan** (政策解读, 图解, 【文字解读】《…》: a page restating the plan's 依据, 背景,
  目标 and 任务, often in 一、二、 sections) is not the plan (`interpretation`): its title line
  (…实施方案政策解读, …的政策解读, 解读《…》) or the page's 解读类型 / 解读单位 fields say so before any
  section, or it says it explains (作出如下解读). A plan page whose own title line comes first is a plan.
- A news lead above the plan itself (the plan's own title line further down, then its items) is a
  page holding the plan, not news of it: neither rule applies.
- **A notice whose plan is only an attachment name** (`附件：某市全民科学素质行动计划纲要实施方案.doc`) and no
  item in its text is refused with a reason naming the attachment (`attachment_only`): the plan is in
  that file, which the analyst can add.
"""
from __future__ import annotations

import re

from compare.ingest.structure import is_marker, is_title_line

_PLAN_WORD = r"(?:方案|要点|计划|规划|纲要|意见|安排)"
_ISSUED_HEADLINE_RE = re.compile(rf"^(?!关于).{{2,30}}?(?:出台|印发|下发|发布|推出)了?《?[^《》]{{4,60}}{_PLAN_WORD}(?:[（(][^）)]*[）)])?》?(?:[（(][^）)]*[）)])?$")
_CARRIES_OUT_RE = re.compile(rf"(?:积极|认真|扎实|全面)?(?:贯彻落实|传达学习|学习贯彻|传达贯彻).{{2,30}}{_PLAN_WORD}$")
_NEWS_OPENING_RE = re.compile(r"^(?:.{0,12}[网报台]讯|.{0,12}讯\s)|近日|日前|记者|通讯员")
_NEWS_LEAD_RE = re.compile(r"^\d{1,2}月\d{1,2}日(?:上午|下午|晚)?[，,].{0,40}?(?:召开|举行|举办)")
_REPORTED_ISSUE_RE = re.compile(r"(?:印发|出台|下发|发布)了《")
_QUOTED_PLAN_RE = re.compile(
    rf"(?:传达|宣读|学习|解读|宣讲|部署|印发|出台|下发|制定)[了的][^《。]{{0,20}}《[^》]{{4,60}}{_PLAN_WORD}(?:[（(][^）)]*[）)])?》")
_NEWS_SIGN_RE = re.compile(r"^.{0,30}?\d{1,2}月\d{1,2}日(?:以来|上午|下午|晚)?[，,]|近日|近期|日前|会上|会议(?:指出|强调|要求)")
_PROGRESS_HEADLINE_RE = re.compile(r"(?:稳步|扎实|有序|全面|加快|持续)推进$|推进会|召开|举行|举办|启动")
_INTERPRETATION_RE = re.compile(
    r"^(?:【(?!相关)[^】]{0,6}解读】|解读[：:《]|图解[：:《]|一图(?:读懂|看懂|了解)|图文解读)"
    r"|^(?!.*[。；]).{4,80}(?:政策解读|的解读|解读)$"
    r"|^.{0,20}解读[：:]\s*《|^解读(?:类型|单位|方式|机关|部门)\s*[：:]?|作出如下(?:政策)?解读|现解读如下|解读如下[：:]")
_ATTACHMENT_RE = re.compile(r"附件\s*\d*\s*[：:]?\s*(?P<name>[^：:\s]{4,80}\.(?:docx?|wps|pdf|xlsx?|rar|zip))", re.IGNORECASE)


def plan_news(lines: list[str]) -> str | None:
    """Why a text is a news story about a plan (see the module doc), or None."""
    if len(lines) < 2:
        return None
    # the headline: the first line that is no menu item of the page (• 首页, • 科普工作)
    k = next((k for k, line in enumerate(lines[:15]) if len(line) >= 8 and not line.startswith(("•", "·"))), 0)
    headline, nxt = lines[k], lines[k + 1:k + 4]
    if any(is_title_line(line) for line in lines[1:60]):   # a news lead above the plan itself: the plan
        return None
    if _ISSUED_HEADLINE_RE.match(headline) and any(_NEWS_OPENING_RE.search(line[:40]) for line in nxt):
        return f"a news story about a plan being issued ({headline}), not the plan"
    if _CARRIES_OUT_RE.search(headline) and any(_NEWS_LEAD_RE.match(line) for line in nxt):
        return f"a news story about a meeting carrying out a plan ({headline}), not a plan"
    if _ISSUED_HEADLINE_RE.match(headline) and any(_REPORTED_ISSUE_RE.search(line) for line in nxt):
        return f"a news story about a plan being issued ({headline}), not the plan"
    if sum(1 for line in lines[k + 1:] if is_marker(line)) < 2 \
            and (quoted := next((m.group(0) for line in lines[:30] if (m := _QUOTED_PLAN_RE.search(line))), None)) \
            and (_PROGRESS_HEADLINE_RE.search(headline) or any(_NEWS_SIGN_RE.search(line) for line in nxt)):
        return f"a news story quoting a plan ({quoted}), not the plan"
    return None


def interpretation(lines: list[str]) -> str | None:
    """Why a text is an interpretation of a plan (see the module doc), or None."""
    for line in lines[:15]:
        if is_marker(line) or is_title_line(line):
            return None
        if m := _INTERPRETATION_RE.search(line):
            return f"an interpretation of a plan ({line[max(0, m.end() - 50):m.end()]}), not the plan"
    return None


def attachment_only(lines: list[str]) -> str | None:
    """The attachment a notice hands its plan out in (附件：….doc), or None."""
    for line in lines:
        m = _ATTACHMENT_RE.search(line)
        if m:
            return m.group("name")
    return None
