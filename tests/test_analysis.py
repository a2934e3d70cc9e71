"""compare.analysis on small hand-built corpora where the right answer is known by hand."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from compare import analysis as an
from compare.errors import EmptyCorpusError, ParameterError

THEMES = ["党建", "科普", "智库"]

# (doc_id, province, year, doc_type, item_id, text, theme, departments, tokens)
ROWS = [
    ("henan-2019-gzyd", "河南", 2019, "工作要点", "一/1", "开展科普日活动", "科普", ["科学技术普及部"],
     ["科普日", "活动"]),
    ("henan-2019-gzyd", "河南", 2019, "工作要点", "一/2", "加强党建引领工作", "党建", ["机关党委"],
     ["党建", "引领"]),
    ("henan-2019-gzyd", "河南", 2019, "工作要点", "一/3", "建设科技馆", "科普", ["科学技术普及部", "省科技馆"],
     ["科技馆"]),
    ("henan-2024-gzyd", "河南", 2024, "工作要点", "一/1", "建设高端智库", "智库", ["调研宣传部"],
     ["高端", "智库"]),
    ("henan-2024-gzyd", "河南", 2024, "工作要点", "一/2", "开展科普日活动", "科普", ["科学技术普及部"],
     ["科普日", "活动"]),
    ("hubei-2019-gzyd", "湖北", 2019, "工作要点", "1", "党建强会", "党建", [], ["党建强会"]),
]


def make_corpus(rows=ROWS, *, with_themes=True, **kw) -> an.Corpus:
    items = pd.DataFrame(
        {
            "doc_id": [r[0] for r in rows],
            "item_id": [r[4] for r in rows],
            "seq": list(range(1, len(rows) + 1)),
            "province": [r[1] for r in rows],
            "year": pd.Series([r[2] for r in rows], dtype="int64"),
            "doc_type": [r[3] for r in rows],
            "heading": [r[5] for r in rows],
            "text": [r[5] for r in rows],
            "departments": [r[7] for r in rows],
            "n_chars": pd.Series([len(r[5]) for r in rows], dtype="int64"),
        }
    )
    item_themes = None
    if with_themes:
        item_themes = pd.DataFrame({"doc_id": items["doc_id"], "item_id": items["item_id"], "theme": [r[6] for r in rows]})
        for t in THEMES:
            item_themes[f"score_{t}"] = (item_themes["theme"] == t).astype("float64")
        item_themes["cluster"] = 0
    return an.Corpus.from_frames(items=items, item_themes=item_themes, tokens=[r[8] for r in rows], **kw)


# ---- Corpus ----------------------------------------------------------------------------------------


def test_corpus_properties_and_theme_order():
    c = make_corpus()
    assert c.provinces == ["河南", "湖北"]
    assert c.years == [2019, 2024]
    assert c.themes == THEMES  # from the score_* columns, dictionary order kept
    themed = c.items_themed
    assert themed["theme"].tolist() == [r[6] for r in ROWS]
    assert len(themed) == len(c.items)


def test_empty_corpus_is_a_clear_error():
    empty = make_corpus(rows=ROWS[:1]).items.iloc[0:0]
    with pytest.raises(EmptyCorpusError, match="empty"):
        an.Corpus.from_frames(items=empty)


def test_stale_item_themes_are_reported():
    c = make_corpus()
    c.item_themes = c.item_themes.iloc[:-1]
    with pytest.raises(Exception, match="hubei-2019-gzyd 1"):
        c.items_themed


def test_theme_functions_without_themes_say_run_themes():
    c = make_corpus(with_themes=False)
    with pytest.raises(EmptyCorpusError, match="compare themes"):
        an.theme_shares(c)


# ---- theme shares ---------------------------------------------------------------------------------


def test_theme_shares_by_hand():
    s = an.theme_shares(make_corpus())
    assert list(s.columns) == ["province", "year", "doc_type", "theme", "n_items", "share_items", "share_chars"]
    # 3 groups x 3 themes, zeros included, groups sorted, themes in dictionary order
    assert len(s) == 9
    assert s["theme"].tolist()[:3] == THEMES
    h19 = s[(s.province == "河南") & (s.year == 2019)].set_index("theme")
    assert h19["n_items"].to_dict() == {"党建": 1, "科普": 2, "智库": 0}
    assert h19.loc["科普", "share_items"] == pytest.approx(2 / 3)
    # chars: 开展科普日活动 (7) + 建设科技馆 (5) of 7 + 8 + 5
    assert h19.loc["科普", "share_chars"] == pytest.approx(12 / 20)
    assert s.groupby(["province", "year"])["share_items"].sum().tolist() == pytest.approx([1, 1, 1])
    assert s.groupby(["province", "year"])["share_chars"].sum().tolist() == pytest.approx([1, 1, 1])


def test_theme_share_matrix_weights_and_doc_type():
    c = make_corpus()
    m = an.theme_share_matrix(c, by=("province",))
    assert list(m.columns) == ["province", "theme", "share"]
    henan = m[m.province == "河南"].set_index("theme")["share"]
    assert henan["科普"] == pytest.approx(3 / 5)
    chars = an.theme_share_matrix(c, by=("province",), weight="chars").set_index(["province", "theme"])["share"]
    assert chars[("湖北", "党建")] == pytest.approx(1.0)
    with pytest.raises(ParameterError, match="weight"):
        an.theme_share_matrix(c, weight="words")
    with pytest.raises(ParameterError, match="工作要点"):
        an.theme_share_matrix(c, doc_type="规划")
    with pytest.raises(ParameterError, match="unknown column"):
        an.theme_shares(c, by=("region",))


def test_theme_shares_single_document_and_zero_chars():
    rows = [r[:5] + ("",) + r[6:] for r in ROWS[:2]]  # one document, items without characters
    s = an.theme_shares(make_corpus(rows))
    assert s["share_items"].sum() == pytest.approx(1.0)
    assert s["share_chars"].tolist() == [0.0, 0.0, 0.0]  # no division by zero
    assert not s.isna().any().any()
