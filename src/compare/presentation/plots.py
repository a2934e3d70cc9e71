"""Briefing-ready charts, one import for notebooks: ``from compare.presentation import plots``.

The charts live by concern in :mod:`~compare.presentation.charts_themes` (theme heatmap, theme bars,
change over time), :mod:`~compare.presentation.charts_corpus` (similarity, distinctive terms, slogans),
:mod:`~compare.presentation.charts_targets` (targets, departments) and
:mod:`~compare.presentation.charts_instruments` (policy instruments: structure, × themes, over the
years); the style, colours, source line and file output in :mod:`~compare.presentation.style`; the layout helpers in
:mod:`~compare.presentation.layout`. Writing every chart of a corpus to ``figures/`` is
:func:`compare.pipeline.figures.write_figures`.

Every chart function takes a tidy frame from :mod:`compare.analysis`, returns a matplotlib Figure (a 16:9
slide, a :class:`ChartFigure` whose ``info`` holds its title, subtitle, source line and the data it drew;
or the analyst's own figure when drawn into its axes with ``ax=``: :func:`chart_info` of those axes), accepts ``colors=`` (the theme dictionary in use) and
``scope=`` (e.g. "省级 · 工作要点", shown in the subtitle), and never changes matplotlib's global state.

>>> import pandas as pd
>>> from matplotlib.figure import Figure
>>> m = pd.DataFrame({"province": ["河南", "湖北"], "theme": ["科普", "科普"], "share": [0.3, 0.2]})
>>> fig = theme_shares_bar(m, scope=scope_label(doc_type="工作要点", level="省级"))
>>> chart_caption(fig)["subtitle"]
'省级 · 工作要点｜各主题条目占比（每条横条合计 100%）'
>>> chart_caption(fig)["source"]
'数据来源：各省科协工作计划（省级 · 工作要点）'
>>> own = Figure()
>>> ax = own.add_subplot()
>>> theme_heatmap(m, ax=ax) is own                  # drawn into the analyst's own axes
True
>>> drawn_data(ax)["province"].tolist()
['河南', '湖北']
"""
from __future__ import annotations

from compare.presentation.chartinfo import ChartFigure, ChartInfo, chart_info
from compare.presentation.charts_corpus import distinctive_terms, similarity_heatmap, slogan_timeline
from compare.presentation.charts_instruments import (
    instrument_change_chart, instrument_colors, instrument_structure_bar, instrument_theme_heatmap,
)
from compare.presentation.charts_targets import departments_themes, targets_chart
from compare.presentation.charts_themes import change_over_time, theme_heatmap, theme_shares_bar
from compare.presentation.layout import drawn_data, latest_per_province
from compare.presentation.style import (
    FALLBACK_THEME_PALETTE, FORMATS, MAX_PANELS, MAX_ROWS, MAX_SIMILARITY_UNITS, MAX_TERM_PAIRS, MIN_TEXT_SIZE,
    OTHER_THEME_COLOR, SOURCE, apply_style, chart_caption, chart_style, cjk_font, figure_bytes, freeze_layout,
    province_colors, save_figure, scope_label, source_line, theme_colors,
)

__all__ = [
    "SOURCE", "FORMATS", "cjk_font", "apply_style", "chart_style", "theme_colors", "province_colors",
    "theme_heatmap", "theme_shares_bar", "change_over_time", "similarity_heatmap", "distinctive_terms",
    "slogan_timeline", "targets_chart", "departments_themes", "instrument_structure_bar", "instrument_theme_heatmap",
    "instrument_change_chart", "instrument_colors", "save_figure", "figure_bytes", "freeze_layout",
    "drawn_data", "latest_per_province", "chart_caption", "chart_info", "ChartInfo", "ChartFigure", "source_line",
    "scope_label", "CHART_FUNCTIONS",
    "FALLBACK_THEME_PALETTE", "OTHER_THEME_COLOR", "MAX_ROWS", "MAX_PANELS", "MAX_SIMILARITY_UNITS",
    "MAX_TERM_PAIRS", "MIN_TEXT_SIZE",
]

#: every chart function by name, in briefing order
CHART_FUNCTIONS = {
    "theme_heatmap": theme_heatmap,
    "theme_shares_bar": theme_shares_bar,
    "change_over_time": change_over_time,
    "similarity_heatmap": similarity_heatmap,
    "distinctive_terms": distinctive_terms,
    "slogan_timeline": slogan_timeline,
    "targets_chart": targets_chart,
    "departments_themes": departments_themes,
    "instrument_structure_bar": instrument_structure_bar,
    "instrument_theme_heatmap": instrument_theme_heatmap,
    "instrument_change_chart": instrument_change_chart,
}
