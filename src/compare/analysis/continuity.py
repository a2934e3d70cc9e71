"""Reading item continuity: counts of 延续 / 新增 / 不再提及, a table with headings, and scores against
hand links. The links themselves come from :mod:`compare.analysis.tracking` (which re-exports these
names)."""
from __future__ import annotations

import pandas as pd

__all__ = ["STATUSES", "STATUS_LABELS", "continuity_summary", "link_scores", "link_table"]

#: the statuses of item_links, in display order
STATUSES = ("continued", "merged", "split", "new", "dropped")
#: how reports name them: 延续 (continued, merged or split), 新增, 不再提及
STATUS_LABELS = {"continued": "延续", "merged": "延续", "split": "延续", "new": "新增", "dropped": "不再提及"}


def continuity_summary(
    links: pd.DataFrame,
    item_themes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Items per plan pair that continue (延续), are new (新增) or are no longer mentioned (不再提及).

    Counts items, not links: a later item with at least one link is 延续, one without is 新增; an
    earlier item without a link is 不再提及. With `item_themes` the counts are also split by theme
    (the later item's theme for 延续 and 新增, the earlier item's for 不再提及); otherwise theme is
    "全部". Columns: province, level, doc_type, year_from, year_to, doc_from, doc_to, theme, change,
    n_items.

    >>> from compare import analysis
    >>> from compare.analysis.tracking import item_links
    >>> c = analysis.example_corpus()
    >>> continuity_summary(item_links(c))[["change", "n_items"]].values.tolist()
    [['延续', 1], ['新增', 1], ['不再提及', 2]]
    """
    pair_cols = ["province", "level", "doc_type", "year_from", "year_to", "doc_from", "doc_to"]
    if links.empty:
        return pd.DataFrame(columns=pair_cols + ["theme", "change", "n_items"])
    later_status = links[links["item_to"].notna()].groupby(pair_cols + ["item_to"], sort=False)["status"]
    later = later_status.agg(lambda s: "新增" if (s == "new").all() else "延续").rename("change").reset_index()
    later = later.rename(columns={"item_to": "item_id"})
    later["doc_id"] = later["doc_to"]
    dropped = links[links["status"] == "dropped"][pair_cols + ["item_from"]].rename(columns={"item_from": "item_id"})
    dropped["change"] = "不再提及"
    dropped["doc_id"] = dropped["doc_from"]
    rows = pd.concat([later, dropped], ignore_index=True)
    if item_themes is not None and not item_themes.empty:
        rows = rows.merge(item_themes[["doc_id", "item_id", "theme"]], on=["doc_id", "item_id"], how="left")
        rows["theme"] = rows["theme"].fillna("未分类")
    else:
        rows["theme"] = "全部"
    order = {c: i for i, c in enumerate(("延续", "新增", "不再提及"))}
    out = rows.groupby(pair_cols + ["theme", "change"], sort=True).size().rename("n_items").reset_index()
    out["_o"] = out["change"].map(order)
    out = out.sort_values(pair_cols + ["_o", "theme"], kind="mergesort").drop(columns="_o")
    return out.reset_index(drop=True)


def link_table(links: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """item_links with the items' headings, for reading: year_from, item_from, heading_from, year_to,
    item_to, heading_to, change (延续 / 新增 / 不再提及), status, similarity, shared_terms (joined with
    、), in the table's order (the later plan's items, dropped items last).

    >>> from compare import analysis
    >>> from compare.analysis.tracking import item_links
    >>> c = analysis.example_corpus()
    >>> t = link_table(item_links(c), c.items)
    >>> t.loc[1, ["heading_from", "heading_to", "change", "shared_terms"]].tolist()
    ['开展全国科普日活动50场', '开展全国科普日活动300场', '延续', '全国科普日']
    """
    heads = items.set_index(["doc_id", "item_id"])["heading"]

    def heading(doc, item):
        return heads.get((doc, item)) if isinstance(item, str) else None

    return pd.DataFrame({
        "year_from": links["year_from"].to_numpy(),
        "item_from": links["item_from"].to_numpy(),
        "heading_from": [heading(d, i) for d, i in zip(links["doc_from"], links["item_from"])],
        "year_to": links["year_to"].to_numpy(),
        "item_to": links["item_to"].to_numpy(),
        "heading_to": [heading(d, i) for d, i in zip(links["doc_to"], links["item_to"])],
        "change": links["status"].map(STATUS_LABELS).to_numpy(),
        "status": links["status"].to_numpy(),
        "similarity": links["similarity"].to_numpy(),  # rounded where shown, once (0.1646 -> 0.165 -> "0.17" was a double rounding)
        "shared_terms": ["、".join(t) for t in links["shared_terms"]],
    })


def link_scores(predicted: pd.DataFrame, hand: pd.DataFrame) -> dict[str, float | int]:
    """Precision and recall of predicted links against hand links.

    `hand` has doc_from, item_from, doc_to, item_to and kind: `core` (the same task: must be found),
    `partial` (a substantial shared sub-task: finding it is not an error, missing it is not a miss),
    `dropped` / `new` (an item with no counterpart; both doc columns name the pair). Only the hand
    rows of the plan pairs in `predicted` count. Precision = predicted links that are core /
    predicted links that are not partial; recall = core links found / core links. Also returns the
    same figures for the dropped and new items.
    """
    pairs = set(zip(predicted["doc_from"], predicted["doc_to"]))
    hand = hand[[(a, b) in pairs for a, b in zip(hand["doc_from"], hand["doc_to"])]]
    pred = predicted[predicted["item_from"].notna() & predicted["item_to"].notna()]
    pred_pairs = set(zip(pred["doc_from"], pred["item_from"], pred["doc_to"], pred["item_to"]))
    kinds = {}
    for r in hand.itertuples(index=False):
        if r.kind in ("core", "partial"):
            kinds[(r.doc_from, r.item_from, r.doc_to, r.item_to)] = r.kind
    core = {k for k, v in kinds.items() if v == "core"}
    judged = {p for p in pred_pairs if kinds.get(p) != "partial"}
    tp = len(judged & core)
    out: dict[str, float | int] = {
        "predicted": len(pred_pairs),
        "core": len(core),
        "partial": sum(v == "partial" for v in kinds.values()),
        "true_positives": tp,
        "false_positives": len(judged - core),
        "precision": tp / len(judged) if judged else 0.0,
        "recall": tp / len(core) if core else 0.0,
    }
    for status, item_col in (("dropped", "item_from"), ("new", "item_to")):
        rows = hand[hand["kind"] == status]
        truth = set(zip(rows["doc_from"], rows["doc_to"], rows[item_col]))
        got = predicted[predicted["status"] == status]
        found = set(zip(got["doc_from"], got["doc_to"], got[item_col]))
        out[f"{status}_precision"] = len(found & truth) / len(found) if found else 0.0
        out[f"{status}_recall"] = len(found & truth) / len(truth) if truth else 0.0
    return out
