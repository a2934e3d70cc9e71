"""The reports' tracking sections: what continued, what is new, what was dropped between a
province's latest two plans of one type; the numeric promises followed across its plans; how firmly
its tasks are worded.

Each function takes the plans a report compares (:func:`compare.pipeline.params.compared`: one type,
one level) and computes with :mod:`compare.analysis` (``tracking``, ``series``, ``strength``) — the
same functions ``python -m compare track`` writes its tables with, on exactly the plans shown, so a
report never reads tracking tables older than its own inputs. On the seeds each takes < 0.1 s.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Continuity:
    """延续 / 新增 / 不再提及 between two plans: years (None when there are not two plans), the
    item_links rows, their summary by theme and change, a readable link table and a caption."""

    years: tuple[int, int] | None
    links: pd.DataFrame
    summary: pd.DataFrame
    table: pd.DataFrame
    caption: str


def continuity(compared, selection) -> Continuity:
    """The province's latest two plans of the compared type (within the selected years), linked item
    by item (``analysis.tracking.item_links``): the later plan's items continue (延续, including merged
    or split tasks) or are new (新增); the earlier plan's items without a successor are 不再提及."""
    from compare.analysis import tracking

    from compare.core import schema

    years = tracking.latest_pair(compared, selection.province, doc_type=selection.doc_type, level=selection.level)
    what = f"{selection.province}{selection.doc_type}（{selection.level}）"
    if years is None:
        empty = schema.empty("item_links")
        return Continuity(None, empty, tracking.continuity_summary(empty, compared.item_themes),
                          tracking.link_table(empty, compared.items),
                          f"{what}只有一年的计划，无法比较延续、新增与不再提及的任务。")
    pairs = tracking.plan_pairs(compared, provinces=selection.province, doc_types=selection.doc_type,
                                levels=selection.level, years=years)
    links = tracking.item_links(compared, pairs=pairs)
    summary = tracking.continuity_summary(links, compared.item_themes)
    counts = summary.groupby("change")["n_items"].sum()
    said = "，".join(f"{c} {int(counts.get(c, 0))} 条" for c in ("延续", "新增", "不再提及"))
    caption = (f"{what} {years[0]} 年与 {years[1]} 年逐条对照：{said}（延续含合并、拆分的任务；"
               "相似度为词语与字串 TF-IDF 余弦的加权和，共同关键词为两条共有的最具区分度的词）。")
    return Continuity(years, links, summary, tracking.link_table(links, compared.items), caption)


def target_series(compared) -> pd.DataFrame:
    """Targets with the same object and unit in the compared plans of one province, followed across
    its plan years (``analysis.series.target_series``): one row per series and year."""
    from compare.analysis import series

    return series.target_series(compared)


def item_strength(compared) -> pd.DataFrame:
    """Commitment strength of every compared item (``analysis.strength.item_strength``: strong /
    moderate / tentative words of the packaged lexicon, as evidence)."""
    from compare.analysis import strength

    return strength.item_strength(compared)


def strength_profile(compared, *, by) -> pd.DataFrame:
    """``analysis.strength.strength_profile`` of the compared items by theme, province, year …"""
    from compare.analysis import strength

    return strength.strength_profile(item_strength(compared), compared.item_themes, by=by)
