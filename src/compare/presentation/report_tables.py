"""The reports' own blocks: the provenance header, what is compared (type, level, missing
province-years), documents, targets, slogans, distinctive terms, items with their evidence, commitment
strength — each a table or HTML block readable at national scale. Notebooks use these through
:mod:`compare.presentation.display`.
"""
from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from compare import __version__
from compare.core.vocab import DEFAULT_DOC_TYPE, DEFAULT_LEVEL
from compare.presentation.blocks import HTMLBlock, _cell_text, generated_at, heading, table
from compare.presentation.coverage import _left_out, coverage_text, no_items_plans  # noqa: F401  (re-exported)
from compare.presentation.style import source_line


def _fmt_value(value: Any) -> str:
    if value is None:
        return "全部"
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value) if value else "（空）"
    return str(value)


def header(
    title: str,
    *,
    parameters: Mapping[str, Any],
    processed_dir: str | Path,
    selection: Any = None,
    documents: pd.DataFrame | None = None,
    corpus: Any = None,
    inputs: Mapping[str, str] | None = None,
) -> HTMLBlock:
    """The report's title and provenance: parameters, what is compared (type, level, provinces, years,
    themes), data version (sha256 of the processed tables and of each raw file behind the documents
    shown), the theme model version, code version and generation time. corpus: the documents shown
    (its documents and item themes), instead of documents. inputs: the report's own inputs (label ->
    text, e.g. the digest of its province's rows and the saved reference it quotes), shown as its
    data version instead of the hashes of the whole tables (a province report does not change when
    another province's plan is added)."""
    from compare.core.hashing import code_version, table_hashes

    e = html.escape
    if corpus is not None and documents is None:
        documents = corpus.documents
    rows = [("参数", "；".join(f"{e(k)} = {e(_fmt_value(v))}" for k, v in parameters.items() if k != "processed_dir"))]
    if selection is not None:
        rows.append(
            (
                "实际范围",
                f"省份：{e('、'.join(selection.provinces))}；年份：{e('、'.join(map(str, selection.years)))}；"
                f"主题：{e('、'.join(selection.themes))}；文件类型：{e(selection.doc_type)}；级别：{e(selection.level)}",
            )
        )
    if inputs is not None:
        rows += [(e(label), e(text)) for label, text in inputs.items()]
    else:
        hashes = table_hashes(processed_dir)
        rows.append(("数据版本", "<br>".join(f"{e(n)}.parquet sha256 <code>{e(h[:16])}</code>" for n, h in hashes.items())))
    if documents is not None and len(documents) and {"source_file", "source_sha256"} <= set(documents.columns):
        files = documents[["source_file", "source_sha256"]].drop_duplicates().sort_values("source_file")
        rows.append(
            (
                "原始文件",
                "<br>".join(f"{e(str(f))} sha256 <code>{e(str(h)[:16])}</code>" for f, h in files.itertuples(index=False)),
            )
        )
    version = theme_model_version(corpus) if corpus is not None else None
    if version:
        rows.append(("主题模型版本", e(version)))
    rows.append(("代码版本", f"kexie-compare {e(__version__)}，源码 sha256 <code>{e(code_version()[:16])}</code>"))
    rows.append(("生成时间", e(generated_at())))
    trs = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    # the charts' source line: 数据来源：各省科协<type>（<level>）
    source = (source_line(doc_type=selection.doc_type, level=selection.level) if selection is not None
              else source_line())
    return HTMLBlock(
        f'<div class="kx-header"><h1>{e(title)}</h1><p class="kx-source">{e(source)}</p>'
        f'<table class="kx-meta">{trs}</table></div>'
    )


