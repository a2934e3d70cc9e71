"""The theme model: a score per theme, one primary theme, and the evidence behind it, for every item.

1. **Seed evidence.** Each theme has seed keywords (the theme dictionary). In every item we count
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
   all) go to the theme listed first in the dictionary.
4. **Explanation.** The runner-up theme and its score, the margin between the two, ``low_confidence``
   when the margin is below ``LOW_CONFIDENCE_MARGIN``, and the evidence: the primary theme's keywords
   found in the item (heaviest first) followed by the TF-IDF terms that contribute most to the item's
   similarity with the primary theme's profile, both as written in the item.
5. **Clusters** (`compare.text.clusters`): KMeans groups the TF-IDF vectors, independently of themes.

What a fit learns (keyword IDF, vocabulary and IDF, profiles, cluster centres) is saved by
`compare.text.model` so that later runs score new items without refitting.
"""
from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pandas as pd
from scipy import sparse

from compare.core.errors import EmptyCorpusError
from compare.text import clusters as cl
from compare.text.dictionary import ThemeDictionary, load_theme_dictionary
from compare.text.segment import normalize_text

__all__ = ["ThemeModel", "LOW_CONFIDENCE_MARGIN", "EXPLANATION_COLUMNS"]

#: An item is low_confidence when its primary score exceeds the runner-up's by less than this.
#: Chosen on the hand-labelled seed items (tests/fixtures/theme_labels.csv; docs/themes.md, "Explained themes").
LOW_CONFIDENCE_MARGIN = 0.25
#: Evidence: at most this many keywords, then at most this many TF-IDF terms.
MAX_EVIDENCE_KEYWORDS = 5
MAX_EVIDENCE_TERMS = 3
EXPLANATION_COLUMNS = ["runner_up", "runner_up_score", "margin", "low_confidence", "evidence"]
UNSAVED = "unsaved"


def _identity(tokens):
    return tokens


