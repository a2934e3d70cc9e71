"""Briefing-ready charts: one function per chart, each taking the tidy DataFrame(s) from
:mod:`compare.analysis` and returning a matplotlib :class:`~matplotlib.figure.Figure` (nothing is saved
or shown inside them), plus :func:`write_figures` / ``python -m compare figures`` that write every chart
as PNG/SVG/PDF with the data behind it as a CSV beside it.

Style: 16:9 slide size (13.33 × 7.5 in), a left-aligned title and subtitle, a source line
(数据来源：各省科协工作要点), large type, no chart junk, and one colour per theme everywhere (from
``themes.toml`` via :func:`compare.text.themes.load_theme_dictionary`). Chinese is drawn with a real CJK
font (see :mod:`compare.presentation.fonts`); SVG carries text as outlines and PDF embeds the glyphs, so the files
are self-contained.

Figures are plain ``Figure`` objects (not registered with pyplot): a notebook displays the returned
figure once, and nothing has to be closed to free memory.
"""
from __future__ import annotations

import logging
import math
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator, PercentFormatter
from matplotlib.transforms import ScaledTranslation

from compare.core.errors import CompareError, ParameterError
from compare.presentation.fonts import CJKFont, cjk_font_info, font_problems
from compare.core.io import atomic_write_bytes

log = logging.getLogger(__name__)

__all__ = [
    "SOURCE", "FORMATS", "cjk_font", "apply_style", "theme_colors", "province_colors",
    "theme_heatmap", "theme_shares_bar", "change_over_time", "similarity_heatmap", "distinctive_terms",
    "slogan_timeline", "targets_chart", "departments_themes", "write_figures", "save_figure", "cli_figures",
    "drawn_data", "latest_per_province", "similarity_level", "CHARTS",
]

SOURCE = "数据来源：各省科协工作要点"
FORMATS = ("png", "svg", "pdf")
SLIDE = (13.333, 7.5)  # inches, 16:9 (PowerPoint widescreen)

INK = "#1f2933"
MUTED = "#616e7c"
GRID = "#d9dee4"
EMPTY_CELL = "#f4f6f8"
#: sequential colour map for magnitudes in heatmaps (light grey-blue to dark navy)
SEQUENTIAL = LinearSegmentedColormap.from_list("kexie_seq", ["#f4f6f8", "#b9cde5", "#4f81bd", "#1f3a5f"])

#: used only when themes.toml has no colour for a theme (in theme order)
FALLBACK_THEME_PALETTE = ("#c0392b", "#2471a3", "#27ae60", "#8e44ad", "#d68910", "#17a589", "#5d6d7e",
                          "#a04000", "#1a5276", "#7d3c98", "#b7950b", "#566573")
OTHER_THEME_COLOR = "#95a5a6"
#: darker, muted colours for provinces (used where provinces must be told apart, e.g. the slogan timeline);
#: any too close to a theme colour is skipped so a province is never mistaken for a theme
PROVINCE_PALETTE = ("#1b2a41", "#8c4a2f", "#4b6b2a", "#6b3f7a", "#2f6f73", "#7a6a1f", "#8a2846", "#3d5a80",
                    "#5f5f5f", "#a05a00")
BAR_NEUTRAL = "#3d5a80"
PROVINCE_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")

TITLE_SIZE = 24
SUBTITLE_SIZE = 15
LABEL_SIZE = 14
SMALL_SIZE = 12
SOURCE_SIZE = 11

_HEADER_IN = 1.15  # title + subtitle band, inches
_FOOTER_IN = 0.45  # source line band, inches
_MARGIN_IN = 0.35
_PLOT_HEIGHT_IN = SLIDE[1] - _HEADER_IN - _FOOTER_IN - 0.5  # rows of a chart share this (axis labels aside)
_PLOT_WIDTH_IN = SLIDE[0] - 2 * _MARGIN_IN - 2.5  # columns share this (row labels, colour bar aside)

# Readability limits: beyond them a chart is reduced (and says so in its subtitle), never crammed.
#: rows of a heatmap or bar chart: every province (31) plus 全国
MAX_ROWS = 32
#: cells that carry their number as text; beyond this the colours and a colour bar speak
MAX_ANNOTATED_CELLS = 250
#: units of a similarity matrix; beyond this, compare provinces (analysis.similarity(level="province"))
MAX_SIMILARITY_UNITS = 40
#: panels of small multiples (distinctive terms); more groups are listed in a compact term table
MAX_PANELS = 8
#: provinces told apart by colour and marker (slogan timeline); more are counted per year instead
MAX_MARKER_PROVINCES = 8
#: consecutive-year pairs listed in the terms panel of change_over_time (the most recent)
MAX_TERM_PAIRS = 3
#: smallest type on a chart (points), e.g. cell numbers of a 32-row heatmap
MIN_TEXT_SIZE = 8


# --------------------------------------------------------------------------------------------------
# fonts and style
# --------------------------------------------------------------------------------------------------


def cjk_font():
    """FontProperties of the project's CJK font (a system Noto Sans CJK SC / Source Han Sans SC /
    WenQuanYi …, else the OFL Noto Sans CJK from the `cvttf-notosanscjk-regular` dependency).
    ``cjk_font().get_file()`` is its path; :func:`compare.presentation.fonts.cjk_font_info` says where it came from."""
    return cjk_font_info().properties()


def _rc(font: CJKFont) -> dict:
    return {
        "font.family": ["sans-serif"],
        "font.sans-serif": [font.family, "DejaVu Sans"],
        "font.size": LABEL_SIZE,
        "axes.titlesize": SUBTITLE_SIZE,
        "axes.titlelocation": "left",
        "axes.titlecolor": INK,
        "axes.labelsize": LABEL_SIZE,
        "axes.labelcolor": MUTED,
        "axes.edgecolor": GRID,
        "axes.linewidth": 0.8,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.unicode_minus": True,  # U+2212 is in every CJK font we accept (checked in tests)
        "axes.axisbelow": True,
        "axes.grid": False,
        "grid.color": GRID,
        "grid.linewidth": 0.8,
        "xtick.labelsize": LABEL_SIZE,
        "ytick.labelsize": LABEL_SIZE,
        "xtick.color": MUTED,
        "ytick.color": MUTED,
        "xtick.labelcolor": INK,
        "ytick.labelcolor": INK,
        "legend.fontsize": LABEL_SIZE,
        "legend.frameon": False,
        "figure.facecolor": "white",
        "savefig.facecolor": "white",
        "figure.dpi": 100,
        # self-contained vector output (see compare.presentation.fonts for why PDF uses Type 3 with CFF fonts)
        "svg.fonttype": "path",
        "svg.hashsalt": "kexie-compare",
        "pdf.fonttype": font.pdf_fonttype,
        "ps.fonttype": font.pdf_fonttype,
        "pdf.compression": 6,
    }


def apply_style() -> CJKFont:
    """Set matplotlib's rcParams for briefing charts (CJK font, sizes, no chart junk, self-contained
    SVG/PDF). Idempotent; every chart function calls it, notebooks may call it for their own plots.
    Returns the font in use."""
    font = cjk_font_info()
    mpl.rcParams.update(_rc(font))
    return font


# --------------------------------------------------------------------------------------------------
# colours
# --------------------------------------------------------------------------------------------------


def _dictionary():
    from compare.text.themes import load_theme_dictionary

    return load_theme_dictionary()


def theme_colors(themes: Iterable[str] | None = None) -> dict[str, str]:
    """One hex colour per theme, the same in every chart: the `color` of each theme in themes.toml,
    else (only when absent) a fixed palette in theme-dictionary order. Themes outside the dictionary
    (e.g. 其他) are grey."""
    td = _dictionary()
    configured = dict(getattr(td, "colors", None) or {})
    order = list(td.themes)
    names = order if themes is None else list(themes)
    out: dict[str, str] = {}
    for name in names:
        if configured.get(name):
            out[name] = configured[name]
        elif name in order:
            out[name] = FALLBACK_THEME_PALETTE[order.index(name) % len(FALLBACK_THEME_PALETTE)]
        else:
            out[name] = OTHER_THEME_COLOR
    return out


def _theme_order(present: Iterable[str], themes: Sequence[str] | None) -> list[str]:
    present = list(dict.fromkeys(str(t) for t in present))
    if themes is not None:
        return [t for t in themes]
    order = list(_dictionary().themes)
    return [t for t in order if t in present] + [t for t in present if t not in order]


