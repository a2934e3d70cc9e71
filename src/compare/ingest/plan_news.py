"""Texts about a plan that are not the plan: news of it, and notices whose plan is only an attachment.

Traits of city and county pages (docs/loader.md, "City and county plans"):

- **A news headline about a plan** (`某区出台科协系统深化改革实施方案`, `某市印发《…实施方案》`) over a news
  opening (`近日，…正式印发了《…》`, `…网讯 近日`, `日前`, `记者`) is a story summarising the plan, not the
  plan, even when it quotes the plan's sections (`plan_news`).
- **A meeting report under a headline that carries out someone's arrangements**
  (`某市老科协积极贯彻落实省老科协近期工作安排`, `…传达学习…工作要点`) over a news lead (`4月22日，…召开了…会议`)
  is news, even with 一、二、 items: the plan word is the object of 贯彻落实, not the text's title.
- A news lead above the plan itself (the plan's own title line further down, then its items) is a
  page holding the plan, not news of it: neither rule applies.
- **A notice whose plan is only an attachment name** (`附件：某市全民科学素质行动计划纲要实施方案.doc`) and no
  item in its text is refused with a reason naming the attachment (`attachment_only`): the plan is in
  that file, which the analyst can add.
"""
from __future__ import annotations

import re

from compare.ingest.structure import is_title_line

_PLAN_WORD = r"(?:方案|要点|计划|规划|纲要|意见|安排)"
_ISSUED_HEADLINE_RE = re.compile(rf"^(?!关于).{{2,30}}?(?:出台|印发|下发|发布|推出)了?《?[^《》]{{4,60}}{_PLAN_WORD}(?:[（(][^）)]*[）)])?》?(?:[（(][^）)]*[）)])?$")
_CARRIES_OUT_RE = re.compile(rf"(?:积极|认真|扎实|全面)?(?:贯彻落实|传达学习|学习贯彻|传达贯彻).{{2,30}}{_PLAN_WORD}$")
_NEWS_OPENING_RE = re.compile(r"^(?:.{0,12}[网报台]讯|.{0,12}讯\s)|近日|日前|记者|通讯员")
_NEWS_LEAD_RE = re.compile(r"^\d{1,2}月\d{1,2}日(?:上午|下午|晚)?[，,].{0,40}?(?:召开|举行|举办)")
_ATTACHMENT_RE = re.compile(r"附件\s*\d*\s*[：:]?\s*(?P<name>[^：:\s]{4,80}\.(?:docx?|wps|pdf|xlsx?|rar|zip))", re.IGNORECASE)


def plan_news(lines: list[str]) -> str | None:
    """Why a text is a news story about a plan (see the module doc), or None."""
    if len(lines) < 2:
        return None
    headline, nxt = lines[0], lines[1:4]
    if any(is_title_line(line) for line in lines[1:60]):   # a news lead above the plan itself: the plan
        return None
    if _ISSUED_HEADLINE_RE.match(headline) and any(_NEWS_OPENING_RE.search(line[:40]) for line in nxt):
        return f"a news story about a plan being issued ({headline}), not the plan"
    if _CARRIES_OUT_RE.search(headline) and any(_NEWS_LEAD_RE.match(line) for line in nxt):
        return f"a news story about a meeting carrying out a plan ({headline}), not a plan"
    return None


def attachment_only(lines: list[str]) -> str | None:
    """The attachment a notice hands its plan out in (附件：….doc), or None."""
    for line in lines:
        m = _ATTACHMENT_RE.search(line)
        if m:
            return m.group("name")
    return None
