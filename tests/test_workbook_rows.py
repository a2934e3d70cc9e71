"""The workbook's data rows made in one pass (compare.pipeline.sheetxml) are the XML openpyxl writes
for the same cells, byte for byte: strings that look like formulas or error codes, spaces at the ends,
XML's special characters, carriage returns, characters outside the BMP, empty strings, missing values,
integers too long for 16 digits, floats, booleans and percentage columns with missing values. A value
the one-pass rows do not know (a date) leaves the whole workbook to openpyxl."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from compare.pipeline import sheetxml, workbook

TRICKY = ["=SUM(A1:A2)", "=", "#N/A", "#DIV/0!", " 前导空格", "末尾空格 ", "a & b < c > d", "一\r\n二", "制表\t符",
          "表情😀", "", None, "河南省科协2024年工作要点", "引号\"'", "\u3000全角空格"]


def _tables() -> dict[str, pd.DataFrame]:
    n = len(TRICKY)
    docs = pd.DataFrame({
        "doc_id": [f"d{i}" for i in range(n)], "title": TRICKY,
        "year": [2024, 0, -3, 12345678901234567, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
        "value": [0.1, 1e-20, 2.5, None, 3.0, 1e16, -0.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0],
        "flag": [True, False] * 7 + [True],
    })
    shares = pd.DataFrame({"province": TRICKY, "share": [0.25, None, 1.0, 0.0, 0.5, None, 0.125, 0.3, 0.4, 0.6,
                                                         0.7, 0.8, 0.9, 0.05, 0.15],
                           "share_items": [None, "=x", 0.5, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 0.0, 0.5]})
    return {"documents": docs, "theme_shares": shares}


def _sheets(data: bytes) -> dict[str, bytes]:
    z = zipfile.ZipFile(io.BytesIO(data))
    return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}  # core.xml holds the save time


def test_one_pass_rows_are_the_xml_openpyxl_writes():
    """The same bytes but for the text outside ASCII, which the one-pass rows write as UTF-8 where
    openpyxl writes character references (the same text for any XML reader)."""
    tables, processed = _tables(), Path("processed")
    fast = _sheets(workbook._workbook_bytes(tables, processed, "全部文件", fast=True))
    slow = _sheets(workbook._workbook_bytes(tables, processed, "全部文件", fast=False))
    assert sorted(fast) == sorted(slow)
    for name in slow:
        if name == "xl/worksheets/sheet1.xml":  # 说明 shows the minute it was written
            continue
        if name.startswith("xl/worksheets/"):
            assert fast[name].decode("utf-8").encode("ascii", "xmlcharrefreplace") == slow[name], name
        else:
            assert fast[name] == slow[name], name
    assert "河南省科协2024年工作要点".encode() in fast["xl/worksheets/sheet2.xml"]  # (its fourteenth row)
    assert "河南省科协2024年工作要点".encode() not in slow["xl/worksheets/sheet2.xml"]
    assert b'<c r="B3" t="inlineStr"><is><t>=</t></is></c>' in fast["xl/worksheets/sheet2.xml"]  # text, not a formula


def test_a_value_the_one_pass_rows_do_not_know_leaves_the_workbook_to_openpyxl(monkeypatch):
    with pytest.raises(sheetxml.Unsupported):
        sheetxml.rows_xml([[dt.date(2024, 1, 1)]], 3, ["A"], percent={})
    tables = _tables()
    tables["documents"]["when"] = [dt.date(2024, 1, i + 1) for i in range(len(TRICKY))]
    assert not sheetxml.known_values(workbook._plain(tables["documents"]))
    spliced = []
    monkeypatch.setattr(sheetxml, "splice", lambda *a: spliced.append(a))
    data = workbook._workbook_bytes(tables, Path("processed"), "全部文件", fast=True)
    assert not spliced and zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet2.xml").count(b"<row ") == 16
