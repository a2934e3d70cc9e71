"""Steps that redo only what changed give the tables a run from nothing gives, byte for byte.

The seeds plus twelve synthetic plans of 湖南 and 湖北 (several chains of one province, level and
type) are ingested and tracked; then one plan is added, one removed, one edited and a metadata.csv
row added, and after each change the incremental ingest and track are compared with an ingest and
a track from nothing in another directory."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from compare.ingest.reuse import CACHE_FILE
from compare.ingest.run import ingest
from compare.pipeline.inputs import selection_digest
from compare.pipeline.track import LinkReuse, run_track

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "tests" / "fixtures" / "seeds"
INGEST_FILES = ["documents", "items", "targets", "intake"]
TRACK_FILES = ["item_links", "target_series", "item_strength"]
CHARTS = ["theme_heatmap", "change_over_time", "targets_chart"]


@pytest.fixture(scope="module")
def plans(tmp_path_factory) -> Path:
    """Thirteen synthetic plans (the last one, 湖北 2020 学会学术工作要点, is the one added)."""
    from benchmarks.corpus import generate_corpus

    out = tmp_path_factory.mktemp("generated")
    docs = generate_corpus(13, out, seed=0, provinces=["湖南", "湖北"])
    assert (docs[-1].province, docs[-1].year, docs[-1].doc_type) == ("湖北", 2020, "学会学术工作要点")
    return out


def _raw(tmp_path: Path, plans: Path) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(SEEDS, raw)
    for p in sorted(plans.glob("*.txt")):
        if p.name != "hubei_2020_society-academic-plan.txt":
            shutil.copy(p, raw / p.name)
    return raw


def _same(a: Path, b: Path, names: list[str]) -> None:
    for name in names:
        for ext in (".parquet", ".csv"):
            assert (a / f"{name}{ext}").read_bytes() == (b / f"{name}{ext}").read_bytes(), f"{name}{ext}"


def _compare_with_a_run_from_nothing(raw: Path, kept: Path, tmp_path: Path, tag: str):
    """Ingest + track into `kept` (reusing what is unchanged) and, from the same starting point (a
    copy of `kept`: the same id registry), without reusing anything: the same bytes."""
    fresh_dir = tmp_path / f"fresh-{tag}"
    shutil.copytree(kept, fresh_dir)
    (fresh_dir / CACHE_FILE).unlink()
    inc = ingest(raw, kept)
    links = run_track(kept)
    ingest(raw, fresh_dir, reuse=False)
    run_track(fresh_dir, reuse=False)
    _same(kept, fresh_dir, INGEST_FILES + TRACK_FILES)
    assert (kept / "doc_ids.json").read_bytes() == (fresh_dir / "doc_ids.json").read_bytes()
    assert not (fresh_dir / CACHE_FILE).exists()  # reuse=False neither reads nor writes the cache
    return inc, links


def test_ingest_and_track_after_a_change_equal_a_run_from_nothing(tmp_path, plans):
    raw = _raw(tmp_path, plans)
    kept = tmp_path / "kept"
    first = ingest(raw, kept)
    track = run_track(kept)
    assert first.n_reused == 0 and track.n_relinked == track.n_chains >= 4
    n_files = first.n_files

    # nothing changed: no file parsed, no chain linked
    again, links = _compare_with_a_run_from_nothing(raw, kept, tmp_path, "same")
    assert again.n_reused == n_files and links.n_relinked == 0 and links.n_rescored == 0

    # one plan added: that file parsed, its chain (湖北 学会学术工作要点 省级) linked again; the charts of
    # 工作要点 省级 are made from the same rows (the figures step is skipped)
    charts_from = selection_digest(kept, doc_type="工作要点", level="省级", cache_dir=tmp_path)
    society = selection_digest(kept, doc_type="学会学术工作要点", level="省级", cache_dir=tmp_path)
    shutil.copy(plans / "hubei_2020_society-academic-plan.txt", raw)
    added, links = _compare_with_a_run_from_nothing(raw, kept, tmp_path, "added")
    assert added.n_files == n_files + 1 and added.n_reused == n_files
    assert links.n_relinked == 1 and links.n_chains == track.n_chains + 1  # its first pair (2020, 2024)
    assert links.n_rescored == 1  # only the new plan's items scored for commitment strength
    assert selection_digest(kept, doc_type="工作要点", level="省级", cache_dir=tmp_path) == charts_from
    assert selection_digest(kept, doc_type="学会学术工作要点", level="省级", cache_dir=tmp_path) != society

    # one plan removed: nothing parsed; the chain it was in linked again
    (raw / "hunan_2017_work-plan.txt").unlink()
    removed, links = _compare_with_a_run_from_nothing(raw, kept, tmp_path, "removed")
    assert removed.n_reused == removed.n_files and links.n_relinked == 1 and links.n_rescored == 0

    # one plan edited (an item's wording): that file parsed again, its chain linked again
    path = raw / "hunan_2015_work-plan.txt"
    text = path.read_text(encoding=_encoding(path))
    path.write_text(text.replace("科普", "科学普及", 1), encoding=_encoding(path))
    edited, links = _compare_with_a_run_from_nothing(raw, kept, tmp_path, "edited")
    assert edited.n_reused == edited.n_files - 1 and links.n_relinked == 1 and links.n_rescored == 1
    assert selection_digest(kept, doc_type="工作要点", level="省级", cache_dir=tmp_path) != charts_from

    # a metadata.csv row for one file: that file parsed again (its year moves it to another chain)
    (raw / "metadata.csv").write_text("file,year\nhubei_2018_work-plan.txt,2019\n", encoding="utf-8")
    corrected, _ = _compare_with_a_run_from_nothing(raw, kept, tmp_path, "metadata")
    assert corrected.n_reused == corrected.n_files - 1
    assert "metadata.csv line 2 sets year" in " ".join(
        w for r in corrected.files if r.source_file == "hubei_2018_work-plan.txt" for w in r.warnings)


def _encoding(path: Path) -> str:
    try:
        path.read_bytes().decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def test_a_changed_item_links_table_or_a_damaged_cache_is_never_trusted(tmp_path, plans):
    """A filtered `track --provinces` run rewrites item_links: the next whole run links every chain; a
    parse cache that cannot be read costs a full parse, never a wrong table."""
    raw = _raw(tmp_path, plans)
    kept = tmp_path / "kept"
    ingest(raw, kept)
    run_track(kept)
    run_track(kept, provinces=["湖北"])
    assert not (kept / LinkReuse.RECORD).exists()
    assert run_track(kept).n_relinked == run_track(kept, reuse=False).n_chains
    (kept / CACHE_FILE).write_bytes(b"not a pickle")
    assert ingest(raw, kept).n_reused == 0
    assert ingest(raw, kept).n_reused > 0


class _Runs:
    """Unpickling an instance of this calls its __reduce__ target: a planted cache's payload."""

    def __reduce__(self):
        return (Path.touch, (_Runs.marker,))


