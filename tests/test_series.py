"""Target series: the same numeric promise followed across a province's plans (compare.analysis.series)."""
from __future__ import annotations

import pandas as pd
import pytest

from compare.analysis import Corpus, series
from compare.core import io, schema


def test_object_overlap():
    assert series.object_overlap("产业技术大会", "“一市一品”产业技术发展大会") >= series.OBJECT_OVERLAP
    assert series.object_overlap("青年人才托举项目", "青年人才托举工程项目") >= series.OBJECT_OVERLAP
    assert series.object_overlap("社区科普基地", "现代农业科普示范园") < series.OBJECT_OVERLAP
    assert series.object_overlap("", "科普活动") == 0.0


@pytest.mark.parametrize("drop_object", [False, True])
def test_seed_series_industry_conferences(processed_dir, drop_object):
    """Henan promised 9 产业技术大会 in 2019 and 9 “一市一品”产业技术发展大会 in 2024 (工作要点 both);
    without targets.object (older tables) the object is read from the item text."""
    targets = io.read_table("targets", processed_dir)
    if drop_object and "object" in targets.columns:
        targets = targets.drop(columns="object")
    docs = io.read_table("documents", processed_dir)
    items = io.read_table("items", processed_dir)
    corpus = Corpus.from_frames(items=items, documents=docs, targets=targets)
    out = series.target_series(corpus)
    schema.validate(out, "target_series")
    conf = out[out["series"].str.contains("产业技术")]
    assert conf["year"].tolist() == [2019, 2024]
    assert conf["value"].tolist() == [9.0, 9.0] and conf["unit"].unique().tolist() == ["场"]
    assert conf["n_years"].tolist() == [2, 2]
    assert pd.isna(conf["change"].iloc[0]) and conf["change"].iloc[1] == 0.0
    assert set(conf["doc_type"]) == {"工作要点"}
    # across plan types the 2022 学会学术工作要点 joins it (10多场)
    across = series.target_series(corpus, by_type=False)
    conf = across[across["series"].str.contains("产业技术")]
    assert conf["year"].tolist() == [2019, 2022, 2024]


def test_drifting_wording_stays_one_series_and_units_never_mix():
    docs = pd.DataFrame({
        "doc_id": ["a-2019", "a-2020", "a-2021", "b-2021"],
        "province": ["湖南", "湖南", "湖南", "湖北"],
        "year": [2019, 2020, 2021, 2021],
        "doc_type": ["工作要点"] * 4,
        "level": ["省级"] * 4,
    })
    targets = pd.DataFrame({
        "doc_id": ["a-2019", "a-2020", "a-2021", "a-2021", "a-2020", "b-2021"],
        "item_id": ["1", "1", "1", "2", "3", "1"],
        "phrase": ["20个", "25个", "30个", "50万人次", "3场", "40个"],
        "value": [20.0, 25.0, 30.0, 500000.0, 3.0, 40.0],
        "value_high": [None] * 6,
        "unit": ["个", "个", "个", "人次", "场", "个"],
        "qualifier": [None, "以上", "不少于", None, None, None],
        "object": ["科普示范基地", "省级科普示范基地", "省级科普教育示范基地", "科普示范基地", "院士报告会",
                   "科普示范基地"],
    })
    items = (targets[["doc_id", "item_id"]].drop_duplicates().merge(docs[["doc_id", "province", "year", "doc_type"]])
             .assign(text="", seq=lambda d: d.groupby("doc_id").cumcount() + 1))
    out = series.target_series(Corpus.from_frames(items=items, documents=docs, targets=targets))
    assert out["series"].unique().tolist() == ["省级科普教育示范基地（个）"]
    assert out["value"].tolist() == [20.0, 25.0, 30.0]
    assert out["change"].round(6).tolist()[1:] == [0.25, 0.2]
    assert out["qualifier"].tolist()[1:] == ["以上", "不少于"]
    assert (out["province"] == "湖南").all()  # 湖北 has one year only: no series


def test_series_chart_writes_png_and_csv(processed_dir, tmp_path):
    from compare.presentation import tracking_charts as charts

    out = series.target_series(Corpus.load(processed_dir), by_type=False)
    paths = charts.save_chart(charts.target_series_chart(out), tmp_path / "series.png", dpi=60)
    assert paths[1].read_bytes().startswith(b"\xef\xbb\xbf")
    empty = charts.target_series_chart(out.iloc[0:0])
    charts.save_chart(empty, tmp_path / "empty.png", dpi=60)
