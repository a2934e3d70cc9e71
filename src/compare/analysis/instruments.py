"""Policy instruments: with which instruments (供给型 supply, 环境型 environment, 需求型 demand, and their
tools) the compared plans act, crossed with their themes, and how that changes over the years.

Every function counts items of the table ``item_instruments`` (one row per item, sub-items included:
each item is coded with exactly one tool and so one type), over the plans of one document type and
one level by default, as the theme shares do (:func:`compare.analysis.like_with_like`): a share is
the part of one group's coded items, never a sum over unlike plans. Types and tools follow the
codebook's order (``data/instruments.toml``); a tool of the codebook without items in a group shows
as 0, so that every group's shares add up to 1.

>>> from compare.analysis.examples import example_corpus
>>> s = instrument_shares(example_corpus(), by="province")
>>> s[["province", "type", "n_items", "share"]].values.tolist()[:3]
[['河南', '供给型', 3, 0.6], ['河南', '环境型', 2, 0.4], ['河南', '需求型', 0, 0.0]]
"""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from compare.analysis._common import _check_columns, _safe_div, corpus_first
from compare.analysis.corpus import Corpus, comparable
from compare.analysis.selection import DEFAULT_DOC_TYPE, DEFAULT_LEVEL, validate_selection
from compare.core.errors import CompareError, EmptyCorpusError, ParameterError

__all__ = [
    "INSTRUMENT_CHANGE_COLUMNS",
    "INSTRUMENT_UNITS",
    "CODING_TABLE_COLUMNS",
    "instrument_changes",
    "instrument_coding_table",
    "instrument_shares",
    "instrument_theme_matrix",
    "instrument_vocabulary",
    "items_coded",
]

#: what an instrument count is of: the three types, or the tools of the codebook (each with its type)
INSTRUMENT_UNITS = ("type", "tool")
INSTRUMENT_CHANGE_COLUMNS = ["province", "year", "type", "tool", "n_items", "share", "delta"]
#: the coding table of policy-instrument studies (政策工具编码表), as the workbook and the brief print it
CODING_TABLE_COLUMNS = ["code", "doc_id", "province", "year", "doc_type", "item_id", "heading", "type", "tool",
                        "runner_up", "theme", "evidence", "low_confidence"]


def instrument_vocabulary(corpus: Corpus | None = None) -> tuple[list[str], dict[str, str]]:
    """(types in order, {tool: its type} in order): the project's codebook's (the one kexie.toml names,
    else the packaged one: ``compare.text.codebook.configured_codebook``), or,
    when the corpus was coded with tools the packaged codebook lacks (an analyst's own codebook),
    the types and tools of the corpus's coding in codebook-then-first-seen order.

    >>> types, tools = instrument_vocabulary()
    >>> types, tools["人才培养"], tools["示范试点"]
    (['供给型', '环境型', '需求型'], '供给型', '需求型')
    """
    from compare.text.codebook import configured_codebook

    book = configured_codebook()
    types, tools = list(book.types), dict(book.tool_type())
    coded = corpus.item_instruments if corpus is not None else pd.DataFrame()
    if len(coded) and {"type", "tool"} <= set(coded.columns):
        seen = dict(zip(coded["tool"].astype(str), coded["type"].astype(str)))
        if any(tools.get(t) != ty for t, ty in seen.items()):  # another codebook coded these items
            seen_types = list(dict.fromkeys(coded["type"].astype(str)))
            types = [t for t in types if t in seen_types] + [t for t in seen_types if t not in types]
            order = {t: i for i, t in enumerate(types)}
            tools = dict(sorted(seen.items(), key=lambda kv: order[kv[1]]))
    return types, tools


