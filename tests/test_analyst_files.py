"""What the analyst writes (metadata.csv, kexie.toml, the TOML lexicons) is read as strictly as plan
text: one reader (compare.core.textfile) with the plan reader's encoding detection (UTF-8 with or
without BOM, GB18030 as Chinese Excel and Notepad save it, short files included), mojibake refused,
and metadata.csv parsed strictly (a bad row stops the ingest with the file, the line and the reason,
and nothing of the file is applied)."""
from __future__ import annotations

import csv
import io
import shutil

import pytest
from conftest import RAW
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compare.analysis.strength import LexiconError, load_lexicon, score_text
from compare.core.config import ConfigError, load_config
from compare.core.errors import InputFileError, ThemeFileError
from compare.core.textfile import read_text, read_toml
from compare.ingest.run import ingest
from compare.ingest.overrides import MetadataFileError, read_overrides
from compare.text.dictionary import load_theme_dictionary

HUBEI_2019 = RAW / "hubei_2019_work-plan.txt"
HENAN_2019 = RAW / "henan_2019_work-plan.txt"

#: UTF-8 bytes of a title read as GBK and saved again as UTF-8 (what a wrong "open as" in an editor leaves)
MOJIBAKE_TITLE = "湖北省科协2019年工作要点".encode("utf-8").decode("gbk", errors="replace")


@pytest.fixture
def raw(tmp_path):
    d = tmp_path / "raw"
    d.mkdir()
    return d


# --- one reader -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "file,title\nhubei.txt,湖北省科协2019年工作要点\n",    # the short file Chinese Excel saves
    "file,province,title\nx.txt,河南,郑州市科协工作要点\n",
    "file,title\na.txt,科普部2023年工作计划\n",
    "file,province\nb.txt,鄂\n",                          # one Han character
    "file,title\nc.txt,十\n",                             # GBK bytes CA AE are valid UTF-8 too (ʮ)
])
@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_short_files_decode_in_every_encoding_an_analyst_saves(tmp_path, text, encoding):
    p = tmp_path / "metadata.csv"
    p.write_bytes(text.encode(encoding))
    assert read_text(p) == text


def test_a_traditional_title_saved_as_big5_still_reads(tmp_path):
    p = tmp_path / "metadata.csv"
    p.write_bytes("file,title\nhubei.txt,湖北省科協2019年工作要點\n".encode("big5"))
    assert read_text(p) == "file,title\nhubei.txt,湖北省科協2019年工作要點\n"


def test_crlf_and_bom_are_normalised(tmp_path):
    p = tmp_path / "metadata.csv"
    p.write_bytes("file,title\r\nhubei.txt,湖北省科协\r\n".encode("utf-8-sig"))
    assert read_text(p) == "file,title\nhubei.txt,湖北省科协\n"


@pytest.mark.parametrize("text", [
    f"file,title\nhubei.txt,{MOJIBAKE_TITLE}\n",
    "file,title\nhubei.txt,锟斤拷锟斤拷\n",
])
def test_mojibake_is_refused_even_in_a_short_file(tmp_path, text):
    p = tmp_path / "metadata.csv"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError, match="mojibake"):
        read_text(p)


def test_undecodable_bytes_are_refused_not_replaced(tmp_path):
    p = tmp_path / "kexie.toml"
    p.write_bytes('[report]\nlevel = "省级"\n'.encode("utf-8") + b"# \xff\xfe\x80\n")
    with pytest.raises(InputFileError):
        read_text(p)


def test_toml_syntax_errors_name_the_line(tmp_path):
    p = tmp_path / "x.toml"
    p.write_text('a = 1\nb = 科普\n', encoding="utf-8")
    with pytest.raises(InputFileError) as info:
        read_toml(p)
    assert str(info.value).startswith("x.toml:2: not valid TOML")


# --- metadata.csv ---------------------------------------------------------------------------------


def test_a_short_gbk_metadata_csv_from_excel_sets_the_title(raw, tmp_path):
    shutil.copy(HUBEI_2019, raw / "hubei.txt")
    (raw / "metadata.csv").write_bytes("file,title\nhubei.txt,湖北省科协2019年工作要点（修订）\n".encode("gbk"))
    docs = ingest(raw, tmp_path / "out").documents
    assert docs.title.tolist() == ["湖北省科协2019年工作要点（修订）"]