def coverage(plans, compared, selection: Any, *, defaulted: bool = False, max_listed: int = 12) -> HTMLBlock:
    """What a report compares, as a note (:func:`compare.presentation.coverage.coverage_text`).

    >>> from compare.analysis.examples import example_corpus
    >>> from compare.pipeline import params  # (notebooks import both; presentation never imports pipeline)
    >>> from compare.presentation.blocks import page_note
    >>> corpus = example_corpus()
    >>> sel = params.select(corpus, province="河南")
    >>> print(page_note(coverage(corpus.select(provinces="河南"), params.compared(corpus, sel), sel)))
    本报告只比较工作要点（省级）：2019、2024 年。市、县级和部门文件不计入。同年另有、不计入的文件：2024 年重点工作（重点工作的条目重复同年工作要点的标题，只计工作要点，以免重复计算）。
    """
    text = coverage_text(plans, compared, selection, defaulted=defaulted, max_listed=max_listed)
    return HTMLBlock(f'<p class="kx-note kx-scope">{html.escape(text)}</p>')


def missing_plan_rows(shares: pd.DataFrame, plans, compared, *, max_rows: int | None = None) -> pd.DataFrame:
    """A theme_share_matrix by (province, year) with an empty row (share NaN) for every province-year of
    `plans` that has no compared plan, so a heatmap shows it as missing instead of leaving it out; the
    rows stay in province, year order. Not when the result would exceed max_rows (a chart then keeps
    each province's latest year, which must be a real plan).

    >>> m = pd.DataFrame({"province": ["河南"], "year": [2019], "theme": ["科普"], "share": [0.5]})
    >>> from compare.analysis.examples import example_corpus
    >>> corpus = example_corpus()
    >>> missing_plan_rows(m, corpus, corpus.select(doc_ids=["henan-2019-gzyd"]))[["province", "year", "share"]]
      province  year  share
    0       河南  2019    0.5
    1       河南  2024    NaN
    2       湖北  2019    NaN
    """
    have = set(zip(compared.documents["province"].astype(str), compared.documents["year"].astype(int)))
    gaps = sorted(({(str(p), int(y)) for p, y in zip(plans.documents["province"], plans.documents["year"])} - have)
                  | set(no_items_plans(compared)))  # a plan without items is missing too
    n_rows = len(shares[["province", "year"]].drop_duplicates()) + len(gaps) if len(shares) else 0
    if not gaps or not len(shares) or (max_rows is not None and n_rows > max_rows):
        return shares
    themes = list(dict.fromkeys(shares["theme"]))
    empty = pd.DataFrame([(p, y, t) for p, y in gaps for t in themes], columns=["province", "year", "theme"])
    out = pd.concat([shares, empty.astype({"year": shares["year"].dtype})], ignore_index=True)
    order = {t: i for i, t in enumerate(themes)}
    return out.sort_values(["province", "year", "theme"], key=lambda c: c.map(order) if c.name == "theme" else c,
                           kind="mergesort").reset_index(drop=True)


def strength_table(profile: pd.DataFrame, *, caption: str | None = None) -> HTMLBlock:
    """A ``strength_profile`` frame for reading: shares of strong / moderate / tentative / no
    commitment words as percentages, the mean score and the most used words."""
    shares = [c for c in profile.columns if c.startswith("share_")]
    return table(profile, percent=shares, caption=caption, empty="所选文件中没有条目。")


def theme_model_version(corpus) -> str | None:
    """The theme model version(s) behind the corpus' item themes (item_themes.model_version), or None
    when the tables predate saved theme models."""
    it = corpus.item_themes
    if "model_version" not in it.columns:
        return None
    versions = sorted({str(v) for v in it["model_version"].dropna()})
    return "、".join(versions) or None


def items_by_theme(corpus, themes: Sequence[str] | None = None, *, max_items: int | None = None) -> HTMLBlock:
    """For each theme, a heading with the item count and a table of its items with their full text,
    and (when item_themes has it) the evidence behind the theme: the dictionary keywords and strongest
    terms found in the item, marked when the decision was close (low_confidence)."""
    df = corpus.items_themed
    themes = list(themes) if themes is not None else list(corpus.themes)
    parts = []
    cols = ["year", "doc_type", "item_id", "text", "departments"]
    if "evidence" in df.columns:
        df = df.assign(evidence=df["evidence"].map(_cell_text))
        if "low_confidence" in df.columns:
            close = df["low_confidence"].fillna(False).astype(bool)
            df.loc[close, "evidence"] = df.loc[close, "evidence"].astype(str) + "（判断接近，仅供参考）"
        cols.append("evidence")
    for theme in themes:
        sub = df[df["theme"] == theme].sort_values(["year", "doc_id", "seq"], kind="mergesort")
        parts.append(heading(f"{theme}（{len(sub)} 条）", 3).html)
        # headers from compare.core.labels: the reports' names of item_themes' columns (判断依据 for evidence)
        parts.append(table(sub[cols], max_rows=max_items, empty="本主题没有条目。", source="item_themes").html)
    return HTMLBlock("".join(parts))


