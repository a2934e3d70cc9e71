"""What a province report is made from (compare.pipeline.inputs.province_digests): one digest per
province over its rows of every table; a change to one province's rows, a list cell included, moves
that province's digest and no other."""
from __future__ import annotations

import shutil

import pyarrow as pa
import pyarrow.parquet as pq

from compare.pipeline import inputs


def _edit(path, column, row, value):
    table = pq.read_table(path)
    values = table.column(column).to_pylist()
    values[row] = value
    i = table.schema.get_field_index(column)
    pq.write_table(table.set_column(i, table.schema.field(i), pa.array(values, table.schema.field(i).type)), path)


def test_a_provinces_digest_moves_with_its_rows_only(instrumented_dir, tmp_path):
    processed = tmp_path / "processed"
    shutil.copytree(instrumented_dir, processed)
    before = inputs._compute(processed)
    assert {"河南", "湖北", "黑龙江"} <= set(before) and before == inputs._compute(processed)
    docs = pq.read_table(processed / "documents.parquet").to_pandas()
    henan = set(docs.loc[docs["province"] == "河南", "doc_id"])
    themes = pq.read_table(processed / "item_themes.parquet").to_pandas()
    row = int(themes.index[themes["doc_id"].isin(henan)][0])
    _edit(processed / "item_themes.parquet", "evidence", row, [*themes.loc[row, "evidence"], "新词"])
    after = inputs._compute(processed)
    assert after["河南"] != before["河南"] and {k: v for k, v in after.items() if k != "河南"} == \
        {k: v for k, v in before.items() if k != "河南"}
    # a list of one empty string is not an empty list
    _edit(processed / "item_themes.parquet", "evidence", row, [])
    empty = inputs._compute(processed)["河南"]
    _edit(processed / "item_themes.parquet", "evidence", row, [""])
    assert inputs._compute(processed)["河南"] != empty


def test_remembered_values_of_several_table_sets_share_one_file(tmp_path):
    """Builds of different tables sharing a project cache (two projects, parallel test runs) keep
    each other's remembered values (up to 16), so none of them reads its tables again for nothing."""
    path, calls = tmp_path / "remembered.json", []

    def compute(value):
        return lambda: calls.append(value) or value

    for i in range(16):
        assert inputs._remembered(path, f"tables-{i}", compute(i)) == i
    assert [inputs._remembered(path, f"tables-{i}", compute(-1)) for i in range(16)] == list(range(16))
    assert calls == list(range(16))
    inputs._remembered(path, "tables-16", compute(16))  # the oldest entry goes
    assert inputs._remembered(path, "tables-0", compute(100)) == 100 and inputs._remembered(path, "tables-15", compute(-1)) == 15
    path.write_text("{damaged", encoding="utf-8")
    assert inputs._remembered(path, "tables-1", compute(101)) == 101
