"""The benchmark harness on a tiny corpus: run by `make bench` before the benchmark itself (minutes of
builds and renders that do not belong in `make test`). Behaviour, not types: every stage ran, the
no-change build did nothing, adding a plan re-ran ingest and its dependants, the table is complete."""
from __future__ import annotations

import json
import os
from pathlib import Path

from benchmarks import harness, table

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "tests" / "fixtures" / "seeds"
STAGES = ("ingest", "segmentation", "jieba_floor", "segmentation_2cores", "themes", "comparisons",
          "report_render", "empty_notebook", "build_full", "build_nochange", "build_add_one",
          "report_render_after_build")


def test_harness_times_every_stage_on_a_tiny_corpus(tmp_path):
    before = os.environ.get("KEXIE_COMPARE_ROOT")
    # one province, so the build renders two reports (province + cross); PNG only at low dpi
    res = harness.run_size(5, tmp_path / "bench", raw_dir=SEEDS, provinces=("湖南",),
                           build_options={"formats": ("png",), "dpi": 40})
    assert res["documents"] == 5 and res["items"] > 0 and res["item_characters"] > 0
    assert not res["notes"], res["notes"]  # no stage failed or crashed
    assert all(res["times_s"][stage] is not None for stage in STAGES)
    assert set(res["comparison_times"]) >= {"keyness", "similarity", "shared_phrases", "term_changes"}
    assert res["segmentation_2cores_identical"] is True  # two workers segment exactly as one
    assert res["report_province"] == "湖南"
    assert (tmp_path / "bench" / "bench-reports" / "province_hunan.html").is_file()
    # the first build did everything; the second found nothing to do and was faster; adding a
    # document re-ran ingest and what depends on it
    assert res["build_full_summary"]["failed"] == [] and "report 湖南" in res["build_full_summary"]["done"]
    assert res["build_nochange_summary"]["done"] == []
    assert res["times_s"]["build_nochange"] < res["times_s"]["build_full"]
    assert "ingest" in res["build_add_one_summary"]["done"]
    assert res["added_document"]["province"] == "湖南"
    # the environment of the calling process is left as it was
    assert os.environ.get("KEXIE_COMPARE_ROOT") == before
    text = table.format_table([res], table.machine_info())
    timing_rows = [line for line in text.splitlines() if "(s)" in line]
    assert len(timing_rows) >= 12 and not any("—" in line for line in timing_rows)
    json.dumps(harness._jsonable(res), ensure_ascii=False)
