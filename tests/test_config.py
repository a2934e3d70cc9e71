"""kexie.toml: every key optional, validated with one-line errors naming the file, the key and the reason."""
from __future__ import annotations

from pathlib import Path

import pytest

from compare.core.config import (
    ConfigError,
    NamedReport,
    ProjectConfig,
    ReportDefaults,
    load_config,
)
from compare.core.errors import CompareError

FULL = """
themes = "my_themes.toml"

[report]
doc_type = "工作要点"
level = "省级"
top_n = 10

[[reports]]
name = "henan_kepu"
province = "河南"
themes = ["科普"]
years = [2024, 2019]

[[reports]]
name = "kepu-2019"
cross = true
provinces = "湖北"
years = 2019
themes = "科普"
"""


def _write(root: Path, text: str) -> Path:
    (root / "kexie.toml").write_text(text, encoding="utf-8")
    return root


def test_absent_file_gives_the_defaults(tmp_path):
    config = load_config(tmp_path)
    assert config == ProjectConfig(root=tmp_path)
    assert config.themes is None and config.reports == () and config.report == ReportDefaults()
    assert "absent" in config.source


def test_empty_file_is_valid(tmp_path):
    config = load_config(_write(tmp_path, "# nothing configured yet\n"))
    assert config.path == tmp_path / "kexie.toml" and config.reports == () and config.themes is None


def test_every_key(tmp_path):
    (tmp_path / "my_themes.toml").write_text("# a dictionary\n", encoding="utf-8")
    config = load_config(_write(tmp_path, FULL))
    assert config.themes == (tmp_path / "my_themes.toml").resolve()
    assert config.report == ReportDefaults(doc_type="工作要点", level="省级", top_n=10)
    henan, kepu = config.reports
    assert henan == NamedReport("henan_kepu", province="河南", themes=("科普",), years=(2019, 2024))
    assert henan.kind == "province" and kepu.kind == "cross"
    # scalars are lists of one, as everywhere in the analyst's API
    assert kepu.provinces == ("湖北",) and kepu.years == (2019,) and kepu.themes == ("科普",)
    # a named report's own values win over [report]
    assert henan.parameters(config.report) == {
        "doc_type": "工作要点", "level": "省级", "top_n": 10,
        "province": "河南", "years": [2019, 2024], "themes": ["科普"],
    }
    assert config.named("kepu-2019") is kepu


def test_unknown_named_report_lists_the_names(tmp_path):
    (tmp_path / "my_themes.toml").write_text("", encoding="utf-8")
    config = load_config(_write(tmp_path, FULL))
    with pytest.raises(ConfigError, match=r"no report named 'henan'.*henan_kepu、kepu-2019"):
        config.named("henan")


@pytest.mark.parametrize(
    "text, expected",
    [
        ('themes = 3', r"kexie.toml: themes: expected a non-empty string, got 3"),
        ('themes = "missing.toml"', r"kexie.toml: themes: theme dictionary .*missing.toml does not exist"),
        ('instruments = "missing.toml"', r"kexie.toml: instruments: instrument codebook .*missing.toml does not exist"),
        ('instruments = ["a.toml"]', r"kexie.toml: instruments: expected a non-empty string, got \['a.toml'\] "
                                     r"\(the instrument codebook's file name\)"),
        ('doc_type = "工作要点"', r"kexie.toml: doc_type: unknown key \(report defaults go under \[report\]\)"),
        ('[report]\ntop_n = 0', r"kexie.toml: report.top_n: expected a positive integer, got 0"),
        ('[report]\ntop_n = true', r"report.top_n: expected a positive integer, got True"),
        ('[report]\nlevel = "省"', r"report.level: expected one of 全国、省级、市级、县级, got \"省\""),
        ('[report]\ndoc_type = "要点"', r"report.doc_type: expected one of 工作要点、"),
        ('[report]\nprovince = "河南"', r"report.province: unknown key; allowed here: doc_type, level"),
        ('[report]\nyears = "2019"', r"report.years: expected a year or a list of years"),
        ('[report]\nthemes = []', r"report.themes: expected a string or a non-empty list of strings"),
        ('report = 3', r"kexie.toml: report: expected a table, got 3"),
        ('reports = 3', r"kexie.toml: reports: expected \[\[reports\]\] tables"),
        ('[[reports]]\nprovince = "河南"', r"reports\[1\]: every \[\[reports\]\] needs a name"),
        ('[[reports]]\nname = "Henan Kepu"\nprovince = "河南"', r"reports\[1\].name: \"Henan Kepu\" is not a file-name slug"),
        ('[[reports]]\nname = "province_henan"\nprovince = "河南"', r"reports\[1\].name: .* the build uses for its own reports"),
        ('[[reports]]\nname = "index"\nprovince = "河南"', r"reports\[1\].name: .* the build uses"),
        ('[[reports]]\nname = "a"', r"reports\[1\] \(a\).province: a province report needs province"),
        ('[[reports]]\nname = "a"\ncross = true\nprovince = "河南"', r"\(a\).province: a cross report \(cross = true\) takes provinces"),
        ('[[reports]]\nname = "a"\nprovince = "河南"\nprovinces = ["湖北"]', r"\(a\).provinces: a province report takes province"),
        ('[[reports]]\nname = "a"\nprovince = "河南"\ncross = "yes"', r"reports\[1\].cross: expected true or false"),
        ('[[reports]]\nname = "a"\nprovince = "河南"\ncolour = "red"', r"reports\[1\].colour: unknown key; allowed here: name, cross"),
        ('[[reports]]\nname = "a"\nprovince = "河南"\n[[reports]]\nname = "a"\nprovince = "湖北"',
         r"reports\[2\].name: 'a' is used by an earlier report"),
        ('[report\ntop_n = 3', r"kexie.toml(:\d+)?: not valid TOML"),
    ],
)
def test_malformed_config_is_one_line_naming_file_key_and_reason(tmp_path, text, expected):
    _write(tmp_path, text)
    with pytest.raises(ConfigError, match=expected) as info:
        load_config(tmp_path)
    message = str(info.value)
    assert "\n" not in message and str(tmp_path / "kexie.toml") in message
    assert isinstance(info.value, CompareError)


