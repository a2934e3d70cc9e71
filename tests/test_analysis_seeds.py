"""compare.analysis on the seed plans (ingested and themed once per session): golden facts read off
the raw texts, and invariants every comparison must keep on real Chinese text.

The seeds hold six documents: 河南 2019 工作要点, 2022 学会学术工作要点, 2024 重点工作 and 工作要点 (one
file), 湖北 2019 工作要点 and 黑龙江 2019 深化改革工作要点. By default a comparison is like with like:
the three 工作要点 (河南 2019 and 2024, 湖北 2019). `ALL` compares every type (the 2024 重点工作 still
left out: it repeats its 工作要点)."""
from __future__ import annotations

import numpy as np
import pytest

from compare import analysis as an
from compare.core import io
from compare.core.errors import EmptyCorpusError, ParameterError

ALL = {"doc_types": None, "levels": None}  # every document type and level
PLANS = ["henan-2019-gzyd", "henan-2024-gzyd", "hubei-2019-gzyd"]  # the 工作要点: compared by default


@pytest.fixture(scope="module")
def corpus(themed_dir) -> an.Corpus:
    c = an.Corpus.load(themed_dir)
    c.tokens  # noqa: B018 - segment once for the module
    return c


def _item_text(corpus, province, year=None):
    items = corpus.items
    mask = items["province"] == province
    if year is not None:
        mask &= items["year"] == year
    return "\n".join(items.loc[mask, "text"])


def test_corpus_of_the_seeds(corpus):
    assert corpus.provinces == ["河南", "湖北", "黑龙江"]
    assert corpus.years == [2019, 2022, 2024]
    assert len(corpus.items) == int(corpus.documents["n_items"].sum())
    assert len(corpus.tokens) == len(corpus.items) and all(corpus.tokens)
    assert corpus.items_themed["theme"].isin(corpus.themes).all()


def test_theme_shares_match_the_written_table_and_sum_to_one(corpus, themed_dir):
    written = io.read_table("theme_shares", themed_dir)
    everything = an.theme_shares(corpus, doc_types=None, levels=None, include_departments=True)
    # the table keeps every type; a comparison of every type leaves out the 重点工作 beside its 工作要点
    assert set(zip(everything.province, everything.year, everything.doc_type)) == set(
        zip(written.province, written.year, written.doc_type)) - {("河南", 2024, "重点工作")}
    shares = an.theme_shares(corpus)  # like with like: the 工作要点 rows of the table
    plans = written[written.doc_type == "工作要点"].reset_index(drop=True)
    assert shares.equals(plans[shares.columns.tolist()])
    per_group = shares.groupby(["province", "year", "doc_type"])
    assert np.allclose(per_group["share_items"].sum(), 1) and np.allclose(per_group["share_chars"].sum(), 1)
    assert (per_group.size() == len(corpus.themes)).all()  # zeros included
    m = an.theme_share_matrix(corpus, by=("province",), **ALL)
    counts = an.theme_shares(corpus, by=("province",), **ALL).groupby("province")["n_items"].sum()
    no_key_work = corpus.items[corpus.items.doc_id != "henan-2024-zdgz"]
    assert counts.to_dict() == no_key_work["province"].value_counts().to_dict()
    assert np.allclose(m.groupby("province")["share"].sum(), 1)
    only_plans = an.theme_share_matrix(corpus, by=("province", "year"), doc_types="工作要点")
    assert sorted(set(zip(only_plans.province, only_plans.year))) == [("河南", 2019), ("河南", 2024), ("湖北", 2019)]


def test_keyness_on_the_seeds(corpus):
    assert set(an.keyness(corpus, by="province", top_n=20)["group"]) == {"河南", "湖北"}  # 工作要点 only
    k = an.keyness(corpus, by="province", top_n=20, **ALL)
    assert set(k["group"]) == {"河南", "湖北", "黑龙江"}
    assert k["p_value"].between(0, 1).all() and (k["statistic"] > 0).all()
    for _, g in k.groupby("group"):
        assert g["rank"].tolist() == list(range(1, len(g) + 1))
        assert g["statistic"].is_monotonic_decreasing
    # 科创中原 (河南's own brand, absent from 湖北 and 黑龙江) is distinctive of 河南; its count is
    # that of the token in 河南's items, at most the literal count (科创中原论坛 is a word of its own)
    row = k[(k.group == "河南") & (k.term == "科创中原")]
    assert len(row) == 1 and row["freq_reference"].iloc[0] == 0
    n_tokens = sum(t.count("科创中原") for t, p, d in zip(corpus.tokens, corpus.items["province"], corpus.items["doc_id"])
                   if p == "河南" and d != "henan-2024-zdgz")
    assert row["freq_target"].iloc[0] == n_tokens
    assert 0 < n_tokens <= _item_text(corpus, "河南").count("科创中原")
    assert "科创中原" not in _item_text(corpus, "湖北") + _item_text(corpus, "黑龙江")