def province_colors(provinces: Iterable[str]) -> dict[str, tuple[str, str]]:
    """(colour, marker) per province, assigned in sorted order so that the same corpus gives every
    province the same look in every chart."""
    ordered = sorted(dict.fromkeys(str(p) for p in provinces))
    themed = [np.array(to_rgb(c)) for c in theme_colors().values()]
    palette = [c for c in PROVINCE_PALETTE
               if all(np.linalg.norm(np.array(to_rgb(c)) - t) > 0.25 for t in themed)] or list(PROVINCE_PALETTE)
    return {
        p: (palette[i % len(palette)], PROVINCE_MARKERS[i % len(PROVINCE_MARKERS)])
        for i, p in enumerate(ordered)
    }


def _text_on(color: str) -> str:
    r, g, b = to_rgb(color)
    return "white" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.55 else INK


# --------------------------------------------------------------------------------------------------
# figure frame (title, subtitle, source) and small helpers
# --------------------------------------------------------------------------------------------------


def _figure(title: str, subtitle: str | None, *, note: str | None = None, size=SLIDE) -> Figure:
    """A slide-sized figure with title, subtitle and source line; axes go in the band between them."""
    apply_style()
    w, h = size
    fig = Figure(figsize=size, layout="constrained")
    fig.get_layout_engine().set(
        rect=(_MARGIN_IN / w, _FOOTER_IN / h, 1.0 - 2 * _MARGIN_IN / w, 1.0 - (_HEADER_IN + _FOOTER_IN) / h),
        w_pad=0.05, h_pad=0.05,
    )
    x0 = _MARGIN_IN / w
    fig.text(x0, 1 - 0.22 / h, title, fontsize=TITLE_SIZE, color=INK, ha="left", va="top")
    if subtitle:
        fig.text(x0, 1 - 0.74 / h, subtitle, fontsize=SUBTITLE_SIZE, color=MUTED, ha="left", va="top")
    source = SOURCE if not note else f"{SOURCE}。{note}"
    fig.text(x0, 0.16 / h, source, fontsize=SOURCE_SIZE, color=MUTED, ha="left", va="bottom")
    fig._kexie_title = title  # noqa: SLF001 - used as the PDF/SVG title by save_figure
    return fig


def _message(fig: Figure, message: str) -> Figure:
    """Fill a figure that has nothing to plot with a readable explanation instead of empty axes."""
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=SUBTITLE_SIZE + 2, color=MUTED,
            transform=ax.transAxes, wrap=True)
    return fig


def _empty(title: str, subtitle: str | None, message: str) -> Figure:
    return _message(_figure(title, subtitle), message)


