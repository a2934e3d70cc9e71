"""Policy-instrument charts: the instrument structure of each plan (stacked bars), instruments × themes
(the X × Y heatmap of policy-instrument studies) and one province's instruments over its plan years.

Each function takes a tidy frame from :mod:`compare.analysis.instruments`, returns a matplotlib Figure
(a 16:9 slide, or the analyst's own axes with ``ax=``) and leaves matplotlib's global state alone.
Types keep the colour the codebook gives them (``data/instruments.toml``); each tool is a lighter
shade of its type's colour, so a chart of tools still reads as three families.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from compare.core.errors import ParameterError
from compare.presentation.layout import (
    drew, fit_rows, group_labels, heatmap, pct, require, share_bars,
    value_column,
)
from compare.presentation.style import (
    FALLBACK_THEME_PALETTE, MAX_ROWS, SMALL_SIZE, canvas, colors_for, empty, styled,
    text_on, theme_order,
)

#: columns of the instrument frames that are values or instruments, never groups
INSTRUMENT_VALUES = {"type", "tool", "theme", "n_items", "share", "share_of_theme", "share_of_instrument", "delta"}
#: how much lighter each further tool of a type is drawn (a share of the way to white)
SHADE_STEP = 0.17
NO_CODING = "没有政策工具编码（请先运行 python -m compare build）"


def instrument_colors(frame: pd.DataFrame | None = None, *, types: Sequence[str] | None = None,
                      tools: Mapping[str, str] | None = None, codebook=None) -> dict[str, str]:
    """Hex colour per type and per tool: a type's colour from the codebook (`codebook`, default the
    project's: the one kexie.toml names, else the packaged ``data/instruments.toml``), its tools in shades of it (first tool the type's colour,
    each further one lighter). Types and tools come from `frame` (columns type, tool) or are given.

    >>> c = instrument_colors(types=["供给型"], tools={"人才培养": "供给型", "资金投入": "供给型"})
    >>> c["人才培养"] == c["供给型"] != c["资金投入"]
    True
    """
    if codebook is None:
        from compare.text.codebook import configured_codebook

        codebook = configured_codebook()
    types = list(types or [])
    tools = dict(tools or {})
    if frame is not None and "type" in frame.columns:
        types += [t for t in dict.fromkeys(frame["type"].astype(str)) if t not in types]
        if "tool" in frame.columns:
            tools.update({k: v for k, v in zip(frame["tool"].astype(str), frame["type"].astype(str))
                          if k != v and k not in tools})
    known = list(codebook.types)
    out: dict[str, str] = {}
    for i, t in enumerate(types):
        place = known.index(t) if t in known else len(known) + i
        out[t] = to_hex(codebook.colors.get(t) or FALLBACK_THEME_PALETTE[place % len(FALLBACK_THEME_PALETTE)])
    rank: dict[str, int] = {}
    for tool, t in tools.items():
        base = np.array(to_rgb(out.setdefault(t, FALLBACK_THEME_PALETTE[len(out) % len(FALLBACK_THEME_PALETTE)])))
        k = rank.get(t, 0)
        rank[t] = k + 1
        out[tool] = to_hex(base + (1.0 - base) * min(SHADE_STEP * k, 0.75))
    return out


def _instrument_key(df: pd.DataFrame) -> str:
    """The column whose values are drawn as segments: tool when the frame has tools, else type."""
    return "tool" if "tool" in df.columns and (df["tool"].astype(str) != df["type"].astype(str)).any() else "type"


def _group_columns(df: pd.DataFrame, value: str) -> list[str]:
    return [c for c in df.columns if c not in INSTRUMENT_VALUES and c != value]


@styled
def instrument_structure_bar(
    shares: pd.DataFrame,
    *,
    value: str | None = None,
    title: str = "各省科协工作计划的政策工具结构",
    subtitle: str | None = None,
    note: str | None = None,
    max_rows: int = MAX_ROWS,
    colors: Mapping[str, str] | None = None,
    scope: str | None = None,
    ax=None,
) -> Figure:
    """100 % stacked horizontal bars of policy instruments: one bar per group (province, or province
    and year, from ``analysis.instrument_shares``), one segment per type (供给型 / 环境型 / 需求型) or,
    when the frame has a `tool` column, per tool in shades of its type. Each bar's label gives the
    number of coded items it stands for. More than max_rows bars: each province's latest year
    (said in the subtitle; :func:`drawn_data` gives the rows drawn)."""
    what = "instrument_structure_bar"
    require(shares, ["type"], what)
    value = value_column(shares, value, ("share",), what)
    key = _instrument_key(shares)
    subtitle = subtitle or ("各政策工具条目占比（每条横条合计 100%，颜色深浅区分同一类型的工具）" if key == "tool"
                            else "供给型、环境型、需求型政策工具条目占比（每条横条合计 100%）")
    if shares.empty or ("n_items" in shares.columns and int(shares["n_items"].sum()) == 0):
        return empty(title, subtitle, NO_CODING, ax=ax, note=note, scope=scope)
    groups = _group_columns(shares, value)
    df = shares.copy()
    df["_row"] = group_labels(df, groups)
    df, reduced = fit_rows(df, groups, max_rows)
    rows = list(dict.fromkeys(df["_row"]))
    cols = list(dict.fromkeys(df[key].astype(str)))
    grid = df.pivot_table(index="_row", columns=key, values=value, aggfunc="sum", sort=False)
    grid = grid.reindex(index=rows, columns=cols).fillna(0.0)
    palette = {**instrument_colors(df), **(colors or {})}
    labels = rows
    if "n_items" in df.columns:
        n = df.groupby("_row", sort=False)["n_items"].sum()
        labels = [f"{r}（{int(n[r])} 条）" for r in rows]
    fig, ax = canvas(ax, title, subtitle + reduced, note=note, scope=scope)
    share_bars(ax, labels, ((c, grid[c].to_numpy(), palette[c]) for c in cols), max_legend_cols=7,
               skip_empty=key == "tool")
    return drew(fig, df.drop(columns="_row"), ax)


@styled
def instrument_theme_heatmap(
    matrix: pd.DataFrame,
    *,
    value: str | None = None,
    themes: Sequence[str] | None = None,
    title: str = "政策工具 × 主题",
    subtitle: str | None = None,
    note: str | None = None,
    colors: Mapping[str, str] | None = None,
    scope: str | None = None,
    ax=None,
) -> Figure:
    """The X × Y heatmap of policy-instrument studies (``analysis.instrument_theme_matrix``): one row per
    instrument (type, or tool labelled with its type), one column per theme; cells give the share
    of all coded items (value="share", the default), of the theme's items ("share_of_theme") or of
    the instrument's ("share_of_instrument"), or the count ("n_items"). Theme headers carry the
    theme colours (`colors`), row labels the colours of their type. One group at a time: a matrix
    with group columns (e.g. province) must hold one group's rows."""
    what = "instrument_theme_heatmap"
    require(matrix, ["type", "theme"], what)
    value = value_column(matrix, value, ("share", "n_items"), what)
    groups = _group_columns(matrix, value)
    several = [g for g in groups if matrix[g].nunique() > 1]
    if several:
        raise ParameterError(f"{what}: the matrix holds several groups ({', '.join(several)}); "
                             "draw one group's rows at a time")
    explain = {"share": "单元格为占全部已编码条目的比例", "share_of_theme": "单元格为占该主题条目的比例（每列合计 100%）",
               "share_of_instrument": "单元格为占该政策工具条目的比例（每行合计 100%）", "n_items": "单元格为条目数"}
    subtitle = subtitle or f"横轴：主题（政策目标）；纵轴：政策工具；{explain.get(value, value)}，颜色越深越多"
    if matrix.empty or ("n_items" in matrix.columns and int(matrix["n_items"].sum()) == 0):
        return empty(title, subtitle, NO_CODING, ax=ax, note=note, scope=scope)
    key = _instrument_key(matrix)
    df = matrix.copy()
    df["_row"] = df["tool"].astype(str) + "（" + df["type"].astype(str) + "）" if key == "tool" \
        else df["type"].astype(str)
    rows = list(dict.fromkeys(df["_row"]))
    cols = theme_order(df["theme"], themes, colors)
    grid = df.pivot_table(index="_row", columns="theme", values=value, aggfunc="sum", sort=False)
    grid = grid.reindex(index=rows, columns=cols)
    theme_colors = colors_for(cols, colors)
    fig, ax = canvas(ax, title, subtitle, note=note, scope=scope)
    values = grid.to_numpy(dtype=float)
    fmt = (lambda v: f"{v:.0f}") if value == "n_items" else pct
    heatmap(ax, values, row_labels=rows, col_labels=cols, col_colors=[theme_colors[c] for c in cols], fmt=fmt,
            blank_zero=True, colorbar_label="条目数" if value == "n_items" else "占比",
            vmax=max(float(np.nanmax(values)) if np.isfinite(values).any() else 0.0, 0.01 if value != "n_items" else 1))
    palette = instrument_colors(df)
    row_type = dict(zip(df["_row"], df["type"].astype(str)))
    for label in ax.get_yticklabels():
        color = palette.get(row_type.get(label.get_text(), ""), None)
        if color:
            label.set_bbox({"boxstyle": "round,pad=0.25", "facecolor": color, "edgecolor": "none"})
            label.set_color(text_on(color))
    return drew(fig, df.drop(columns="_row"), ax)


