"""compare.analysis on small hand-built corpora where the right answer is known by hand."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from compare import analysis as an
from compare.core.errors import CompareError, EmptyCorpusError, ParameterError
from conftest import corpus_with_empty_plan

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
    with pytest.raises(CompareError, match="hubei-2019-gzyd 1"):
        _ = c.items_themed


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
    with pytest.raises(EmptyCorpusError, match="no documents of 规划, 省级 in this corpus \\(it has 工作要点"):
        an.theme_share_matrix(c, doc_types="规划")
    with pytest.raises(ParameterError, match="unknown doc_type \\['年度计划'\\]; the document types are 工作要点"):
        an.theme_share_matrix(c, doc_types="年度计划")
    with pytest.raises(ParameterError, match="unknown column"):
        an.theme_shares(c, by=("region",))


def test_theme_shares_single_document_and_zero_chars():
    rows = [r[:5] + ("",) + r[6:] for r in ROWS[:2]]  # one document, items without characters
    s = an.theme_shares(make_corpus(rows))
    assert s["share_items"].sum() == pytest.approx(1.0)
    assert s["share_chars"].tolist() == [0.0, 0.0, 0.0]  # no division by zero
    assert not s.isna().any().any()


# ---- keyness ---------------------------------------------------------------------------------------


def _chi2_sf_1df(x: float) -> float:
    """Upper tail of χ² with one degree of freedom, without scipy: erfc(sqrt(x / 2))."""
    return math.erfc(math.sqrt(x / 2))


def test_g2_of_a_2x2_table_by_hand():
    a, b, c, d = 10, 2, 90, 198  # term 10× in a 100-token target, 2× in a 200-token reference
    n = a + b + c + d
    obs_exp = [(a, 12 * 100 / n), (b, 12 * 200 / n), (c, 288 * 100 / n), (d, 288 * 200 / n)]
    g2 = 2 * sum(o * math.log(o / e) for o, e in obs_exp)
    stat, p = an.keyness_table([a], [b], [c], [d], measure="g2", correction="none")
    assert stat[0] == pytest.approx(g2, rel=1e-9)
    assert g2 == pytest.approx(12.0, abs=1.5)  # sanity: a clearly significant difference
    assert p[0] == pytest.approx(_chi2_sf_1df(g2), rel=1e-9)
    # under-represented in the target: same magnitude, negative sign (quanteda's convention)
    stat_rev, p_rev = an.keyness_table([b], [a], [d], [c], measure="g2", correction="none")
    assert stat_rev[0] == pytest.approx(-g2, rel=1e-9) and p_rev[0] == pytest.approx(p[0])


def test_chi2_and_corrections_by_hand():
    a, b, c, d = 10, 2, 90, 198
    n = a + b + c + d
    pearson = n * (a * d - b * c) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
    stat, p = an.keyness_table(a, b, c, d, measure="chi2", correction="none")
    assert float(stat) == pytest.approx(pearson) and float(p) == pytest.approx(_chi2_sf_1df(pearson))
    # the smallest expected count is 4 < 5, so quanteda's default applies Yates' correction
    yates = n * (abs(a * d - b * c) - n / 2) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
    assert float(an.keyness_table(a, b, c, d, measure="chi2")[0]) == pytest.approx(yates)
    # Yates for G²: every cell moved 0.5 towards its expected count (a, d down; b, c up)
    e = [12 * 100 / n, 12 * 200 / n, 288 * 100 / n, 288 * 200 / n]
    o = [a - 0.5, b + 0.5, c + 0.5, d - 0.5]
    g2_yates = 2 * sum(oi * math.log(oi / ei) for oi, ei in zip(o, e))
    assert float(an.keyness_table(a, b, c, d)[0]) == pytest.approx(g2_yates)
    # Williams: G² / q
    q = 1 + (n / (a + b) + n / (c + d) - 1) * (n / (a + c) + n / (b + d) - 1) / (6 * n)
    g2 = float(an.keyness_table(a, b, c, d, correction="none")[0])
    assert float(an.keyness_table(a, b, c, d, correction="williams")[0]) == pytest.approx(g2 / q)
    # large counts: no correction under the default
    big = an.keyness_table(100, 20, 900, 1980, correction="default")[0]
    assert float(big) == pytest.approx(float(an.keyness_table(100, 20, 900, 1980, correction="none")[0]))
    with pytest.raises(ParameterError, match="measure"):
        an.keyness_table(1, 1, 1, 1, measure="pmi")


def test_log_ratio_by_hand():
    assert float(an.log_ratio(10, 2, 100, 200)) == pytest.approx(math.log2((10 / 100) / (2 / 200)))
    assert math.isnan(float(an.log_ratio(4, 0, 100, 100)))  # absent from the reference: no finite ratio


def _keyness_corpus():
    rows = [
        ("henan-2019-gzyd", "河南", 2019, "工作要点", "1", "科普", "科普", [], ["科普"] * 6 + ["学会"] * 2),
        ("henan-2019-gzyd", "河南", 2019, "工作要点", "2", "智库", "智库", [], ["智库", "学会"]),
        ("hubei-2019-gzyd", "湖北", 2019, "工作要点", "1", "党建", "党建", [], ["党建"] * 5 + ["科普", "学会", "学会"]),
    ]
    return make_corpus(rows)


def test_keyness_per_province_matches_the_2x2_tables():
    k = an.keyness(_keyness_corpus(), by="province", min_freq=3, max_p=None)  # every over-represented term
    assert list(k.columns) == an.KEYNESS_COLUMNS
    # 河南: 10 tokens (科普 6, 学会 3, 智库 1); 湖北: 8 tokens (党建 5, 科普 1, 学会 2); min_freq drops 智库
    henan = k[k.group == "河南"]
    assert henan["term"].tolist() == ["科普", "学会"]  # 学会: 3/10 vs 2/8, mildly over-represented
    row = henan.iloc[0]
    assert (row.freq_target, row.freq_reference, row["rank"]) == (6, 1, 1)
    stat, p = an.keyness_table(6, 1, 4, 7)
    assert row.statistic == pytest.approx(float(stat)) and row.p_value == pytest.approx(float(p))
    assert row.log_ratio == pytest.approx(math.log2((6 / 10) / (1 / 8)))
    hubei = k[k.group == "湖北"]
    assert hubei["term"].tolist() == ["党建"]  # 科普 and 学会 are under-represented in 湖北: not listed
    assert hubei["freq_reference"].iloc[0] == 0
    assert (k["statistic"] > 0).all() and "智库" not in set(k["term"])  # 1 < min_freq
    chi = an.keyness(_keyness_corpus(), measure="chi2", min_freq=3, max_p=None)
    assert chi.loc[chi.group == "河南", "statistic"].iloc[0] == pytest.approx(
        float(an.keyness_table(6, 1, 4, 7, measure="chi2")[0]))
    assert len(an.keyness(_keyness_corpus(), top_n=1, max_p=None)) == 2
    # by default only significant differences are listed: 党建 5 vs 0 (p 0.012), not 科普 6 vs 1 (p 0.13)
    assert an.keyness(_keyness_corpus())[["group", "term"]].values.tolist() == [["湖北", "党建"]]


def test_keyness_with_one_group_is_empty_with_columns():
    k = an.keyness(make_corpus(ROWS[:3]))  # one document, one province
    assert k.empty and list(k.columns) == an.KEYNESS_COLUMNS
    by_year = an.keyness(make_corpus(), by="year", min_freq=1)
    assert set(by_year["group"]) <= {2019, 2024} and by_year["group"].dtype == "int64"
    with pytest.raises(ParameterError, match="unknown column"):
        an.keyness(make_corpus(), by="city")


# ---- similarity -----------------------------------------------------------------------------------


def test_similarity_cosines_by_hand():
    rows = [
        ("a-2019-x", "河南", 2019, "工作要点", "1", "t", "科普", [], ["科普", "学会"]),
        ("b-2019-x", "湖北", 2019, "工作要点", "1", "t", "科普", [], ["学会", "科普"]),
        ("c-2019-x", "黑龙江", 2019, "工作要点", "1", "t", "科普", [], ["党建"]),
    ]
    s = an.similarity(make_corpus(rows))
    # each pair once, never a document with itself
    assert list(s.columns) == an.SIMILARITY_COLUMNS and len(s) == 3
    assert s[["doc_a", "doc_b"]].values.tolist() == [["a-2019-x", "b-2019-x"], ["a-2019-x", "c-2019-x"],
                                                     ["b-2019-x", "c-2019-x"]]
    cos = s.set_index(["doc_a", "doc_b"])["cosine"]
    assert cos[("a-2019-x", "b-2019-x")] == pytest.approx(1.0)  # same bag of words
    assert cos[("a-2019-x", "c-2019-x")] == pytest.approx(0.0)  # nothing shared
    assert s.loc[0, "label_a"] == "河南 2019 工作要点"
    m = an.similarity_matrix(s, by="id")
    assert (m.values == m.values.T).all() and m.loc["c-2019-x", "c-2019-x"] == 1.0
    assert m.loc["b-2019-x", "a-2019-x"] == pytest.approx(1.0)


def test_similarity_partial_overlap_matches_tfidf_by_hand():
    # idf (smooth): shared term ln(3/3)+1 = 1, own terms ln(3/2)+1; docs d1 = [x, y], d2 = [x, z]
    rows = [
        ("d1", "河南", 2019, "工作要点", "1", "t", "科普", [], ["x", "y"]),
        ("d2", "湖北", 2019, "工作要点", "1", "t", "科普", [], ["x", "z"]),
    ]
    w = math.log(3 / 2) + 1
    expected = 1 / (1 + w * w)  # (1·1) / (|(1, w)| · |(1, w)|)
    s = an.similarity(make_corpus(rows)).set_index(["doc_a", "doc_b"])["cosine"]
    assert s[("d1", "d2")] == pytest.approx(expected)


def test_similarity_units_and_degenerate_corpora():
    one = an.similarity(make_corpus(ROWS[:3]))
    assert one.empty and list(one.columns) == an.SIMILARITY_COLUMNS  # one document: no pair
    prov = an.similarity(make_corpus(), unit="province")
    assert prov[["doc_a", "doc_b"]].values.tolist() == [["河南", "湖北"]]
    items = an.similarity(make_corpus(), unit="item")
    assert len(items) == len(ROWS) * (len(ROWS) - 1) // 2
    same = items[(items.doc_a == "henan-2019-gzyd 一/1") & (items.doc_b == "henan-2024-gzyd 一/2")]
    assert same["cosine"].iloc[0] == pytest.approx(1.0)  # the same sentence in 2019 and 2024
    no_tokens = [r[:8] + ([],) for r in ROWS[3:]]  # 河南 2024 and 湖北 2019 without a token
    flat = an.similarity(make_corpus(no_tokens))
    assert flat["cosine"].tolist() == [0.0]  # two documents without a token share nothing
    with pytest.raises(ParameterError, match="unit must be"):
        an.similarity(make_corpus(), unit="sentence")
    with pytest.raises(ParameterError, match="6 units"):
        an.similarity(make_corpus(), unit="item", max_units=5)


# ---- change over time -------------------------------------------------------------------------------


def test_term_changes_henan_2019_to_2024():
    t = an.term_changes(make_corpus(), "河南")
    assert list(t.columns) == an.TERM_CHANGE_COLUMNS
    assert set(zip(t.from_year, t.to_year)) == {(2019, 2024)}
    appears = t[t.change == "appears"]
    assert appears["term"].tolist() == sorted(["高端", "智库"])  # only in 2024, ties sorted by term
    disappears = t[t.change == "disappears"]
    assert set(disappears["term"]) == {"党建", "引领", "科技馆"}
    assert "科普日" not in set(t["term"])  # used both years
    assert (t["freq"] == 1).all()
    assert len(an.term_changes(make_corpus(), "河南", top_n=1)) == 2


def test_term_changes_one_year_and_bad_parameters():
    t = an.term_changes(make_corpus(), "湖北")
    assert t.empty and list(t.columns) == an.TERM_CHANGE_COLUMNS
    with pytest.raises(ParameterError, match="2024"):
        an.term_changes(make_corpus(), "湖北", years=[2019, 2024])  # in the corpus, not for 湖北
    with pytest.raises(ParameterError, match="河南 has no plan for 2020; its years: 2019、2024"):
        an.term_changes(make_corpus(), "河南", years=[2020])


def test_theme_changes_deltas_by_hand():
    t = an.theme_changes(make_corpus(), "河南")
    assert list(t.columns) == an.THEME_CHANGE_COLUMNS
    assert t["year"].tolist() == [2019] * 3 + [2024] * 3
    assert t["theme"].tolist() == THEMES * 2
    y19 = t[t.year == 2019]
    assert y19["delta"].isna().all()  # nothing before the first year
    d = t[t.year == 2024].set_index("theme")["delta"]
    assert d["科普"] == pytest.approx(1 / 2 - 2 / 3)
    assert d["智库"] == pytest.approx(1 / 2)
    assert d["党建"] == pytest.approx(-1 / 3)
    assert d.sum() == pytest.approx(0.0)


# ---- shared phrases -------------------------------------------------------------------------------


def _phrase_corpus():
    rows = [
        ("henan-2019-gzyd", "河南", 2019, "工作要点", "1", "落实“3+1”改革，开展科技志愿服务", "组织", [],
         ["落实", "3+1", "改革", "科技", "志愿", "服务"]),
        ("hubei-2021-gzyd", "湖北", 2021, "工作要点", "1", "推进“３＋１”试点和科技志愿服务", "组织", [],
         ["3+1", "试点", "科技", "志愿", "服务"]),
        ("henan-2024-gzyd", "河南", 2024, "工作要点", "1", "庆祝“全国科技工作者日”，宣传《科普法》", "科普", [],
         ["庆祝", "全国科技工作者日", "宣传", "科普法"]),
        ("heilongjiang-2022-gzyd", "黑龙江", 2022, "工作要点", "1", "办好全国科技工作者日活动，学习《科普法》", "科普", [],
         ["办好", "全国科技工作者日", "活动", "学习", "科普法"]),
    ]
    return make_corpus(rows, themes=["组织", "科普"])


def test_shared_phrases_diffusion_earliest_first():
    s = an.shared_phrases(_phrase_corpus())
    assert list(s.columns) == an.SHARED_PHRASE_COLUMNS
    phrases = s["phrase"].drop_duplicates().tolist()
    # 2019 phrases first (quoted before n-grams), then 2022
    assert phrases == ["3+1", "科技志愿服务", "全国科技工作者日", "科普法"]
    p31 = s[s.phrase == "3+1"]  # full-width ３＋１ counts as the same slogan
    assert p31[["province", "year"]].values.tolist() == [["河南", 2019], ["湖北", 2021]]
    assert set(p31["first_year"]) == {2019} and set(p31["first_province"]) == {"河南"}
    assert set(p31["kind"]) == {"quoted"} and set(p31["n_provinces"]) == {2}
    day = s[s.phrase == "全国科技工作者日"]  # 黑龙江 wrote it without quotes, first
    assert day["province"].tolist() == ["黑龙江", "河南"]
    assert set(day["first_province"]) == {"黑龙江"} and set(day["first_year"]) == {2022}
    assert set(s.loc[s.phrase == "科普法", "kind"]) == {"title"}
    ngram = s[s.kind == "ngram"]
    # 科技志愿 / 志愿服务 are dropped: the longer 科技志愿服务 has exactly the same uses
    assert set(ngram["phrase"]) == {"科技志愿服务"}
    assert (s["count"] == 1).all()


def test_shared_phrases_thresholds_and_single_document():
    assert an.shared_phrases(_phrase_corpus(), min_provinces=3).empty
    assert an.shared_phrases(_phrase_corpus(), top_n=1)["phrase"].unique().tolist() == ["3+1"]
    one = an.shared_phrases(make_corpus(ROWS[:3]))
    assert one.empty and list(one.columns) == an.SHARED_PHRASE_COLUMNS
    solo = an.shared_phrases(_phrase_corpus().select(doc_ids=["henan-2019-gzyd"]), min_provinces=1)
    assert set(solo["phrase"]) >= {"3+1"} and set(solo["first_province"]) == {"河南"}


# ---- targets and departments -------------------------------------------------------------------------


def _targets(with_object=True):
    t = pd.DataFrame({
        "doc_id": ["henan-2019-gzyd", "henan-2019-gzyd", "henan-2024-gzyd", "henan-2019-gzyd", "hubei-2019-gzyd",
                   "henan-2019-gzyd"],
        "item_id": ["一/1", "一/3", "一/2", "一/1", "1", "一/3"],
        "phrase": ["不少于200场", "3个", "100场", "80%", "50场", "新建18个"],
        "value": [200.0, 3.0, 100.0, 80.0, 50.0, 18.0],
        "value_high": [None] * 6,
        "unit": ["场", "个", "场", "%", "场", "个"],
        "qualifier": ["不少于", None, None, None, None, None],
        "object": ["科普活动", "科技馆", "科普活动", "覆盖率", "党建活动", "科普基地"],
    })
    return t if with_object else t.drop(columns="object")


def test_targets_by_theme_counts_targets_never_values():
    t = an.targets_by_theme(make_corpus(targets=_targets()))
    assert list(t.columns) == an.TARGETS_BY_THEME_COLUMNS == ["theme", "province", "year", "n_targets"]
    assert t.values.tolist() == [["党建", "湖北", 2019, 1], ["科普", "河南", 2019, 4], ["科普", "河南", 2024, 1]]
    assert "not their values" in t.attrs["counts"] and "工作要点, 省级" in t.attrs["counts"]
    none = an.targets_by_theme(make_corpus())
    assert none.empty and list(none.columns) == an.TARGETS_BY_THEME_COLUMNS


def test_target_values_are_added_only_within_one_object_and_unit():
    v = an.targets_by_theme(make_corpus(targets=_targets()), values=True)
    assert list(v.columns) == an.TARGET_VALUES_COLUMNS
    henan19 = v[(v.province == "河南") & (v.year == 2019)]
    # 3 个 科技馆 and 18 个 科普基地 share a unit but not an object: never added together
    assert henan19[["object", "unit", "n_targets", "total_value"]].fillna(-1).values.tolist() == [
        ["科技馆", "个", 1, 3.0], ["科普基地", "个", 1, 18.0], ["科普活动", "场", 1, 200.0], ["覆盖率", "%", 1, -1]]
    assert v["basis"].isna().all()  # no basis column: one basis
    assert math.isnan(henan19.loc[henan19.unit == "%", "total_value"].iloc[0])  # rates are not added
    assert v["n_targets"].sum() == len(_targets())
    assert "never added" in v.attrs["counts"]
    # without targets.object nothing is added at all: counts per unit only
    w = an.targets_by_theme(make_corpus(targets=_targets(with_object=False)), values=True)
    assert w["total_value"].isna().all() and w["object"].isna().all()
    assert w["n_targets"].sum() == len(_targets())


def test_an_increase_and_the_total_it_reaches_are_not_added():
    """The issue's example: 18 new 科普信息化试点县 (新增) and the 55 they bring the total to (总量)."""
    t = _targets().iloc[:2].assign(item_id=["一/1", "一/1"], phrase=["新建18个", "总数达到55个"], value=[18.0, 55.0],
                                   unit=["个", "个"], object=["科普信息化试点县"] * 2, basis=["新增", "总量"])
    v = an.targets_by_theme(make_corpus(targets=t), values=True)
    assert v[["basis", "n_targets", "total_value"]].values.tolist() == [["总量", 1, 55.0], ["新增", 1, 18.0]]
    assert an.targets_by_theme(make_corpus(targets=t))["n_targets"].tolist() == [2]