def items_coded(corpus: Corpus) -> pd.DataFrame:
    """The corpus's items (same rows, same order) with their instrument columns (type, tool, code,
    score, runner_up, evidence, low_confidence …) and, when the corpus has themes, their theme.

    Raises EmptyCorpusError when the items have no instrument coding, and CompareError when the
    coding does not match the items (stale tables: run ``python -m compare instruments``).

    >>> from compare.analysis.examples import example_corpus
    >>> items_coded(example_corpus())[["heading", "theme", "type", "tool"]].head(2).values.tolist()
    [['开展全国科普日活动50场', '科普', '供给型', '公共服务'], ['加强党建引领', '党建', '环境型', '组织建设']]
    """
    if not corpus.has_instruments:
        raise EmptyCorpusError("the corpus has no policy-instrument coding (item_instruments is empty): "
                               "run `python -m compare build` (or `instruments`) first")
    base = corpus.items_themed if corpus.has_themes else corpus.items
    coded = corpus.item_instruments
    extra = [c for c in coded.columns if c not in ("doc_id", "item_id") and c not in base.columns]
    merged = base.merge(coded[["doc_id", "item_id", *extra]], on=["doc_id", "item_id"], how="left",
                        validate="one_to_one", indicator=True)
    missing = merged[merged["_merge"] != "both"]
    orphans = len(coded) - int((merged["_merge"] == "both").sum())
    if len(missing) or orphans:
        example = ", ".join(f"{d} {i}" for d, i in missing[["doc_id", "item_id"]].head(3).itertuples(index=False))
        raise CompareError(f"item_instruments does not match items: {len(missing)} items have no instrument"
                           + (f" (e.g. {example})" if example else "")
                           + f" and {orphans} instrument rows name no item; run `python -m compare instruments`")
    return merged.drop(columns="_merge")


def _unit(unit: str) -> list[str]:
    if unit not in INSTRUMENT_UNITS:
        raise ParameterError(f"unit must be one of {list(INSTRUMENT_UNITS)}, not {unit!r}")
    return ["type"] if unit == "type" else ["type", "tool"]


def _instrument_grid(corpus: Corpus, unit: str) -> pd.DataFrame:
    """Every instrument of the vocabulary, in order: a frame with `type` (and `tool`)."""
    types, tools = instrument_vocabulary(corpus)
    if unit == "type":
        return pd.DataFrame({"type": types})
    return pd.DataFrame({"type": list(tools.values()), "tool": list(tools)})


def _selected_items(corpus: Corpus, themes, by: list[str]) -> pd.DataFrame:
    """Coded items (with the documents columns `by` names) of the given themes."""
    df = corpus.with_document_columns(items_coded(corpus), by)
    if themes is not None:
        chosen = validate_selection(corpus, themes=themes)["themes"]
        df = df[df["theme"].isin(chosen)]
    return df


def _counts(df: pd.DataFrame, grid: pd.DataFrame, by: list[str], keys: list[str]) -> pd.DataFrame:
    """n_items of every group × every row of grid (zeros included) and its share within the group."""
    groups = df[by].drop_duplicates().sort_values(by, kind="mergesort").reset_index(drop=True) if by \
        else pd.DataFrame(index=[0])
    full = groups.merge(grid, how="cross")
    counts = df.groupby([*by, *keys], sort=False, dropna=False).size().rename("n_items").reset_index()
    out = full.merge(counts, on=[*by, *keys], how="left")
    out["n_items"] = out["n_items"].fillna(0).astype("int64")
    totals = out.groupby(by, sort=False, dropna=False)["n_items"].transform("sum") if by else out["n_items"].sum()
    out["share"] = _safe_div(out["n_items"], totals)
    return out


def instrument_shares(
    corpus: Corpus,
    *,
    by: str | Sequence[str] = ("province",),
    unit: str = "type",
    themes: str | Sequence[str] | None = None,
    doc_types: str | Sequence[str] | None = DEFAULT_DOC_TYPE,
    levels: str | Sequence[str] | None = DEFAULT_LEVEL,
    include_departments: bool = False,
) -> pd.DataFrame:
    """Instrument structure per group: columns *by, type (, tool), n_items, share.

    unit="type" counts the three types, unit="tool" the tools (each row names its type too); share
    is the part of the group's coded items, so the shares of a group add up to 1 (every type or tool
    of the codebook appears, zeros included). Groups (`by`: items or documents columns, e.g.
    province, year, doc_type, level, city) are sorted; instruments follow the codebook. `themes`
    keeps the items of those themes (the instrument structure of the 科普 work, say).
    doc_types / levels / include_departments choose the plans compared (default: the 工作要点 of
    provincial associations, see :func:`compare.analysis.like_with_like`); to compare several types
    or levels, put ``doc_type`` or ``level`` in `by` so that each is its own group.

    >>> from compare.analysis.examples import example_corpus
    >>> s = instrument_shares(example_corpus(), by=("province", "year"), unit="tool")
    >>> s[(s.province == "河南") & (s.n_items > 0)].round(3)[["year", "tool", "n_items", "share"]].values.tolist()
    [[2019, '基础设施', 1, 0.333], [2019, '公共服务', 1, 0.333], [2019, '组织建设', 1, 0.333], [2024, '公共服务', 1, 0.5], [2024, '目标规划', 1, 0.5]]
    """
    keys = _unit(unit)
    corpus = comparable(corpus, doc_types=doc_types, levels=levels, include_departments=include_departments)
    by = [by] if isinstance(by, str) else list(by)
    df = _selected_items(corpus, themes, by)
    by = _check_columns(df, by, "instrument_shares(by=...)")
    out = _counts(df, _instrument_grid(corpus, unit), by, keys)
    return out[[*by, *keys, "n_items", "share"]].reset_index(drop=True)


