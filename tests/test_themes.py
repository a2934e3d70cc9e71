"""Theme dictionary (loading, validation with line numbers), the ThemeModel on hand-written Chinese
items, clustering and agreement figures, and the `themes` stage on the seeds."""
from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from compare.core import io

from compare.core import schema
from compare.cli import main
from compare.core.errors import EmptyCorpusError, ThemeFileError
from compare.text.segment import Segmenter, default_segmenter
from compare.text.themes import (
    DEFAULT_THEMES,
    LOW_CONFIDENCE_MARGIN,
    ThemeDictionary,
    ThemeModel,
    cluster_agreement,
    load_theme_dictionary,
    run_themes,
)

THEMES = ["党建", "学会", "科普", "智库", "人才", "创新", "组织"]


# ---------------------------------------------------------------------------------------------
# the dictionary


def test_packaged_dictionary():
    td = load_theme_dictionary()
    assert td.themes == THEMES
    assert td.path == DEFAULT_THEMES
    assert set(td.colors) == set(THEMES)
    assert len(set(td.colors.values())) == len(THEMES)
    assert all(len(td.keywords[t]) >= 10 for t in THEMES)
    assert all(td.descriptions[t] for t in THEMES)
    # the examples the issue gives for each theme are seed keywords of that theme
    for theme, words in {"科普": ["科技馆"], "人才": ["院士"], "创新": ["科创中国", "一市一品"],
                         "组织": ["基层组织", "3+1", "代表大会"], "智库": ["智库"], "学会": ["学会", "学术交流"],
                         "党建": ["党建", "政治引领"]}.items():
        assert set(words) <= set(td.keywords[theme]), theme
    assert td.score_columns() == [f"score_{t}" for t in THEMES]


GOOD = """\
# two themes
[[theme]]
name = "科普"
color = "#009E73"
keywords = ["科普", "科技馆"]

[[theme]]
name = "智库"
description = "think tank"
color = "#CC79A7"
keywords = [
    "智库",
    "决策咨询",
]
"""


