"""The numbers audit: every number a rendered report shows in its tables, checked against the Parquet
tables it comes from (documents, items, item_themes, targets, item_links, target_series, item_strength,
item_instruments: tests/report_audit_instruments.py; token counts from the corpus' segmentation), recomputed here from those tables with pandas and the
published formulas, never with the report's own code.

``audit_report(html, processed_dir)`` returns an :class:`Audit`: how many numbers each table had, and
every mismatch (table, row, column, shown, expected). A table the audit does not know is listed in
``unknown`` (its numbers are not checked: add a rule here when a report gains a table)."""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from compare.analysis.targets import NON_ADDITIVE_UNITS  # rates and ranks: the vocabulary says never added
from tests import report_audit_instruments as instruments


@dataclass
class Table:
    section: str
    caption: str
    header: list[str]
    rows: list[list[str]]


class _Tables(HTMLParser):
    """The report's data tables (class kx-table) with their section heading and caption."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self.section = ""
        self.caption = ""
        self._text: str | None = None
        self._what = ""
        self._table: Table | None = None
        self._row: list[str] | None = None
        self._cell: str | None = None

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        if tag == "h2":
            self._what, self._text = "h2", ""
        elif tag == "p" and "kx-caption" in cls:
            self._what, self._text = "caption", ""
        elif tag == "table" and "kx-table" in cls:
            self._table = Table(self.section, self.caption, [], [])
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "h2" and self._what == "h2":
            self.section, self.caption, self._what, self._text = self._text.strip(), "", "", None
        elif tag == "p" and self._what == "caption":
            self.caption, self._what, self._text = self._text.strip(), "", None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._table.header:
                self._table.rows.append(self._row)
            else:
                self._table.header = self._row
            self._row = None
        elif tag == "table" and self._table is not None:
            self.tables.append(self._table)
            self._table, self.caption = None, ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        elif self._text is not None:
            self._text += data


def tables(html: str) -> list[Table]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def number(text: str) -> float | None:
    """A shown number as a float (12.5% -> 0.125); None for an empty cell."""
    text = text.strip().replace(",", "")
    if not text:
        return None
    if text.endswith("%"):
        return float(text[:-1]) / 100
    return float(text)


def shown_close(text: str, expected: float | None, decimals: int) -> bool:
    """Does the shown text say `expected` to the precision it is shown with?"""
    if expected is None or (isinstance(expected, float) and math.isnan(expected)):
        return text.strip() == ""
    value = number(text)
    if value is None:
        return False
    if text.strip().endswith("%"):
        return abs(value * 100 - expected * 100) <= 0.05 + 1e-9
    if re.fullmatch(r"-?\d+", text.strip()) and float(expected).is_integer():
        return value == expected
    return abs(value - expected) <= 0.5 * 10 ** -decimals + 1e-9


# ---- reference formulas ---------------------------------------------------------------------------


def g2_yates(a: float, b: float, t: float, r: float) -> float:
    """Signed G² of a term's a occurrences in t target tokens vs b in r reference tokens, with Yates'
    continuity correction as quanteda applies it by default (Dunning 1993; quanteda textstat_keyness)."""
    c, d = t - a, r - b
    n = a + b + c + d
    e = [(a + b) * (a + c) / n, (a + b) * (b + d) / n, (c + d) * (a + c) / n, (c + d) * (b + d) / n]
    o = [a, b, c, d]
    if abs(a * d - b * c) >= n / 2 and min(e) < 5:
        step = -0.5 if a * d > b * c else 0.5
        o = [a + step, b - step, c - step, d + step]
    g2 = 2 * sum(0.0 if oi == 0 else oi * math.log(oi / ei) for oi, ei in zip(o, e))
    return (1 if a * d > b * c else -1 if a * d < b * c else 0) * max(g2, 0.0)


def chi2_sf_1df(x: float) -> float:
    return math.erfc(math.sqrt(x / 2))


# ---- the audit ------------------------------------------------------------------------------------


@dataclass
class Audit:
    checked: Counter = field(default_factory=Counter)  # numbers checked per table kind
    mismatches: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def check(self, kind: str, where: str, column: str, shown: str, expected, decimals: int = 2) -> None:
        self.checked[kind] += 1
        if not shown_close(shown, expected, decimals):
            self.mismatches.append(f"{kind} {where} {column}: shown {shown!r}, the tables say {expected!r}")


class Data:
    """The processed tables of one build."""

    def __init__(self, processed_dir: Path):
        p = Path(processed_dir)
        self.documents = pd.read_parquet(p / "documents.parquet")
        self.items = pd.read_parquet(p / "items.parquet")
        self.item_themes = pd.read_parquet(p / "item_themes.parquet")
        self.targets = pd.read_parquet(p / "targets.parquet")
        self.links = _optional(p / "item_links.parquet")
        self.series = _optional(p / "target_series.parquet")
        self.strength = _optional(p / "item_strength.parquet")
        self.item_instruments = _optional(p / "item_instruments.parquet")
        self.processed_dir = p
        self._tokens = None

    @property
    def tokens(self) -> pd.Series:
        """Each item's tokens (the corpus' segmentation), indexed like items."""
        if self._tokens is None:
            from compare.analysis import Corpus

            corpus = Corpus.load(self.processed_dir)
            keyed = pd.Series(list(corpus.tokens), index=pd.MultiIndex.from_frame(corpus.items[["doc_id", "item_id"]]))
            self._tokens = keyed.reindex(pd.MultiIndex.from_frame(self.items[["doc_id", "item_id"]])).set_axis(
                self.items.index)
        return self._tokens

    def compared(self, province: str | None, doc_type: str, level: str) -> pd.DataFrame:
        docs = self.documents
        keep = (docs["doc_type"] == doc_type) & (docs["level"] == level)
        if "department" in docs.columns:
            keep &= docs["department"].isna()
        if province is not None:
            keep &= docs["province"] == province
        return docs[keep]

    def themed_items(self, doc_ids) -> pd.DataFrame:
        items = self.items[self.items["doc_id"].isin(list(doc_ids))]
        return items.merge(self.item_themes[["doc_id", "item_id", "theme"]], on=["doc_id", "item_id"], how="left",
                           validate="one_to_one")


def _optional(path: Path) -> pd.DataFrame | None:
    return pd.read_parquet(path) if path.is_file() else None


def _scope(html: str) -> dict[str, str]:
    """The report's actual scope from its header: 省份, 文件类型, 级别."""
    m = re.search(r"<th>实际范围</th><td>(.*?)</td>", html, re.S)
    if not m:
        raise AssertionError("the report has no 实际范围 row in its header")
    out = {}
    for part in re.sub(r"<[^>]+>", "", m.group(1)).split("；"):
        key, _, value = part.partition("：")
        out[key.strip()] = value.strip()
    return out