def test_syntax_error_names_the_line(tmp_path):
    _write(tmp_path, '[report]\ntop_n = 3\nlevel = 省级\n')
    with pytest.raises(ConfigError, match=r"kexie.toml:3: not valid TOML"):
        load_config(tmp_path)


def test_gb18030_reads_and_undecodable_bytes_are_refused(tmp_path):
    (tmp_path / "kexie.toml").write_bytes('[report]\nlevel = "市级"\n'.encode("gb18030"))
    assert load_config(tmp_path).report.level == "市级"
    (tmp_path / "kexie.toml").write_bytes('[report]\nlevel = "市级"\n'.encode("utf-8") + b"# \xff\xfe\x80\x81\n")
    with pytest.raises(ConfigError, match="kexie.toml: "):
        load_config(tmp_path)


def test_theme_path_is_relative_to_the_config_file(tmp_path, monkeypatch):
    (tmp_path / "dicts").mkdir()
    (tmp_path / "dicts" / "mine.toml").write_text("", encoding="utf-8")
    _write(tmp_path, 'themes = "dicts/mine.toml"\n')
    monkeypatch.chdir(tmp_path / "dicts")  # not relative to the working directory
    assert load_config(tmp_path).themes == (tmp_path / "dicts" / "mine.toml").resolve()


def test_instrument_codebook_path_is_relative_to_the_config_file(tmp_path, monkeypatch):
    (tmp_path / "books").mkdir()
    (tmp_path / "books" / "mine.toml").write_text("", encoding="utf-8")
    _write(tmp_path, 'instruments = "books/mine.toml"\n')
    monkeypatch.chdir(tmp_path / "books")
    config = load_config(tmp_path)
    assert config.instruments == (tmp_path / "books" / "mine.toml").resolve() and config.themes is None
    assert load_config(tmp_path / "books").instruments is None  # no kexie.toml: the packaged codebook


def test_instruments_command_codes_with_the_codebook_kexie_toml_names(processed_dir, tmp_path, monkeypatch, capsys):
    """Run alone, the stage codes with the build's codebook (kexie.toml's), so that it never recodes the
    corpus with another; a bad one is one line naming the file and the reason, nothing written."""
    import shutil

    from compare.cli import main
    from compare.core.paths import PACKAGE_DATA

    out = tmp_path / "processed"
    shutil.copytree(processed_dir, out)
    book = tmp_path / "my_codebook.toml"
    book.write_text((PACKAGE_DATA / "instruments.toml").read_text(encoding="utf-8").replace('"科技馆新馆", ', ""),
                    encoding="utf-8")
    _write(tmp_path, 'instruments = "my_codebook.toml"\n')
    monkeypatch.setenv("KEXIE_COMPARE_ROOT", str(tmp_path))
    assert main(["instruments", "--processed", str(out)]) == 0
    assert f"with the codebook {book.resolve()}" in capsys.readouterr().out
    book.write_text('[[type]]\nname = "供给型"\ncolor = "#0072B2"\n', encoding="utf-8")
    before = (out / "item_instruments.parquet").read_bytes()
    assert main(["instruments", "--processed", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {book.resolve()}") and "\n" not in err
    assert (out / "item_instruments.parquet").read_bytes() == before