def _normalize_rows(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return np.divide(m, norms, out=np.zeros_like(m), where=norms > 0)


def _first_max(scores: np.ndarray) -> np.ndarray:
    """Column of the row maximum; the first column wins ties (after rounding to 9 decimals)."""
    return np.argmax(np.round(scores, 9), axis=1)


def _as_written(original: str, normalized: str, start: int, end: int) -> str:
    """The span [start, end) of the normalised text as the item writes it (same span of the original
    when normalisation kept the length, else the normalised form)."""
    if len(original) == len(normalized):
        return original[start:end]
    return normalized[start:end]


class ThemeModel:
    """Seed keywords + TF-IDF theme scoring, and KMeans clustering (see the module docstring).

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
        self.version_ = UNSAVED

    def get_params(self) -> dict:
        return {"n_clusters": self.n_clusters, "seed_weight": float(self.seed_weight),
                "heading_weight": float(self.heading_weight), "n_top_terms": self.n_top_terms,
                "n_keywords": self.n_keywords, "random_state": self.random_state}

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

    # -- the learned state (set by fit, or by compare.text.model.load_model) ----------------------
    def _set_dictionary(self, td: ThemeDictionary) -> None:
        """Keywords in one regex, longest first, so a keyword inside a longer one is not counted twice."""
        self.theme_dictionary_ = td
        self.themes_ = list(td.themes)
        kw_theme = td.keyword_theme()
        kws = sorted(kw_theme, key=lambda k: (-len(k), k))
        self.keywords_ = kws
        self.keyword_index_ = {k: j for j, k in enumerate(kws)}
        self.keyword_re_ = re.compile("|".join(re.escape(k) for k in kws))
        m = np.zeros((len(kws), len(self.themes_)))
        for j, k in enumerate(kws):
            m[j, self.themes_.index(kw_theme[k])] = 1.0
        self.keyword_to_theme_ = m

    def _set_vectorizer(self, vocabulary: np.ndarray, idf: np.ndarray | None) -> None:
        """A TfidfVectorizer with a fixed vocabulary and IDF (the same transform as the fitted one)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vocabulary_ = np.asarray(vocabulary, dtype=object)
        if len(self.vocabulary_) == 0:
            self.vectorizer_ = None
            return
        vec = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, norm="l2",
                              vocabulary={str(t): j for j, t in enumerate(self.vocabulary_)})
        vec.idf_ = np.asarray(idf, dtype=np.float64)
        self.vectorizer_ = vec

    def _vectors(self, tokens) -> sparse.csr_matrix:
        if self.vectorizer_ is None:
            return sparse.csr_matrix((len(tokens), 0))
        return sparse.csr_matrix(self.vectorizer_.transform([list(t) for t in tokens]))

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
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._validate_params()
        td = self.theme_dictionary or load_theme_dictionary()
        texts, heads = self._texts(items)
        tokens = [list(t) for t in tokens]
        if len(tokens) != len(texts):
            raise ValueError(f"got {len(texts)} items but {len(tokens)} token lists")
        if not texts:
            raise EmptyCorpusError("no items to fit the theme model on")
        self._set_dictionary(td)
        hits = self._keyword_hits(texts, heads)
        n = len(texts)
        df = np.asarray((hits > 0).sum(axis=0)).ravel()
        self.keyword_idf_ = np.log((1.0 + n) / (1.0 + df)) + 1.0
        seed = self._seed_share(hits)

        # TF-IDF and theme profiles
        vec = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, norm="l2")
        x = sparse.csr_matrix(vec.fit_transform(tokens)) if any(tokens) else None
        if x is None:
            self._set_vectorizer(np.asarray([], dtype=object), None)
            x = sparse.csr_matrix((n, 0))
        else:
            self._set_vectorizer(vec.get_feature_names_out(), vec.idf_)
        self.tfidf_ = x
        profiles = np.asarray((sparse.csr_matrix(seed.T) @ x).todense()) if x.shape[1] else np.zeros(
            (len(self.themes_), 0))
        self.profiles_ = _normalize_rows(profiles)
        self.seed_share_ = seed
        self.scores_ = self._combine(seed, x)
        self.labels_ = _first_max(self.scores_)
        self.explanation_ = self._explain(texts, heads, x, self.scores_)

        # item clusters
        k = self.n_clusters or len(self.themes_)
        labels, means, centres = cl.fit_item_clusters(x, k, self.random_state)
        self.n_clusters_ = means.shape[0]
        self.cluster_labels_ = labels
        self.cluster_centers_ = means
        self.kmeans_centers_ = centres
        self.clusters_ = cl.cluster_table(means, labels, self.labels_, vocabulary=self.vocabulary_,
                                          profiles=self.profiles_, themes=self.themes_,
                                          n_top_terms=self.n_top_terms)
        self.agreement_ = cl.cluster_agreement(
            [self.themes_[i] for i in self.labels_], self.cluster_labels_,
            dict(zip(self.clusters_["cluster"], self.clusters_["theme"])),
        )
        self.keyword_clusters_ = cl.keyword_clusters(tokens, vocabulary=self.vocabulary_, profiles=self.profiles_,
                                                     themes=self.themes_, n_keywords=self.n_keywords,
                                                     random_state=self.random_state)
        self.item_ids_ = (items[["doc_id", "item_id"]].reset_index(drop=True)
                          if isinstance(items, pd.DataFrame) and {"doc_id", "item_id"} <= set(items.columns)
                          else None)
        return self

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

    # -- explanation ----------------------------------------------------------------------------
    def _evidence(self, text: str, head: str, theme: int, cols: np.ndarray, vals: np.ndarray) -> list[str]:
        """The primary theme's keywords in the item (heaviest first), then its strongest TF-IDF terms."""
        weight: dict[str, float] = {}
        first: dict[str, int] = {}
        written: dict[str, str] = {}
        for k, (src, mult) in enumerate(((text, 1.0), (head, float(self.heading_weight) - 1.0))):
            if not src or mult <= 0:
                continue
            norm = normalize_text(src)
            for m in self.keyword_re_.finditer(norm):
                kw = m.group(0)
                j = self.keyword_index_[kw]
                if self.keyword_to_theme_[j, theme] == 0:
                    continue
                weight[kw] = weight.get(kw, 0.0) + mult * float(self.keyword_idf_[j])
                first.setdefault(kw, k * 10**9 + m.start())
                written.setdefault(kw, _as_written(src, norm, m.start(), m.end()))
        kws = sorted(weight, key=lambda w: (-round(weight[w], 9), first[w]))[:MAX_EVIDENCE_KEYWORDS]
        out = [written[k] for k in kws]
        if len(cols) and self.profiles_.shape[1]:
            contrib = vals * self.profiles_[theme, cols]
            terms_here = self.vocabulary_[cols]
            order = np.lexsort((terms_here.astype(str), -np.round(contrib, 12)))
            norm = normalize_text(text)
            terms = []
            for j in order:
                if contrib[j] <= 0 or len(terms) >= MAX_EVIDENCE_TERMS:
                    break
                term = str(terms_here[j])
                if any(term in k or k in term for k in kws):
                    continue
                pos = norm.find(term)
                terms.append(_as_written(text, norm, pos, pos + len(term)) if pos >= 0 else term)
            out += terms
        return out

    def _explain(self, texts: list[str], heads: list[str], x: sparse.csr_matrix, scores: np.ndarray) -> pd.DataFrame:
        """runner_up, runner_up_score, margin, low_confidence and evidence of every item."""
        n, t = scores.shape
        rounded = np.round(scores, 9)
        primary = _first_max(scores)
        runner_up: list[str | None] = []
        runner_score: list[float | None] = []
        margins = np.zeros(n)
        evidence = []
        x = sparse.csr_matrix(x)
        indptr, indices, data = x.indptr, x.indices, x.data
        for i in range(n):
            p = int(primary[i])
            if t > 1:
                others = rounded[i].copy()
                others[p] = -np.inf
                r = int(np.argmax(others))
                runner_up.append(self.themes_[r])
                runner_score.append(float(scores[i, r]))
                margins[i] = round(float(scores[i, p]) - float(scores[i, r]), 9)
            else:
                runner_up.append(None)
                runner_score.append(None)
                margins[i] = float(scores[i, p])
            lo, hi = indptr[i], indptr[i + 1]
            evidence.append(self._evidence(texts[i], heads[i], p, indices[lo:hi], data[lo:hi]))
        return pd.DataFrame({
            "runner_up": pd.array(runner_up, dtype="str"),
            "runner_up_score": pd.array(runner_score, dtype="Float64").astype("float64"),
            "margin": margins.astype("float64"),
            "low_confidence": margins < LOW_CONFIDENCE_MARGIN,
            "evidence": evidence,
        })

    # -- applying -------------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "profiles_"):
            raise RuntimeError("this ThemeModel is not fitted yet: call fit(items, tokens) first")

    def transform(self, items, tokens) -> np.ndarray:
        """Scores (items x themes) of new items against the fitted keyword weights and profiles."""
        self._check_fitted()
        texts, heads = self._texts(items)
        seed = self._seed_share(self._keyword_hits(texts, heads))
        return self._combine(seed, self._vectors(tokens))

    def predict(self, items, tokens) -> pd.DataFrame:
        """theme, score_<theme>..., cluster, the explanation columns and model_version for new items
        (one row per item, in order), without changing the model."""
        self._check_fitted()
        texts, heads = self._texts(items)
        if len(tokens) != len(texts):
            raise ValueError(f"got {len(texts)} items but {len(tokens)} token lists")
        seed = self._seed_share(self._keyword_hits(texts, heads))
        x = self._vectors(tokens)
        scores = self._combine(seed, x)
        clusters = cl.assign_clusters(x, self.kmeans_centers_)
        return self._frame(scores, clusters, self._explain(texts, heads, x, scores))

    def _frame(self, scores: np.ndarray, clusters: np.ndarray, explanation: pd.DataFrame) -> pd.DataFrame:
        labels = _first_max(scores) if len(scores) else np.zeros(0, dtype=int)
        df = pd.DataFrame({"theme": pd.array([self.themes_[i] for i in labels], dtype="str")})
        for j, col in enumerate(self.theme_dictionary_.score_columns()):
            df[col] = scores[:, j].astype("float64")
        df["cluster"] = clusters.astype("int64")
        for col in EXPLANATION_COLUMNS:
            df[col] = explanation[col].reset_index(drop=True)
        df["model_version"] = pd.array([self.version_] * len(df), dtype="str")
        return df

    @property
    def item_themes_(self) -> pd.DataFrame:
        """The item_themes table of the fitted corpus (doc_id, item_id, theme, score_*, cluster,
        runner_up, runner_up_score, margin, low_confidence, evidence, model_version)."""
        self._check_fitted()
        df = self._frame(self.scores_, self.cluster_labels_, self.explanation_)
        if self.item_ids_ is not None:
            df.insert(0, "item_id", self.item_ids_["item_id"].to_numpy())
            df.insert(0, "doc_id", self.item_ids_["doc_id"].to_numpy())
        return df