def audit_report(html: str, processed_dir: Path, data: Data | None = None) -> Audit:
    data = data or Data(processed_dir)
    scope = _scope(html)
    provinces = scope["省份"].split("、")
    province = provinces[0] if len(provinces) == 1 else None
    doc_type, level = scope.get("文件类型", "工作要点"), scope.get("级别", "省级")
    themes = [t for t in scope.get("主题", "").split("、") if t]
    docs = data.compared(province, doc_type, level)
    years = [int(y) for y in scope.get("年份", "").split("、") if y.strip().isdigit()]
    audit = Audit()
    for table in tables(html):
        h = table.header
        if instruments.is_shares(table):
            instruments.shares(audit, table, instruments.coded_items(data, docs, years, themes))
        elif instruments.is_matrix(table):
            instruments.matrix(audit, table, instruments.coded_items(data, docs, years, themes))
        elif instruments.is_coding(table):
            instruments.coding(audit, table, instruments.coded_items(data, docs, years, themes), html)
        elif "条目数" in h and "源文件" in h:
            _documents(audit, table, data)
        elif "各年主题占比" in table.caption and province is not None:
            _year_shares(audit, table, data, docs)
        elif "主题占比" in table.caption and h[:2] == ["省份", "年份"]:
            _province_year_shares(audit, table, data, docs)
        elif "量化目标数" in table.caption and h[:2] == ["省份", "年份"]:
            _target_counts(audit, table, data, docs)
        elif "目标数" in h and "合计" in h:
            _target_totals(audit, table, data, docs)
        elif h == ["文件甲", "文件乙", "余弦相似度"]:
            _similar_pairs(audit, table, data, docs)
        elif "使用省份数" in h:
            _phrases(audit, table, data, docs)
        elif h[:4] == ["起始年份", "对比年份", "变化", "词语"]:
            _term_changes(audit, table, data, docs)
        elif "G²" in h and "词语" in h:
            _keyness(audit, table, data, data.compared(None, doc_type, level), province)
        elif "表述" in h and "数值" in h and "条目" in h:
            _targets(audit, table, data, docs, themes)
        elif h and h[0] == "责任部门" and province is not None:
            _departments(audit, table, data, docs)
        elif "原条目" in h and "相似度" in h:
            _links(audit, table, data, docs)
        elif h and h[0].startswith("目标（对象"):
            _series(audit, table, data, docs)
        elif "平均强度（0 试探—1 坚定）" in h and h[0] in ("主题", "省份"):
            _strength(audit, table, data, docs)
        elif h[:4] == ["年份", "文件类型", "条目", "内容"]:
            _item_rows(audit, table, data, docs)
        elif any(re.fullmatch(r"-?[\d.]+%?", c) for r in table.rows for c in r):
            audit.unknown.append(f"{table.section} | {table.caption} | {h}")
    return audit