def test_departments_by_theme_by_hand():
    d = an.departments_by_theme(make_corpus())
    assert list(d.columns) == ["department", "theme", "n_items"]
    depts = d["department"].drop_duplicates().tolist()
    assert depts[0] == "科学技术普及部" and depts[1:] == sorted(["机关党委", "省科技馆", "调研宣传部"])
    n = d.set_index(["department", "theme"])["n_items"]
    assert n[("科学技术普及部", "科普")] == 3 and n[("科学技术普及部", "党建")] == 0
    assert n[("调研宣传部", "智库")] == 1
    assert d["n_items"].sum() == sum(len(r[7]) for r in ROWS)
    top = an.departments_by_theme(make_corpus(), top_n=1)
    assert top["department"].unique().tolist() == ["科学技术普及部"] and len(top) == len(THEMES)


# ---- kwic, filters, parameter checks ------------------------------------------------------------------


def test_kwic_contexts():
    k = an.kwic(make_corpus(), "科普", width=2)
    assert list(k.columns) == an.KWIC_COLUMNS
    assert k[["doc_id", "left", "keyword", "right"]].values.tolist() == [
        ["henan-2019-gzyd", "开展", "科普", "日活"], ["henan-2024-gzyd", "开展", "科普", "日活"]]
    assert an.kwic(make_corpus(), "党建")["item_id"].tolist() == ["一/2", "1"]
    assert an.kwic(make_corpus(), "不存在").empty
    with pytest.raises(ParameterError, match="keyword"):
        an.kwic(make_corpus(), " ")


