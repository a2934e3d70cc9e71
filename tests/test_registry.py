"""The versioned JSON registries beside the outputs (doc_ids.json, file_numbers.json, the build state,
the chart keys) share one reader and writer: same entries, identical bytes; a damaged file is one line
naming it; a registry of decisions stops the run, a cache starts afresh."""
import json
import logging

import pytest

from compare.core.registry import RegistryFileError, read_registry_file, write_registry_file
from compare.ingest.identity import REGISTRY_FILE, Holder, RegistryError, read_registry, write_registry
from compare.pipeline.buildstate import STATE_VERSION, State
from compare.pipeline.chartkeys import KEYS_FILE, ChartKeys
from compare.text.instrument_codes import FILE_NUMBERS, FileNumbersError, read_file_numbers, write_file_numbers


def test_written_sorted_atomic_and_byte_identical_for_the_same_entries(tmp_path):
    a = write_registry_file(tmp_path / "a.json", {"河南-2024": {"z": 1, "a": 2}, "hubei": 3}, version=2,
                            entries="ids", about="说明")
    b = write_registry_file(tmp_path / "b.json", {"hubei": 3, "河南-2024": {"a": 2, "z": 1}}, version=2,
                            entries="ids", about="说明")
    assert a.read_bytes() == b.read_bytes()
    text = a.read_text(encoding="utf-8")
    assert text.endswith("}\n") and "河南" in text  # UTF-8, not \\u escapes
    assert list(json.loads(text)) == ["about", "ids", "version"]
    assert list(json.loads(text)["ids"]) == ["hubei", "河南-2024"]
    assert read_registry_file(a, version=2, entries="ids") == {"hubei": 3, "河南-2024": {"a": 2, "z": 1}}
    assert not list(tmp_path.glob(".*.tmp"))  # the temporary file of the atomic write is gone


def test_a_missing_registry_is_empty(tmp_path):
    assert read_registry_file(tmp_path / "none.json", version=1, entries="ids") == {}
    assert read_registry_file(tmp_path / "none.json", version=1, entries="ids", convert=len) == 0


@pytest.mark.parametrize("content, reason", [
    ("{not json", "Expecting property name"),
    ("[1, 2]", "a JSON list, expected an object"),
    ('{"version": 1, "ids": {}}', "version 1, expected 2"),
    ('{"version": 2}', "'ids'"),
    ('{"version": 2, "ids": [1]}', "'ids' is a JSON list, expected an object"),
    (b"\xff\xfe{", "can't decode"),
])
def test_a_damaged_registry_is_one_line_naming_the_file(tmp_path, content, reason):
    path = tmp_path / "reg.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(RegistryFileError) as info:
        read_registry_file(path, version=2, entries="ids")
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{path}: ") and reason in message
    assert info.value.path == path and reason in info.value.reason


def test_the_callers_check_and_error_class_are_used(tmp_path):
    (tmp_path / FILE_NUMBERS).write_text('{"version": 1, "numbers": {"a": 0}}', encoding="utf-8")
    with pytest.raises(FileNumbersError, match=r"file_numbers\.json: not a file-number registry this program wrote "
                                               r"\(numbers must map document ids to positive integers\); delete it"):
        read_file_numbers(tmp_path)
    (tmp_path / REGISTRY_FILE).write_text('{"version": 1, "ids": {"x": {"base": "x"}}}', encoding="utf-8")
    with pytest.raises(RegistryError, match=r"doc_ids\.json: not an id registry this program wrote \(.*missing"):
        read_registry(tmp_path)
    assert issubclass(RegistryError, RegistryFileError) and issubclass(FileNumbersError, RegistryFileError)


def test_the_id_and_number_registries_keep_their_bytes(tmp_path):
    holders = {"henan-2024-gzyd": Holder("henan-2024-gzyd", "henan.txt", "河南省科协2024年工作要点", "ab"),
               "hubei-2019-gzyd": Holder("hubei-2019-gzyd", "hubei.txt", "省科协2019年工作要点", "cd")}
    path = write_registry(tmp_path, dict(reversed(holders.items())))
    assert path.read_text(encoding="utf-8") == json.dumps(
        {"version": 1, "about": "doc_id -> the document holding it; an id once given is kept (compare.ingest.identity)",
         "ids": {k: vars(v) for k, v in holders.items()}}, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    assert read_registry(tmp_path) == holders
    write_file_numbers(tmp_path, {"b": 2, "a": 1})
    assert read_file_numbers(tmp_path) == {"a": 1, "b": 2}
    assert json.loads((tmp_path / FILE_NUMBERS).read_text(encoding="utf-8"))["numbers"] == {"a": 1, "b": 2}


def test_a_damaged_cache_is_logged_and_started_afresh(tmp_path, caplog):
    state_file = tmp_path / "build-state.json"
    state = State(state_file)
    state.steps["ingest"] = {"key": "k", "outputs": {}}
    state.save()
    assert State(state_file).steps == {"ingest": {"key": "k", "outputs": {}}}
    assert json.loads(state_file.read_text(encoding="utf-8"))["version"] == STATE_VERSION
    (tmp_path / KEYS_FILE).write_text('{"version": 1, "charts": {"c": {"key": "k", "files": {}}}}', encoding="utf-8")
    assert ChartKeys(tmp_path).saved == {"c": {"key": "k", "files": {}}}
    state_file.write_text("{damaged", encoding="utf-8")
    (tmp_path / KEYS_FILE).write_text('{"version": 0, "charts": {}}', encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert State(state_file).steps == {}
        assert ChartKeys(tmp_path).saved == {}
    assert any("build-state.json" in r.getMessage() and "every step will run" in r.getMessage() for r in caplog.records)
    assert any(KEYS_FILE in r.getMessage() and "version 0, expected 1" in r.getMessage() for r in caplog.records)