#: more issuers than this are named "… 等 n 家" in a title
_MAX_ISSUERS = 3


def _short_issuer(name: str) -> str:
    """长沙市科学技术协会 -> 长沙市科协 (the usual short name of an association)."""
    return str(name).replace("科学技术协会", "科协").strip()


def _issuers(documents: pd.DataFrame | None) -> list[str]:
    """The short names of the documents' issuers, in order of first appearance: the issuer column, else
    the city (or county) + 科协; a department's plan is its association's department."""
    if documents is None or len(documents) == 0:
        return []
    out: list[str] = []
    for row in documents.itertuples(index=False):
        issuer = getattr(row, "issuer", None)
        city = getattr(row, "city", None)
        name = _short_issuer(issuer) if isinstance(issuer, str) and issuer.strip() else (
            f"{city}科协" if isinstance(city, str) and city.strip() else "")
        department = getattr(row, "department", None)
        if isinstance(department, str) and department.strip() and department not in name:
            name = f"{name}{department}" if name else department
        if name and name not in out:
            out.append(name)
    return out


def report_subject(selection: Any, corpus: Any = None, *, documents: pd.DataFrame | None = None) -> str:
    """Whose plans a province report analyses, for its chart titles: the province (河南) for a
    provincial association's plans; the issuer (长沙市科协) when the plans compared are a city's,
    county's or department's; 湖南市级科协 when several cities' plans are compared."""
    level = selection.level
    docs = documents if documents is not None else (corpus.documents if corpus is not None else None)
    if level in ("省级", "全国") and (docs is None or "department" not in docs.columns
                                     or docs["department"].isna().all()):
        return selection.province
    issuers = _issuers(docs)
    if len(issuers) == 1:
        return issuers[0]
    return f"{selection.province}{level}科协"


def report_title(kind: str, selection: Any, *, corpus: Any = None, documents: pd.DataFrame | None = None) -> str:
    """河南省科协工作要点分析 / 黑龙江省科协深化改革工作要点分析 / 中国科协工作要点分析 / 各省科协工作要点比较:
    the issuer and the document type compared. A report of city, county or department plans is named
    for their issuer (长沙市科协工作要点分析), several issuers together (河南省市级科协工作要点分析（郑州市科协、
    洛阳市科协）); corpus (or documents): the plans compared, whose issuers name the report."""
    doc_type = selection.doc_type or DEFAULT_DOC_TYPE
    level = selection.level or DEFAULT_LEVEL
    if kind == "cross":
        who = {"省级": "各省科协", "全国": "中国科协", "市级": "各市科协", "县级": "各县科协"}.get(level, "各地科协")
        return f"{who}{doc_type}比较"
    from compare.ingest.provinces import NATIONAL
    from compare.ingest.provinces import province as province_record

    short = selection.province
    docs = documents if documents is not None else (corpus.documents if corpus is not None else None)
    if short == NATIONAL and level == "全国":
        return f"中国科协{doc_type}分析"
    try:
        full = province_record(short).full
    except KeyError:
        full = short
    departments = docs is not None and "department" in docs.columns and docs["department"].notna().any()
    if level == "省级" and not departments:
        return f"{full}科协{doc_type}分析"
    issuers = _issuers(docs)
    if len(issuers) == 1:
        return f"{issuers[0]}{doc_type}分析"
    named = "、".join(issuers[:_MAX_ISSUERS]) + (f" 等 {len(issuers)} 家" if len(issuers) > _MAX_ISSUERS else "")
    return f"{full}{level}科协{doc_type}分析" + (f"（{named}）" if issuers else "")