def _documents(audit, table, data):
    h = table.header
    for row in table.rows:
        cell = dict(zip(h, row))
        doc = data.documents[(data.documents["source_file"] == cell["源文件"])
                             & (data.documents["year"] == int(cell["年份"]))
                             & (data.documents["doc_type"] == cell["文件类型"])]
        assert len(doc) == 1, cell
        doc = doc.iloc[0]
        audit.check("documents", cell["源文件"], "条目数", cell["条目数"], int(doc["n_items"]))
        audit.check("documents", cell["源文件"], "条目数 (items table)", cell["条目数"],
                    int((data.items["doc_id"] == doc["doc_id"]).sum()))


def _year_shares(audit, table, data, docs):
    items = data.themed_items(docs["doc_id"])
    for row in table.rows:
        year = int(row[0])
        of_year = items[items["year"] == year]
        for theme, shown in zip(table.header[1:], row[1:]):
            expected = (of_year["theme"] == theme).sum() / len(of_year) if len(of_year) else None
            audit.check("theme shares", year, theme, shown, expected)


def _term_changes(audit, table, data, docs):
    items = data.items[data.items["doc_id"].isin(docs["doc_id"])]
    counts = {y: Counter(t for toks in data.tokens[items.index[items["year"] == y]] for t in toks)
              for y in items["year"].unique()}
    for row in table.rows:
        y_from, y_to, change, term, freq = int(row[0]), int(row[1]), row[2], row[3], row[4]
        year = y_to if change == "新出现" else y_from
        other = y_from if change == "新出现" else y_to
        audit.check("term changes", f"{term} {y_from}→{y_to}", "频次", freq, counts[year][term])
        audit.check("term changes", f"{term} {y_from}→{y_to}", "频次 (other year)", "0", counts[other][term])


