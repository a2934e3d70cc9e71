"""The data contract: every processed table, its columns, their types and meaning.

The table descriptions of docs/tables.md are generated from (and tested against) this module, so the code
and the documentation cannot drift apart. `validate(df, name)` is called on every write and read.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from compare.core.vocab import DOC_TYPES, LEVELS

if TYPE_CHECKING:  # pandas and pyarrow are imported when a table is checked, not to learn the names
    import pandas as pd
    import pyarrow as pa

_LEVELS_DOC = " | ".join(LEVELS)



@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # the Arrow type's name: string, int64, float64, bool or list<string>
    nullable: bool
    doc: str

    @property
    def type(self) -> pa.DataType:
        """The column's Arrow type."""
        return _arrow_type(self.kind)


@cache
def _arrow_type(kind: str) -> pa.DataType:
    import pyarrow as pa

    types = {"string": pa.string, "int64": pa.int64, "float64": pa.float64, "bool": pa.bool_,
             "list<string>": lambda: pa.list_(pa.string())}
    return types[kind]()


# Arrow type names, not types: learning the tables' names and columns (a build that changed nothing)
# imports neither pyarrow nor pandas
_S, _I, _F, _B = "string", "int64", "float64", "bool"
_LS = "list<string>"

TABLES: dict[str, tuple[str, list[Column]]] = {
    "documents": (
        "One row per plan document (a file may hold several documents).",
        [
            Column("doc_id", _S, False, "stable id `<province pinyin>-<year>-<type code>`, e.g. `henan-2024-gzyd`, plus `-<city pinyin>` / `-<department pinyin>` for a city, county or department plan; a function of the document alone (docs: Loading plans, Document ids)"),
            Column("province", _S, False, "canonical short name (河南, 黑龙江, 湖北, …; 全国 for 中国科协)"),
            Column("level", _S, False, f"{_LEVELS_DOC}: the level of the issuing association"),
            Column("city", _S, True, "city or county of a 市级/县级 plan (郑州市, 兰考县), else null"),
            Column("year", _I, False, "the plan year (not years mentioned in passing)"),
            Column("doc_type", _S, False, " | ".join(DOC_TYPES) + " (a title's 工作重点 is 重点工作; 活动实施方案 is 活动方案)"),
            Column("title", _S, False, "document title as written (normalised whitespace); inferred when the text has none"),
            Column("issuer", _S, True, "issuing body, e.g. 河南省科协办公室"),
            Column("department", _S, True, "the department of an association that issued the plan (科普部, 调宣部, 学会学术部); null when the association or its office issued it"),
            Column("issuer_kind", _S, False, "科协 | 科协部门 | 党政机关 | 老科协 | 其他: the kind of body that issued the plan; comparisons keep 科协 (and 科协部门 when asked) by default, so a 老科协 or Party-office plan never counts as the association's"),
            Column("issue_number", _S, True, "文号, e.g. 豫科协办发〔2024〕9号"),
            Column("issue_date", _S, True, "ISO date YYYY-MM-DD of issue, when stated"),
            Column("source_file", _S, False, "file name inside the raw directory"),
            Column("source_sha256", _S, False, "sha256 of the raw file's bytes"),
            Column("format", _S, False, "txt | html | docx | xlsx | pdf: how the file was read"),
            Column("encoding", _S, False, "encoding a txt/html file was decoded with (utf-8, utf-8-sig, gb18030, big5, utf-16, …); `n/a` for docx, xlsx and pdf"),
            Column("n_items", _I, False, "number of rows in items for this document"),
            Column("n_masked", _I, False, "masked words (runs of *) in the document"),
            Column("preamble", _S, False, "text before the first item (指导思想, 总体要求, goals paragraphs)"),
            Column("provenance", _S, False, "JSON object: where each metadata field came from, field -> `text` (a rule on the text) | `override` (data/raw/metadata.csv) | `inferred` (a default, e.g. an inferred title) | `page-date` (a year read from the web page's date line, a last resort)"),
        ],
    ),
    "intake": (
        "One row per raw file of the last `ingest`: what became of it and why (docs: Loading plans, The intake report).",
        [
            Column("source_file", _S, False, "file name inside the raw directory"),
            Column("status", _S, False, "loaded | partial (some documents or parts skipped, or a document without items) | duplicate (every document already loaded from another file) | skipped (nothing loaded)"),
            Column("reason", _S, True, "why the file was skipped, partial or a duplicate; null when loaded"),
            Column("format", _S, True, "txt | html | docx | xlsx | pdf; null when the file could not be read"),
            Column("encoding", _S, True, "encoding of a txt/html file, `n/a` for docx/xlsx/pdf; null when it could not be read"),
            Column("n_documents", _I, False, "documents loaded from the file (duplicates not counted)"),
            Column("n_items", _I, False, "items of those documents"),
            Column("duplicate_of", _S, True, "the file whose copy was kept, for a file with duplicate documents (`；`-joined when several)"),
            Column("warnings", _LS, False, "everything worth a look: skipped parts, documents without items, duplicates dropped, automatic numbering, overrides applied"),
        ],
    ),
    "items": (
        "One row per plan item (every leaf of the plan hierarchy), in document order.",
        [
            Column("doc_id", _S, False, "document id (documents.doc_id)"),
            Column("item_id", _S, False, "unique within the document: the path of numerals, e.g. `四/（三）/七`"),
            Column("seq", _I, False, "1-based position of the item in its document"),
            Column("province", _S, False, "copied from documents for convenience"),
            Column("year", _I, False, "copied from documents for convenience"),
            Column("doc_type", _S, False, "copied from documents for convenience"),
            Column("section_no", _S, True, "一、 level numeral alone, e.g. 三"),
            Column("section_title", _S, True, "一、 level title without its numeral"),
            Column("subsection_no", _S, True, "（一） level numeral alone, e.g. 二, when present"),
            Column("subsection_title", _S, True, "（一） level title, when present"),
            Column("marker", _S, False, "the item marker as written: `1.`, `1、`, `一是`, `——`, `（一）`"),
            Column("heading", _S, False, "the item's short title without its marker, e.g. 加强思想政治引领"),
            Column("text", _S, False, "the whole item, heading included, without the 责任部门 note"),
            Column("departments", _LS, False, "responsible departments from （责任部门：…）, in order"),
            Column("n_chars", _I, False, "characters in text"),
            Column("n_masked", _I, False, "masked words (runs of *) in text"),
        ],
    ),
    "targets": (
        "One row per quantitative target found in an item.",
        [
            Column("doc_id", _S, False, "document id"),
            Column("item_id", _S, False, "item id within the document"),
            Column("phrase", _S, False, "the quantity as written, e.g. 不少于200万人次"),
            Column("value", _F, False, "the number, 万/亿 multiplied out (3万人 -> 30000)"),
            Column("value_high", _F, True, "upper end of a range (3-5家 -> 5), else null"),
            Column("unit", _S, False, "measure word: 场, 个, 人, 人次, 家, 条, 期, 名, 项, 所, %, …"),
            Column("qualifier", _S, True, "不少于, 以上, 左右, 多, 超过, 力争, … or null"),
            Column("object", _S, True, "the thing counted, as written without quote marks (举办科普活动不少于50场 -> 科普活动; 新建企业科协20家 -> 企业科协); null when none is found (rule: `compare.ingest.targets`)"),
            Column("basis", _S, True, "新增 (an increase: 新建, 新增, 新培训, …) | 总量 (a level reached: 总量, 累计, 达到, 共) | null (a count of the year's activity)"),
        ],
    ),
    "item_themes": (
        "One row per item: its primary theme, a score per theme, and its keyword cluster.",
        [
            Column("doc_id", _S, False, "document id"),
            Column("item_id", _S, False, "item id"),
            Column("theme", _S, False, "primary theme (highest score)"),
            # one float64 column `score_<theme>` per theme is added dynamically (see THEME_SCORE_PREFIX)
            Column("cluster", _I, False, "id of the item's TF-IDF cluster (clusters.cluster)"),
            Column("runner_up", _S, True, "second-highest theme (null with a one-theme dictionary)"),
            Column("runner_up_score", _F, True, "its score"),
            Column("margin", _F, False, "primary score - runner-up score"),
            Column("low_confidence", _B, False, "margin below the documented threshold (docs: Themes, `LOW_CONFIDENCE_MARGIN`): a reader could place the item either way"),
            Column("evidence", _LS, False, "the primary theme's keywords found in the item, heaviest first, then the TF-IDF terms that tie it most to the theme, as written"),
            Column("model_version", _S, False, "version of the saved theme model that scored the item (`data/processed/theme_model/`), e.g. v1"),
        ],
    ),
    "theme_revisions": (
        "Items whose primary theme changed when the theme model was refitted (`themes --refit` or a changed dictionary); appended at every refit.",
        [
            Column("doc_id", _S, False, "document id"),
            Column("item_id", _S, False, "item id"),
            Column("old_theme", _S, False, "primary theme before the refit"),
            Column("new_theme", _S, False, "primary theme after the refit"),
            Column("old_score", _F, True, "score of the old theme before (null when the old table had no such score)"),
            Column("new_score", _F, False, "score of the new theme after"),
            Column("old_model_version", _S, True, "model that gave the old theme (null: a table from before saved models)"),
            Column("new_model_version", _S, False, "the refitted model"),
            Column("reason", _S, False, "refit requested | dictionary changed | saved model unreadable | no saved model (the old table predates saved models)"),
        ],
    ),
    "theme_shares": (
        "Theme shares per province, year and document type.",
        [
            Column("province", _S, False, "province"),
            Column("year", _I, False, "plan year"),
            Column("doc_type", _S, False, "document type"),
            Column("theme", _S, False, "theme"),
            Column("n_items", _I, False, "items whose primary theme is this theme"),
            Column("share_items", _F, False, "n_items / items in the group"),
            Column("share_chars", _F, False, "characters of those items / characters in the group"),
        ],
    ),
    "clusters": (
        "One row per TF-IDF item cluster.",
        [
            Column("cluster", _I, False, "cluster id"),
            Column("top_terms", _LS, False, "highest-weighted terms of the cluster centroid"),
            Column("theme", _S, False, "theme whose centroid is nearest"),
            Column("size", _I, False, "items in the cluster"),
        ],
    ),
    "item_instruments": (
        "One row per item (every leaf of the plan, 一是… sub-items included): its policy instrument, a tool of the codebook `data/instruments.toml` and that tool's type (docs: Policy instruments).",
        [
            Column("doc_id", _S, False, "document id"),
            Column("item_id", _S, False, "item id"),
            Column("code", _S, False, "文件-章节-条目 as coding tables print it, e.g. `3-4-3-7`: the document's number in the file-number registry `file_numbers.json` (given once, in the documents' order at the first coding, the next free number to a plan added later, never reused), then the numbers of the item's path (四/（三）/七 -> 4-3-7): adding a plan never changes an existing code"),
            Column("type", _S, False, "instrument type: 供给型 | 环境型 | 需求型 (the codebook's types, in its order)"),
            Column("tool", _S, False, "instrument tool of that type, e.g. 人才培养, 基础设施, 组织建设, 示范试点 (the codebook's tools)"),
            Column("score", _F, False, "the tool's weighted evidence: strong words 3, keywords 1, x2 in the heading (0 when the fallback model decided)"),
            Column("runner_up", _S, True, "the tool with the next-highest score; null when only one tool had evidence"),
            Column("runner_up_score", _F, True, "its score"),
            Column("margin", _F, False, "score - runner_up_score (score when there is no runner-up; 0 for the model)"),
            Column("evidence", _LS, False, "the words of the winning tool found in the item, heaviest first: the words that decided"),
            Column("low_confidence", _B, False, "margin below `low_confidence_margin` of the score, or no codebook word at all (method `model`): worth a reader's look"),
            Column("method", _S, False, "lexicon (codebook words decided) | model (no codebook word: the nearest tool profile of the saved model)"),
            Column("model_version", _S, False, "version of the saved instrument model that coded the item (`data/processed/instrument_model/`), e.g. v1"),
        ],
    ),
    "instrument_revisions": (
        "Items whose instrument tool changed when the instrument model was refitted (`instruments --refit` or a changed codebook); appended at every refit.",
        [
            Column("doc_id", _S, False, "document id"),
            Column("item_id", _S, False, "item id"),
            Column("old_type", _S, False, "type before the refit"),
            Column("old_tool", _S, False, "tool before the refit"),
            Column("new_type", _S, False, "type after the refit"),
            Column("new_tool", _S, False, "tool after the refit"),
            Column("old_model_version", _S, True, "model that gave the old coding"),
            Column("new_model_version", _S, False, "the refitted model"),
            Column("reason", _S, False, "refit requested | codebook changed | saved model unreadable"),
        ],
    ),
    "item_links": (
        "Item continuity between two plans of one issuer and type (province, level, city, department: `python -m compare track`): one row per link, new item or dropped item.",
        [
            Column("province", _S, False, "province"),
            Column("level", _S, False, f"{_LEVELS_DOC} (documents.level)"),
            Column("city", _S, True, "the city or county of both plans of a 市级/县级 chain (documents.city); null for other levels"),
            Column("doc_type", _S, False, "document type of both plans"),
            Column("department", _S, True, "the department that issued both plans (documents.department); null for the association's own plans"),
            Column("year_from", _I, False, "the earlier plan's year"),
            Column("year_to", _I, False, "the later plan's year"),
            Column("doc_from", _S, False, "the earlier plan's doc_id"),
            Column("doc_to", _S, False, "the later plan's doc_id"),
            Column("item_from", _S, True, "item of the earlier plan; null for a new item"),
            Column("item_to", _S, True, "item of the later plan; null for a dropped item"),
            Column("status", _S, False, "continued | merged (several earlier items in one) | split (one in several) | new | dropped"),
            Column("similarity", _F, False, "0-1 similarity of the linked items; for new/dropped the best similarity to any item of the other plan"),
            Column("shared_terms", _LS, False, "content words both items use, rarest in the province's plans first (at most 5)"),
        ],
    ),
    "target_series": (
        "Numeric promises followed across plans: targets with the same object and unit in two or more plan years of one issuer (province, level, city) and type.",
        [
            Column("province", _S, False, "province"),
            Column("level", _S, False, _LEVELS_DOC),
            Column("city", _S, True, "the city or county of a 市级/县级 plan's series (documents.city); null for other levels"),
            Column("doc_type", _S, False, "document type"),
            Column("series", _S, False, "the series: the latest plan's object and the unit, e.g. 一市一品产业技术发展大会（场）"),
            Column("object", _S, False, "the thing counted as this plan words it (targets.object)"),
            Column("unit", _S, False, "measure word"),
            Column("year", _I, False, "plan year"),
            Column("doc_id", _S, False, "document id"),
            Column("item_id", _S, False, "item id"),
            Column("phrase", _S, False, "the quantity as written"),
            Column("value", _F, False, "the number (targets.value)"),
            Column("value_high", _F, True, "upper end of a range, else null"),
            Column("qualifier", _S, True, "不少于, 以上, 力争, … or null"),
            Column("n_years", _I, False, "plan years in the series"),
            Column("change", _F, True, "value / the previous plan year's value - 1 (0.5 = half as much again); null in the first year"),
        ],
    ),
    "item_strength": (
        "Commitment strength of each item, from the commitment words of its own text (lexicon `data/commitment.toml`).",
        [
            Column("doc_id", _S, False, "document id"),
            Column("item_id", _S, False, "item id"),
            Column("province", _S, False, "province"),
            Column("level", _S, False, _LEVELS_DOC),
            Column("year", _I, False, "plan year"),
            Column("doc_type", _S, False, "document type"),
            Column("score", _F, True, "0 (tentative) - 1 (strong): weighted mean of the words found; null when none"),
            Column("strength", _S, False, "strong | moderate | tentative | none (no commitment word)"),
            Column("n_strong", _I, False, "strong words found (坚决, 确保, 大力, …)"),
            Column("n_moderate", _I, False, "moderate words found (积极, 持续, 进一步, …)"),
            Column("n_tentative", _I, False, "tentative words found (探索, 鼓励, 试点, 争取, …)"),
            Column("evidence", _LS, False, "the words found, in text order (the heading's count twice in the score)"),
            Column("negated", _LS, False, "commitment words cancelled by a negation before them (不, 未, 不再, …)"),
        ],
    ),
}

