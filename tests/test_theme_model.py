"""The saved theme model: adding plans never changes an existing item's row; --refit and a changed
dictionary refit and record theme_revisions; the model files are plain JSON + .npy (no pickle)."""
from __future__ import annotations

import json
import logging
import shutil

import numpy as np
import pandas as pd
import pytest

from compare.cli import main
from compare.core import io
from compare.text.model import MODEL_DIR, current_version, load_model, model_info, save_model
from compare.text.segment import default_segmenter
from compare.text.themes import ThemeModel, run_themes

# Two small plans of a province the seeds do not have, written for this test (invented text).
HUNAN_2025 = """湖南省科协2025年工作要点

2025年是“十四五”规划收官之年。全省科协系统要坚持以习近平新时代中国特色社会主义思想为指导，团结引领广大科技工作者建功新时代。

一、强化政治引领
1.深化党的创新理论武装。组织全省科技工作者深入学习党的二十届三中全会精神，开展科学家精神宣讲活动，加强学会党建工作。
2.做好科技工作者思想联络。开展科技工作者状况调查，及时反映科技工作者意见建议。
二、服务高水平科技自立自强
3.办好湖南科技论坛。举办不少于15场高端学术交流活动，提升学术期刊质量，推进一流学会建设。
4.深化科创中国建设。组建科技服务团，推动科技成果转化，服务产业链企业技术创新。
三、推进全民科学素质提升
5.办好全国科普日湖南活动。新建科普教育基地20个，用好流动科技馆和科普大篷车，开展青少年科学教育。
6.加强科技智库建设。围绕省委省政府中心工作开展决策咨询研究，报送科技工作者建议不少于30条。
"""

HUNAN_2024 = """湖南省科协2024年工作要点

2024年全省科协工作的总体要求是：坚持党的全面领导，深化科协组织改革，提升服务能力。

一、加强科协组织建设
1.推进基层组织建设。深化“3+1”试点，推动企业科协和高校科协建设，新建企业科协30家。
2.召开省科协代表大会。筹备召开湖南省科协第十次代表大会，加强干部队伍建设。
二、服务人才成长
3.做好院士候选人推荐。实施青年人才托举工程，评选湖南青年科技奖，开展人才举荐。
4.弘扬科学家精神。建设科学家精神教育基地，举办最美科技工作者学习宣传活动。
"""

TWO_THEMES = """\
[[theme]]
name = "科普"
color = "#009E73"
keywords = ["科普", "科技馆"]

[[theme]]
name = "智库"
color = "#CC79A7"
keywords = ["智库", "决策咨询"]
"""

SNIPPETS = [
    ("党建", "加强学会党建", "实施党建强会计划，推动学会党组织全覆盖，强化思想政治引领，开展主题教育。"),
    ("学会", "打造高端学术会议品牌", "举办国际学术会议和学术年会，提升学术交流质量，培育学术期刊。"),
    ("科普", "办好全国科普日", "组织全国科普日和科技活动周，开展应急科普和青少年科学教育。"),
    ("智库", "办好智库论坛", "举办高端智库论坛，完成智库课题研究，报送科技工作者建议。"),
    ("人才", "服务青年科技人才", "遴选青年科技人才，评选青年科技奖和最美科技工作者，培养卓越工程师。"),
    ("创新", "深化科创中国建设", "推进科创中国试点城市和科创中原建设，举办一市一品产业技术大会，服务产业链。"),
    ("组织", "加强基层组织建设", "深化3+1试点，推动三长进入县乡科协，扩大企业科协和高校科协覆盖。"),
]

SCORE_COLS = ["score_党建", "score_学会", "score_科普", "score_智库", "score_人才", "score_创新", "score_组织"]


def _copy_processed(src, dst):
    dst.mkdir()
    for name in ("documents", "items", "targets"):
        shutil.copy(src / f"{name}.parquet", dst / f"{name}.parquet")
    return dst