def test_filter_items_and_validate_selection():
    c = make_corpus()
    assert len(an.filter_items(c, provinces="河南", themes="科普")) == 3
    assert len(an.filter_items(c, years=2019)) == 4
    assert an.filter_items(c, themes=["党建", "智库"])["item_id"].tolist() == ["一/2", "一/1", "1"]
    with pytest.raises(ParameterError, match="known years: \\[2019, 2024\\]"):
        an.validate_selection(c, years=[2020])
    with pytest.raises(ParameterError, match="党建、科普、智库"):
        an.validate_selection(c, themes=["文化"])
    assert an.validate_selection(c, years=["2024年", 2019])["years"] == [2019, 2024]
    with pytest.raises(ParameterError, match="doc_type"):
        an.filter_items(c, doc_types="规划")


def test_validate_selection_accepts_province_aliases():
    c = make_corpus()
    assert an.validate_selection(c, province="河南省")["province"] == "河南"
    assert an.validate_selection(c, province="豫")["province"] == "河南"
    assert an.validate_selection(c, provinces=["鄂", "河南", "湖北省"])["provinces"] == ["湖北", "河南"]
    assert len(an.filter_items(c, provinces="豫", years=2024)) == 2
    with pytest.raises(ParameterError, match="'江苏' is not in this corpus; known provinces: 河南、湖北"):
        an.validate_selection(c, province="江苏")
    with pytest.raises(ParameterError, match="'火星' is not a province name"):
        an.validate_selection(c, provinces=["河南", "火星"])
    with pytest.raises(ParameterError, match=r"湖北 has no plan for 2024; its years: 2019"):
        an.term_changes(c, "湖北省", years=[2024])  # canonicalised, then: 湖北 has no 2024 plan