def _keyness(audit, table, data, like, province):
    """Each row's term in its province (the report's, or the row's 省份) against the other provinces'
    plans of the same type and level."""
    h = table.header
    tokens = data.tokens
    counts: dict[str, Counter] = {}
    for prov, docs in like.groupby("province"):
        idx = data.items.index[data.items["doc_id"].isin(list(docs["doc_id"]))]
        counts[prov] = Counter(t for toks in tokens[idx] for t in toks)
    for row in table.rows:
        cell = dict(zip(h, row))
        group = cell.get("省份", province)
        target = counts[group]
        ref = sum((c for p, c in counts.items() if p != group), Counter())
        t_total, r_total = sum(target.values()), sum(ref.values())
        term = cell["词语"]
        a, b = target[term], ref[term]
        where = f"{group} {term}"
        audit.check("keyness", where, "本省频次", cell["本省频次"], a)
        audit.check("keyness", where, "其他省频次", cell["其他省频次"], b)
        g2 = g2_yates(a, b, t_total, r_total)
        audit.check("keyness", where, "G²", cell["G²"], g2)
        audit.check("keyness", where, "p 值", cell["p 值"], chi2_sf_1df(abs(g2)))
        if b == 0:
            audit.checked["keyness"] += 1
            if cell["Log Ratio"] != "仅本组":
                audit.mismatches.append(f"keyness {where} Log Ratio: shown {cell['Log Ratio']!r} for {a} vs 0")
        else:
            audit.check("keyness", where, "Log Ratio", cell["Log Ratio"], math.log2((a / t_total) / (b / r_total)))
        if not g2 > 0:
            audit.mismatches.append(f"keyness {where}: listed as distinctive with G² {g2}")


def _targets(audit, table, data, docs, themes):
    h = table.header
    t = data.targets.merge(data.documents[["doc_id", "province", "year", "doc_type"]], on="doc_id")
    t = t[t["doc_id"].isin(docs["doc_id"])].merge(data.item_themes[["doc_id", "item_id", "theme"]],
                                                  on=["doc_id", "item_id"], how="left")
    for row in table.rows:
        cell = dict(zip(h, row))
        match = t[(t["year"] == int(cell["年份"])) & (t["item_id"] == cell["条目"]) & (t["phrase"] == cell["表述"])]
        if len(match) == 0:
            audit.mismatches.append(f"targets {cell['年份']} {cell['条目']} {cell['表述']}: not in targets")
            continue
        m = match.iloc[0]
        where = f"{cell['年份']} {cell['条目']} {cell['表述']}"
        audit.check("targets", where, "数值", cell["数值"], float(m["value"]))
        audit.check("targets", where, "上限", cell["上限"], None if pd.isna(m["value_high"]) else float(m["value_high"]))
        audit.checked["targets"] += 1
        if cell["主题"] != m["theme"] or cell["单位"] != (m["unit"] or ""):
            audit.mismatches.append(f"targets {where}: theme/unit {cell['主题']}/{cell['单位']} vs {m['theme']}/{m['unit']}")
    if themes:
        t = t[t["theme"].isin(themes)]
    if len(table.rows) < len(t) and "仅显示前" not in table.caption:
        audit.mismatches.append(f"targets: {len(table.rows)} rows shown of {len(t)}")


def _departments(audit, table, data, docs):
    """Items per department and theme; a department's names in the plans are read as its canonical
    name (科普部 and 科学技术普及部 are one office: the ingest vocabulary)."""
    from compare.ingest.departments import canonical_department

    items = data.themed_items(docs["doc_id"])
    named = items["departments"].map(lambda ds: {canonical_department(str(d)) for d in ds if str(d).strip()})
    for row in table.rows:
        dept = row[0]
        has = items[named.map(lambda ds, d=dept: d in ds)]
        for theme, shown in zip(table.header[1:], row[1:]):
            audit.check("departments", dept, theme, shown, int((has["theme"] == theme).sum()))


