"""The intake report (one row per raw file: what became of it and why) and ids that depend on the document alone."""
from __future__ import annotations

import shutil

import pytest
from conftest import RAW

from compare.cli import main
from compare.core import io, schema
from compare.ingest.identity import doc_id, place_pinyin
from compare.ingest.run import ingest

SEEDS = sorted(RAW.glob("*.txt"))
HENAN_2019 = RAW / "henan_2019_work-plan.txt"
HUBEI_2019 = RAW / "hubei_2019_work-plan.txt"

CITY_PLAN = """郑州市科学技术协会2019年工作要点
一、加强思想政治引领
1.组织科技工作者学习党的创新理论，开展专题宣讲活动10场。
2.推进市级学会党建工作全覆盖。
二、服务创新驱动发展
3.建设院士专家工作站5家，举办学术交流活动20场。
"""
OTHER_PLAN = """河南省科协2019年科普信息化建设安排
一、建设内容
1.建设科普信息化平台，推动科普资源共建共享。
2.开展科普信息员培训，培训人员500人次。
"""


@pytest.fixture
def raw(tmp_path):
    d = tmp_path / "raw"
    d.mkdir()
    return d


def ids_of(raw_dir, out):
    result = ingest(raw_dir, out)
    items = result.items
    return {(row.source_file, row.title): row.doc_id for row in result.documents.itertuples()}, \
        sorted(zip(items.doc_id, items.item_id))


def test_ids_do_not_depend_on_other_files_or_their_order(raw, tmp_path):
    for p in SEEDS:
        shutil.copy(p, raw / p.name)
    alone, alone_items = ids_of(raw, tmp_path / "o1")
    assert sorted(alone.values()) == ["heilongjiang-2019-sggz", "henan-2019-gzyd", "henan-2022-xhxs",
                                      "henan-2024-gzyd", "henan-2024-zdgz", "hubei-2019-gzyd"]
    # add a city plan, another kind of plan of a seed province-year, a copy of a seed sorted first
    (raw / "zhengzhou_2019.txt").write_text(CITY_PLAN, encoding="utf-8")
    (raw / "a_henan_2019_other.txt").write_text(OTHER_PLAN, encoding="utf-8")
    shutil.copy(HUBEI_2019, raw / "0_hubei_copy.txt")
    more, more_items = ids_of(raw, tmp_path / "o2")
    for key, value in alone.items():
        kept_file = key[0] if key in more else None
        if kept_file:
            assert more[key] == value
    assert set(alone.values()) <= set(more.values())
    assert "henan-2019-gzyd-zhengzhou" in more.values()
    assert any(v.startswith("henan-2019-qt-") for v in more.values())
    assert set(alone_items) <= set(more_items)
    # rename the seeds so that they sort in another order, remove one: ids unchanged
    (raw / "henan_2022_society-academic-work-plan.txt").unlink()
    for p in list(raw.glob("h*.txt")):
        p.rename(raw / f"z_{p.name}")
    renamed, _ = ids_of(raw, tmp_path / "o3")
    assert set(renamed.values()) == set(more.values()) - {"henan-2022-xhxs"}


def test_id_suffixes():
    class D:
        province, year, doc_type, city, department, title = "河南", 2023, "科普工作要点", None, "科普部", "x"
    assert doc_id(D) == "henan-2023-kpgz-kepubu"
    D.city, D.department = "兰考县", None
    assert doc_id(D) == "henan-2023-kpgz-lankao"
    assert place_pinyin("郑州市") == "zhengzhou" and place_pinyin("巴音郭楞蒙古自治州") == "bayinguolengmenggu"
    # place-name readings of polyphonic characters, phrases kept
    assert [place_pinyin(n) for n in ("长治市", "朝阳区", "单县", "厦门市", "蚌埠市")] == [
        "changzhi", "chaoyang", "shanxian", "xiamen", "bengbu"]


def test_two_different_plans_with_one_id_get_content_hashes_and_a_warning(raw, tmp_path):
    (raw / "a.txt").write_text(CITY_PLAN.replace("郑州市科学技术协会", "河南省科协"), encoding="utf-8")
    (raw / "b.txt").write_text(OTHER_PLAN.replace("科普信息化建设安排", "工作要点"), encoding="utf-8")
    result = ingest(raw, tmp_path / "out")
    ids = sorted(result.documents.doc_id)
    assert len(ids) == 2 and all(i.startswith("henan-2019-gzyd-") and len(i) == len("henan-2019-gzyd-") + 6 for i in ids)
    assert any("would share the id henan-2019-gzyd" in w for f in result.files for w in f.warnings)


