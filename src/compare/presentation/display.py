"""Display helpers for the report and exploratory notebooks: escaped HTML blocks and readable tables.

Every piece of document text reaches the page through pandas' ``to_html`` (escapes) or
:func:`html.escape`; nothing from a plan is ever inserted as raw HTML. Notebooks import this module as
``from compare.presentation import display as show`` (``display`` itself is IPython's function)::

    display(show.table(df, caption="…"))
    display(show.figure(plots.theme_heatmap(shares)))

Reports carry their provenance in a header block (:func:`header`): the parameter values, the sha256
of every processed table and raw file, the code version (package version + sha256 of the package
sources) and the generation time. The generation time makes two renderings of the same inputs differ
byte-wise; set ``SOURCE_DATE_EPOCH`` for reproducible output.
"""
from __future__ import annotations

import base64
import datetime as _dt
import html
import io as _io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from compare import __version__
from compare.presentation.style import source_line


class HTMLBlock:
    """A piece of HTML the notebook displays (``display(block)`` or as a cell's last expression)."""

    def __init__(self, html_text: str):
        self.html = html_text

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html


def generated_at() -> str:
    """Generation time: now, or $SOURCE_DATE_EPOCH (seconds, UTC) for reproducible output."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return _dt.datetime.fromtimestamp(int(epoch), tz=_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %z")


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
) -> HTMLBlock:
    """The report's title and provenance: parameters, what is compared (type, level, provinces, years,
    themes), data version (sha256 of the processed tables and of each raw file behind the documents
    shown), the theme model version, code version and generation time. corpus: the documents shown
    (its documents and item themes), instead of documents."""
    from compare.core.hashing import code_version, table_hashes

    e = html.escape
    if corpus is not None and documents is None:
        documents = corpus.documents
    hashes = table_hashes(processed_dir)
    rows = [("参数", "；".join(f"{e(k)} = {e(_fmt_value(v))}" for k, v in parameters.items() if k != "processed_dir"))]
    if selection is not None:
        rows.append(
            (
                "实际范围",
                f"省份：{e('、'.join(selection.provinces))}；年份：{e('、'.join(map(str, selection.years)))}；"
                f"主题：{e('、'.join(selection.themes))}"
                + (f"；文件类型：{e(selection.doc_type)}；级别：{e(selection.level)}" if hasattr(selection, "doc_type") else ""),
            )
        )
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
    source = source_line(doc_type=getattr(selection, "doc_type", None), level=getattr(selection, "level", None))
    return HTMLBlock(
        f'<div class="kx-header"><h1>{e(title)}</h1><p class="kx-source">{e(source)}</p>'
        f'<table class="kx-meta">{trs}</table></div>'
    )


def heading(text: str, level: int = 2) -> HTMLBlock:
    """An escaped heading (for titles built from data, e.g. a theme or province name)."""
    level = min(max(int(level), 1), 6)
    return HTMLBlock(f"<h{level}>{html.escape(str(text))}</h{level}>")


def note(text: str) -> HTMLBlock:
    """An escaped explanatory paragraph."""
    return HTMLBlock(f'<p class="kx-note">{html.escape(str(text))}</p>')


def _cell_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    if hasattr(value, "tolist") and not isinstance(value, str):  # numpy arrays from list columns
        return "、".join(str(v) for v in value.tolist())
    return value


COLUMN_LABELS: dict[str, str] = {
    "doc_id": "文件编号", "province": "省份", "year": "年份", "doc_type": "文件类型", "title": "标题",
    "issuer": "发文单位", "issue_number": "文号", "issue_date": "印发日期", "n_items": "条目数",
    "source_file": "源文件", "item_id": "条目", "heading": "条目标题", "text": "内容", "departments": "责任部门",
    "theme": "主题", "share": "占比", "share_items": "占比（按条目）", "share_chars": "占比（按字数）",
    "delta": "较上一年变化", "group": "省份", "term": "词语", "freq_target": "本省频次",
    "freq_reference": "其他省频次", "statistic": "G²", "p_value": "p 值", "log_ratio": "Log Ratio", "rank": "排名",
    "from_year": "起始年份", "to_year": "对比年份", "change": "变化", "freq": "频次",
    "phrase": "表述", "kind": "类型", "count": "次数", "first_year": "首次使用年份",
    "first_province": "首次使用省份", "n_provinces": "使用省份数", "provinces": "使用省份（年份）",
    "unit": "单位", "n_targets": "目标数", "total_value": "合计", "value": "数值", "value_high": "上限", "qualifier": "限定词",
    "department": "责任部门", "label_a": "文件甲", "label_b": "文件乙", "cosine": "余弦相似度",
    "left": "上文", "keyword": "关键词", "right": "下文", "terms": "特色词（括号内为 G²）",
    "object": "对象", "evidence": "判断依据", "level": "级别", "model_version": "主题模型版本",
    "year_from": "上一份", "item_from": "原条目", "heading_from": "原条目标题", "year_to": "下一份",
    "item_to": "新条目", "heading_to": "新条目标题", "status": "关系", "similarity": "相似度",
    "shared_terms": "共同关键词", "series": "目标（对象、单位）", "n_years": "年数",
    "mean_score": "平均强度（0 试探—1 坚定）", "share_strong": "坚定", "share_moderate": "一般",
    "share_tentative": "试探", "share_none": "无承诺词", "top_strong": "常用坚定词", "top_tentative": "常用试探词",
}
VALUE_LABELS: dict[str, dict[str, str]] = {
    "change": {"appears": "新出现", "disappears": "不再出现"},
    "kind": {"quoted": "引号内提法", "ngram": "共同词组", "title": "书名号内"},
    "status": {"continued": "延续", "merged": "合并延续", "split": "拆分延续", "new": "新增", "dropped": "不再提及"},
}


def table(
    df: pd.DataFrame,
    *,
    caption: str | None = None,
    percent: Sequence[str] | bool = (),
    decimals: int = 2,
    max_rows: int | None = None,
    index: bool = False,
    labels: Mapping[str, str] | None = None,
    empty: str = "（无数据）",
) -> HTMLBlock:
    """An escaped HTML table of df for readers: list cells joined with 、, `percent` columns (True: every
    float column) as 12.3%, other floats rounded to `decimals`, at most max_rows rows (a note says how
    many were left out), known column names in Chinese (COLUMN_LABELS, overridden by labels).

    >>> df = pd.DataFrame({"theme": ["科普"], "share": [0.125], "text": ["<b>科普</b>日"]})
    >>> html_text = table(df, percent=["share"], caption="占比").html
    >>> "<th>主题</th>" in html_text, "12.5%" in html_text, "&lt;b&gt;科普&lt;/b&gt;日" in html_text
    (True, True, True)
    """
    e = html.escape
    cap = f'<p class="kx-caption">{e(caption)}</p>' if caption else ""
    if df is None or len(df) == 0:
        return HTMLBlock(f'{cap}<p class="kx-note">{e(empty)}</p>')
    out = df.copy()
    n_total = len(out)
    if max_rows is not None and n_total > max_rows:
        out = out.head(max_rows)
    for col in out.columns:
        s = out[col]
        if percent is True:
            is_pct = pd.api.types.is_float_dtype(s)
        else:
            is_pct = bool(percent) and col in percent
        if is_pct:
            out[col] = s.map(lambda v: "" if pd.isna(v) else f"{float(v) * 100:.1f}%")
        elif pd.api.types.is_float_dtype(s):
            out[col] = s.map(lambda v: "" if pd.isna(v) else (f"{v:.0f}" if float(v).is_integer() else f"{v:.{decimals}f}"))
        elif col in VALUE_LABELS:
            out[col] = s.map(lambda v, m=VALUE_LABELS[col]: m.get(v, v))
        elif s.dtype == object:
            out[col] = s.map(_cell_text)
    names = {**COLUMN_LABELS, **(labels or {})}
    out = out.rename(columns=lambda c: names.get(c, c) if isinstance(c, str) else c)
    body = out.to_html(index=index, escape=True, border=0, classes="kx-table", na_rep="", justify="left")
    more = ""
    if len(out) < n_total:
        more = f'<p class="kx-note">仅显示前 {len(out)} 行，共 {n_total} 行。</p>'
    return HTMLBlock(f'{cap}<div class="kx-table-wrap">{body}</div>{more}')


def wide(
    df: pd.DataFrame,
    *,
    index: str | Sequence[str],
    values: str,
    columns: str = "theme",
    order: Sequence[str] | None = None,
    fill: float | None = 0,
    rows: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """A tidy comparison pivoted for reading: one row per index value, one column per `columns` value
    in the given order (e.g. the theme dictionary's; values not in order are dropped). rows (one
    index column only): every row to show, in order; a row without data (e.g. a year without a plan
    of the compared type) stays empty, it is never filled from another row.

    >>> shares = pd.DataFrame({"year": [2019, 2019, 2024], "theme": ["科普", "智库", "科普"], "share": [0.6, 0.4, 1.0]})
    >>> wide(shares, index="year", values="share", order=["科普", "智库"], rows=[2019, 2022, 2024])
       year   科普   智库
    0  2019  0.6  0.4
    1  2022  NaN  NaN
    2  2024  1.0  0.0
    """
    index = [index] if isinstance(index, str) else list(index)
    if len(df) == 0 and rows is None:
        return pd.DataFrame(columns=[*index, *(order or [])])
    w = df.pivot_table(index=index, columns=columns, values=values, aggfunc="sum", sort=True, observed=True)
    if order is not None:
        w = w.reindex(columns=list(order))
    if fill is not None:
        w = w.fillna(fill)
    if rows is not None:
        w = w.reindex(pd.Index(list(rows), name=index[0]))  # missing rows: NaN, shown empty
    w.columns = [str(c) for c in w.columns]
    return w.reset_index()


def coverage(plans, compared, selection: Any, *, defaulted: bool = False, max_listed: int = 12) -> HTMLBlock:
    """What a report compares, as a note: the document type and level, the years or provinces that
    have such a plan, and each province-year that has none (shown as missing, never replaced by a plan
    of another type). plans: every plan of the selection; compared: those of the type and level.

    >>> from compare.analysis.examples import example_corpus
    >>> from compare.pipeline import params  # (notebooks import both; presentation never imports pipeline)
    >>> corpus = example_corpus()
    >>> sel = params.select(corpus, province="河南", doc_type="重点工作")
    >>> print(page_note(coverage(corpus.select(provinces="河南"), params.compared(corpus, sel), sel)))
    本报告只比较重点工作（省级）：2024 年。市、县级和部门文件不计入。没有重点工作的：2019 年（只有工作要点），在表中留空，不以其他类型代替。
    """
    e = html.escape
    have = set(zip(compared.documents["province"].astype(str), compared.documents["year"].astype(int)))
    docs = plans.documents
    other: dict[tuple[str, int], list[str]] = {}
    for prov, year, doc_type in zip(docs["province"].astype(str), docs["year"].astype(int), docs["doc_type"]):
        if (prov, year) not in have:
            other.setdefault((prov, year), []).append(str(doc_type))
    single = len(selection.provinces) == 1
    why = "（未指定文件类型，取该省年份最多的类型）" if defaulted else ""
    text = f"本报告只比较{selection.doc_type}（{selection.level}）{why}"
    if single:
        years = sorted({y for _, y in have})
        text += f"：{'、'.join(map(str, years))} 年。"
    else:
        text += f"：{len({p for p, _ in have})} 个省份的 {len(have)} 份省份-年份文件。"
    text += "市、县级和部门文件不计入。"
    if other:
        listed = sorted(other.items(), key=lambda kv: (kv[0][1], kv[0][0]))
        missing = "；".join(
            (f"{y} 年" if single else f"{p} {y} 年") + f"（只有{'、'.join(dict.fromkeys(ts))}）"
            for (p, y), ts in listed[:max_listed])
        if len(listed) > max_listed:
            missing += f" 等 {len(listed)} 个{'年份' if single else '省份-年份'}"
        text += f"没有{selection.doc_type}的：{missing}，在表中留空，不以其他类型代替。"
    return HTMLBlock(f'<p class="kx-note kx-scope">{e(text)}</p>')


def page_note(block: HTMLBlock) -> str:
    """The text of an HTML block as a reader sees it (tags dropped, entities decoded)."""
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", block.html))


def strength_table(profile: pd.DataFrame, *, caption: str | None = None) -> HTMLBlock:
    """A ``strength_profile`` frame for reading: shares of strong / moderate / tentative / no
    commitment words as percentages, the mean score and the most used words."""
    shares = [c for c in profile.columns if c.startswith("share_")]
    return table(profile, percent=shares, caption=caption, empty="所选文件中没有条目。")


def theme_model_version(corpus) -> str | None:
    """The theme model version(s) behind the corpus' item themes (item_themes.model_version), or None
    when the tables predate saved theme models."""
    it = getattr(corpus, "item_themes", None)
    if it is None or "model_version" not in it.columns:
        return None
    versions = sorted({str(v) for v in it["model_version"].dropna()})
    return "、".join(versions) or None


#: resolution of report figures: a 13.33 in slide figure becomes 1600 px wide, sharp at the page's
#: 1200 px column (measured on a province report's four charts: 144 dpi with a "tight" bounding box,
#: which draws every figure twice, took 1.32 s and 859 KB of PNG; 120 dpi drawn once 1.08 s, 706 KB)
FIGURE_DPI = 120


def figure(fig, *, dpi: int = FIGURE_DPI) -> HTMLBlock:
    """A matplotlib figure as an embedded PNG; the figure is closed (no second inline copy).

    Briefing charts from :mod:`compare.presentation.plots` keep their slide frame (margins, title, source line), so
    they are drawn once, as laid out; any other figure is cropped to its content (bbox "tight")."""
    import matplotlib.pyplot as plt

    buf = _io.BytesIO()
    framed = getattr(fig, "_kexie_title", None) is not None  # made by compare.presentation.plots._figure
    try:
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None},
                    **({} if framed else {"bbox_inches": "tight"}))
    finally:
        plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    # alt text: the suptitle, else the first figure-level text (the briefing title), else the first axes title
    texts = [t.get_text() for t in fig.texts if t.get_text().strip()]
    suptitle = getattr(fig, "_suptitle", None)
    label = (suptitle.get_text() if suptitle is not None else "") or (texts[0] if texts else "")
    if not label and fig.axes:
        label = fig.axes[0].get_title()
    return HTMLBlock(f'<img class="kx-figure" alt="{html.escape(label, quote=True)}" src="data:image/png;base64,{data}">')


def items_by_theme(corpus, themes: Sequence[str] | None = None, *, max_items: int | None = None) -> HTMLBlock:
    """For each theme, a heading with the item count and a table of its items with their full text,
    and (when item_themes has it) the evidence behind the theme: the dictionary keywords and strongest
    terms found in the item, marked when the decision was close (low_confidence)."""
    df = corpus.items_themed
    themes = list(themes) if themes is not None else list(corpus.themes)
    parts = []
    cols = ["year", "doc_type", "item_id", "text", "departments"]
    names = {"year": "年份", "doc_type": "文件类型", "item_id": "条目", "text": "内容", "departments": "责任部门"}
    if "evidence" in df.columns:
        df = df.assign(evidence=df["evidence"].map(_cell_text))
        if "low_confidence" in df.columns:
            close = df["low_confidence"].fillna(False).astype(bool)
            df.loc[close, "evidence"] = df.loc[close, "evidence"].astype(str) + "（判断接近，仅供参考）"
        cols.append("evidence")
        names["evidence"] = "判断依据"
    for theme in themes:
        sub = df[df["theme"] == theme].sort_values(["year", "doc_id", "seq"], kind="mergesort")
        parts.append(heading(f"{theme}（{len(sub)} 条）", 3).html)
        parts.append(table(sub[cols].rename(columns=names), max_rows=max_items, empty="本主题没有条目。").html)
    return HTMLBlock("".join(parts))


def report_title(kind: str, selection: Any) -> str:
    """河南省科协工作要点分析 / 黑龙江省科协深化改革工作要点分析 / 中国科协工作要点分析 / 各省科协工作要点比较:
    the province (or 各省) and the document type compared."""
    doc_type = getattr(selection, "doc_type", None) or "工作要点"
    if kind == "cross":
        return f"各省科协{doc_type}比较"
    from compare.ingest.provinces import NATIONAL, province as province_record

    short = selection.province
    if short == NATIONAL:
        return f"中国科协{doc_type}分析"
    try:
        full = province_record(short).full
    except KeyError:
        full = short
    return f"{full}科协{doc_type}分析"


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
    years = (
        shared.groupby(["phrase", "province"], sort=False)["year"]
        .agg(lambda ys: sorted(set(int(y) for y in ys)))
        .reset_index()
    )
    years["_first"] = years["year"].str[0]
    years = years.sort_values(["_first", "province"], kind="mergesort")  # order of first use
    listed: dict[str, str] = {}
    for phrase, grp in years.groupby("phrase", sort=False):
        if len(grp) <= max_listed:
            listed[phrase] = "；".join(f"{p}（{'、'.join(map(str, ys))}）" for p, ys in zip(grp["province"], grp["year"]))
        else:
            firsts = "、".join(f"{p}（{y}）" for p, y in zip(grp["province"].head(max_listed), grp["_first"]))
            listed[phrase] = f"{firsts} 等 {len(grp)} 省（括号内为首次使用年份）"
    first = shared.drop_duplicates("phrase")[["phrase", "kind", "first_year", "first_province", "n_provinces"]]
    out = first.assign(provinces=first["phrase"].map(listed))
    return out[cols].reset_index(drop=True)



#: groups (provinces) above which a keyness table lists each group's terms on one line
MAX_LONG_GROUPS = 8


def keyness_table(key: pd.DataFrame, *, max_groups: int = MAX_LONG_GROUPS) -> pd.DataFrame:
    """A keyness frame for reading: one row per term (rank, frequencies, G², Log Ratio) for up to
    max_groups groups; beyond that (31 provinces × top_n rows would be a wall of numbers) one row per
    group with its terms in order, each with its G² (group, terms)."""
    cols = ["group", "rank", "term", "freq_target", "freq_reference", "statistic", "log_ratio"]
    if key["group"].nunique() <= max_groups:
        return key[cols].reset_index(drop=True)
    parts = key.sort_values(["group", "rank"], kind="mergesort")
    listed = parts.assign(_t=parts["term"].astype(str) + "（" + parts["statistic"].round(0).astype(int).astype(str) + "）")
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
