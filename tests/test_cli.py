"""The command line's contract: exit codes (0 ok, 1 failed, 3 partial, 2 usage) and errors meant for a
person printed as one line, `error: <file>: <reason>`, never a traceback."""
from __future__ import annotations

import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from compare import cli
from compare.core import errors
from compare.core.errors import CompareError, SchemaError


def test_exit_codes_are_named_once():
    assert (cli.EXIT_OK, cli.EXIT_FAILED, cli.EXIT_USAGE, cli.EXIT_PARTIAL) == (0, 1, 2, 3)
    assert (cli.EXIT_OK, cli.EXIT_FAILED, cli.EXIT_PARTIAL) == (errors.EXIT_OK, errors.EXIT_FAILED, errors.EXIT_PARTIAL)


def test_usage_errors_stay_argparses(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["report"])  # --province, --cross or --name is required
    assert exc.value.code == cli.EXIT_USAGE
    with pytest.raises(SystemExit) as exc:
        cli.main(["no-such-command"])
    assert exc.value.code == cli.EXIT_USAGE


@pytest.fixture
def fake_themes(monkeypatch):
    """Replace the themes stage with a function returning or raising what a test asks for."""
    from compare.text import themes

    def install(outcome):
        def run(**kwargs):
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome
        monkeypatch.setattr(themes, "themes_command", run)
    return install


def test_stage_exit_codes_pass_through(fake_themes, tmp_path):
    for code in (cli.EXIT_OK, cli.EXIT_PARTIAL, cli.EXIT_FAILED):
        fake_themes(code)
        assert cli.main(["themes", "--processed", str(tmp_path)]) == code
    fake_themes(None)
    assert cli.main(["themes", "--processed", str(tmp_path)]) == cli.EXIT_OK


def test_a_compare_error_is_one_line(fake_themes, tmp_path, capsys):
    fake_themes(CompareError("items.parquet: the table is stale\nre-run `python -m compare ingest`"))
    assert cli.main(["themes", "--processed", str(tmp_path)]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert err == "error: items.parquet: the table is stale; re-run `python -m compare ingest`\n"


def test_a_file_error_names_the_file(fake_themes, tmp_path, capsys):
    fake_themes(PermissionError(13, "Permission denied", str(tmp_path / "items.parquet")))
    assert cli.main(["themes", "--processed", str(tmp_path)]) == cli.EXIT_FAILED
    assert capsys.readouterr().err == f"error: {tmp_path / 'items.parquet'}: Permission denied\n"


def _copy(processed_dir, tmp_path):
    out = tmp_path / "processed"
    shutil.copytree(processed_dir, out)
    return out


def test_themes_on_a_table_with_a_wrong_column_type(processed_dir, tmp_path, capsys):
    """A malformed table given to `themes`: one line naming the table file and the column."""
    out = _copy(processed_dir, tmp_path)
    items = pq.read_table(out / "items.parquet")
    i = items.schema.get_field_index("year")
    pq.write_table(items.set_column(i, "year", pa.array([str(y) for y in items.column("year").to_pylist()])),
                   out / "items.parquet")
    assert cli.main(["themes", "--processed", str(out)]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {out / 'items.parquet'}: column 'year' is string")
    assert "int64" in err and "Traceback" not in err


def test_themes_on_a_table_without_a_column(processed_dir, tmp_path, capsys):
    out = _copy(processed_dir, tmp_path)
    items = pq.read_table(out / "items.parquet")
    pq.write_table(items.drop(["text"]), out / "items.parquet")
    assert cli.main(["themes", "--processed", str(out)]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {out / 'items.parquet'}: table 'items': missing columns ['text']")


def test_themes_on_a_file_that_is_not_parquet(processed_dir, tmp_path, capsys):
    out = _copy(processed_dir, tmp_path)
    (out / "items.parquet").write_text("doc_id,item_id\nhenan-2019-gzyd,1\n", encoding="utf-8")
    assert cli.main(["themes", "--processed", str(out)]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {out / 'items.parquet'}: not a readable Parquet table")


def test_schema_error_is_a_compare_error_and_names_the_column(processed_dir, tmp_path):
    from compare.core import io

    out = _copy(processed_dir, tmp_path)
    docs = pq.read_table(out / "documents.parquet")
    pq.write_table(docs.drop(["province"]), out / "documents.parquet")
    with pytest.raises(SchemaError) as exc:
        io.read_table("documents", out)
    assert isinstance(exc.value, CompareError) and isinstance(exc.value, ValueError)
    assert exc.value.column == "province" and exc.value.path == out / "documents.parquet"
    assert exc.value.table == "documents"


def test_ingest_with_a_skipped_file_is_partial(tmp_path, raw_dir, capsys):
    """Exit 3: the plan is loaded and written, the note that is no plan is skipped (and said so);
    with --strict the same input fails (exit 1) and nothing is written."""
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(raw_dir / "hubei_2019_work-plan.txt", raw)
    (raw / "会议通知.txt").write_text("请各单位于本周五前报送材料。\n", encoding="utf-8")
    out = tmp_path / "processed"
    assert cli.main(["ingest", "--raw", str(raw), "--out", str(out)]) == cli.EXIT_PARTIAL
    assert (out / "documents.parquet").is_file()
    assert "会议通知.txt" in capsys.readouterr().err
    strict = tmp_path / "strict"
    assert cli.main(["ingest", "--raw", str(raw), "--out", str(strict), "--strict"]) == cli.EXIT_FAILED
    assert not (strict / "documents.parquet").exists()
    err = capsys.readouterr().err
    assert all(line.startswith("error: ") for line in err.splitlines() if line.strip())