def test_intake_table_rows_statuses_and_printout(raw, tmp_path, capsys):
    shutil.copy(HENAN_2019, raw / "henan.txt")
    shutil.copy(HENAN_2019, raw / "henan_copy.txt")
    (raw / "empty.txt").write_bytes(b"")
    (raw / "scan.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    (raw / "truncated.txt").write_text("湖北省科协2019年工作要点\n2019年是新中国成立70周年。全省科协工作要突出重点。\n",
                                       encoding="utf-8")
    out = tmp_path / "out"
    code = main(["ingest", "--raw", str(raw), "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 3  # some files skipped
    intake = io.read_table("intake", out)
    assert intake.columns.tolist() == schema.column_names("intake")
    rows = intake.set_index("source_file")
    assert rows.loc["henan_copy.txt", "status"] == "duplicate" and rows.loc["henan_copy.txt", "duplicate_of"] == "henan.txt"
    assert rows.loc["henan.txt", ["status", "format", "encoding", "n_documents", "n_items"]].tolist() == [
        "loaded", "txt", "utf-8", 1, 30]
    assert rows.loc["empty.txt", "status"] == "skipped" and rows.loc["empty.txt", "reason"] == "the file is empty"
    assert rows.loc["scan.doc", "status"] == "skipped" and "save it as .docx" in rows.loc["scan.doc", "reason"]
    assert rows.loc["truncated.txt", "status"] in ("partial", "skipped")
    for name in ("henan.txt", "henan_copy.txt", "empty.txt", "scan.doc"):
        assert name in printed
    assert "henan-2019-gzyd" in printed and "1 duplicate" in printed
    assert (out / "intake.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_exit_code_zero_when_only_duplicates(raw, tmp_path, capsys):
    shutil.copy(HUBEI_2019, raw / "a.txt")
    shutil.copy(HUBEI_2019, raw / "b.txt")
    assert main(["ingest", "--raw", str(raw), "--out", str(tmp_path / "out")]) == 0
    assert "duplicate b.txt" in " ".join(capsys.readouterr().out.split())


def test_intake_is_deterministic(raw, tmp_path):
    shutil.copy(HUBEI_2019, raw / "a.txt")
    (raw / "bad.txt").write_bytes(b"")
    ingest(raw, tmp_path / "o1")
    ingest(raw, tmp_path / "o2")
    for ext in ("parquet", "csv"):
        assert (tmp_path / "o1" / f"intake.{ext}").read_bytes() == (tmp_path / "o2" / f"intake.{ext}").read_bytes()


def test_printout_of_a_large_intake_lists_only_files_not_loaded():
    from compare.ingest.intake import FileIntake, format_intake

    records = [FileIntake(f"plan_{k:03d}.txt", n_documents=1, n_items=5, format="txt", encoding="utf-8")
               for k in range(60)]
    records[3].warnings.append("3 paragraph(s) numbered by Word's automatic numbering")
    records[7].skip("the file is empty")
    text = format_intake(records)
    assert "plan_007.txt" in text and "plan_003.txt" not in text
    assert "(59 more file(s) loaded, 1 of them with warnings: see intake.csv)" in text
    assert text.endswith("59 loaded, 1 skipped of 60 file(s)")


def test_ingest_exit_code_is_0_when_the_only_skipped_file_was_excluded_on_purpose(raw_dir, tmp_path, capsys):
    """`ingest` exited 3 (partial) for a file excluded in metadata.csv while `build` said ok: a deliberate
    exclusion is nothing to fix. A file that cannot be read still gives 3."""
    import shutil

    from compare.cli import main

    raw = tmp_path / "raw"
    shutil.copytree(raw_dir, raw)
    (raw / "metadata.csv").write_text("file,exclude\nhubei_2019_work-plan.txt,yes\n", encoding="utf-8")
    assert main(["ingest", "--raw", str(raw), "--out", str(tmp_path / "p1")]) == 0
    out = capsys.readouterr().out
    assert "excluded in metadata.csv" in out and "hubei_2019_work-plan.txt" in out
    (raw / "notes.txt").write_text("这是一段说明文字，不是工作计划。\n", encoding="utf-8")
    assert main(["ingest", "--raw", str(raw), "--out", str(tmp_path / "p2")]) == 3
