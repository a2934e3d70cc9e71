"""Regressions found by using the product as an analyst would (QA pass)."""
from __future__ import annotations

import re

import pytest


def test_figures_in_fewer_formats_leave_no_chart_of_an_earlier_selection(themed_dir, tmp_path):
    """`figures --formats png --doc-type 重点工作` after a build must not leave the build's 工作要点
    theme_heatmap.svg beside the new 重点工作 theme_heatmap.png and .csv (two selections under one name)."""
    from compare.analysis import Corpus
    from compare.pipeline.figures import write_figures

    corpus = Corpus.load(themed_dir)
    out = tmp_path / "figures"
    write_figures(corpus, out, formats=("png", "svg"), dpi=20, charts=["theme_heatmap"])
    assert (out / "theme_heatmap.svg").is_file()
    write_figures(corpus, out, formats=("png",), dpi=20, charts=["theme_heatmap"], doc_type="重点工作")
    assert (out / "theme_heatmap.png").is_file()
    assert not (out / "theme_heatmap.svg").exists()


def test_ingest_exit_code_is_0_when_the_only_skipped_file_was_excluded_on_purpose(raw_dir, tmp_path, capsys):
    """`ingest` exited 3 (partial) for a file excluded in metadata.csv while `build` said ok: a deliberate
    exclusion is nothing to fix. A file that cannot be read still gives 3."""
    import shutil

    from compare.cli import main

    raw = tmp_path / "raw"
    shutil.copytree(raw_dir, raw)
    (raw / "metadata.csv").write_text("file,exclude\nhubei_2019_work-plan.txt,yes\n", encoding="utf-8")
    assert main(["ingest", "--raw", str(raw), "--out", str(tmp_path / "p1")]) == 0
    out = capsys.readouterr().out
    assert "excluded in metadata.csv" in out and "hubei_2019_work-plan.txt" in out
    (raw / "notes.txt").write_text("这是一段说明文字，不是工作计划。\n", encoding="utf-8")
    assert main(["ingest", "--raw", str(raw), "--out", str(tmp_path / "p2")]) == 3


def test_stale_province_report_says_a_provincial_plan_is_missing_not_every_plan(tmp_path):
    """广东 with only a 广州 city plan left in data/raw: the stale reason said "no plan of 广东 in data/raw",
    which the analyst sees contradicted by the city plan still there."""
    from compare.pipeline import index
    from compare.pipeline.buildreports import move_stale_reports
    from compare.pipeline.buildstate import BuildSummary, State

    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "province_guangdong.html").write_text("<html></html>", encoding="utf-8")
    summary = BuildSummary()
    move_stale_reports(State(tmp_path / "state.json"), summary, [], ["河南"], reports, tmp_path / "raw", "2026-12-01")
    record = index.read_record(reports / "_stale" / "province_guangdong.html")
    assert record.status == "stale" and "own association" in record.message and "city" in record.message


def test_cross_report_default_provinces_are_those_with_a_plan_of_the_level(raw_dir, tmp_path):
    """Seeds + a 晋城 city plan + a 威县 county plan: the 省级 cross report listed 山西 and 河北 (no 省级 plan)
    as missing rows "山西 2023（只有工作要点）" of its heatmap and as "(无)" panels of its distinctive terms."""
    import shutil

    from compare.analysis import Corpus
    from compare.ingest.run import ingest
    from compare.pipeline import params
    from compare.text.themes import run_themes

    raw = tmp_path / "raw"
    shutil.copytree(raw_dir, raw)
    realworld = raw_dir.parent / "realworld"
    for name in ("city_traditional_pinyin_split_title.txt", "county_generic_title_publisher.txt"):
        shutil.copy(realworld / name, raw / name)
    ingest(raw, tmp_path / "p")
    run_themes(tmp_path / "p")
    corpus = Corpus.load(tmp_path / "p")
    assert {"山西", "河北"} <= set(corpus.provinces)
    sel = params.select(corpus, level="省级")
    assert set(sel.provinces) == {"河南", "湖北", "黑龙江"}
    assert set(params.select(corpus, provinces=["河南", "湖北"]).provinces) == {"河南", "湖北"}
    assert params.select(corpus, level="市级").provinces == ("山西",)


def test_figure_titles_name_the_compared_document_type(themed_dir):
    """`figures --doc-type 重点工作` (and `export --pptx --doc-type 重点工作`) titled two charts
    "各份工作要点的文本相似度" / "各省工作要点的特色词" under a "省级 · 重点工作" subtitle."""
    from compare.analysis import Corpus
    from compare.pipeline.figures import draw_charts

    corpus = Corpus.load(themed_dir)
    titles = {}
    for chart in draw_charts(corpus, doc_type="学会学术工作要点", level="省级",
                             names=["similarity_heatmap", "distinctive_terms"]):
        titles[chart.name] = " ".join(t.get_text() for t in chart.figure.texts)
        chart.figure.clear()
    assert set(titles) == {"similarity_heatmap", "distinctive_terms"}
    for name, text in titles.items():
        assert "学会学术工作要点的文本相似度" in text or "各省学会学术工作要点的特色词" in text, (name, text)
        assert "各份工作要点" not in text and "各省工作要点" not in text, (name, text)


@pytest.mark.slow
def test_cross_report_chart_titles_name_the_compared_type(themed_dir, tmp_path):
    """`report --cross --doc-type 学会学术工作要点` titled its similarity and distinctive-terms charts
    "…工作要点的…" (the default type) under a 学会学术工作要点 scope."""
    from compare.cli import main

    assert main(["report", "--cross", "--doc-type", "学会学术工作要点", "--processed", str(themed_dir),
                 "--out", str(tmp_path)]) == 0
    html = next(tmp_path.rglob("cross_province*.html")).read_text(encoding="utf-8")
    alts = re.findall(r'<img alt="([^"]*)" class="kx-figure"', html)
    assert "各省学会学术工作要点的特色词" in alts and any("学会学术工作要点的文本相似度" in a for a in alts), alts