def _links(audit, table, data, docs):
    h = table.header
    links = data.links
    assert links is not None, "the report shows links but there is no item_links table"
    links = links[links["doc_from"].isin(docs["doc_id"]) | links["doc_to"].isin(docs["doc_id"])]
    for row in table.rows:
        cell = dict(zip(h, row))
        m = links[(links["year_from"] == int(cell["上一份"])) & (links["year_to"] == int(cell["下一份"]))
                  & (links["item_from"].fillna("") == cell["原条目"]) & (links["item_to"].fillna("") == cell["新条目"])]
        if len(m) != 1:
            audit.mismatches.append(f"links {cell['原条目']}→{cell['新条目']}: {len(m)} rows in item_links")
            continue
        audit.check("links", f"{cell['原条目']}→{cell['新条目']}", "相似度", cell["相似度"], float(m["similarity"].iloc[0]))


def _series(audit, table, data, docs):
    h = table.header
    s = data.series
    assert s is not None, "the report shows target series but there is no target_series table"
    s = s[s["doc_id"].isin(docs["doc_id"])]
    for row in table.rows:
        cell = dict(zip(h, row))
        m = s[(s["series"] == cell[h[0]]) & (s["year"] == int(cell["年份"])) & (s["phrase"] == cell["表述"])]
        if len(m) != 1:
            audit.mismatches.append(f"series {cell[h[0]]} {cell['年份']}: {len(m)} rows in target_series")
            continue
        m = m.iloc[0]
        where = f"{cell[h[0]]} {cell['年份']}"
        audit.check("series", where, "数值", cell["数值"], float(m["value"]))
        audit.check("series", where, "上限", cell["上限"], None if pd.isna(m["value_high"]) else float(m["value_high"]))
        change = None if pd.isna(m["change"]) else float(m["change"])
        audit.check("series", where, "变化", cell["变化"], change)


def _strength(audit, table, data, docs):
    h = table.header
    s = data.strength
    assert s is not None, "the report shows commitment strength but there is no item_strength table"
    s = s[s["doc_id"].isin(docs["doc_id"])].merge(data.item_themes[["doc_id", "item_id", "theme"]],
                                                  on=["doc_id", "item_id"], how="left")
    by = "theme" if h[0] == "主题" else "province"
    for row in table.rows:
        cell = dict(zip(h, row))
        key = cell[h[0]]
        g = s[s[by] == key]
        audit.check("strength", key, "条目数", cell["条目数"], len(g))
        scored = g["score"].dropna()
        audit.check("strength", key, "平均强度", cell["平均强度（0 试探—1 坚定）"],
                    float(scored.mean()) if len(scored) else None)
        for label, level in (("坚定", "strong"), ("一般", "moderate"), ("试探", "tentative"), ("无承诺词", "none")):
            audit.check("strength", key, label, cell[label], (g["strength"] == level).mean() if len(g) else None)


def _item_rows(audit, table, data, docs):
    items = data.items[data.items["doc_id"].isin(docs["doc_id"])]
    for row in table.rows:
        year, item_id = int(row[0]), row[2]
        audit.checked["items"] += 1
        if not ((items["year"] == year) & (items["item_id"] == item_id)).any():
            audit.mismatches.append(f"items: {year} {item_id} is not an item of the compared plans")


def _province_year_shares(audit, table, data, docs):
    items = data.themed_items(docs["doc_id"])
    for row in table.rows:
        prov, year = row[0], int(row[1])
        of = items[(items["province"] == prov) & (items["year"] == year)]
        for theme, shown in zip(table.header[2:], row[2:]):
            audit.check("theme shares", f"{prov} {year}", theme, shown,
                        (of["theme"] == theme).sum() / len(of) if len(of) else None)


def _themed_targets(data, docs) -> pd.DataFrame:
    t = data.targets[data.targets["doc_id"].isin(docs["doc_id"])]
    t = t.merge(data.documents[["doc_id", "province", "year"]], on="doc_id")
    return t.merge(data.item_themes[["doc_id", "item_id", "theme"]], on=["doc_id", "item_id"], how="left")


