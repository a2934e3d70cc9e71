"""The `themes` stage: score every item of the processed tables against the theme dictionary with a
saved, versioned theme model, and write item_themes, theme_shares and clusters.

* **First run** (no saved model): fit the model on the whole corpus (`compare.text.scoring`), save it
  as `theme_model/v1` (`compare.text.model`) and score every item.
* **Later runs**: items already in item_themes (same ids, same text) keep their rows exactly as they
  are; only new items (and items whose text changed) are scored, with the saved model. Adding plans
  therefore never changes an existing item's theme, scores, evidence or cluster.
* **Refit** (`refit=True`, `themes --refit`; automatically when the dictionary's sha256 differs from
  the saved model's, or the saved model cannot be read): fit on the whole corpus as a new version,
  re-score every item, and append every item whose primary theme changed to `theme_revisions`.

The method itself (seed keywords, TF-IDF profiles, scores, evidence) is described in
`compare.text.scoring`; clusters in `compare.text.clusters`; the dictionary in
`compare.text.dictionary`. Names of those modules are re-exported here.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from compare.core import io, schema
from compare.core.errors import EmptyCorpusError
from compare.core.paths import PROCESSED_DIR
from compare.text.clusters import cluster_agreement
from compare.text.dictionary import DEFAULT_THEMES, ThemeDictionary, load_theme_dictionary
from compare.text.model import (
    ThemeModelError,
    current_version,
    load_model,
    next_version,
    read_scored,
    save_model,
    saved_or_refit,
    text_sha256,
    version_number,
    write_scored,
)
from compare.text.scoring import LOW_CONFIDENCE_MARGIN, ThemeModel
from compare.text.segment import Segmenter, default_segmenter

__all__ = [
    "DEFAULT_THEMES",
    "LOW_CONFIDENCE_MARGIN",
    "ThemeDictionary",
    "load_theme_dictionary",
    "ThemeModel",
    "ThemesResult",
    "cluster_agreement",
    "theme_shares",
    "run_themes",
    "themes_command",
]

log = logging.getLogger(__name__)

_KEY = ["doc_id", "item_id"]


@dataclass
class ThemesResult:
    item_themes: pd.DataFrame
    theme_shares: pd.DataFrame
    clusters: pd.DataFrame
    keyword_clusters: pd.DataFrame
    agreement: dict[str, float]
    theme_dictionary: ThemeDictionary
    model: ThemeModel
    paths: list[Path]
    model_version: str = ""
    refit_reason: str | None = None  # why the model was (re)fitted in this run; None: the saved model was used
    n_scored: int = 0  # items scored in this run
    n_kept: int = 0  # items whose saved rows were kept unchanged
    revisions: pd.DataFrame | None = None  # rows appended to theme_revisions in this run


def theme_shares(items: pd.DataFrame, item_themes: pd.DataFrame, themes: list[str],
                 by: tuple[str, ...] = ("province", "year", "doc_type")) -> pd.DataFrame:
    """The theme_shares table: per group of `by` (sorted) and theme (dictionary order), the items
    whose primary theme it is and their share of the group's items and characters (zeros included)."""
    by = list(by)
    df = items[[*_KEY, *by, "n_chars"]].merge(item_themes[[*_KEY, "theme"]], on=_KEY, how="left",
                                               validate="one_to_one")
    groups = df[by].drop_duplicates().sort_values(by, kind="mergesort").reset_index(drop=True)
    grid = groups.merge(pd.DataFrame({"theme": themes}), how="cross")
    counts = (df.groupby([*by, "theme"], sort=False, dropna=False)
              .agg(n_items=("item_id", "size"), chars=("n_chars", "sum")).reset_index())
    out = grid.merge(counts, on=[*by, "theme"], how="left")
    out["n_items"] = out["n_items"].fillna(0).astype("int64")
    out["chars"] = out["chars"].fillna(0).astype("int64")
    totals = out.groupby(by, sort=False, dropna=False)[["n_items", "chars"]].transform("sum")
    for col, src in (("share_items", "n_items"), ("share_chars", "chars")):
        num = out[src].to_numpy(dtype="float64")
        den = totals[src].to_numpy(dtype="float64")
        share = np.zeros(len(out), dtype="float64")
        np.divide(num, den, out=share, where=den != 0)
        out[col] = share
    return out[[*by, "theme", "n_items", "share_items", "share_chars"]].reset_index(drop=True)


