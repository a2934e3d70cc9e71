import re

import pandas as pd
import pytest

from compare.core import io

from compare.core import schema


def _items_row(**kw):
    row = dict(doc_id="henan-2019-gzyd", item_id="四/（一）/一", seq=1, province="河南", year=2019,
               doc_type="工作要点", section_no="四", section_title="重点工作任务", subsection_no="一",
               subsection_title="加强“五大品牌”建设", marker="一是", heading="打造“一市一品”产业技术大会品牌",
               text="一是打造…", departments=["学会学术部", "相关全省学会"], n_chars=6, n_masked=0)
    row.update(kw)
    return row


def test_roundtrip_keeps_lists_chinese_and_order(tmp_path):
    df = pd.DataFrame([_items_row(), _items_row(item_id="四/（一）/二", seq=2, departments=[])])
    io.write_table(df, "items", tmp_path)
    back = io.read_table("items", tmp_path)
    assert back["departments"].tolist() == [["学会学术部", "相关全省学会"], []]
    assert back["item_id"].tolist() == ["四/（一）/一", "四/（一）/二"]
    csv = (tmp_path / "items.csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens Chinese intact
    assert "学会学术部；相关全省学会" in csv.decode("utf-8-sig")


def test_csv_joins_lists_in_any_column_and_leaves_the_rest_as_they_are():
    df = pd.DataFrame({
        "lists": pd.Series([["科普部", "学会部"], None, [], ("智库", 3)], dtype=object),
        "mixed": pd.Series([1, "二", ["三"], None], dtype=object),
        "text": pd.Series(["甲", None, "乙；丙", ""], dtype="str"),
        "number": [1.5, None, 2.0, 3.25],
        "count": [1, 2, 3, 4],
        "flag": [True, False, True, False],
    })
    text = io.csv_bytes(df).decode("utf-8-sig")
    assert text == ("lists,mixed,text,number,count,flag\n"
                    "科普部；学会部,1,甲,1.5,1,True\n"
                    ",二,,,2,False\n"
                    ",三,乙；丙,2.0,3,True\n"
                    "智库；3,,,3.25,4,False\n")
    assert df["lists"].tolist()[0] == ["科普部", "学会部"]  # the caller's frame is not changed


def test_write_is_deterministic(tmp_path):
    df = pd.DataFrame([_items_row()])
    io.write_table(df, "items", tmp_path / "a")
    io.write_table(df, "items", tmp_path / "b")
    for ext in ("parquet", "csv"):
        assert (tmp_path / "a" / f"items.{ext}").read_bytes() == (tmp_path / "b" / f"items.{ext}").read_bytes()


def test_contract_violations_are_named(tmp_path):
    with pytest.raises(ValueError, match="missing columns"):
        io.write_table(pd.DataFrame([{"doc_id": "x"}]), "items", tmp_path)
    with pytest.raises(ValueError, match="heading"):
        io.write_table(pd.DataFrame([_items_row(heading=None)]), "items", tmp_path)
    assert not list(tmp_path.glob("*.parquet"))


def test_item_themes_dynamic_score_columns(tmp_path):
    df = pd.DataFrame([dict(doc_id="d", item_id="1", theme="科普", score_科普=0.9, score_智库=0.1, cluster=0,
                            runner_up="智库", runner_up_score=0.1, margin=0.8, low_confidence=False,
                            evidence=["科普"], model_version="v1")])
    io.write_table(df, "item_themes", tmp_path)
    back = io.read_table("item_themes", tmp_path)
    assert list(back.columns) == ["doc_id", "item_id", "theme", "score_科普", "score_智库", "cluster", "runner_up",
                                  "runner_up_score", "margin", "low_confidence", "evidence", "model_version"]
    assert back.loc[0, "score_科普"] == 0.9 and list(back.loc[0, "evidence"]) == ["科普"]


def test_every_table_documented():
    for name in schema.TABLES:
        md = schema.markdown(name)
        for c in schema.column_names(name):
            assert f"`{c}`" in md


def test_docs_document_the_contract_as_in_code():
    """docs/tables.md holds every table's columns exactly as the code declares them (schema.markdown),
    under a heading of the table's name, and lists no table the code lacks; the README's short table
    list names every table."""
    from conftest import ROOT

    page = (ROOT / "docs" / "tables.md").read_text(encoding="utf-8")
    for name in schema.TABLES:
        assert f"\n## {name}\n" in page, f"docs/tables.md has no section for {name!r}"
        assert schema.markdown(name) in page, f"docs/tables.md's description of {name!r} is out of date (schema.markdown)"
    documented = set(re.findall(r"^\*\*`(\w+)`\*\*:", page, flags=re.MULTILINE))
    assert documented == set(schema.TABLES), f"docs/tables.md documents tables the code lacks: {documented - set(schema.TABLES)}"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `(\w+)` \|", readme, flags=re.MULTILINE))
    assert set(schema.TABLES) <= listed, f"README's table list lacks {sorted(set(schema.TABLES) - listed)}"


def test_outputs_get_normal_permissions(tmp_path):
    import os
    import stat

    io.atomic_write_text(tmp_path / "x.txt", "科普")
    mode = stat.S_IMODE(os.stat(tmp_path / "x.txt").st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask
