"""Briefing-ready charts: one function per chart, each taking the tidy DataFrame(s) from
:mod:`compare.analysis` and returning a matplotlib :class:`~matplotlib.figure.Figure` (nothing is saved
or shown inside them), plus :func:`write_figures` / ``python -m compare figures`` that write every chart
as PNG/SVG/PDF with the data behind it as a CSV beside it.

Style: 16:9 slide size (13.33 × 7.5 in), a left-aligned title and subtitle, a source line
(数据来源：各省科协工作要点), large type, no chart junk, and one colour per theme everywhere (from
``themes.toml`` via :func:`compare.themes.load_theme_dictionary`). Chinese is drawn with a real CJK
font (see :mod:`compare.fonts`); SVG carries text as outlines and PDF embeds the glyphs, so the files
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

from compare.errors import CompareError, ParameterError
from compare.fonts import CJKFont, cjk_font_info, font_problems
from compare.io import atomic_write_bytes

log = logging.getLogger(__name__)

__all__ = [
    "SOURCE", "FORMATS", "cjk_font", "apply_style", "theme_colors", "province_colors",
    "theme_heatmap", "theme_shares_bar", "change_over_time", "similarity_heatmap", "distinctive_terms",
    "slogan_timeline", "targets_chart", "departments_themes", "write_figures", "save_figure", "cli_figures",
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


# --------------------------------------------------------------------------------------------------
# fonts and style
# --------------------------------------------------------------------------------------------------


def cjk_font():
    """FontProperties of the project's CJK font (a system Noto Sans CJK SC / Source Han Sans SC /
    WenQuanYi …, else the OFL Noto Sans CJK from the `cvttf-notosanscjk-regular` dependency).
    ``cjk_font().get_file()`` is its path; :func:`compare.fonts.cjk_font_info` says where it came from."""
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
        # self-contained vector output (see compare.fonts for why PDF uses Type 3 with CFF fonts)
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
    from compare.themes import load_theme_dictionary

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


def _heatmap(ax, values: np.ndarray, *, row_labels, col_labels, col_colors=None, fmt: Callable[[float], str],
             vmin: float = 0.0, vmax: float | None = None, blank_zero: bool = False, cmap=SEQUENTIAL,
             annotate: bool = True) -> None:
    """Annotated heatmap; column headers on top, drawn as chips in their theme colour when given."""
    values = np.asarray(values, dtype=float)
    if vmax is None:
        vmax = float(np.nanmax(values)) if values.size and np.nanmax(values) > 0 else 1.0
    cmap = cmap.with_extremes(bad=EMPTY_CELL)
    ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto", interpolation="nearest")
    n_rows, n_cols = values.shape
    ax.set_xticks(range(n_cols), labels=col_labels)
    ax.set_yticks(range(n_rows), labels=row_labels)
    ax.tick_params(axis="x", top=True, bottom=False, labeltop=True, labelbottom=False, length=0, pad=8)
    ax.tick_params(axis="y", length=0, pad=6)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xticks(np.arange(-0.5, n_cols, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, n_rows, 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="minor", length=0)
    if col_colors is not None:
        for label, color in zip(ax.get_xticklabels(), col_colors):
            label.set_bbox({"boxstyle": "round,pad=0.35", "facecolor": color, "edgecolor": "none"})
            label.set_color(_text_on(color))
    if not annotate:
        return
    size = LABEL_SIZE if n_rows * n_cols <= 120 else SMALL_SIZE if n_rows * n_cols <= 300 else 9
    for i in range(n_rows):
        for j in range(n_cols):
            v = values[i, j]
            if np.isnan(v) or (blank_zero and v == 0):
                continue
            rgba = cmap((v - vmin) / (vmax - vmin) if vmax > vmin else 0.0)
            ax.text(j, i, fmt(v), ha="center", va="center", fontsize=size, color=_text_on(rgba[:3]))


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
) -> Figure:
    """Heatmap of theme shares: one row per group (province × year, from
    ``analysis.theme_share_matrix(corpus, by=("province", "year"))``), one column per theme.

    matrix: tidy frame with the group columns, `theme` and a share column (`share`, or `share_items`
    from theme_shares). Cells show percentages; column headers carry the theme colours."""
    what = "theme_heatmap"
    _require(matrix, ["theme"], what)
    value = _value_column(matrix, value, ("share", "share_items", "share_chars"), what)
    subtitle = subtitle or "各主题条目占该份工作要点条目的比例，颜色越深占比越高"
    if matrix.empty:
        return _empty(title, subtitle, "没有可用的主题数据（请先运行 python -m compare themes）")
    groups = [c for c in matrix.columns if c not in _NON_GROUP and c != value]
    df = matrix.copy()
    df["_row"] = _group_labels(df, groups)
    rows = list(dict.fromkeys(df["_row"]))
    cols = _theme_order(df["theme"], themes)
    grid = df.pivot_table(index="_row", columns="theme", values=value, aggfunc="sum", sort=False)
    grid = grid.reindex(index=rows, columns=cols)
    colors = theme_colors(cols)
    fig = _figure(title, subtitle, note=note)
    ax = fig.add_subplot()
    _heatmap(ax, grid.to_numpy(), row_labels=rows, col_labels=cols, col_colors=[colors[c] for c in cols],
             fmt=_pct, vmax=max(float(np.nanmax(grid.to_numpy())) if grid.size else 0.0, 0.01))
    return fig


def theme_shares_bar(
    matrix: pd.DataFrame,
    *,
    value: str | None = None,
    themes: Sequence[str] | None = None,
    title: str = "各省工作要点的主题构成",
    subtitle: str | None = None,
    note: str | None = None,
) -> Figure:
    """100 % stacked horizontal bars: one bar per group (typically province, from
    ``analysis.theme_share_matrix(corpus, by=("province",))``), one segment per theme in its colour."""
    what = "theme_shares_bar"
    _require(matrix, ["theme"], what)
    value = _value_column(matrix, value, ("share", "share_items", "share_chars"), what)
    if matrix.empty:
        return _empty(title, subtitle or "各主题条目占比", "没有可用的主题数据（请先运行 python -m compare themes）")
    groups = [c for c in matrix.columns if c not in _NON_GROUP and c != value]
    df = matrix.copy()
    df["_row"] = _group_labels(df, groups)
    rows = list(dict.fromkeys(df["_row"]))
    cols = _theme_order(df["theme"], themes)
    grid = df.pivot_table(index="_row", columns="theme", values=value, aggfunc="sum", sort=False)
    grid = grid.reindex(index=rows, columns=cols).fillna(0.0)
    complete = set(df["theme"].astype(str)) <= set(cols)  # every theme of the data is drawn
    subtitle = subtitle or ("各主题条目占比（每条横条合计 100%）" if complete
                            else f"所选主题（{'、'.join(cols)}）的条目占比；其余主题未显示")
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
                ax.text(l + wv / 2, yi, _pct(wv), ha="center", va="center", fontsize=SMALL_SIZE,
                        color=_text_on(colors[theme]))
        left = left + widths
    ax.set_yticks(y, labels=rows)
    _bar_rows(ax, len(rows))
    ax.set_xlim(0, max(1.0, float(left.max()) if len(left) else 1.0))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncol=min(len(cols), 9), handlelength=1.0,
              handleheight=1.0, columnspacing=1.2, borderaxespad=0.2)
    return fig


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
    title: str = "各份工作要点的文本相似度",
    subtitle: str | None = None,
) -> Figure:
    """Document × document cosine similarity (``analysis.similarity``: doc_a, doc_b, label_a, label_b,
    cosine). Pairs given once are mirrored; the diagonal is 1."""
    what = "similarity_heatmap"
    _require(sim, ["doc_a", "doc_b", "cosine"], what)
    subtitle = subtitle or "TF-IDF 词向量的余弦相似度：1 = 用词完全一致，0 = 没有共同词"
    if len(set(sim["doc_a"].astype(str)) | set(sim["doc_b"].astype(str))) < 2:
        return _empty(title, subtitle, "至少需要两份文件才能比较相似度")
    labels: dict[str, str] = {}
    for a, b, la, lb in zip(sim["doc_a"], sim["doc_b"], sim.get("label_a", sim["doc_a"]),
                            sim.get("label_b", sim["doc_b"])):
        labels.setdefault(str(a), str(la))
        labels.setdefault(str(b), str(lb))
    docs = list(labels)
    index = {d: i for i, d in enumerate(docs)}
    n = len(docs)
    m = np.full((n, n), np.nan)
    for a, b, c in zip(sim["doc_a"].astype(str), sim["doc_b"].astype(str), sim["cosine"].astype(float)):
        m[index[a], index[b]] = c
        if np.isnan(m[index[b], index[a]]):
            m[index[b], index[a]] = c
    np.fill_diagonal(m, 1.0)
    np.fill_diagonal(m, np.nan)  # a document against itself says nothing; keep the colour scale for pairs
    col_chars = max(4, int(10.0 / max(n, 1) / 0.2))  # ~0.2 in per character at LABEL_SIZE on a 10 in wide grid
    fig = _figure(title, subtitle, note="对角线为同一文件，留空")
    ax = fig.add_subplot()
    _heatmap(ax, m, row_labels=[_wrap(labels[d], 16) for d in docs],
             col_labels=[_wrap(labels[d], col_chars, 3) for d in docs], fmt=lambda v: f"{v:.2f}", vmin=0.0, vmax=1.0)
    if n > 8:
        ax.tick_params(axis="x", labelrotation=45)
        for label in ax.get_xticklabels():
            label.set_ha("left")
            label.set_rotation_mode("anchor")
    return fig


def _grid_shape(n: int) -> tuple[int, int]:
    if n <= 4:
        return 1, n
    cols = 4 if n <= 8 else 5
    return math.ceil(n / cols), cols


def distinctive_terms(
    key: pd.DataFrame,
    *,
    top_n: int = 10,
    measure: str = "G²",
    provinces: Sequence[str] | None = None,
    title: str = "各省工作要点的特色词",
    subtitle: str | None = None,
) -> Figure:
    """Small multiples, one panel per group (province): its most distinctive terms by keyness
    (``analysis.keyness``: group, term, freq_target, statistic, log_ratio, rank). Only terms a group
    uses *more* than the others (log_ratio > 0) are shown; bar labels give the frequency."""
    what = "distinctive_terms"
    _require(key, ["group", "term", "statistic"], what)
    if top_n < 1:
        raise ParameterError(f"{what}: top_n must be at least 1, not {top_n}")
    subtitle = subtitle or f"与其他省份相比使用明显更多的词（关键性统计量 {measure}，越长越独特；括号内为出现次数）"
    df = key.copy()
    if "log_ratio" in df.columns:
        df = df[df["log_ratio"] > 0]
    if df.empty:
        return _empty(title, subtitle, "没有足够的数据计算特色词（至少需要两个省份）")
    sort = ["group", "rank"] if "rank" in df.columns else ["group"]
    df = df.sort_values(sort + ["statistic"], ascending=[True] * len(sort) + [False], kind="mergesort")
    groups = list(dict.fromkeys(df["group"].astype(str))) if provinces is None else list(provinces)
    rows, cols = _grid_shape(len(groups))
    fig = _figure(title, subtitle)
    axes = fig.subplots(rows, cols, squeeze=False)
    vmax = float(df.groupby("group")["statistic"].max().max())
    for k, ax in enumerate(axes.flat):
        if k >= len(groups):
            ax.set_axis_off()
            continue
        g = groups[k]
        part = df[df["group"].astype(str) == g].head(top_n)
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
        ax.tick_params(axis="y", length=0, labelsize=LABEL_SIZE if top_n <= 12 else SMALL_SIZE)
        ax.tick_params(axis="x", labelsize=SMALL_SIZE)
        ax.spines["left"].set_visible(False)
        ax.xaxis.set_major_locator(MaxNLocator(3))
        if part.empty:
            ax.text(0.5, 0.5, "（无）", transform=ax.transAxes, ha="center", color=MUTED)
    return fig


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
) -> Figure:
    """Which shared phrases (slogans) appear where and when (``analysis.shared_phrases``: phrase,
    kind, province, year, doc_id, count, first_year, first_province, n_provinces): one row per phrase,
    one marker per province and year, the earliest use ringed."""
    what = "slogan_timeline"
    _require(shared, ["phrase", "province", "year"], what)
    if top_n < 1:
        raise ParameterError(f"{what}: top_n must be at least 1, not {top_n}")
    subtitle = subtitle or "多个省份共用的提法：每个标记表示该省当年的文件中出现了这一提法，黑框大标记为最早使用"
    if shared.empty:
        return _empty(title, subtitle, "没有多个省份共用的提法（至少需要两个省份的文件）")
    df = shared.copy()
    df["year"] = df["year"].astype(int)
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
    provs = list(provinces) if provinces is not None else sorted(per["province"].astype(str).unique())
    look = province_colors(provs)
    years = sorted(per["year"].unique())
    # markers of different provinces in the same year sit side by side, a fixed distance apart
    step_pt = 17.0
    offsets = {p: (i - (len(provs) - 1) / 2) * step_pt for i, p in enumerate(provs)}

    fig = _figure(title, subtitle)
    ax = fig.add_subplot()
    row_of = {p: i for i, p in enumerate(rows)}
    for phrase, grp in per.groupby("phrase", sort=False):
        i = row_of[phrase]
        ax.plot([grp["year"].min(), grp["year"].max()], [i, i], color=GRID, linewidth=2, zorder=1)
    first_year = dict(zip(stats["phrase"], stats["first_year"].astype(int)))
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
    labels = [_phrase_label(p, k) for p, k in zip(stats["phrase"], stats["kind"])]
    ax.set_yticks(range(len(rows)), labels=[_wrap(t, 16) for t in labels])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    pad = 0.6 if len(years) > 1 else 0.8
    ax.set_xlim(min(years) - pad, max(years) + pad)
    ax.set_xticks(years, labels=[str(y) for y in years])
    ax.grid(axis="x")
    ax.tick_params(axis="y", length=0, labelsize=LABEL_SIZE if len(rows) <= 15 else SMALL_SIZE)
    ax.spines["left"].set_visible(False)
    handles = [Line2D([], [], linestyle="none", marker=look[p][1], color=look[p][0], markersize=11, label=p)
               for p in provs]
    handles.append(Line2D([], [], linestyle="none", marker="o", markerfacecolor="#c8ced6", markeredgecolor=INK,
                          markersize=14, markeredgewidth=2.0, label="最早使用（黑框）"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
              labelspacing=1.0)
    return fig


def targets_chart(
    targets: pd.DataFrame,
    *,
    plans: Iterable[tuple[str, int]] | None = None,
    themes: Sequence[str] | None = None,
    title: str = "量化目标",
    subtitle: str | None = None,
    note: str | None = None,
) -> Figure:
    """Number of quantitative targets (e.g. 不少于200场) per plan, stacked by theme
    (``analysis.targets_by_theme``: theme, province, year, unit, n_targets, total_value). Values with
    different units are not added up; the chart counts targets, the CSV keeps the totals per unit.
    `plans` ((province, year) pairs, e.g. from the documents table) adds a row, "共 0 条", for plans
    without any quantitative target, so that their absence is visible."""
    what = "targets_chart"
    _require(targets, ["theme", "province", "year", "n_targets"], what)
    subtitle = subtitle or "各份工作要点中带具体数字的目标条数，按主题分色"
    if targets.empty or float(targets["n_targets"].sum()) == 0:
        return _empty(title, subtitle, "所选文件中没有带具体数字的目标")
    df = targets.copy()
    keys = {(str(p), int(y)) for p, y in zip(df["province"], df["year"])}
    keys |= {(str(p), int(y)) for p, y in (plans or [])}
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
    for theme in cols:
        widths = grid[theme].to_numpy(dtype=float)
        if not widths.any():
            continue
        ax.barh(y, widths, left=left, height=0.62, color=colors[theme], label=theme,
                edgecolor="white", linewidth=1)
        for yi, (l, wv) in enumerate(zip(left, widths)):
            if wv >= max(left.max() + widths.max(), 1) * 0.04 and wv > 0:
                ax.text(l + wv / 2, yi, f"{int(wv)}", ha="center", va="center", fontsize=SMALL_SIZE,
                        color=_text_on(colors[theme]))
        left = left + widths
    for yi, total in enumerate(left):
        ax.text(total + left.max() * 0.01, yi, f"  共 {int(total)} 条", va="center", ha="left",
                fontsize=LABEL_SIZE, color=INK)
    ax.set_yticks(y, labels=rows)
    _bar_rows(ax, len(rows))
    ax.set_xlim(0, max(left.max(), 1) * 1.15)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    ax.set_xlabel("目标条数")
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.grid(axis="x")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncol=min(len(cols), 9), handlelength=1.0,
              handleheight=1.0, columnspacing=1.2, borderaxespad=0.2)
    return fig


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


def doc_type_note(documents: pd.DataFrame, *, provinces: Sequence[str] | None = None, limit: int = 4) -> str | None:
    """A source-line note naming the province-years whose documents are not (only) a 工作要点, e.g.
    "河南 2022 为学会学术工作要点", so that a reader does not compare unlike documents unawares."""
    docs = documents if provinces is None else documents[documents["province"].isin(list(provinces))]
    parts = []
    for (prov, year), grp in docs.groupby(["province", "year"], sort=True):
        types = list(dict.fromkeys(grp["doc_type"].astype(str)))
        if types != [PLAIN_DOC_TYPE]:
            parts.append(f"{prov} {int(year)} 为{'与'.join(types)}")
    if not parts:
        return None
    more = "等" if len(parts) > limit else ""
    return "；".join(parts[:limit]) + more


def _charts(corpus, *, top_n: int) -> Iterable[_Chart]:
    from compare import analysis

    provinces = corpus.provinces
    note = doc_type_note(corpus.documents)
    m = analysis.theme_share_matrix(corpus, by=("province", "year"))
    yield _Chart("theme_heatmap", {"": m}, theme_heatmap(m, note=note))
    m = analysis.theme_share_matrix(corpus, by=("province",))
    yield _Chart("theme_shares_bar", {"": m}, theme_shares_bar(m, note=note))
    focus = _focus_province(corpus)
    # like with like: the type of plan that covers most of the province's years (Henan: 工作要点)
    main_type, main_years = analysis.main_doc_type(corpus, focus)
    ch = analysis.theme_changes(corpus, focus, years=main_years, doc_type=main_type)
    terms = analysis.term_changes(corpus, focus, years=main_years, top_n=top_n, doc_type=main_type)
    yield _Chart("change_over_time", {"": ch, "_terms": terms},
                 change_over_time(ch, terms, province=focus, note=f"只比较{focus}的{main_type}，不含其他类型的文件"))
    sim = analysis.similarity(corpus, level="document")
    yield _Chart("similarity_heatmap", {"": sim}, similarity_heatmap(sim))
    key = analysis.keyness(corpus, by="province", top_n=10)
    yield _Chart("distinctive_terms", {"": key}, distinctive_terms(key, top_n=10))
    shared = analysis.shared_phrases(corpus, min_provinces=2)
    yield _Chart("slogan_timeline", {"": shared}, slogan_timeline(shared, provinces=provinces))
    tg = analysis.targets_by_theme(corpus)
    plans = corpus.documents[["province", "year"]].drop_duplicates().itertuples(index=False)
    yield _Chart("targets_chart", {"": tg}, targets_chart(tg, plans=list(plans), note=note))
    # the named offices that carry the work, not classes of recipients (各全省学会, 机关各部室, …)
    dp = analysis.departments_by_theme(corpus, top_n=top_n, collective=False)
    yield _Chart("departments_themes", {"": dp}, departments_themes(
        dp, top_n=top_n, subtitle=f"各部门承担的工作条目数（按主题；条目最多的 {top_n} 个部门，不含“各全省学会”等泛指的落实对象）"))


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
                  top_n: int = 15) -> list[Path]:
    """Compute every comparison with :mod:`compare.analysis`, draw every briefing chart and write it to
    ``out_dir/<chart>.<format>`` for each format, with the data behind it as ``<chart>.csv`` (UTF-8
    with BOM, for Excel) beside it; ``change_over_time`` also writes ``change_over_time_terms.csv``.
    Files are written atomically and deterministically (unchanged files are not rewritten).
    Returns the paths written (figures and CSVs), in chart order."""
    formats = _check_formats(formats)
    if int(dpi) < 10:
        raise ParameterError(f"dpi must be at least 10, not {dpi}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for chart in _charts(corpus, top_n=top_n):
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

    formats = _check_formats(args.formats)
    corpus = Corpus.load(args.processed)
    font = cjk_font_info()
    print(f"font: {font.family} ({font.source}: {font.path}); PDF glyphs as Type {font.pdf_fonttype}")
    with font_problems() as problems:
        paths = write_figures(corpus, args.out, formats=formats, dpi=args.dpi)
    for p in paths:
        print(p)
    print(f"{len(paths)} files in {args.out}")
    if problems:
        for message in dict.fromkeys(problems):
            log.warning("font problem while drawing: %s", message)
        raise CompareError(f"{len(set(problems))} missing glyph / font fallback problem(s) while drawing the charts "
                           f"(files were written; see the warnings above)")
    return 0