THEME_SCORE_PREFIX = "score_"


def columns(name: str) -> list[Column]:
    return TABLES[name][1]


def column_names(name: str) -> list[str]:
    return [c.name for c in columns(name)]


def arrow_schema(name: str, df: pd.DataFrame | None = None) -> pa.Schema:
    """The Arrow schema of a table. For item_themes the dynamic `score_*` columns are taken from df."""
    import pyarrow as pa

    fields = [pa.field(c.name, c.type, nullable=c.nullable) for c in columns(name)]
    if name == "item_themes" and df is not None:
        scores = [c for c in df.columns if c.startswith(THEME_SCORE_PREFIX)]
        fields[3:3] = [pa.field(c, pa.float64(), nullable=False) for c in scores]
    return pa.schema(fields)


def validate(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Check that df has exactly the contract's columns (in order) and no nulls where none are allowed.

    Returns df with columns in contract order. Raises SchemaError (a CompareError and a ValueError)
    naming the table and the first bad column.
    """
    from compare.core.errors import SchemaError

    schema = arrow_schema(name, df)
    expected = schema.names
    missing = [c for c in expected if c not in df.columns]
    extra = [c for c in df.columns if c not in expected]
    if missing or extra:
        raise SchemaError(f"table {name!r}: missing columns {missing}, unexpected columns {extra}",
                          table=name, column=(missing or extra)[0])
    df = df[expected]
    for f in schema:
        if not f.nullable and df[f.name].isna().any():
            raise SchemaError(f"table {name!r}: column {f.name!r} has nulls but the contract forbids them",
                              table=name, column=f.name)
    return df


def empty(name: str) -> pd.DataFrame:
    """An empty DataFrame with the table's columns and dtypes."""
    return arrow_schema(name).empty_table().to_pandas()


def markdown(name: str) -> str:
    """The description of one table in docs/tables.md: a line and a Markdown table of its columns.

    A `|` inside a column's meaning (`全国 | 省级`) is escaped so that it stays in its cell.
    """
    desc, cols = TABLES[name]
    lines = [f"**`{name}`**: {desc}", "", "| column | type | null | meaning |", "|---|---|---|---|"]
    for c in cols:
        meaning = c.doc.replace("|", "\\|")
        lines.append(f"| `{c.name}` | {c.type} | {'yes' if c.nullable else 'no'} | {meaning} |")
    return "\n".join(lines)
