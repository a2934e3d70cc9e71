"""HTML blocks for notebooks: escaped headings, notes, readable tables and embedded figures.

Every piece of document text reaches the page through pandas' ``to_html`` (escapes) or
:func:`html.escape`; nothing from a plan is ever inserted as raw HTML. Notebooks use these through
:mod:`compare.presentation.display` (``from compare.presentation import display as show``).
"""
from __future__ import annotations

import base64
import datetime as _dt
import html
import io as _io
import os
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from compare.core.labels import REPORT_COLUMN_LABELS, report_labels
from compare.presentation.chartinfo import ChartFigure


class HTMLBlock:
    """A piece of HTML the notebook displays (``display(block)`` or as a cell's last expression)."""

    def __init__(self, html_text: str):
        self.html = html_text

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html


def generated_at() -> str:
    """Generation time: now, or $SOURCE_DATE_EPOCH (seconds, UTC) for reproducible output."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return _dt.datetime.fromtimestamp(int(epoch), tz=_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %z")


def heading(text: str, level: int = 2) -> HTMLBlock:
    """An escaped heading (for titles built from data, e.g. a theme or province name)."""
    level = min(max(int(level), 1), 6)
    return HTMLBlock(f"<h{level}>{html.escape(str(text))}</h{level}>")


def note(text: str) -> HTMLBlock:
    """An escaped explanatory paragraph."""
    return HTMLBlock(f'<p class="kx-note">{html.escape(str(text))}</p>')


def _cell_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    if hasattr(value, "tolist") and not isinstance(value, str):  # numpy arrays from list columns
        return "、".join(str(v) for v in value.tolist())
    return value


#: the reports' column headers: one home, compare.core.labels (with the per-table names of TABLE_COLUMN_LABELS)
COLUMN_LABELS: dict[str, str] = REPORT_COLUMN_LABELS
VALUE_LABELS: dict[str, dict] = {
    "low_confidence": {True: "是", False: ""},
    "change": {"appears": "新出现", "disappears": "不再出现"},
    "kind": {"quoted": "引号内提法", "ngram": "共同词组", "title": "书名号内"},
    "status": {"continued": "延续", "merged": "合并延续", "split": "拆分延续", "new": "新增", "dropped": "不再提及"},
}


def table(
    df: pd.DataFrame,
    *,
    caption: str | None = None,
    percent: Sequence[str] | bool = (),
    decimals: int = 2,
    max_rows: int | None = None,
    index: bool = False,
    labels: Mapping[str, str] | None = None,
    empty: str = "（无数据）",
    source: str | None = None,
) -> HTMLBlock:
    """An escaped HTML table of df for readers: list cells joined with 、, `percent` columns (True: every
    float column) as 12.3%, other floats rounded to `decimals`, at most max_rows rows (a note says how
    many were left out), known column names in Chinese (compare.core.labels: the report headers, the
    names the `source` table gives its own columns when df holds rows of it, e.g. item_instruments'
    runner_up 次选工具; overridden by labels).

    >>> df = pd.DataFrame({"theme": ["科普"], "share": [0.125], "text": ["<b>科普</b>日"]})
    >>> html_text = table(df, percent=["share"], caption="占比").html
    >>> "<th>主题</th>" in html_text, "12.5%" in html_text, "&lt;b&gt;科普&lt;/b&gt;日" in html_text
    (True, True, True)
    """
    e = html.escape
    cap = f'<p class="kx-caption">{e(caption)}</p>' if caption else ""
    if df is None or len(df) == 0:
        return HTMLBlock(f'{cap}<p class="kx-note">{e(empty)}</p>')
    out = df.copy()
    n_total = len(out)
    if max_rows is not None and n_total > max_rows:
        out = out.head(max_rows)
    for col in out.columns:
        s = out[col]
        if percent is True:
            is_pct = pd.api.types.is_float_dtype(s)
        else:
            is_pct = bool(percent) and col in percent
        if is_pct:
            out[col] = s.map(lambda v: "" if pd.isna(v) else f"{float(v) * 100:.1f}%")
        elif pd.api.types.is_float_dtype(s):
            out[col] = s.map(lambda v: "" if pd.isna(v) else (f"{v:.0f}" if float(v).is_integer() else f"{v:.{decimals}f}"))
        elif col in VALUE_LABELS:
            out[col] = s.map(lambda v, m=VALUE_LABELS[col]: m.get(v, v))
        elif s.dtype == object:
            out[col] = s.map(_cell_text)
    names = {**report_labels(source), **(labels or {})}
    out = out.rename(columns=lambda c: names.get(c, c) if isinstance(c, str) else c)
    body = out.to_html(index=index, escape=True, border=0, classes="kx-table", na_rep="", justify="left")
    more = ""
    if len(out) < n_total:
        more = f'<p class="kx-note">仅显示前 {len(out)} 行，共 {n_total} 行。</p>'
    return HTMLBlock(f'{cap}<div class="kx-table-wrap">{body}</div>{more}')


def wide(
    df: pd.DataFrame,
    *,
    index: str | Sequence[str],
    values: str,
    columns: str = "theme",
    order: Sequence[str] | None = None,
    fill: float | None = 0,
    rows: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """A tidy comparison pivoted for reading: one row per index value, one column per `columns` value
    in the given order (e.g. the theme dictionary's; values not in order are dropped). rows (one
    index column only): every row to show, in order; a row without data (e.g. a year without a plan
    of the compared type) stays empty, it is never filled from another row.

    >>> shares = pd.DataFrame({"year": [2019, 2019, 2024], "theme": ["科普", "智库", "科普"], "share": [0.6, 0.4, 1.0]})
    >>> wide(shares, index="year", values="share", order=["科普", "智库"], rows=[2019, 2022, 2024])
       year   科普   智库
    0  2019  0.6  0.4
    1  2022  NaN  NaN
    2  2024  1.0  0.0
    >>> gap = pd.DataFrame({"year": [2019, 2024], "theme": ["科普", "科普"], "share": [0.6, float("nan")]})
    >>> wide(gap, index="year", values="share", order=["科普"])  # 2024 has no value: empty, not 0
       year   科普
    0  2019  0.6
    1  2024  NaN
    """
    index = [index] if isinstance(index, str) else list(index)
    if len(df) == 0 and rows is None:
        return pd.DataFrame(columns=[*index, *(order or [])])
    present = df.dropna(subset=[values])
    w = present.pivot_table(index=index, columns=columns, values=values, aggfunc="sum", sort=True, observed=True)
    if order is not None:
        w = w.reindex(columns=list(order))
    if fill is not None:
        w = w.fillna(fill)
    # a group whose values are all missing (a province-year without a plan of the compared type) stays
    # empty: never 0 %
    every = df.set_index(index).index.unique().sort_values()
    if len(every) != len(w.index):
        w = w.reindex(every)
    if rows is not None:
        w = w.reindex(pd.Index(list(rows), name=index[0]))  # missing rows: NaN, shown empty
    w.columns = [str(c) for c in w.columns]
    return w.reset_index()


def page_note(block: HTMLBlock) -> str:
    """The text of an HTML block as a reader sees it (tags dropped, entities decoded)."""
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", block.html))


#: resolution of report figures: a 13.33 in slide figure becomes 1600 px wide, sharp at the page's
#: 1200 px column (measured on a province report's four charts: 144 dpi with a "tight" bounding box,
#: which draws every figure twice, took 1.32 s and 859 KB of PNG; 120 dpi drawn once 1.08 s, 706 KB)
FIGURE_DPI = 120


def figure(fig, *, dpi: int = FIGURE_DPI) -> HTMLBlock:
    """A matplotlib figure as an embedded PNG; the figure is closed (no second inline copy).

    Briefing charts from :mod:`compare.presentation.plots` keep their slide frame (margins, title, source line), so
    they are drawn once, as laid out; any other figure is cropped to its content (bbox "tight")."""
    import matplotlib.pyplot as plt

    from compare.presentation.style import png_bytes

    framed = isinstance(fig, ChartFigure)  # a briefing chart: laid out on its slide already
    try:
        if framed:  # RGB, unfiltered rows, fast zlib: half the time and 15 % fewer bytes of Pillow at level 1
            png = png_bytes(fig, dpi=dpi, compress_level=3)
        else:
            buf = _io.BytesIO()
            fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None}, bbox_inches="tight")
            png = buf.getvalue()
    finally:
        plt.close(fig)
    data = base64.b64encode(png).decode("ascii")
    # alt text: the suptitle, else the first figure-level text (the briefing title), else the first axes title
    texts = [t.get_text() for t in fig.texts if t.get_text().strip()]
    label = fig.get_suptitle() or (texts[0] if texts else "")
    if not label and fig.axes:
        label = fig.axes[0].get_title()
    return HTMLBlock(f'<img alt="{html.escape(label, quote=True)}" class="kx-figure" src="data:image/png;base64,{data}">')