def test_shared_phrases_short_quotes_and_titles_count_only_when_marked():
    rows = [
        ("henan-2019-gzyd", "河南", 2019, "工作要点", "1", "深化“省会”“省院”合作，落实“省会合作”，订阅《科协工作》", "组织", [], []),
        ("hubei-2020-gzyd", "湖北", 2020, "工作要点", "1", "推进省会合作，召开科协工作会议", "组织", [], []),
        ("heilongjiang-2021-gzyd", "黑龙江", 2021, "工作要点", "1", "省会城市科协工作", "组织", [], []),
    ]
    s = an.shared_phrases(make_corpus(rows, themes=["组织"]))
    uses = {(r.phrase, r.kind): sorted(s.loc[(s.phrase == r.phrase) & (s.kind == r.kind), "province"])
            for r in s.itertuples()}
    assert uses[("省会合作", "quoted")] == ["河南", "湖北"]  # counted unquoted too
    # 省会 (two characters) counts only quoted: 黑龙江's 省会城市 is the capital city, not the slogan
    assert ("省会", "quoted") not in uses
    one = an.shared_phrases(make_corpus(rows, themes=["组织"]), min_provinces=1)
    assert one.loc[one.phrase == "省会", ["province", "count"]].values.tolist() == [["河南", 1]]
    assert ("科协工作", "title") not in uses  # 科协工作 outside 《》 is not the journal's title