@styled
def instrument_change_chart(
    changes: pd.DataFrame,
    *,
    province: str | None = None,
    value: str | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    note: str | None = None,
    colors: Mapping[str, str] | None = None,
    scope: str | None = None,
    ax=None,
) -> Figure:
    """One province's policy instruments over its plan years (``analysis.instrument_changes``:
    province, year, type, tool, share): one 100 % stacked column per year, one segment per tool (in
    shades of its type's colour; per type when the frame was made with unit="type"). Each column's
    label gives the year and its number of coded items. `province` picks one of several provinces."""
    what = "instrument_change_chart"
    require(changes, ["year", "type"], what)
    value = value_column(changes, value, ("share",), what)
    df, province = _one_province(changes, province, what)
    who = province or ""
    title = title or f"{who}政策工具结构的变化".strip()
    years = sorted(int(y) for y in df["year"].unique()) if not df.empty else []
    span = f"{years[0]}—{years[-1]}年" if len(years) > 1 else (f"{years[0]}年" if years else "")
    key = _instrument_key(df) if not df.empty else "type"
    subtitle = subtitle or f"{who}各年度计划中各政策工具条目占比（{span}，每根柱合计 100%）".replace("（，", "（")
    if df.empty or ("n_items" in df.columns and int(df["n_items"].sum()) == 0):
        return empty(title, subtitle, f"{who}{NO_CODING}", ax=ax, note=note, scope=scope)
    note = "；".join(n for n in (note, None if len(years) > 1 else "只有一个年份，无法显示变化") if n)
    cols = list(dict.fromkeys(df[key].astype(str)))
    grid = df.pivot_table(index="year", columns=key, values=value, aggfunc="sum").reindex(index=years, columns=cols)
    grid = grid.fillna(0.0)
    palette = {**instrument_colors(df), **(colors or {})}
    fig, ax = canvas(ax, title, subtitle, note=note, scope=scope)
    x = np.arange(len(years))
    _stacked_columns(ax, x, grid, palette, skip_empty=key == "tool")
    labels = [str(y) for y in years]
    if "n_items" in df.columns:
        n = df.groupby("year")["n_items"].sum()
        labels = [f"{y}\n（{int(n[y])} 条）" for y in years]
    ax.set_xticks(x, labels=labels)
    ax.set_xlim(-0.6, len(years) - 0.4 + (0.9 if len(years) < 3 else 0))
    ax.set_ylim(0, 1.0)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    handles, names = ax.get_legend_handles_labels()  # top segment first, as the columns stack
    ax.legend(handles[::-1], names[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0), handlelength=1.0,
              handleheight=1.0, frameon=False, fontsize=SMALL_SIZE)
    return drew(fig, df.reset_index(drop=True), ax)


