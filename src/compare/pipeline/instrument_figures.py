"""The policy-instrument charts of ``python -m compare figures`` (and so of the slide deck and the Word
brief): the instrument structure of each province's plans, instruments × themes and the focus
province's instruments over its plan years. Each builder takes the figures' context (the compared
plans: one type, one level) and returns (frames for the CSVs, figure, what it counts), as the other
builders of :mod:`compare.pipeline.figures` do; a corpus without instrument coding gets a chart that
says so instead of an error."""
from __future__ import annotations

import pandas as pd

from compare.presentation import charts_instruments as charts

#: what the instrument charts count, for the slide notes and the Word brief
COUNTS = "条目数占比（按政策工具类型）"


def _like(ctx) -> dict:
    return {"doc_types": ctx.doc_type, "levels": ctx.level}


def _coded(ctx) -> bool:
    return ctx.corpus.has_instruments


def _empty(columns) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def instrument_structure(ctx):
    from compare import analysis

    kind = ctx.doc_type or "工作计划"
    shares = (ctx.call(analysis.instrument_shares, by=("province",), unit="type", **_like(ctx)) if _coded(ctx)
              else _empty(["province", "type", "n_items", "share"]))
    fig = charts.instrument_structure_bar(shares, title=f"各省{kind}的政策工具结构", scope=ctx.scope, note=ctx.note)
    return {"": charts_data(fig, shares)}, fig, "条目数占比（按政策工具类型，各年合并）"


def instrument_theme(ctx):
    from compare import analysis

    kind = ctx.doc_type or "工作计划"
    matrix = (ctx.call(analysis.instrument_theme_matrix, unit="tool", **_like(ctx)) if _coded(ctx) and
              ctx.corpus.has_themes else _empty(["type", "tool", "theme", "n_items", "share"]))
    fig = charts.instrument_theme_heatmap(matrix, title=f"各省{kind}的政策工具 × 主题", colors=ctx.colors, scope=ctx.scope,
                                          note=ctx.note)
    return {"": charts_data(fig, matrix)}, fig, "条目数及占全部条目的比例（按政策工具、主题）"


def instrument_years(ctx, focus: str | None):
    from compare import analysis

    changes = (ctx.call(analysis.instrument_changes, provinces=[focus], unit="tool", **_like(ctx))
               if _coded(ctx) and focus else _empty(["province", "year", "type", "tool", "n_items", "share", "delta"]))
    note = f"只比较{focus}的{ctx.doc_type}，不含其他类型的文件" if ctx.doc_type and focus else None
    fig = charts.instrument_change_chart(changes, province=focus, scope=ctx.scope,
                                         note="；".join(n for n in (note, ctx.note) if n) or None)
    return {"": charts_data(fig, changes)}, fig, "条目数占比（按政策工具、年份）"


def charts_data(fig, default: pd.DataFrame) -> pd.DataFrame:
    from compare.presentation.layout import drawn_data

    return drawn_data(fig, default)