def test_ngrams_never_span_a_dropped_word():
    # 和 is not a content token: 科技 and 志愿 are consecutive tokens but not adjacent in the text
    rows = [
        ("henan-2019-gzyd", "河南", 2019, "工作要点", "1", "科技和志愿服务", "组织", [], ["科技", "志愿", "服务"]),
        ("hubei-2019-gzyd", "湖北", 2019, "工作要点", "1", "科技与志愿服务", "组织", [], ["科技", "志愿", "服务"]),
    ]
    s = an.shared_phrases(make_corpus(rows, themes=["组织"]))
    assert s["phrase"].unique().tolist() == ["志愿服务"]
    from compare.analysis.slogans import _adjacent_runs

    assert _adjacent_runs("科技和志愿服务", ["科技", "志愿", "服务"]) == [["志愿", "服务"]]
    assert _adjacent_runs("科协科协", ["科协", "科协"]) == [["科协", "科协"]]


def test_changes_over_time_by_document_type():
    extra = ("henan-2024-xhxs", "河南", 2024, "学会学术工作要点", "1", "学会治理改革", "党建", [], ["学会治理", "改革"])
    c = make_corpus([*ROWS, extra])
    pooled = an.term_changes(c, "河南", doc_types=None)
    assert "学会治理" in set(pooled["term"])
    assert an.term_changes(c, "河南").equals(an.term_changes(make_corpus(), "河南"))  # like with like by default
    plans = an.term_changes(c, "河南", doc_types="工作要点")
    assert plans.equals(an.term_changes(make_corpus(), "河南"))  # as if the 学会学术 plan were not there
    th = an.theme_changes(c, "河南", doc_types=["工作要点"])
    assert th.equals(an.theme_changes(make_corpus(), "河南"))
    with pytest.raises(ParameterError, match="湖北 has no plan of type 学会学术工作要点; its plans are 工作要点"):
        an.theme_changes(c, "湖北", doc_types="学会学术工作要点")
    with pytest.raises(ParameterError, match="河南 has no plan of type 规划; its plans are"):
        an.term_changes(c, "河南", doc_types="规划")
    with pytest.raises(ParameterError, match="unknown doc_type"):
        an.term_changes(c, "河南", doc_types="年度计划")


