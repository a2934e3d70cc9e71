"""Themes: a score per theme and one primary theme for every item, plus keyword clustering.

The method, in the words of the README:

1. **Seed evidence.** Each theme has seed keywords (``data/themes.toml``). In every item we count
   the keywords of each theme (longest match first, so 学会党建 counts for 党建, not for 学会); a
   hit in the item's heading counts twice, and every hit is weighted by the keyword's rarity across
   the items (its IDF), so ubiquitous words weigh less. ``seed share`` = the share of the item's
   weighted hits that belong to the theme.
2. **Theme profiles.** Items are turned into TF-IDF vectors of their tokens (our segmenter). A
   theme's profile is the average vector of the items that mention its keywords, each weighted by
   its seed share for the theme.
3. **Score.** ``score_<theme>`` = ½ × seed share + ½ × similarity, where similarity is the cosine
   between the item and the theme profile divided by the item's best cosine over all themes. Scores
   lie in [0, 1]. The primary theme is the highest score; ties (including items with no evidence at
   all) go to the theme listed first in the dictionary. Items without any keyword are thus placed
   by their vocabulary alone.
4. **Clusters.** Independently of the themes, KMeans (fixed random_state) groups the items' TF-IDF
   vectors into as many clusters as there are themes (fewer for small corpora); each cluster is named
   by the top terms of its centre and mapped to the theme whose profile is nearest.
   `cluster_agreement` reports how well clusters and primary themes agree (adjusted Rand index,
   NMI, purity, share of items whose cluster maps to their own theme). Frequent keywords are also
   clustered by co-occurrence (`keyword_clusters_`).

Everything is deterministic: sorted vocabulary, fixed random_state, ties by dictionary order.
"""
from __future__ import annotations

import logging
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from compare.core import io

from compare.core import schema
from compare.core.errors import EmptyCorpusError, ThemeFileError
from compare.core.paths import PACKAGE_DATA, PROCESSED_DIR
from compare.text.segment import Segmenter, default_segmenter, normalize_text

__all__ = [
    "DEFAULT_THEMES",
    "ThemeDictionary",
    "load_theme_dictionary",
    "ThemeModel",
    "ThemesResult",
    "cluster_agreement",
    "run_themes",
    "cli_themes",
]

log = logging.getLogger(__name__)

DEFAULT_THEMES = PACKAGE_DATA / "themes.toml"
_HEX = re.compile(r"#[0-9A-Fa-f]{6}")
_THEME_KEYS = {"name", "description", "color", "keywords"}
_TOP_KEYS = {"theme"}


# =============================================================================================
# the theme dictionary


@dataclass(frozen=True)
class ThemeDictionary:
    """The themes, their seed keywords and colours, in file order."""

    themes: list[str]
    keywords: dict[str, list[str]]
    colors: dict[str, str]
    descriptions: dict[str, str] = field(default_factory=dict)
    path: Path | None = None

    def keyword_theme(self) -> dict[str, str]:
        """Normalised keyword -> its theme."""
        return {normalize_text(k): t for t in self.themes for k in self.keywords[t]}

    def score_columns(self) -> list[str]:
        return [f"{schema.THEME_SCORE_PREFIX}{t}" for t in self.themes]


class _Lines:
    """Finds the line of a theme block / key in the TOML source, for error messages."""

    _HEADER = re.compile(r"^\s*\[\[\s*theme\s*\]\]")

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.headers = [i + 1 for i, ln in enumerate(self.lines) if self._HEADER.match(ln)]

    def block(self, k: int) -> tuple[int, int]:
        start = self.headers[k] if k < len(self.headers) else 1
        end = self.headers[k + 1] if k + 1 < len(self.headers) else len(self.lines) + 1
        return start, end

    def key(self, k: int | None, key: str) -> int | None:
        start, end = self.block(k) if k is not None else (1, (self.headers or [len(self.lines) + 1])[0])
        pat = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*=|^\s*\[+\s*{re.escape(key)}\s*\]")
        for n in range(start, end):
            if pat.match(self.lines[n - 1]):
                return n
        return start if k is not None else None

    def value(self, k: int, text: str, nth: int = 0) -> int | None:
        """The line of the nth quoted occurrence of a keyword, from the block's `keywords =` line on."""
        start, end = self.block(k)
        start = self.key(k, "keywords") or start
        seen = 0
        for n in range(start, end):
            line = self.lines[n - 1]
            seen += line.count(f'"{text}"') + line.count(f"'{text}'")
            if seen > nth:
                return n
        return self.key(k, "keywords")


