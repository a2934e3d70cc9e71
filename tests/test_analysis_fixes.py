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