def _read_previous(processed_dir: Path) -> pd.DataFrame | None:
    """The item_themes table on disk, read as it is (any format; None when absent or unreadable)."""
    p = processed_dir / "item_themes.parquet"
    if not p.is_file():
        return None
    try:
        df = pq.read_table(p).to_pandas()
    except Exception as exc:  # a damaged file is replaced, never trusted
        log.warning("%s cannot be read (%s): every item is scored again", p, exc)
        return None
    if not set(_KEY + ["theme"]) <= set(df.columns):
        return None
    if "evidence" in df.columns:
        df["evidence"] = df["evidence"].map(lambda v: list(v) if v is not None else [])
    return df


def _reusable(prev: pd.DataFrame | None, td: ThemeDictionary) -> pd.DataFrame | None:
    """prev when it has exactly the columns this dictionary's item_themes has, else None."""
    if prev is None:
        return None
    expected = schema.arrow_schema("item_themes", pd.DataFrame(columns=td.score_columns())).names
    return prev if list(prev.columns) == expected else None


def _revisions(prev: pd.DataFrame | None, new: pd.DataFrame, version: str, reason: str) -> pd.DataFrame:
    """Items in both tables whose primary theme differs, with old and new scores and versions."""
    cols = schema.column_names("theme_revisions")
    if prev is None or len(prev) == 0:
        return schema.empty("theme_revisions")
    m = prev.merge(new[[*_KEY, "theme", *[c for c in new.columns if c.startswith(schema.THEME_SCORE_PREFIX)]]],
                   on=_KEY, how="inner", suffixes=("_old", ""))
    m = m[m["theme_old"] != m["theme"]]
    if m.empty:
        return schema.empty("theme_revisions")

    prefix = schema.THEME_SCORE_PREFIX

    def old_score(row) -> float | None:
        col = f"{prefix}{row['theme_old']}"
        if col not in prev.columns:
            return None
        v = row[f"{col}_old"] if col in new.columns else row[col]
        return None if pd.isna(v) else float(v)

    has_version = "model_version" in prev.columns
    rows = [{
        "doc_id": r["doc_id"], "item_id": r["item_id"],
        "old_theme": r["theme_old"], "new_theme": r["theme"],
        "old_score": old_score(r),
        "new_score": float(r[f"{prefix}{r['theme']}"]),
        "old_model_version": r["model_version"] if has_version else None,
        "new_model_version": version, "reason": reason,
    } for _, r in m.iterrows()]
    out = pd.DataFrame(rows, columns=cols)
    out["old_score"] = out["old_score"].astype("float64")
    return out


def _append_revisions(processed_dir: Path, rows: pd.DataFrame) -> Path:
    try:
        before = io.read_table("theme_revisions", processed_dir)
    except (EmptyCorpusError, ValueError):
        before = schema.empty("theme_revisions")
    frames = [f for f in (before, rows) if len(f)]
    table = pd.concat(frames, ignore_index=True) if frames else schema.empty("theme_revisions")
    return io.write_table(table, "theme_revisions", processed_dir)


