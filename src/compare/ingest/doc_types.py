"""The document type of a plan from its title: the controlled vocabulary (compare.core.vocab.DOC_TYPES).

The title's last plan word decides between kinds of plan (docs/loader.md): a literacy programme titled
…行动计划纲要工作方案 is a 工作方案, not a 科普工作要点; 行动计划纲要 inside a …规划 title is no 计划."""
from __future__ import annotations

import re

_TRAILING_RANGE_RE = re.compile(r"[（(][^（）()]{0,24}[）)]$")


def classify_doc_type(title: str) -> str:
    """Controlled vocabulary from a title (or a first sentence). The title's last plan word decides
    between kinds of plan: …规划纲要实施方案（2021—2025年） is an 实施方案, …工作计划 a 工作计划."""
    t = title or ""
    end = _TRAILING_RANGE_RE.sub("", t.strip())
    if "学会学术" in t:
        return "学会学术工作要点"
    if "改革" in t and re.search(r"要点|方案|计划|任务", t):
        return "深化改革工作要点"
    if re.search(r"活动(实施)?方案$", end):
        return "活动方案"
    if end.endswith("实施方案"):
        return "实施方案"
    if re.search(r"(?:分工|工作)方案$", end):  # …纲要工作方案, …实施方案任务分工方案: a 工作方案 whatever it is about
        return "工作方案"
    if re.search(r"科普|科学普及|科学素质", t) and re.search(r"要点|计划(?!纲要)", t):  # not 行动计划纲要…规划
        return "科普工作要点"
    if re.search(r"重点工作|重点任务|工作重点|任务清单$", t) and not t.endswith("工作要点"):  # 年度工作任务清单
        return "重点工作"
    if re.search(r"规划|纲要", t):
        return "规划"
    if re.search(r"(工作计划|年度计划|工作安排|计划安排|工作思路|工作打算|工作谋划|工作目标任务)$", end):  # 工作安排/思路: a plan
        return "工作计划"
    if end.endswith("工作意见"):
        return "工作意见"
    if re.search(r"要点", t):
        return "工作要点"
    return "其他"
