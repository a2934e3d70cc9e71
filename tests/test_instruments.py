"""Policy-instrument coding: the codebook is checked on load, items are coded by the longest codebook
words (headings weigh more), the saved model keeps existing codings when plans are added, and
`--refit` recodes and records revisions."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from compare.cli import main
from compare.core import io, schema
from compare.text.codebook import DEFAULT_CODEBOOK, CodebookError, load_codebook
from compare.text.instrument_model import load_coder, run_instruments
from compare.text.instruments import InstrumentCoder, code_text, item_code
from tests.conftest import ADDED_PLAN


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


def _items(*rows):
    return pd.DataFrame([{"text": t, "heading": h} for h, t in rows])


def test_packaged_codebook_has_three_types_and_thirteen_tools(codebook):
    assert codebook.types == ("供给型", "环境型", "需求型")
    by_type = {t: [x.name for x in codebook.tools if x.type == t] for t in codebook.types}
    assert by_type == {
        "供给型": ["人才培养", "资金投入", "基础设施", "信息支持", "公共服务"],
        "环境型": ["目标规划", "法规制度", "组织建设", "宣传引导"],
        "需求型": ["示范试点", "购买服务", "对外交流", "成果转化"],
    }
    assert all(t.description and t.wording for t in codebook.tools)


@pytest.mark.parametrize("heading, tool", [
    ("全面建成省科技馆新馆并正式运行", "基础设施"),
    ("精心组织好院士候选人推选工作", "人才培养"),
    ("大力弘扬科学家精神", "宣传引导"),
    ("全面开展“3+1”试点", "示范试点"),  # a pilot whatever its field: 3+1 is only a keyword
    ("推动承接政府职能转移", "购买服务"),
    ("开展党建示范点建设", "示范试点"),  # the head noun (last heading word) decides a tie
    ("增进国际民间科技合作", "对外交流"),
    ("深入实施创新驱动助力工程，促进科技成果转化", "成果转化"),
])
def test_headings_decide(codebook, heading, tool):
    coder = InstrumentCoder(codebook=codebook).fit(_items((heading, heading)))
    row = coder.predict(_items((heading, heading))).iloc[0]
    assert row["tool"] == tool, (heading, row.to_dict())
    assert row["type"] == codebook.tool_type()[tool] and row["evidence"]


def test_longest_match_and_ignore(codebook):
    scores, evidence, _ = code_text("建设院士专家工作站", "", codebook)
    assert evidence == ["院士专家工作站"] and set(scores) == {"基础设施"}  # not 院士 (人才培养) + 工作站
    scores, evidence, _ = code_text("服务科技工作者", "", codebook)
    assert "科技工作者" not in evidence  # an ignored phrase scores nothing


def test_negation_cancels(codebook):
    scores, _, _ = code_text("不再举办培训班", "", codebook)
    assert "人才培养" not in scores
    scores, _, _ = code_text("不再举办展览，开展培训", "", codebook)
    assert "人才培养" in scores  # a negation does not reach into the next clause


def test_heading_counts_more(codebook):
    text = "加强科普基地建设。开展培训。"
    scores, _, _ = code_text(text, "加强科普基地建设", codebook)
    assert scores["基础设施"] == codebook.weights["strong"] * codebook.weights["heading"]


def test_no_word_falls_back_to_the_model_and_is_low_confidence(codebook):
    coder = InstrumentCoder(codebook=codebook).fit(_items(("举办科技馆展览", "举办科技馆展览"),
                                                          ("建好科技馆", "建好科技馆")))
    row = coder.predict(_items(("抓好馆内日常运行", "抓好馆内日常运行"))).iloc[0]
    assert row["method"] == "model" and row["low_confidence"] and row["score"] == 0


def test_item_code():
    assert item_code(3, "四/（三）/七") == "3-4-3-7"
    assert item_code(1, "一/12") == "1-1-12"
    assert item_code(2, "三/——4") == "2-3-4"
    assert item_code(4, "十二/（十一）/二十") == "4-12-11-20"


@pytest.mark.parametrize("edit, where", [
    ("[[type]]\nname = 1\n", "needs a name"),
    ('[weights]\nkeyword = -1\n', "positive number"),
    ('[[type]]\nname = "供给型"\n[[type.tool]]\nname = "甲"\nstrong = ["培训"]\n[[type.tool]]\nname = "乙"\nkeywords = ["培训"]\n',
     "also under 甲"),
    ('[[type]]\nname = "供给型"\n[[type.tool]]\nname = "甲"\nwords = ["培训"]\n', "unknown key 'words'"),
    ('[[type]]\nname = "供给型"\n[[type.tool]]\nname = "甲"\nstrong = ["培训"\n', "not valid TOML"),
])
def test_malformed_codebook_names_file_and_line(tmp_path, edit, where):
    p = tmp_path / "bad.toml"
    p.write_text(edit, encoding="utf-8")
    with pytest.raises(CodebookError, match=where) as exc:
        load_codebook(p)
    assert str(p) in str(exc.value)
    if "also under" in where or "TOML" in where:
        assert exc.value.line is not None and f"{p}:{exc.value.line}:" in str(exc.value)


def test_codebook_in_gb18030_reads_like_utf8(tmp_path, codebook):
    """Saved by a Chinese Windows editor: the analysts' file reader decodes it; the coding is the same."""
    p = tmp_path / "gbk.toml"
    p.write_bytes(DEFAULT_CODEBOOK.read_text(encoding="utf-8").encode("gb18030"))
    assert load_codebook(p).sha256() == codebook.sha256()


