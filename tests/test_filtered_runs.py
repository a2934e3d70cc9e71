"""No partial overwrite, every filter validated: a filtered `track` merges its links into the whole
item_links table (it used to replace it: `track --provinces 河男` exited 0 and left 0 rows of 36), and
every filter value of every command is refused like `report --province`: one line naming the bad
value and the choices, exit 1, nothing written."""
from __future__ import annotations

import hashlib
import shutil

import pytest

from compare import cli
from compare.core import io
from compare.pipeline.track import run_track


@pytest.fixture
def tracked(processed_dir, tmp_path):
    """The seeds' tables with item_links, target_series and item_strength of a whole-corpus run."""
    out = tmp_path / "processed"
    shutil.copytree(processed_dir, out)
    run_track(out)
    return out


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_seed_links_are_henans(tracked):
    links = io.read_table("item_links", tracked)
    assert len(links) == 36 and set(links["province"]) == {"河南"}


@pytest.mark.parametrize("argv, message", [
    (["track", "--provinces", "河男"], "error: province '河男' is not a province name; known provinces: 河南、湖北、黑龙江"),
    (["track", "--years", "2019,2030"], "error: year 2030 is not in this corpus; known years: [2019, 2022, 2024]"),
    (["track", "--years", "2019,去年"], "error: --years: years are numbers"),
    (["track", "--doc-types", "规划"], "error: unknown doc_type ['规划']; the corpus has "),
    (["track", "--doc-types", "工作要点,规则"], "error: --doc-types: unknown document type '规则'; choose from 工作要点、"),
    (["figures", "--level", "乡级"], "error: --level: unknown level '乡级'; choose from 全国、省级、市级、县级、全部"),
    (["export", "--xlsx", "--level", "乡级"], "error: --level: unknown level '乡级'; choose from 全国、省级、市级、县级"),
    (["export", "--xlsx", "--provinces", "河男"], "error: province '河男' is not a province name; known provinces: 河南、"),
    (["export", "--xlsx", "--provinces", "上海"], "error: province '上海' is not in this corpus; known provinces: 河南、"),
    (["export", "--xlsx", "--doc-type", "规划"], "error: unknown doc_type ['规划']; the corpus has 学会学术工作要点、"),
    (["export", "--pptx", "--level", "市级"], "error: unknown level ['市级']; the corpus has 省级"),
    (["report", "--cross", "--doc-type", "要点"], "error: --doc-type: unknown document type '要点'; choose from 工作要点、"),
    (["report", "--province", "河男"], "error: province '河男' is not a province name; known provinces: 河南、"),
])
def test_a_bad_filter_value_is_one_line_exit_1_and_nothing_is_written(tracked, tmp_path, capsys, argv, message):
    before = {p.name: digest(p) for p in sorted(tracked.iterdir()) if p.is_file()}
    out = ["--out", str(tmp_path / "out")] if argv[0] in ("figures", "export", "report") else []
    assert cli.main([*argv, "--processed", str(tracked), *out]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1, err
    assert {p.name: digest(p) for p in sorted(tracked.iterdir()) if p.is_file()} == before
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("provinces", [["湖北"], ["黑龙江", "湖北"]])
def test_a_filtered_track_keeps_the_links_of_every_other_province(tracked, provinces, capsys):
    whole = io.read_table("item_links", tracked)
    assert cli.main(["track", "--processed", str(tracked), "--provinces", ",".join(provinces)]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "0 plan pairs linked (0 rows); item_links keeps the 36 rows of other provinces and types" in out
    assert io.read_table("item_links", tracked).equals(whole)


def test_a_filtered_track_replaces_its_own_rows_and_gives_the_whole_runs_table(tracked, capsys):
    whole_bytes = digest(tracked / "item_links.parquet")
    assert cli.main(["track", "--processed", str(tracked), "--provinces", "豫"]) == cli.EXIT_OK  # an abbreviation
    assert "河南: 1 plan pairs linked (36 rows); item_links keeps the 0 rows" in capsys.readouterr().out
    assert digest(tracked / "item_links.parquet") == whole_bytes
    assert cli.main(["track", "--processed", str(tracked), "--doc-types", "重点工作"]) == cli.EXIT_OK
    assert digest(tracked / "item_links.parquet") == whole_bytes


def test_a_filtered_track_drops_links_of_plans_no_longer_there(tracked):
    links = io.read_table("item_links", tracked)
    stale = links.assign(province="湖北", doc_from="hubei-2018-gzyd", doc_to="hubei-2019-gzyd")
    io.write_table(stale, "item_links", tracked)
    run_track(tracked, provinces=["黑龙江"])
    assert io.read_table("item_links", tracked).empty


def test_a_filtered_export_writes_beside_the_whole_workbook(tracked, capsys):
    assert cli.main(["export", "--xlsx", "--provinces", "豫", "--processed", str(tracked)]) == cli.EXIT_OK
    assert (tracked / "河南" / "kexie_compare.xlsx").is_file()
    assert not (tracked / "kexie_compare.xlsx").exists()  # the build's whole workbook is never replaced by a part
    assert str(tracked / "河南" / "kexie_compare.xlsx") in capsys.readouterr().out


@pytest.mark.slow
def test_figures_of_another_selection_go_to_their_own_directory(themed_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = ["figures", "--processed", str(themed_dir), "--formats", "png", "--dpi", "20"]
    assert cli.main([*argv, "--doc-type", "重点工作"]) == cli.EXIT_OK
    own = tmp_path / "figures" / "重点工作_省级"
    assert (own / "theme_heatmap.png").is_file() and (own / "theme_heatmap.csv").is_file()
    assert not [p for p in (tmp_path / "figures").iterdir() if p.is_file()]  # the build's charts untouched
