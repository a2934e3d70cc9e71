"""reports/index.html, report records, stale moves, and where an ad hoc / named report is written.

Fast tests on temporary directories (no report is rendered: the build's tests render real ones)."""
from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from compare.core.config import NamedReport, ProjectConfig, ReportDefaults
from compare.core.errors import ParameterError
from compare.pipeline import index, named

ROOT = Path(__file__).resolve().parents[1]


def _report(reports: Path, rel: str, record: index.ReportRecord | None, *, html: bool = True) -> Path:
    path = reports / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if html:
        path.write_text("<p>报告</p>", encoding="utf-8")
    if record is not None:
        record.file = rel
        index.write_record(path, record)
    return path


def _sample(reports: Path) -> None:
    R = index.ReportRecord
    _report(reports, "province_henan.html", R("", "build", "province", "report 河南", {"province": "河南", "top_n": 15},
                                               generated="2026-12-01T06:00:00+08:00", model_version="m1", tables="t1"))
    _report(reports, "cross_province.html", R("", "build", "cross", "report cross-province", {},
                                               generated="2026-12-01T06:00:01+08:00", tables="t1"))
    _report(reports, "henan_kepu.html", R("", "named", "province", "henan_kepu",
                                           {"province": "河南", "themes": ["科普", "<script>alert(1)</script>"]},
                                           status="failed", message="cell [3]: ValueError: <b>boom</b>",
                                           generated="2026-11-30T06:00:00+08:00", tables="t1"))
    _report(reports, "custom/province_hubei-0123abcd.html", R("", "custom", "province", "province_hubei-0123abcd",
                                                               {"province": "湖北", "years": [2019]}, tables="t0",
                                                               generated="2026-11-01T06:00:00+08:00"))
    _report(reports, "_stale/province_hunan.html", R("", "build", "province", "report 湖南", {"province": "湖南"},
                                                      status="stale", message="no plan of 湖南 in data/raw any more"))
    _report(reports, "never_rendered.html", R("", "named", "cross", "never_rendered", {}, status="failed",
                                               message="no such province"), html=False)
    _report(reports, "by_hand.html", None)  # no record: listed as unknown
    _report(reports, "deleted.html", R("", "custom", "province", "deleted", {}), html=False)  # HTML deleted: not listed


