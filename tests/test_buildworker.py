"""The build's worker process (compare.pipeline.buildworker): a step run there, with its options sent
as JSON, writes the tables the same step writes in the build's own process."""
from __future__ import annotations

import shutil

import pandas as pd

from compare.pipeline import buildworker
from compare.text.themes import run_themes


def test_themes_in_the_worker_equal_themes_in_process(processed_dir, tmp_path):
    here, there = tmp_path / "here", tmp_path / "there"
    shutil.copytree(processed_dir, here)
    shutil.copytree(processed_dir, there)
    run_themes(here)
    worker = buildworker.Worker()
    try:
        worker.submit("warm", str(there)).result(timeout=300)
        answer = worker.submit("themes", str(there), themes_file=None, refit=False).result(timeout=300)
    finally:
        worker.close()
    assert answer["error"] == "" and answer["problem"] == "", answer
    assert str(there / "item_themes.parquet") in answer["paths"] and str(there / "clusters.csv") in answer["paths"]
    for name in ("item_themes", "theme_shares", "clusters"):
        pd.testing.assert_frame_equal(pd.read_parquet(there / f"{name}.parquet"), pd.read_parquet(here / f"{name}.parquet"))
    assert (there / "item_themes.csv").read_bytes() == (here / "item_themes.csv").read_bytes()


def test_a_failing_step_in_the_worker_is_one_line(tmp_path):
    worker = buildworker.Worker()
    try:
        answer = worker.submit("themes", str(tmp_path / "nothing-here"), themes_file=None, refit=False).result(timeout=300)
    finally:
        worker.close()
    assert answer["paths"] == [] and "documents" in answer["error"] and "\n" not in answer["error"], answer
