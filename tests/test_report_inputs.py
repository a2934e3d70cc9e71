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
