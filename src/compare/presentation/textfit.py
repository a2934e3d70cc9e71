"""Fitting a chart's frame text to its width: an estimate of a text's width in em and the size (or
line break) that keeps a title, subtitle or source line inside the figure."""
from __future__ import annotations

import math


def text_width(text: str) -> float:
    """Width of text in em: CJK and full-width characters 1, others about half."""
    import unicodedata

    return sum(1.0 if unicodedata.east_asian_width(c) in ("W", "F") else 0.55 for c in str(text))


#: where a line of a chart's frame may break, after the character (scope bar, Chinese punctuation)
_BREAKS = "｜；，。、：）"


def fit_line(text: str, width_in: float, size: float, *, min_size: float, max_lines: int = 2) -> tuple[str, float]:
    """(text, font size) such that the text fits a band `width_in` inches wide: the given size when it
    fits; else smaller, down to min_size; else broken into up to max_lines lines at min_size (after a
    ｜ or a Chinese punctuation mark where possible); a rest that still does not fit ends in …. Widths
    are estimated (:func:`text_width`) with a margin, so a line never runs off the figure.

    >>> fit_line("短标题", 12.0, 24, min_size=18)
    ('短标题', 24)
    >>> text, size = fit_line("长" * 70, 12.0, 15, min_size=12)
    >>> size, [len(line) for line in text.split("\n")]
    (12, [69, 1])
    """
    def fits(line: str, pt: float) -> bool:
        return text_width(line) * pt / 72 <= width_in * 0.96

    text = str(text)
    for pt in range(int(size), int(math.ceil(min_size)) - 1, -1):
        if fits(text, pt):
            return text, (size if pt == int(size) else pt)
    pt = min_size
    lines, rest = [], text
    while rest and len(lines) < max_lines:
        if fits(rest, pt):
            lines.append(rest)
            rest = ""
            break
        cut = 1
        while cut < len(rest) and fits(rest[:cut + 1], pt):
            cut += 1
        nice = max((i + 1 for i, c in enumerate(rest[:cut]) if c in _BREAKS), default=0)
        cut = nice if nice >= cut * 0.6 else cut
        if len(lines) == max_lines - 1:  # the last line: what does not fit is cut, marked …
            line = rest
            while not fits(line + "…", pt) and len(line) > 1:
                line = line[:-1]
            lines.append(line + "…")
            rest = ""
            break
        lines.append(rest[:cut])
        rest = rest[cut:]
    return "\n".join(lines), pt
