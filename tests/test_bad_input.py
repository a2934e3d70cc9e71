"""Bad and unusual input files: every file is built here in tmp_path (no binary fixtures committed)."""
import codecs
import shutil

import pytest
from conftest import RAW

from compare.cli import main
from compare.core import io
from compare.core.errors import EmptyCorpusError, InputFileError
from compare.ingest.load import load_file, parse_text, raw_files
from compare.ingest.run import IngestError, ingest

HENAN_2019 = RAW / "henan_2019_work-plan.txt"
HUBEI_2019 = RAW / "hubei_2019_work-plan.txt"


def write(path, data):
    path.write_bytes(data)
    return path


@pytest.fixture
def raw(tmp_path):
    d = tmp_path / "raw"
    d.mkdir()
    return d


@pytest.mark.parametrize("encoding, recorded", [
    ("gb18030", "gb18030"), ("gbk", "gb18030"), ("utf-8-sig", "utf-8-sig"),
    ("utf-16", "utf-16"), ("utf-16-le", "utf-16-le"),
])
def test_a_seed_in_other_encodings_loads_identically(tmp_path, encoding, recorded):
    text = HENAN_2019.read_text("utf-8")
    (base,) = load_file(HENAN_2019)
    (doc,) = load_file(write(tmp_path / "plan.txt", text.encode(encoding)))
    assert doc.encoding == recorded
    assert (doc.title, doc.year, doc.province, len(doc.items)) == (base.title, 2019, "河南", 30)
    assert doc.items == base.items and doc.targets == base.targets


def test_crlf_and_traditional_copy_of_a_seed(tmp_path):
    import zhconv

    text = zhconv.convert(HUBEI_2019.read_text("utf-8"), "zh-hk").replace("\n", "\r\n")
    (doc,) = load_file(write(tmp_path / "hubei_trad.txt", text.encode("utf-8")))
    assert (doc.province, doc.year, doc.issuer, doc.issue_number) == ("湖北", 2019, "湖北省科学技术协会", "鄂科协办〔2019〕22号")
    assert len(doc.items) == 9 and doc.items[0]["heading"] == "切实加强政治建设"


def test_html_page_with_a_plan_inside(tmp_path):
    lines = HUBEI_2019.read_text("utf-8").split("\n")
    body = "".join(f"<p>{line}</p>\n" for line in lines)
    page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>湖北省科协</title>"
            f"<script>var x = '1.不是条目';</script></head><body><div class='nav'>首页 | 通知公告</div>{body}"
            f"</body></html>")
    (doc,) = load_file(write(tmp_path / "page.html", page.encode("utf-8")))
    assert (doc.province, doc.year, len(doc.items)) == ("湖北", 2019, 9)
    assert not any("<" in it["text"] for it in doc.items)


def test_html_page_without_a_plan_is_a_clear_error(tmp_path):
    page = "<html><body><h1>湖北省科学技术协会</h1><p>欢迎访问本网站。</p></body></html>"
    with pytest.raises(InputFileError, match=r"^news\.html: HTML page without a recognisable plan"):
        load_file(write(tmp_path / "news.html", page.encode("utf-8")))


@pytest.mark.parametrize("name, data, reason", [
    ("empty.txt", b"", "the file is empty"),
    ("blank.txt", b"\n \n\r\n", "the file is empty"),
    ("binary.dat", bytes(range(256)) * 8, "binary data"),
    ("image.txt", b"\x89PNG\r\n\x1a\n" + bytes(100), "PNG image"),
    ("undecodable.txt", b"plan \x80\x81\xff\xfe\x80", "cannot decode"),
    ("noyear.txt", "河南省科协工作要点\n一、重点工作\n1.举办学术会议。\n".encode(), "no plan year"),
    ("noprovince.txt", "2019年工作要点\n一、重点工作\n1.举办学术会议。\n".encode(), "no province"),
    ("noitems.txt", "河南省科协2019年工作要点\n今年要做好各项工作。\n".encode(), "no plan items"),
    ("cruft.txt", "首页 | 通知公告\ncopyright 2001-2021\n".encode(), "no text left"),
])
def test_unusable_file_gives_one_line_naming_file_and_reason(tmp_path, name, data, reason):
    with pytest.raises(InputFileError) as exc:
        load_file(write(tmp_path / name, data))
    message = str(exc.value)
    assert message.startswith(f"{name}: ") and reason in message and "\n" not in message


