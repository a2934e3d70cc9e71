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


def split_departments(note_body: str) -> list[str]:
    """`调研宣传部，办公室、省科普中心［省素质办］` -> ['调研宣传部', '办公室', '省科普中心［省素质办］']."""
    if _BRACKETS_RE.search(note_body):
        parts: list[str] = []
        depth = 0
        part: list[str] = []
        for ch in note_body:
            if ch in "（［【(":
                depth += 1
            elif ch in "）］】)":
                depth = max(0, depth - 1)
            if depth == 0 and _SPLIT_RE.match(ch):
                parts.append("".join(part))
                part = []
            else:
                part.append(ch)
        parts.append("".join(part))
    else:
        parts = _SPLIT_RE.split(note_body)
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
