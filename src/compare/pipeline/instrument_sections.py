"""The reports' policy-instrument section: with which instruments (供给型 / 环境型 / 需求型 and their
tools) the compared plans act, how that crosses with the themes, how it changed over the years, and
the coding table of the items.

:func:`instruments` takes the plans a report compares (:func:`compare.pipeline.params.compared`: one
type, one level) and its selection, and computes with :mod:`compare.analysis.instruments` on exactly
those plans; a processed directory without instrument coding (tables written before the coding
existed) gives empty frames and a caption that says how to get them, never an error.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class InstrumentSection:
    """The frames of the section: type shares per group (`structure`), tool shares per group
    (`tools`), tool shares per year with change (`changes`, one province's or every province's),
    tool × theme counts and shares (`matrix`), the coding table of the items (`coding`), and a
    caption summing it up (or saying there is no coding)."""

    coded: bool
    structure: pd.DataFrame
    tools: pd.DataFrame
    changes: pd.DataFrame
    matrix: pd.DataFrame
    coding: pd.DataFrame
    caption: str

    @property
    def matrix_table(self) -> pd.DataFrame:
        """The X × Y table as studies print it: one row per tool (with its type, codebook order), one
        column per theme (dictionary order) with item counts, and 合计."""
        m = self.matrix
        if m.empty:
            return pd.DataFrame(columns=["type", "tool", "合计"])
        rows = pd.MultiIndex.from_frame(m[["type", "tool"]].drop_duplicates())
        themes = list(dict.fromkeys(m["theme"]))
        wide = m.pivot_table(index=["type", "tool"], columns="theme", values="n_items", aggfunc="sum", sort=False)
        wide = wide.reindex(index=rows, columns=themes).fillna(0).astype("int64")
        wide["合计"] = wide.sum(axis=1)
        wide.columns = [str(c) for c in wide.columns]
        return wide.reset_index()


def _empty(columns) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def _nothing(by: list[str], coded: bool, caption: str) -> InstrumentSection:
    from compare import analysis

    return InstrumentSection(
        coded, _empty([*by, "type", "n_items", "share"]), _empty([*by, "type", "tool", "n_items", "share"]),
        _empty(analysis.INSTRUMENT_CHANGE_COLUMNS), _empty(["type", "tool", "theme", "n_items", "share"]),
        _empty(analysis.CODING_TABLE_COLUMNS), caption)


def instruments(compared, selection, *, by=("province", "year")) -> InstrumentSection:
    """The section for the compared plans, grouped `by` (the province report: ("year",); the cross-
    province report: ("province", "year")). Shares are within one group's items of the one type and
    level compared, so they never add up unlike plans. A report of some themes (selection.themes
    fewer than the corpus's: a 科普 report) codes those themes' items only, and says so."""
    from compare import analysis
    from compare.core.errors import EmptyCorpusError

    by = [by] if isinstance(by, str) else list(by)
    like = {"doc_types": selection.doc_type, "levels": selection.level}
    what = f"{selection.doc_type}（{selection.level}）"
    # a report of some themes (e.g. a 科普 report) codes the instruments of those themes' items only
    themes = [t for t in compared.themes if t in selection.themes] if compared.has_themes else []
    if compared.has_themes and len(themes) < len(compared.themes):
        what += f"中主题为{'、'.join(themes)}的条目"
        try:
            compared = compared.select(themes=themes)  # the plans that have items of those themes
        except EmptyCorpusError:
            return _nothing(by, False, f"{what}：所选文件中没有这些主题的条目。")
    if not compared.has_instruments:
        return _nothing(by, False, "这些数据表还没有政策工具编码：运行 python -m compare build"
                                   "（或 python -m compare instruments）后重新生成报告。")
    structure = analysis.instrument_shares(compared, by=by, unit="type", **like)
    tools = analysis.instrument_shares(compared, by=by, unit="tool", **like)
    changes = analysis.instrument_changes(compared, unit="tool", **like)
    matrix = (analysis.instrument_theme_matrix(compared, unit="tool", **like) if compared.has_themes
              else _empty(["type", "tool", "theme", "n_items", "share"]))
    if themes and len(matrix):
        matrix = matrix[matrix["theme"].isin(themes)].reset_index(drop=True)
    coding = analysis.instrument_coding_table(compared)
    total = structure.groupby("type", sort=False)["n_items"].sum()
    n = int(total.sum())
    said = "，".join(f"{t} {int(k)} 条（{k / n:.0%}）" for t, k in total.items()) if n else "没有条目"
    low = int(coding["low_confidence"].fillna(False).astype(bool).sum()) if len(coding) else 0
    caption = (f"{what}（所选各年合并）共 {n} 个条目编码：{said}；其中 {low} 条判断接近（编码表中标为低置信度），值得人工复核。"
               "类型与工具的词表见 compare/data/instruments.toml。")
    return InstrumentSection(True, structure, tools, changes, matrix, coding, caption)
