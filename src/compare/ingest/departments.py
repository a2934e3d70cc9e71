"""Responsible departments: the `（责任部门：…）` note after an item.

Recognised note labels: 责任部门, 牵头部门, 责任单位, 牵头单位, 配合部门, 配合单位, 参与部门, 责任处室,
牵头处室. The note is found with balanced brackets (full-width after normalisation; ASCII web
copies are made full-width by compare.ingest.clean), so `省科普中心［省素质办］` and nested `（…）` stay
inside one department. The list is split on `，`, `、` and `；`; each part is stripped, a label
inside the list (`；配合部门：…`) is removed, empty parts dropped, duplicates kept once (first wins).

A `、` run that shares one organisation suffix is expanded: `各高校、企业、医疗卫生机构科协` names three
科协 (各高校科协, 企业科协, 医疗卫生机构科协), the same bodies the 2024 plans write out in full, so
departments × themes counts them under one name whichever way a plan writes them.
"""
from __future__ import annotations

import re

from compare.core.vocab import DEPARTMENT_LABELS

_NOTE_START_RE = re.compile(r"（\s*(?:" + "|".join(DEPARTMENT_LABELS) + r")\s*[：:]")
_LABEL_RE = re.compile(r"^(?:" + "|".join(DEPARTMENT_LABELS) + r")\s*[：:]\s*")
_SPLIT_RE = re.compile(r"[，、；,;]")
# suffixes a `、` run can share (`高校、企业科协`), and endings that make a part a body in its own right
_SHARED_SUFFIXES = ("科协", "学会", "协会")
_BODY_ENDINGS = ("部", "室", "委", "办", "社", "馆", "中心", "组", "单位", "会", "协", "处", "局", "厅", "院", "所", "站", "党委", "科协")
_TRAILING_WS_RE = re.compile(r"[ \t]+\n")
_BLANK_LINES_RE = re.compile(r"\n{2,}")


def _closing(text: str, start: int) -> int:
    """Index just after the bracket that closes the `（` at start (or len(text) when unbalanced)."""
    depth = 0
    for i in range(start, len(text)):
        ch = text[i]
        if ch == "（":
            depth += 1
        elif ch == "）":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(text)


_BRACKETS_RE = re.compile(r"[（［【(）］】)]")
_WS_RE = re.compile(r"\s+")


def _split_top_level(body: str, separators: str) -> list[str]:
    """Split body on separators that are not inside brackets."""
    parts: list[str] = []
    depth = 0
    part: list[str] = []
    for ch in body:
        if ch in "（［【(":
            depth += 1
        elif ch in "）］】)":
            depth = max(0, depth - 1)
        if depth == 0 and ch in separators:
            parts.append("".join(part))
            part = []
        else:
            part.append(ch)
    parts.append("".join(part))
    return parts


def _share_suffix(run: list[str]) -> list[str]:
    """`['各高校', '企业', '医疗卫生机构科协']` -> `['各高校科协', '企业科协', '医疗卫生机构科协']`.

    Only when the last part ends with a shared suffix and every earlier part is a bare kind of body
    (ends with no organisational word of its own): `办公室、组织人事部` stays as it is.
    """
    last = run[-1].strip()
    suffix = next((s for s in _SHARED_SUFFIXES if last.endswith(s) and len(last) > len(s)), None)
    if suffix is None or len(run) < 2:
        return run
    bare = [p.strip() for p in run[:-1]]
    if any(not p or p.endswith(_BODY_ENDINGS) for p in bare):
        return run
    return [p + suffix for p in bare] + [last]


def split_departments(note_body: str) -> list[str]:
    """`调研宣传部，办公室、省科普中心［省素质办］` -> ['调研宣传部', '办公室', '省科普中心［省素质办］']."""
    parts = [
        p
        for chunk in _split_top_level(note_body, "，；,;")
        for p in _share_suffix(_split_top_level(chunk, "、"))
    ]
    result: list[str] = []
    for p in parts:
        p = _LABEL_RE.sub("", _WS_RE.sub("", p)).strip("。.")
        if p and p not in result:
            result.append(p)
    return result


def extract_departments(text: str) -> tuple[str, list[str]]:
    """(text without the department notes, departments in order).

    >>> extract_departments("筹备召开大会。（责任部门：办公室、组织人事部）")
    ('筹备召开大会。', ['办公室', '组织人事部'])
    """
    departments: list[str] = []
    pieces: list[str] = []
    pos = 0
    for m in _NOTE_START_RE.finditer(text):
        if m.start() < pos:
            continue  # inside a note already consumed
        end = _closing(text, m.start())
        inner = text[m.start() + 1: end - 1 if text[end - 1: end] == "）" else end]
        pieces.append(text[pos: m.start()])
        for d in split_departments(inner):
            if d not in departments:
                departments.append(d)
        pos = end
    pieces.append(text[pos:])
    cleaned = "".join(pieces)
    if pieces[1:]:
        cleaned = _TRAILING_WS_RE.sub("\n", cleaned)
        cleaned = _BLANK_LINES_RE.sub("\n", cleaned)
    cleaned = cleaned.strip()
    return cleaned, departments


# Collective recipients: the note lists them after the offices that lead (机关各部室、各直属事业单位，
# 各全省学会，各省辖市科协，各高校科协、企业科协、医疗卫生机构科协). They receive the task; they are not
# an office of the association that carries it.
_COLLECTIVE_PREFIXES = ("各", "相关", "机关各")
_BODY_TYPE_SUFFIXES = ("科协", "学会", "县市区", "党组织")
_NAMED_BODY_PREFIXES = ("省", "中国", "全国学会秘书处")


def is_collective(department: str) -> bool:
    """True for a class of recipients (各全省学会, 机关各部室, 相关省辖市科协, 企业科协, 全省学会),
    False for a named office or body (办公室, 学会学术部, 省科技馆, 省老科协, 河南科技报社)."""
    d = department.strip()
    if d.startswith(_COLLECTIVE_PREFIXES):
        return True
    return d.endswith(_BODY_TYPE_SUFFIXES) and not d.startswith(_NAMED_BODY_PREFIXES)


# One office, two names: the short form used in earlier plans and the full name used later.
# Items keep the name as written; comparisons count both under the full name.
ALIASES = {
    "科普部": "科学技术普及部",
}


def canonical_department(department: str) -> str:
    """科普部 -> 科学技术普及部; any other name unchanged."""
    d = department.strip()
    return ALIASES.get(d, d)