def test_a_parse_cache_this_machine_did_not_sign_is_never_unpickled(tmp_path, monkeypatch, caplog):
    """The parse cache is a pickle: one copied with a tables directory from elsewhere (or planted) is
    refused on its signature before anything is unpickled, and the ingest parses every file."""
    import pickle

    from compare.ingest import reuse

    monkeypatch.setenv("KEXIE_COMPARE_ROOT", str(tmp_path))  # a key of this test's own
    raw = tmp_path / "raw"
    shutil.copytree(SEEDS, raw)
    kept = tmp_path / "kept"
    first = ingest(raw, kept)
    key = tmp_path / ".cache" / reuse.KEY_FILE
    assert key.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert ingest(raw, kept).n_reused == first.n_files  # signed by this machine: taken back

    _Runs.marker = tmp_path / "unpickled"
    planted = pickle.dumps(_Runs())
    (kept / CACHE_FILE).write_bytes(b"\0" * 32 + planted)  # no valid signature
    again = ingest(raw, kept)
    assert not _Runs.marker.exists() and again.n_reused == 0
    assert "this machine did not write it" in caplog.text

    key.unlink()  # another machine: another key, so this cache is not its own
    assert ingest(raw, kept).n_reused == 0 and not _Runs.marker.exists()


def test_a_chart_is_saved_again_only_when_what_it_shows_changed(instrumented_dir, tmp_path, monkeypatch):
    """Charts keyed by the data, caption and selection they show: a second run saves none; leaving
    黑龙江 out saves the corpus-wide charts again but not 河南's change over time; the kept files equal
    those of a run that saves everything."""
    from compare.analysis import Corpus
    from compare.pipeline import figures

    corpus = Corpus.load(instrumented_dir)
    out = tmp_path / "figures"
    figures.write_figures(corpus, out, formats=("png",), dpi=40, charts=CHARTS)
    saved: list[str] = []
    real = figures.save_figure
    monkeypatch.setattr(figures, "save_figure", lambda fig, path, **kw: saved.append(Path(path).stem) or real(fig, path, **kw))
    figures.write_figures(corpus, out, formats=("png",), dpi=40, charts=CHARTS)
    assert saved == []
    fewer = corpus.select(provinces=["河南", "湖北"])
    figures.write_figures(fewer, out, formats=("png",), dpi=40, charts=CHARTS)
    assert "theme_heatmap" in saved and "change_over_time" not in saved
    saved.clear()
    figures.write_figures(fewer, tmp_path / "all", formats=("png",), dpi=40, charts=CHARTS, reuse=False)
    assert saved == CHARTS
    for path in sorted((tmp_path / "all").iterdir()):
        assert (out / path.name).read_bytes() == path.read_bytes(), path.name