def _target_counts(audit, table, data, docs):
    t = _themed_targets(data, docs)
    for row in table.rows:
        prov, year = row[0], int(row[1])
        of = t[(t["province"] == prov) & (t["year"] == year)]
        planned = ((docs["province"] == prov) & (docs["year"] == year)).any()
        for theme, shown in zip(table.header[2:], row[2:]):
            audit.check("target counts", f"{prov} {year}", theme, shown,
                        int((of["theme"] == theme).sum()) if planned else None)


def _target_totals(audit, table, data, docs):
    """目标数 and 合计 per theme, province, year, object, unit and basis: values are added only within one
    object, unit and basis (never across them)."""
    h = table.header
    t = _themed_targets(data, docs)
    for row in table.rows:
        cell = dict(zip(h, row))
        m = t[(t["theme"] == cell["主题"]) & (t["object"].fillna("") == cell["对象"]) & (t["unit"].fillna("") == cell["单位"])]
        if "省份" in cell:
            m = m[(m["province"] == cell["省份"]) & (m["year"] == int(cell["年份"]))]
        basis_col = next((c for c in ("basis", "依据") if c in cell), None)
        if basis_col is not None:
            m = m[m["basis"].fillna("") == cell[basis_col]]
        where = f"{cell.get('省份', '')} {cell.get('年份', '')} {cell['对象']}（{cell['单位']}）"
        audit.check("target totals", where, "目标数", cell["目标数"], len(m))
        additive = len(m) and cell["对象"] and cell["单位"] not in NON_ADDITIVE_UNITS  # rates and ranks are never added
        audit.check("target totals", where, "合计", cell["合计"], float(m["value"].sum()) if additive else None)


def _similar_pairs(audit, table, data, docs):
    """The cosine of two documents' TF-IDF vectors (smooth idf, l2 norm: scikit-learn's defaults),
    recomputed from the documents' tokens."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = docs.sort_values(["province", "year", "doc_type", "doc_id"])
    labels = [f"{p} {int(y)} {t}" for p, y, t in zip(docs["province"], docs["year"], docs["doc_type"])]
    bags = [[t for toks in data.tokens[data.items.index[data.items["doc_id"] == d]] for t in toks]
            for d in docs["doc_id"]]
    m = TfidfVectorizer(analyzer=lambda x: x, lowercase=False).fit_transform(bags)
    cos = (m @ m.T).toarray()
    at = {label: i for i, label in enumerate(labels)}
    seen = set()
    for a, b, shown in table.rows:
        pair = frozenset((a, b))
        audit.checked["similar pairs"] += 1
        if a == b or pair in seen:
            audit.mismatches.append(f"similar pairs: {a} / {b} shown twice or with itself")
        seen.add(pair)
        audit.check("similar pairs", f"{a} / {b}", "余弦相似度", shown, float(cos[at[a], at[b]]))


def _phrases(audit, table, data, docs):
    """使用省份数 = the provinces named in 使用省份（年份）, and each of them has a compared plan that year."""
    h = table.header
    planned = set(zip(docs["province"], docs["year"].astype(int)))
    for row in table.rows:
        cell = dict(zip(h, row))
        listed = [part for part in cell["使用省份（年份）"].split("；") if part]
        provinces = [re.sub(r"（.*", "", part) for part in listed]
        if "等" not in cell["使用省份（年份）"]:
            audit.check("phrases", cell["表述"], "使用省份数", cell["使用省份数"], len(provinces))
        for part in listed:
            prov, years = re.fullmatch(r"(.+?)（(.+)）", part).groups()
            for y in years.split("、"):
                audit.checked["phrases"] += 1
                if (prov, int(y)) not in planned:
                    audit.mismatches.append(f"phrases {cell['表述']}: {prov} {y} has no compared plan")
