"""The incremental build on a temporary copy of the seeds (tests/fixtures/seeds), with temporary output
directories (the real data/raw, data/processed, figures/, reports/ and .cache/build-state.json are
never touched).

One module-scoped first build (ingest, themes, figures, 3 province reports + cross + one named report
of a kexie.toml) is shared and never changed: a test that changes anything works on its own copy of
that project (:func:`clone`; the state file stores paths relative to itself, so a copied project is
as up to date as the original). Tests are independent of their order."""
from __future__ import annotations

import io
import logging
import re
import shutil
import uuid
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from compare.cli import main
from compare.core import hashing
from compare.core.config import load_config
from compare.core.errors import ReportError
from compare.pipeline import build, index, named, params, report

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "tests" / "fixtures" / "seeds"
REPORTS = ["cross_province.html", "henan_kepu.html", "province_heilongjiang.html", "province_henan.html",
           "province_hubei.html"]
NAMED = "report henan_kepu (kexie.toml)"
STEPS = ["ingest", "themes", "reference", "track", "instruments", "workbook", "figures", "report 河南", "report 湖北",
         "report 黑龙江",
         "report cross-province", NAMED]
KEXIE_TOML = """
[report]
top_n = 12

[[reports]]
name = "henan_kepu"
province = "河南"
themes = ["科普"]
"""
ISO_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d ")
real_code_version = hashing.code_version