def instrument_theme_matrix(
    corpus: Corpus,
    *,
    unit: str = "type",
    by: str | Sequence[str] = (),
    doc_types: str | Sequence[str] | None = DEFAULT_DOC_TYPE,
    levels: str | Sequence[str] | None = DEFAULT_LEVEL,
    include_departments: bool = False,
) -> pd.DataFrame:
    """The X × Y table of policy-instrument studies: instrument (type, or tool with its type) × theme,
    as counts and shares: columns *by, type (, tool), theme, n_items, share, share_of_theme,
    share_of_instrument.

    Every instrument × every theme, zeros included. `share` is the cell's part of all coded items
    (of the group, with `by`); `share_of_theme` its part of the theme's items (a column adds up to
    1: how the 科普 work is done), `share_of_instrument` its part of the instrument's items (a row
    adds up to 1: what the supply tools are used for). Rows: instruments in codebook order, themes
    in dictionary order. doc_types / levels / include_departments as in :func:`instrument_shares`.

    >>> from compare.analysis.examples import example_corpus
    >>> m = instrument_theme_matrix(example_corpus())
    >>> m[m.n_items > 0].round(3)[["type", "theme", "n_items", "share", "share_of_instrument"]].values.tolist()
    [['供给型', '科普', 3, 0.429, 1.0], ['环境型', '党建', 3, 0.429, 0.75], ['环境型', '智库', 1, 0.143, 0.25]]
    """
    keys = _unit(unit)
    corpus = comparable(corpus, doc_types=doc_types, levels=levels, include_departments=include_departments)
    if not corpus.has_themes:
        raise EmptyCorpusError("instrument_theme_matrix needs the items' themes: run `python -m compare themes` first")
    by = [by] if isinstance(by, str) else list(by)
    df = _selected_items(corpus, None, by)
    by = _check_columns(df, by, "instrument_theme_matrix(by=...)")
    grid = _instrument_grid(corpus, unit).merge(pd.DataFrame({"theme": corpus.themes}), how="cross")
    out = _counts(df, grid, by, [*keys, "theme"])
    out["share_of_theme"] = _safe_div(out["n_items"], out.groupby([*by, "theme"], sort=False)["n_items"]
                                      .transform("sum"))
    out["share_of_instrument"] = _safe_div(out["n_items"], out.groupby([*by, *keys], sort=False)["n_items"]
                                           .transform("sum"))
    return out[[*by, *keys, "theme", "n_items", "share", "share_of_theme", "share_of_instrument"]] \
        .reset_index(drop=True)


