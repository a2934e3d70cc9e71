"""Target and department charts: quantitative targets per plan (counted, never summed across units)
and responsible departments by theme."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from compare.core.errors import ParameterError
from compare.core.vocab import DEFAULT_TOP_N
from compare.presentation.layout import (
    bar_rows, drew, heatmap, legend_above, require,
    row_pitch_pt, stacked_barh, wrap,
)
from compare.presentation.style import (
    INK, LABEL_SIZE, MAX_ROWS,
    MIN_TEXT_SIZE, SMALL_SIZE, canvas, colors_for, empty, styled, theme_order,
)


@styled
def targets_chart(
    targets: pd.DataFrame,
    *,
    plans: Iterable[tuple[str, int]] | None = None,
    themes: Sequence[str] | None = None,
    title: str = "量化目标",
    subtitle: str | None = None,
    note: str | None = None,
    max_rows: int = MAX_ROWS,
    colors: Mapping[str, str] | None = None,
    scope: str | None = None,
    ax=None,
) -> Figure:
    """Number of quantitative targets (e.g. 不少于200场) per plan, stacked by theme
    (``analysis.targets_by_theme``: theme, province, year, unit, n_targets, total_value). Values with
    different units are not added up; the chart counts targets, the CSV keeps the totals per unit.
    `plans` ((province, year) pairs, e.g. from the documents table) adds a row, "共 0 条", for plans
    without any quantitative target, so that their absence is visible. More than max_rows plans: each
    province's latest plan year only (said in the subtitle; :func:`drawn_data` gives the rows drawn)."""
    what = "targets_chart"
    require(targets, ["theme", "province", "year", "n_targets"], what)
    subtitle = subtitle or "各份工作要点中带具体数字的目标条数，按主题分色"
    if targets.empty or float(targets["n_targets"].sum()) == 0:
        return empty(title, subtitle, "所选文件中没有带具体数字的目标", ax=ax, note=note, scope=scope)
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
    cols = theme_order(df["theme"], themes, colors)
    colors = colors_for(cols, colors)
    grid = df.pivot_table(index="_row", columns="theme", values="n_targets", aggfunc="sum", sort=False)
    grid = grid.reindex(index=rows, columns=cols).fillna(0)
    fig, ax = canvas(ax, title, subtitle, note=note, scope=scope)
    y = np.arange(len(rows))
    pitch = row_pitch_pt(len(rows))
    label_size = min(LABEL_SIZE, max(MIN_TEXT_SIZE, 0.72 * pitch))
    text_size = SMALL_SIZE if pitch >= 20 else max(MIN_TEXT_SIZE, 0.6 * pitch)
    left = stacked_barh(ax, ((t, grid[t].to_numpy(), colors[t]) for t in cols), fmt=lambda v: f"{int(v)}",
                        label_from=0.04 * max(float(grid.sum(axis=1).max()), 1.0), fontsize=text_size,
                        skip_empty=True)
    for yi, total in enumerate(left):
        ax.text(total + left.max() * 0.01, yi, f"  共 {int(total)} 条", va="center", ha="left",
                fontsize=label_size, color=INK)
    ax.set_yticks(y, labels=rows)
    bar_rows(ax, len(rows))
    ax.set_xlim(0, max(left.max(), 1) * 1.15)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    ax.set_xlabel("目标条数")
    ax.tick_params(axis="y", length=0, labelsize=label_size)
    ax.spines["left"].set_visible(False)
    ax.grid(axis="x")
    legend_above(ax, min(len(cols), 9))
    return drew(fig, df.drop(columns="_row"), ax)


@styled
def departments_themes(
    depts: pd.DataFrame,
    *,
    top_n: int = DEFAULT_TOP_N,
    themes: Sequence[str] | None = None,
    title: str = "责任部门与主题",
    subtitle: str | None = None,
    note: str | None = None,
    colors: Mapping[str, str] | None = None,
    scope: str | None = None,
    ax=None,
) -> Figure:
    """Heatmap of responsible departments × themes (``analysis.departments_by_theme``: department,
    theme, n_items): the `top_n` departments with most items, cells give item counts."""
    what = "departments_themes"
    require(depts, ["department", "theme", "n_items"], what)
    if top_n < 1:
        raise ParameterError(f"{what}: top_n must be at least 1, not {top_n}")
    subtitle = subtitle or f"各部门负责的工作条目数（按主题；条目最多的 {top_n} 个部门）"
    if depts.empty or float(depts["n_items"].sum()) == 0:
        return empty(title, subtitle, "文件中没有标注责任部门（“责任部门：…”）", ax=ax, note=note, scope=scope)
    cols = theme_order(depts["theme"], themes, colors)
    grid = depts.pivot_table(index="department", columns="theme", values="n_items", aggfunc="sum").reindex(
        columns=cols).fillna(0)
    totals = grid.sum(axis=1)
    order = sorted(grid.index, key=lambda d: (-totals[d], str(d)))[:top_n]
    grid = grid.loc[order]
    colors = colors_for(cols, colors)
    fig, ax = canvas(ax, title, subtitle, note=note, scope=scope)
    heatmap(ax, grid.to_numpy(dtype=float), row_labels=[wrap(d, 14, 1) for d in order], col_labels=cols,
             col_colors=[colors[c] for c in cols], fmt=lambda v: f"{int(v)}", blank_zero=True)
    return fig