def _one_province(changes: pd.DataFrame, province: str | None, what: str) -> tuple[pd.DataFrame, str | None]:
    """The rows of `province` (of the only province when none is named) and its name; a frame of
    several provinces needs the name, and a name without rows is refused."""
    df = changes
    if "province" in df.columns:
        present = list(dict.fromkeys(df["province"].astype(str)))
        if province is None and len(present) > 1:
            raise ParameterError(f"{what}: the frame holds several provinces ({'、'.join(present)}); pass province=")
        if province is not None:
            if present and province not in present:
                raise ParameterError(f"{what}: no rows of {province}; the frame holds {'、'.join(present) or 'none'}")
            df = df[df["province"].astype(str) == province]
        province = province or (present[0] if present else None)
    return df, province


def _stacked_columns(ax, x: np.ndarray, grid: pd.DataFrame, palette: Mapping[str, str], *, skip_empty: bool) -> None:
    """One column per row of grid (years × segments), a segment per column of grid in its colour,
    labelled with its share from 5 %; skip_empty: segments that are zero every year get no legend entry."""
    bottom = np.zeros(len(x))
    for c in grid.columns:
        h = grid[c].to_numpy(dtype=float)
        if skip_empty and not h.any():
            continue
        ax.bar(x, h, bottom=bottom, width=0.6, color=palette[c], label=c, edgecolor="white", linewidth=1)
        for xi, (b, v) in enumerate(zip(bottom, h)):
            if v >= 0.05:
                ax.text(xi, b + v / 2, pct(v), ha="center", va="center", fontsize=SMALL_SIZE, color=text_on(palette[c]),
                        in_layout=False)  # inside its segment: the layout need not measure it
        bottom = bottom + h
