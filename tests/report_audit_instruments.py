"""The numbers audit's rules for the policy-instrument tables of the reports (政策工具 section): each
shown number recomputed from item_instruments, items and item_themes with pandas, never with the
report's own code (compare.analysis.instruments).

- instrument shares (by year, or by province and year; per tool or per type): each cell is the group's
  items with that instrument over the group's coded items, the shares of a row add up to 100 %, and
  every group of the compared plans that has coded items is a row;
- instrument × theme matrix: each cell the items with that tool and theme, 合计 the items with that
  tool (so no item is dropped), the row's type the tool's type, every tool with items a row;
- coding table: each row is an item of the compared plans and says what item_instruments says (code,
  type, tool, runner-up, evidence, low confidence) and what items / item_themes say (heading, theme);
  every coded item is a row (unless the report says how many it left out).
"""
from __future__ import annotations

import pandas as pd

from compare.core.labels import report_labels

LABELS = report_labels("item_instruments")
CODE, TYPE, TOOL = LABELS["code"], LABELS["type"], LABELS["tool"]
KEY = ["doc_id", "item_id"]


def is_shares(table) -> bool:
    return "政策工具的条目占比" in table.caption


def is_matrix(table) -> bool:
    return table.header[:2] == [TYPE, TOOL] and table.header[-1:] == ["合计"]


def is_coding(table) -> bool:
    return bool(table.header) and table.header[0] == CODE


def coded_items(data, docs: pd.DataFrame, years: list[int] | None, themes: list[str] | None = None) -> pd.DataFrame:
    """The compared plans' items (of the report's years; of its themes when the report is about some of
    them only, e.g. a 科普 report) with their instrument coding and theme."""
    if data.item_instruments is None:
        raise AssertionError("the report shows policy-instrument tables but there is no item_instruments table")
    items = data.items[data.items["doc_id"].isin(docs["doc_id"])]
    if years:
        items = items[items["year"].isin(years)]
    out = items[[*KEY, "province", "year", "doc_type", "heading"]].merge(
        data.item_instruments, on=KEY, how="left", validate="one_to_one", indicator=True)
    missing = out[out["_merge"] != "both"]
    if len(missing):
        raise AssertionError(f"{len(missing)} compared items have no instrument coding, e.g. {missing[KEY].iloc[0].tolist()}")
    out = out.drop(columns="_merge").merge(data.item_themes[[*KEY, "theme"]], on=KEY, how="left")
    if themes and not set(data.item_themes["theme"].dropna()) <= set(themes):
        out = out[out["theme"].isin(themes)].reset_index(drop=True)
    return out


def shares(audit, table, coded: pd.DataFrame) -> None:
    by = [c for c in table.header if c in ("省份", "年份")]
    columns = table.header[len(by):]
    unit = "tool" if set(columns) & set(coded["tool"]) or not set(columns) & set(coded["type"]) else "type"
    kind = f"instrument shares ({unit})"
    field = {"省份": "province", "年份": "year"}
    shown_groups = set()
    for row in table.rows:
        cell = dict(zip(table.header, row))
        keys = tuple(int(cell[c]) if c == "年份" else cell[c] for c in by)
        shown_groups.add(keys)
        group = coded
        for c, k in zip(by, keys):
            group = group[group[field[c]] == k]
        where = " ".join(map(str, keys))
        n = len(group)
        total = 0.0
        for col in columns:
            expected = float((group[unit] == col).sum()) / n if n else None
            audit.check(kind, where, col, cell[col], expected)
            total += float(cell[col].rstrip("%")) / 100 if cell[col].strip() else 0.0
        audit.checked[kind] += 1
        if n and abs(total - 1.0) > 0.0005 * len(columns) + 1e-9:
            audit.mismatches.append(f"{kind} {where}: the row's shares add up to {total:.1%}, not 100 %")
        if n and set(group[unit]) - set(columns):
            audit.mismatches.append(f"{kind} {where}: {sorted(set(group[unit]) - set(columns))} have items but no column")
    cols = [field[c] for c in by]
    present = {tuple(int(v) if c == "year" else v for c, v in zip(cols, key))
               for key in coded[cols].drop_duplicates().itertuples(index=False)}
    for g in sorted(present - shown_groups, key=str):
        audit.mismatches.append(f"{kind}: {g} has coded items but no row")


