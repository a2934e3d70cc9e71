"""Corrections the analyst controls: data/raw/metadata.csv, validated line by line, applied
per file or per document, recorded in documents.provenance."""
from __future__ import annotations

import json
import shutil

import pytest
from conftest import RAW

from compare.core import io
from compare.core.errors import CompareError
from compare.ingest.run import ingest
from compare.ingest.overrides import MetadataFileError, read_overrides

HENAN_2019 = RAW / "henan_2019_work-plan.txt"
HENAN_2024 = RAW / "henan_2024_key-work-and-work-plan.txt"
HUBEI_2019 = RAW / "hubei_2019_work-plan.txt"
HEILONGJIANG = RAW / "heilongjiang_2019_deepening-reform-plan.txt"


@pytest.fixture
def raw(tmp_path):
    d = tmp_path / "raw"
    d.mkdir()
    return d


def provenance(documents, doc_id):
    return json.loads(documents.set_index("doc_id").loc[doc_id, "provenance"])


def test_without_metadata_file_fields_come_from_the_text(raw, tmp_path):
    shutil.copy(HENAN_2019, raw / "henan.txt")
    shutil.copy(HEILONGJIANG, raw / "hlj.txt")
    docs = ingest(raw, tmp_path / "out").documents
    p = provenance(docs, "henan-2019-gzyd")
    assert p["province"] == p["year"] == p["doc_type"] == p["title"] == "text"
    assert provenance(docs, "heilongjiang-2019-sggz")["title"] == "inferred"  # no title in the text
    assert set(docs.level) == {"省级"}


def test_overrides_apply_per_file_and_are_recorded(raw, tmp_path):
    shutil.copy(HENAN_2019, raw / "henan.txt")
    shutil.copy(HUBEI_2019, raw / "hubei.txt")
    (raw / "metadata.csv").write_text(
        "file,year,level,city,issuer\n"
        "henan.txt,2020,市级,郑州市,郑州市科学技术协会\n", encoding="utf-8-sig")
    result = ingest(raw, tmp_path / "out")
    docs = result.documents.set_index("doc_id")
    assert "henan-2020-gzyd-zhengzhou" in docs.index and "hubei-2019-gzyd" in docs.index
    row = docs.loc["henan-2020-gzyd-zhengzhou"]
    assert (row.year, row.level, row.city, row.issuer) == (2020, "市级", "郑州市", "郑州市科学技术协会")
    p = json.loads(row.provenance)
    assert p["year"] == p["level"] == p["city"] == p["issuer"] == "override" and p["province"] == "text"
    items = result.items
    assert set(items[items.doc_id == "henan-2020-gzyd-zhengzhou"].year) == {2020}
    intake = io.read_table("intake", tmp_path / "out").set_index("source_file")
    assert any("metadata.csv line 2 sets city, issuer, level, year" in w for w in intake.loc["henan.txt", "warnings"])


def test_a_year_the_text_never_states_can_be_given(raw, tmp_path):
    (raw / "plan.txt").write_text("河南省科协工作要点\n一、重点工作\n1.举办学术会议。\n2.开展科普活动。\n", encoding="utf-8")
    with pytest.raises(CompareError, match="no plan year"):
        ingest(raw, tmp_path / "out")
    (raw / "metadata.csv").write_text("file,year\nplan.txt,2021\n", encoding="utf-8")
    docs = ingest(raw, tmp_path / "out").documents
    assert docs.doc_id.tolist() == ["henan-2021-gzyd"] and provenance(docs, "henan-2021-gzyd")["year"] == "override"


def test_multi_document_file_rows_by_title_and_exclude(raw, tmp_path):
    shutil.copy(HENAN_2024, raw / "henan2024.txt")
    shutil.copy(HUBEI_2019, raw / "hubei.txt")
    (raw / "metadata.csv").write_text(
        "file,title,issuer,exclude\n"
        "henan2024.txt,重点工作,,yes\n"
        "henan2024.txt,,河南省科协办公室,\n"
        "hubei.txt,,,x\n", encoding="utf-8")
    result = ingest(raw, tmp_path / "out")
    assert result.documents.doc_id.tolist() == ["henan-2024-gzyd"]
    assert result.documents.issuer.tolist() == ["河南省科协办公室"]
    intake = io.read_table("intake", tmp_path / "out").set_index("source_file")
    assert intake.loc["hubei.txt", "status"] == "skipped" and "excluded in metadata.csv (line 4)" in intake.loc["hubei.txt", "reason"]
    assert intake.loc["henan2024.txt", "status"] == "partial" and intake.loc["henan2024.txt", "n_documents"] == 1