def _mtimes(*dirs: Path) -> dict[str, int]:
    return {str(p.relative_to(d)): p.stat().st_mtime_ns for d in dirs for p in sorted(d.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module", autouse=True)
def pinned_code_version():
    """These tests are about data and state, and must not depend on the source tree staying still
    while they run (test_code_version_tracks_package_sources covers the real one)."""
    mp = pytest.MonkeyPatch()
    # one value per run: the comparison cache is the project's and outlives the run, and a fixed
    # value would hand this run the results an older source tree stored under the same key
    pinned = f"pinned-for-this-test-{uuid.uuid4().hex}"
    mp.setattr(hashing, "code_version", lambda *a: pinned)
    yield
    mp.undo()


def _kw(base: Path) -> dict:
    return {
        "raw_dir": base / "raw",
        "processed_dir": base / "processed",
        "figures_dir": base / "figures",
        "reports_dir": base / "reports",
        "state_file": base / "build-state.json",
        "formats": ("png",),  # one format at low dpi: the build logic is under test, not the charts
        "dpi": 40,
        "jobs": 2,
        "progress": False,
        "config": load_config(base),
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory, pinned_code_version):
    """The first build of a project. Read only: tests that change something use clone()."""
    base = tmp_path_factory.mktemp("build")
    shutil.copytree(SEEDS, base / "raw")
    (base / "kexie.toml").write_text(KEXIE_TOML, encoding="utf-8")
    first = build.run_build(**_kw(base))
    # read at once: the comparison cache is the project's, shared by every xdist worker and pruned
    # to the most recently used entries, so a later test may find the entry gone
    from compare import analysis

    processed = base / "processed"
    like = params.comparable(analysis.Corpus.load(processed))  # what the cross-province report compares
    keyness = report.ComparisonCache(processed).lookup(analysis.keyness, like, by="province", top_n=None,
                                                        doc_types="工作要点", levels="省级")
    return SimpleNamespace(base=base, first=first, keyness=keyness)


def clone(built, tmp_path: Path) -> SimpleNamespace:
    base = tmp_path / "project"
    shutil.copytree(built.base, base)
    return SimpleNamespace(base=base, kw=_kw(base), reports=base / "reports", raw=base / "raw")


@pytest.fixture
def stand_in(monkeypatch):
    """Orchestration only (real rendering is covered by the first build and test_report.py): the
    renderer writes a stand-in page, or fails for the provinces in `fail`. A stand-in needs no kernel,
    so none is started ahead for it (which kernels a build starts ahead:
    test_one_new_plan_starts_one_kernel_ahead_and_codes_instruments_while_the_worker_scores)."""
    from compare.pipeline import kernel

    monkeypatch.setattr(kernel, "prewarm", lambda *args, **kwargs: 0)
    calls: list[tuple[str, dict]] = []
    fail: set[str] = set()

    def fake(kind, *, parameters, out_dir, **kw):
        calls.append((kind, dict(parameters)))
        if parameters.get("province") in fail:
            raise ReportError(f"province_report.ipynb ({parameters['province']}) failed at cell [3]: ValueError: boom")
        path = Path(out_dir) / f"{report.report_name(kind, parameters)}.html"
        path.write_text(f"<p>stand-in {parameters}</p>", encoding="utf-8")
        return path

    monkeypatch.setattr(report, "render_report", fake)
    return SimpleNamespace(calls=calls, fail=fail)


def _remove_raw(project, name: str) -> None:
    (project.raw / name).unlink()
    manifest = project.raw / "MANIFEST"
    lines = [ln for ln in manifest.read_text(encoding="utf-8").splitlines() if not ln.endswith(name)]
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.slow
def test_first_build_runs_every_step(built):
    s = built.first
    assert s.ok and s.exit_code == 0, s.line()
    assert sorted(r.name for r in s.done) == sorted(STEPS) and not s.skipped
    reports = built.base / "reports"
    assert sorted(p.name for p in reports.glob("*.html")) == sorted(REPORTS + ["index.html"])
    assert (built.base / "processed" / "item_themes.parquet").is_file()
    assert list((built.base / "figures").glob("*.png")) and list((built.base / "figures").glob("*.csv"))
    assert s.line().startswith(f"build ok: {len(STEPS)} steps, {len(STEPS)} done, 0 skipped")
    assert (built.base / "processed" / "item_links.parquet").is_file()  # the tracking tables
    assert (built.base / "processed" / "kexie_compare.xlsx").is_file()  # the Excel workbook
    # every item has its policy instrument (Parquet + CSV)
    items = pd.read_parquet(built.base / "processed" / "items.parquet")
    coded = pd.read_parquet(built.base / "processed" / "item_instruments.parquet")
    assert (built.base / "processed" / "item_instruments.csv").is_file()
    assert sorted(zip(coded["doc_id"], coded["item_id"])) == sorted(zip(items["doc_id"], items["item_id"]))
    # the [report] defaults reach the build's reports; the named report has its own parameters on top
    record = index.read_record(reports / "henan_kepu.html")
    assert (record.source, record.status, record.parameters) == ("named", "ok", {"province": "河南", "themes": ["科普"], "top_n": 12})
    assert index.read_record(reports / "province_hubei.html").parameters == {"province": "湖北", "top_n": 12}
    page = (reports / "index.html").read_text(encoding="utf-8")
    for name in REPORTS:
        assert f'<a href="{name}">' in page
    model = index.model_version(built.base / "processed")  # item_themes.model_version, e.g. v1
    assert model and record.model_version == model and f"<td>{model}</td>" in page
    assert not (reports / named.STAGING_DIR).exists()
    # the state stores paths relative to itself (a moved project stays up to date)
    assert str(built.base) not in (built.base / "build-state.json").read_text(encoding="utf-8")


@pytest.mark.slow
def test_no_change_build_skips_every_step_rewrites_nothing_and_loads_no_corpus(built, tmp_path, monkeypatch):
    """A no-change build stays cheap at any corpus size: it hashes files, it never reads the tables.
    (It runs on a copy of the first build's project: the state is valid after a move.)"""
    from compare import analysis

    project = clone(built, tmp_path)
    dirs = [project.base / "processed", project.base / "figures", project.reports]
    before = _mtimes(*dirs)

    def refuse(*args, **kwargs):
        raise AssertionError("a no-change build loaded the corpus")

    monkeypatch.setattr(analysis.Corpus, "load", refuse)
    s = build.run_build(**project.kw)
    assert s.ok and not s.done and not s.changed and sorted(r.name for r in s.skipped) == sorted(STEPS), s.line()
    assert _mtimes(*dirs) == before  # nothing rewritten, index.html included


_NO_CHANGE_BUILD = """
import json, sys
from pathlib import Path
from compare.core import hashing
from compare.core.config import load_config
base, pinned = Path(sys.argv[1]), sys.argv[2]
hashing.code_version = lambda *a: pinned
from compare.pipeline import build
s = build.run_build(raw_dir=base / "raw", processed_dir=base / "processed", figures_dir=base / "figures",
                    reports_dir=base / "reports", state_file=base / "build-state.json", formats=("png",), dpi=40,
                    jobs=2, progress=False, config=load_config(base))
print(json.dumps({"line": s.line(), "done": [r.name for r in s.done], "modules": sorted(sys.modules)}))
"""
HEAVY = ("pandas", "pyarrow", "numpy", "jieba", "jieba_next", "sklearn", "scipy", "matplotlib", "papermill",
         "nbformat", "openpyxl")


@pytest.mark.slow
def test_no_change_build_imports_no_heavy_library(built, tmp_path):
    """A build that finds nothing to do only hashes files and reads small JSON records: in a fresh
    interpreter (as `python -m compare build` runs) it imports neither pandas nor pyarrow, jieba,
    scikit-learn, matplotlib or the notebook machinery, which would cost more than the check itself."""
    import json
    import subprocess
    import sys

    project = clone(built, tmp_path)
    for _ in range(2):  # the second run finds the file signatures the first recorded
        out = subprocess.run([sys.executable, "-c", _NO_CHANGE_BUILD, str(project.base), hashing.code_version()],
                             capture_output=True, text=True, check=True, timeout=300)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        assert not result["done"], result["line"]
        imported = sorted({m.split(".")[0] for m in result["modules"]} & set(HEAVY))
        assert imported == [], f"a no-change build imported {imported}"
    assert (project.base / build.FILE_HASHES).is_file()


@pytest.mark.slow
def test_reports_read_the_keyness_the_build_computed_once(built):
    """The cross-province report compares every province's distinctive terms: the figures step
    computed them once, through the cache the report reads (keyed on the rows compared)."""
    from compare import analysis

    assert built.keyness is not None  # looked up in the cache as soon as the build returned
    like = params.comparable(analysis.Corpus.load(built.base / "processed"))
    computed = analysis.keyness(like, by="province", top_n=None, doc_types="工作要点", levels="省级")
    pd.testing.assert_frame_equal(built.keyness.reset_index(drop=True), computed.reset_index(drop=True))


@pytest.mark.slow
def test_quiet_build_prints_nothing_without_change_and_one_timestamped_line_otherwise(built, tmp_path, monkeypatch, capsys):
    project = clone(built, tmp_path)
    real = build.run_build
    monkeypatch.setattr(build, "run_build", lambda **kw: real(**{**project.kw, **kw}))
    args = dict(raw=project.raw, jobs=2, force=False, verbose=False, quiet=True)
    assert build.build_command(**args) == 0
    assert capsys.readouterr() == ("", "")
    manifest = project.raw / "MANIFEST"  # a MANIFEST edit changes the raw hashes: ingest runs again
    manifest.write_text(manifest.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert build.build_command(**args) == 0
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == "" and len(lines) == 1, err
    assert ISO_LINE.match(lines[0]) and f" build ok: {len(STEPS)} steps, 1 done, {len(STEPS) - 1} skipped" in lines[0]


@pytest.mark.slow
def test_log_lines_carry_local_iso_timestamps(built, tmp_path, monkeypatch):
    project = clone(built, tmp_path)
    real = build.run_build
    monkeypatch.setattr(build, "run_build", lambda **kw: real(**{**project.kw, **kw}))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    try:
        rc = build.build_command(raw=project.raw, jobs=1, force=False, verbose=False, quiet=False)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    lines = stream.getvalue().splitlines()
    assert rc == 0 and len(lines) >= len(STEPS) + 1
    assert all(ISO_LINE.match(line) for line in lines), lines
    assert any("theme dictionary:" in line and "packaged default" in line for line in lines)
    assert f"build ok: {len(STEPS)} steps, 0 done, {len(STEPS)} skipped" in lines[-1]
    assert handler.formatter is None  # the logging configuration is restored afterwards


@pytest.mark.slow
def test_changed_raw_dir_reruns_ingest_only_when_tables_do_not_change(built, tmp_path):
    project = clone(built, tmp_path)
    manifest = project.raw / "MANIFEST"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    s = build.run_build(**project.kw)
    assert s.ok and [r.name for r in s.done] == ["ingest"], s.line()
    assert len(s.skipped) == len(STEPS) - 1


@pytest.mark.slow
def test_skipped_raw_file_is_a_partial_build(built, tmp_path):
    project = clone(built, tmp_path)
    (project.raw / "empty_plan.txt").write_text("", encoding="utf-8")
    s = build.run_build(**project.kw)
    assert s.exit_code == build.EXIT_PARTIAL == 3 and s.ok, s.line()
    assert [r.name for r in s.partial] == ["ingest"] and "empty_plan.txt" in s.partial[0].message
    assert s.line().startswith("build PARTIAL:") and "empty_plan.txt" in s.line()
    # the plan tables did not change: only the workbook (which shows the intake report) is redone
    assert [r.name for r in s.done] == ["workbook"] and len(s.skipped) == len(STEPS) - 2
    again = build.run_build(**project.kw)  # reported again until the file is fixed or removed
    assert again.exit_code == 3


@pytest.mark.slow
def test_failing_report_does_not_stop_the_others_and_is_retried(built, tmp_path, stand_in):
    project = clone(built, tmp_path)
    reports = project.reports
    (reports / "province_henan.html").unlink()  # a missing output makes its step run again
    original = (reports / "province_hubei.html").read_bytes()
    with open(reports / "province_hubei.html", "a", encoding="utf-8") as fh:  # so does a changed one
        fh.write("<!-- overwritten by hand -->")
    stand_in.fail.add("湖北")
    s = build.run_build(**project.kw)
    assert not s.ok and s.exit_code == 1
    assert [r.name for r in s.failed] == ["report 湖北"] and "boom" in s.failed[0].message
    assert [r.name for r in s.done] == ["report 河南"]  # the other report still ran
    assert len(s.skipped) == len(STEPS) - 2
    assert "failed: report 湖北 (" in s.line() and "FAILED" in s.line()
    assert (reports / "province_henan.html").is_file()
    # the failed report keeps its previous HTML; its record and the index say it failed
    assert (reports / "province_hubei.html").read_bytes().endswith(b"<!-- overwritten by hand -->")
    assert index.read_record(reports / "province_hubei.html").status == "failed"
    page = (reports / "index.html").read_text(encoding="utf-8")
    assert '<tr class="failed"><td><a href="province_hubei.html">' in page and "boom" in page

    # back to the bytes the state recorded after the first build: only the recorded failure now says
    # that 湖北 must run again; it is retried (and reported) until it succeeds
    (reports / "province_hubei.html").write_bytes(original)
    stand_in.calls.clear()
    s = build.run_build(**project.kw)
    assert [c[1]["province"] for c in stand_in.calls] == ["湖北"]
    assert not s.ok and [r.name for r in s.failed] == ["report 湖北"], s.line()
    stand_in.fail.clear()
    s = build.run_build(**project.kw)
    assert s.ok and [r.name for r in s.done] == ["report 湖北"]
    assert index.read_record(reports / "province_hubei.html").status == "ok"


@pytest.mark.slow
def test_report_of_a_removed_province_moves_to_stale(built, tmp_path, stand_in):
    project = clone(built, tmp_path)
    _remove_raw(project, "hubei_2019_work-plan.txt")
    s = build.run_build(**project.kw)
    assert s.ok, s.line()
    assert "report 湖北" not in [r.name for r in s.steps]
    assert not (project.reports / "province_hubei.html").exists()
    stale = project.reports / "_stale" / "province_hubei.html"
    assert stale.is_file() and s.stale == ["reports/province_hubei.html"] and "_stale/" in s.line()
    record = index.read_record(stale)
    assert record.status == "stale" and "湖北" in record.message
    page = (project.reports / "index.html").read_text(encoding="utf-8")
    assert '<tr class="stale"><td><a href="_stale/province_hubei.html">' in page
    # only the cross-province report compares every province: the province reports (the named one of
    # 河南 too) show their own rows and the saved reference, which did not change
    assert [c[1].get("province") for c in stand_in.calls] == [None]
    again = build.run_build(**project.kw)
    assert not again.changed, again.line()


@pytest.mark.slow
def test_chart_no_longer_drawn_moves_to_stale(built, tmp_path, stand_in):
    """A figure the figures step wrote last time and no longer writes goes to figures/_stale/; files
    the build never wrote stay where they are."""
    import json

    project = clone(built, tmp_path)
    figures = project.base / "figures"
    (figures / "old_chart.png").write_bytes(b"an old chart")
    (figures / "analyst_notes.txt").write_text("mine", encoding="utf-8")
    state_file = project.base / "build-state.json"
    state = json.loads(state_file.read_text(encoding="utf-8"))
    state["steps"]["figures"]["outputs"]["figures/old_chart.png"] = "0" * 64  # as if the last build drew it
    state_file.write_text(json.dumps(state), encoding="utf-8")
    s = build.run_build(**{**project.kw, "dpi": 41})  # other settings: the figures step runs again
    assert s.ok and "figures" in [r.name for r in s.done], s.line()
    assert (figures / "_stale" / "old_chart.png").read_bytes() == b"an old chart"
    assert not (figures / "old_chart.png").exists() and (figures / "analyst_notes.txt").is_file()
    assert s.stale == ["figures/old_chart.png"] and "moved to _stale/: figures/old_chart.png" in s.line()


@pytest.mark.slow
def test_named_and_custom_reports_survive_the_build(built, tmp_path, stand_in, monkeypatch):
    project = clone(built, tmp_path)
    monkeypatch.setattr(named, "load_config", lambda root: load_config(project.base))
    common = ["--processed", str(project.base / "processed"), "--out", str(project.reports)]
    assert main(["report", "--province", "豫", "--themes", "科普,智库", *common]) == 0
    (custom,) = (project.reports / "custom").glob("*.html")
    assert re.fullmatch(r"province_henan-[0-9a-f]{8}\.html", custom.name)
    assert index.read_record(custom).source == "custom"
    custom_bytes = custom.read_bytes()
    named_before = (project.reports / "henan_kepu.html").read_bytes()
    build_before = (project.reports / "province_henan.html").read_bytes()

    s = build.run_build(**project.kw)
    assert s.ok and not s.done, s.line()  # `make reports` replaces neither
    assert custom.read_bytes() == custom_bytes
    assert (project.reports / "province_henan.html").read_bytes() == build_before
    assert "custom/" + custom.name in (project.reports / "index.html").read_text(encoding="utf-8")

    # `report --name` re-renders the named report as kexie.toml defines it
    stand_in.calls.clear()
    assert main(["report", "--name", "henan_kepu", *common]) == 0
    assert stand_in.calls == [("province", {"province": "河南", "themes": ["科普"], "top_n": 12})]
    assert (project.reports / "henan_kepu.html").read_bytes() != named_before

    # a named report removed from kexie.toml is kept (and still listed)
    (project.base / "kexie.toml").write_text("[report]\ntop_n = 12\n", encoding="utf-8")
    s = build.run_build(**{**project.kw, "config": load_config(project.base)})
    assert s.ok and NAMED not in [r.name for r in s.steps], s.line()
    assert (project.reports / "henan_kepu.html").is_file() and custom.read_bytes() == custom_bytes
    assert '<a href="henan_kepu.html">' in (project.reports / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_named_report_with_impossible_parameters_fails_alone_and_is_listed(built, tmp_path, stand_in):
    project = clone(built, tmp_path)
    bad = '\n[[reports]]\nname = "kepu_two_years"\ncross = true\nyears = [2019, 2024]\n'
    (project.base / "kexie.toml").write_text(KEXIE_TOML + bad, encoding="utf-8")
    s = build.run_build(**{**project.kw, "config": load_config(project.base)})
    assert s.exit_code == 1 and [r.name for r in s.failed] == ["report kepu_two_years (kexie.toml)"], s.line()
    assert "compares one year or all" in s.failed[0].message and not s.done  # the other reports are up to date
    record = index.read_record(project.reports / "kepu_two_years.html")
    assert record.status == "failed" and record.source == "named"
    page = (project.reports / "index.html").read_text(encoding="utf-8")
    assert '<tr class="failed"><td>kepu_two_years.html（无文件 no file）' in page


def test_report_name_errors_are_one_line(tmp_path, monkeypatch, capsys):
    (tmp_path / "kexie.toml").write_text('[[reports]]\nname = "henan_kepu"\nprovince = "河南"\n', encoding="utf-8")
    monkeypatch.setattr(named, "load_config", lambda root: load_config(tmp_path))
    monkeypatch.chdir(tmp_path)  # the default --processed (data/processed) is this empty directory's
    assert main(["report", "--name", "henan", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "no report named 'henan' (named reports: henan_kepu)" in err
    assert main(["report", "--name", "henan_kepu", "--themes", "科普", "--out", str(tmp_path)]) == 1
    assert "change its parameters there" in capsys.readouterr().err
    (tmp_path / "kexie.toml").write_text("[report]\ntop_n = -1\n", encoding="utf-8")
    assert main(["report", "--province", "河南", "--out", str(tmp_path)]) == 1
    assert "kexie.toml: report.top_n: expected a positive integer, got -1" in capsys.readouterr().err


@pytest.mark.slow
def test_ad_hoc_theme_dictionary_is_not_silently_reverted(built, tmp_path, stand_in, caplog):
    """`themes --themes my.toml` run by hand: the build says it re-scores with the dictionary of
    kexie.toml (or the packaged one) and how to keep one's own."""
    project = clone(built, tmp_path)
    csv = project.base / "processed" / "item_themes.csv"
    csv.write_bytes(csv.read_bytes() + b"\n")  # stands for an ad hoc `themes` run
    with caplog.at_level(logging.INFO, logger="compare.pipeline.build"):
        s = build.run_build(**project.kw)
    assert s.ok and [r.name for r in s.done] == ["themes"], s.line()
    warning = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("item_themes changed since the last build" in w and "themes.toml" in w and "kexie.toml" in w
               and "--refit" in w and "refitted model is kept" in w  # a refit is the other ad hoc cause
               for w in warning), warning


@pytest.mark.slow
def test_build_scores_with_the_dictionary_named_in_kexie_toml(built, tmp_path, stand_in, monkeypatch, caplog):
    from compare.core.paths import PACKAGE_DATA
    from compare.text import themes

    project = clone(built, tmp_path)
    mine = project.base / "my_themes.toml"
    mine.write_text((PACKAGE_DATA / "themes.toml").read_text(encoding="utf-8") + "\n# ours\n", encoding="utf-8")
    (project.base / "kexie.toml").write_text(f'themes = "my_themes.toml"\n{KEXIE_TOML}', encoding="utf-8")
    seen = []
    real = themes.run_themes
    monkeypatch.setattr(themes, "run_themes", lambda *a, **kw: seen.append(kw.get("themes_file")) or real(*a, **kw))
    with caplog.at_level(logging.INFO, logger="compare.pipeline.build"):
        s = build.run_build(**{**project.kw, "config": load_config(project.base)})
    assert s.ok and "themes" in [r.name for r in s.done], s.line()
    assert seen == [mine.resolve()]
    assert any(f"theme dictionary: {mine.resolve()} (named in" in r.getMessage() for r in caplog.records)


@pytest.mark.slow
def test_build_codes_with_the_codebook_named_in_kexie_toml(built, tmp_path, stand_in, caplog):
    """kexie.toml: instruments = "FILE" is the codebook the build codes with (read like every analyst
    file); a bad one stops the build before any work with one line naming the file and the reason."""
    import json

    from compare.core.paths import PACKAGE_DATA
    from compare.text.codebook import CodebookError
    from compare.text.instrument_model import current_version

    project = clone(built, tmp_path)
    mine = project.base / "my_codebook.toml"
    packaged = (PACKAGE_DATA / "instruments.toml").read_text(encoding="utf-8")
    mine.write_bytes(packaged.replace('"科技馆新馆", ', "").encode("gb18030"))  # as a Chinese editor saves it
    (project.base / "kexie.toml").write_text(f'instruments = "my_codebook.toml"\n{KEXIE_TOML}', encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="compare.pipeline.build"):
        s = build.run_build(**{**project.kw, "config": load_config(project.base)})
    assert s.ok and "instruments" in [r.name for r in s.done], s.line()
    processed = project.base / "processed"
    version = current_version(processed)
    model = json.loads((processed / "instrument_model" / version / "model.json").read_text(encoding="utf-8"))
    assert model["codebook_path"] == str(mine.resolve()) and model["reason"] == "codebook changed"
    assert any(f"instrument codebook: {mine.resolve()} (named in" in r.getMessage() for r in caplog.records)
    # a second build with the same codebook has nothing to recode
    assert "instruments" not in [r.name for r in build.run_build(**{**project.kw, "config": load_config(project.base)}).done]
    # a broken codebook: one line, the file and its line, before any step ran
    mine.write_text(packaged.replace("[weights]", "[weights", 1), encoding="utf-8")
    before = (processed / "item_instruments.parquet").read_bytes()
    with pytest.raises(CodebookError) as err:
        build.run_build(**{**project.kw, "config": load_config(project.base), "force": True})
    assert str(err.value).startswith(f"{mine.resolve()}:") and "\n" not in str(err.value)
    assert (processed / "item_instruments.parquet").read_bytes() == before


def test_build_command_exit_codes(monkeypatch, capsys):
    calls = []

    def summary(*steps):
        return lambda **kw: calls.append(kw) or build.BuildSummary(steps=list(steps), seconds=1.0)

    args = dict(raw=Path("x"), jobs=3, force=True, verbose=False, quiet=False)
    monkeypatch.setattr(build, "run_build", summary(build.StepResult("report 湖北", "failed", 1.0, "boom")))
    assert build.build_command(**args) == 1
    assert calls == [{"raw_dir": Path("x"), "jobs": 3, "force": True, "quiet": False, "refit": False}]
    monkeypatch.setattr(build, "run_build", summary(build.StepResult("ingest", "partial", 1.0, "1 raw file(s) skipped")))
    assert build.build_command(**args) == 3
    monkeypatch.setattr(build, "run_build", summary(build.StepResult("ingest", "done")))
    assert build.build_command(**args) == 0
    # quiet: one line when something happened, nothing when nothing did
    args["quiet"] = True
    capsys.readouterr()
    assert build.build_command(**args) == 0
    (line,) = capsys.readouterr().err.splitlines()
    assert ISO_LINE.match(line) and "build ok: 1 steps, 1 done" in line
    monkeypatch.setattr(build, "run_build", summary(build.StepResult("ingest", "skipped")))
    assert build.build_command(**args) == 0 and capsys.readouterr() == ("", "")
    with pytest.raises(SystemExit) as usage:  # 2 stays argparse's usage error
        main(["build", "--no-such-option"])
    assert usage.value.code == 2


def test_manifest_problems_are_reported(tmp_path):
    (tmp_path / "a.txt").write_text("甲", encoding="utf-8")
    (tmp_path / "b.txt").write_text("乙", encoding="utf-8")
    hashes = build.raw_hashes(tmp_path)
    (tmp_path / "MANIFEST").write_text(f"{hashes['a.txt']}  a.txt\n{'0' * 64}  b.txt\n", encoding="utf-8")
    hashes = build.raw_hashes(tmp_path)
    problems = build.check_manifest(tmp_path, hashes)
    assert problems == ["b.txt does not match its MANIFEST sha256 (raw files are immutable: was it edited?)"]
    with open(tmp_path / "MANIFEST", "a", encoding="utf-8") as fh:  # as `sha256sum data/raw/b.txt >> MANIFEST` writes it
        fh.write(f"{hashes['b.txt']}  data/raw/b.txt\n")
    assert build.check_manifest(tmp_path, build.raw_hashes(tmp_path)) == []
    (tmp_path / "c.txt").write_text("丙", encoding="utf-8")
    problems = build.check_manifest(tmp_path, build.raw_hashes(tmp_path))
    assert any(p.startswith("c.txt is not in MANIFEST") for p in problems)


def test_code_version_tracks_package_sources(tmp_path):
    pkg = tmp_path / "compare"
    shutil.copytree(ROOT / "src" / "compare", pkg, ignore=shutil.ignore_patterns("__pycache__"))
    v = real_code_version(pkg)
    assert len(v) == 64 and v == real_code_version(pkg)
    (pkg / "__pycache__").mkdir(exist_ok=True)
    (pkg / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    assert real_code_version(pkg) == v  # bytecode does not count
    (pkg / "data" / "themes.toml").write_text("# edited\n", encoding="utf-8")
    assert real_code_version(pkg) != v  # package data does


def test_remembered_file_hashes_never_return_the_digest_of_older_bytes(tmp_path, monkeypatch):
    """The build's file signatures (kept between builds) save hashing, never correctness: a file
    rewritten with bytes of the same size, even with its old modification time put back, or replaced
    by a copy, is hashed again; a damaged store only costs the hashing."""
    import os
    import time

    store, f = tmp_path / "file-hashes.json", tmp_path / "table.parquet"
    f.write_bytes(b"aaaa")
    old = f.stat().st_mtime_ns - 10**10
    os.utime(f, ns=(old, old))
    monkeypatch.setattr(hashing, "_SETTLED_S", 0.05)  # trusted once its change time is 50 ms old
    time.sleep(0.1)
    with hashing.remembered_file_hashes(store):
        first = hashing.sha256_file(f)
    assert store.is_file() and str(f) in store.read_text(encoding="utf-8")
    calls = []
    real = hashing._sha256_file
    monkeypatch.setattr(hashing, "_sha256_file", lambda p: calls.append(p) or real(p))
    with hashing.remembered_file_hashes(store):
        assert hashing.sha256_file(f) == first and not calls  # unchanged: not read again
        f.write_bytes(b"bbbb")
        os.utime(f, ns=(old, old))  # same size, same modification time: the change time still moves
        assert hashing.sha256_file(f) == hashing._sha256_file(f) != first
    shutil.copy2(f, tmp_path / "copy")
    os.replace(tmp_path / "copy", f)
    calls.clear()
    with hashing.remembered_file_hashes(store):
        hashing.sha256_file(f)
    assert calls  # a new inode: hashed again
    store.write_text("{not json", encoding="utf-8")
    with hashing.remembered_file_hashes(store):
        assert hashing.sha256_file(f) == real(f)
    assert hashing.sha256_file(f) == real(f)  # outside a build nothing is remembered


def test_readying_the_reports_inputs_never_fails_the_build(tmp_path):
    """What is loaded while the worker tracks only saves time: a table that cannot be read is left to
    the steps that read it, which say what is wrong."""
    from compare.pipeline import buildsteps

    (tmp_path / "items.parquet").write_bytes(b"not parquet")

    def corpus():
        raise ValueError("boom")

    buildsteps.ready_for_reports(SimpleNamespace(corpus=corpus, processed_dir=tmp_path))
    buildsteps.ready_for_reports(SimpleNamespace(corpus=lambda: None, processed_dir=tmp_path))


def test_the_build_names_the_tracking_tables_as_tracking_does():
    from compare.pipeline import buildsteps, track

    assert buildsteps.TRACK_TABLES == track.TRACK_TABLES


def test_workbook_step_is_keyed_on_the_tables_the_workbook_shows():
    """build lists them itself (a no-change build must not import openpyxl); they must not drift."""
    from compare.pipeline import workbook

    assert build.WORKBOOK_TABLES == workbook.WORKBOOK_TABLES


def test_metadata_csv_is_the_analysts_to_edit_not_an_immutable_raw_file(tmp_path):
    (tmp_path / "a.txt").write_text("甲", encoding="utf-8")
    hashes = build.raw_hashes(tmp_path)
    (tmp_path / "MANIFEST").write_text(f"{hashes['a.txt']}  a.txt\n", encoding="utf-8")
    (tmp_path / "metadata.csv").write_text("file,year\na.txt,2023\n", encoding="utf-8")
    assert build.check_manifest(tmp_path, build.raw_hashes(tmp_path)) == []


@pytest.mark.slow
def test_adding_a_plan_rerenders_only_the_reports_whose_inputs_changed(built, tmp_path, monkeypatch, caplog):
    """A plan of a new province (湖南) renders its report and the cross-province report and rewrites the
    index; every other report keeps its bytes (their rows and the saved reference are unchanged) and
    the index does not call them outdated. Inside the steps only the new file is parsed, no chain is
    linked again (湖南 has one plan) and 河南's own charts are not saved again. build --refit fits the
    reference anew: every report runs."""
    from benchmarks.corpus import generate_corpus, write_manifest
    from compare.pipeline import kernel, reference

    project = clone(built, tmp_path)
    processed = project.base / "processed"
    fitted = reference.read_info(processed)
    before = {p.name: p.read_bytes() for p in project.reports.glob("*.html")}
    generate_corpus(1, project.raw, seed=0, provinces=["湖南"])
    write_manifest(project.raw)
    with caplog.at_level(logging.INFO, logger="compare.pipeline.build"):
        s = build.run_build(**project.kw)  # real rendering
    assert s.ok, s.line()
    said = [r.getMessage() for r in caplog.records]
    assert "ingest: 1 of 6 raw files parsed (5 unchanged since the last ingest)" in said, said
    assert any(re.fullmatch(r"track: 0 of \d+ chains linked again; strength scored for 1 of 7 plans", m)
               for m in said), said
    figures_line = next(m for m in said if m.startswith("figures: "))
    saved, drawn = map(int, re.match(r"figures: (\d+) of (\d+) charts saved", figures_line).groups())
    assert 0 < saved < drawn, figures_line  # 河南's change over time shows what it showed
    reports_done = sorted(r.name for r in s.done if r.name.startswith("report "))
    assert reports_done == ["report cross-province", "report 湖南"], s.line()
    assert "reference" in [r.name for r in s.skipped] and reference.read_info(processed) == fitted
    after = {p.name: p.read_bytes() for p in project.reports.glob("*.html")}
    for name in ("province_henan.html", "province_hubei.html", "province_heilongjiang.html", "henan_kepu.html"):
        assert after[name] == before[name], name
    assert after["cross_province.html"] != before["cross_province.html"] and after["index.html"] != before["index.html"]
    hunan = after["province_hunan.html"].decode("utf-8")
    assert "特色词参照" in hunan and fitted["fitted_at"] in hunan and f"主题模型 {fitted['model_version']}" in hunan
    assert "数据表在生成后已变化" not in after["index.html"].decode("utf-8")  # skipped reports are current
    # the saved reference does not contain the new plan; refitting takes it in and redoes every report
    assert "湖南" not in fitted["provinces"]
    calls = []

    def fake(kind, *, parameters, out_dir, **kw):
        calls.append(str(parameters.get("province")))
        path = Path(out_dir) / f"{report.report_name(kind, parameters)}.html"
        path.write_text(f"<p>stand-in {parameters}</p>", encoding="utf-8")
        return path

    monkeypatch.setattr(report, "render_report", fake)
    monkeypatch.setattr(kernel, "prewarm", lambda *args, **kwargs: 0)  # the stand-in needs no kernel
    s = build.run_build(**project.kw, refit=True)
    assert s.ok and "reference" in [r.name for r in s.done], s.line()
    assert "湖南" in reference.read_info(processed)["provinces"]
    assert sorted(calls) == ["None", "河南", "河南", "湖北", "湖南", "黑龙江"]


@pytest.mark.slow
def test_a_plan_outside_the_comparison_leaves_the_cross_province_report(built, tmp_path, stand_in):
    """A city plan (郑州市科协, level 市级) is not compared by the cross-province report and its coverage
    note does not name it: the report and the figures are not made again, while 河南's own reports
    (which show every plan of the province) are."""
    from benchmarks.corpus import write_manifest

    project = clone(built, tmp_path)
    seed = (project.raw / "henan_2019_work-plan.txt").read_text(encoding="utf-8")
    city = seed.replace("河南省科协2019年工作要点", "郑州市科协2019年工作要点", 1).replace("省科协", "市科协")
    (project.raw / "zhengzhou_2019_work-plan.txt").write_text(city, encoding="utf-8")
    write_manifest(project.raw)
    s = build.run_build(**project.kw)
    assert s.ok, s.line()
    assert sorted(r.name for r in s.done if r.name.startswith("report ")) == sorted(["report 河南", NAMED]), s.line()
    assert {"report cross-province", "figures", "report 湖北"} <= {r.name for r in s.skipped}, s.line()
    assert [c[1].get("province") for c in stand_in.calls] == ["河南", "河南"]


@pytest.mark.slow
def test_one_new_plan_starts_one_kernel_ahead_and_codes_instruments_while_the_worker_scores(built, tmp_path,
                                                                                           stand_in, monkeypatch):
    """Adding one plan renders one or two reports: one kernel is started ahead (a second would compete
    with the steps before the reports for the cores). The instruments, which read only the ingest
    tables, are coded while the worker process scores the themes, with tracking queued behind them
    there. A forced build starts a kernel per job."""
    from benchmarks.corpus import generate_corpus, write_manifest
    from compare.pipeline import kernel

    project = clone(built, tmp_path)
    started: list[int] = []
    monkeypatch.setattr(kernel, "prewarm", lambda name, n, log_dir: started.append(n) or 0)
    while_themes: list[bool] = []
    real_instruments = build.instruments_step

    def instruments_step(run):
        # the worker's themes step not yet waited for, tracking already queued behind it
        while_themes.append("themes" in run._pending and "track" in run._pending)
        return real_instruments(run)

    monkeypatch.setattr(build, "instruments_step", instruments_step)
    generate_corpus(1, project.raw, seed=0, provinces=["湖南"])
    write_manifest(project.raw)
    s = build.run_build(**project.kw)
    assert s.ok, s.line()
    assert started == [1] and while_themes == [True], (started, while_themes)
    assert {"themes", "instruments", "track"} <= {r.name for r in s.done}, s.line()
    started.clear()
    assert build.run_build(**project.kw, force=True).ok
    assert started == [2], started


@pytest.mark.slow
def test_figures_are_drawn_while_the_reports_render(built, tmp_path, monkeypatch):
    """With jobs=2 no report waits for the figures (none reads them): the figures step starts once the
    cross-province report is done (it leaves the comparisons in the cache) while the province reports
    render; the build waits for it before the index. With jobs=1 the figures come first, as before."""
    import threading

    from compare.pipeline import figures

    project = clone(built, tmp_path)
    events: list[str] = []
    drawn = threading.Event()

    def fake_render(kind, *, parameters, out_dir, **kw):
        if kind == "province":
            events.append(f"start {parameters.get('province')}")
            assert drawn.wait(30), "the province reports waited for the figures"
        path = Path(out_dir) / f"{report.report_name(kind, parameters)}.html"
        path.write_text(f"<p>stand-in {parameters}</p>", encoding="utf-8")
        events.append(f"done {kind} {parameters.get('province')}")
        return path

    def fake_figures(corpus, out_dir, **kw):
        events.append("figures")
        drawn.set()
        return []

    def figures_and_reports_to_redo(dpi: int) -> dict:
        """Other chart settings and no report pages: the figures and every report run again, the
        steps before them (whose order is not in question) are up to date."""
        for page in project.reports.glob("*.html"):
            page.unlink()
        return {**project.kw, "dpi": dpi}

    monkeypatch.setattr(report, "render_report", fake_render)
    monkeypatch.setattr(figures, "write_figures", fake_figures)
    s = build.run_build(**figures_and_reports_to_redo(41))
    assert s.ok, s.line()
    assert events.index("done cross None") < events.index("figures") < events.index("done province 湖北"), events
    assert any(e.startswith("start ") for e in events[:events.index("figures")]), events  # a report was rendering
    assert "figures" in [r.name for r in s.done]
    assert sorted(r.name for r in s.done) == sorted(["figures", *(n for n in STEPS if n.startswith("report"))])
    events.clear()
    drawn.clear()
    s = build.run_build(**{**figures_and_reports_to_redo(42), "jobs": 1})
    assert s.ok and events[0] == "figures", (s.line(), events)
    assert len([e for e in events if e.startswith("done ")]) == len([n for n in STEPS if n.startswith("report")])


@pytest.mark.slow
def test_every_number_in_the_seed_reports_matches_the_tables(built):
    """The numbers audit: every number the built reports show in their tables (documents, theme
    shares, new and dropped terms, distinctive terms with G², p and Log Ratio, targets and their
    totals, departments, item links, target series, commitment strength, similar pairs, shared
    phrases, policy-instrument shares, the instrument × theme matrix and the coding table) is
    recomputed from the Parquet tables the build wrote, so no number can drift from the data. A table
    with numbers the audit has no rule for fails: a new section needs its rule in tests/report_audit*.py."""
    from tests.report_audit import Data, audit_report

    data = Data(built.base / "processed")
    pages = sorted(p for p in (built.base / "reports").glob("*.html") if p.name != index.INDEX_FILE)
    assert [p.name for p in pages] == REPORTS
    mismatches, unknown, kinds = [], [], set()
    for page in pages:
        audit = audit_report(page.read_text(encoding="utf-8"), data.processed_dir, data)
        mismatches += [f"{page.name}: {m}" for m in audit.mismatches]
        unknown += [f"{page.name}: {u}" for u in audit.unknown]
        kinds |= {k for k, n in audit.checked.items() if n}
    assert mismatches == []
    assert {"documents", "theme shares", "term changes", "keyness", "targets", "departments", "links", "series",
            "strength", "items", "similar pairs", "phrases", "target counts", "target totals",
            "instrument shares (tool)", "instrument shares (type)", "instrument matrix", "coding table"} <= kinds, kinds
    assert unknown == [], "tables whose numbers the audit does not check (add a rule in tests/report_audit*.py)"


@pytest.mark.slow
def test_the_audit_catches_a_wrong_number_in_the_instrument_tables(built):
    """Each instrument rule fails on a doctored copy of a real report table: a share, a matrix cell, a
    type, a code, a tool, a runner-up, a dropped row."""
    import copy

    from tests import report_audit_instruments as rules
    from tests.report_audit import Audit, Data, tables

    data = Data(built.base / "processed")
    found = {}
    for page, province in (("province_henan.html", "河南"), ("cross_province.html", None)):
        html = (built.base / "reports" / page).read_text(encoding="utf-8")
        docs = data.compared(province, "工作要点", "省级")
        coded = rules.coded_items(data, docs, sorted(set(docs["year"])))
        for t in tables(html):
            for kind in ("shares", "matrix", "coding"):
                if getattr(rules, f"is_{kind}")(t):
                    found[(page, kind)] = (t, coded, html)
    assert len(found) == 6, sorted(found)

    def audited(page, kind, change=None):
        table, coded, html = found[(page, kind)]
        table = copy.deepcopy(table)
        if change:
            change(table)
        audit = Audit()
        getattr(rules, kind)(audit, table, coded, *((html,) if kind == "coding" else ()))
        return audit.mismatches

    def cell(column, value, row=0):
        def change(t):
            t.rows[row][t.header.index(column)] = value(t.rows[row][t.header.index(column)])
        return change

    def drop(row):
        return lambda t: t.rows.pop(row)

    bump = lambda v: f"{float(v.rstrip('%')) + 1:.1f}%"  # noqa: E731
    for page in ("province_henan.html", "cross_province.html"):
        for kind in ("shares", "matrix", "coding"):
            assert audited(page, kind) == [], (page, kind)
        shares = found[(page, "shares")][0]
        first = shares.header[2 if page.startswith("cross") else 1]
        wrong = audited(page, "shares", cell(first, bump))
        assert any("add up to" in m for m in wrong) and any(first in m and "shown" in m for m in wrong), wrong
        assert any("no row" in m for m in audited(page, "shares", drop(0)))
        assert any(" 人才: shown" in m for m in audited(page, "matrix", cell("人才", lambda v: str(int(v) + 1))))
        assert any("type" in m for m in audited(page, "matrix", cell("工具类型", lambda v: "需求型" if v != "需求型" else "供给型")))
        assert any("no row" in m for m in audited(page, "matrix", drop(0)))
        assert audited(page, "coding", cell("编码（文件-章节-条目）", lambda v: "9" + v))
        assert any("政策工具" in m for m in audited(page, "coding", cell("政策工具", lambda v: "资金投入" if v != "资金投入" else "人才培养")))
        assert any("次选工具" in m for m in audited(page, "coding", cell("次选工具", lambda v: v + "x")))
        assert any("rows shown of" in m for m in audited(page, "coding", drop(3)))