def test_corpus_repr_is_a_short_summary():
    assert repr(make_corpus()) == (
        "Corpus(3 documents, 6 items, 0 targets; provinces 河南、湖北; years 2019–2024; themes 党建、科普、智库)")


# ---- the analyst's API: scalar or list, the same names everywhere, like with like ------------------------


def test_select_takes_a_scalar_or_a_list_and_never_splits_a_string():
    c = make_corpus()
    one = c.select(provinces="河南")  # not 河 and 南
    assert one.provinces == ["河南"] and len(one.items) == 5
    assert c.select(provinces=["河南"]).items.equals(one.items)
    assert c.select(years=2019).years == [2019]
    assert c.select(years="2024年").years == [2024]
    assert c.select(provinces="豫", years=[2024]).documents["doc_id"].tolist() == ["henan-2024-gzyd"]
    assert c.select(provinces="河南省").provinces == ["河南"]
    assert c.select(doc_types="工作要点").items.equals(c.items)
    assert c.select(levels="省级").items.equals(c.items)  # no level column: every plan is 省级
    themed = c.select(themes="科普")
    assert themed.items_themed["theme"].unique().tolist() == ["科普"] and themed.provinces == ["河南"]
    assert len(themed.item_themes) == len(themed.items) == 3


def test_select_says_which_filter_removed_everything():
    c = make_corpus()
    with pytest.raises(EmptyCorpusError, match=r"no documents left after provinces=\['江苏'\] \(the corpus has provinces 河南、湖北\)"):
        c.select(provinces="苏")
    with pytest.raises(EmptyCorpusError, match=r"after years=\[2024\] \(provinces=\['湖北'\] left years 2019\)"):
        c.select(provinces="鄂", years=2024)
    with pytest.raises(EmptyCorpusError, match=r"no items left after themes=\['智库'\] \(provinces=\['湖北'\]\)"):
        c.select(provinces="湖北", themes="智库")
    with pytest.raises(ParameterError, match="'火星' is not a province name"):
        c.select(provinces="火星")


def test_selection_parameters_have_the_same_names_everywhere():
    c = make_corpus()
    sel = an.validate_selection(c, provinces="豫", years=2019, themes="科普", doc_types="工作要点", levels="省级")
    assert sel["provinces"] == ["河南"] and sel["years"] == [2019] and sel["themes"] == ["科普"]
    assert sel["doc_types"] == ["工作要点"] and sel["levels"] == ["省级"]
    assert an.filter_items(c, provinces="河南", years=2019, themes="科普")["item_id"].tolist() == ["一/1", "一/3"]
    assert an.kwic(c, "科普", provinces="豫", years=2024)["doc_id"].tolist() == ["henan-2024-gzyd"]
    with pytest.raises(ParameterError, match="unknown level"):
        an.validate_selection(c, levels="乡级")