def _write(tmp_path, text, name="themes.toml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_custom_dictionary_loads(tmp_path):
    td = load_theme_dictionary(_write(tmp_path, GOOD))
    assert td.themes == ["科普", "智库"]
    assert td.keywords["智库"] == ["智库", "决策咨询"]
    assert td.colors == {"科普": "#009E73", "智库": "#CC79A7"}
    assert td.descriptions == {"科普": "", "智库": "think tank"}


@pytest.mark.parametrize(
    "broken, line, reason",
    [
        (GOOD.replace('name = "智库"', 'name = "智库'), 8, "not valid TOML"),
        (GOOD.replace('keywords = ["科普", "科技馆"]', 'keywords = ["科普", "科技馆"'), 7, "not valid TOML"),
        (GOOD.replace('description = "think tank"', 'descripton = "think tank"'), 9, "unknown key 'descripton'"),
        (GOOD.replace('keywords = ["科普", "科技馆"]', "keywords = []"), 5, "non-empty list"),
        (GOOD.replace('keywords = ["科普", "科技馆"]', 'keywords = ["科普", " "]'), 5, "non-empty strings"),
        (GOOD.replace('name = "智库"', 'name = "科普"'), 8, "defined twice"),
        (GOOD.replace('"#CC79A7"', '"CC79A7"'), 10, "hex colour"),
        (GOOD.replace('"#CC79A7"', '"#009e73"'), 10, "already used"),
        (GOOD.replace('"决策咨询"', '"科技馆"'), 13, "also under theme '科普'"),
        (GOOD.replace('"决策咨询"', '"智库"'), 13, "listed twice"),
        (GOOD.replace('color = "#009E73"\n', ""), 2, "needs a color"),
        (GOOD.replace('keywords = ["科普", "科技馆"]\n', ""), 2, "needs keywords"),
        ('title = "x"\n' + GOOD, 1, "unknown top-level key 'title'"),
        (GOOD.replace('name = "智库"', 'name = "智 库"'), 8, "spaces"),
    ],
)
def test_malformed_dictionary_names_file_and_line(tmp_path, broken, line, reason):
    p = _write(tmp_path, broken, "my-themes.toml")
    with pytest.raises(ThemeFileError) as info:
        load_theme_dictionary(p)
    err = info.value
    assert err.line == line, str(err)
    assert reason in str(err)
    assert f"my-themes.toml:{line}:" in str(err)


def test_missing_empty_and_non_utf8_files(tmp_path):
    with pytest.raises(ThemeFileError, match="does not exist"):
        load_theme_dictionary(tmp_path / "nope.toml")
    with pytest.raises(ThemeFileError, match="no themes"):
        load_theme_dictionary(_write(tmp_path, "# nothing here\n"))
    p = tmp_path / "gbk.toml"  # GB18030 reads (compare.core.textfile); undecodable bytes do not
    p.write_bytes('[[theme]]\nname = "科普"\ncolor = "#123456"\nkeywords = ["科普"]\n'.encode("gb18030"))
    assert load_theme_dictionary(p).themes == ["科普"]
    p.write_bytes('[[theme]]\nname = "科普"\n'.encode("utf-8") + b'keywords = ["\xff\xfe\x80\x81"]\n')
    with pytest.raises(ThemeFileError, match="gbk.toml"):
        load_theme_dictionary(p)


# ---------------------------------------------------------------------------------------------
# the model on hand-written items


SNIPPETS = [
    ("党建", "加强学会党建", "实施党建强会计划，推动学会党组织全覆盖，强化思想政治引领，开展主题教育。"),
    ("党建", "强化政治引领", "深入学习贯彻习近平新时代中国特色社会主义思想，树牢“四个意识”，加强党风廉政建设。"),
    ("学会", "推进一流学会建设", "优化学会治理结构，规范学会换届，组建学会联合体，发展个人会员。"),
    ("学会", "打造高端学术会议品牌", "举办国际学术会议和学术年会，提升学术交流质量，培育学术期刊。"),
    ("科普", "推进现代科技馆体系建设", "建设省科技馆新馆，用好流动科技馆和科普大篷车，提升全民科学素质。"),
    ("科普", "办好全国科普日", "组织全国科普日和科技活动周，开展应急科普和青少年科学教育。"),
    ("智库", "加强科技智库建设", "开展决策咨询和战略研究，形成智库成果，向省委呈报决策建议，建言献策。"),
    ("智库", "办好智库论坛", "举办高端智库论坛，完成智库课题研究，报送科技工作者建议。"),
    ("人才", "做好院士候选人推选", "做好院士增选候选人推选，实施青年人才托举工程，开展人才举荐和表彰奖励。"),
    ("人才", "服务青年科技人才", "遴选青年科技人才，评选青年科技奖和最美科技工作者，培养卓越工程师。"),
    ("创新", "深化科创中国建设", "推进科创中国试点城市和科创中原建设，举办一市一品产业技术大会，服务产业链。"),
    ("创新", "开展协同创新", "组建科技服务团，推动产学研协同创新和科技成果转化，开展百会链千企活动。"),
    ("组织", "加强基层组织建设", "深化3+1试点，推动三长进入县乡科协，扩大企业科协和高校科协覆盖。"),
    ("组织", "筹备召开代表大会", "筹备召开省科协代表大会和全委会，推进科协改革和事业单位改革，加强干部队伍建设。"),
]


@pytest.fixture(scope="module")
def snippet_items() -> pd.DataFrame:
    return pd.DataFrame({
        "doc_id": "demo-2024-gzyd",
        "item_id": [str(i + 1) for i in range(len(SNIPPETS))],
        "heading": [h for _, h, _ in SNIPPETS],
        "text": [h + "。" + t for _, h, t in SNIPPETS],
    })


@pytest.fixture(scope="module")
def snippet_model(snippet_items) -> ThemeModel:
    toks = default_segmenter().tokenize_many(snippet_items["text"])
    return ThemeModel().fit(snippet_items, toks)


def test_model_scores_hand_written_items(snippet_model, snippet_items):
    it = snippet_model.item_themes_
    assert list(it.columns) == ["doc_id", "item_id", "theme", *[f"score_{t}" for t in THEMES], "cluster",
                                "runner_up", "runner_up_score", "margin", "low_confidence", "evidence",
                                "model_version"]
    assert it["theme"].tolist() == [t for t, _, _ in SNIPPETS]
    scores = it[[f"score_{t}" for t in THEMES]].to_numpy()
    assert ((scores >= 0) & (scores <= 1)).all()
    assert (scores.argmax(axis=1) == [THEMES.index(t) for t in it["theme"]]).all()
    schema.validate(it, "item_themes")
    # the explanation: runner-up is the second score, margin their difference, evidence as written
    top2 = np.sort(scores, axis=1)[:, -2:]
    assert np.allclose(it["runner_up_score"], top2[:, 0]) and np.allclose(it["margin"], top2[:, 1] - top2[:, 0])
    assert (it["runner_up"] != it["theme"]).all()
    assert (it["low_confidence"] == (it["margin"] < LOW_CONFIDENCE_MARGIN)).all()
    assert it["evidence"].map(len).gt(0).all()
    assert it.loc[0, "evidence"][0] in ("党建强会", "学会党建")  # a 党建 keyword of the item comes first
    for text, ev in zip(snippet_items["text"], it["evidence"]):
        assert all(e in text for e in ev), (text, ev)


def test_evidence_is_as_written_in_the_item(snippet_model):
    seg = default_segmenter()
    # full-width digits and traditional characters are normalised for matching, quoted as written
    text = "舉辦科普日活動，建設科技館"
    out = snippet_model.predict(pd.DataFrame({"text": [text], "heading": [""]}), seg.tokenize_many([text]))
    assert out.loc[0, "theme"] == "科普"
    assert "科技館" in out.loc[0, "evidence"] and all(e in text for e in out.loc[0, "evidence"])


def test_longest_keyword_wins(snippet_model):
    # 学会党建 is one 党建 keyword: it must not count as 学会 evidence
    hits = snippet_model._keyword_hits(["推动学会党建"], [""])
    found = {snippet_model.keywords_[j] for j in hits.nonzero()[1]}
    assert found == {"学会党建"}


def test_item_without_keywords_is_placed_by_vocabulary(snippet_model):
    # no seed keyword at all, but the vocabulary of the 科普 items (流动, 大篷车 -> 新馆, 巡展, 展品)
    text = "新馆展品更新，流动展览巡展进校园，观众参观体验"
    seg = default_segmenter()
    toks = seg.tokenize_many([text, "建设新馆", ""])
    out = snippet_model.predict(pd.DataFrame({"text": [text, "建设新馆", ""], "heading": ["", "", ""]}), toks)
    assert snippet_model._keyword_hits([text], [""]).nnz == 0
    assert out.loc[1, "theme"] == "科普"
    # nothing to go on: every score 0 and the tie goes to the first theme of the dictionary
    assert out.loc[2, [f"score_{t}" for t in THEMES]].eq(0).all() and out.loc[2, "theme"] == "党建"


def test_predict_on_training_items_equals_fit(snippet_model, snippet_items):
    toks = default_segmenter().tokenize_many(snippet_items["text"])
    again = snippet_model.predict(snippet_items, toks)
    fitted = snippet_model.item_themes_.drop(columns=["doc_id", "item_id"])
    pd.testing.assert_frame_equal(again, fitted)


def test_model_is_deterministic_and_clusters_adapt(snippet_items):
    toks = default_segmenter().tokenize_many(snippet_items["text"])
    a = ThemeModel(random_state=0).fit(snippet_items, toks)
    b = ThemeModel(random_state=0).fit(snippet_items, toks)
    pd.testing.assert_frame_equal(a.item_themes_, b.item_themes_)
    pd.testing.assert_frame_equal(a.clusters_, b.clusters_)
    pd.testing.assert_frame_equal(a.keyword_clusters_, b.keyword_clusters_)
    assert a.n_clusters_ == 7 and a.clusters_["size"].sum() == len(snippet_items)
    one = ThemeModel().fit(snippet_items.iloc[:1], toks[:1])
    assert one.n_clusters_ == 1 and one.item_themes_["cluster"].tolist() == [0]
    assert one.clusters_["size"].tolist() == [1]
    three = ThemeModel(n_clusters=10).fit(snippet_items.iloc[:3], toks[:3])
    assert three.n_clusters_ == 3


def test_clusters_are_named_and_mapped(snippet_model):
    cl = snippet_model.clusters_
    schema.validate(cl, "clusters")
    assert cl["cluster"].tolist() == list(range(len(cl)))
    assert all(len(t) > 0 for t in cl["top_terms"]) and set(cl["theme"]) <= set(THEMES)
    kw = snippet_model.keyword_clusters_
    assert kw["term"].is_unique and set(kw["theme"]) <= set(THEMES)


def test_model_rejects_bad_parameters(snippet_items):
    toks = [["科普"]] * len(snippet_items)
    with pytest.raises(ValueError, match="seed_weight"):
        ThemeModel(seed_weight=2).fit(snippet_items, toks)
    with pytest.raises(ValueError, match="token lists"):
        ThemeModel().fit(snippet_items, toks[:2])
    with pytest.raises(EmptyCorpusError):
        ThemeModel().fit(snippet_items.iloc[:0], [])
    with pytest.raises(RuntimeError, match="not fitted"):
        ThemeModel().predict(snippet_items, toks)


def test_cluster_agreement_known_values():
    same = cluster_agreement(["a", "a", "b", "b"], [0, 0, 1, 1], {0: "a", 1: "b"})
    assert same == {"adjusted_rand": 1.0, "nmi": 1.0, "purity": 1.0, "mapped_share": 1.0}
    # cluster 0 = a,a,b (majority a), cluster 1 = b,c (majority b or c: 1 each) -> purity 3/5
    mixed = cluster_agreement(["a", "a", "b", "b", "c"], [0, 0, 0, 1, 1], {0: "a", 1: "c"})
    assert mixed["purity"] == pytest.approx(3 / 5)
    assert mixed["mapped_share"] == pytest.approx(3 / 5)  # a, a and c are in clusters mapped to them
    assert mixed["adjusted_rand"] < 1
    with pytest.raises(ValueError):
        cluster_agreement(["a"], [0, 1])


# ---------------------------------------------------------------------------------------------
# the stage on the seeds


def test_run_themes_on_the_seeds(themed_dir):
    items = io.read_table("items", themed_dir)
    it = io.read_table("item_themes", themed_dir)
    assert it[["doc_id", "item_id"]].equals(items[["doc_id", "item_id"]])
    scores = it[[f"score_{t}" for t in THEMES]].to_numpy()
    assert np.isfinite(scores).all() and (scores >= 0).all() and (scores <= 1).all()
    assert (scores.argmax(axis=1) == [THEMES.index(t) for t in it["theme"]]).all()
    cl = io.read_table("clusters", themed_dir)
    assert cl["size"].sum() == len(items) and set(it["cluster"]) == set(cl["cluster"])
    assert set(cl["theme"]) <= set(THEMES)
    for got, n in zip(cl["cluster"], cl["size"]):
        assert (it["cluster"] == got).sum() == n
    sh = io.read_table("theme_shares", themed_dir)
    assert set(sh["theme"]) == set(THEMES)
    sums = sh.groupby(["province", "year", "doc_type"])["share_items"].sum()
    assert np.allclose(sums, 1.0)
    # every theme is the primary theme of some seed item
    assert set(it["theme"]) == set(THEMES)


def _copy_processed(src, dst):
    dst.mkdir()
    for name in ("documents", "items", "targets"):
        shutil.copy(src / f"{name}.parquet", dst / f"{name}.parquet")
    return dst


def test_rerun_is_identical_and_does_not_resegment(processed_dir, tmp_path, monkeypatch):
    d = _copy_processed(processed_dir, tmp_path / "p")
    seg = Segmenter(cache_dir=tmp_path / "cache")
    run_themes(d, segmenter=seg)
    first = {n: (d / f"{n}.parquet").read_bytes() for n in ("item_themes", "theme_shares", "clusters")}
    calls = []
    real = seg.tokenize
    monkeypatch.setattr(seg, "tokenize", lambda text: calls.append(text) or real(text))
    run_themes(d, segmenter=seg)
    assert calls == [], "an unchanged corpus was segmented again"
    assert {n: (d / f"{n}.parquet").read_bytes() for n in first} == first


def test_single_document_corpus(raw_dir, tmp_path):
    from compare.ingest.run import ingest

    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(raw_dir / "hubei_2019_work-plan.txt", raw)
    ingest(raw, tmp_path / "p")
    res = run_themes(tmp_path / "p")
    assert len(res.item_themes) == 9
    assert res.clusters["size"].sum() == 9 and len(res.clusters) <= 7
    assert np.allclose(res.theme_shares["share_items"].sum(), 1.0)
    assert set(res.agreement) == {"adjusted_rand", "nmi", "purity", "mapped_share"}


def test_empty_corpus_raises(tmp_path):
    d = tmp_path / "p"
    for name in ("documents", "items", "targets"):
        io.write_table(schema.empty(name), name, d)
    with pytest.raises(EmptyCorpusError, match="nothing to score"):
        run_themes(d)
    with pytest.raises(EmptyCorpusError):
        run_themes(tmp_path / "missing")


def test_cli_with_custom_theme_file(processed_dir, tmp_path, capsys):
    d = _copy_processed(processed_dir, tmp_path / "p")
    themes = _write(tmp_path, GOOD)
    assert main(["themes", "--processed", str(d), "--themes", str(themes)]) == 0
    out = capsys.readouterr().out
    n = len(io.read_table("items", d))
    assert f"{n} items scored against 2 themes" in out
    assert "cluster/theme agreement" in out
    it = io.read_table("item_themes", d)
    assert [c for c in it.columns if c.startswith("score_")] == ["score_科普", "score_智库"]
    assert set(it["theme"]) <= {"科普", "智库"}


def test_cli_reports_broken_theme_file(processed_dir, tmp_path, capsys):
    d = _copy_processed(processed_dir, tmp_path / "p")
    bad = _write(tmp_path, GOOD.replace('"#CC79A7"', '"purple"'), "bad.toml")
    assert main(["themes", "--processed", str(d), "--themes", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.toml:10:" in err and "hex colour" in err
    assert not (d / "item_themes.parquet").exists()


def test_theme_dictionary_is_a_plain_value():
    td = ThemeDictionary(themes=["a"], keywords={"a": ["科普"]}, colors={"a": "#000000"})
    assert td.keyword_theme() == {"科普": "a"}