def test_other_files_still_load_and_exit_code_says_something_failed(raw, tmp_path, capsys):
    shutil.copy(HENAN_2019, raw / "henan.txt")
    write(raw / "empty.txt", b"")
    write(raw / "binary.bin", bytes(range(256)) * 8)
    out = tmp_path / "out"
    result = ingest(raw, out)
    assert sorted(f.path.name for f in result.failures) == ["binary.bin", "empty.txt"]
    assert result.n_files == 3 and len(result.documents) == 1 and len(result.items) == 30
    assert len(io.read_table("items", out)) == 30

    code = main(["ingest", "--raw", str(raw), "--out", str(tmp_path / "out2")])
    captured = capsys.readouterr()
    assert code == 3  # partial: some files skipped, the others written
    assert "skipped: empty.txt: the file is empty" in captured.err and "binary.bin: binary data" in captured.err
    assert "skipped   empty.txt" in captured.out and "loaded    henan.txt" in captured.out


def test_strict_fails_and_writes_nothing(raw, tmp_path, capsys):
    shutil.copy(HENAN_2019, raw / "henan.txt")
    write(raw / "empty.txt", b"")
    out = tmp_path / "out"
    with pytest.raises(IngestError, match="empty.txt: the file is empty"):
        ingest(raw, out, strict=True)
    assert not out.exists()
    assert main(["ingest", "--raw", str(raw), "--out", str(out), "--strict"]) == 1
    assert "error: empty.txt: the file is empty" in capsys.readouterr().err
    assert not out.exists()


def test_all_good_exit_code_zero(raw, tmp_path, capsys):
    shutil.copy(HUBEI_2019, raw / "hubei.txt")
    assert main(["ingest", "--raw", str(raw), "--out", str(tmp_path / "out")]) == 0
    assert "hubei-2019-gzyd" in capsys.readouterr().out


def test_nothing_loadable_is_an_error(raw, tmp_path):
    write(raw / "empty.txt", b"")
    with pytest.raises(EmptyCorpusError, match="empty.txt: the file is empty"):
        ingest(raw, tmp_path / "out")
    with pytest.raises(EmptyCorpusError, match="does not exist"):
        ingest(raw / "missing", tmp_path / "out")


def test_manifest_readme_and_dotfiles_are_skipped_and_order_is_sorted(raw):
    for name in ["b.txt", "a.txt", "MANIFEST", "README.md", "readme.txt", ".DS_Store", ".hidden.txt", "metadata.csv"]:
        write(raw / name, b"x")
    (raw / "subdir").mkdir()
    assert [p.name for p in raw_files(raw)] == ["a.txt", "b.txt"]


def test_two_files_with_the_same_plan_load_once(raw, tmp_path):
    write(raw / "a_hubei.txt", codecs.BOM_UTF8 + HUBEI_2019.read_bytes())
    shutil.copy(HUBEI_2019, raw / "b_hubei.txt")
    result = ingest(raw, tmp_path / "out")
    # same items, same metadata, same format: the file name decides (a_ before b_), never the load order
    assert result.documents.doc_id.tolist() == ["hubei-2019-gzyd"]
    assert result.documents.source_file.tolist() == ["a_hubei.txt"]
    intake = io.read_table("intake", tmp_path / "out").set_index("source_file")
    assert intake.loc["b_hubei.txt", "status"] == "duplicate"
    assert intake.loc["b_hubei.txt", "duplicate_of"] == "a_hubei.txt"
    assert intake.loc["a_hubei.txt", "encoding"] == "utf-8-sig"


def test_reingest_is_byte_for_byte_identical(processed_dir, tmp_path):
    again = tmp_path / "again"
    ingest(RAW, again)
    for name in ("documents", "items", "targets", "intake"):
        for ext in ("parquet", "csv"):
            assert (again / f"{name}.{ext}").read_bytes() == (processed_dir / f"{name}.{ext}").read_bytes(), name


def test_parse_text_rejects_non_text():
    with pytest.raises(InputFileError, match="expected text"):
        parse_text(b"bytes")  # type: ignore[arg-type]