def matrix(audit, table, coded: pd.DataFrame) -> None:
    themes = table.header[2:-1]
    tool_type = dict(zip(coded["tool"], coded["type"]))
    shown_tools = set()
    total = 0
    for row in table.rows:
        cell = dict(zip(table.header, row))
        tool = cell[TOOL]
        shown_tools.add(tool)
        of_tool = coded[coded["tool"] == tool]
        audit.checked["instrument matrix"] += 1
        if tool in tool_type and cell[TYPE] != tool_type[tool]:
            audit.mismatches.append(f"instrument matrix {tool}: type {cell[TYPE]}, the coding says {tool_type[tool]}")
        for theme in themes:
            audit.check("instrument matrix", tool, theme, cell[theme], int((of_tool["theme"] == theme).sum()))
        audit.check("instrument matrix", tool, "合计", cell["合计"], len(of_tool))
        audit.check("instrument matrix", tool, "合计 (the row's cells)", cell["合计"],
                    sum(int(cell[t]) for t in themes))
        total += int(cell["合计"])
    for tool in sorted(set(coded["tool"]) - shown_tools):
        audit.mismatches.append(f"instrument matrix: {tool} has items but no row")
    audit.check("instrument matrix", "all tools", "合计 (all rows)", str(total), len(coded))


def _joined(value) -> str:
    if value is None or (not isinstance(value, str) and not hasattr(value, "__iter__")):
        return ""
    return value if isinstance(value, str) else "、".join(map(str, value))


def coding(audit, table, coded: pd.DataFrame, html: str) -> None:
    labels = {LABELS[c]: c for c in ("heading", "type", "tool", "runner_up", "theme", "evidence", "low_confidence")}
    item_col, year_col = LABELS["item_id"], LABELS["year"]
    seen = set()
    for row in table.rows:
        cell = dict(zip(table.header, row))
        m = coded[(coded["year"] == int(cell[year_col])) & (coded["item_id"] == cell[item_col])
                  & (coded["doc_type"] == cell[LABELS["doc_type"]])]
        if LABELS["province"] in cell:
            m = m[m["province"] == cell[LABELS["province"]]]
        if len(m) > 1:  # several compared plans of one year and type: the code's 文件 number tells them apart
            m = m[m["code"] == cell[CODE]]
        where = f"{cell[CODE]} ({cell[year_col]} {cell[item_col]})"
        audit.checked["coding table"] += 1
        if len(m) != 1:
            audit.mismatches.append(f"coding table {where}: {len(m)} compared items match")
            continue
        item = m.iloc[0]
        seen.add((item["doc_id"], item["item_id"]))
        expected = {CODE: item["code"], **{label: item[col] for label, col in labels.items() if label in cell}}
        for label, want in expected.items():
            col = labels.get(label)
            if col == "evidence":
                want = _joined(want)
            elif col == "low_confidence":
                want = "是" if bool(want) else ""
            elif want is None or (not isinstance(want, str) and pd.isna(want)):
                want = ""
            audit.checked["coding table"] += 1
            if cell[label] != str(want):
                audit.mismatches.append(f"coding table {where} {label}: shown {cell[label]!r}, the tables say {want!r}")
    if len(seen) < len(coded) and f"仅显示前 {len(table.rows)} 行，共 {len(coded)} 行" not in html:
        audit.mismatches.append(f"coding table: {len(table.rows)} rows shown of {len(coded)} coded items, "
                                "and the report does not say it left some out")
    codes = [r[0] for r in table.rows]
    if len(set(codes)) != len(codes):
        audit.mismatches.append("coding table: a code names two items")