def _rows(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr class="([a-z]+)"><td>(.*?)</td>', page)


def test_index_lists_every_report_with_status(tmp_path):
    reports = tmp_path / "reports"
    _sample(reports)
    page, _ = index.render_index(reports, current_tables="t1", current_model="m1", generated="T")
    rows = _rows(page)
    files = [re.sub(r"<[^>]+>", "", cell).replace("（无文件 no file）", "") for _, cell in rows]
    # build's, then named, then custom, stale last; within a group by file name
    assert files == ["by_hand.html", "cross_province.html", "province_henan.html", "henan_kepu.html",
                     "never_rendered.html", "custom/province_hubei-0123abcd.html", "_stale/province_hunan.html"]
    status = dict(zip(files, (s for s, _ in rows)))
    assert status == {
        "by_hand.html": "unknown", "cross_province.html": "ok", "province_henan.html": "ok",
        "henan_kepu.html": "failed", "never_rendered.html": "failed",
        "custom/province_hubei-0123abcd.html": "outdated",  # made from other tables than today's
        "_stale/province_hunan.html": "stale",
    }
    assert '<a href="custom/province_hubei-0123abcd.html">' in page
    assert "never_rendered.html（无文件 no file）" in page  # failed before it ever rendered: no link
    assert "显示的是上次成功生成的版本" in page  # a failed report still shows its last good HTML
    assert "province = 河南; top_n = 15" in page and "m1" in page and "2026-12-01T06:00:00+08:00" in page
    assert "7 份报告 reports；2 份失败 failed；1 份已移除 stale" in page


def test_index_escapes_text(tmp_path):
    reports = tmp_path / "reports"
    _sample(reports)
    page, _ = index.render_index(reports, generated="<i>now</i>")
    assert "<script>" not in page and "<b>boom</b>" not in page and "<i>now</i>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;boom&lt;/b&gt;" in page


def test_index_is_deterministic_apart_from_times_and_not_rewritten_unchanged(tmp_path):
    reports = tmp_path / "reports"
    _sample(reports)
    a, digest_a = index.render_index(reports, generated="first")
    b, digest_b = index.render_index(reports, generated="second")
    assert digest_a == digest_b and a.replace("generated: first", "generated: second") == b
    assert index.write_index(reports, when="one") == reports / "index.html"
    before = (reports / "index.html").read_bytes()
    assert index.write_index(reports, when="two") is None  # nothing but the time would change
    assert (reports / "index.html").read_bytes() == before
    index.move_to_stale(reports / "cross_province.html", "gone", when="x", reports_dir=reports)
    assert index.write_index(reports, when="three") == reports / "index.html"
    assert "_stale/cross_province.html" in (reports / "index.html").read_text(encoding="utf-8")


def test_move_to_stale_keeps_the_record_and_says_why(tmp_path):
    reports = tmp_path / "reports"
    _sample(reports)
    (reports / "_stale").mkdir(exist_ok=True)
    moved = index.move_to_stale(reports / "province_henan.html", "no plan of 河南 any more", when="2026-12-01", reports_dir=reports)
    assert moved == reports / "_stale" / "province_henan.html" and moved.is_file()
    assert not (reports / "province_henan.html").exists() and not index.meta_path(reports / "province_henan.html").exists()
    record = index.read_record(moved)
    assert (record.status, record.message, record.file, record.parameters["province"]) == (
        "stale", "no plan of 河南 any more", "_stale/province_henan.html", "河南")
    # a figure has no record: it is just moved
    fig = tmp_path / "figures" / "old_chart.png"
    fig.parent.mkdir()
    fig.write_bytes(b"png")
    assert index.move_to_stale(fig, "no longer drawn", when="x") == tmp_path / "figures" / "_stale" / "old_chart.png"


def test_model_version_from_item_themes(tmp_path):
    assert index.model_version(tmp_path) is None
    pq.write_table(pa.table({"doc_id": ["a"], "item_id": ["1"]}), tmp_path / "item_themes.parquet")
    assert index.model_version(tmp_path) is None  # before the column exists
    pq.write_table(pa.table({"doc_id": ["a", "b"], "model_version": ["v2", "v1"]}), tmp_path / "item_themes.parquet")
    assert index.model_version(tmp_path) == "v1、v2"


# --------------------------------------------------------------------------------------------------
# where `python -m compare report` writes (parameters only: nothing is rendered)
# --------------------------------------------------------------------------------------------------


def _plan(out: Path, *, name: str | None = None, cross: bool = False, **selection):
    """named.plan_report as `python -m compare report --out OUT …` calls it."""
    return named.plan_report(CONFIG, out=out, name=name, cross=cross, selection=selection)


CONFIG = ProjectConfig(
    root=Path("."), path=Path("kexie.toml"), report=ReportDefaults(top_n=10),
    reports=(NamedReport("henan_kepu", province="河南", themes=("科普",), years=(2019, 2024)),
             NamedReport("kepu_2019", cross=True, years=(2019,), themes=("科普",))),
)


def test_ad_hoc_report_with_the_builds_parameters_is_the_builds_file(tmp_path):
    kind, params, target, source, _ = _plan(tmp_path, province="河南省")
    assert (kind, target, source) == ("province", tmp_path / "province_henan.html", "build")
    assert params == {"province": "河南省", "top_n": 10}
    # the build's top_n written out is still the build's report
    assert _plan(tmp_path, province="豫", top_n=10)[3] == "build"


def test_customised_ad_hoc_report_goes_to_custom(tmp_path):
    _, params, target, source, name = _plan(tmp_path, province="豫", themes=["科普", "智库"])
    assert source == "custom" and target.parent == tmp_path / "custom"
    assert re.fullmatch(r"province_henan-[0-9a-f]{8}\.html", target.name) and name == target.stem
    assert params == {"province": "豫", "top_n": 10, "themes": ["科普", "智库"]}
    # the same question lands in the same file, however the province and theme order are written
    same = _plan(tmp_path, province="河南省", themes=["智库", "科普"])[2]
    other = _plan(tmp_path, province="河南", themes=["科普"])[2]
    assert same == target and other != target and other.parent == target.parent
    assert _plan(tmp_path, province="河南", top_n=5)[3] == "custom"


def test_named_report_takes_its_parameters_from_the_config(tmp_path):
    kind, params, target, source, name = _plan(tmp_path, name="henan_kepu")
    assert (kind, target, source, name) == ("province", tmp_path / "henan_kepu.html", "named", "henan_kepu")
    assert params == {"top_n": 10, "province": "河南", "years": [2019, 2024], "themes": ["科普"]}
    kind, params, _, _, _ = _plan(tmp_path, name="kepu_2019")
    assert kind == "cross" and (params.get("year") == 2019 or params.get("years") == [2019])
    with pytest.raises(ParameterError, match=r"--name renders 'henan_kepu' as kexie.toml defines it.*years"):
        _plan(tmp_path, name="henan_kepu", years=[2019])
    with pytest.raises(Exception, match=r"no report named 'nope' \(named reports: henan_kepu、kepu_2019\)"):
        _plan(tmp_path, name="nope")


def test_template_ready_leaves_out_defaults_the_template_does_not_take():
    declared = named.declared_parameters("province")
    assert "province" in declared and "top_n" in declared and "processed_dir" in declared
    params = named.template_ready("province", {"province": "河南", "colour": "red", "themes": None})
    assert params == {"province": "河南"}
    assert named.template_ready("province", {"province": "河南", "colour": "red"}, explicit={"colour"})["colour"] == "red"
