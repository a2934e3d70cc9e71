"""Shared fixtures. The seeds are ingested (and themed) once per test session into a temp directory."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "tests" / "fixtures" / "seeds"  # the tests' own copy of the five seeds (data/raw is the analysts')
SEEDS = ROOT.parent / "shared" / "seeds"

# keep every cache of the test run inside the project (jieba, token cache)
os.environ.setdefault("KEXIE_COMPARE_ROOT", str(ROOT))
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    return RAW


@pytest.fixture(scope="session")
def processed_dir(tmp_path_factory) -> Path:
    """data/raw ingested into a fresh directory (documents, items, targets)."""
    from compare.ingest.load import ingest

    out = tmp_path_factory.mktemp("processed")
    result = ingest(RAW, out)
    assert not result.failures, result.failures
    return out


@pytest.fixture(scope="session")
def themed_dir(processed_dir) -> Path:
    """processed_dir plus item_themes, theme_shares and clusters."""
    from compare.text.themes import run_themes

    run_themes(processed_dir)
    return processed_dir
