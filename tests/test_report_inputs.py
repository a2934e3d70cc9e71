"""What a province report is made from (compare.pipeline.inputs.province_digests): one digest per
province over its rows of every table; a change to one province's rows, a list cell included, moves
that province's digest and no other."""
from __future__ import annotations

import shutil

import pandas as pd
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


def _add_copy(processed, source_doc, doc_id, **changes):
    """A plan added to the tables: a copy of source_doc's rows in every table with a doc_id, under a
    new doc_id and with its documents row changed (level, doc_type, year ...)."""
    for name in ("documents", "items", "targets", "item_themes", "item_instruments", "item_strength"):
        path = processed / f"{name}.parquet"
        if not path.is_file():
            continue
        table = pq.read_table(path)
        df = table.to_pandas()
        new = df[df["doc_id"] == source_doc].copy()
        new["doc_id"] = doc_id
        if "item_id" in new.columns:
            new["item_id"] = new["item_id"].astype(str).str.replace(source_doc, doc_id, regex=False)
        for column, value in changes.items():
            if column in new.columns and (name == "documents" or column in ("year", "doc_type", "province")):
                new[column] = value
        pq.write_table(pa.Table.from_pandas(pd.concat([df, new], ignore_index=True), schema=table.schema,
                                            preserve_index=False), path)


CROSS = {"provinces": None, "year": None, "doc_type": "工作要点", "level": "省级", "themes": None}


def test_a_cross_reports_digest_moves_with_what_it_shows_only(instrumented_dir, tmp_path):
    """The cross-province report's key (inputs.cross_digest): unchanged by a city plan (another level)
    or by a plan of another type that leaves the coverage note as it was; moved by a compared row, by
    a plan of another type the note names, and by a plan that adds a compared year."""
    from compare.analysis import Corpus
    from compare.pipeline import params
    from compare.presentation.coverage import coverage_text

    def note(processed):
        corpus = Corpus.load(processed)
        sel = params.select(corpus, **CROSS)
        return coverage_text(corpus.select(provinces=list(sel.provinces), years=list(sel.years), levels=sel.level),
                             params.compared(corpus, sel), sel)

    base = tmp_path / "base"
    shutil.copytree(instrumented_dir, base)
    digest = inputs._cross_rows(base, CROSS)
    assert digest and digest == inputs._cross_rows(base, CROSS)
    docs = pq.read_table(base / "documents.parquet").to_pandas()
    henan = docs[(docs["province"] == "河南") & (docs["doc_type"] == "工作要点")].sort_values("year").iloc[0]

    def variant(name, **changes):
        processed = tmp_path / name
        shutil.copytree(base, processed)
        _add_copy(processed, henan["doc_id"], f"{henan['doc_id']}-{name}", **changes)
        return processed

    city = variant("city", level="市级", city="郑州市", title=f"郑州市科协{henan['year']}年工作要点")
    assert note(city) == note(base) and inputs._cross_rows(city, CROSS) == digest
    beside = variant("beside", doc_type="科普工作要点", title=f"河南省科协{henan['year']}年科普工作要点")
    assert note(beside) != note(base) and inputs._cross_rows(beside, CROSS) != digest  # named in the note
    new_year = variant("year", year=2013, title="河南省科协2013年工作要点")
    assert inputs._cross_rows(new_year, CROSS) not in (digest, inputs._cross_rows(beside, CROSS))
    edited = tmp_path / "edited"
    shutil.copytree(base, edited)
    items = pq.read_table(edited / "items.parquet").to_pandas()
    _edit(edited / "items.parquet", "text", int(items.index[items["doc_id"] == henan["doc_id"]][0]), "改过的条目")
    assert inputs._cross_rows(edited, CROSS) != digest
    # parameters that select nothing: no digest (the build keys that report on every table)
    assert inputs._cross_rows(base, {**CROSS, "provinces": ["西藏"]}) is None