def documents_table(corpus) -> pd.DataFrame:
    """The documents a report covers, one row each, in province/year order."""
    cols = ["province", "year", "doc_type", "title", "issuer", "issue_number", "issue_date", "n_items", "source_file"]
    docs = corpus.documents
    return docs[[c for c in cols if c in docs.columns]].sort_values(["province", "year", "doc_type"], kind="mergesort")


def targets_table(corpus, themes: Sequence[str] | None = None) -> pd.DataFrame:
    """Every quantitative target with its plan, item theme and the item's heading, in document order."""
    items = corpus.items_themed[["doc_id", "item_id", "seq", "province", "year", "doc_type", "theme", "heading"]]
    t = corpus.targets.merge(items, on=["doc_id", "item_id"], how="left", validate="many_to_one")
    if themes is not None:
        t = t[t["theme"].isin(list(themes))]
    t = t.sort_values(["province", "year", "doc_id", "seq"], kind="mergesort")
    return t[["province", "year", "doc_type", "theme", "item_id", "heading", "phrase", "value", "value_high", "unit",
              "qualifier"]]


def phrase_table(shared: pd.DataFrame, *, max_listed: int = 8) -> pd.DataFrame:
    """One row per shared phrase: who used it first, how many provinces, and the provinces with their
    years. A phrase used by more than max_listed provinces lists the first max_listed (in order of
    first use, each with its first year) and how many more, so a slogan of all 31 provinces stays one
    readable cell."""
    cols = ["phrase", "kind", "first_year", "first_province", "n_provinces", "provinces"]
    if len(shared) == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    # one pass in Python: a groupby with a per-group function costs seconds on a national corpus
    # (100,000 rows, 40,000 phrase-province groups)
    used: dict[str, dict[str, set[int]]] = {}
    for phrase, province, year in zip(shared["phrase"].tolist(), shared["province"].tolist(), shared["year"].tolist()):
        used.setdefault(phrase, {}).setdefault(province, set()).add(int(year))
    listed: dict[str, str] = {}
    for phrase, by_province in used.items():
        # order of first use (then province), each province with its sorted years
        rows = sorted(((min(ys), p, sorted(ys)) for p, ys in by_province.items()), key=lambda r: (r[0], r[1]))
        if len(rows) <= max_listed:
            listed[phrase] = "；".join(f"{p}（{'、'.join(map(str, ys))}）" for _, p, ys in rows)
        else:
            firsts = "、".join(f"{p}（{y}）" for y, p, _ in rows[:max_listed])
            listed[phrase] = f"{firsts} 等 {len(rows)} 省（括号内为首次使用年份）"
    first = shared.drop_duplicates("phrase")[["phrase", "kind", "first_year", "first_province", "n_provinces"]]
    out = first.assign(provinces=first["phrase"].map(listed))
    return out[cols].reset_index(drop=True)



#: the Log Ratio of a term one side never uses (no finite ratio), as tables show it
ONLY_TARGET, ONLY_REFERENCE = "仅本组", "仅参照组"


def keyness_rows(key: pd.DataFrame, *, decimals: int = 2) -> pd.DataFrame:
    """Keyness rows for reading: the Log Ratio as text, 仅本组 for a term the reference never uses (and
    仅参照组 for one the target never uses), where the ratio is infinite and no number is shown.

    >>> k = pd.DataFrame({"term": ["一市一品", "品牌"], "freq_target": [3, 23], "freq_reference": [0, 1],
    ...                   "log_ratio": [float("nan"), 1.770015]})
    >>> keyness_rows(k)["log_ratio"].tolist()
    ['仅本组', '1.77']
    """
    if "log_ratio" not in key.columns:
        return key.copy()
    out = key.copy()
    lr = out["log_ratio"].astype(float)
    text = lr.map(lambda v: "" if pd.isna(v) else f"{v:.{decimals}f}").astype(object)
    if "freq_reference" in out.columns:
        text[lr.isna() & (out["freq_reference"] == 0)] = ONLY_TARGET
    if "freq_target" in out.columns:
        text[lr.isna() & (out["freq_target"] == 0)] = ONLY_REFERENCE
    out["log_ratio"] = text
    return out


