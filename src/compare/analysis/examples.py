"""A small hand-written corpus for examples, doctests and notebooks' first steps.

The texts are short sentences written for this package in the style of the plans (not copied from any
plan): two 河南 工作要点 (2019, 2024), the 2024 重点工作 that repeats one of its headings, and one
湖北 工作要点 (2019). Tokens are given, so nothing is segmented.
"""
from __future__ import annotations

import pandas as pd

THEMES = ("党建", "科普", "智库")

# doc_id, province, year, doc_type, item_id, text, theme, departments, tokens
_ROWS = (
    ("henan-2019-gzyd", "河南", 2019, "工作要点", "一/1", "开展全国科普日活动50场", "科普", ["科学技术普及部"],
     ["全国", "科普日", "活动"]),
    ("henan-2019-gzyd", "河南", 2019, "工作要点", "一/2", "加强党建引领，推进科技志愿服务", "党建", ["机关党委"],
     ["党建", "引领", "推进", "科技", "志愿", "服务"]),
    ("henan-2019-gzyd", "河南", 2019, "工作要点", "一/3", "建设科技馆，举办科普活动不少于200场", "科普",
     ["科学技术普及部", "省科技馆"], ["建设", "科技馆", "举办", "科普", "活动"]),
    ("henan-2024-gzyd", "河南", 2024, "工作要点", "一/1", "建设高端科技智库", "智库", ["调研宣传部"],
     ["建设", "高端", "科技", "智库"]),
    ("henan-2024-gzyd", "河南", 2024, "工作要点", "一/2", "开展全国科普日活动300场", "科普", ["科学技术普及部"],
     ["全国", "科普日", "活动"]),
    ("henan-2024-zdgz", "河南", 2024, "重点工作", "1", "建设高端科技智库", "智库", [],
     ["建设", "高端", "科技", "智库"]),
    ("hubei-2019-gzyd", "湖北", 2019, "工作要点", "一/1", "坚持党建强会，开展科技志愿服务", "党建", [],
     ["坚持", "党建", "强会", "开展", "科技", "志愿", "服务"]),
    ("hubei-2019-gzyd", "湖北", 2019, "工作要点", "一/2", "深化党建工作", "党建", [], ["深化", "党建", "工作"]),
)

# the policy instrument of each item of _ROWS (same order): tool, type, evidence
_INSTRUMENTS = (
    ("公共服务", "供给型", ["科普日活动"]),
    ("组织建设", "环境型", ["党建引领"]),
    ("基础设施", "供给型", ["科技馆"]),
    ("目标规划", "环境型", ["建设高端科技智库"]),
    ("公共服务", "供给型", ["科普日活动"]),
    ("目标规划", "环境型", ["建设高端科技智库"]),
    ("组织建设", "环境型", ["党建强会"]),
    ("组织建设", "环境型", ["党建工作"]),
)

# doc_id, item_id, phrase, value, unit, qualifier, object
_TARGETS = (
    ("henan-2019-gzyd", "一/1", "50场", 50.0, "场", None, "科普活动"),
    ("henan-2019-gzyd", "一/3", "不少于200场", 200.0, "场", "不少于", "科普活动"),
    ("henan-2024-gzyd", "一/2", "300场", 300.0, "场", None, "科普活动"),
)


def example_frames() -> dict[str, pd.DataFrame]:
    """items, item_themes, targets and item_instruments of the example corpus (fresh copies on every call)."""
    items = pd.DataFrame({
        "doc_id": [r[0] for r in _ROWS],
        "item_id": [r[4] for r in _ROWS],
        "seq": [1, 2, 3, 1, 2, 1, 1, 2],
        "province": [r[1] for r in _ROWS],
        "year": pd.Series([r[2] for r in _ROWS], dtype="int64"),
        "doc_type": [r[3] for r in _ROWS],
        "heading": [r[5].split("，")[0] for r in _ROWS],
        "text": [r[5] for r in _ROWS],
        "departments": [list(r[7]) for r in _ROWS],
        "n_chars": pd.Series([len(r[5]) for r in _ROWS], dtype="int64"),
    })
    item_themes = pd.DataFrame({"doc_id": items["doc_id"], "item_id": items["item_id"],
                                "theme": [r[6] for r in _ROWS]})
    for t in THEMES:
        item_themes[f"score_{t}"] = (item_themes["theme"] == t).astype("float64")
    item_themes["cluster"] = 0
    targets = pd.DataFrame(list(_TARGETS), columns=["doc_id", "item_id", "phrase", "value", "unit", "qualifier",
                                                    "object"])
    targets.insert(4, "value_high", pd.Series([None] * len(targets), dtype="float64"))
    item_instruments = pd.DataFrame({
        "doc_id": items["doc_id"], "item_id": items["item_id"],
        "code": [f"{d}-{i.replace('一/', '1-')}" for d, i in zip(
            items["doc_id"].map({d: n for n, d in enumerate(dict.fromkeys(items["doc_id"]), 1)}), items["item_id"])],
        "type": [r[1] for r in _INSTRUMENTS], "tool": [r[0] for r in _INSTRUMENTS],
        "score": pd.Series([3.0] * len(items), dtype="float64"),
        "runner_up": pd.Series([None] * len(items), dtype="object"),
        "evidence": [list(r[2]) for r in _INSTRUMENTS],
        "low_confidence": pd.Series([False] * len(items), dtype="bool"),
    })
    return {"items": items, "item_themes": item_themes, "targets": targets, "item_instruments": item_instruments}


def example_corpus():
    """The example corpus as a :class:`compare.analysis.Corpus` (a new object on every call).

    >>> example_corpus()
    Corpus(4 documents, 8 items, 3 targets; provinces 河南、湖北; years 2019–2024; themes 党建、科普、智库)
    """
    from compare.analysis.corpus import Corpus

    return Corpus.from_frames(**example_frames(), themes=list(THEMES), tokens=[list(r[8]) for r in _ROWS])