def test_a_mojibake_metadata_csv_stops_the_ingest(raw, tmp_path):
    shutil.copy(HUBEI_2019, raw / "hubei.txt")
    (raw / "metadata.csv").write_text(f"file,title\nhubei.txt,{MOJIBAKE_TITLE}\n", encoding="utf-8")
    with pytest.raises(MetadataFileError, match=r"^metadata.csv: .*mojibake"):
        ingest(raw, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("content, line, reason", [
    # the quote opened on line 2 is never closed: today it swallows line 3 into the title
    ('file,year,title\nhenan.txt,2020,"河南省科协2020年工作要点\nhubei.txt,2021,\n', 2, "unbalanced quote"),
    ('file,year,title\nhenan.txt,2020,河南"省科协"\n', 2, "quote"),
    ('file,year,title\nhenan.txt,2020,"河南省科协"x\n', 2, "quote"),
    ("file,year,title\nhenan.txt,2020\n", 2, "2 fields for 3 columns"),
    ("file,year,title\nhenan.txt,2020,河南,x\n", 2, "4 fields for 3 columns"),
    ("file,year\n# comment\nhubei.txt,2021\nhenan.txt\n", 4, "1 field for 2 columns"),
])
def test_a_malformed_row_stops_with_the_line_and_nothing_is_applied(raw, tmp_path, content, line, reason):
    shutil.copy(HENAN_2019, raw / "henan.txt")
    shutil.copy(HUBEI_2019, raw / "hubei.txt")
    (raw / "metadata.csv").write_text(content, encoding="utf-8")
    with pytest.raises(MetadataFileError) as info:
        read_overrides(raw)
    assert str(info.value).startswith(f"metadata.csv:{line}: ") and reason in str(info.value)
    assert "\n" not in str(info.value)
    with pytest.raises(MetadataFileError):
        ingest(raw, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_quoted_commas_and_doubled_quotes_are_fine(raw):
    (raw / "metadata.csv").write_text('file,title\n"a,b.txt","河南省科协""十四五""规划"\n', encoding="utf-8")
    ov = read_overrides(raw)
    assert ov.for_file("a,b.txt").rows[0].title == '河南省科协"十四五"规划'


# --- kexie.toml and the lexicons --------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig"])
def test_kexie_toml_saved_by_a_chinese_editor_reads(tmp_path, encoding):
    (tmp_path / "kexie.toml").write_bytes('[report]\nlevel = "市级"\n'.encode(encoding))
    assert load_config(tmp_path).report.level == "市级"


def test_a_mojibake_kexie_toml_is_refused(tmp_path):
    text = '[[reports]]\nname = "hubei"\nprovince = "' + MOJIBAKE_TITLE + '"\n'
    (tmp_path / "kexie.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="mojibake"):
        load_config(tmp_path)


def test_a_gb18030_theme_dictionary_reads(tmp_path):
    p = tmp_path / "themes.toml"
    p.write_bytes('[[theme]]\nname = "科普"\ncolor = "#123456"\nkeywords = ["科普", "科技馆"]\n'.encode("gb18030"))
    assert load_theme_dictionary(p).keywords == {"科普": ["科普", "科技馆"]}
    p.write_text(f'[[theme]]\nname = "{MOJIBAKE_TITLE}"\ncolor = "#123456"\nkeywords = ["科普"]\n', encoding="utf-8")
    with pytest.raises(ThemeFileError, match="themes.toml: .*mojibake"):
        load_theme_dictionary(p)


def test_a_gb18030_commitment_lexicon_reads(tmp_path):
    p = tmp_path / "commitment.toml"
    p.write_bytes('[strong]\nwords = ["务必"]\n[moderate]\nwords = ["持续"]\n[tentative]\nwords = ["探索"]\n'
                  .encode("gb18030"))
    assert score_text("务必办好。", lexicon=load_lexicon(p)).strength == "strong"
    p.write_text('[strong]\nwords = ["确保"\n', encoding="utf-8")
    with pytest.raises(LexiconError, match=r"commitment.toml:2: not valid TOML"):
        load_lexicon(p)


# --- what a CSV writer produces is always accepted ------------------------------------------------

_titles = st.text(alphabet='河南省科协2019年工作要点“十四五”,"，、 （）abc', min_size=1, max_size=30).map(str.strip).filter(
    lambda t: t and not t.startswith("#"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_titles, min_size=1, max_size=5, unique=True), st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
       st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]), st.sampled_from(["\n", "\r\n"]))
def test_any_title_a_csv_writer_quotes_reads_back_exactly(tmp_path_factory, titles, encoding, quoting, newline):
    """Excel, WPS and pandas quote as RFC 4180 says: whatever they write, the strict parser reads back."""
    raw = tmp_path_factory.mktemp("md")
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=quoting, lineterminator=newline)
    writer.writerow(["file", "title"])
    for n, title in enumerate(titles):
        writer.writerow([f"plan{n}.txt", title])
    (raw / "metadata.csv").write_bytes(buf.getvalue().encode(encoding))
    ov = read_overrides(raw)
    assert [ov.for_file(f"plan{n}.txt").rows[0].title for n in range(len(titles))] == titles