#: groups (provinces) above which a keyness table lists each group's terms on one line
MAX_LONG_GROUPS = 8


def keyness_table(key: pd.DataFrame, *, max_groups: int = MAX_LONG_GROUPS) -> pd.DataFrame:
    """A keyness frame for reading: one row per term (rank, frequencies, G², p, Log Ratio) for up to
    max_groups groups; beyond that (31 provinces × top_n rows would be a wall of numbers) one row per
    group with its terms in order, each with its G², a ° after the G² of a term whose difference is
    not significant (p ≥ 0.05) (group, terms). Rows are ranked by G², not filtered by it."""
    from compare.presentation.charts_corpus import significant

    cols = ["group", "rank", "term", "freq_target", "freq_reference", "statistic", "p_value", "log_ratio"]
    cols = [c for c in cols if c in key.columns]
    if key["group"].nunique() <= max_groups:
        return keyness_rows(key[cols].reset_index(drop=True))
    parts = key.sort_values(["group", "rank"], kind="mergesort")
    mark = significant(parts).map({True: "", False: "°"})
    listed = parts.assign(_t=parts["term"].astype(str) + "（" + parts["statistic"].round(0).astype(int).astype(str)
                          + mark + "）")
    out = listed.groupby("group", sort=True)["_t"].agg("、".join).rename("terms").reset_index()
    return out.astype({"group": "str"})



def targets_by_unit(targets: pd.DataFrame, *, max_rows: int = 40) -> HTMLBlock:
    """A ``targets_by_theme(..., values=True)`` frame as a table: values are only ever added within one
    object (the thing counted, e.g. 科普活动) and one unit; rates such as % are not added at all. Every
    theme × province × year × object × unit row when there are at most max_rows, else (a national
    corpus) totals per theme, object and unit over the selection, with the number of provinces."""
    keys = [c for c in ("theme", "object", "unit") if c in targets.columns]
    caption = "按对象和单位合计（只有同一对象、同一单位的数值才相加；% 等比率不相加；对象不明的不合计）"
    if len(targets) <= max_rows:
        return table(targets, caption=caption)
    agg = (targets.groupby(keys, sort=False, dropna=False)
           .agg(n_provinces=("province", "nunique"), n_targets=("n_targets", "sum"),
                total_value=("total_value", lambda v: v.sum(min_count=1)))
           .reset_index())
    agg = agg.sort_values(["n_targets", *keys[1:]], ascending=[False] + [True] * (len(keys) - 1), kind="mergesort")
    return table(agg, caption=f"所选范围内按主题、对象和单位合计（共 {len(targets)} 个组合；" + caption[1:],
                 max_rows=max_rows, labels={"n_provinces": "省份数"})


def documents_overview(corpus, *, max_rows: int = 40) -> HTMLBlock:
    """The documents a report covers: one row each (:func:`documents_table`) up to max_rows, else (a
    national corpus) one row per province with its number of documents, years and document types,
    and a note pointing to the full list (the documents table)."""
    docs = documents_table(corpus)
    if len(docs) <= max_rows:
        return table(docs)
    per = (docs.groupby("province", sort=True)
           .agg(n_documents=("year", "size"),
                years=("year", lambda ys: f"{min(ys)}—{max(ys)}（{len(set(ys))} 年）" if len(set(ys)) > 1 else str(min(ys))),
                doc_types=("doc_type", lambda ts: "、".join(f"{t} {n}" for t, n in pd.Series(ts).value_counts().sort_index().items())),
                n_items=("n_items", "sum"))
           .reset_index())
    return table(per, caption=f"共 {len(docs)} 份文件，按省份汇总（逐份清单见处理后的 documents 表）",
                 labels={"n_documents": "文件数", "years": "年份", "doc_types": "文件类型（份数）", "n_items": "条目数"})
