"""Commitment strength: how firmly each plan item commits to its task (大力推进 vs 探索).

Method (docs/tracking.md): the editable lexicon `data/commitment.toml` lists
strong (坚决, 全面, 确保, 大力, 加快, …), moderate (积极, 持续, 稳步, 进一步, …) and tentative (探索,
研究, 鼓励, 试点, 争取, …) words, plus `ignore` phrases (names and nouns that contain such a word:
研究院, 试点县, 高质量发展, 全面从严治党) and negation words. In an item's own text the words are found
left to right, longest first and without overlap (one regular expression whose alternatives are
sorted longest first, so 坚定不移 wins over any shorter word at the same place and 可持续发展 is
skipped as a whole). A word right after a negation word (不再探索) is cancelled and reported in
`negated`. The score is the weighted mean of the levels of the words found (strong 1, moderate 0.5,
tentative 0; a word in the heading counts `heading_weight` times, the heading names the task and
its verb sets the tone); score >= strong_at -> strong, < tentative_below -> tentative, else
moderate; no word -> none.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from compare.analysis._common import corpus_first
from compare.analysis.corpus import Corpus
from compare.core import schema
from compare.core.errors import EmptyCorpusError, ThemeFileError
from compare.core.paths import PACKAGE_DATA
from compare.core.textfile import AnalystFileError, read_toml
from compare.core.vocab import DEFAULT_LEVEL

__all__ = [
    "DEFAULT_LEXICON",
    "STRENGTHS",
    "Lexicon",
    "LexiconError",
    "StrengthScore",
    "item_strength",
    "load_lexicon",
    "score_text",
    "strength_agreement",
    "strength_profile",
]

DEFAULT_LEXICON = PACKAGE_DATA / "commitment.toml"
#: commitment strengths of the lexicon, strongest first (an item with none of its words is "none")
STRENGTHS = ("strong", "moderate", "tentative")
LABELS = (*STRENGTHS, "none")


class LexiconError(ThemeFileError):
    """The commitment lexicon file is malformed (names the file, and the line when TOML says it)."""


@dataclass(frozen=True)
class Lexicon:
    words: dict[str, str]  # word -> level
    ignore: frozenset[str]
    negation: tuple[str, ...]
    values: dict[str, float]
    heading_weight: float
    strong_at: float
    tentative_below: float
    version: str  # sha256 of the file's text as UTF-8 (first 12 hex digits): the same whatever encoding it was saved in
    pattern: re.Pattern = field(repr=False, compare=False, default=None)


def _words(doc: dict, key: str, path: Path) -> list[str]:
    section = doc.get(key)
    if not isinstance(section, dict) or not isinstance(section.get("words"), list):
        raise LexiconError(path, f"[{key}] needs a `words = [...]` list")
    words = section["words"]
    bad = [w for w in words if not isinstance(w, str) or not w.strip()]
    if bad:
        raise LexiconError(path, f"[{key}] words must be non-empty strings, got {bad[:3]}")
    if key not in ("negation",) and not words and key != "ignore":
        raise LexiconError(path, f"[{key}] has no words")
    return [w.strip() for w in words]


def load_lexicon(path: str | Path | None = None) -> Lexicon:
    """Read and check a commitment lexicon (default: the packaged `data/commitment.toml`)."""
    path = Path(path) if path is not None else DEFAULT_LEXICON
    try:
        doc, text = read_toml(path)  # UTF-8 or GB18030, mojibake refused (compare.core.textfile)
    except AnalystFileError as exc:
        raise LexiconError(path, exc.reason, exc.line) from None
    known = {"heading_weight", "levels", "labels", *STRENGTHS, "ignore", "negation"}
    unknown = sorted(set(doc) - known)
    if unknown:
        raise LexiconError(path, f"unknown keys {unknown}; known: {sorted(known)}")
    words: dict[str, str] = {}
    for level in STRENGTHS:
        for w in _words(doc, level, path):
            if w in words:
                raise LexiconError(path, f"{w!r} is listed under both {words[w]} and {level}")
            words[w] = level
    ignore = frozenset(_words(doc, "ignore", path)) if "ignore" in doc else frozenset()
    dup = sorted(ignore & set(words))
    if dup:
        raise LexiconError(path, f"{dup} are both commitment words and ignored phrases")
    negation = tuple(_words(doc, "negation", path)) if "negation" in doc else ()
    levels = doc.get("levels", {})
    values = {lv: float(levels.get(lv, d)) for lv, d in zip(STRENGTHS, (1.0, 0.5, 0.0))}
    labels = doc.get("labels", {})
    strong_at, tentative_below = float(labels.get("strong_at", 0.62)), float(labels.get("tentative_below", 0.42))
    if not 0 <= tentative_below <= strong_at <= 1:
        raise LexiconError(path, "[labels] needs 0 <= tentative_below <= strong_at <= 1")
    alternatives = sorted(set(words) | ignore, key=lambda w: (-len(w), w))
    pattern = re.compile("|".join(re.escape(w) for w in alternatives))
    return Lexicon(
        words=words, ignore=ignore, negation=negation, values=values,
        heading_weight=float(doc.get("heading_weight", 2)), strong_at=strong_at,
        tentative_below=tentative_below, version=hashlib.sha256(text.encode("utf-8")).hexdigest()[:12], pattern=pattern,
    )


_CACHE: dict[tuple[str, int], Lexicon] = {}


def _lexicon(lexicon: Lexicon | str | Path | None) -> Lexicon:
    """A Lexicon as given, or the one in that file (read again only when the file changed)."""
    if isinstance(lexicon, Lexicon):
        return lexicon
    path = Path(lexicon) if lexicon is not None else DEFAULT_LEXICON
    try:
        key = (str(path.resolve()), path.stat().st_mtime_ns)
    except OSError:
        return load_lexicon(path)  # raises the readable LexiconError
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = load_lexicon(path)
    return _CACHE[key]


@dataclass(frozen=True)
class StrengthScore:
    score: float | None
    strength: str
    counts: dict[str, int]
    evidence: list[str]
    negated: list[str]


def _negated(text: str, start: int, consumed_until: int, negation: Sequence[str]) -> bool:
    """A negation word ends right before `start` and does not overlap the previous match."""
    for neg in negation:
        s = start - len(neg)
        if s >= consumed_until and text[s:start] == neg:
            return True
    return False


def _hits(text: str, lex: Lexicon) -> tuple[list[str], list[str]]:
    found, negated, end = [], [], 0
    for m in lex.pattern.finditer(text or ""):
        word = m.group(0)
        if word in lex.words:
            if _negated(text, m.start(), end, lex.negation):
                negated.append(word)
            else:
                found.append(word)
        end = m.end()
    return found, negated


def score_text(text: str, heading: str | None = None, *, lexicon: Lexicon | str | Path | None = None
               ) -> StrengthScore:
    """Score one item. `text` is the whole item (heading included, as in the items table); the words
    of `heading` (its first sentence) count `heading_weight` times in the mean. `lexicon`: a Lexicon
    or a TOML path (default: the packaged one, read again only when the file changes).

    >>> s = score_text("确保年内全面建成，探索新的模式。")
    >>> s.strength, s.score, s.evidence
    ('strong', 0.666667, ['确保', '全面', '探索'])

    >>> score_text("不再探索，不断加强。").negated
    ['探索']
    """
    lex = _lexicon(lexicon)
    found, negated = _hits(text, lex)
    head_found, _ = _hits(heading or "", lex)
    counts = {lv: sum(lex.words[w] == lv for w in found) for lv in STRENGTHS}
    weights = [1.0] * len(found)
    # the heading's words are the first ones of the text: give them the heading weight
    for i in range(min(len(head_found), len(found))):
        weights[i] = lex.heading_weight
    if not found:
        return StrengthScore(None, "none", counts, [], negated)
    values = [lex.values[lex.words[w]] for w in found]
    score = sum(v * w for v, w in zip(values, weights)) / sum(weights)
    strength = "strong" if score >= lex.strong_at else "tentative" if score < lex.tentative_below else "moderate"
    return StrengthScore(round(score, 6), strength, counts, found, negated)


def _item_strength(
    items: pd.DataFrame, documents: pd.DataFrame | None = None, *, lexicon: Lexicon | str | Path | None = None
) -> pd.DataFrame:
    """item_strength on the tables themselves (the implementation; also the old, table-first call)."""
    if items.empty:
        raise EmptyCorpusError("item_strength: there are no items to score")
    lex = _lexicon(lexicon)
    level = pd.Series(DEFAULT_LEVEL, index=items.index)
    if documents is not None and "level" in documents.columns:
        level = items["doc_id"].map(documents.set_index("doc_id")["level"]).fillna(DEFAULT_LEVEL)
    rows = [score_text(t, h, lexicon=lex) for t, h in zip(items["text"], items["heading"])]
    out = pd.DataFrame(
        {
            "doc_id": items["doc_id"].to_numpy(),
            "item_id": items["item_id"].to_numpy(),
            "province": items["province"].to_numpy(),
            "level": level.to_numpy(),
            "year": items["year"].astype("int64").to_numpy(),
            "doc_type": items["doc_type"].to_numpy(),
            "score": [r.score if r.score is not None else np.nan for r in rows],
            "strength": [r.strength for r in rows],
            "n_strong": [r.counts["strong"] for r in rows],
            "n_moderate": [r.counts["moderate"] for r in rows],
            "n_tentative": [r.counts["tentative"] for r in rows],
            "evidence": [r.evidence for r in rows],
            "negated": [r.negated for r in rows],
        }
    )
    return out[schema.column_names("item_strength")]


@corpus_first(_item_strength)
def item_strength(
    corpus: Corpus, *, lexicon: Lexicon | str | Path | None = None
) -> pd.DataFrame:
    """The `item_strength` table: one row per item, in items order. The documents give each
    item's plan level.

    >>> from compare import analysis
    >>> table = item_strength(analysis.example_corpus())
    >>> table.loc[6, ["item_id", "strength", "evidence"]].tolist()
    ['一/1', 'strong', ['坚持']]
    """
    return _item_strength(corpus.items, corpus.documents, lexicon=lexicon)


def strength_profile(
    strength: pd.DataFrame,
    item_themes: pd.DataFrame | None = None,
    *,
    by: str | Sequence[str] = ("province", "theme"),
    lexicon: Lexicon | str | Path | None = None,
) -> pd.DataFrame:
    """Commitment strength compared by groups (any of province, level, year, doc_type, doc_id, theme).

    Returns one row per group: n_items, mean_score (items without any commitment word left out),
    share_strong / share_moderate / share_tentative / share_none (of all items of the group), and
    the group's most frequent strong and tentative words (top_strong, top_tentative; levels from
    `lexicon`, default the packaged one). `theme` needs `item_themes` (the item's primary theme).

    >>> from compare import analysis
    >>> table = item_strength(analysis.example_corpus())
    >>> strength_profile(table, by="province")[["province", "n_items", "share_strong"]].values.tolist()
    [['河南', 6, 0.0], ['湖北', 2, 0.5]]
    """
    by = [by] if isinstance(by, str) else list(by)
    df = strength
    if "theme" in by:
        if item_themes is None:
            raise EmptyCorpusError("strength_profile by theme needs item_themes (run `python -m compare themes`)")
        df = df.merge(item_themes[["doc_id", "item_id", "theme"]], on=["doc_id", "item_id"], how="left")
        df["theme"] = df["theme"].fillna("未分类")
    unknown = [c for c in by if c not in df.columns]
    if unknown:
        from compare.core.errors import ParameterError

        raise ParameterError(f"strength_profile: unknown grouping column(s) {unknown}")
    lex_levels = _lexicon(lexicon).words
    rows = []
    for key, g in df.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        n = len(g)
        row = dict(zip(by, key))
        row["n_items"] = n
        scored = g["score"].dropna()
        row["mean_score"] = float(scored.mean()) if len(scored) else np.nan
        for lv in LABELS:
            row[f"share_{lv}"] = float((g["strength"] == lv).sum() / n)
        for lv, col in (("strong", "n_strong"), ("tentative", "n_tentative")):
            words = pd.Series([w for ws in g["evidence"] for w in ws], dtype="object")
            words = words[words.map(lex_levels).eq(lv)] if len(words) else words
            counts = words.value_counts()
            top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
            row[f"top_{lv}"] = "、".join(w for w, _ in top)
        rows.append(row)
    return pd.DataFrame(rows)


def strength_agreement(strength: pd.DataFrame, labels: pd.DataFrame) -> dict:
    """Agreement of item_strength with hand labels (doc_id, item_id, label).

    Returns n, accuracy, Cohen's kappa (sklearn.metrics.cohen_kappa_score, unweighted) and the
    confusion table (rows: hand label, columns: predicted) as a DataFrame.
    """
    from sklearn.metrics import cohen_kappa_score

    m = labels.merge(strength[["doc_id", "item_id", "strength"]], on=["doc_id", "item_id"], how="inner")
    if m.empty:
        raise EmptyCorpusError("strength_agreement: none of the labelled items is in item_strength")
    order = [lv for lv in LABELS if lv in set(m["label"]) | set(m["strength"])]
    confusion = pd.crosstab(m["label"], m["strength"]).reindex(index=order, columns=order, fill_value=0)
    return {
        "n": len(m),
        "accuracy": float((m["label"] == m["strength"]).mean()),
        "kappa": float(cohen_kappa_score(m["label"], m["strength"], labels=order)),
        "confusion": confusion,
    }