def test_similarity_on_the_seeds(corpus):
    s = an.similarity(corpus)
    assert sorted(set(s["doc_a"]) | set(s["doc_b"])) == PLANS and len(s) == 3  # each pair once
    s = an.similarity(corpus, **ALL)
    n = len(corpus.documents) - 1  # the 2024 重点工作 is not compared beside its 工作要点
    assert len(s) == n * (n - 1) // 2 and not (s.doc_a == s.doc_b).any()
    assert len(set(map(frozenset, zip(s.doc_a, s.doc_b)))) == len(s)  # never both directions
    m = an.similarity_matrix(s, by="id")
    assert m.shape == (n, n) and np.allclose(m.values, m.values.T) and np.allclose(np.diag(m.values), 1)
    assert s["cosine"].between(0, 1).all()
    pairs = s.sort_values("cosine", ascending=False)
    # the two 河南 工作要点 (2019 and 2024) are the closest pair of documents
    assert set(pairs[["doc_a", "doc_b"]].iloc[0]) == {"henan-2019-gzyd", "henan-2024-gzyd"}


def test_henan_change_over_time(corpus):
    t = an.term_changes(corpus, "河南省", top_n=50, **ALL)
    assert sorted(set(zip(t.from_year, t.to_year))) == [(2019, 2022), (2022, 2024)]
    # 科创中原 is not in the 2019 plan and is in 2022's: it appears
    assert "科创中原" not in _item_text(corpus, "河南", 2019)
    row = t[(t.from_year == 2019) & (t.change == "appears") & (t.term == "科创中原")]
    assert len(row) == 1 and 0 < row["freq"].iloc[0] <= _item_text(corpus, "河南", 2022).count("科创中原")
    for (y0, y1, change), g in t.groupby(["from_year", "to_year", "change"]):
        absent_in = y0 if change == "appears" else y1
        absent_tokens = {w for toks, yr, p in zip(corpus.tokens, corpus.items["year"], corpus.items["province"])
                         if p == "河南" and yr == absent_in for w in toks}  # every 河南 plan of that year
        assert not set(g["term"]) & absent_tokens
    # like with like (the default): only the two general plans (工作要点) of 2019 and 2024
    plans = an.term_changes(corpus, "河南")
    assert sorted(set(zip(plans.from_year, plans.to_year))) == [(2019, 2024)]
    assert plans.equals(an.term_changes(corpus, "河南", doc_types="工作要点"))
    th = an.theme_changes(corpus, "豫", **ALL)
    assert th["year"].unique().tolist() == [2019, 2022, 2024]
    assert np.allclose(th.groupby("year")["share_items"].sum(), 1)
    assert np.allclose(th[th.year > 2019].groupby("year")["delta"].sum(), 0)
    assert th.loc[th.year == 2019, "delta"].isna().all()


def test_shared_phrases_on_the_seeds(corpus):
    s = an.shared_phrases(corpus, **ALL)
    assert (s["year"] >= s["first_year"]).all() and (s["n_provinces"] >= 2).all()
    firsts = s.drop_duplicates(["phrase", "kind"])["first_year"].tolist()
    assert firsts == sorted(firsts)  # earliest first
    # “四个意识” is in each province's 2019 plan
    assert set(s.loc[s.phrase == "四个意识", "province"]) == {"河南", "湖北", "黑龙江"}
    # “省会合作”: 黑龙江 in 2019, then 河南 in 2024 (河南 2019 has no such phrase)
    hz = s[(s.phrase == "省会合作") & (s.kind == "quoted")]
    assert hz[["province", "year"]].drop_duplicates().values.tolist() == [["黑龙江", 2019], ["河南", 2024]]
    assert set(hz["first_province"]) == {"黑龙江"}
    plan_2024 = "\n".join(corpus.items.loc[corpus.items.doc_id == "henan-2024-gzyd", "text"])
    assert hz.loc[hz.province == "河南", "count"].sum() == plan_2024.count("省会合作")


def test_targets_departments_and_kwic_on_the_seeds(corpus):
    t = an.targets_by_theme(corpus)
    assert t["n_targets"].sum() == corpus.targets["doc_id"].isin(PLANS).sum()
    assert t["theme"].isin(corpus.themes).all()
    everything = an.targets_by_theme(corpus, include_departments=True, **ALL)
    assert everything["n_targets"].sum() == len(corpus.targets)  # the 重点工作 sets no numeric target
    values = an.targets_by_theme(corpus, values=True)  # never 18 + 55 = 73 科普信息化试点县 (the example)
    pilots = values[values.object == "科普信息化试点县"].sort_values("total_value")
    assert pilots[["basis", "total_value"]].values.tolist() == [["新增", 18.0], ["总量", 55.0]]
    assert values.groupby(["theme", "province", "year"])["n_targets"].sum().to_dict() == \
        t.set_index(["theme", "province", "year"])["n_targets"].to_dict()
    d = an.departments_by_theme(corpus, **ALL)
    carried = sum(len(set(ds)) for ds, doc in zip(corpus.items["departments"], corpus.items["doc_id"])
                  if doc != "henan-2024-zdgz")
    assert d["n_items"].sum() == carried > 0
    k = an.kwic(corpus, "科普", width=10)
    assert len(k) == sum(text.count("科普") for text in corpus.items["text"])
    assert (k["left"].str.len() <= 10).all() and (k["right"].str.len() <= 10).all()


