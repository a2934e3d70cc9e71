"""Theme charts: theme shares as a heatmap and as stacked bars, and one province's change over time.

Each function takes a tidy frame from :mod:`compare.analysis`, returns a matplotlib Figure (a 16:9
slide, or the analyst's own axes with ``ax=``) and leaves matplotlib's global state alone."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from compare.presentation.layout import (
    NON_GROUP, drew, fit_rows, group_labels, heatmap, pct, require,
    share_bars, spread, value_column, wrap_words,
)
from compare.presentation.style import (
    GRID, INK, LABEL_SIZE, MUTED, MAX_ROWS,
    MAX_TERM_PAIRS, SMALL_SIZE, SUBTITLE_SIZE,
    canvas, colors_for, empty, slide, styled, theme_order,
)


#: label of a heatmap row without a plan of the compared type, and of one whose plan gave no items
NO_PLAN_LABEL = "缺失：该年没有此类文件"
NO_ITEMS_LABEL = "缺失：该文件未识别出条目（截断的副本？）"


@styled
def theme_heatmap(
    matrix: pd.DataFrame,
    *,
    value: str | None = None,
    themes: Sequence[str] | None = None,
    title: str = "各省科协工作要点的主题结构",
    subtitle: str | None = None,
    note: str | None = None,
    max_rows: int = MAX_ROWS,
    colors: Mapping[str, str] | None = None,
    scope: str | None = None,
    no_items: Sequence | None = None,
    ax=None,
) -> Figure:
    """Heatmap of theme shares: one row per group (province × year, from
    ``analysis.theme_share_matrix(corpus, by=("province", "year"))``), one column per theme.

    matrix: tidy frame with the group columns, `theme` and a share column (`share`, or `share_items`
    from theme_shares). Cells show percentages; column headers carry the theme colours.

    More than max_rows groups do not fit a slide: with province and year columns, each province's
    latest year is drawn (31 provinces × 10 years become 31 rows), else the first max_rows groups;
    the subtitle says so and :func:`drawn_data` gives the rows drawn.

    A row without values is labelled missing ("缺失：该年没有此类文件"), or, when its group is in
    no_items (group values, e.g. ``[("全国", 2022)]``: a plan of the type whose text gave no items),
    "缺失：该文件未识别出条目（截断的副本？）"."""
    what = "theme_heatmap"
    require(matrix, ["theme"], what)
    value = value_column(matrix, value, ("share", "share_items", "share_chars"), what)
    subtitle = subtitle or "各主题条目占该份工作要点条目的比例，颜色越深占比越高"
    if matrix.empty:
        return empty(title, subtitle, "没有可用的主题数据（请先运行 python -m compare themes）", ax=ax, note=note, scope=scope)
    groups = [c for c in matrix.columns if c not in NON_GROUP and c != value]
    df = matrix.copy()
    df["_row"] = group_labels(df, groups)
    df, reduced = fit_rows(df, groups, max_rows)
    subtitle += reduced
    rows = list(dict.fromkeys(df["_row"]))
    cols = theme_order(df["theme"], themes, colors)
    # rows without any value (a province-year that has no plan of the type compared) stay empty: missing
    grid = df.dropna(subset=[value]).pivot_table(index="_row", columns="theme", values=value, aggfunc="sum",
                                                 sort=False)
    grid = grid.reindex(index=rows, columns=cols)
    colors = colors_for(cols, colors)
    fig, ax = canvas(ax, title, subtitle, note=note, scope=scope)
    values = grid.to_numpy(dtype=float)
    heatmap(ax, values, row_labels=rows, col_labels=cols, col_colors=[colors[c] for c in cols],
            fmt=pct, vmax=max(float(np.nanmax(values)) if np.isfinite(values).any() else 0.0, 0.01),
            colorbar_label="占比")
    unparsed = {" ".join(map(str, g if isinstance(g, (tuple, list)) else (g,))) for g in no_items or ()}
    for i in np.flatnonzero(np.isnan(values).all(axis=1)) if len(cols) else []:
        label = NO_ITEMS_LABEL if rows[i] in unparsed else NO_PLAN_LABEL
        ax.text((len(cols) - 1) / 2, i, label, ha="center", va="center", color=MUTED, fontsize=SMALL_SIZE)
    return drew(fig, df.drop(columns="_row"), ax)


@styled
def theme_shares_bar(
    matrix: pd.DataFrame,
    *,
    value: str | None = None,
    themes: Sequence[str] | None = None,
    title: str = "各省工作要点的主题构成",
    subtitle: str | None = None,
    note: str | None = None,
    max_rows: int = MAX_ROWS,
    colors: Mapping[str, str] | None = None,
    scope: str | None = None,
    ax=None,
) -> Figure:
    """100 % stacked horizontal bars: one bar per group (typically province, from
    ``analysis.theme_share_matrix(corpus, by=("province",))``), one segment per theme in its colour.
    More than max_rows bars are reduced as in :func:`theme_heatmap` (said in the subtitle)."""
    what = "theme_shares_bar"
    require(matrix, ["theme"], what)
    value = value_column(matrix, value, ("share", "share_items", "share_chars"), what)
    if matrix.empty:
        return empty(title, subtitle or "各主题条目占比", "没有可用的主题数据（请先运行 python -m compare themes）", ax=ax, note=note, scope=scope)
    groups = [c for c in matrix.columns if c not in NON_GROUP and c != value]
    df = matrix.copy()
    df["_row"] = group_labels(df, groups)
    df, reduced = fit_rows(df, groups, max_rows)
    rows = list(dict.fromkeys(df["_row"]))
    cols = theme_order(df["theme"], themes, colors)
    grid = df.pivot_table(index="_row", columns="theme", values=value, aggfunc="sum", sort=False)
    grid = grid.reindex(index=rows, columns=cols).fillna(0.0)
    complete = set(df["theme"].astype(str)) <= set(cols)  # every theme of the data is drawn
    subtitle = (subtitle or ("各主题条目占比（每条横条合计 100%）" if complete
                             else f"所选主题（{'、'.join(cols)}）的条目占比；其余主题未显示")) + reduced
    colors = colors_for(cols, colors)
    fig, ax = canvas(ax, title, subtitle, note=note, scope=scope)
    share_bars(ax, rows, ((t, grid[t].to_numpy(), colors[t]) for t in cols), max_legend_cols=9)
    return drew(fig, df.drop(columns="_row"), ax)


@styled
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
    colors: Mapping[str, str] | None = None,
    scope: str | None = None,
    ax=None,
) -> Figure:
    """How one province's theme profile changed across its plan years (``analysis.theme_changes``:
    year, theme, share_items, delta): one line per theme in its colour, labelled at its last point.
    With `terms` (``analysis.term_changes``: from_year, to_year, change, term, freq) a side panel lists
    the terms that appeared / disappeared between consecutive years (not when drawn into `ax`).
    Compare years of one document type (``analysis.main_doc_type``): the scope says which."""
    what = "change_over_time"
    require(changes, ["year", "theme"], what)
    value = value_column(changes, value, ("share_items", "share"), what)
    if province is None and "province" in changes.columns and changes["province"].nunique() == 1:
        province = str(changes["province"].iloc[0])
    who = province or ""
    title = title or f"{who}科协工作重点的变化".strip()
    years = sorted(int(y) for y in changes["year"].unique()) if not changes.empty else []
    span = f"{years[0]}—{years[-1]}年" if len(years) > 1 else (f"{years[0]}年" if years else "")
    subtitle = subtitle or f"{who}各年度工作要点中各主题条目占比（{span}）".replace("（）", "")
    if changes.empty:
        return empty(title, subtitle, f"{who}没有可比较的年度数据", ax=ax, note=note, scope=scope)
    cols = theme_order(changes["theme"], themes, colors)
    colors = colors_for(cols, colors)
    grid = changes.pivot_table(index="year", columns="theme", values=value, aggfunc="sum").reindex(
        index=years, columns=cols).fillna(0.0)

    has_terms = terms is not None and not terms.empty
    if terms is not None:
        require(terms, ["from_year", "to_year", "change", "term"], what + " (terms)")
    note = "；".join(n for n in (note, None if len(years) > 1 else "只有一个年份，无法显示变化") if n)
    fig, ax, tax = _lines_and_terms_axes(ax, title, subtitle, note=note, scope=scope, has_terms=has_terms)
    _labelled_lines(ax, grid, years, cols, colors, room=0.28 if tax is not None else 0.2)
    if tax is not None:
        _terms_panel(tax, terms, top_terms=top_terms)
    return fig


def _lines_and_terms_axes(ax, title, subtitle, *, note, scope, has_terms: bool):
    """(figure, lines axes, terms axes or None): the analyst's axes hold the lines only (the terms
    panel needs a slide of its own); a slide gets the terms panel beside the lines when there are terms."""
    if ax is not None:
        fig, ax = canvas(ax, title, subtitle, note=note, scope=scope)
        return fig, ax, None
    fig = slide(title, subtitle, note=note, scope=scope)
    if not has_terms:
        return fig, fig.add_subplot(), None
    gs = fig.add_gridspec(1, 2, width_ratios=[1.55, 1])
    return fig, fig.add_subplot(gs[0, 0]), fig.add_subplot(gs[0, 1])


def _labelled_lines(ax, grid: pd.DataFrame, years: list[int], cols: Sequence[str], colors: Mapping[str, str], *,
                    room: float) -> None:
    """One line per theme (grid: years × themes), labelled at its last point instead of a legend;
    room: the share of the x span kept right of the last year for the labels."""
    x = np.asarray(years, dtype=float)
    for theme in cols:
        yv = grid[theme].to_numpy(dtype=float)
        ax.plot(x, yv, color=colors[theme], linewidth=3, marker="o", markersize=8, solid_capstyle="round")
    # direct labels at the last year instead of a legend
    last = grid.iloc[-1].to_numpy(dtype=float)
    ymax = max(float(grid.to_numpy().max()), 0.05)
    label_y = spread(list(last), min_gap=ymax * 0.075, lower=0.0)
    x_end = x[-1]
    width = (x[-1] - x[0]) if len(x) > 1 else 4.0
    x_pad = width * 0.04
    for theme, yl, yv in zip(cols, label_y, last):
        ax.annotate(f"{theme} {pct(yv)}", xy=(x_end, yv), xytext=(x_end + x_pad, yl), textcoords="data",
                    va="center", ha="left", fontsize=LABEL_SIZE, color=colors[theme],
                    arrowprops={"arrowstyle": "-", "color": GRID, "lw": 0.8} if abs(yl - yv) > ymax * 0.02 else None)
    ax.set_xlim(x[0] - width * (0.05 if len(x) > 1 else 0.5), x_end + width * room)
    ax.set_xticks(x, labels=[str(y) for y in years])
    ax.set_ylim(0, ymax * 1.12)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.yaxis.set_major_locator(MaxNLocator(5))
    ax.grid(axis="y")
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)


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
            wrapped = wrap_words(words, 20, max_lines=2) if words else "（无）"
            ax.text(0, y, label, fontsize=SMALL_SIZE + 1, color=color, transform=ax.transAxes, va="top")
            ax.text(0.27, y, wrapped, fontsize=SMALL_SIZE + 1, color=INK, transform=ax.transAxes, va="top",
                    linespacing=1.35)
            y -= line_h * (1 + 0.75 * wrapped.count("\n"))
        y -= line_h * 0.4