def test_grouped_outputs_keep_the_by_column_names():
    c = make_corpus()
    for by in ("province", ["province"], ("province", "year"), ["year", "doc_type"]):
        cols = [by] if isinstance(by, str) else list(by)
        assert list(an.theme_shares(c, by=by).columns[:len(cols)]) == cols
        assert list(an.theme_share_matrix(c, by=by).columns) == [*cols, "theme", "share"]


def _documents(rows):
    """documents with the intake columns level and department."""
    return pd.DataFrame(rows, columns=["doc_id", "province", "year", "doc_type", "level", "department"])


def test_like_with_like_levels_departments_and_key_work():
    docs = _documents([
        ("henan-2024-gzyd", "河南", 2024, "工作要点", "省级", None),
        ("henan-2024-zdgz", "河南", 2024, "重点工作", "省级", None),
        ("henan-2024-kpb", "河南", 2024, "工作要点", "省级", "科普部"),
        ("zhengzhou-2024-gzyd", "河南", 2024, "工作要点", "市级", None),
        ("henan-2023-zdgz", "河南", 2023, "重点工作", "省级", None),
        ("hubei-2024-sggz", "湖北", 2024, "深化改革工作要点", "省级", None),
    ])
    def ids(df):
        return df["doc_id"].tolist()

    assert ids(an.like_with_like(docs)) == ["henan-2024-gzyd"]
    assert ids(an.like_with_like(docs, include_departments=True)) == ["henan-2024-gzyd", "henan-2024-kpb"]
    assert ids(an.like_with_like(docs, levels="市级")) == ["zhengzhou-2024-gzyd"]
    assert ids(an.like_with_like(docs, levels=None)) == ["henan-2024-gzyd", "zhengzhou-2024-gzyd"]
    # every type: 2024's 重点工作 repeats its 工作要点 and is left out; 2023 has no 工作要点, so its 重点工作 stays
    assert ids(an.like_with_like(docs, doc_types=None)) == ["henan-2024-gzyd", "henan-2023-zdgz", "hubei-2024-sggz"]
    assert ids(an.like_with_like(docs, doc_types=["工作要点", "重点工作"])) == ["henan-2024-gzyd", "henan-2023-zdgz"]
    assert ids(an.like_with_like(docs, doc_types="重点工作")) == ["henan-2024-zdgz", "henan-2023-zdgz"]
    # a 科普部 重点工作 is not the association's: the association's 工作要点 does not remove it
    dept = _documents([("a", "河南", 2024, "工作要点", "省级", None), ("b", "河南", 2024, "重点工作", "省级", "科普部")])
    assert ids(an.like_with_like(dept, doc_types=None, include_departments=True)) == ["a", "b"]
    # tables written before the intake columns existed: every plan is 省级, none is a department's
    old = docs.drop(columns=["level", "department"])
    assert ids(an.like_with_like(old)) == ["henan-2024-gzyd", "henan-2024-kpb", "zhengzhou-2024-gzyd"]
    with pytest.raises(ParameterError, match="unknown level"):
        an.like_with_like(docs, levels="province")


def test_comparisons_leave_out_city_and_department_plans():
    extra = [
        ("zhengzhou-2019-gzyd", "河南", 2019, "工作要点", "1", "郑州市科协科普", "科普", [], ["郑州", "科普"]),
        ("henan-2019-kpb", "河南", 2019, "工作要点", "1", "科普部科普", "科普", [], ["科普部", "科普"]),
    ]
    c = make_corpus([*ROWS, *extra])
    docs = c.documents.assign(level="省级", department=None)
    docs.loc[docs.doc_id == "zhengzhou-2019-gzyd", "level"] = "市级"
    docs.loc[docs.doc_id == "henan-2019-kpb", "department"] = "科普部"
    c = an.Corpus.from_frames(items=c.items, documents=docs, item_themes=c.item_themes, tokens=c.tokens)
    base = make_corpus()
    assert an.theme_shares(c).equals(an.theme_shares(base))
    assert an.keyness(c, min_freq=1).equals(an.keyness(base, min_freq=1))
    assert an.similarity(c).equals(an.similarity(base))
    assert len(an.theme_shares(c, levels=None, include_departments=True, by="doc_id")) == 5 * len(THEMES)
    assert "郑州" in set(an.keyness(c, levels=None, min_freq=1, max_p=None)["term"])
    assert an.similarity(c, unit="province").equals(an.similarity(base, unit="province"))
    # the analyst's own corpus, still complete
    assert len(c.select(levels="市级").items) == 1
    # documents columns group too: every level side by side, only when asked
    by_level = an.theme_shares(c, by=("province", "level"), levels=None)
    assert sorted(set(by_level["level"])) == ["市级", "省级"]
    assert by_level.groupby("level")["n_items"].sum().to_dict() == {"市级": 1, "省级": 6}
    assert set(an.keyness(c, by="level", levels=None, min_freq=1, max_p=None)["group"]) == {"市级", "省级"}


