"""Word's automatic numbering, rendered: the numbers of a numbered list are not in a .docx's text.

A plan whose 一、 / （一） / 1. markers are Word list numbering would otherwise reach the parser without
markers. `Numbering(document).label(paragraph)` gives the label Word shows (一、, （二）, 3., ①) from
the document's numbering definitions (word/numbering.xml): the list (numId, on the paragraph or its
style), the level (ilvl), the level's number format and text (`%1、`, `（%2）`), start values and
overrides; counters run per list and a level restarts when a higher level advances.
"""
from __future__ import annotations

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CN = "零一二三四五六七八九"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"


def chinese_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 105 -> 一百零五 (counting form, as Word writes it)."""
    if n <= 0:
        return _CN[0]
    if n < 10:
        return _CN[n]
    if n < 20:
        return "十" + (_CN[n % 10] if n % 10 else "")
    if n < 100:
        return _CN[n // 10] + "十" + (_CN[n % 10] if n % 10 else "")
    rest = n % 100
    tail = "" if rest == 0 else ("零" + chinese_number(rest) if rest < 10 else
                                 ("一" + chinese_number(rest) if rest < 20 else chinese_number(rest)))
    return _CN[n // 100 % 10] + "百" + tail


def _roman(n: int) -> str:
    out = []
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
                           (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out.append(letters)
            n -= value
    return "".join(out)


def format_number(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting",
               "chineseLegalSimplified", "ideographDigital", "taiwaneseCountingThousand"):
        return chinese_number(n)
    if fmt.startswith("decimalEnclosedCircle") and 1 <= n <= len(_CIRCLED):
        return _CIRCLED[n - 1]
    if fmt == "ideographTraditional" and 1 <= n <= len(_TIANGAN):
        return _TIANGAN[n - 1]
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        return _roman(n).upper() if fmt == "upperRoman" else _roman(n)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "none":
        return ""
    return str(n)  # decimal, decimalFullWidth (normalised later), and anything unknown


def _val(el, tag: str, default=None):
    child = el.find(W + tag) if el is not None else None
    return child.get(W + "val") if child is not None else default


class Numbering:
    """The numbering definitions of one document and the running counters of its lists."""

    def __init__(self, document):
        try:
            root = document.part.numbering_part.element
        except (NotImplementedError, KeyError, AttributeError):
            root = None
        self.levels: dict[str, dict[int, tuple[int, str, str]]] = {}  # abstractNumId -> ilvl -> (start, fmt, text)
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}          # numId -> (abstractNumId, start overrides)
        self.counters: dict[str, dict[int, int]] = {}
        self.available = root is not None
        self.style_num = self._style_numbering(document)
        if root is None:
            return
        for absn in root.iter(W + "abstractNum"):
            levels = {}
            for lvl in absn.iter(W + "lvl"):
                ilvl = int(lvl.get(W + "ilvl", "0"))
                levels[ilvl] = (int(_val(lvl, "start", "1") or 1), _val(lvl, "numFmt", "decimal") or "decimal",
                                _val(lvl, "lvlText", "") or "")
            self.levels[absn.get(W + "abstractNumId")] = levels
        for num in root.iter(W + "num"):
            overrides = {}
            for ov in num.iter(W + "lvlOverride"):
                start = _val(ov, "startOverride")
                if start is not None:
                    overrides[int(ov.get(W + "ilvl", "0"))] = int(start)
            self.nums[num.get(W + "numId")] = (_val(num, "abstractNumId"), overrides)

    @staticmethod
    def _style_numbering(document) -> dict[str | None, tuple[str | None, int]]:
        """style id -> (numId, ilvl) of paragraph styles that number (through basedOn), read once
        (python-docx's paragraph.style scans every style: 1 ms a paragraph); key None = default style."""
        try:
            styles = document.styles.element
        except (NotImplementedError, KeyError, AttributeError):
            return {}
        by_id, default = {}, None
        for st in styles.iter(W + "style"):
            if st.get(W + "type") == "paragraph":
                by_id[st.get(W + "styleId")] = st
                if st.get(W + "default") in ("1", "true"):
                    default = st.get(W + "styleId")
        out: dict[str | None, tuple[str | None, int]] = {}
        for sid in by_id:
            st, seen = by_id.get(sid), set()
            while st is not None and st.get(W + "styleId") not in seen:
                seen.add(st.get(W + "styleId"))
                ppr = st.find(W + "pPr")
                num_pr = ppr.find(W + "numPr") if ppr is not None else None
                if num_pr is not None:
                    out[sid] = (_val(num_pr, "numId"), int(_val(num_pr, "ilvl", "0") or 0))
                    break
                st = by_id.get(_val(st, "basedOn"))
        if default in out:
            out[None] = out[default]
        return out

    def _num_pr(self, paragraph) -> tuple[str | None, int]:
        ppr = paragraph._p.pPr
        num_pr = ppr.find(W + "numPr") if ppr is not None else None
        if num_pr is not None:
            return _val(num_pr, "numId"), int(_val(num_pr, "ilvl", "0") or 0)
        return self.style_num.get(_val(ppr, "pStyle"), (None, 0))

    def is_numbered(self, paragraph) -> bool:
        num_id, _ = self._num_pr(paragraph)
        return num_id not in (None, "0")

    def label(self, paragraph) -> str | None:
        """The label Word shows before this paragraph (advancing the list's counter), or None."""
        num_id, ilvl = self._num_pr(paragraph)
        if num_id in (None, "0") or num_id not in self.nums:
            return None
        abstract_id, overrides = self.nums[num_id]
        levels = self.levels.get(abstract_id, {})
        if ilvl not in levels:
            return None
        counters = self.counters.setdefault(num_id, {})
        start = overrides.get(ilvl, levels[ilvl][0])
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        _, fmt, text = levels[ilvl]
        if fmt == "bullet":
            return "●"
        for k in range(9, 0, -1):  # %1 … %9: the counters of levels 0 … 8
            if f"%{k}" in text:
                lvl = levels.get(k - 1, (1, "decimal", ""))
                value = counters.get(k - 1, overrides.get(k - 1, lvl[0]))
                text = text.replace(f"%{k}", format_number(value, lvl[1]))
        return text