def test_missing_codebook_is_one_clear_line(tmp_path):
    with pytest.raises(CodebookError, match="does not exist"):
        load_codebook(tmp_path / "nope.toml")


def test_codebook_fingerprint_ignores_documentation(tmp_path, codebook):
    text = DEFAULT_CODEBOOK.read_text(encoding="utf-8").replace("科技馆 / 科普基地", "科技馆、科普基地")
    p = tmp_path / "c.toml"
    p.write_text(text, encoding="utf-8")
    assert load_codebook(p).sha256() == codebook.sha256()


def test_every_item_is_coded_and_documented(processed_dir, tmp_path):
    out = tmp_path / "p"
    shutil.copytree(processed_dir, out)
    res = run_instruments(out)
    items = io.read_table("items", out)
    table = io.read_table("item_instruments", out)
    assert list(table.columns) == schema.column_names("item_instruments")
    assert len(table) == len(items) and list(zip(table.doc_id, table.item_id)) == list(zip(items.doc_id, items.item_id))
    assert (out / "item_instruments.csv").is_file()
    assert set(table["type"]) <= set(res.codebook.types) and set(table["tool"]) <= set(res.codebook.tool_names)
    assert table["code"].is_unique
    sub = items[items["marker"].str.endswith("是")]
    assert len(sub) and set(zip(sub.doc_id, sub.item_id)) <= set(zip(table.doc_id, table.item_id))  # 一是 sub-items
    docs = io.read_table("documents", out)["doc_id"].tolist()
    codes = dict(zip(zip(table.doc_id, table.item_id), table.code))
    n = docs.index("henan-2019-gzyd") + 1
    assert codes[("henan-2019-gzyd", "四/（三）/七")] == f"{n}-4-3-7"  # 七是…: 文件-章节-小节-条目
    assert (table.loc[table["method"] == "lexicon", "evidence"].map(len) > 0).all()
    assert res.model_version == "v1" and load_coder(out).version_ == "v1"


def test_saved_model_keeps_codings_and_refit_writes_revisions(processed_dir, tmp_path):
    out = tmp_path / "p"
    shutil.copytree(processed_dir, out)
    first = run_instruments(out).item_instruments
    # an analyst edits the codebook by hand: the old codings stay until a refit or codebook change
    again = run_instruments(out)
    assert again.refit_reason is None and again.n_kept == len(first) and again.n_coded == 0
    pd.testing.assert_frame_equal(again.item_instruments, first)
    # a changed item text is coded again, the others are kept
    items = io.read_table("items", out)
    items.loc[0, "text"] = "举办青年科技人才培训班"
    items.loc[0, "heading"] = "举办青年科技人才培训班"
    io.write_table(items, "items", out)
    third = run_instruments(out)
    assert third.n_coded == 1 and third.item_instruments.loc[0, "tool"] == "人才培养"
    # a codebook whose words changed recodes everything as v2 and lists the changed items
    text = DEFAULT_CODEBOOK.read_text(encoding="utf-8").replace('"科技馆新馆", ', "")
    cb = tmp_path / "c.toml"
    cb.write_text(text, encoding="utf-8")
    fourth = run_instruments(out, codebook_file=cb)
    assert fourth.refit_reason == "codebook changed" and fourth.model_version == "v2"
    assert (fourth.item_instruments["model_version"] == "v2").all()
    revisions = io.read_table("instrument_revisions", out)
    assert list(revisions.columns) == schema.column_names("instrument_revisions")
    assert main(["instruments", "--processed", str(out), "--refit"]) == 0
    assert load_coder(out).version_ == "v3"


