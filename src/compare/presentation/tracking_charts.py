"""Charts of plans across years: continuity (延续 / 新增 / 不再提及), target series, commitment strength.

Every function takes the tidy frame of one `compare.analysis` function, returns a slide-sized
matplotlib Figure (or draws into the analyst's `ax=`), draws inside the briefing style
(`matplotlib.rc_context`, the project's CJK font), uses one colour per theme, and records the data
drawn (:func:`compare.presentation.layout.drawn_data`); :func:`save_chart` writes the figure and that
data as a CSV beside it.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from compare.core.io import csv_bytes
from compare.presentation.layout import (
    bar_rows,
    drawn_data,
    drew,
    heatmap,
    legend_above,
    require,
    stacked_barh,
    wrap,
)
from compare.presentation.style import (
    BAR_NEUTRAL,
    INK,
    MAX_PANELS,
    SMALL_SIZE,
    canvas,
    colors_for,
    empty,
    save_figure,
    slide,
    styled,
    theme_order,
    write_if_changed,
)

__all__ = [
    "CHANGES",
    "STRENGTH_COLORS",
    "continuity_chart",
    "save_chart",
    "strength_heatmap",
    "strength_profile_chart",
    "target_series_chart",
]

CHANGES = ("延续", "新增", "不再提及")
STRENGTH_LABELS = {"strong": "坚定（确保、大力…）", "moderate": "一般（持续、进一步…）",
                   "tentative": "试探（探索、试点…）", "none": "无承诺词"}
# a sequential blue for strong -> moderate, orange for tentative, grey for none (colour-blind safe)
STRENGTH_COLORS = {"strong": "#1f3a5f", "moderate": "#7fa7d1", "tentative": "#e69f00", "none": "#d9dee4"}


def _pair_label(row) -> str:
    return f"{row['province']} {int(row['year_from'])}→{int(row['year_to'])}"


@styled
def continuity_chart(
    summary: pd.DataFrame,
    *,
    themes: Sequence[str] | None = None,
    title: str = "延续、新增与不再提及的任务",
    subtitle: str | None = None,
    note: str | None = None,
    colors: Mapping[str, str] | None = None,
    scope: str | None = None,
    ax=None,
) -> Figure:
    """Items that continue (延续), are new (新增) or are no longer mentioned (不再提及) between two plans,
    stacked by theme (``analysis.tracking.continuity_summary(links, item_themes)``: province,
    year_from, year_to, theme, change, n_items). Several plan pairs give one row per pair and change.
    Without themes (theme "全部") the bars are one neutral colour."""
    require(summary, ["province", "year_from", "year_to", "theme", "change", "n_items"], "continuity_chart")
    subtitle = subtitle or "后一份计划的条目：延续上一份的任务或新增；上一份计划中不再提及的条目"
    if summary.empty:
        return empty(title, subtitle, "没有可以比较的相邻两年计划（同一省份、同一类型）", ax=ax, note=note, scope=scope)
    df = summary.copy()
    df["_pair"] = df.apply(_pair_label, axis=1)
    pairs = list(dict.fromkeys(df.sort_values(["province", "year_to", "year_from"])["_pair"]))
    rows = [(p, c) for p in pairs for c in CHANGES]
    labels = [f"{p} · {c}" if len(pairs) > 1 else c for p, c in rows]
    if len(pairs) == 1:
        subtitle = f"{pairs[0]}：{subtitle}"
    themed = not set(df["theme"]) <= {"全部"}
    cols = theme_order(df["theme"], themes, colors) if themed else ["全部"]
    palette = colors_for(cols, colors) if themed else {"全部": BAR_NEUTRAL}
    grid = df.pivot_table(index=["_pair", "change"], columns="theme", values="n_items", aggfunc="sum")
    grid = grid.reindex(index=pd.MultiIndex.from_tuples(rows), columns=cols).fillna(0)
    fig, ax = canvas(ax, title, subtitle, note=note, scope=scope)
    y = np.arange(len(rows))
    left = stacked_barh(ax, ((t, grid[t].to_numpy(), palette[t]) for t in cols), fmt=lambda v: f"{int(v)}",
                        label_from=max(1.0, 0.05 * max(float(grid.sum(axis=1).max()), 1.0)), fontsize=SMALL_SIZE,
                        skip_empty=True)
    for yi, total in enumerate(left):
        ax.text(total + max(left.max(), 1) * 0.01, yi, f"  {int(total)} 条", va="center", ha="left", color=INK)
    ax.set_yticks(y, labels=labels)
    ax.invert_yaxis()
    bar_rows(ax, len(rows))
    ax.set_xlim(0, max(left.max(), 1) * 1.15)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    ax.set_xlabel("条目数")
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.grid(axis="x")
    if themed:
        legend_above(ax, min(len(cols), 9))
    return drew(fig, df.drop(columns="_pair"), ax)


def _fmt_value(v: float) -> str:
    if v >= 10000 and v % 10000 == 0:
        return f"{v / 10000:g}万"
    return f"{v:g}"


@styled
def target_series_chart(
    series: pd.DataFrame,
    *,
    max_panels: int = MAX_PANELS,
    title: str = "量化目标的延续",
    subtitle: str | None = None,
    note: str | None = None,
    scope: str | None = None,
) -> Figure:
    """One small panel per target series (``analysis.series.target_series``: series, year, value,
    phrase, qualifier, province): the promised value in each plan year, labelled as written. Units
    differ between series, so each panel has its own scale. More than `max_panels` series: the
    longest series first (said in the subtitle; the CSV holds the panels drawn)."""
    require(series, ["province", "series", "year", "value", "phrase"], "target_series_chart")
    subtitle = subtitle or "同一省份相邻计划中对象和单位相同的目标：各年承诺的数量"
    if series.empty:
        return empty(title, subtitle, "没有在两份以上计划中重复出现的量化目标", note=note, scope=scope)
    df = series.copy()
    df["_key"] = df["province"] + " · " + df["series"]
    sizes = df.groupby("_key")["year"].nunique()
    keys = sorted(sizes.index, key=lambda k: (-sizes[k], k))
    if len(keys) > max_panels:
        subtitle += f"；只显示年份最多的 {max_panels} 个（共 {len(keys)} 个）"
        keys = keys[:max_panels]
        df = df[df["_key"].isin(keys)]
    n = len(keys)
    ncols = min(n, 4)
    nrows = int(np.ceil(n / ncols))
    fig = slide(title, subtitle, note=note, scope=scope)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for k, ax in zip(keys, axes.flat):
        s = df[df["_key"] == k].sort_values("year")
        years = s["year"].astype(int).to_numpy()
        values = s["value"].to_numpy(dtype=float)
        x = np.arange(len(years))
        ax.bar(x, values, width=0.55, color=BAR_NEUTRAL)
        for xi, v, ph in zip(x, values, s["phrase"]):
            ax.text(xi, v, ph, ha="center", va="bottom", fontsize=SMALL_SIZE, color=INK)
        ax.set_xticks(x, labels=[str(y) for y in years])
        ax.set_ylim(0, max(values.max(), 1) * 1.3)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.set_title(wrap(k, 16), loc="left", fontsize=SMALL_SIZE + 1, color=INK)
        ax.grid(axis="y")
    for ax in list(axes.flat)[n:]:
        ax.set_axis_off()
    return drew(fig, df.drop(columns="_key"))


@styled
def strength_profile_chart(
    profile: pd.DataFrame,
    *,
    by: str = "theme",
    title: str = "任务表述的承诺强度",
    subtitle: str | None = None,
    note: str | None = None,
    colors: Mapping[str, str] | None = None,
    scope: str | None = None,
    ax=None,
) -> Figure:
    """Share of items whose wording is strong / moderate / tentative / without commitment words, one
    bar per group (``analysis.strength.strength_profile(..., by=by)``: `by`, n_items, share_strong,
    share_moderate, share_tentative, share_none, mean_score). Grouped by theme, the row labels are
    set in the theme's colour; other groupings (province, year) are labelled in ink."""
    share_cols = ["share_strong", "share_moderate", "share_tentative", "share_none"]
    require(profile, [by, "n_items", *share_cols], "strength_profile_chart")
    subtitle = subtitle or "每组条目中用语坚定、一般、试探的比例（依据承诺词表 commitment.toml）"
    if profile.empty:
        return empty(title, subtitle, "没有可评分的条目", ax=ax, note=note, scope=scope)
    df = profile.copy()
    groups = list(dict.fromkeys(df[by].astype(str)))
    if by == "theme":
        groups = theme_order(groups, None, colors)
        df = df.set_index(df[by].astype(str)).loc[groups].reset_index(drop=True)
    fig, ax = canvas(ax, title, subtitle, note=note, scope=scope)
    y = np.arange(len(df))
    stacked_barh(ax, ((STRENGTH_LABELS[lv], df[f"share_{lv}"].to_numpy(), STRENGTH_COLORS[lv])
                      for lv in ("strong", "moderate", "tentative", "none")),
                 fmt=lambda v: f"{v:.0%}", label_from=0.06, fontsize=SMALL_SIZE)
    labels = [f"{g}（{int(n)} 条）" for g, n in zip(df[by].astype(str), df["n_items"])]
    ax.set_yticks(y, labels=labels)
    if by == "theme":
        palette = colors_for(groups, colors)
        for label, g in zip(ax.get_yticklabels(), df[by].astype(str)):
            label.set_color(palette.get(g, INK))
    ax.invert_yaxis()
    bar_rows(ax, len(df))
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    legend_above(ax, 4)
    return drew(fig, df, ax)


