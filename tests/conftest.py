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


def pytest_collection_modifyitems(config, items):
    if config.getoption("--reverse"):
        items.reverse()