def test_cli_reports_a_bad_codebook(processed_dir, tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[type]\n", encoding="utf-8")
    assert main(["instruments", "--processed", str(processed_dir), "--codebook", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "bad.toml:1" in err




def test_adding_a_plan_never_changes_existing_codes(tmp_path):
    """The 文件 number of 文件-章节-条目 comes from the file-number registry, not the row position in
    documents: a plan that sorts first (anhui_…) gets the next number, the seeds' codes stay as they were."""
    from compare.ingest.run import ingest
    from compare.text.instrument_codes import FILE_NUMBERS, read_file_numbers

    from tests.conftest import RAW

    raw, out = tmp_path / "raw", tmp_path / "processed"
    shutil.copytree(RAW, raw)
    ingest(raw, out)
    before = run_instruments(out).item_instruments
    docs = io.read_table("documents", out)["doc_id"].tolist()
    first = dict(zip(zip(before.doc_id, before.item_id), before.code))
    assert first[("henan-2019-gzyd", "四/（三）/七")] == f"{docs.index('henan-2019-gzyd') + 1}-4-3-7"
    (raw / "anhui_2023_work-plan.txt").write_text(ADDED_PLAN, encoding="utf-8")
    ingest(raw, out)
    docs_after = io.read_table("documents", out)["doc_id"].tolist()
    assert docs_after[0].startswith("anhui-2023") and len(docs_after) == len(docs) + 1  # it comes first
    after = run_instruments(out).item_instruments
    codes = dict(zip(zip(after.doc_id, after.item_id), after.code))
    assert {k: codes[k] for k in first} == first
    added = after[after["doc_id"] == docs_after[0]]
    assert len(added) and added["code"].str.startswith(f"{len(docs) + 1}-").all()
    assert after["code"].is_unique
    assert read_file_numbers(out)[docs_after[0]] == len(docs) + 1
    # a plan that leaves keeps its number: no later plan takes it, and it gets it back when it returns
    (raw / "henan_2022_society-academic-work-plan.txt").unlink()
    ingest(raw, out)
    gone = run_instruments(out).item_instruments
    assert "henan-2022-xhxs" not in set(gone["doc_id"])
    assert read_file_numbers(out)["henan-2022-xhxs"] == docs.index("henan-2022-xhxs") + 1
    assert {k: v for k, v in zip(zip(gone.doc_id, gone.item_id), gone.code)}.items() <= codes.items()
    saved = (out / FILE_NUMBERS).read_bytes()
    run_instruments(out)
    assert (out / FILE_NUMBERS).read_bytes() == saved  # same corpus, identical registry


def test_a_damaged_file_number_registry_is_one_clear_line(processed_dir, tmp_path):
    from compare.text.instrument_codes import FILE_NUMBERS, FileNumbersError

    out = tmp_path / "p"
    shutil.copytree(processed_dir, out)
    (out / FILE_NUMBERS).write_text('{"version": 1, "numbers": {"a": 1, "b": 1}}', encoding="utf-8")
    with pytest.raises(FileNumbersError, match=r"file_numbers\.json: .*two documents share a number.*delete it"):
        run_instruments(out)


def test_charts_and_analysis_take_the_codebook_kexie_toml_names(tmp_path, monkeypatch):
    """The colours and the type/tool order of the charts are those of the project's codebook."""
    from compare.analysis import instrument_vocabulary
    from compare.presentation.charts_instruments import instrument_colors
    from compare.text.codebook import configured_codebook

    assert configured_codebook().sha256() == load_codebook().sha256()
    text = DEFAULT_CODEBOOK.read_text(encoding="utf-8")
    assert 'color = "#0072B2"' in text
    (tmp_path / "mine.toml").write_text(text.replace('color = "#0072B2"', 'color = "#123456"'), encoding="utf-8")
    (tmp_path / "kexie.toml").write_text('instruments = "mine.toml"\n', encoding="utf-8")
    monkeypatch.setenv("KEXIE_COMPARE_ROOT", str(tmp_path))
    assert configured_codebook().path == (tmp_path / "mine.toml").resolve()
    assert instrument_colors(types=["供给型"])["供给型"] == "#123456"
    assert instrument_vocabulary()[0] == ["供给型", "环境型", "需求型"]
    (tmp_path / "mine.toml").write_text("[[type]\n", encoding="utf-8")  # broken: the charts fall back, the build stops
    assert configured_codebook().sha256() == load_codebook().sha256()
