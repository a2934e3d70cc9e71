"""The note saying what a report compares (type, level, the province-years without such a plan, the
other plans of a compared province-year, plans that gave no items), as text. Kept apart from the
report blocks (no charting imports): the build keys the cross-province report on this text, so a plan
outside the comparison that leaves the note as it was leaves the report as it was.
"""
from __future__ import annotations

from typing import Any


def coverage_text(plans, compared, selection: Any, *, defaulted: bool = False, max_listed: int = 12) -> str:
    """What a report compares, as one paragraph of text: the document type and level, the years or provinces that
    have such a plan, and each province-year that has none (shown as missing, never replaced by a plan
    of another type). plans: every plan of the selection; compared: those of the type and level.

    >>> from compare.analysis.examples import example_corpus
    >>> from compare.pipeline import params  # (notebooks import both; presentation never imports pipeline)
    >>> corpus = example_corpus()
    >>> sel = params.select(corpus, province="河南", doc_type="重点工作")
    >>> print(coverage_text(corpus.select(provinces="河南"), params.compared(corpus, sel), sel))
    本报告只比较重点工作（省级）：2024 年。市、县级和部门文件不计入。没有重点工作的：2019 年（只有工作要点），在表中留空，不以其他类型代替。同年另有、不计入的文件：2024 年工作要点。
    >>> sel = params.select(corpus, province="河南")
    >>> print(coverage_text(corpus.select(provinces="河南"), params.compared(corpus, sel), sel))
    本报告只比较工作要点（省级）：2019、2024 年。市、县级和部门文件不计入。同年另有、不计入的文件：2024 年重点工作（重点工作的条目重复同年工作要点的标题，只计工作要点，以免重复计算）。
    """
    have = set(zip(compared.documents["province"].astype(str), compared.documents["year"].astype(int)))
    docs = plans.documents
    other: dict[tuple[str, int], list[str]] = {}  # province-years without a compared plan
    beside: dict[tuple[str, int], list[str]] = {}  # other plans of a compared province-year
    compared_ids = set(compared.documents["doc_id"])
    for doc_id, prov, year, doc_type in zip(docs["doc_id"], docs["province"].astype(str), docs["year"].astype(int),
                                            docs["doc_type"]):
        if (prov, year) not in have:
            other.setdefault((prov, year), []).append(str(doc_type))
        elif doc_id not in compared_ids:
            beside.setdefault((prov, year), []).append(str(doc_type))
    single = len(selection.provinces) == 1
    why = "（未指定文件类型，取该省年份最多的类型）" if defaulted else ""
    text = f"本报告只比较{selection.doc_type}（{selection.level}）{why}"
    unparsed = no_items_plans(compared)
    with_items = {key for key in have if key not in set(unparsed)}  # a 0-item plan is compared as missing
    if single:
        years = sorted({y for _, y in with_items})
        text += f"：{'、'.join(map(str, years))} 年。"
    else:
        text += f"：{len({p for p, _ in with_items})} 个省份的 {len(with_items)} 份省份-年份文件。"
    text += _left_out(selection.level)
    if other:
        listed = sorted(other.items(), key=lambda kv: (kv[0][1], kv[0][0]))
        missing = "；".join(
            (f"{y} 年" if single else f"{p} {y} 年") + f"（只有{'、'.join(dict.fromkeys(ts))}）"
            for (p, y), ts in listed[:max_listed])
        if len(listed) > max_listed:
            missing += f" 等 {len(listed)} 个{'年份' if single else '省份-年份'}"
        text += f"没有{selection.doc_type}的：{missing}，在表中留空，不以其他类型代替。"
    if beside:
        listed = sorted(beside.items(), key=lambda kv: (kv[0][1], kv[0][0]))[:max_listed]
        extra = "；".join((f"{y} 年" if single else f"{p} {y} 年") + "、".join(dict.fromkeys(ts)) for (p, y), ts in listed)
        text += f"同年另有、不计入的文件：{extra}"
        if any("重点工作" in ts for ts in beside.values()) and selection.doc_type == "工作要点":
            text += "（重点工作的条目重复同年工作要点的标题，只计工作要点，以免重复计算）"
        text += "。"
    if unparsed:
        listed = "；".join((f"{y} 年" if single else f"{p} {y} 年") for p, y in unparsed[:max_listed])
        text += (f"未识别出条目的{selection.doc_type}：{listed}（该文件未识别出条目，可能是截断的副本），"
                 "按缺失处理，在表中留空。")
    return text


def no_items_plans(compared) -> list[tuple[str, int]]:
    """(province, year) of the compared plans whose text gave no items (a truncated copy loaded
    `partial`): reports show them as missing and say why (theme_heatmap's no_items, coverage)."""
    from compare.analysis import plans_without_items

    empty = plans_without_items(compared)
    return sorted(set(zip(empty["province"].astype(str), empty["year"].astype(int))))




def _left_out(level: str) -> str:
    """The plans a report of one level does not count: the other levels and the departments' plans.

    >>> _left_out("省级"), _left_out("市级")
    ('市、县级和部门文件不计入。', '省级、县级和部门文件不计入。')
    """
    from compare.core.vocab import LEVELS

    others = [lv for lv in LEVELS if lv != level and lv != "全国"]
    if level == "省级":
        named = "市、县级"
    elif level == "全国":
        named = "省、市、县级"
    else:
        named = "、".join(others)
    return f"{named}和部门文件不计入。"
