"""Layout helpers shared by the charts: input checks, label wrapping, the heatmap grid, row reduction
at national scale, and the record of what a chart drew (:func:`drawn_data`)."""
from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from compare.core.errors import ParameterError
from compare.presentation.chartinfo import chart_info
from compare.presentation.style import (
    EMPTY_CELL, LABEL_SIZE, MAX_ANNOTATED_CELLS, MIN_TEXT_SIZE, MUTED, PLOT_HEIGHT_IN, PLOT_WIDTH_IN, SEQUENTIAL,
    SMALL_SIZE, text_on,
)
from compare.presentation.textfit import text_width


def require(df: pd.DataFrame, cols: Iterable[str], what: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise ParameterError(f"{what}: expected a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ParameterError(f"{what}: the DataFrame lacks column(s) {missing}; it has {list(df.columns)}")


def wrap(text: str, width: int, max_lines: int = 2) -> str:
    """Wrap a (mostly Chinese) label to lines of `width` characters, at most max_lines (then …)."""
    text = str(text)
    if len(text) <= width:
        return text
    lines = textwrap.wrap(text, width=width, break_long_words=True, break_on_hyphens=False) or [text]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(width - 1, 1)] + "…"
    return "\n".join(lines)


def wrap_words(words: Sequence[str], width: int, max_lines: int = 2, sep: str = "、") -> str:
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


def bar_rows(ax, n: int) -> None:
    """Top-to-bottom rows; with fewer than three rows keep the bars as slim as with three."""
    pad = max(0.0, (3 - n) / 2)
    ax.set_ylim(n - 0.5 + pad, -0.5 - pad)


def stacked_barh(ax, segments: Iterable[tuple[str, np.ndarray, str]], *, fmt: Callable[[float], str],
                 label_from: float, fontsize: float, skip_empty: bool = False) -> np.ndarray:
    """One horizontal stacked bar per row (y = 0, 1, …): each segment is (legend label, widths per row,
    colour), drawn in order with a white edge; a segment at least `label_from` wide shows its value
    (fmt) in a colour readable on it. skip_empty leaves out segments that are zero in every row.
    Returns the rows' totals (where each bar ends)."""
    left: np.ndarray | None = None
    for label, widths, color in segments:
        widths = np.asarray(widths, dtype=float)
        if left is None:
            left = np.zeros(len(widths))
        if skip_empty and not widths.any():
            continue
        y = np.arange(len(widths))
        ax.barh(y, widths, left=left, height=0.62, color=color, label=label, edgecolor="white", linewidth=1)
        for yi, (lo, w) in enumerate(zip(left, widths)):
            if w > 0 and w >= label_from:
                ax.text(lo + w / 2, yi, fmt(w), ha="center", va="center", fontsize=fontsize, color=text_on(color),
                        in_layout=False)  # inside its segment: see heatmap
        left = left + widths
    return left if left is not None else np.zeros(0)



def share_bars(ax, labels: Sequence[str], segments: Iterable[tuple[str, np.ndarray, str]], *,
               max_legend_cols: int, skip_empty: bool = False) -> None:
    """The 100 % stacked share bars of the theme and instrument charts, one row per label: segments
    as :func:`stacked_barh` (values of at least 6 % labelled), rows top to bottom, a percent x axis
    reaching at least 100 %, row labels sized to the row pitch, no left spine, the legend above (one
    column per drawn segment, at most max_legend_cols)."""
    from matplotlib.ticker import PercentFormatter

    pitch = row_pitch_pt(len(labels))
    text_size = SMALL_SIZE if pitch >= 20 else max(MIN_TEXT_SIZE, 0.6 * pitch)
    left = stacked_barh(ax, segments, fmt=pct, label_from=0.06, fontsize=text_size, skip_empty=skip_empty)
    ax.set_yticks(np.arange(len(labels)), labels=list(labels))
    bar_rows(ax, len(labels))
    ax.set_xlim(0, max(1.0, float(left.max()) if len(left) else 1.0))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.tick_params(axis="y", length=0, labelsize=min(LABEL_SIZE, max(MIN_TEXT_SIZE, 0.72 * pitch)))
    ax.spines["left"].set_visible(False)
    legend_above(ax, min(len(ax.get_legend_handles_labels()[1]), max_legend_cols))

def legend_above(ax, ncol: int) -> None:
    """The legend in one line above the plot, left-aligned with it (square handles)."""
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncol=ncol, handlelength=1.0, handleheight=1.0,
              columnspacing=1.2, borderaxespad=0.2)


def pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def value_column(df: pd.DataFrame, value: str | None, candidates: Sequence[str], what: str) -> str:
    if value is not None:
        require(df, [value], what)
        return value
    for c in candidates:
        if c in df.columns:
            return c
    raise ParameterError(f"{what}: the DataFrame needs one of the columns {list(candidates)}; it has {list(df.columns)}")


NON_GROUP = {"theme", "share", "n_items", "share_items", "share_chars", "delta", "doc_type_count"}


def group_labels(df: pd.DataFrame, group_cols: Sequence[str]) -> pd.Series:
    if not group_cols:
        return pd.Series(["全部"] * len(df), index=df.index)
    parts = [df[c].astype(str) for c in group_cols]
    label = parts[0]
    for p in parts[1:]:
        label = label + " " + p
    return label


def row_pitch_pt(n_rows: int, height_in: float = PLOT_HEIGHT_IN) -> float:
    """Vertical space per row, in points, when n_rows share the plotting band of a slide."""
    return height_in * 72.0 / max(n_rows, 1)


def heatmap(ax, values: np.ndarray, *, row_labels, col_labels, col_colors=None, fmt: Callable[[float], str],
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
    pitch = row_pitch_pt(n_rows)
    label_size = min(LABEL_SIZE, max(MIN_TEXT_SIZE, 0.72 * pitch))
    ax.set_xticks(range(n_cols), labels=col_labels)
    ax.set_yticks(range(n_rows), labels=row_labels)
    ax.tick_params(axis="x", top=True, bottom=False, labeltop=True, labelbottom=False, length=0, pad=8,
                   labelsize=min(LABEL_SIZE, max(MIN_TEXT_SIZE, 0.72 * row_pitch_pt(n_cols, PLOT_WIDTH_IN))))
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
            label.set_color(text_on(color))
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
            # inside its cell, so inside the axes: the layout need not measure it (it measures every
            # text of the axes twice, then the draw a third time)
            ax.text(j, i, fmt(v), ha="center", va="center", fontsize=size, color=text_on(rgba[:3]), in_layout=False)
    return image


def drawn_data(fig, default: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """The tidy data a chart actually drew (after any top-N or latest-year reduction for readability),
    as recorded by the chart function (``ChartInfo.data``); `default` when the chart drew its input as
    given. `fig`: the chart's figure, or the axes it was drawn into (``ax=``).
    :func:`compare.pipeline.figures.write_figures` writes it as the chart's CSV."""
    info = chart_info(fig)
    return info.data if info is not None and info.data is not None else default


def drew(fig: Figure, data: pd.DataFrame, ax=None) -> Figure:
    """Record the data drawn in the chart's ChartInfo (its figure's, or that of the analyst's axes
    `ax` it was drawn into)."""
    data = data.reset_index(drop=True)
    for obj in (fig, ax):
        info = chart_info(obj)
        if info is not None:
            info.data = data
    return fig


def latest_per_province(df: pd.DataFrame, *, province: str = "province", year: str = "year") -> pd.DataFrame:
    """The rows of each province's latest year (every row of that year), in the frame's order."""
    if df.empty:
        return df
    last = df.groupby(province, sort=False)[year].transform("max")
    return df[df[year] == last]


def fit_rows(df: pd.DataFrame, groups: Sequence[str], max_rows: int) -> tuple[pd.DataFrame, str]:
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


def spread(values: Sequence[float], min_gap: float, lower: float | None = None) -> list[float]:
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


def grid_shape(n: int) -> tuple[int, int]:
    if n <= 4:
        return 1, n
    cols = 4 if n <= 8 else 5
    return math.ceil(n / cols), cols


def fit_words(words: Sequence[str], width: float, sep: str = "、") -> list[str]:
    """The leading words that fit on one line of `width` em when joined with sep (at least one)."""
    out: list[str] = []
    used = 0.0
    for w in words:
        extra = text_width(w) + (text_width(sep) if out else 0.0)
        if out and used + extra > width:
            break
        out.append(w)
        used += extra
    return out
