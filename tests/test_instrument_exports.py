"""The policy-instrument coding as the analyst's tools show it (the workbook's 政策工具编码表 sheet, its
`--lang zh` CSV copy, the Word brief's appendix, the reports' table): one vocabulary of headers
(compare.core.labels: the runner-up of an instrument coding is a tool, 次选工具, never 次选主题), and codes
(文件-章节-条目) that stay the same when a plan is added."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from compare.core import io
from compare.core.labels import COLUMN_LABELS, REPORT_COLUMN_LABELS, report_labels, with_zh_headers, zh_column
from tests.conftest import ADDED_PLAN, RAW

CODE = COLUMN_LABELS["code"]  # 编码（文件-章节-条目）


def _exports(processed: Path, out: Path) -> dict[str, pd.DataFrame | list[list[str]]]:
    """The coding table as the workbook sheet, the zh CSV copy and the Word appendix hold it."""
    from docx import Document
    from openpyxl import load_workbook

    from compare.analysis import Corpus
    from compare.pipeline import briefing, workbook

    out.mkdir(parents=True, exist_ok=True)
    book = workbook.export_workbook(processed, out / "book.xlsx")
    ws = load_workbook(book)["政策工具编码表"]
    rows = list(ws.iter_rows(values_only=True))
    sheet = pd.DataFrame(rows[1:], columns=rows[0])
    [csv] = workbook.export_zh_csv(processed, out, tables=["item_instruments"])
    doc = Document()
    briefing._coding_appendix(doc, Corpus.load(processed), "Noto Sans CJK SC", provinces=None,  # noqa: SLF001
                              doc_type="工作要点", level="省级")
    word = [[c.text for c in r.cells] for r in doc.tables[-1].rows]
    return {"sheet": sheet, "csv": pd.read_csv(csv, encoding="utf-8-sig", dtype=str, keep_default_na=False),
            "word": word}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """The seeds coded and exported, then a plan added whose file name sorts first, coded and exported again."""
    from compare.ingest.run import ingest
    from compare.text.instrument_model import run_instruments

    base = tmp_path_factory.mktemp("instrument_exports")
    raw, processed = base / "raw", base / "processed"
    shutil.copytree(RAW, raw)
    ingest(raw, processed)
    run_instruments(processed)
    before = (io.read_table("item_instruments", processed), _exports(processed, base / "before"))
    (raw / "anhui_2023_work-plan.txt").write_text(ADDED_PLAN, encoding="utf-8")
    ingest(raw, processed)
    run_instruments(processed)
    after = (io.read_table("item_instruments", processed), _exports(processed, base / "after"))
    return before, after


def test_the_runner_up_of_an_instrument_coding_is_a_tool_everywhere():
    assert zh_column("runner_up", "item_instruments") == "次选工具"
    assert zh_column("runner_up", "item_themes") == "次选主题" == zh_column("runner_up")
    coded = pd.DataFrame(columns=["code", "tool", "runner_up", "runner_up_score", "evidence"])
    assert list(with_zh_headers(coded, "item_instruments").columns) == [
        CODE, "政策工具", "次选工具", "次选工具得分", "判定依据"]
    assert report_labels("item_instruments")["runner_up"] == "次选工具"
    # one home: the reports' headers are compare.core.labels', the instrument columns read alike everywhere
    from compare.presentation import blocks

    assert blocks.COLUMN_LABELS is REPORT_COLUMN_LABELS
    for col in ("code", "type", "tool", "low_confidence", "evidence"):
        assert report_labels("item_instruments")[col] == zh_column(col, "item_instruments"), col
    html = blocks.table(pd.DataFrame({"tool": ["公共服务"], "runner_up": ["人才培养"]}), source="item_instruments").html
    assert "<th>次选工具</th>" in html and "次选主题" not in html


def test_workbook_csv_and_brief_label_the_coding_as_one_vocabulary(two_runs):
    (coded, out), _ = two_runs
    sheet, csv, word = out["sheet"], out["csv"], out["word"]
    assert list(sheet.columns) == list(csv.columns)
    for header in (CODE, "工具类型", "政策工具", "次选工具", "主题", "判定依据", "低置信度"):
        assert header in sheet.columns, header
    assert "次选主题" not in sheet.columns and "次选主题" not in csv.columns
    assert word[0] == [CODE, "文件", "条目标题", "工具类型", "政策工具", "次选工具", "主题", "判定依据"]
    # every row says what item_instruments says
    by_code = coded.set_index("code")
    assert sorted(sheet[CODE]) == sorted(coded["code"]) == sorted(csv[CODE])
    for row in sheet.itertuples(index=False):
        row = dict(zip(sheet.columns, row))
        want = by_code.loc[row[CODE]]
        assert (row["政策工具"], row["工具类型"]) == (want["tool"], want["type"])
        shown = None if pd.isna(row["次选工具"]) else row["次选工具"]
        assert shown == (None if pd.isna(want["runner_up"]) else want["runner_up"])
    assert len(word) > 1 and any(row[5] for row in word[1:])  # the seeds' codings have runner-ups to show
    for code, _, _, typ, tool, runner_up, *_ in word[1:]:
        assert (typ, tool.rstrip(" *")) == (by_code.loc[code, "type"], by_code.loc[code, "tool"])
        want = by_code.loc[code, "runner_up"]
        assert runner_up == ("" if pd.isna(want) else want), code  # the tool a close call was weighed against


def test_adding_a_plan_keeps_every_exported_code(two_runs):
    """The sheet, the CSV copy and the Word appendix name each existing item by the code it had."""
    (coded_before, before), (coded_after, after) = two_runs
    key = ["doc_id", "item_id"]
    old = dict(zip(map(tuple, coded_before[key].to_numpy()), coded_before["code"]))
    new = dict(zip(map(tuple, coded_after[key].to_numpy()), coded_after["code"]))
    assert {k: new[k] for k in old} == old
    added = set(coded_after["doc_id"]) - set(coded_before["doc_id"])
    assert len(added) == 1 and new.keys() - old.keys()
    n_docs = coded_before["doc_id"].nunique()
    assert all(new[k].startswith(f"{n_docs + 1}-") for k in new.keys() - old.keys())
    # what a reader sees: the same code names the same heading in each export, before and after
    for name in ("sheet", "csv"):
        b = dict(zip(before[name][CODE], before[name]["条目标题"]))
        a = dict(zip(after[name][CODE], after[name]["条目标题"]))
        assert {c: a[c] for c in b} == b, name
    b = {r[0]: r[2] for r in before["word"][1:]}
    a = {r[0]: r[2] for r in after["word"][1:]}
    assert b and {c: a[c] for c in b} == b


def test_the_brief_prints_every_instrument_frame_with_chinese_headers():
    """The Word brief's data tables and the slides' notes print each chart's frame through
    compare.core.labels: no column of an instrument frame may reach them as a bare identifier
    (the heatmap's share_of_theme / share_of_instrument did)."""
    from compare import analysis
    from compare.pipeline.briefing import readable

    corpus = analysis.example_corpus()
    frames = {"shares": analysis.instrument_shares(corpus), "tools": analysis.instrument_shares(corpus, unit="tool"),
              "matrix": analysis.instrument_theme_matrix(corpus), "changes": analysis.instrument_changes(corpus),
              "coding": analysis.instrument_coding_table(corpus)}
    for name, frame in frames.items():
        bare = [c for c in frame.columns if zh_column(c, "item_instruments") == c]
        assert bare == [], (name, bare)
        assert all(not h.isascii() for h in readable(frame).columns), (name, list(readable(frame).columns))
    assert list(readable(frames["matrix"]).columns[-2:]) == ["占该主题条目", "占该工具条目"]
    assert report_labels()["share_of_theme"] == zh_column("share_of_theme")  # the report says it alike