_TOML_POS = re.compile(r"\s*\(at line (\d+), column \d+\)|\s*\(at end of document\)")


def _toml_line(exc: tomllib.TOMLDecodeError, text: str) -> int | None:
    """The line of a TOML syntax error: `lineno` on Python >= 3.14, else parsed from the message."""
    line = getattr(exc, "lineno", None)
    if line is not None:
        return int(line)
    m = _TOML_POS.search(str(exc))
    if m is None:
        return None
    return int(m.group(1)) if m.group(1) else max(1, len(text.splitlines()))


def _toml_message(exc: tomllib.TOMLDecodeError) -> str:
    return _TOML_POS.sub("", getattr(exc, "msg", None) or str(exc))


def load_theme_dictionary(path: str | Path | None = None) -> ThemeDictionary:
    """Read and validate a theme dictionary TOML file (default: the packaged ``data/themes.toml``).

    Raises ThemeFileError naming the file and, where it can be found, the line: TOML syntax errors,
    unknown keys, a theme without name/colour/keywords, empty or duplicate keywords, duplicate theme
    names, colours that are not ``#RRGGBB`` or are used twice."""
    path = Path(path) if path is not None else DEFAULT_THEMES
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ThemeFileError(path, "the theme file does not exist") from None
    except OSError as exc:
        raise ThemeFileError(path, f"cannot read the theme file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ThemeFileError(path, "the theme file must be UTF-8 text", line) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeFileError(path, f"not valid TOML: {_toml_message(exc)}", _toml_line(exc, text)) from None

    lines = _Lines(text)

    def fail(reason: str, line: int | None = None):
        raise ThemeFileError(path, reason, line)

    for key in data:
        if key not in _TOP_KEYS:
            fail(f"unknown top-level key {key!r} (expected [[theme]] blocks)", lines.key(None, key))
    blocks = data.get("theme")
    if not isinstance(blocks, list) or not blocks:
        fail("no themes: add [[theme]] blocks with name, color and keywords", None)

    themes: list[str] = []
    keywords: dict[str, list[str]] = {}
    colors: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    seen_kw: dict[str, str] = {}
    seen_color: dict[str, str] = {}
    for k, block in enumerate(blocks):
        where = lines.block(k)[0]
        unknown = sorted(set(block) - _THEME_KEYS)
        if unknown:
            fail(f"theme #{k + 1}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(_THEME_KEYS))})",
                 lines.key(k, unknown[0]))
        name = block.get("name")
        if not isinstance(name, str) or not name.strip():
            fail(f"theme #{k + 1} needs a non-empty name = \"...\"", lines.key(k, "name") if "name" in block else where)
        name = name.strip()
        if any(ch.isspace() for ch in name):
            fail(f"theme name {name!r} must not contain spaces (it becomes the column score_{name})", lines.key(k, "name"))
        if name in keywords:
            fail(f"theme {name!r} is defined twice", lines.key(k, "name"))
        color = block.get("color")
        if color is None:
            fail(f"theme {name!r} needs a color = \"#RRGGBB\"", where)
        if not isinstance(color, str) or not _HEX.fullmatch(color.strip()):
            fail(f"theme {name!r}: color must be a hex colour like \"#0072B2\", not {color!r}", lines.key(k, "color"))
        color = color.strip().upper()
        if color in seen_color:
            fail(f"theme {name!r}: color {color} is already used by theme {seen_color[color]!r}", lines.key(k, "color"))
        kws = block.get("keywords")
        if kws is None:
            fail(f"theme {name!r} needs keywords = [\"...\", ...]", where)
        if not isinstance(kws, list) or not kws:
            fail(f"theme {name!r}: keywords must be a non-empty list of strings", lines.key(k, "keywords"))
        clean: list[str] = []
        for kw in kws:
            if not isinstance(kw, str) or not kw.strip():
                fail(f"theme {name!r}: keywords must be non-empty strings, not {kw!r}", lines.key(k, "keywords"))
            norm = normalize_text(kw.strip())
            if norm in seen_kw:
                other = seen_kw[norm]
                reason = "twice" if other == name else f"also under theme {other!r}"
                fail(f"theme {name!r}: keyword {kw!r} is listed {reason}; a keyword belongs to one theme",
                     lines.value(k, kw, nth=clean.count(kw.strip())))
            seen_kw[norm] = name
            clean.append(kw.strip())
        desc = block.get("description", "")
        if not isinstance(desc, str):
            fail(f"theme {name!r}: description must be a string", lines.key(k, "description"))
        themes.append(name)
        keywords[name] = clean
        colors[name] = color
        descriptions[name] = desc.strip()
        seen_color[color] = name
    return ThemeDictionary(themes=themes, keywords=keywords, colors=colors, descriptions=descriptions,
                           path=path)


# =============================================================================================
# the model


def _identity(tokens):
    return tokens


def _normalize_rows(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return np.divide(m, norms, out=np.zeros_like(m), where=norms > 0)


def _first_max(scores: np.ndarray) -> np.ndarray:
    """Column of the row maximum; the first column wins ties (after rounding to 9 decimals)."""
    return np.argmax(np.round(scores, 9), axis=1)


class ThemeModel:
    """Seed keywords + TF-IDF theme scoring, and KMeans keyword clustering (see module docstring).

    Parameters
    ----------
    theme_dictionary : ThemeDictionary, optional (default: the packaged one)
    n_clusters : int, optional
        KMeans clusters; default one per theme. Reduced automatically for small corpora.
    seed_weight : float in [0, 1]
        Weight of the seed share in the score (the rest is relative similarity to the profiles).
    heading_weight : float >= 1
        How many times a keyword hit in the heading counts.
    n_top_terms : int
        Terms used to name a cluster.
    n_keywords : int
        Most frequent terms clustered by co-occurrence in ``keyword_clusters_``.
    random_state : int
        Seed of KMeans.
    """

    def __init__(self, *, theme_dictionary: ThemeDictionary | None = None, n_clusters: int | None = None,
                 seed_weight: float = 0.5, heading_weight: float = 2.0, n_top_terms: int = 8,
                 n_keywords: int = 60, random_state: int = 0):
        self.theme_dictionary = theme_dictionary
        self.n_clusters = n_clusters
        self.seed_weight = seed_weight
        self.heading_weight = heading_weight
        self.n_top_terms = n_top_terms
        self.n_keywords = n_keywords
        self.random_state = random_state

    # -- validation -----------------------------------------------------------------------------
    def _validate_params(self) -> None:
        if self.theme_dictionary is not None and not isinstance(self.theme_dictionary, ThemeDictionary):
            raise TypeError("theme_dictionary must be a ThemeDictionary (see load_theme_dictionary)")
        if self.n_clusters is not None and (not isinstance(self.n_clusters, int) or self.n_clusters < 1):
            raise ValueError(f"n_clusters must be a positive int or None, not {self.n_clusters!r}")
        if not 0.0 <= float(self.seed_weight) <= 1.0:
            raise ValueError(f"seed_weight must be within [0, 1], not {self.seed_weight!r}")
        if float(self.heading_weight) < 1.0:
            raise ValueError(f"heading_weight must be >= 1, not {self.heading_weight!r}")
        for name in ("n_top_terms", "n_keywords"):
            v = getattr(self, name)
            if not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a positive int, not {v!r}")

    @staticmethod
    def _texts(items) -> tuple[list[str], list[str]]:
        if isinstance(items, pd.DataFrame):
            if "text" not in items.columns:
                raise ValueError("items must have a 'text' column")
            texts = items["text"].fillna("").astype(str).tolist()
            heads = (items["heading"].fillna("").astype(str).tolist() if "heading" in items.columns
                     else [""] * len(texts))
        else:
            texts = [str(t) for t in items]
            heads = [""] * len(texts)
        return texts, heads

    # -- seed evidence --------------------------------------------------------------------------
    def _keyword_hits(self, texts: list[str], heads: list[str]) -> sparse.csr_matrix:
        """items x keywords matrix of hit counts (heading hits weighted by heading_weight)."""
        rows, cols, vals = [], [], []
        index = self.keyword_index_
        for i, (text, head) in enumerate(zip(texts, heads)):
            c: Counter = Counter(m.group(0) for m in self.keyword_re_.finditer(normalize_text(text)))
            if head and self.heading_weight > 1:
                for m in self.keyword_re_.finditer(normalize_text(head)):
                    c[m.group(0)] += self.heading_weight - 1
            for kw, n in c.items():
                rows.append(i)
                cols.append(index[kw])
                vals.append(float(n))
        return sparse.csr_matrix((vals, (rows, cols)), shape=(len(texts), len(index)), dtype=np.float64)

    def _seed_share(self, hits: sparse.csr_matrix) -> np.ndarray:
        weighted = sparse.csr_matrix(hits.multiply(self.keyword_idf_[None, :]))
        evidence = np.asarray(weighted @ self.keyword_to_theme_)
        total = evidence.sum(axis=1, keepdims=True)
        return np.divide(evidence, total, out=np.zeros_like(evidence), where=total > 0)

    # -- fitting --------------------------------------------------------------------------------
    def fit(self, items, tokens) -> ThemeModel:
        """Learn the vocabulary, keyword weights, theme profiles and clusters from a corpus.

        items: DataFrame with a 'text' column ('heading', 'doc_id', 'item_id' used when present) or a
        sequence of texts; tokens: one token list per item (e.g. Segmenter.tokenize_many)."""
        from sklearn.cluster import KMeans
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._validate_params()
        td = self.theme_dictionary or load_theme_dictionary()
        texts, heads = self._texts(items)
        tokens = [list(t) for t in tokens]
        if len(tokens) != len(texts):
            raise ValueError(f"got {len(texts)} items but {len(tokens)} token lists")
        if not texts:
            raise EmptyCorpusError("no items to fit the theme model on")
        self.theme_dictionary_ = td
        self.themes_ = list(td.themes)

        # keywords: one regex, longest first, so a keyword inside a longer one is not counted twice
        kw_theme = td.keyword_theme()
        kws = sorted(kw_theme, key=lambda k: (-len(k), k))
        self.keywords_ = kws
        self.keyword_index_ = {k: j for j, k in enumerate(kws)}
        self.keyword_re_ = re.compile("|".join(re.escape(k) for k in kws))
        m = np.zeros((len(kws), len(self.themes_)))
        for j, k in enumerate(kws):
            m[j, self.themes_.index(kw_theme[k])] = 1.0
        self.keyword_to_theme_ = m
        hits = self._keyword_hits(texts, heads)
        n = len(texts)
        df = np.asarray((hits > 0).sum(axis=0)).ravel()
        self.keyword_idf_ = np.log((1.0 + n) / (1.0 + df)) + 1.0
        seed = self._seed_share(hits)

        # TF-IDF and theme profiles
        self.vectorizer_ = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, norm="l2")
        x = self.vectorizer_.fit_transform(tokens) if any(tokens) else None
        self.vocabulary_ = (np.asarray(self.vectorizer_.get_feature_names_out(), dtype=object)
                            if x is not None else np.asarray([], dtype=object))
        if x is None:
            x = sparse.csr_matrix((n, 0))
        self.tfidf_ = x
        profiles = np.asarray((sparse.csr_matrix(seed.T) @ x).todense()) if x.shape[1] else np.zeros(
            (len(self.themes_), 0))
        self.profiles_ = _normalize_rows(profiles)
        self.seed_share_ = seed
        scores = self._combine(seed, x)
        self.scores_ = scores
        self.labels_ = _first_max(scores)

        # item clusters
        k = self.n_clusters or len(self.themes_)
        distinct = len({(tuple(x.indices[x.indptr[i]:x.indptr[i + 1]]),
                         tuple(np.round(x.data[x.indptr[i]:x.indptr[i + 1]], 9))) for i in range(n)})
        k = max(1, min(k, distinct))
        self.n_clusters_ = k
        if x.shape[1] == 0 or k == 1:
            self.kmeans_ = None
            self.cluster_labels_ = np.zeros(n, dtype=np.int64)
            centers = np.asarray(x.mean(axis=0)).reshape(1, -1) if x.shape[1] else np.zeros((1, 0))
        else:
            self.kmeans_ = KMeans(n_clusters=k, n_init=10, random_state=self.random_state).fit(x)
            self.cluster_labels_ = self._relabel(self.kmeans_.labels_)
            centers = np.vstack([np.asarray(x[self.cluster_labels_ == c].mean(axis=0)).ravel()
                                 for c in range(k)])
        self.cluster_centers_ = centers
        self.clusters_ = self._cluster_table(centers, scores)
        self.agreement_ = cluster_agreement(
            [self.themes_[i] for i in self.labels_], self.cluster_labels_,
            dict(zip(self.clusters_["cluster"], self.clusters_["theme"])),
        )
        self.keyword_clusters_ = self._keyword_clusters(tokens)
        self.item_ids_ = (items[["doc_id", "item_id"]].reset_index(drop=True)
                          if isinstance(items, pd.DataFrame) and {"doc_id", "item_id"} <= set(items.columns)
                          else None)
        return self

    def _relabel(self, labels: np.ndarray) -> np.ndarray:
        """Number clusters by their first item in corpus order, so ids do not depend on KMeans' order."""
        order = {}
        for lab in labels:
            if lab not in order:
                order[lab] = len(order)
        return np.asarray([order[lab] for lab in labels], dtype=np.int64)

    def _combine(self, seed: np.ndarray, x) -> np.ndarray:
        if x.shape[1] and self.profiles_.shape[1]:
            cos = np.asarray((x @ self.profiles_.T))
            cos = np.clip(cos, 0.0, None)
        else:
            cos = np.zeros_like(seed)
        best = cos.max(axis=1, keepdims=True)
        rel = np.divide(cos, best, out=np.zeros_like(cos), where=best > 0)
        w = float(self.seed_weight)
        return np.round(w * seed + (1.0 - w) * rel, 9)

    def _top_terms(self, weights: np.ndarray, k: int) -> list[str]:
        if weights.size == 0:
            return []
        order = np.lexsort((self.vocabulary_.astype(str), -np.round(weights, 12)))
        return [str(self.vocabulary_[j]) for j in order[:k] if weights[j] > 0]

    def _nearest_theme(self, vec: np.ndarray, fallback: np.ndarray) -> str:
        norm = np.linalg.norm(vec)
        if norm > 0 and self.profiles_.shape[1]:
            sims = self.profiles_ @ (vec / norm)
            if sims.max() > 0:
                return self.themes_[int(np.argmax(np.round(sims, 9)))]
        # no vocabulary in common with any profile: the most common primary theme of its items
        counts = np.bincount(fallback, minlength=len(self.themes_)) if fallback.size else np.zeros(len(self.themes_))
        return self.themes_[int(np.argmax(counts))]

    def _cluster_table(self, centers: np.ndarray, scores: np.ndarray) -> pd.DataFrame:
        rows = []
        for c in range(centers.shape[0]):
            members = self.cluster_labels_ == c
            rows.append({
                "cluster": c,
                "top_terms": self._top_terms(centers[c], self.n_top_terms),
                "theme": self._nearest_theme(centers[c], self.labels_[members]),
                "size": int(members.sum()),
            })
        df = pd.DataFrame(rows, columns=["cluster", "top_terms", "theme", "size"])
        return df.astype({"cluster": "int64", "size": "int64"})

    def _keyword_clusters(self, tokens: list[list[str]]) -> pd.DataFrame:
        """The most frequent terms (in at least 2 items) grouped by co-occurrence: each term is the
        vector of its cosine association with every other term (co-occurrence counts over items,
        normalised), and KMeans groups these vectors. Each group is mapped to the theme whose
        profile gives its terms the most weight."""
        from sklearn.cluster import KMeans

        cols = ["keyword_cluster", "term", "n_items", "theme"]
        dfreq = Counter(t for toks in tokens for t in set(toks))
        terms = sorted((t for t, c in dfreq.items() if c >= 2), key=lambda t: (-dfreq[t], t))[: self.n_keywords]
        if not terms:
            return pd.DataFrame(columns=cols).astype({"keyword_cluster": "int64", "n_items": "int64"})
        terms.sort()
        index = {t: j for j, t in enumerate(terms)}
        rows, cs = [], []
        for i, toks in enumerate(tokens):
            for t in set(toks):
                if t in index:
                    rows.append(i)
                    cs.append(index[t])
        b = sparse.csr_matrix((np.ones(len(rows)), (rows, cs)), shape=(len(tokens), len(terms)))
        co = np.asarray((b.T @ b).todense())
        diag = np.sqrt(np.diag(co))
        assoc = co / np.outer(diag, diag)
        k = min(len(self.themes_), len({tuple(np.round(r, 9)) for r in assoc}))
        if k < 2:
            labels = np.zeros(len(terms), dtype=np.int64)
        else:  # each term is described by its association with every other term
            labels = KMeans(n_clusters=k, n_init=10, random_state=self.random_state).fit_predict(assoc)
        # renumber by the first (alphabetical) term; map to the theme whose profile weighs its terms most
        order: dict[int, int] = {}
        for lab in labels:
            order.setdefault(int(lab), len(order))
        vocab = {str(t): j for j, t in enumerate(self.vocabulary_)}
        out = []
        for c in range(len(order)):
            members = [terms[j] for j in range(len(terms)) if order[int(labels[j])] == c]
            idx = [vocab[t] for t in members if t in vocab]
            weight = self.profiles_[:, idx].sum(axis=1) if idx and self.profiles_.shape[1] else np.zeros(len(self.themes_))
            theme = self.themes_[int(np.argmax(np.round(weight, 9)))]
            for t in sorted(members, key=lambda t: (-dfreq[t], t)):
                out.append({"keyword_cluster": c, "term": t, "n_items": dfreq[t], "theme": theme})
        return pd.DataFrame(out, columns=cols).astype({"keyword_cluster": "int64", "n_items": "int64"})

    # -- applying -------------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "profiles_"):
            raise RuntimeError("this ThemeModel is not fitted yet: call fit(items, tokens) first")

    def transform(self, items, tokens) -> np.ndarray:
        """Scores (items x themes) of new items against the fitted keyword weights and profiles."""
        self._check_fitted()
        texts, heads = self._texts(items)
        seed = self._seed_share(self._keyword_hits(texts, heads))
        x = (self.vectorizer_.transform([list(t) for t in tokens]) if len(self.vocabulary_)
             else sparse.csr_matrix((len(texts), 0)))
        return self._combine(seed, x)

    def predict(self, items, tokens) -> pd.DataFrame:
        """theme, score_<theme>... and cluster for new items (one row per item, in order)."""
        scores = self.transform(items, tokens)
        x = self.vectorizer_.transform([list(t) for t in tokens]) if len(self.vocabulary_) else None
        if self.kmeans_ is not None and x is not None:
            remap = {}
            for old, new in zip(self.kmeans_.labels_, self.cluster_labels_):
                remap.setdefault(int(old), int(new))
            clusters = np.asarray([remap[int(c)] for c in self.kmeans_.predict(x)], dtype=np.int64)
        else:
            clusters = np.zeros(len(scores), dtype=np.int64)
        return self._frame(scores, clusters)

    def _frame(self, scores: np.ndarray, clusters: np.ndarray) -> pd.DataFrame:
        labels = _first_max(scores) if len(scores) else np.zeros(0, dtype=int)
        df = pd.DataFrame({"theme": pd.array([self.themes_[i] for i in labels], dtype="str")})
        for j, col in enumerate(self.theme_dictionary_.score_columns()):
            df[col] = scores[:, j].astype("float64")
        df["cluster"] = clusters.astype("int64")
        return df

    @property
    def item_themes_(self) -> pd.DataFrame:
        """The item_themes table of the fitted corpus (doc_id, item_id, theme, score_*, cluster)."""
        self._check_fitted()
        df = self._frame(self.scores_, self.cluster_labels_)
        if self.item_ids_ is not None:
            df.insert(0, "item_id", self.item_ids_["item_id"].to_numpy())
            df.insert(0, "doc_id", self.item_ids_["doc_id"].to_numpy())
        return df


def cluster_agreement(themes, clusters, cluster_theme: dict | None = None) -> dict[str, float]:
    """How well item clusters agree with primary themes.

    Returns adjusted_rand (chance-corrected, 1 = identical partitions, ~0 = unrelated), nmi
    (normalised mutual information, 0..1), purity (share of items whose theme is the majority theme
    of their cluster) and, when cluster_theme (cluster -> mapped theme) is given, mapped_share (share
    of items whose cluster is mapped to their own theme)."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    themes = list(themes)
    clusters = [int(c) for c in clusters]
    if len(themes) != len(clusters):
        raise ValueError(f"{len(themes)} themes but {len(clusters)} cluster labels")
    if not themes:
        raise EmptyCorpusError("no items: cannot compare clusters and themes")
    out = {
        "adjusted_rand": float(adjusted_rand_score(themes, clusters)),
        "nmi": float(normalized_mutual_info_score(themes, clusters)),
    }
    by_cluster: dict[int, Counter] = {}
    for t, c in zip(themes, clusters):
        by_cluster.setdefault(c, Counter())[t] += 1
    out["purity"] = sum(max(cnt.values()) for cnt in by_cluster.values()) / len(themes)
    if cluster_theme is not None:
        out["mapped_share"] = sum(cluster_theme.get(c) == t for t, c in zip(themes, clusters)) / len(themes)
    return out


# =============================================================================================
# the pipeline stage


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


def run_themes(processed_dir: str | Path = PROCESSED_DIR, *, themes_file: str | Path | None = None,
               segmenter: Segmenter | None = None, n_jobs: int = 1) -> ThemesResult:
    """Segment the items of processed_dir, score themes, cluster, and write item_themes,
    theme_shares and clusters there. Raises EmptyCorpusError when there are no items."""
    from compare import analysis

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
    tokens = seg.tokenize_many(items["text"].tolist(), n_jobs=n_jobs)
    model = ThemeModel(theme_dictionary=td).fit(items, tokens)
    item_themes = model.item_themes_
    corpus = analysis.Corpus.from_frames(documents=documents, items=items, item_themes=item_themes,
                                         themes=td.themes, tokens=tokens)
    shares = analysis.theme_shares(corpus)
    paths = [
        io.write_table(item_themes, "item_themes", processed_dir),
        io.write_table(shares, "theme_shares", processed_dir),
        io.write_table(model.clusters_, "clusters", processed_dir),
    ]
    return ThemesResult(item_themes=item_themes, theme_shares=shares, clusters=model.clusters_,
                        keyword_clusters=model.keyword_clusters_, agreement=model.agreement_,
                        theme_dictionary=td, model=model, paths=paths)


def cli_themes(args) -> int:
    """`python -m compare themes [--processed DIR] [--themes FILE]`: run and print a short summary."""
    res = run_themes(args.processed, themes_file=getattr(args, "themes", None))
    it = res.item_themes
    n = len(it)
    src = res.theme_dictionary.path
    print(f"themes: {n} items scored against {len(res.theme_dictionary.themes)} themes from {src}")
    counts = it["theme"].value_counts()
    print("  " + "  ".join(f"{t} {int(counts.get(t, 0))} ({counts.get(t, 0) / n:.0%})"
                           for t in res.theme_dictionary.themes))
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