# ---- the public API's examples run --------------------------------------------------------------------

def _documented_modules() -> list[str]:
    import pkgutil

    import compare.analysis

    return ["compare.analysis", *(f"compare.analysis.{m.name}" for m in pkgutil.iter_modules(compare.analysis.__path__)),
            "compare.core.errors"]


@pytest.mark.parametrize("module", _documented_modules())
def test_docstring_examples_run(module):
    """Every `>>>` example in compare.analysis (and the errors module) runs and prints what it says."""
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {module} failed (see stdout)"


def test_public_functions_have_examples():
    """The analyst's API is documented with examples (doctests, run above)."""
    import inspect

    missing = []
    for name in an.__all__:
        obj = getattr(an, name)
        if inspect.isfunction(obj) and name not in {"comparable"} and ">>>" not in (obj.__doc__ or ""):
            missing.append(name)
    for meth in ("select", "like_with_like"):
        if ">>>" not in getattr(an.Corpus, meth).__doc__:
            missing.append(f"Corpus.{meth}")
    assert not missing, f"public functions without an example: {missing}"


def test_keyness_of_some_groups_is_the_same_rows():
    c = make_corpus()
    whole = an.keyness(c, min_freq=1, top_n=None)
    for groups in ("河南", ["豫"], ["湖北", "河南"]):
        part = an.keyness(c, min_freq=1, top_n=None, groups=groups)
        wanted = an.canonical_provinces(groups)
        pd.testing.assert_frame_equal(part, whole[whole.group.isin(wanted)].reset_index(drop=True))
    by_year = an.keyness(c, by="year", min_freq=1, groups=2024)
    pd.testing.assert_frame_equal(by_year, an.keyness(c, by="year", min_freq=1).query("group == 2024")
                                  .reset_index(drop=True))


def test_similar_pairs_are_the_best_cosines_of_similarity():
    rows = [
        ("a-2019-x", "河南", 2019, "工作要点", "1", "t", "科普", [], ["科普", "学会", "智库"]),
        ("b-2019-x", "湖北", 2019, "工作要点", "1", "t", "科普", [], ["学会", "科普"]),
        ("c-2019-x", "黑龙江", 2019, "工作要点", "1", "t", "科普", [], ["党建", "智库"]),
        ("d-2020-x", "河南", 2020, "工作要点", "1", "t", "科普", [], ["科普", "学会", "智库"]),
    ]
    c = make_corpus(rows)
    sim = an.similarity(c).set_index(["doc_a", "doc_b"])["cosine"]
    pairs = an.similar_pairs(c, top_n=2)
    assert list(pairs.columns) == an.SIMILAR_PAIRS_COLUMNS
    # a and d (both 河南) are identical but not across provinces; a-b and d-b are the best pairs
    assert pairs["label_a"].tolist() == ["河南 2019 工作要点", "湖北 2019 工作要点"]
    assert pairs["cosine"].iloc[0] == pytest.approx(sim[("a-2019-x", "b-2019-x")])
    within = an.similar_pairs(c, top_n=1, across_provinces=False)
    assert within["cosine"].tolist() == [pytest.approx(1.0)]
    assert an.similar_pairs(make_corpus(rows[:1])).empty


def test_term_changes_skips_a_year_whose_plan_has_no_items():
    c = corpus_with_empty_plan()
    t = an.term_changes(c, "河南")
    assert set(zip(t["from_year"], t["to_year"])) == {(2019, 2024)}
    assert t[t.change == "appears"]["term"].tolist() == ["智库", "高端"]
    # the same years as theme_changes (which has no rows for 2022) and its chart
    assert sorted(set(an.theme_changes(c, "河南")["year"])) == [2019, 2024]
    # asked for explicitly, the empty year is still no comparison partner
    t = an.term_changes(c, "河南", years=[2019, 2022, 2024])
    assert set(zip(t["from_year"], t["to_year"])) == {(2019, 2024)}


def test_a_province_year_error_lists_the_province_years():
    c = an.example_corpus()
    with pytest.raises(ParameterError, match=r"湖北 has no plan for 2024; its years: 2019$"):
        an.validate_selection(c, province="鄂", years=2024)
    with pytest.raises(ParameterError, match=r"河南 has no plan for 2030; its years: 2019、2024$"):
        an.validate_selection(c, province="河南", years=[2019, 2030])
    assert an.validate_selection(c, province="河南", years="2024年")["years"] == [2024]
    with pytest.raises(ParameterError, match=r"known years: \[2019, 2024\]"):  # no province: the corpus's
        an.validate_selection(c, years=2030)
