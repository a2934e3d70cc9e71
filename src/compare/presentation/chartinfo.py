"""What a chart shows, kept with the chart: its title, subtitle, source line and the data it drew.

A briefing chart is a :class:`ChartFigure`: a matplotlib Figure whose ``info`` is a :class:`ChartInfo`.
A chart drawn into the analyst's own axes (``ax=``) cannot change the analyst's figure; its
ChartInfo is kept for those axes (a weak mapping: it goes when the axes go). :func:`chart_info`
returns either, so the code that files, captions or exports a chart reads one typed object.

>>> fig = ChartFigure(ChartInfo("各省主题占比", subtitle="省级 · 工作要点", source="数据来源：…"))
>>> chart_info(fig).title, chart_info(fig).caption()["subtitle"]
('各省主题占比', '省级 · 工作要点')
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["ChartFigure", "ChartInfo", "chart_info", "record_axes_chart"]


@dataclass
class ChartInfo:
    """A chart's title, subtitle (with the scope, e.g. "省级 · 工作要点｜…"), source line, and the tidy
    rows it drew (after any top-N or latest-year reduction for readability; None until the chart
    function records them, or when it drew its input as given)."""

    title: str
    subtitle: str = ""
    source: str = ""
    data: pd.DataFrame | None = None

    def caption(self) -> dict[str, str]:
        """{"title", "subtitle", "source"}: what a report or a slide prints beside the chart."""
        return {"title": self.title, "subtitle": self.subtitle, "source": self.source}


class ChartFigure(Figure):
    """A slide-sized briefing chart: a matplotlib Figure with its :class:`ChartInfo` as ``info``."""

    def __init__(self, info: ChartInfo, **kwargs):
        super().__init__(**kwargs)
        self.info = info


# charts drawn into the analyst's own axes: axes -> ChartInfo, dropped with the axes
_IN_AXES: weakref.WeakKeyDictionary[Axes, ChartInfo] = weakref.WeakKeyDictionary()


def record_axes_chart(ax: Axes, info: ChartInfo) -> ChartInfo:
    """Keep the ChartInfo of a chart drawn into the analyst's axes `ax`; returns it."""
    _IN_AXES[ax] = info
    return info


def chart_info(obj: Figure | Axes | None) -> ChartInfo | None:
    """The ChartInfo of a briefing chart (its figure, or the analyst's axes it was drawn into);
    None for any other figure or axes."""
    if isinstance(obj, ChartFigure):
        return obj.info
    if isinstance(obj, Axes):
        return _IN_AXES.get(obj)
    return None