def run_themes(processed_dir: str | Path = PROCESSED_DIR, *, themes_file: str | Path | None = None,
               segmenter: Segmenter | None = None, n_jobs: int = 1, refit: bool = False) -> ThemesResult:
    """Score the items of processed_dir with the saved theme model (fitting and saving it when there is
    none, when the dictionary changed, or when `refit`), and write item_themes, theme_shares and
    clusters there (theme_revisions too when the model is refitted). Raises EmptyCorpusError when
    there are no items."""
    processed_dir = Path(processed_dir)
    td = load_theme_dictionary(themes_file)
    documents = io.read_table("documents", processed_dir)
    items = io.read_table("items", processed_dir)
    if len(items) == 0 or len(documents) == 0:
        raise EmptyCorpusError(
            f"{processed_dir}: the corpus has {len(documents)} documents and {len(items)} items; "
            "nothing to score (check the raw directory and re-run `python -m compare ingest`)"
        )
    seg = segmenter or default_segmenter()
    prev = _read_previous(processed_dir)

    def dictionary_changed(saved: ThemeModel) -> str | None:
        if saved.dictionary_sha256_ == td.sha256():
            return None
        log.warning("theme dictionary %s differs from the one of saved theme model %s (sha256 %s… vs %s…): "
                    "refitting on the whole corpus", td.path, saved.version_, td.sha256()[:12],
                    saved.dictionary_sha256_[:12])
        return "dictionary changed"

    model, reason = saved_or_refit(lambda: load_model(processed_dir), refit=refit, what="theme model",
                                   unreadable=ThemeModelError, changed=dictionary_changed)

    revisions = None
    paths: list[Path] = []
    if model is None:
        model, version = _fit_anew(processed_dir, items, td, seg, n_jobs, prev, reason)
        item_themes = model.item_themes_
        n_scored, n_kept = len(items), 0
        revisions = _revisions(prev, item_themes, version, reason)
        paths.append(_append_revisions(processed_dir, revisions))
    else:
        version = model.version_
        item_themes, n_scored = _score_with_saved(model, items, _reusable(prev, td), processed_dir, seg, n_jobs)
        n_kept = len(items) - n_scored
        if n_scored:
            log.info("theme model %s: %d new or changed items scored, %d kept", version, n_scored, n_kept)

    item_themes = schema.validate(item_themes, "item_themes")
    clusters = model.clusters_.copy()
    sizes = item_themes["cluster"].value_counts()
    clusters["size"] = [int(sizes.get(c, 0)) for c in clusters["cluster"]]
    agreement = cluster_agreement(item_themes["theme"], item_themes["cluster"],
                                  dict(zip(clusters["cluster"], clusters["theme"])))
    shares = theme_shares(items, item_themes, td.themes)
    paths = [
        io.write_table(item_themes, "item_themes", processed_dir),
        io.write_table(shares, "theme_shares", processed_dir),
        io.write_table(clusters, "clusters", processed_dir),
        *paths,
    ]
    write_scored(processed_dir, items[_KEY], items["text"])
    return ThemesResult(item_themes=item_themes, theme_shares=shares, clusters=clusters,
                        keyword_clusters=model.keyword_clusters_, agreement=agreement, theme_dictionary=td,
                        model=model, paths=paths, model_version=version, refit_reason=reason,
                        n_scored=n_scored, n_kept=n_kept, revisions=revisions)


def _fit_anew(processed_dir: Path, items: pd.DataFrame, td: ThemeDictionary, seg: Segmenter, n_jobs: int,
              prev: pd.DataFrame | None, reason: str | None) -> tuple[ThemeModel, str]:
    """(the model fitted on every item, its version), saved as the next version after those on record
    (the current one, else the latest the previous item_themes name)."""
    seen = prev["model_version"].dropna().unique().tolist() if prev is not None and "model_version" in prev else []
    version = next_version(processed_dir, *seen)
    tokens = seg.tokenize_many(items["text"].tolist(), n_jobs=n_jobs)
    model = ThemeModel(theme_dictionary=td).fit(items, tokens)
    previous = current_version(processed_dir) or (max(seen, key=version_number) if seen else None)
    save_model(model, processed_dir, version, reason=reason, previous_version=previous)
    log.info("theme model %s fitted on %d items (%s)", version, len(items), reason)
    return model, version