def _grow(raw_dir, tmp_path, processed):
    """Ingest the seeds plus the two invented Hunan plans into `processed` (tables replaced)."""
    from compare.ingest.run import ingest

    raw = tmp_path / "raw"
    raw.mkdir()
    for f in raw_dir.iterdir():
        if f.is_file() and f.suffix == ".txt":
            shutil.copy(f, raw / f.name)
    (raw / "hunan_2025_work-plan.txt").write_text(HUNAN_2025, encoding="utf-8")
    (raw / "hunan_2024_work-plan.txt").write_text(HUNAN_2024, encoding="utf-8")
    result = ingest(raw, processed)
    assert not result.failures, result.failures
    return processed


@pytest.fixture
def seeded(processed_dir, tmp_path):
    d = _copy_processed(processed_dir, tmp_path / "p")
    res = run_themes(d)
    assert res.model_version == "v1" and res.refit_reason == "no saved model"
    return d


def test_adding_plans_keeps_existing_rows_byte_identical(seeded, raw_dir, tmp_path):
    before = io.read_table("item_themes", seeded)
    before_csv = (seeded / "item_themes.csv").read_text(encoding="utf-8-sig").splitlines()
    model_files = {p.name: p.read_bytes() for p in (seeded / MODEL_DIR / "v1").iterdir()}

    _grow(raw_dir, tmp_path, seeded)
    res = run_themes(seeded)
    after = io.read_table("item_themes", seeded)
    items = io.read_table("items", seeded)
    hunan = items["doc_id"].str.startswith("hunan-")
    assert hunan.sum() == 10 and len(after) == len(before) + 10
    assert res.refit_reason is None and res.model_version == "v1"
    assert (res.n_scored, res.n_kept) == (10, len(before))

    # every seed row is exactly as it was: same values, same CSV line (bytes)
    old_rows = after.merge(before[["doc_id", "item_id"]], on=["doc_id", "item_id"])
    pd.testing.assert_frame_equal(old_rows.reset_index(drop=True), before.reset_index(drop=True), check_exact=True)
    after_csv = (seeded / "item_themes.csv").read_text(encoding="utf-8-sig").splitlines()
    assert after_csv[0] == before_csv[0]
    assert set(before_csv[1:]) <= set(after_csv[1:])
    # the model itself is untouched, and the new items were scored with it
    assert {p.name: p.read_bytes() for p in (seeded / MODEL_DIR / "v1").iterdir()} == model_files
    new = after[after["doc_id"].str.startswith("hunan-")]
    assert set(new["model_version"]) == {"v1"}
    assert new["evidence"].map(len).gt(0).all()
    # rows follow items, clusters count every item
    assert after[["doc_id", "item_id"]].equals(items[["doc_id", "item_id"]])
    assert io.read_table("clusters", seeded)["size"].sum() == len(items)

    # --refit: a new version on the whole corpus; revisions = exactly the items whose theme changed
    assert main(["themes", "--processed", str(seeded), "--refit"]) == 0
    refit = io.read_table("item_themes", seeded)
    assert set(refit["model_version"]) == {"v2"} and current_version(seeded) == "v2"
    rev = io.read_table("theme_revisions", seeded)
    assert (seeded / "theme_revisions.csv").is_file()
    m = after.merge(refit, on=["doc_id", "item_id"], suffixes=("_old", ""))
    changed = m[m["theme_old"] != m["theme"]]
    assert sorted(zip(rev["doc_id"], rev["item_id"])) == sorted(zip(changed["doc_id"], changed["item_id"]))
    assert (rev["new_model_version"] == "v2").all() and (rev["old_model_version"] == "v1").all()
    assert (rev["reason"] == "refit requested").all()
    for r in rev.itertuples():
        assert r.old_theme != r.new_theme
        row = m[(m["doc_id"] == r.doc_id) & (m["item_id"] == r.item_id)].iloc[0]
        assert r.old_score == row[f"score_{r.old_theme}_old"] and r.new_score == row[f"score_{r.new_theme}"]
    assert model_info(seeded)["previous_version"] == "v1"


def test_rerun_with_nothing_new_rewrites_identical_bytes(seeded):
    names = ("item_themes", "theme_shares", "clusters")
    first = {n: (seeded / f"{n}.parquet").read_bytes() for n in names}
    res = run_themes(seeded)
    assert res.n_scored == 0 and res.refit_reason is None
    assert {n: (seeded / f"{n}.parquet").read_bytes() for n in names} == first