@styled
def strength_heatmap(
    profile: pd.DataFrame,
    *,
    rows: str = "province",
    themes: Sequence[str] | None = None,
    title: str = "各省各主题的承诺强度",
    subtitle: str | None = None,
    note: str | None = None,
    colors: Mapping[str, str] | None = None,
    scope: str | None = None,
    ax=None,
) -> Figure:
    """Mean commitment score (0 tentative - 1 strong) of each `rows` group (province, year) and theme
    (``analysis.strength.strength_profile(..., by=(rows, "theme"))``), theme headers in their colour;
    empty cells where a group has no item of the theme."""
    require(profile, [rows, "theme", "mean_score", "n_items"], "strength_heatmap")
    subtitle = subtitle or "条目承诺强度均值：1 = 全部用语坚定（确保、大力），0 = 全部试探（探索、试点）"
    if profile.empty:
        return empty(title, subtitle, "没有可评分的条目", ax=ax, note=note, scope=scope)
    cols = theme_order(profile["theme"], themes, colors)
    palette = colors_for(cols, colors)
    grid = profile.pivot_table(index=rows, columns="theme", values="mean_score", aggfunc="mean")
    grid = grid.reindex(columns=cols).sort_index()
    fig, ax = canvas(ax, title, subtitle, note=note, scope=scope)
    heatmap(ax, grid.to_numpy(dtype=float), row_labels=[str(r) for r in grid.index], col_labels=cols,
            col_colors=[palette[c] for c in cols], fmt=lambda v: f"{v:.2f}", vmin=0.0, vmax=1.0,
            colorbar_label="承诺强度均值")
    return drew(fig, profile, ax)


def save_chart(fig: Figure, path: str | Path, *, dpi: int = 300, data: pd.DataFrame | None = None) -> list[Path]:
    """Save a chart (format from the suffix) and the data it drew as `<stem>.csv` beside it
    (UTF-8 with BOM), both deterministic and atomic. Returns the paths written."""
    path = Path(path)
    save_figure(fig, path, dpi=dpi)
    frame = drawn_data(fig, data)
    out = [path]
    if frame is not None:
        csv = path.with_suffix(".csv")
        write_if_changed(csv, csv_bytes(frame, float_format="%.6g"))
        out.append(csv)
    return out