def _score_with_saved(model: ThemeModel, items: pd.DataFrame, kept: pd.DataFrame | None, processed_dir: Path,
                      seg: Segmenter, n_jobs: int) -> tuple[pd.DataFrame, int]:
    """(item_themes of every item, how many were scored now): the saved model scores the items that
    are new or whose text changed; the others keep their rows of `kept` (the last item_themes
    written with this dictionary, or None)."""
    if kept is not None:
        kept = kept.merge(items[_KEY], on=_KEY, how="inner")  # items no longer ingested drop out
        scored = read_scored(processed_dir)
        if scored is not None:  # an item whose text changed under the same id is scored again
            now = items[_KEY].assign(text_sha256=text_sha256(items["text"]))
            same = now.merge(scored, on=[*_KEY, "text_sha256"], how="inner")[_KEY]
            kept = kept.merge(same, on=_KEY, how="inner")
    else:
        kept = schema.empty("item_themes").iloc[:0][_KEY]
    todo = items.merge(kept[_KEY].assign(_kept=True), on=_KEY, how="left")
    todo = items[todo["_kept"].isna().to_numpy()]
    if len(todo):
        tokens = seg.tokenize_many(todo["text"].tolist(), n_jobs=n_jobs)
        fresh = model.predict(todo, tokens)
        fresh.insert(0, "item_id", todo["item_id"].to_numpy())
        fresh.insert(0, "doc_id", todo["doc_id"].to_numpy())
    else:
        fresh = None
    parts = [p for p in (kept if len(kept) else None, fresh) if p is not None]
    item_themes = (pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]).reset_index(drop=True)
    return items[_KEY].merge(item_themes, on=_KEY, how="left", validate="one_to_one"), len(todo)


def themes_command(*, processed: str | Path, themes_file: str | Path | None = None, refit: bool = False) -> int:
    """`python -m compare themes [--processed DIR] [--themes FILE] [--refit]`: run and print a summary."""
    res = run_themes(processed, themes_file=themes_file, refit=refit)
    it = res.item_themes
    n = len(it)
    src = res.theme_dictionary.path
    print(f"themes: {n} items scored against {len(res.theme_dictionary.themes)} themes from {src}")
    if res.refit_reason:
        changed = len(res.revisions) if res.revisions is not None else 0
        tail = ("" if res.refit_reason == "no saved model" and not changed
                else f"; {changed} items changed primary theme (theme_revisions)")
        print(f"model {res.model_version}: fitted on the whole corpus ({res.refit_reason}){tail}")
    else:
        print(f"model {res.model_version} (saved): {res.n_scored} new or changed items scored, "
              f"{res.n_kept} kept unchanged")
    counts = it["theme"].value_counts()
    print("  " + "  ".join(f"{t} {int(counts.get(t, 0))} ({counts.get(t, 0) / n:.0%})"
                           for t in res.theme_dictionary.themes))
    low = int(it["low_confidence"].sum())
    with_evidence = int(it["evidence"].map(len).gt(0).sum())
    print(f"low confidence (margin < {LOW_CONFIDENCE_MARGIN}): {low} ({low / n:.0%}); "
          f"with evidence: {with_evidence} ({with_evidence / n:.0%})")
    print(f"clusters: {len(res.clusters)} (KMeans on TF-IDF)")
    for row in res.clusters.itertuples():
        print(f"  {row.cluster:>2} {row.theme} n={row.size:<3} {' '.join(row.top_terms[:6])}")
    kw = res.keyword_clusters
    if len(kw):
        print(f"keyword groups (co-occurrence of the {len(kw)} most frequent terms):")
        for c, grp in kw.groupby("keyword_cluster", sort=True):
            print(f"  {c:>2} {grp['theme'].iloc[0]} {' '.join(grp['term'].head(8))}")
    a = res.agreement
    print("cluster/theme agreement: " + ", ".join(f"{k} {v:.2f}" for k, v in a.items()))
    print("wrote " + ", ".join(str(p) for p in res.paths))
    return 0
