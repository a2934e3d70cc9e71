"""Item continuity across plan years (compare.analysis.tracking, `python -m compare track`)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from compare.analysis import Corpus, tracking
from compare.core import io
from compare.core.errors import ParameterError

HAND_LINKS = Path(__file__).parent / "fixtures" / "henan_links.csv"


@pytest.fixture(scope="module")
def tracked(themed_dir, tmp_path_factory) -> Path:
    """A private copy of the themed seeds with the three tracking tables written (the shared
    fixture stays read-only)."""
    from compare.pipeline.track import run_track

    out = tmp_path_factory.mktemp("tracked")
    for p in themed_dir.iterdir():
        if p.is_file():
            shutil.copy2(p, out / p.name)
    run_track(out)
    return out


def _hand() -> pd.DataFrame:
    df = pd.read_csv(HAND_LINKS, dtype=str, keep_default_na=False).astype(object)
    return df.where(df.ne(""), None)


def test_henan_hand_links_found_with_precision_and_recall_of_at_least_0_8(tracked):
    links = io.read_table("item_links", tracked)
    henan = links[(links["doc_from"] == "henan-2019-gzyd") & (links["doc_to"] == "henan-2024-gzyd")]
    assert not henan.empty
    scores = tracking.link_scores(henan, _hand())
    print(f"\nHenan 2019 -> 2024 工作要点: {scores}")
    assert scores["core"] == 20 and scores["partial"] == 14
    assert scores["precision"] >= 0.8, scores
    assert scores["recall"] >= 0.8, scores
    # the one wholly new task of 2024 (科创计划 / 科创中原 pilot cities) is found as new
    assert scores["new_recall"] == 1.0


def test_headings_only_plan_against_full_plan(tracked):
    """A second, held-out check (hand links written before this pair was ever run): Henan's 2024
    重点工作 lists ten headings; each names a task of the 2024 工作要点. Every same-task link is found;
    short headings also pick up extra links (precision is reported, not required)."""
    corpus = Corpus.load(tracked)
    pairs = tracking.plan_pairs(corpus, provinces="河南", doc_types="工作要点", years=[2019, 2024]).assign(
        year_from=2024, doc_from="henan-2024-zdgz", doc_type="重点工作")
    links = tracking.item_links(corpus, pairs=pairs)
    scores = tracking.link_scores(links, _hand())
    print(f"\nHenan 2024 重点工作 -> 工作要点: {scores}")
    assert scores["core"] == 8
    assert scores["recall"] >= 0.8
    assert scores["dropped_recall"] == 1.0  # 统筹抓好相关全省性文件贯彻落实: no single item


def test_latest_pair(processed_dir):
    corpus = Corpus.load(processed_dir)
    assert tracking.latest_pair(corpus, "河南") == (2019, 2024)
    assert tracking.latest_pair(corpus, "湖北") is None
    assert tracking.latest_pair(corpus, "河南", doc_type="重点工作") is None


def test_hand_links_file_names_real_items(processed_dir):
    items = io.read_table("items", processed_dir)
    known = set(zip(items["doc_id"], items["item_id"]))
    hand = _hand()
    for r in hand.itertuples():
        if r.item_from:
            assert (r.doc_from, r.item_from) in known, r
        if r.item_to:
            assert (r.doc_to, r.item_to) in known, r
    assert set(hand["kind"]) == {"core", "partial", "dropped", "new"}


def test_every_item_of_both_plans_is_accounted_for(tracked):
    links = io.read_table("item_links", tracked)
    items = io.read_table("items", tracked)
    assert set(links["status"]) <= set(tracking.STATUSES)
    assert links["similarity"].between(0, 1).all()
    for (d0, d1), g in links.groupby(["doc_from", "doc_to"]):
        assert set(g["item_from"].dropna()) == set(items.loc[items["doc_id"] == d0, "item_id"])
        assert set(g["item_to"].dropna()) == set(items.loc[items["doc_id"] == d1, "item_id"])
        new = g[g["status"] == "new"]
        assert new["item_from"].isna().all() and not new["item_to"].isin(g.loc[g["status"] != "new", "item_to"]).any()
        dropped = g[g["status"] == "dropped"]
        assert dropped["item_to"].isna().all()
        assert not dropped["item_from"].isin(g.loc[g["status"] != "dropped", "item_from"]).any()
        linked = g[g["item_from"].notna() & g["item_to"].notna()]
        assert all(len(t) <= 5 for t in linked["shared_terms"])
        # merged: the later item has several earlier ones
        for r in linked.itertuples():
            n_to = (linked["item_to"] == r.item_to).sum()
            n_from = (linked["item_from"] == r.item_from).sum()
            expected = "merged" if n_to > 1 else "split" if n_from > 1 else "continued"
            assert r.status == expected


def test_recognisable_links_on_the_seeds(tracked):
    links = io.read_table("item_links", tracked)
    pairs = set(zip(links["item_from"], links["item_to"]))
    assert ("四/（二）/一", "四/14") in pairs  # 现代科技馆体系建设, in both plans
    assert ("四/（三）/三", "四/13") in pairs  # 省科技馆新馆: construction -> opening
    row = links[(links["item_from"] == "四/（二）/一") & (links["item_to"] == "四/14")].iloc[0]
    assert "现代科技馆体系" in row["shared_terms"]
    assert row["level"] == "省级" and row["doc_type"] == "工作要点"
    assert links.loc[links["item_to"] == "三/8", "status"].tolist() == ["new"]
    assert links.loc[links["item_from"] == "四/（二）/二", "status"].tolist() == ["dropped"]  # 农村电商 ended


def test_reworded_merged_new_and_dropped_items():
    """Two small plans written for this test: a reworded task, two tasks folded into one, a new
    one and a dropped one."""
    a = pd.DataFrame({
        "item_id": ["1", "2", "3", "4"],
        "heading": ["推进科技馆建设", "举办青少年科技创新大赛", "组织青少年机器人竞赛", "开展农村电商培训"],
        "text": [
            "推进科技馆建设。加快市县科技馆建设，用好流动科技馆和科普大篷车。",
            "举办青少年科技创新大赛。组织全省中小学生参赛，选拔优秀作品参加全国大赛。",
            "组织青少年机器人竞赛。扩大机器人竞赛的普及面，吸引更多中小学生参加。",
            "开展农村电商培训。培训农村电商技能人才，建设电商示范店铺。",
        ],
    })
    b = pd.DataFrame({
        "item_id": ["一", "二", "三"],
        "heading": ["建设现代科技馆体系", "办好青少年科技赛事", "建设科普教育基地"],
        "text": [
            "建设现代科技馆体系。推动市县科技馆立项建设，用好流动科技馆、科普大篷车等阵地。",
            "办好青少年科技赛事。提升青少年科技创新大赛作品质量，扩大青少年机器人竞赛普及面，吸引中小学生参加。",
            "建设科普教育基地。命名一批省级科普教育基地，开展基地评估。",
        ],
    })
    out = tracking.link_items(a, b)
    def key(v):
        return v if isinstance(v, str) else None

    got = {(key(r.item_from), key(r.item_to)): r.status for r in out.itertuples()}
    assert got[("1", "一")] == "continued"
    assert got[("2", "二")] == "merged" and got[("3", "二")] == "merged"
    assert got[(None, "三")] == "new"
    assert got[("4", None)] == "dropped"


def test_latest_pair_of_city_plans_is_one_citys_two_plans():
    # 长沙 2021 and 2023, 株洲 2024 alone: the latest pair of one city is (2021, 2023), never 2023 → 2024
    docs = pd.DataFrame({
        "doc_id": ["cs-2021", "cs-2023", "zz-2024", "hn-2022", "hn-2024"],
        "province": ["湖南"] * 5,
        "year": [2021, 2023, 2024, 2022, 2024],
        "doc_type": ["工作要点"] * 5,
        "level": ["市级", "市级", "市级", "省级", "省级"],
        "city": ["长沙市", "长沙市", "株洲市", "", ""],
        "department": [None] * 5,
    })
    items = docs[["doc_id", "province", "year", "doc_type"]].assign(item_id="1", seq=1, text="开展科普活动")
    corpus = Corpus.from_frames(items=items, documents=docs)
    assert tracking.latest_pair(corpus, "湖南", level="市级") == (2021, 2023)
    assert tracking.latest_pair(corpus, "湖南", level="市级", city="株洲市") is None
    assert tracking.latest_pair(corpus, "湖南") == (2022, 2024)
    # with a second 株洲 plan the more recent chain wins
    more = pd.concat([docs, docs.iloc[[2]].assign(doc_id="zz-2022", year=2022)], ignore_index=True)
    items = more[["doc_id", "province", "year", "doc_type"]].assign(item_id="1", seq=1, text="开展科普活动")
    assert tracking.latest_pair(Corpus.from_frames(items=items, documents=more), "湖南", level="市级") == (2022, 2024)


def test_plan_pairs_consecutive_and_named_years():
    docs = pd.DataFrame({
        "doc_id": ["x-2019", "x-2021", "x-2024", "y-2024", "x-2024-kp"],
        "province": ["河南", "河南", "河南", "湖北", "河南"],
        "year": [2019, 2021, 2024, 2024, 2024],
        "doc_type": ["工作要点", "工作要点", "工作要点", "工作要点", "科普工作要点"],
        "level": ["省级"] * 5,
        "department": [None] * 5,
    })
    items = docs[["doc_id", "province", "year", "doc_type"]].assign(item_id="1", seq=1, text="开展科普活动")
    corpus = Corpus.from_frames(items=items, documents=docs)
    pairs = tracking.plan_pairs(corpus)
    assert list(zip(pairs["doc_from"], pairs["doc_to"])) == [("x-2019", "x-2021"), ("x-2021", "x-2024")]
    named = tracking.plan_pairs(corpus, years=[2024, 2019])
    assert list(zip(named["doc_from"], named["doc_to"])) == [("x-2019", "x-2024")]
    assert tracking.plan_pairs(corpus, provinces="湖北").empty
    with pytest.raises(ParameterError, match="two different plan years"):
        tracking.plan_pairs(corpus, years=[2019])


def test_continuity_summary_counts_items(tracked):
    links = io.read_table("item_links", tracked)
    themes = io.read_table("item_themes", tracked)
    plain = tracking.continuity_summary(links)
    counts = dict(zip(plain["change"], plain["n_items"]))
    items = io.read_table("items", tracked)
    n_2024 = (items["doc_id"] == "henan-2024-gzyd").sum()
    assert counts["延续"] + counts["新增"] == n_2024
    assert counts["不再提及"] == (links["status"] == "dropped").sum()
    by_theme = tracking.continuity_summary(links, themes)
    assert by_theme["n_items"].sum() == plain["n_items"].sum()
    assert set(by_theme["theme"]) <= set(themes["theme"])


def test_track_is_deterministic_and_runs_from_the_cli(tracked, tmp_path):
    from compare.cli import main

    for p in tracked.iterdir():
        if p.name.split(".")[0] in ("documents", "items", "targets", "item_themes"):
            shutil.copy2(p, tmp_path / p.name)
    assert main(["track", "--processed", str(tmp_path)]) == 0
    for name in ("item_links", "target_series", "item_strength"):
        for ext in ("parquet", "csv"):
            assert (tmp_path / f"{name}.{ext}").read_bytes() == (tracked / f"{name}.{ext}").read_bytes(), name
    assert main(["track", "--processed", str(tmp_path), "--years", "2019,2024", "--provinces", "河南"]) == 0
    assert main(["track", "--processed", str(tmp_path), "--years", "2019"]) == 1


def test_continuity_chart_one_colour_per_theme_and_csv(tracked, tmp_path):
    from compare.presentation import tracking_charts as charts
    from compare.presentation.style import theme_colors

    links = io.read_table("item_links", tracked)
    summary = tracking.continuity_summary(links, io.read_table("item_themes", tracked))
    fig = charts.continuity_chart(summary)
    colours = {p.get_label(): p.get_facecolor() for p in fig.axes[0].patches if not p.get_label().startswith("_")}
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend and set(legend) <= set(summary["theme"])
    from matplotlib.colors import to_rgba

    wanted = theme_colors(legend)
    for bar in fig.axes[0].patches:
        if bar.get_label() in wanted:
            assert bar.get_facecolor() == pytest.approx(to_rgba(wanted[bar.get_label()]))
    paths = charts.save_chart(fig, tmp_path / "continuity.png", dpi=60)
    drawn = pd.read_csv(paths[1], encoding="utf-8-sig")
    assert drawn["n_items"].sum() == summary["n_items"].sum()
    assert colours is not None
    empty = charts.continuity_chart(summary.iloc[0:0])
    charts.save_chart(empty, tmp_path / "empty.png", dpi=60)