def test_selection_on_the_seeds(corpus):
    assert len(an.filter_items(corpus, provinces="豫", years=2024)) == int(
        corpus.documents.loc[(corpus.documents.province == "河南") & (corpus.documents.year == 2024), "n_items"].sum())
    with pytest.raises(ParameterError, match="known provinces: 河南、湖北、黑龙江"):
        an.validate_selection(corpus, province="江苏省")
    with pytest.raises(ParameterError, match=r"湖北 has no plan for 2024; its years: 2019"):
        an.theme_changes(corpus, "鄂", years=2024)
    assert corpus.select(provinces="河南", years=2024).documents["doc_id"].tolist() == [
        "henan-2024-zdgz", "henan-2024-gzyd"]
    with pytest.raises(EmptyCorpusError, match=r"no documents left after doc_types=\['规划'\]"):
        corpus.select(provinces="豫", doc_types="规划")


def test_departments_without_collective_recipients(corpus):
    named = an.departments_by_theme(corpus, collective=False, **ALL)
    names = set(named["department"])
    assert {"学会学术部", "组织人事部", "调研宣传部", "办公室"} <= names
    assert not names & {"各全省学会", "机关各部室", "企业科协", "各省辖市科协"}
    busiest = named.groupby("department")["n_items"].sum().sort_values(ascending=False)
    assert busiest.index[0] == "学会学术部"


def test_main_doc_type_compares_like_with_like(corpus):
    assert an.main_doc_type(corpus, "河南") == ("工作要点", [2019, 2024])
    assert an.main_doc_type(corpus, "豫", years=[2022]) == ("学会学术工作要点", [2022])
    assert an.main_doc_type(corpus, "黑龙江") == ("深化改革工作要点", [2019])
    changes = an.theme_changes(corpus, "河南", doc_types="工作要点")
    assert sorted(changes["year"].unique()) == [2019, 2024]


def test_one_office_two_names_counted_once(corpus):
    named = an.departments_by_theme(corpus, collective=False, doc_types=None)
    names = set(named["department"])
    assert "科学技术普及部" in names and "科普部" not in names
    total = named.groupby("department")["n_items"].sum()["科学技术普及部"]
    written = sum(1 for ds, doc in zip(corpus.items["departments"], corpus.items["doc_id"])
                  if {"科普部", "科学技术普及部"} & set(ds) and doc != "henan-2024-zdgz")
    assert total == written


def test_key_work_is_not_counted_beside_its_work_plan(corpus):
    """河南 2024: one file holds the 重点工作 (10 items) and the 工作要点 (19 items); half of the key
    items' headings are written word for word in the 工作要点 (e.g. 全面建成省科技馆新馆并正式运行), so a
    comparison uses the 工作要点 only and the 重点工作 is its own type."""
    items = corpus.items
    key = items[items.doc_id == "henan-2024-zdgz"]
    plan_text = "\n".join(items.loc[items.doc_id == "henan-2024-gzyd", "text"])
    repeated = [h for h in key["heading"] if h.rstrip("。") in plan_text]
    assert len(key) == 10 and len(repeated) >= 5 and "全面建成省科技馆新馆并正式运行" in repeated
    pooled = corpus.like_with_like(doc_types=None)
    assert "henan-2024-zdgz" not in set(pooled.documents["doc_id"])
    assert len(pooled.documents) == 5 and "henan-2022-xhxs" in set(pooled.documents["doc_id"])
    h24 = an.theme_shares(corpus, by=("province", "year"), doc_types=None)
    assert h24[(h24.province == "河南") & (h24.year == 2024)]["n_items"].sum() == 19  # not 29
    # asked for on its own, the 重点工作 is there
    key_only = an.theme_shares(corpus, doc_types="重点工作")
    assert key_only["n_items"].sum() == 10 and set(key_only["doc_type"]) == {"重点工作"}
    assert an.main_doc_type(corpus, "河南", years=2024) == ("工作要点", [2024])


def test_like_with_like_on_the_seeds(corpus):
    """Comparisons default to the 工作要点 of provincial associations; other types only when asked."""
    plans = corpus.like_with_like()
    assert sorted(plans.documents["doc_id"]) == PLANS
    assert set(corpus.documents["level"]) == {"省级"}  # the seeds are all provincial associations' plans
    m = an.theme_share_matrix(corpus, by=("province", "year"))
    assert sorted(set(zip(m.province, m.year))) == [("河南", 2019), ("河南", 2024), ("湖北", 2019)]
    reform = an.theme_share_matrix(corpus, by="province", doc_types="深化改革工作要点")
    assert set(reform["province"]) == {"黑龙江"}
    with pytest.raises(ParameterError, match="黑龙江 has no plan of type 工作要点; its plans are 深化改革工作要点"):
        an.term_changes(corpus, "黑龙江")
    with pytest.raises(EmptyCorpusError, match="no documents of 工作要点, 市级"):
        an.keyness(corpus, levels="市级")