def test_changed_dictionary_refits_and_records(seeded, tmp_path, caplog):
    before = io.read_table("item_themes", seeded)
    toml = tmp_path / "two.toml"
    toml.write_text(TWO_THEMES, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="compare.text.themes"):
        res = run_themes(seeded, themes_file=toml)
    assert res.refit_reason == "dictionary changed" and res.model_version == "v2"
    assert "differs from the one of saved theme model v1" in caplog.text
    rev = io.read_table("theme_revisions", seeded)
    gone = before[~before["theme"].isin(["科普", "智库"])]
    assert len(rev) >= len(gone) > 0
    assert set(rev["reason"]) == {"dictionary changed"}
    info = json.loads((seeded / MODEL_DIR / "v2" / "model.json").read_text(encoding="utf-8"))
    assert info["reason"] == "dictionary changed" and info["dictionary"]["themes"] == ["科普", "智库"]
    # back to the packaged dictionary: refitted again (v3), revisions appended
    res = run_themes(seeded)
    assert res.model_version == "v3" and res.refit_reason == "dictionary changed"
    assert len(io.read_table("theme_revisions", seeded)) > len(rev)


def test_altered_model_is_refitted_with_a_warning(seeded, caplog):
    (seeded / MODEL_DIR / "v1" / "profiles.npy").write_bytes(b"not numpy")
    with caplog.at_level(logging.WARNING):
        res = run_themes(seeded)
    assert res.refit_reason == "saved model unreadable" and res.model_version == "v2"
    assert "checksum differs" in caplog.text


def test_item_whose_text_changed_is_scored_again(seeded):
    items = io.read_table("items", seeded)
    before = io.read_table("item_themes", seeded)
    i = int(np.flatnonzero(before["theme"].to_numpy() != "科普")[0])
    items.loc[i, "text"] = items.loc[i, "heading"] + "。建设科技馆新馆，开展全国科普日和科普大篷车活动，提升全民科学素质。"
    io.write_table(items, "items", seeded)
    res = run_themes(seeded)
    assert res.n_scored == 1 and res.refit_reason is None
    after = io.read_table("item_themes", seeded)
    assert after.loc[i, "theme"] == "科普"
    others = np.arange(len(after)) != i
    pd.testing.assert_frame_equal(after[others].reset_index(drop=True), before[others].reset_index(drop=True),
                                  check_exact=True)


def test_save_and_load_round_trip(tmp_path):
    items = pd.DataFrame({"doc_id": "demo-2024-gzyd", "item_id": [str(i + 1) for i in range(len(SNIPPETS))],
                          "heading": [h for _, h, _ in SNIPPETS], "text": [h + "。" + t for _, h, t in SNIPPETS]})
    toks = default_segmenter().tokenize_many(items["text"])
    model = ThemeModel().fit(items, toks)
    d = save_model(model, tmp_path, "v1", reason="no saved model")
    first = {p.name: p.read_bytes() for p in d.iterdir()}
    assert sorted(first) == ["centres.npy", "idf.npy", "keyword_idf.npy", "model.json", "profiles.npy"]
    for name in first:  # plain arrays: loadable without pickle
        if name.endswith(".npy"):
            assert np.load(d / name, allow_pickle=False).dtype == np.float64
    save_model(model, tmp_path, "v1", reason="no saved model")
    assert {p.name: p.read_bytes() for p in d.iterdir()} == first  # deterministic bytes
    loaded = load_model(tmp_path)
    assert loaded.version_ == "v1" and loaded.dictionary_sha256_ == model.theme_dictionary_.sha256()
    new = pd.DataFrame({"text": ["举办学术年会和国际学术会议", "新馆展品更新，流动科技馆巡展进校园"], "heading": ["", ""]})
    ntoks = default_segmenter().tokenize_many(new["text"])
    pd.testing.assert_frame_equal(loaded.predict(new, ntoks), model.predict(new, ntoks), check_exact=True)
    again = loaded.predict(items, toks).drop(columns="model_version")
    fitted = model.item_themes_.drop(columns=["doc_id", "item_id", "model_version"])
    pd.testing.assert_frame_equal(again, fitted)