def test_a_row_naming_no_document_of_a_multi_document_file_is_a_warning(raw, tmp_path):
    shutil.copy(HENAN_2024, raw / "henan2024.txt")
    (raw / "metadata.csv").write_text("file,title,issuer\nhenan2024.txt,科普工作要点,某办公室\n", encoding="utf-8")
    result = ingest(raw, tmp_path / "out")
    assert set(result.documents.issuer) != {"某办公室"}
    (rec,) = result.files
    assert any("line 2: title '科普工作要点' names none of the file's documents" in w for w in rec.warnings)


def test_title_override_of_a_one_document_file(raw, tmp_path):
    shutil.copy(HEILONGJIANG, raw / "hlj.txt")
    (raw / "metadata.csv").write_text("file,title\nhlj.txt,黑龙江省科协2019年深化改革工作要点\n", encoding="utf-8")
    docs = ingest(raw, tmp_path / "out").documents
    assert docs.title.tolist() == ["黑龙江省科协2019年深化改革工作要点"]
    assert provenance(docs, "heilongjiang-2019-sggz")["title"] == "override"


def test_an_inferred_title_follows_the_corrected_type(raw, tmp_path):
    shutil.copy(HEILONGJIANG, raw / "hlj.txt")
    (raw / "metadata.csv").write_text("file,doc_type\nhlj.txt,工作要点\n", encoding="utf-8")
    docs = ingest(raw, tmp_path / "out").documents
    assert docs.doc_id.tolist() == ["heilongjiang-2019-gzyd"]
    assert docs.title.tolist() == ["黑龙江省科协2019年工作要点（标题据正文推断）"]
    assert provenance(docs, "heilongjiang-2019-gzyd")["title"] == "inferred"


@pytest.mark.parametrize("content, line, reason", [
    ("file,year\nplan.txt,20199\n", 2, "year '20199' is not a year"),
    ("file,province\nplan.txt,火星\n", 2, "province '火星' is not a province"),
    ("file,doc_type\nplan.txt,年度总结\n", 2, "doc_type '年度总结' is not one of"),
    ("file,level\nplan.txt,乡级\n", 2, "level '乡级' is not one of"),
    ("file,exclude\nplan.txt,maybe\n", 2, "exclude 'maybe' is not yes/no"),
    ("file,colour\nplan.txt,red\n", 1, "unknown column(s) colour"),
    ("name,year\nplan.txt,2019\n", 1, "the header must start with `file`"),
    ("file,year\n# a comment\nplan.txt,2019\nplan.txt,2020\n", 4, "plan.txt already has a row on line 3"),
    ("file,year\nplan.txt,2019,extra\n", 2, "3 fields for 2 columns"),
    ("file,year\n,2019\n", 2, "the file cell is empty"),
])
def test_bad_values_fail_with_the_line_and_the_reason(raw, tmp_path, content, line, reason):
    (raw / "metadata.csv").write_text(content, encoding="utf-8")
    with pytest.raises(MetadataFileError) as exc:
        read_overrides(raw)
    assert str(exc.value).startswith(f"metadata.csv:{line}: ") and reason in str(exc.value)
    shutil.copy(HUBEI_2019, raw / "plan.txt")
    with pytest.raises(MetadataFileError):
        ingest(raw, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_province_forms_and_gb18030_file(raw):
    (raw / "metadata.csv").write_bytes("file,province,year\na.txt,河南省,2019\nb.txt,豫,\nc.txt,全国,\n".encode("gb18030"))
    ov = read_overrides(raw, present={"a.txt", "b.txt"})
    assert [ov.for_file(n).rows[0].values.get("province") for n in ("a.txt", "b.txt", "c.txt")] == ["河南", "河南", "全国"]
    assert ov.warnings == ["metadata.csv names c.txt, which is not in the raw directory"]


def test_metadata_csv_is_not_a_plan(raw, tmp_path):
    shutil.copy(HUBEI_2019, raw / "hubei.txt")
    (raw / "metadata.csv").write_text("file,year\n", encoding="utf-8")
    result = ingest(raw, tmp_path / "out")
    assert result.n_files == 1 and not result.failures
