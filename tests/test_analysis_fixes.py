"""QA findings C-1..C-4 (analysis and the report text using it), each on a small hand-built corpus."""
from __future__ import annotations

import pandas as pd
import pytest

from compare import analysis
from compare.analysis.examples import example_frames
from compare.core.errors import ParameterError

EMPTY_PLAN = "henan-2022-gzyd"  # 河南2022年工作要点 whose copy was truncated: loaded, 0 items


def corpus_with_empty_plan():
    """The example corpus plus a 河南 2022 工作要点 with no items (a truncated copy loaded `partial`)."""
    frames = example_frames()
    items = frames["items"]
    docs = items[["doc_id", "province", "year", "doc_type"]].drop_duplicates("doc_id").reset_index(drop=True)
    docs["title"] = docs["doc_id"]
    docs["n_items"] = docs["doc_id"].map(items["doc_id"].value_counts()).astype("int64")
    empty = pd.DataFrame({"doc_id": [EMPTY_PLAN], "province": ["河南"], "year": [2022], "doc_type": ["工作要点"],
                          "title": ["河南省科协2022年工作要点"], "n_items": [0]})
    docs = pd.concat([docs, empty], ignore_index=True).astype({"year": "int64", "n_items": "int64"})
    tokens = [t.split() for t in (
        "全国 科普日 活动", "党建 引领 推进 科技 志愿 服务", "建设 科技馆 举办 科普 活动",
        "建设 高端 科技 智库", "全国 科普日 活动", "建设 高端 科技 智库",
        "坚持 党建 强会 开展 科技 志愿 服务", "深化 党建 工作")]
    return analysis.Corpus.from_frames(documents=docs, themes=["党建", "科普", "智库"], tokens=tokens, **frames)


def test_term_changes_skips_a_year_whose_plan_has_no_items():  # C-1
    c = corpus_with_empty_plan()
    t = analysis.term_changes(c, "河南")
    assert set(zip(t["from_year"], t["to_year"])) == {(2019, 2024)}
    assert t[t.change == "appears"]["term"].tolist() == ["智库", "高端"]
    # the same years as theme_changes (which has no rows for 2022) and its chart
    assert sorted(set(analysis.theme_changes(c, "河南")["year"])) == [2019, 2024]
    # asked for explicitly, the empty year is still no comparison partner
    t = analysis.term_changes(c, "河南", years=[2019, 2022, 2024])
    assert set(zip(t["from_year"], t["to_year"])) == {(2019, 2024)}


def test_a_province_year_error_lists_the_province_years():  # C-4
    c = analysis.examples.example_corpus()
    with pytest.raises(ParameterError, match=r"湖北 has no plan for 2024; its years: 2019$"):
        analysis.validate_selection(c, province="鄂", years=2024)
    with pytest.raises(ParameterError, match=r"河南 has no plan for 2030; its years: 2019、2024$"):
        analysis.validate_selection(c, province="河南", years=[2019, 2030])
    assert analysis.validate_selection(c, province="河南", years="2024年")["years"] == [2024]
    with pytest.raises(ParameterError, match=r"known years: \[2019, 2024\]"):  # no province: the corpus's
        analysis.validate_selection(c, years=2030)


def keyness_frame():
    """河南's keyness rows as in a small corpus: one significant term, then ties of 3 vs 0 that are not."""
    return pd.DataFrame({
        "group": ["河南", "河南", "河南", "湖北"],
        "term": ["科普日", "一市一品", "三长", "荆楚"],
        "freq_target": [12, 3, 3, 8], "freq_reference": [1, 0, 0, 0],
        "statistic": [15.2, 0.93, 0.93, 11.0], "p_value": [0.0001, 0.335, 0.335, 0.0009],
        "log_ratio": [3.1, 0.01, 0.01, 2.5], "rank": [1, 2, 3, 1],
    })


def test_distinctive_terms_say_the_ranking_and_mark_terms_not_significant():  # C-2
    from matplotlib.colors import to_hex

    from compare.presentation import plots

    fig = plots.distinctive_terms(keyness_frame(), top_n=5)
    subtitle = plots.chart_caption(fig)["subtitle"]
    assert "明显更多" not in subtitle
    assert "按关键性（G²）从高到低排列" in subtitle and "未达显著（p ≥ 0.05）" in subtitle
    henan = fig.axes[0]
    colors = [to_hex(p.get_facecolor()) for p in henan.patches]
    assert colors[0] != colors[1] and colors[1] == colors[2]  # 一市一品 and 三长 are drawn light
    table = plots.distinctive_terms(keyness_frame(), top_n=5, max_panels=1)  # the term-table form
    texts = [t.get_text() for ax in table.axes for t in ax.texts]
    assert "科普日、一市一品°、三长°" in texts
    assert "带 ° 的词差异未达显著" in plots.chart_caption(table)["subtitle"]


def test_keyness_report_table_keeps_p_and_marks_terms_not_significant():  # C-2
    from compare.presentation import display as show

    assert "p_value" in show.keyness_table(keyness_frame()).columns
    listed = show.keyness_table(keyness_frame(), max_groups=1).set_index("group")["terms"]
    assert listed["河南"] == "科普日（15）、一市一品（1°）、三长（1°）"
    assert listed["湖北"] == "荆楚（11）"


def test_a_plan_without_items_is_named_as_such_not_as_no_plan():  # C-3
    from compare.pipeline import figures, params
    from compare.presentation import display as show
    from compare.presentation import plots

    c = corpus_with_empty_plan()
    assert analysis.plans_without_items(c)["doc_id"].tolist() == [EMPTY_PLAN]
    # figures / export: the note under every chart
    sub, note, missing = figures.select_like_with_like(c)
    assert missing == [] and note == "河南 2022 的文件未识别出条目（截断的副本？），按缺失处理"
    # the heatmap row of 河南 2022 says why it is empty
    m = analysis.theme_share_matrix(sub, by=("province", "year"))
    rows = show.missing_plan_rows(m, c.select(levels="省级"), sub)
    assert rows[rows["year"] == 2022]["share"].isna().all() and len(rows[rows["year"] == 2022]) == 3
    fig = plots.theme_heatmap(rows, no_items=show.no_items_plans(sub))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "缺失：该文件未识别出条目（截断的副本？）" in texts
    assert "缺失：该年没有此类文件" not in texts  # 河南 has a 2022 工作要点: not "no such document"
    chart = next(figures.draw_charts(c, names=["theme_heatmap"]))
    assert "缺失：该文件未识别出条目（截断的副本？）" in [t.get_text() for t in chart.figure.axes[0].texts]
    # the province report's coverage note
    sel = params.select(c, province="河南")
    text = show.page_note(show.coverage(c.select(provinces="河南"), params.compared(c, sel), sel))
    assert "未识别出条目的工作要点：2022 年（该文件未识别出条目，可能是截断的副本），按缺失处理" in text
    # the years compared are the years with items: 2022 is not listed among them
    assert "本报告只比较工作要点（省级）：2019、2024 年。" in text
