"""Shared fixtures. The seeds are ingested (and themed) once per test session (per xdist worker) into
temp directories that tests must not change (checked at the end of the session)."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "tests" / "fixtures" / "seeds"  # the tests' own copy of the five seeds (data/raw is the analysts')

# keep every cache of the test run inside the project (jieba, token cache)
os.environ.setdefault("KEXIE_COMPARE_ROOT", str(ROOT))
os.environ.setdefault("MPLBACKEND", "Agg")

# jsonschema (nbformat's validator) imported the way every report process imports it, without the
# optional grammar compiler it never uses (compare.pipeline.kernel.light_jsonschema): test modules
# import nbformat at collection, which compiled some forty Lark grammars in each xdist worker (1.4 CPU s)
from compare.pipeline.kernel import light_jsonschema  # noqa: E402

light_jsonschema()


# an invented plan added later (tests of what adding a plan changes): its file name, anhui_2023_…,
# sorts before every seed, so it comes first in the documents table
ADDED_PLAN = """安徽省科协2023年工作要点

一、强化党建引领
1.深入学习贯彻党的二十大精神，举办全省科协系统党务干部培训班。
2.加强基层党组织建设，推进学会党建工作全覆盖。
二、加强科学普及
3.建设一批科普教育基地，开展全国科普日活动。
4.实施全民科学素质提升行动，组织科技工作者开展科普讲座。
"""

@pytest.fixture(scope="session")
def raw_dir() -> Path:
    return RAW


def _snapshot(directory: Path) -> dict[str, str]:
    """sha256 of every file under directory (relative path -> digest)."""
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def _unchanged(directory: Path, before: dict[str, str], fixture: str) -> None:
    """Fail loudly when a test changed a shared session fixture (tests must write into tmp_path)."""
    after = _snapshot(directory)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    if changed:
        pytest.fail(f"a test changed the shared {fixture} fixture ({directory}): {changed[:10]}; "
                    "copy it into tmp_path before writing", pytrace=False)


@pytest.fixture(scope="session")
def processed_dir(tmp_path_factory) -> Path:
    """The seeds (tests/fixtures/seeds) ingested into a fresh directory (documents, items, targets).

    Shared by the whole session (one per xdist worker: tmp_path_factory is per worker) and therefore
    read-only: a test that writes into it fails at the end of the session. Copy it to write."""
    from compare.ingest.run import ingest

    out = tmp_path_factory.mktemp("processed")
    result = ingest(RAW, out)
    assert not result.failures, result.failures
    before = _snapshot(out)
    yield out
    _unchanged(out, before, "processed_dir")


@pytest.fixture(scope="session")
def themed_dir(processed_dir, tmp_path_factory) -> Path:
    """A copy of processed_dir plus item_themes, theme_shares and clusters (processed_dir itself stays
    as ingest left it, whichever fixture a test asks for first). Read-only, like processed_dir."""
    from compare.pipeline.reference import fit_reference
    from compare.text.themes import run_themes

    out = tmp_path_factory.mktemp("themed")
    shutil.copytree(processed_dir, out, dirs_exist_ok=True)
    run_themes(out)
    fit_reference(out)  # fitted with the theme model, as `themes` and the build do (province reports read it)
    before = _snapshot(out)
    yield out
    _unchanged(out, before, "themed_dir")


@pytest.fixture(scope="session")
def instrumented_dir(themed_dir, tmp_path_factory) -> Path:
    """A copy of themed_dir plus the policy-instrument coding (item_instruments and its saved model),
    as the build writes it. Read-only, like themed_dir."""
    from compare.text.instrument_model import run_instruments

    out = tmp_path_factory.mktemp("instrumented")
    shutil.copytree(themed_dir, out, dirs_exist_ok=True)
    run_instruments(out)
    before = _snapshot(out)
    yield out
    _unchanged(out, before, "instrumented_dir")


def pytest_addoption(parser):
    parser.addoption("--reverse", action="store_true",
                     help="run the tests in reverse order (with -p no:randomly): checks independence of order")


# CPU seconds of the test files that dominate a run, measured on the 2-core machine (the CPU of each
# test and of the kernels it started). Under xdist (`make test`: -n 2 --dist loadfile
# --no-loadscope-reorder) the files are handed to the workers in collection order, so these go first,
# heaviest first: a long file that starts last on one worker while the other idles is the tail of a
# run. Every other file keeps pytest-randomly's order after them.
HEAVY_FILES = {
    "test_build.py": 88, "test_report.py": 45, "test_render_cost.py": 31, "test_plots.py": 30,
    "test_segment_backends.py": 29, "test_segment.py": 19, "test_true_labels.py": 16, "test_any_environment.py": 15,
    "test_readers.py": 12, "test_exports.py": 10, "test_docs.py": 9, "test_incremental.py": 9,
    "test_parser_property.py": 8, "test_browser.py": 6, "test_filtered_runs.py": 5,
}


def pytest_collection_modifyitems(config, items):
    if config.getoption("--reverse"):
        items.reverse()
    elif os.environ.get("PYTEST_XDIST_WORKER"):  # a stable sort: a file's own tests keep their order
        items.sort(key=lambda item: -HEAVY_FILES.get(item.path.name, 0))


# --------------------------------------------------------------------------------------------------
# small hand-built inputs several test files use (imported: `from conftest import …`)
# --------------------------------------------------------------------------------------------------

EMPTY_PLAN = "henan-2022-gzyd"  # 河南2022年工作要点 whose copy was truncated: loaded, 0 items


def corpus_with_empty_plan():
    """The example corpus plus a 河南 2022 工作要点 with no items (a truncated copy loaded `partial`)."""
    import pandas as pd

    from compare import analysis
    from compare.analysis.examples import example_frames

    frames = example_frames()
    items = frames["items"]
    docs = items[["doc_id", "province", "year", "doc_type"]].drop_duplicates("doc_id").reset_index(drop=True)
    docs["title"] = docs["doc_id"]
    docs["n_items"] = docs["doc_id"].map(items["doc_id"].value_counts()).astype("int64")
    empty = pd.DataFrame({"doc_id": [EMPTY_PLAN], "province": ["河南"], "year": [2022], "doc_type": ["工作要点"],
                          "title": ["河南省科协2022年工作要点"], "n_items": [0]})
    docs = pd.concat([docs, empty], ignore_index=True).astype({"year": "int64", "n_items": "int64"})
    tokens = [t.split() for t in (
        "全国 科普日 活动", "党建 引领 推进 科技 志愿 服务", "建设 科技馆 举办 科普 活动",
        "建设 高端 科技 智库", "全国 科普日 活动", "建设 高端 科技 智库",
        "坚持 党建 强会 开展 科技 志愿 服务", "深化 党建 工作")]
    return analysis.Corpus.from_frames(documents=docs, themes=["党建", "科普", "智库"], tokens=tokens, **frames)


def keyness_frame():
    """河南's keyness rows as in a small corpus: one significant term, then ties of 3 vs 0 that are not."""
    import pandas as pd

    return pd.DataFrame({
        "group": ["河南", "河南", "河南", "湖北"],
        "term": ["科普日", "一市一品", "三长", "荆楚"],
        "freq_target": [12, 3, 3, 8], "freq_reference": [1, 0, 0, 0],
        "statistic": [15.2, 0.93, 0.93, 11.0], "p_value": [0.0001, 0.335, 0.335, 0.0009],
        "log_ratio": [3.1, 0.01, 0.01, 2.5], "rank": [1, 2, 3, 1],
    })
