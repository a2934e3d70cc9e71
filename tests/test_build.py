"""The incremental build on a temporary copy of data/raw, with temporary output directories (the real
data/processed, figures/, reports/ and .cache/build-state.json are never touched).

One module-scoped first build (ingest, themes, figures, 3 province reports + cross) is shared; the
tests after it run in file order and each leaves the build in the state the next one expects."""
from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from compare.pipeline import build

from compare.pipeline import report
from compare.core.errors import ReportError

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ["cross_province.html", "province_heilongjiang.html", "province_henan.html", "province_hubei.html"]
STEPS = ["ingest", "themes", "figures", "report 河南", "report 湖北", "report 黑龙江", "report cross-province"]

pytestmark = pytest.mark.slow
code_version = build.code_version  # the real one (the build fixture pins build.code_version)


def _mtimes(*dirs: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for d in dirs for p in sorted(d.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    # the code version is pinned: these tests are about data and state, and must not depend on the
    # source tree staying still while they run (test_code_version_tracks_package_sources covers it)
    mp = pytest.MonkeyPatch()
    mp.setattr(build, "code_version", lambda: "pinned-for-this-test")
    base = tmp_path_factory.mktemp("build")
    raw = base / "raw"
    shutil.copytree(ROOT / "tests" / "fixtures" / "seeds", raw)
    kw = dict(
        raw_dir=raw,
        processed_dir=base / "processed",
        figures_dir=base / "figures",
        reports_dir=base / "reports",
        state_file=base / "build-state.json",
        formats=("png",),  # one format at low dpi: the build logic is under test, not the charts
        dpi=40,
        jobs=2,
        progress=False,
    )
    first = build.run_build(**kw)
    yield SimpleNamespace(base=base, raw=raw, kw=kw, first=first)
    mp.undo()


def test_first_build_runs_every_step(project):
    s = project.first
    assert s.ok, s.line()
    assert sorted(r.name for r in s.done) == sorted(STEPS) and not s.skipped
    assert sorted(p.name for p in (project.base / "reports").glob("*.html")) == REPORTS
    assert (project.base / "processed" / "item_themes.parquet").is_file()
    assert list((project.base / "figures").glob("*.png")) and list((project.base / "figures").glob("*.csv"))
    assert (project.base / "build-state.json").is_file()
    assert s.line().startswith("build ok: 7 steps, 7 done, 0 skipped")


def test_second_build_skips_every_step(project):
    before = _mtimes(project.base / "processed", project.base / "figures", project.base / "reports")
    s = build.run_build(**project.kw)
    assert s.ok and not s.done and sorted(r.name for r in s.skipped) == sorted(STEPS), s.line()
    after = _mtimes(project.base / "processed", project.base / "figures", project.base / "reports")
    assert after == before  # nothing rewritten


def test_no_change_build_does_not_load_the_corpus(project, monkeypatch):
    """A no-change build stays cheap at any corpus size: it hashes files, it never reads the tables."""
    from compare import analysis

    def refuse(*args, **kwargs):
        raise AssertionError("a no-change build loaded the corpus")

    monkeypatch.setattr(analysis.Corpus, "load", refuse)
    s = build.run_build(**project.kw)
    assert s.ok and not s.done, s.line()


def test_reports_read_the_keyness_the_build_computed_once(project):
    """Every province report needs the keyness of every province against the others; the build
    computes it before the kernels start (here: the figures step did, through the same cache)."""
    from compare import analysis

    processed = project.base / "processed"
    cache = report.ComparisonCache(processed)
    assert cache.lookup(analysis.keyness, analysis.Corpus.load(processed), by="province", top_n=None) is not None


def test_changed_raw_dir_reruns_ingest_only_when_tables_do_not_change(project):
    """A MANIFEST edit changes the raw hashes, so ingest runs again; its tables come out byte-identical,
    so every later step is still up to date."""
    manifest = project.raw / "MANIFEST"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    s = build.run_build(**project.kw)
    assert s.ok and [r.name for r in s.done] == ["ingest"], s.line()
    assert len(s.skipped) == len(STEPS) - 1


def test_failing_report_does_not_stop_the_others_and_is_retried(project, monkeypatch):
    """Orchestration only (real rendering is covered above and in test_report.py): the renderer is
    replaced by one that fails for 湖北 and writes a stand-in page for anything else."""
    reports = project.base / "reports"
    (reports / "province_henan.html").unlink()  # a missing output makes its step run again
    original = (reports / "province_hubei.html").read_bytes()
    with open(reports / "province_hubei.html", "a", encoding="utf-8") as fh:  # so does a changed one
        fh.write("<!-- overwritten by hand -->")
    calls = []

    def fake(kind, *, parameters, out_dir, **kw):
        calls.append(parameters.get("province"))
        if parameters.get("province") == "湖北":
            raise ReportError("province_report.ipynb (province_hubei) failed at cell [3]: ValueError: boom")
        path = out_dir / f"{report.report_name(kind, parameters)}.html"
        path.write_text("<p>stand-in</p>", encoding="utf-8")
        return path

    monkeypatch.setattr(report, "render_report", fake)
    s = build.run_build(**project.kw)
    assert not s.ok
    assert [r.name for r in s.failed] == ["report 湖北"] and "boom" in s.failed[0].message
    assert [r.name for r in s.done] == ["report 河南"]  # the other report still ran
    assert len(s.skipped) == len(STEPS) - 2
    assert "failed: report 湖北" in s.line() and "FAILED" in s.line()
    assert (reports / "province_henan.html").is_file()

    # back to the bytes the state recorded after the first build: only the recorded failure now says
    # that 湖北 must run again; it is retried (and reported) until it succeeds
    (reports / "province_hubei.html").write_bytes(original)
    calls.clear()
    s = build.run_build(**project.kw)
    assert calls == ["湖北"]
    assert not s.ok and [r.name for r in s.failed] == ["report 湖北"], s.line()


def test_cli_build_exit_code(monkeypatch, capsys):
    calls = []

    def fake(**kw):
        calls.append(kw)
        return build.BuildSummary(steps=[build.StepResult("report 湖北", "failed", 1.0, "boom")], seconds=1.0)

    monkeypatch.setattr(build, "run_build", fake)
    args = SimpleNamespace(raw=Path("x"), jobs=3, force=True, verbose=False)
    assert build.cli_build(args) == 1
    assert calls == [{"raw_dir": Path("x"), "jobs": 3, "force": True}]
    monkeypatch.setattr(build, "run_build", lambda **kw: build.BuildSummary(steps=[build.StepResult("ingest", "done")]))
    assert build.cli_build(args) == 0


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
    v = code_version(pkg)
    assert len(v) == 64 and v == code_version(pkg)
    (pkg / "__pycache__").mkdir(exist_ok=True)
    (pkg / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    assert code_version(pkg) == v  # bytecode does not count
    (pkg / "data" / "themes.toml").write_text("# edited\n", encoding="utf-8")
    assert code_version(pkg) != v  # package data does
