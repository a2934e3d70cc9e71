"""Responsible departments: the `（责任部门：…）` note after an item.

Recognised note labels: 责任部门, 牵头部门, 责任单位, 牵头单位, 配合部门, 配合单位, 参与部门, 责任处室,
牵头处室. The note is found with balanced brackets (full-width after normalisation; ASCII web
copies are made full-width by compare.clean), so `省科普中心［省素质办］` and nested `（…）` stay
inside one department. The list is split on `，`, `、` and `；`; each part is stripped, a label
inside the list (`；配合部门：…`) is removed, empty parts dropped, duplicates kept once (first wins).
"""
from __future__ import annotations

import re

LABELS = ("责任部门", "牵头部门", "责任单位", "牵头单位", "配合部门", "配合单位", "参与部门", "责任处室", "牵头处室")
_NOTE_START_RE = re.compile(r"（\s*(?:" + "|".join(LABELS) + r")\s*[：:]")
_LABEL_RE = re.compile(r"^(?:" + "|".join(LABELS) + r")\s*[：:]\s*")
_SPLIT_RE = re.compile(r"[，、；,;]")


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


def split_departments(note_body: str) -> list[str]:
    """`调研宣传部，办公室、省科普中心［省素质办］` -> ['调研宣传部', '办公室', '省科普中心［省素质办］']."""
    out: list[str] = []
    depth = 0
    part = []
    for ch in note_body:
        if ch in "（［【(":
            depth += 1
        elif ch in "）］】)":
            depth = max(0, depth - 1)
        if depth == 0 and _SPLIT_RE.match(ch):
            out.append("".join(part))
            part = []
        else:
            part.append(ch)
    out.append("".join(part))
    result: list[str] = []
    for p in out:
        p = _LABEL_RE.sub("", re.sub(r"\s+", "", p)).strip("。.")
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
    cleaned = re.sub(r"[ \t]+\n", "\n", cleaned)
    cleaned = re.sub(r"\n{2,}", "\n", cleaned).strip()
    return cleaned, departments
