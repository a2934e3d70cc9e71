"""Framing headings: the parts of a plan that introduce it rather than set a task (docs/loader.md).

Before the first task, a leaf is preamble, not an item, when its heading is

- a framing heading (指导思想, 总体要求, 基本原则, 主要目标, 背景和意义, 序言, 发展基础 …), a compound of
  framing words (指导思想和原则, 总体要求和主要目标) or a framing heading run into its text on a flattened
  page (指导思想坚持党的全面领导…, 工作目标到2025年…), or an activity plan's 时间：/主题：/地点：;
- or any heading under a review section (一、发展基础 （一）科普政策环境得到较大改善, 一、背景和意义
  （一）…): what was achieved in the last period is the plan's starting point, not its work.
"""
from __future__ import annotations

import re

_FRAMING_RE = re.compile(
    r"^(指导思想|总体要求|基本原则|工作原则|主要目标|总体目标|工作目标|发展目标|目标任务|背景和意义|重要意义"
    r"|指导原则|总体思路|工作思路|基本思路|指导思想和总体要求|指导思想和工作目标|前言|引言|序言|发展基础|面临形势|发展基础和面临形势|指导方针|工作方针|发展思路)$")
_FRAMING_WORD = r"指导思想|总体要求|基本原则|工作原则|主要目标|总体目标|工作目标|发展目标|目标任务|总体思路"
_FRAMING_COMPOUND_RE = re.compile(
    rf"^(?:{_FRAMING_WORD})(?:和|与|及)(?:原则|指导原则|目标|要求|思路|{_FRAMING_WORD})$"
    rf"|^(?:{_FRAMING_WORD})[：:]?(?:坚持|以习近平|高举|全面贯彻|深入贯彻|认真贯彻|围绕|紧扣|聚焦|立足|到\d{{4}}年)"
    r"|^(?:活动)?(?:时间|主题|地点|对象)[：:]")  # an activity plan's 时间：9月16日至22日 before its 内容
# a review of the last period: its sub-headings are achievements, not tasks
_REVIEW_RE = re.compile(r"^(?:发展基础|背景和意义|重要意义|发展基础和面临形势|工作回顾|发展现状|基本情况|现状和问题|发展现状和面临形势)$")


def is_framing(node) -> bool:
    """A node (compare.ingest.structure.Node) whose heading frames the plan (see the module doc)."""
    if _FRAMING_RE.match(node.title) or _FRAMING_COMPOUND_RE.match(node.title):
        return True
    parent = node.parent
    while parent is not None:
        if _REVIEW_RE.match(parent.title):
            return True
        parent = parent.parent
    return False