def instrument_changes(
    corpus: Corpus,
    *,
    provinces: str | Sequence[str] | None = None,
    years: int | str | Sequence[int] | None = None,
    unit: str = "tool",
    doc_types: str | Sequence[str] | None = DEFAULT_DOC_TYPE,
    levels: str | Sequence[str] | None = DEFAULT_LEVEL,
    include_departments: bool = False,
) -> pd.DataFrame:
    """Instrument shares of each province's plans year by year, and their change from the province's
    previous plan year: columns province, year, type, tool, n_items, share, delta (tool is the type
    itself with unit="type"; delta is NaN at a province's first year: nothing to compare with).

    Only plans of one document type and level are compared (default 工作要点, 省级), so a year's
    special plan never reads as a change of instruments; a year without such a plan, or whose plan
    gave no items, has no rows and is not a comparison partner. `provinces` / `years` choose whose
    plans and which years (any written form, e.g. 豫, "2024年").

    >>> from compare.analysis.examples import example_corpus
    >>> c = instrument_changes(example_corpus(), provinces="河南", unit="type")
    >>> c[c.year == 2024][["type", "share", "delta"]].round(3).values.tolist()
    [['供给型', 0.5, -0.167], ['环境型', 0.5, 0.167], ['需求型', 0.0, 0.0]]
    """
    keys = _unit(unit)
    sel = validate_selection(corpus, provinces=provinces, years=years)
    if sel["provinces"] is not None or sel["years"] is not None:
        corpus = corpus.select(provinces=sel["provinces"], years=sel["years"])
    shares = instrument_shares(corpus, by=("province", "year"), unit=unit, doc_types=doc_types, levels=levels,
                               include_departments=include_departments)
    if unit == "type":
        shares["tool"] = shares["type"]
    shares = shares.sort_values(["province", "year"], kind="mergesort")
    shares["delta"] = shares.groupby(["province", *keys], sort=False)["share"].diff()
    shares = shares.sort_values(["province", "year"], kind="mergesort")  # instrument order kept within a year
    return shares[INSTRUMENT_CHANGE_COLUMNS].reset_index(drop=True)


@corpus_first(lambda item_instruments, items, documents, item_themes=None:
              _coding_table(item_instruments, items, documents, item_themes))
def instrument_coding_table(corpus: Corpus) -> pd.DataFrame:
    """The coding table (政策工具编码表) of policy-instrument studies: one row per coded item, in the
    order of the documents and of the items in them: code (文件-章节-条目), doc_id, province, year,
    doc_type, item_id, heading, type, tool, runner_up (the tool with the next-highest score: what a
    reviewer of a close call weighs it against), theme (empty without themes), evidence (the words that
    decided, joined with 、), low_confidence. Its columns are item_instruments' (label them with
    ``compare.core.labels`` as that table: runner_up reads 次选工具).

    >>> from compare.analysis.examples import example_corpus
    >>> t = instrument_coding_table(example_corpus())
    >>> t[["code", "heading", "type", "tool", "theme", "evidence"]].head(2).values.tolist()
    [['1-1-1', '开展全国科普日活动50场', '供给型', '公共服务', '科普', '科普日活动'], ['1-1-2', '加强党建引领', '环境型', '组织建设', '党建', '党建引领']]
    """
    return _coding_table(corpus.item_instruments, corpus.items, corpus.documents, corpus.item_themes)


def _coding_table(item_instruments: pd.DataFrame, items: pd.DataFrame, documents: pd.DataFrame,
                  item_themes: pd.DataFrame | None = None) -> pd.DataFrame:
    """instrument_coding_table on the tables themselves (as read from disk: the workbook's sheet)."""
    docs = documents[["doc_id", "province", "year", "doc_type"]].reset_index(drop=True)
    doc_order = {d: i for i, d in enumerate(docs["doc_id"])}
    base = items[["doc_id", "item_id", "heading"]].copy()
    base["_doc"] = base["doc_id"].map(doc_order)
    base["_pos"] = range(len(base))
    coded = item_instruments.drop(columns=[c for c in ("heading",) if c in item_instruments.columns])
    out = coded.merge(base, on=["doc_id", "item_id"], how="inner").merge(docs, on="doc_id", how="left")
    if item_themes is not None and len(item_themes) and "theme" in item_themes.columns:
        out = out.merge(item_themes[["doc_id", "item_id", "theme"]], on=["doc_id", "item_id"], how="left")
    else:
        out["theme"] = None
    out["evidence"] = out["evidence"].map(
        lambda v: "、".join(map(str, v)) if v is not None and not isinstance(v, str) and hasattr(v, "__iter__")
        else ("" if v is None else str(v)))
    out = out.sort_values(["_doc", "_pos"], kind="mergesort")
    return out[CODING_TABLE_COLUMNS].reset_index(drop=True)