def _require(df: pd.DataFrame, cols: Iterable[str], what: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise ParameterError(f"{what}: expected a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ParameterError(f"{what}: the DataFrame lacks column(s) {missing}; it has {list(df.columns)}")


def _wrap(text: str, width: int, max_lines: int = 2) -> str:
    """Wrap a (mostly Chinese) label to lines of `width` characters, at most max_lines (then …)."""
    text = str(text)
    if len(text) <= width:
        return text
    lines = textwrap.wrap(text, width=width, break_long_words=True, break_on_hyphens=False) or [text]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(width - 1, 1)] + "…"
    return "\n".join(lines)


def _wrap_words(words: Sequence[str], width: int, max_lines: int = 2, sep: str = "、") -> str:
    """Join words with sep into lines of at most `width` characters, breaking only between words (so
    no line starts with punctuation); words that do not fit in max_lines are dropped, marked with …"""
    lines: list[str] = []
    current = ""
    for w in words:
        candidate = f"{current}{sep}{w}" if current else w
        if len(candidate) <= width or not current:
            current = candidate
            continue
        lines.append(current + sep)
        current = w
        if len(lines) == max_lines:
            lines[-1] = lines[-1][:-len(sep)] + "…"
            return "\n".join(lines)
    lines.append(current)
    return "\n".join(lines)


def _bar_rows(ax, n: int) -> None:
    """Top-to-bottom rows; with fewer than three rows keep the bars as slim as with three."""
    pad = max(0.0, (3 - n) / 2)
    ax.set_ylim(n - 0.5 + pad, -0.5 - pad)


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def _value_column(df: pd.DataFrame, value: str | None, candidates: Sequence[str], what: str) -> str:
    if value is not None:
        _require(df, [value], what)
        return value
    for c in candidates:
        if c in df.columns:
            return c
    raise ParameterError(f"{what}: the DataFrame needs one of the columns {list(candidates)}; it has {list(df.columns)}")


_NON_GROUP = {"theme", "share", "n_items", "share_items", "share_chars", "delta", "doc_type_count"}


def _group_labels(df: pd.DataFrame, group_cols: Sequence[str]) -> pd.Series:
    if not group_cols:
        return pd.Series(["全部"] * len(df), index=df.index)
    parts = [df[c].astype(str) for c in group_cols]
    label = parts[0]
    for p in parts[1:]:
        label = label + " " + p
    return label


def _row_pitch_pt(n_rows: int, height_in: float = _PLOT_HEIGHT_IN) -> float:
    """Vertical space per row, in points, when n_rows share the plotting band of a slide."""
    return height_in * 72.0 / max(n_rows, 1)


def _heatmap(ax, values: np.ndarray, *, row_labels, col_labels, col_colors=None, fmt: Callable[[float], str],
             vmin: float = 0.0, vmax: float | None = None, blank_zero: bool = False, cmap=SEQUENTIAL,
             annotate: bool | None = None, colorbar_label: str | None = None):
    """Heatmap; column headers on top, drawn as chips in their theme colour when given.

    Cells carry their value as text when annotate is True, or (annotate=None) when there are at most
    MAX_ANNOTATED_CELLS cells and the rows leave room for readable type; otherwise the colours speak
    and a colour bar (labelled colorbar_label) gives the scale. Type sizes follow the row pitch, so
    32 rows still fit a slide. Returns the image."""
    values = np.asarray(values, dtype=float)
    if vmax is None:
        vmax = float(np.nanmax(values)) if values.size and np.nanmax(values) > 0 else 1.0
    cmap = cmap.with_extremes(bad=EMPTY_CELL)
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto",
                      interpolation="nearest")
    n_rows, n_cols = values.shape
    pitch = _row_pitch_pt(n_rows)
    label_size = min(LABEL_SIZE, max(MIN_TEXT_SIZE, 0.72 * pitch))
    ax.set_xticks(range(n_cols), labels=col_labels)
    ax.set_yticks(range(n_rows), labels=row_labels)
    ax.tick_params(axis="x", top=True, bottom=False, labeltop=True, labelbottom=False, length=0, pad=8,
                   labelsize=min(LABEL_SIZE, max(MIN_TEXT_SIZE, 0.72 * _row_pitch_pt(n_cols, _PLOT_WIDTH_IN))))
    ax.tick_params(axis="y", length=0, pad=6, labelsize=label_size)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xticks(np.arange(-0.5, n_cols, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, n_rows, 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=2 if pitch >= 14 else 1)
    ax.tick_params(which="minor", length=0)
    if col_colors is not None:
        for label, color in zip(ax.get_xticklabels(), col_colors):
            label.set_bbox({"boxstyle": "round,pad=0.35", "facecolor": color, "edgecolor": "none"})
            label.set_color(_text_on(color))
    if annotate is None:
        annotate = n_rows * n_cols <= MAX_ANNOTATED_CELLS and pitch >= 12
    cell_size = LABEL_SIZE if n_rows * n_cols <= 120 and pitch >= 20 else min(SMALL_SIZE, 0.65 * pitch)
    if not annotate:
        bar = ax.figure.colorbar(image, ax=ax, shrink=0.7, aspect=30, pad=0.02)
        bar.outline.set_visible(False)
        bar.ax.tick_params(labelsize=SMALL_SIZE, length=0)
        if colorbar_label:
            bar.set_label(colorbar_label, fontsize=SMALL_SIZE, color=MUTED)
        return image
    size = max(cell_size, MIN_TEXT_SIZE)
    for i in range(n_rows):
        for j in range(n_cols):
            v = values[i, j]
            if np.isnan(v) or (blank_zero and v == 0):
                continue
            rgba = cmap((v - vmin) / (vmax - vmin) if vmax > vmin else 0.0)
            ax.text(j, i, fmt(v), ha="center", va="center", fontsize=size, color=_text_on(rgba[:3]))
    return image


def drawn_data(fig: Figure, default: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """The tidy data a chart actually drew (after any top-N or latest-year reduction for readability),
    as recorded by the chart function; `default` when the chart drew its input as given.
    :func:`write_figures` writes it as the chart's CSV."""
    return getattr(fig, "_kexie_data", default)


def _drew(fig: Figure, data: pd.DataFrame) -> Figure:
    fig._kexie_data = data.reset_index(drop=True)  # noqa: SLF001 - read back by drawn_data()
    return fig


def latest_per_province(df: pd.DataFrame, *, province: str = "province", year: str = "year") -> pd.DataFrame:
    """The rows of each province's latest year (every row of that year), in the frame's order."""
    if df.empty:
        return df
    last = df.groupby(province, sort=False)[year].transform("max")
    return df[df[year] == last]


def _fit_rows(df: pd.DataFrame, groups: Sequence[str], max_rows: int) -> tuple[pd.DataFrame, str]:
    """At most max_rows distinct `_row` labels: each province's latest year when the groups are
    province and year, else the first max_rows; returns the rows kept and a subtitle note ('' if all)."""
    n_all = df["_row"].nunique()
    if n_all <= max_rows:
        return df, ""
    note = ""
    if {"province", "year"} <= set(groups):
        df = latest_per_province(df)
        note = f"；每省只显示最近一年（共 {n_all} 个省份-年份）"
    rows = list(dict.fromkeys(df["_row"]))
    if len(rows) > max_rows:
        note += f"；只显示前 {max_rows} 行（共 {len(rows)} 行）"
        df = df[df["_row"].isin(rows[:max_rows])]
    return df, note


# --------------------------------------------------------------------------------------------------
# the charts
# --------------------------------------------------------------------------------------------------


def theme_heatmap(
    matrix: pd.DataFrame,
    *,
    value: str | None = None,
    themes: Sequence[str] | None = None,
    title: str = "各省科协工作要点的主题结构",
    subtitle: str | None = None,
    note: str | None = None,
    max_rows: int = MAX_ROWS,
) -> Figure:
    """Heatmap of theme shares: one row per group (province × year, from
    ``analysis.theme_share_matrix(corpus, by=("province", "year"))``), one column per theme.

    matrix: tidy frame with the group columns, `theme` and a share column (`share`, or `share_items`
    from theme_shares). Cells show percentages; column headers carry the theme colours.

    More than max_rows groups do not fit a slide: with province and year columns, each province's
    latest year is drawn (31 provinces × 10 years become 31 rows), else the first max_rows groups;
    the subtitle says so and :func:`drawn_data` gives the rows drawn."""
    what = "theme_heatmap"
    _require(matrix, ["theme"], what)
    value = _value_column(matrix, value, ("share", "share_items", "share_chars"), what)
    subtitle = subtitle or "各主题条目占该份工作要点条目的比例，颜色越深占比越高"
    if matrix.empty:
        return _empty(title, subtitle, "没有可用的主题数据（请先运行 python -m compare themes）")
    groups = [c for c in matrix.columns if c not in _NON_GROUP and c != value]
    df = matrix.copy()
    df["_row"] = _group_labels(df, groups)
    df, reduced = _fit_rows(df, groups, max_rows)
    subtitle += reduced
    rows = list(dict.fromkeys(df["_row"]))
    cols = _theme_order(df["theme"], themes)
    grid = df.pivot_table(index="_row", columns="theme", values=value, aggfunc="sum", sort=False)
    grid = grid.reindex(index=rows, columns=cols)
    colors = theme_colors(cols)
    fig = _figure(title, subtitle, note=note)
    ax = fig.add_subplot()
    _heatmap(ax, grid.to_numpy(), row_labels=rows, col_labels=cols, col_colors=[colors[c] for c in cols],
             fmt=_pct, vmax=max(float(np.nanmax(grid.to_numpy())) if grid.size else 0.0, 0.01),
             colorbar_label="占比")
    return _drew(fig, df.drop(columns="_row"))


def theme_shares_bar(
    matrix: pd.DataFrame,
    *,
    value: str | None = None,
    themes: Sequence[str] | None = None,
    title: str = "各省工作要点的主题构成",
    subtitle: str | None = None,
    note: str | None = None,
    max_rows: int = MAX_ROWS,
) -> Figure:
    """100 % stacked horizontal bars: one bar per group (typically province, from
    ``analysis.theme_share_matrix(corpus, by=("province",))``), one segment per theme in its colour.
    More than max_rows bars are reduced as in :func:`theme_heatmap` (said in the subtitle)."""
    what = "theme_shares_bar"
    _require(matrix, ["theme"], what)
    value = _value_column(matrix, value, ("share", "share_items", "share_chars"), what)
    if matrix.empty:
        return _empty(title, subtitle or "各主题条目占比", "没有可用的主题数据（请先运行 python -m compare themes）")
    groups = [c for c in matrix.columns if c not in _NON_GROUP and c != value]
    df = matrix.copy()
    df["_row"] = _group_labels(df, groups)
    df, reduced = _fit_rows(df, groups, max_rows)
    rows = list(dict.fromkeys(df["_row"]))
    cols = _theme_order(df["theme"], themes)
    grid = df.pivot_table(index="_row", columns="theme", values=value, aggfunc="sum", sort=False)
    grid = grid.reindex(index=rows, columns=cols).fillna(0.0)
    complete = set(df["theme"].astype(str)) <= set(cols)  # every theme of the data is drawn
    subtitle = (subtitle or ("各主题条目占比（每条横条合计 100%）" if complete
                             else f"所选主题（{'、'.join(cols)}）的条目占比；其余主题未显示")) + reduced
    pitch = _row_pitch_pt(len(rows))
    text_size = SMALL_SIZE if pitch >= 20 else max(MIN_TEXT_SIZE, 0.6 * pitch)
    colors = theme_colors(cols)
    fig = _figure(title, subtitle, note=note)
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    left = np.zeros(len(rows))
    height = 0.62
    for theme in cols:
        widths = grid[theme].to_numpy(dtype=float)
        ax.barh(y, widths, left=left, height=height, color=colors[theme], label=theme, edgecolor="white",
                linewidth=1)
        for yi, (l, wv) in enumerate(zip(left, widths)):
            if wv >= 0.06:
                ax.text(l + wv / 2, yi, _pct(wv), ha="center", va="center", fontsize=text_size,
                        color=_text_on(colors[theme]))
        left = left + widths
    ax.set_yticks(y, labels=rows)
    _bar_rows(ax, len(rows))
    ax.set_xlim(0, max(1.0, float(left.max()) if len(left) else 1.0))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.tick_params(axis="y", length=0, labelsize=min(LABEL_SIZE, max(MIN_TEXT_SIZE, 0.72 * pitch)))
    ax.spines["left"].set_visible(False)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncol=min(len(cols), 9), handlelength=1.0,
              handleheight=1.0, columnspacing=1.2, borderaxespad=0.2)
    return _drew(fig, df.drop(columns="_row"))


def _spread(values: Sequence[float], min_gap: float, lower: float | None = None) -> list[float]:
    """Label positions as close as possible to `values` (keeping their order) with no two closer than
    min_gap and none below `lower`: overlapping labels are merged into blocks centred on their mean."""
    vals = np.asarray(values, dtype=float)
    order = np.argsort(vals, kind="mergesort")
    blocks: list[list[float]] = []  # each block: [mean of targets, count]
    for v in vals[order]:
        blocks.append([v, 1])
        while len(blocks) > 1:
            (m0, n0), (m1, n1) = blocks[-2], blocks[-1]
            top0 = m0 + (n0 - 1) / 2 * min_gap
            bottom1 = m1 - (n1 - 1) / 2 * min_gap
            if bottom1 - top0 >= min_gap:
                break
            blocks[-2:] = [[(m0 * n0 + m1 * n1) / (n0 + n1), n0 + n1]]
    pos = []
    for m, n in blocks:
        pos += [m + (k - (n - 1) / 2) * min_gap for k in range(int(n))]
    pos_arr = np.asarray(pos)
    if lower is not None and len(pos_arr) and pos_arr[0] < lower:
        pos_arr = np.maximum(pos_arr, lower + np.arange(len(pos_arr)) * min_gap)
    out = np.empty_like(pos_arr)
    out[order] = pos_arr
    return out.tolist()


def change_over_time(
    changes: pd.DataFrame,
    terms: pd.DataFrame | None = None,
    *,
    province: str | None = None,
    value: str | None = None,
    themes: Sequence[str] | None = None,
    top_terms: int = 8,
    title: str | None = None,
    subtitle: str | None = None,
    note: str | None = None,
) -> Figure:
    """How one province's theme profile changed across its plan years (``analysis.theme_changes``:
    year, theme, share_items, delta): one line per theme in its colour, labelled at its last point.
    With `terms` (``analysis.term_changes``: from_year, to_year, change, term, freq) a side panel lists
    the terms that appeared / disappeared between consecutive years."""
    what = "change_over_time"
    _require(changes, ["year", "theme"], what)
    value = _value_column(changes, value, ("share_items", "share"), what)
    if province is None and "province" in changes.columns and changes["province"].nunique() == 1:
        province = str(changes["province"].iloc[0])
    who = province or ""
    title = title or f"{who}科协工作重点的变化".strip()
    years = sorted(int(y) for y in changes["year"].unique()) if not changes.empty else []
    span = f"{years[0]}—{years[-1]}年" if len(years) > 1 else (f"{years[0]}年" if years else "")
    subtitle = subtitle or f"{who}各年度工作要点中各主题条目占比（{span}）".replace("（）", "")
    if changes.empty:
        return _empty(title, subtitle, f"{who}没有可比较的年度数据")
    cols = _theme_order(changes["theme"], themes)
    colors = theme_colors(cols)
    grid = changes.pivot_table(index="year", columns="theme", values=value, aggfunc="sum").reindex(
        index=years, columns=cols).fillna(0.0)

    has_terms = terms is not None and not terms.empty
    if terms is not None:
        _require(terms, ["from_year", "to_year", "change", "term"], what + " (terms)")
    fig = _figure(title, subtitle, note="；".join(n for n in (note, None if len(years) > 1 else "只有一个年份，无法显示变化") if n))
    if has_terms:
        gs = fig.add_gridspec(1, 2, width_ratios=[1.55, 1])
        ax = fig.add_subplot(gs[0, 0])
        tax = fig.add_subplot(gs[0, 1])
    else:
        ax = fig.add_subplot()
        tax = None
    x = np.asarray(years, dtype=float)
    for theme in cols:
        yv = grid[theme].to_numpy(dtype=float)
        ax.plot(x, yv, color=colors[theme], linewidth=3, marker="o", markersize=8, solid_capstyle="round")
    # direct labels at the last year instead of a legend
    last = grid.iloc[-1].to_numpy(dtype=float)
    ymax = max(float(grid.to_numpy().max()), 0.05)
    label_y = _spread(list(last), min_gap=ymax * 0.075, lower=0.0)
    x_end = x[-1]
    width = (x[-1] - x[0]) if len(x) > 1 else 4.0
    x_pad = width * 0.04
    for theme, yl, yv in zip(cols, label_y, last):
        ax.annotate(f"{theme} {_pct(yv)}", xy=(x_end, yv), xytext=(x_end + x_pad, yl), textcoords="data",
                    va="center", ha="left", fontsize=LABEL_SIZE, color=colors[theme],
                    arrowprops={"arrowstyle": "-", "color": GRID, "lw": 0.8} if abs(yl - yv) > ymax * 0.02 else None)
    ax.set_xlim(x[0] - width * (0.05 if len(x) > 1 else 0.5), x_end + width * (0.28 if has_terms else 0.2))
    ax.set_xticks(x, labels=[str(y) for y in years])
    ax.set_ylim(0, ymax * 1.12)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.yaxis.set_major_locator(MaxNLocator(5))
    ax.grid(axis="y")
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    if tax is not None:
        _terms_panel(tax, terms, top_terms=top_terms)
    return fig


def _terms_panel(ax, terms: pd.DataFrame, *, top_terms: int) -> None:
    ax.set_axis_off()
    ax.set_title("新出现 / 不再出现的词", loc="left", fontsize=SUBTITLE_SIZE + 1, color=INK, pad=10)
    df = terms.copy()
    sort_cols = [c for c in ("freq",) if c in df.columns]
    if sort_cols:
        df = df.sort_values(["from_year", "to_year", "change", "freq", "term"],
                            ascending=[True, True, True, False, True], kind="mergesort")
    y = 0.98
    pairs = list(dict.fromkeys(zip(df["from_year"], df["to_year"])))
    if len(pairs) > MAX_TERM_PAIRS:  # the most recent changes; earlier ones would run off the panel
        ax.set_title(f"新出现 / 不再出现的词（最近 {MAX_TERM_PAIRS} 次）", loc="left", fontsize=SUBTITLE_SIZE + 1,
                     color=INK, pad=10)
        pairs = pairs[-MAX_TERM_PAIRS:]
    line_h = 0.075 if len(pairs) <= 2 else 0.055
    for fy, ty in pairs:
        part = df[(df["from_year"] == fy) & (df["to_year"] == ty)]
        ax.text(0, y, f"{fy} → {ty}", fontsize=LABEL_SIZE + 1, color=INK, transform=ax.transAxes, va="top")
        y -= line_h
        for change, label, color in (("appears", "＋ 新出现", "#1e8449"), ("disappears", "－ 不再出现", "#a93226")):
            words = part.loc[part["change"] == change, "term"].astype(str).head(top_terms).tolist()
            wrapped = _wrap_words(words, 20, max_lines=2) if words else "（无）"
            ax.text(0, y, label, fontsize=SMALL_SIZE + 1, color=color, transform=ax.transAxes, va="top")
            ax.text(0.27, y, wrapped, fontsize=SMALL_SIZE + 1, color=INK, transform=ax.transAxes, va="top",
                    linespacing=1.35)
            y -= line_h * (1 + 0.75 * wrapped.count("\n"))
        y -= line_h * 0.4


def similarity_heatmap(
    sim: pd.DataFrame,
    *,
    level: str | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    max_units: int = MAX_SIMILARITY_UNITS,
) -> Figure:
    """Document × document (or province × province) cosine similarity (``analysis.similarity``:
    doc_a, doc_b, label_a, label_b, cosine). Pairs given once are mirrored; the diagonal is left blank.

    level: "document" or "province" (the level the similarities were computed at; default: province
    when every id is its own label, as ``analysis.similarity(level="province")`` gives), for the title.
    Cells carry their value when there are few (up to 16 units), otherwise a colour bar gives the
    scale. More than max_units units cannot be read on a slide: ParameterError, pointing to the
    province level or a smaller selection."""
    what = "similarity_heatmap"
    _require(sim, ["doc_a", "doc_b", "cosine"], what)
    ids_a, ids_b = sim["doc_a"].astype(str), sim["doc_b"].astype(str)
    labels_a = sim["label_a"].astype(str) if "label_a" in sim.columns else ids_a
    labels_b = sim["label_b"].astype(str) if "label_b" in sim.columns else ids_b
    if level is None:
        level = "province" if len(sim) and (ids_a == labels_a).all() and (ids_b == labels_b).all() else "document"
    if level not in ("document", "province", "item"):
        raise ParameterError(f"{what}: level must be 'document', 'province' or 'item', not {level!r}")
    measure, unit = {"document": ("份", "文件"), "province": ("个", "省份"), "item": ("个", "条目")}[level]
    title = title or ("各省工作要点的文本相似度" if level == "province" else "各份工作要点的文本相似度")
    subtitle = subtitle or (
        ("每省全部文件合并为一个整体，" if level == "province" else "")
        + "TF-IDF 词向量的余弦相似度：1 = 用词完全一致，0 = 没有共同词")
    labels = dict(zip(pd.concat([ids_a, ids_b]), pd.concat([labels_a, labels_b])))  # first-seen order
    docs = list(dict.fromkeys(pd.concat([ids_a, ids_b])))
    n = len(docs)
    if n < 2:
        return _empty(title, subtitle, f"至少需要两{measure}{unit}才能比较相似度")
    if n > max_units:
        raise ParameterError(
            f"{what}: {n} {level}s are too many for a readable matrix (at most {max_units}); draw "
            "analysis.similarity(corpus, level='province') instead, or a corpus.select(...) of fewer documents")
    index = pd.Index(docs)
    ia, ib = index.get_indexer(ids_a), index.get_indexer(ids_b)
    m = np.full((n, n), np.nan)
    m[ia, ib] = sim["cosine"].astype(float).to_numpy()
    m = np.where(np.isnan(m), m.T, m)  # pairs given once are mirrored
    np.fill_diagonal(m, np.nan)  # a unit against itself says nothing; keep the colour scale for pairs
    col_chars = max(4, int(10.0 / max(n, 1) / 0.2))  # ~0.2 in per character at LABEL_SIZE on a 10 in wide grid
    annotate = n <= 16
    vmin, vmax = 0.0, 1.0
    if not annotate and np.isfinite(m).any():  # colours only: spread them over the range the data covers
        vmin = math.floor(float(np.nanmin(m)) * 10) / 10
        vmax = max(math.ceil(float(np.nanmax(m)) * 10) / 10, vmin + 0.1)
    short = all(len(labels[d]) <= 4 for d in docs)  # province names: written top to bottom, as in print
    fig = _figure(title, subtitle, note=f"对角线为同一{unit}，留空")
    ax = fig.add_subplot()
    if n <= 8:
        col_labels = [_wrap(labels[d], col_chars, 3) for d in docs]
    elif short:
        col_labels = ["\n".join(labels[d]) for d in docs]
    else:
        col_labels = [_wrap(labels[d], 16, 1) for d in docs]
    _heatmap(ax, m, row_labels=[_wrap(labels[d], 16, 1 if n > 16 else 2) for d in docs], col_labels=col_labels,
             fmt=lambda v: f"{v:.2f}", vmin=vmin, vmax=vmax, annotate=annotate, colorbar_label="余弦相似度")
    if n > 8 and not short:
        ax.tick_params(axis="x", labelrotation=45)
        for label in ax.get_xticklabels():
            label.set_ha("left")
            label.set_rotation_mode("anchor")
    elif n > 8:
        for label in ax.get_xticklabels():
            label.set_linespacing(1.0)
    return fig


def _grid_shape(n: int) -> tuple[int, int]:
    if n <= 4:
        return 1, n
    cols = 4 if n <= 8 else 5
    return math.ceil(n / cols), cols


def _text_width(text: str) -> float:
    """Width of text in em: CJK and full-width characters 1, others about half."""
    import unicodedata

    return sum(1.0 if unicodedata.east_asian_width(c) in ("W", "F") else 0.55 for c in str(text))


def _fit_words(words: Sequence[str], width: float, sep: str = "、") -> list[str]:
    """The leading words that fit on one line of `width` em when joined with sep (at least one)."""
    out: list[str] = []
    used = 0.0
    for w in words:
        extra = _text_width(w) + (_text_width(sep) if out else 0.0)
        if out and used + extra > width:
            break
        out.append(w)
        used += extra
    return out


def distinctive_terms(
    key: pd.DataFrame,
    *,
    top_n: int = 10,
    measure: str = "G²",
    provinces: Sequence[str] | None = None,
    title: str = "各省工作要点的特色词",
    subtitle: str | None = None,
    max_panels: int = MAX_PANELS,
) -> Figure:
    """Small multiples, one panel per group (province): its most distinctive terms by keyness
    (``analysis.keyness``: group, term, freq_target, statistic, log_ratio, rank). Only terms a group
    uses *more* than the others (log_ratio > 0) are shown; bar labels give the frequency.

    More than max_panels groups (a national corpus: 31 provinces) would make panels too small to
    read: the chart becomes a term table instead, one line per province with its most distinctive
    terms in order (as many of the top_n as fit the line); :func:`drawn_data` gives the terms shown."""
    what = "distinctive_terms"
    _require(key, ["group", "term", "statistic"], what)
    if top_n < 1:
        raise ParameterError(f"{what}: top_n must be at least 1, not {top_n}")
    df = key.copy()
    if "log_ratio" in df.columns:
        df = df[df["log_ratio"] > 0]
    sort = ["group", "rank"] if "rank" in df.columns else ["group"]
    df = df.sort_values(sort + ["statistic"], ascending=[True] * len(sort) + [False], kind="mergesort")
    groups = list(dict.fromkeys(df["group"].astype(str))) if provinces is None else [str(p) for p in provinces]
    as_table = len(groups) > max_panels
    if as_table:
        subtitle = subtitle or f"每省与其他省份相比使用明显更多的词，按关键性（{measure}）从高到低排列"
    else:
        subtitle = subtitle or f"与其他省份相比使用明显更多的词（关键性统计量 {measure}，越长越独特；括号内为出现次数）"
    if df.empty:
        return _empty(title, subtitle, "没有足够的数据计算特色词（至少需要两个省份）")
    fig = _figure(title, subtitle)
    if as_table:
        return _drew(fig, _terms_table(fig, df, groups, top_n=top_n))
    rows, cols = _grid_shape(len(groups))
    per_panel = min(top_n, 15 if rows == 1 else 10)  # bars a panel has room for
    axes = fig.subplots(rows, cols, squeeze=False)
    vmax = float(df.groupby("group")["statistic"].max().max())
    drawn = []
    for k, ax in enumerate(axes.flat):
        if k >= len(groups):
            ax.set_axis_off()
            continue
        g = groups[k]
        part = df[df["group"].astype(str) == g].head(per_panel)
        drawn.append(part)
        y = np.arange(len(part))
        color = BAR_NEUTRAL  # one neutral colour: the panel title says which province
        ax.barh(y, part["statistic"].to_numpy(dtype=float), color=color, height=0.7)
        freq = part["freq_target"].tolist() if "freq_target" in part.columns else [None] * len(part)
        ax.set_yticks(y, labels=[f"{t}" for t in part["term"].astype(str)])
        for yi, (s, f) in enumerate(zip(part["statistic"].astype(float), freq)):
            if f is not None:
                ax.text(s + vmax * 0.02, yi, f"({int(f)})", va="center", ha="left", fontsize=SMALL_SIZE - 1,
                        color=MUTED)
        ax.invert_yaxis()
        ax.set_xlim(0, vmax * 1.25)
        ax.set_title(g, fontsize=SUBTITLE_SIZE + 2, color=INK, loc="left")
        ax.tick_params(axis="y", length=0, labelsize=LABEL_SIZE if per_panel <= 12 and rows == 1 else SMALL_SIZE)
        ax.tick_params(axis="x", labelsize=SMALL_SIZE)
        ax.spines["left"].set_visible(False)
        ax.xaxis.set_major_locator(MaxNLocator(3))
        if part.empty:
            ax.text(0.5, 0.5, "（无）", transform=ax.transAxes, ha="center", color=MUTED)
    return _drew(fig, pd.concat(drawn) if drawn else df.iloc[0:0])


def _terms_table(fig: Figure, df: pd.DataFrame, groups: Sequence[str], *, top_n: int) -> pd.DataFrame:
    """One line per group: its name, then its top terms joined with 、 (as many as fit); in one or two
    columns of lines, alternate lines shaded. Returns the rows of df whose terms are shown."""
    n_cols = 1 if len(groups) <= 16 else 2
    per_col = math.ceil(len(groups) / n_cols)
    col_width_pt = ((SLIDE[0] - 2 * _MARGIN_IN) / n_cols - 0.25) * 72
    size = min(LABEL_SIZE + 1, max(MIN_TEXT_SIZE, 0.5 * _row_pitch_pt(per_col, _PLOT_HEIGHT_IN + 0.4)))
    name_em = max(_text_width(g) for g in groups) + 1.0
    terms_em = col_width_pt / size - name_em - 0.5
    axes = fig.subplots(1, n_cols, squeeze=False)[0]
    shown = []
    for c, ax in enumerate(axes):
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(per_col - 0.5, -0.5)
        for r, g in enumerate(groups[c * per_col:(c + 1) * per_col]):
            part = df[df["group"].astype(str) == g].head(top_n)
            words = _fit_words(part["term"].astype(str).tolist(), terms_em) if len(part) else []
            shown.append(part.head(len(words)))
            if r % 2 == 0:
                ax.axhspan(r - 0.5, r + 0.5, color=EMPTY_CELL, zorder=0, linewidth=0)
            ax.text(0.01, r, g, fontsize=size, color=INK, va="center", ha="left")
            ax.text(name_em * size / col_width_pt, r, "、".join(words) if words else "（无）", fontsize=size,
                    color=INK if words else MUTED, va="center", ha="left")
    return pd.concat(shown) if shown else df.iloc[0:0]


_KIND_ORDER = {"quoted": 0, "title": 1, "ngram": 2}


def _phrase_label(phrase: str, kind: str) -> str:
    if kind == "quoted":
        return f"“{phrase}”"
    if kind == "title":
        return f"《{phrase}》"
    return str(phrase)


def slogan_timeline(
    shared: pd.DataFrame,
    *,
    top_n: int = 15,
    provinces: Sequence[str] | None = None,
    title: str = "标语口号的扩散",
    subtitle: str | None = None,
    max_marker_provinces: int = MAX_MARKER_PROVINCES,
) -> Figure:
    """Which shared phrases (slogans) appear where and when (``analysis.shared_phrases``: phrase,
    kind, province, year, doc_id, count, first_year, first_province, n_provinces): one row per phrase
    (the top_n most widely shared, earliest first), the earliest use ringed.

    Up to max_marker_provinces provinces, one marker per province and year, each province in its own
    colour and shape. With more (a national corpus), markers per province would pile up: each year
    gets one circle sized by how many provinces used the phrase that year, the first users are named
    and the right margin gives the total. :func:`drawn_data` gives what was drawn."""
    what = "slogan_timeline"
    _require(shared, ["phrase", "province", "year"], what)
    if top_n < 1:
        raise ParameterError(f"{what}: top_n must be at least 1, not {top_n}")
    provs = ([str(p) for p in provinces] if provinces is not None
             else sorted(shared["province"].astype(str).unique()))
    counted = len(provs) > max_marker_provinces
    if counted:
        subtitle = subtitle or (f"多个省份共用最广的 {top_n} 个提法：圆越大，当年使用的省份越多；"
                                "黑框为最早使用，右侧为使用省份总数")
    else:
        subtitle = subtitle or "多个省份共用的提法：每个标记表示该省当年的文件中出现了这一提法，黑框大标记为最早使用"
    if shared.empty:
        return _empty(title, subtitle, "没有多个省份共用的提法（至少需要两个省份的文件）")
    df = shared.copy()
    df["year"] = df["year"].astype(int)
    df["province"] = df["province"].astype(str)
    if "count" not in df.columns:
        df["count"] = 1
    per = df.groupby(["phrase", "province", "year"], as_index=False, sort=True)["count"].sum()
    stats = per.groupby("phrase").agg(first_year=("year", "min"), n_provinces=("province", "nunique"),
                                      total=("count", "sum")).reset_index()
    if "kind" in df.columns:
        stats = stats.merge(df.groupby("phrase", as_index=False)["kind"].first(), on="phrase")
    else:
        stats["kind"] = "ngram"
    # the most widely shared phrases; quoted slogans and titles before plain n-grams at equal reach
    stats["_kind"] = stats["kind"].map(_KIND_ORDER).fillna(len(_KIND_ORDER))
    stats = stats.sort_values(["n_provinces", "_kind", "total", "first_year", "phrase"],
                              ascending=[False, True, False, True, True], kind="mergesort").head(top_n)
    stats = stats.sort_values(["first_year", "n_provinces", "phrase"], ascending=[True, False, True],
                              kind="mergesort").reset_index(drop=True)
    rows = stats["phrase"].tolist()
    per = per[per["phrase"].isin(rows)]
    years = sorted(per["year"].unique())
    row_of = {p: i for i, p in enumerate(rows)}
    first_year = dict(zip(stats["phrase"], stats["first_year"].astype(int)))

    fig = _figure(title, subtitle)
    ax = fig.add_subplot()
    for phrase, grp in per.groupby("phrase", sort=False):
        i = row_of[phrase]
        ax.plot([grp["year"].min(), grp["year"].max()], [i, i], color=GRID, linewidth=2, zorder=1)
    if counted:
        drawn = _slogan_counts(ax, per, stats, row_of, n_all=len(provs))
    else:
        drawn = _slogan_markers(fig, ax, per, stats, row_of, provs, years, first_year)
    labels = [_phrase_label(p, k) for p, k in zip(stats["phrase"], stats["kind"])]
    ax.set_yticks(range(len(rows)), labels=[_wrap(t, 16) for t in labels])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    pad = 0.6 if len(years) > 1 else 0.8
    ax.set_xlim(min(years) - pad, max(years) + pad)
    ax.set_xticks(years, labels=[str(y) for y in years])
    ax.grid(axis="x")
    ax.tick_params(axis="y", length=0, labelsize=LABEL_SIZE if len(rows) <= 15 else SMALL_SIZE)
    ax.tick_params(axis="x", labelsize=LABEL_SIZE if len(years) <= 12 else SMALL_SIZE)
    ax.spines["left"].set_visible(False)
    return _drew(fig, drawn)


def _slogan_markers(fig, ax, per, stats, row_of, provs, years, first_year) -> pd.DataFrame:
    """One marker per province and year, side by side within the year; legend of provinces."""
    look = province_colors(provs)
    # markers of different provinces in the same year sit side by side, a fixed distance apart
    # (narrower when many years leave less room per year)
    span = (max(years) - min(years)) + 1.2
    step_pt = min(17.0, 0.8 * 8.5 * 72 / span / max(len(provs), 1))
    offsets = {p: (i - (len(provs) - 1) / 2) * step_pt for i, p in enumerate(provs)}
    for prov in provs:
        part = per[per["province"] == prov]
        color, marker = look[prov]
        shift = ax.transData + ScaledTranslation(offsets[prov] / 72, 0, fig.dpi_scale_trans)
        # earliest use: every province that used the phrase in its first year (ties are all "first"),
        # drawn larger with a dark outline; later uses smaller with a white outline
        is_first = (part["year"] == part["phrase"].map(first_year)).to_numpy()
        for mask, size, edge, lw in ((~is_first, 90, "white", 0.8), (is_first, 200, INK, 2.0)):
            sub = part[mask]
            if len(sub):
                ax.scatter(sub["year"], sub["phrase"].map(row_of), s=size, color=color, marker=marker,
                           zorder=3, edgecolors=edge, linewidths=lw, transform=shift, gid=f"first={bool(lw > 1)}")
    handles = [Line2D([], [], linestyle="none", marker=look[p][1], color=look[p][0], markersize=11, label=p)
               for p in provs]
    handles.append(Line2D([], [], linestyle="none", marker="o", markerfacecolor="#c8ced6", markeredgecolor=INK,
                          markersize=14, markeredgewidth=2.0, label="最早使用（黑框）"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
              labelspacing=1.0)
    drawn = per[per["province"].isin(provs)].merge(stats[["phrase", "kind", "first_year", "n_provinces"]], on="phrase")
    return drawn.sort_values(["phrase", "year", "province"], key=lambda c: c.map(row_of) if c.name == "phrase" else c,
                             kind="mergesort")


def _slogan_counts(ax, per, stats, row_of, *, n_all: int) -> pd.DataFrame:
    """One circle per phrase and year, its area proportional to the provinces using the phrase that
    year; the first year ringed and its provinces named; the total of provinces on the right."""
    by_year = (per.groupby(["phrase", "year"], sort=True)["province"]
               .agg(n_provinces_year="nunique", provinces=lambda s: "、".join(sorted(set(s)))).reset_index())
    by_year = by_year.merge(stats[["phrase", "kind", "first_year", "n_provinces"]], on="phrase")
    by_year["is_first"] = by_year["year"] == by_year["first_year"]
    by_year["_row"] = by_year["phrase"].map(row_of)
    by_year = by_year.sort_values(["_row", "year"], kind="mergesort")
    area = 25 + 475 * by_year["n_provinces_year"].to_numpy(dtype=float) / max(n_all, 1)  # points²
    for first, edge, lw, color in ((False, "white", 0.8, "#8da9c4"), (True, INK, 2.0, BAR_NEUTRAL)):
        mask = (by_year["is_first"] == first).to_numpy()
        if mask.any():
            ax.scatter(by_year.loc[mask, "year"], by_year.loc[mask, "_row"], s=area[mask], color=color, zorder=3,
                       edgecolors=edge, linewidths=lw, gid=f"first={first}")
    side = ax.get_yaxis_transform()  # x in axes fraction, y in data
    firsts = by_year[by_year["is_first"]].set_index("phrase")["provinces"]
    for phrase, i in row_of.items():
        n = int(stats.loc[stats["phrase"] == phrase, "n_provinces"].iloc[0])
        names = str(firsts.get(phrase, "")).split("、")
        who = "、".join(names) if len(names) <= 2 else f"{names[0]}等{len(names)}省"
        ax.text(1.01, i, f"共 {n} 省 · 最早：{who}", transform=side, va="center", ha="left", fontsize=SMALL_SIZE,
                color=INK)
    keys = sorted({1, max(n_all // 2, 1), n_all})
    handles = [Line2D([], [], linestyle="none", marker="o", color="#8da9c4", markeredgecolor="white",
                      markersize=math.sqrt(25 + 475 * k / max(n_all, 1)), label=f"{k} 省") for k in keys]
    handles.append(Line2D([], [], linestyle="none", marker="o", color=BAR_NEUTRAL, markeredgecolor=INK,
                          markeredgewidth=2.0, markersize=12, label="最早使用（黑框）"))
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.01), ncol=len(handles), borderaxespad=0.2,
              columnspacing=1.5, fontsize=SMALL_SIZE, title="当年使用的省份：", title_fontsize=SMALL_SIZE,
              alignment="left")
    return by_year.drop(columns="_row")


def targets_chart(
    targets: pd.DataFrame,
    *,
    plans: Iterable[tuple[str, int]] | None = None,
    themes: Sequence[str] | None = None,
    title: str = "量化目标",
    subtitle: str | None = None,
    note: str | None = None,
    max_rows: int = MAX_ROWS,
) -> Figure:
    """Number of quantitative targets (e.g. 不少于200场) per plan, stacked by theme
    (``analysis.targets_by_theme``: theme, province, year, unit, n_targets, total_value). Values with
    different units are not added up; the chart counts targets, the CSV keeps the totals per unit.
    `plans` ((province, year) pairs, e.g. from the documents table) adds a row, "共 0 条", for plans
    without any quantitative target, so that their absence is visible. More than max_rows plans: each
    province's latest plan year only (said in the subtitle; :func:`drawn_data` gives the rows drawn)."""
    what = "targets_chart"
    _require(targets, ["theme", "province", "year", "n_targets"], what)
    subtitle = subtitle or "各份工作要点中带具体数字的目标条数，按主题分色"
    if targets.empty or float(targets["n_targets"].sum()) == 0:
        return _empty(title, subtitle, "所选文件中没有带具体数字的目标")
    df = targets.copy()
    keys = {(str(p), int(y)) for p, y in zip(df["province"], df["year"])}
    keys |= {(str(p), int(y)) for p, y in (plans or [])}
    if len(keys) > max_rows:
        latest: dict[str, int] = {}
        for p, y in keys:
            latest[p] = max(y, latest.get(p, y))
        subtitle += f"；每省只显示最近一年（共 {len(keys)} 个省份-年份）"
        keys = set(sorted(latest.items())[:max_rows])
        df = df[[(str(p), int(y)) in keys for p, y in zip(df["province"], df["year"])]]
    rows = [f"{p} {y}" for p, y in sorted(keys)]
    df["_row"] = df["province"].astype(str) + " " + df["year"].astype(int).astype(str)
    cols = _theme_order(df["theme"], themes)
    colors = theme_colors(cols)
    grid = df.pivot_table(index="_row", columns="theme", values="n_targets", aggfunc="sum", sort=False)
    grid = grid.reindex(index=rows, columns=cols).fillna(0)
    fig = _figure(title, subtitle, note=note)
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    left = np.zeros(len(rows))
    pitch = _row_pitch_pt(len(rows))
    label_size = min(LABEL_SIZE, max(MIN_TEXT_SIZE, 0.72 * pitch))
    text_size = SMALL_SIZE if pitch >= 20 else max(MIN_TEXT_SIZE, 0.6 * pitch)
    for theme in cols:
        widths = grid[theme].to_numpy(dtype=float)
        if not widths.any():
            continue
        ax.barh(y, widths, left=left, height=0.62, color=colors[theme], label=theme,
                edgecolor="white", linewidth=1)
        for yi, (l, wv) in enumerate(zip(left, widths)):
            if wv >= max(left.max() + widths.max(), 1) * 0.04 and wv > 0:
                ax.text(l + wv / 2, yi, f"{int(wv)}", ha="center", va="center", fontsize=text_size,
                        color=_text_on(colors[theme]))
        left = left + widths
    for yi, total in enumerate(left):
        ax.text(total + left.max() * 0.01, yi, f"  共 {int(total)} 条", va="center", ha="left",
                fontsize=label_size, color=INK)
    ax.set_yticks(y, labels=rows)
    _bar_rows(ax, len(rows))
    ax.set_xlim(0, max(left.max(), 1) * 1.15)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    ax.set_xlabel("目标条数")
    ax.tick_params(axis="y", length=0, labelsize=label_size)
    ax.spines["left"].set_visible(False)
    ax.grid(axis="x")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncol=min(len(cols), 9), handlelength=1.0,
              handleheight=1.0, columnspacing=1.2, borderaxespad=0.2)
    return _drew(fig, df.drop(columns="_row"))


def departments_themes(
    depts: pd.DataFrame,
    *,
    top_n: int = 15,
    themes: Sequence[str] | None = None,
    title: str = "责任部门与主题",
    subtitle: str | None = None,
) -> Figure:
    """Heatmap of responsible departments × themes (``analysis.departments_by_theme``: department,
    theme, n_items): the `top_n` departments with most items, cells give item counts."""
    what = "departments_themes"
    _require(depts, ["department", "theme", "n_items"], what)
    if top_n < 1:
        raise ParameterError(f"{what}: top_n must be at least 1, not {top_n}")
    subtitle = subtitle or f"各部门负责的工作条目数（按主题；条目最多的 {top_n} 个部门）"
    if depts.empty or float(depts["n_items"].sum()) == 0:
        return _empty(title, subtitle, "文件中没有标注责任部门（“责任部门：…”）")
    cols = _theme_order(depts["theme"], themes)
    grid = depts.pivot_table(index="department", columns="theme", values="n_items", aggfunc="sum").reindex(
        columns=cols).fillna(0)
    totals = grid.sum(axis=1)
    order = sorted(grid.index, key=lambda d: (-totals[d], str(d)))[:top_n]
    grid = grid.loc[order]
    colors = theme_colors(cols)
    fig = _figure(title, subtitle)
    ax = fig.add_subplot()
    _heatmap(ax, grid.to_numpy(dtype=float), row_labels=[_wrap(d, 14, 1) for d in order], col_labels=cols,
             col_colors=[colors[c] for c in cols], fmt=lambda v: f"{int(v)}", blank_zero=True)
    return fig


# --------------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------------


def _save_kwargs(fmt: str, title: str) -> dict:
    if fmt == "png":
        return {"metadata": {"Software": None, "Title": title}}
    if fmt == "svg":
        return {"metadata": {"Date": None, "Creator": None, "Title": title}}
    if fmt == "pdf":
        return {"metadata": {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None,
                             "Title": title}}
    raise ParameterError(f"unknown figure format {fmt!r}; choose from {', '.join(FORMATS)}")


def _write_if_changed(path: Path, data: bytes) -> bool:
    """Atomic write, skipped when the file already holds exactly these bytes (keeps mtimes stable)."""
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return False
    atomic_write_bytes(path, data)
    return True


def freeze_layout(fig: Figure) -> Figure:
    """Run the constrained layout once, at the figure's own dpi, and keep the result: every format and
    resolution then gets exactly the same layout (otherwise text extents measured at the first save's
    dpi would leak into the next format and the files would depend on the order they are written in)."""
    if isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine):
        fig.draw_without_rendering()
        fig.set_layout_engine("none")
        # the solver's last digits vary with cached text metrics; SVG clip-path ids hash the exact
        # floats, so snap the axes to a 1e-6 grid (far below a pixel) to keep the files identical
        for ax in fig.axes:
            x0, y0, w, h = ax.get_position().bounds
            ax.set_position([round(v, 6) for v in (x0, y0, w, h)])
    return fig


def save_figure(fig: Figure, path: str | Path, *, dpi: int = 300) -> Path:
    """Save fig to path (format from the suffix: png, svg or pdf) deterministically and atomically:
    no dates in the file, SVG text as outlines, PDF with the font's glyphs embedded."""
    import io as _io

    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    kwargs = _save_kwargs(fmt, getattr(fig, "_kexie_title", "") or path.stem)
    font = apply_style()
    freeze_layout(fig)
    buf = _io.BytesIO()
    with mpl.rc_context({"svg.fonttype": "path", "svg.hashsalt": "kexie-compare",
                         "pdf.fonttype": font.pdf_fonttype}):
        fig.savefig(buf, format=fmt, dpi=dpi, **kwargs)
    _write_if_changed(path, buf.getvalue())
    return path


def _csv_bytes(df: pd.DataFrame) -> bytes:
    out = df.copy()
    for col in out.columns:
        if out[col].map(lambda v: isinstance(v, (list, tuple))).any():
            out[col] = out[col].map(lambda v: "；".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
    return out.to_csv(index=False, lineterminator="\n", float_format="%.6g").encode("utf-8-sig")


@dataclass
class _Chart:
    name: str
    data: dict[str, pd.DataFrame]  # csv suffix ("" for <name>.csv) -> frame
    figure: Figure


def _focus_province(corpus) -> str | None:
    """河南 when the corpus has it (the briefing's subject), else the province with most plan years."""
    if "河南" in corpus.provinces:
        return "河南"
    years = corpus.documents.groupby("province")["year"].nunique()
    if years.empty:
        return None
    return sorted(years.index, key=lambda p: (-int(years[p]), str(p)))[0]


PLAIN_DOC_TYPE = "工作要点"


def doc_type_note(documents: pd.DataFrame, *, provinces: Sequence[str] | None = None, limit: int = 4,
                  max_chars: int = 64) -> str | None:
    """A source-line note naming the province-years whose documents are not (only) a 工作要点, e.g.
    "河南 2022 为学会学术工作要点", so that a reader does not compare unlike documents unawares.
    When more than `limit` province-years (or more than max_chars characters) would be named, one
    summary sentence counts them and names the most common other types instead."""
    docs = documents if provinces is None else documents[documents["province"].isin(list(provinces))]
    parts = []
    others: dict[str, int] = {}
    for (prov, year), grp in docs.groupby(["province", "year"], sort=True):
        types = list(dict.fromkeys(grp["doc_type"].astype(str)))
        if types != [PLAIN_DOC_TYPE]:
            parts.append(f"{prov} {int(year)} 为{'与'.join(types)}")
            for t in types:
                if t != PLAIN_DOC_TYPE:
                    others[t] = others.get(t, 0) + 1
    if not parts:
        return None
    listed = "；".join(parts[:limit]) + ("等" if len(parts) > limit else "")
    if len(parts) <= limit and len(listed) <= max_chars:
        return listed
    common = sorted(others, key=lambda t: (-others[t], t))[:2]
    return (f"{len(parts)} 个省份-年份含{PLAIN_DOC_TYPE}以外的文件（如{'、'.join(common)}），"
            "按该年全部文件合并计算")


#: corpora with more documents than this get the province × province similarity chart
SIMILARITY_DOCUMENT_LIMIT = 30


def similarity_level(corpus) -> str:
    """The level at which a corpus' similarity matrix is readable: "document" up to
    SIMILARITY_DOCUMENT_LIMIT documents, else "province" (every province's documents pooled)."""
    return "document" if len(corpus.documents) <= SIMILARITY_DOCUMENT_LIMIT else "province"


def _direct(func, corpus, **kwargs):
    return func(corpus, **kwargs)


# one builder per chart: (corpus, run, top_n) -> (data frames for the CSVs, figure); `run(func, corpus,
# **kw)` computes an analysis function (directly, or through a cache shared with the reports)

def _chart_theme_heatmap(corpus, run, top_n):
    from compare import analysis

    m = run(analysis.theme_share_matrix, corpus, by=("province", "year"))
    fig = theme_heatmap(m, note=doc_type_note(corpus.documents))
    return {"": drawn_data(fig, m)}, fig


def _chart_theme_shares_bar(corpus, run, top_n):
    from compare import analysis

    m = run(analysis.theme_share_matrix, corpus, by=("province",))
    fig = theme_shares_bar(m, note=doc_type_note(corpus.documents))
    return {"": drawn_data(fig, m)}, fig


def _chart_change_over_time(corpus, run, top_n):
    from compare import analysis

    focus = _focus_province(corpus)
    # like with like: the type of plan that covers most of the province's years (Henan: 工作要点); only
    # the focus province's items are needed (its tokens, not the whole corpus')
    own = corpus.select(provinces=[focus])
    main_type, main_years = analysis.main_doc_type(own, focus)
    ch = analysis.theme_changes(own, focus, years=main_years, doc_type=main_type)
    terms = analysis.term_changes(own, focus, years=main_years, top_n=top_n, doc_type=main_type)
    fig = change_over_time(ch, terms, province=focus, note=f"只比较{focus}的{main_type}，不含其他类型的文件")
    return {"": ch, "_terms": terms}, fig


def _chart_similarity_heatmap(corpus, run, top_n):
    from compare import analysis

    level = similarity_level(corpus)
    sim = run(analysis.similarity, corpus, level=level)
    return {"": sim}, similarity_heatmap(sim, level=level)


def _chart_distinctive_terms(corpus, run, top_n):
    from compare import analysis

    # every term ranked (top_n=None) is the computation the reports share; the chart needs the top 10
    key = run(analysis.keyness, corpus, by="province", top_n=None)
    key = key[key["rank"] <= 10].reset_index(drop=True)
    fig = distinctive_terms(key, top_n=10)
    return {"": drawn_data(fig, key)}, fig


def _chart_slogan_timeline(corpus, run, top_n):
    from compare import analysis

    shared = run(analysis.shared_phrases, corpus, min_provinces=2)
    fig = slogan_timeline(shared, provinces=corpus.provinces)
    return {"": drawn_data(fig, shared)}, fig


def _chart_targets_chart(corpus, run, top_n):
    from compare import analysis

    tg = run(analysis.targets_by_theme, corpus)
    plans = corpus.documents[["province", "year"]].drop_duplicates().itertuples(index=False)
    fig = targets_chart(tg, plans=list(plans), note=doc_type_note(corpus.documents))
    return {"": drawn_data(fig, tg)}, fig


def _chart_departments_themes(corpus, run, top_n):
    from compare import analysis

    # the named offices that carry the work, not classes of recipients (各全省学会, 机关各部室, …)
    dp = run(analysis.departments_by_theme, corpus, top_n=top_n, collective=False)
    fig = departments_themes(dp, top_n=top_n, subtitle=f"各部门承担的工作条目数（按主题；条目最多的 {top_n} 个部门，"
                                                       "不含“各全省学会”等泛指的落实对象）")
    return {"": dp}, fig


#: every chart of `python -m compare figures`, in order
CHARTS: dict[str, Callable] = {
    "theme_heatmap": _chart_theme_heatmap,
    "theme_shares_bar": _chart_theme_shares_bar,
    "change_over_time": _chart_change_over_time,
    "similarity_heatmap": _chart_similarity_heatmap,
    "distinctive_terms": _chart_distinctive_terms,
    "slogan_timeline": _chart_slogan_timeline,
    "targets_chart": _chart_targets_chart,
    "departments_themes": _chart_departments_themes,
}


def _charts(corpus, *, top_n: int, names: Sequence[str] | None = None, compute=None) -> Iterable[_Chart]:
    """Each chart in turn (computed and drawn only when the previous one has been consumed)."""
    run = compute or _direct
    for name in names if names is not None else CHARTS:
        if name not in CHARTS:
            raise ParameterError(f"unknown chart {name!r}; choose from {', '.join(CHARTS)}")
        data, fig = CHARTS[name](corpus, run, top_n)
        yield _Chart(name, data, fig)


def _check_formats(formats: Iterable[str]) -> list[str]:
    if isinstance(formats, str):
        formats = [formats]
    out = []
    for f in formats:
        f = str(f).strip().lower().lstrip(".")
        if f not in FORMATS:
            raise ParameterError(f"unknown figure format {f!r}; choose from {', '.join(FORMATS)}")
        if f not in out:
            out.append(f)
    if not out:
        raise ParameterError(f"no figure format given; choose from {', '.join(FORMATS)}")
    return out


def write_figures(corpus, out_dir: str | Path, *, formats: Sequence[str] = FORMATS, dpi: int = 300,
                  top_n: int = 15, charts: Sequence[str] | None = None, compute=None) -> list[Path]:
    """Compute every comparison with :mod:`compare.analysis`, draw every briefing chart and write it to
    ``out_dir/<chart>.<format>`` for each format, with the data drawn as ``<chart>.csv`` (UTF-8
    with BOM, for Excel) beside it; ``change_over_time`` also writes ``change_over_time_terms.csv``.
    Files are written atomically and deterministically (unchanged files are not rewritten).
    Returns the paths written (figures and CSVs), in chart order.

    At national scale every chart stays readable: the similarity matrix compares provinces when the
    corpus has more than SIMILARITY_DOCUMENT_LIMIT documents, and the other charts reduce themselves
    (latest year per province, top-N phrases, a term table), saying so in their subtitles; the CSV
    holds what was drawn. charts: names from CHARTS (default all). compute(func, corpus, **kwargs):
    how analysis functions are run (default: called directly; the build passes a cache shared with
    the reports)."""
    formats = _check_formats(formats)
    if int(dpi) < 10:
        raise ParameterError(f"dpi must be at least 10, not {dpi}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for chart in _charts(corpus, top_n=top_n, names=charts, compute=compute):
        try:
            for fmt in formats:
                written.append(save_figure(chart.figure, out_dir / f"{chart.name}.{fmt}", dpi=int(dpi)))
        finally:
            chart.figure.clear()
        for suffix, frame in chart.data.items():
            path = out_dir / f"{chart.name}{suffix}.csv"
            _write_if_changed(path, _csv_bytes(frame))
            written.append(path)
        log.debug("wrote %s (%s)", chart.name, ", ".join(formats))
    return written


def cli_figures(args) -> int:
    """`python -m compare figures [--formats png,svg,pdf] [--dpi 300] [--processed DIR] [--out DIR]`."""
    from compare.analysis import Corpus

    from compare.pipeline.report import ComparisonCache

    formats = _check_formats(args.formats)
    corpus = Corpus.load(args.processed)
    font = cjk_font_info()
    print(f"font: {font.family} ({font.source}: {font.path}); PDF glyphs as Type {font.pdf_fonttype}")
    with font_problems() as problems:  # comparisons cached: the reports (and the next run) reuse them
        paths = write_figures(corpus, args.out, formats=formats, dpi=args.dpi, compute=ComparisonCache(args.processed))
    for p in paths:
        print(p)
    print(f"{len(paths)} files in {args.out}")
    if problems:
        for message in dict.fromkeys(problems):
            log.warning("font problem while drawing: %s", message)
        raise CompareError(f"{len(set(problems))} missing glyph / font fallback problem(s) while drawing the charts "
                           f"(files were written; see the warnings above)")
    return 0
