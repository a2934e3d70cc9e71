"""Native PowerPoint charts for the slide deck: a briefing chart's data as a python-pptx chart object
(bars, stacked bars, lines, stacked columns) that an analyst restyles and re-labels in PowerPoint or
WPS, instead of a picture. Heatmaps, the slogan timeline and charts reduced to a table have no native
type that fits and stay pictures.

:func:`native_charts` turns the data a chart drew (:func:`compare.presentation.layout.drawn_data`,
the chart's CSV) into :class:`NativeChart` specs: chart type, categories in the picture's order,
one series per theme / instrument / term list, their colours and number format. :func:`add_chart`
puts one on a slide, every text of it in the project's CJK family as its East Asian font (so WPS
and PowerPoint show mainland glyph shapes), with ``lang="zh-CN"``.

>>> import pandas as pd
>>> m = pd.DataFrame({"province": ["河南", "河南", "湖北", "湖北"], "theme": ["科普", "党建"] * 2,
...                   "share": [0.75, 0.25, 0.5, 0.5]})
>>> [spec] = native_charts("theme_shares_bar", m, colors={"科普": "#2471a3", "党建": "#c0392b"})
>>> spec.kind, spec.categories, spec.series
('BAR_STACKED_100', ['河南', '湖北'], [('科普', [0.75, 0.5]), ('党建', [0.25, 0.5])])
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from compare.presentation.layout import NON_GROUP, group_labels
from compare.presentation.style import BAR_NEUTRAL, MAX_PANELS, colors_for, text_on, theme_order

_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


@dataclass
class NativeChart:
    """One native chart: an ``XL_CHART_TYPE`` member name, the categories (in the picture's order,
    first at the top of a bar chart), the series (name, values per category), a colour per series,
    the number format of values and labels, and a title (small multiples name their panel)."""

    kind: str
    categories: list[str]
    series: list[tuple[str, list[float]]]
    colors: dict[str, str] = field(default_factory=dict)
    number_format: str = "0%"
    title: str | None = None
    axis_max: float | None = None
    #: per-point colours of a series (None keeps the series colour), e.g. light bars for terms whose
    #: keyness is not significant, as in the picture
    point_colors: dict[str, list[str | None]] = field(default_factory=dict)


def _grid(df: pd.DataFrame, *, rows: Sequence[str], series_col: str, value: str, order: Sequence[str],
          drop_empty: bool = False) -> tuple[list[str], list[tuple[str, list[float]]]]:
    """Categories (the distinct `rows` labels, in order) and one series per value of series_col."""
    df = df.copy()
    df["_cat"] = group_labels(df, list(rows)) if rows else "全部"
    cats = list(dict.fromkeys(df["_cat"].astype(str)))
    grid = df.pivot_table(index="_cat", columns=series_col, values=value, aggfunc="sum", sort=False)
    grid = grid.reindex(index=cats, columns=list(order)).fillna(0.0)
    series = [(str(s), [float(v) for v in grid[s].to_numpy(dtype=float)]) for s in order
              if not (drop_empty and not grid[s].to_numpy(dtype=float).any())]
    return cats, series


def _stacked_shares(df: pd.DataFrame, series: Sequence[tuple[str, list[float]]]) -> str:
    """BAR_STACKED_100 when every category's shares add up to 1 (a complete composition), else
    BAR_STACKED (a subset of themes: PowerPoint's 100 % would stretch it to 100 %)."""
    totals = np.sum([v for _, v in series], axis=0) if series else np.zeros(0)
    return "BAR_STACKED_100" if len(totals) and np.allclose(totals, 1.0, atol=1e-6) else "BAR_STACKED"


def _theme_bar(df, colors):
    value = next(c for c in ("share", "share_items", "share_chars") if c in df.columns)
    groups = [c for c in df.columns if c not in NON_GROUP and c != value]
    order = theme_order(df["theme"], None, colors)
    cats, series = _grid(df, rows=groups, series_col="theme", value=value, order=order)
    return [NativeChart(_stacked_shares(df, series), cats, series, colors_for(order, colors), "0%", axis_max=1.0)]


def _change_lines(df, colors):
    value = "share_items" if "share_items" in df.columns else "share"
    order = theme_order(df["theme"], None, colors)
    cats, series = _grid(df.sort_values("year", kind="mergesort"), rows=["year"], series_col="theme", value=value,
                         order=order)
    return [NativeChart("LINE_MARKERS", cats, series, colors_for(order, colors), "0%")]


def _terms_bars(df, colors):
    groups = list(dict.fromkeys(df["group"].astype(str)))
    if not groups or len(groups) > MAX_PANELS or "rank" not in df.columns and "statistic" not in df.columns:
        return None  # the chart is a term table at that scale: a picture
    from compare.presentation.charts_corpus import BAR_LIGHT, significant

    out = []
    for g in groups:
        part = df[df["group"].astype(str) == g]
        cats = part["term"].astype(str).tolist()
        light = [None if sig else BAR_LIGHT for sig in significant(part)]
        out.append(NativeChart("BAR_CLUSTERED", cats, [("G²", part["statistic"].astype(float).tolist())],
                               {"G²": BAR_NEUTRAL}, "0.0", title=g, point_colors={"G²": light}))
    return out


def _targets_bars(df, colors, rows: Sequence[str] | None = None):
    order = theme_order(df["theme"], None, colors)
    cats, series = _grid(df.sort_values(["province", "year"], kind="mergesort"), rows=["province", "year"],
                         series_col="theme", value="n_targets", order=order, drop_empty=True)
    if rows:  # the plans drawn, those without any target ("共 0 条") included
        at = {c: i for i, c in enumerate(cats)}
        series = [(n, [v[at[r]] if r in at else 0.0 for r in rows]) for n, v in series]
        cats = list(rows)
    return [NativeChart("BAR_STACKED", cats, series, colors_for(order, colors), "0")]


def _instrument_colors(df) -> dict[str, str]:
    from compare.presentation.charts_instruments import instrument_colors

    return instrument_colors(df)


def _instrument_bars(df, colors):
    key = "tool" if "tool" in df.columns else "type"
    groups = [c for c in df.columns if c not in {"type", "tool", "n_items", "share"}]
    order = list(dict.fromkeys(df[key].astype(str)))
    cats, series = _grid(df, rows=groups, series_col=key, value="share", order=order, drop_empty=key == "tool")
    return [NativeChart(_stacked_shares(df, series), cats, series, _instrument_colors(df), "0%", axis_max=1.0)]


def _instrument_columns(df, colors):
    key = "tool" if (df["tool"].astype(str) != df["type"].astype(str)).any() else "type"
    order = list(dict.fromkeys(df[key].astype(str)))
    cats, series = _grid(df.sort_values("year", kind="mergesort"), rows=["year"], series_col=key, value="share",
                         order=order, drop_empty=key == "tool")
    kind = "COLUMN_STACKED_100" if _stacked_shares(df, series) == "BAR_STACKED_100" else "COLUMN_STACKED"
    return [NativeChart(kind, cats, series, _instrument_colors(df), "0%", axis_max=1.0)]


#: chart name -> how its drawn data becomes native charts (charts not listed stay pictures)
NATIVE: dict[str, Callable] = {
    "theme_shares_bar": _theme_bar,
    "change_over_time": _change_lines,
    "distinctive_terms": _terms_bars,
    "targets_chart": _targets_bars,
    "instrument_structure_bar": _instrument_bars,
    "instrument_change_chart": _instrument_columns,
}


def native_charts(name: str, data: pd.DataFrame | None, *, colors: Mapping[str, str] | None = None,
                  figure=None) -> list[NativeChart] | None:
    """The native charts of a briefing chart (its name and the data it drew), or None when it has no
    native form (heatmaps, the slogan timeline), nothing to draw, or is a table at this scale.
    `figure` (the chart's picture, before it is cleared) gives the targets chart's rows: its plans
    without any target are rows of the picture but not of its data."""
    builder = NATIVE.get(name)
    if builder is None or data is None or data.empty:
        return None
    if name == "targets_chart" and figure is not None and figure.axes:
        rows = [t.get_text() for t in figure.axes[0].get_yticklabels() if t.get_text()]
        specs = builder(data, dict(colors or {}), rows=rows)
    else:
        specs = builder(data, dict(colors or {}))
    if not specs or not any(s.categories and s.series for s in specs):
        return None
    return specs


# --------------------------------------------------------------------------------------------------
# python-pptx
# --------------------------------------------------------------------------------------------------


def east_asian(font, family: str, *, size: float | None = None, color: str | None = None) -> None:
    """Set a python-pptx Font (a run's, a chart's, an axis' or a legend's) to `family` as its Latin,
    East Asian and complex-script typeface (python-pptx sets only the Latin one), lang zh-CN."""
    from pptx.dml.color import RGBColor
    from pptx.util import Pt

    font.name = family
    if size:
        font.size = Pt(size)
    if color:
        font.color.rgb = RGBColor.from_string(color.lstrip("#"))
    rpr = font._element  # noqa: SLF001 - the a:rPr / a:defRPr element
    rpr.set("lang", "zh-CN")
    latin = rpr.find(f"{_A}latin")
    anchor = latin
    for tag in ("ea", "cs"):
        el = rpr.find(f"{_A}{tag}")
        if el is None:
            el = rpr.makeelement(f"{_A}{tag}", {})
            anchor.addnext(el)  # schema order: latin, ea, cs
        el.set("typeface", family)
        anchor = el


def _no_zero(number_format: str) -> str:
    """The label format that leaves a zero segment unlabelled (positive; negative; zero sections)."""
    return f"{number_format};-{number_format};;"


def _rgb(color: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(color.lstrip("#"))


def add_chart(slide, spec: NativeChart, left, top, width, height, *, family: str):
    """Add `spec` to the slide as a native chart (python-pptx), its data embedded; returns the chart."""
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE

    data = CategoryChartData(number_format=spec.number_format)
    data.categories = spec.categories
    for name, values in spec.series:
        data.add_series(name, values)
    kind = getattr(XL_CHART_TYPE, spec.kind)
    chart = slide.shapes.add_chart(kind, left, top, width, height, data).chart
    east_asian(chart.font, family, size=12, color="1F2933")
    _title_and_legend(chart, spec, family)
    _axes(chart, spec, family)
    plot = chart.plots[0]
    if spec.kind != "LINE_MARKERS":
        _bar_labels(plot, spec, family)
    for series in plot.series:
        color = spec.colors.get(series.name)
        if not color:
            continue
        if spec.kind == "LINE_MARKERS":
            _line_series(series, color)
        else:
            _bar_series(series, color, spec, family)
    return chart


def _title_and_legend(chart, spec: NativeChart, family: str) -> None:
    """The chart's title (when the spec has one) and a legend above the plot for more than one series."""
    from pptx.enum.chart import XL_LEGEND_POSITION

    chart.has_title = bool(spec.title)
    if spec.title:
        chart.chart_title.text_frame.text = spec.title
        for run in chart.chart_title.text_frame.paragraphs[0].runs:
            east_asian(run.font, family, size=14, color="1F2933")
    chart.has_legend = len(spec.series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.TOP
        chart.legend.include_in_layout = False
        east_asian(chart.legend.font, family, size=12)


def _axes(chart, spec: NativeChart, family: str) -> None:
    """Tick fonts and number format; gridlines except on stacked bars; bars list the first category on top."""
    bar = spec.kind.startswith("BAR")
    east_asian(chart.category_axis.tick_labels.font, family, size=12)
    east_asian(chart.value_axis.tick_labels.font, family, size=11, color="616E7C")
    chart.value_axis.tick_labels.number_format = spec.number_format
    chart.value_axis.tick_labels.number_format_is_linked = False
    chart.value_axis.has_major_gridlines = not bar or spec.kind == "BAR_CLUSTERED"
    if spec.axis_max is not None and not spec.kind.endswith("_100"):
        chart.value_axis.maximum_scale = spec.axis_max
    if bar:
        chart.category_axis.reverse_order = True  # the first category on top, as in the picture


def _bar_labels(plot, spec: NativeChart, family: str) -> None:
    """Bars: gap and overlap, and every value labelled (centred in a stacked segment, else past the bar's end)."""
    from pptx.enum.chart import XL_LABEL_POSITION

    plot.gap_width = 60
    if "STACKED" in spec.kind:
        plot.overlap = 100
    plot.has_data_labels = True
    labels = plot.data_labels
    labels.number_format = _no_zero(spec.number_format)
    labels.number_format_is_linked = False
    labels.show_value = True
    labels.position = XL_LABEL_POSITION.CENTER if "STACKED" in spec.kind else XL_LABEL_POSITION.OUTSIDE_END
    east_asian(labels.font, family, size=10)


def _line_series(series, color: str) -> None:
    """A line in its colour with round markers, as in the picture (one colour per theme)."""
    from pptx.enum.chart import XL_MARKER_STYLE

    series.smooth = False
    series.format.line.color.rgb = _rgb(color)
    series.format.line.width = 28575  # 2.25 pt
    series.marker.style = XL_MARKER_STYLE.CIRCLE
    series.marker.size = 8
    series.marker.format.fill.solid()
    series.marker.format.fill.fore_color.rgb = _rgb(color)
    series.marker.format.line.color.rgb = _rgb(color)


def _bar_series(series, color: str, spec: NativeChart, family: str) -> None:
    """A bar series in its colour (points with a colour of their own keep it); a stacked segment's
    labels in ink readable on the segment's colour."""
    from pptx.enum.chart import XL_LABEL_POSITION

    series.format.fill.solid()
    series.format.fill.fore_color.rgb = _rgb(color)
    series.format.line.color.rgb = _rgb("FFFFFF")
    for i, own in enumerate(spec.point_colors.get(series.name, [])):
        if own:
            point = series.points[i]
            point.format.fill.solid()
            point.format.fill.fore_color.rgb = _rgb(own)
    if "STACKED" in spec.kind:
        own = series.data_labels
        own.show_value = True
        own.number_format = _no_zero(spec.number_format)
        own.number_format_is_linked = False
        own.position = XL_LABEL_POSITION.CENTER
        ink = text_on(color)
        east_asian(own.font, family, size=10, color="FFFFFF" if ink == "white" else ink)
