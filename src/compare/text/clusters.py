"""Clustering beside the themes: KMeans on the items' TF-IDF vectors (the `clusters` table), keyword
groups by co-occurrence, nearest-centre assignment of new items, and cluster/theme agreement.

Everything is deterministic: fixed random_state, clusters numbered by their first item in corpus
order, ties broken by the lower index.
"""
from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
from scipy import sparse

from compare.core.errors import EmptyCorpusError

__all__ = ["fit_item_clusters", "assign_clusters", "cluster_table", "keyword_clusters", "cluster_agreement"]

CLUSTER_COLUMNS = ["cluster", "top_terms", "theme", "size"]
KEYWORD_CLUSTER_COLUMNS = ["keyword_cluster", "term", "n_items", "theme"]


def _relabel(labels: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Clusters renumbered by their first item in corpus order (ids independent of KMeans' order);
    also the old label of each new number."""
    order: dict[int, int] = {}
    for lab in labels:
        order.setdefault(int(lab), len(order))
    old_of_new = [old for old, _ in sorted(order.items(), key=lambda kv: kv[1])]
    return np.asarray([order[int(lab)] for lab in labels], dtype=np.int64), old_of_new


def fit_item_clusters(x: sparse.csr_matrix, k: int, random_state: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """KMeans on the rows of x, with k reduced to the number of distinct rows.

    Returns (labels, member_means, centres): labels renumbered by first item; member_means is each
    cluster's mean vector (names the cluster); centres are KMeans' centres in the same numbering (new
    items are assigned to the nearest one)."""
    from sklearn.cluster import KMeans

    n = x.shape[0]
    distinct = len({(tuple(x.indices[x.indptr[i]:x.indptr[i + 1]]),
                     tuple(np.round(x.data[x.indptr[i]:x.indptr[i + 1]], 9))) for i in range(n)})
    k = max(1, min(k, distinct))
    if x.shape[1] == 0 or k == 1:
        labels = np.zeros(n, dtype=np.int64)
        means = np.asarray(x.mean(axis=0)).reshape(1, -1) if x.shape[1] else np.zeros((1, 0))
        return labels, means, means.copy()
    km = KMeans(n_clusters=k, n_init=10, random_state=random_state).fit(x)
    labels, old_of_new = _relabel(km.labels_)
    means = np.vstack([np.asarray(x[labels == c].mean(axis=0)).ravel() for c in range(k)])
    centres = np.asarray(km.cluster_centers_)[old_of_new]
    return labels, means, centres


def assign_clusters(x, centres: np.ndarray) -> np.ndarray:
    """The nearest centre (Euclidean; the lower id wins ties) of every row of x."""
    n = x.shape[0]
    if centres.shape[0] <= 1 or centres.shape[1] == 0 or n == 0:
        return np.zeros(n, dtype=np.int64)
    xc = np.asarray((x @ centres.T))
    xx = np.asarray(x.multiply(x).sum(axis=1)).reshape(-1, 1) if sparse.issparse(x) else (x * x).sum(axis=1, keepdims=True)
    cc = (centres * centres).sum(axis=1)[None, :]
    d2 = xx - 2.0 * xc + cc
    return np.argmin(np.round(d2, 9), axis=1).astype(np.int64)


def top_terms(vocabulary: np.ndarray, weights: np.ndarray, k: int) -> list[str]:
    """The k highest weights' terms (ties alphabetical), positive weights only."""
    if weights.size == 0:
        return []
    order = np.lexsort((vocabulary.astype(str), -np.round(weights, 12)))
    return [str(vocabulary[j]) for j in order[:k] if weights[j] > 0]


def _nearest_theme(vec: np.ndarray, profiles: np.ndarray, themes: list[str], fallback: np.ndarray) -> str:
    norm = np.linalg.norm(vec)
    if norm > 0 and profiles.shape[1]:
        sims = profiles @ (vec / norm)
        if sims.max() > 0:
            return themes[int(np.argmax(np.round(sims, 9)))]
    # no vocabulary in common with any profile: the most common primary theme of its items
    counts = np.bincount(fallback, minlength=len(themes)) if fallback.size else np.zeros(len(themes))
    return themes[int(np.argmax(counts))]


def cluster_table(means: np.ndarray, labels: np.ndarray, theme_labels: np.ndarray, *, vocabulary: np.ndarray,
                  profiles: np.ndarray, themes: list[str], n_top_terms: int) -> pd.DataFrame:
    """One row per cluster: id, top terms of its mean vector, nearest theme profile, size."""
    rows = []
    for c in range(means.shape[0]):
        members = labels == c
        rows.append({
            "cluster": c,
            "top_terms": top_terms(vocabulary, means[c], n_top_terms),
            "theme": _nearest_theme(means[c], profiles, themes, theme_labels[members]),
            "size": int(members.sum()),
        })
    df = pd.DataFrame(rows, columns=CLUSTER_COLUMNS)
    return df.astype({"cluster": "int64", "size": "int64"})


def keyword_clusters(tokens: list[list[str]], *, vocabulary: np.ndarray, profiles: np.ndarray, themes: list[str],
                     n_keywords: int, random_state: int) -> pd.DataFrame:
    """The most frequent terms (in at least 2 items) grouped by co-occurrence: each term is the
    vector of its cosine association with every other term (co-occurrence counts over items,
    normalised), and KMeans groups these vectors. Each group is mapped to the theme whose profile
    gives its terms the most weight."""
    from sklearn.cluster import KMeans

    dfreq = Counter(t for toks in tokens for t in set(toks))
    terms = sorted((t for t, c in dfreq.items() if c >= 2), key=lambda t: (-dfreq[t], t))[:n_keywords]
    if not terms:
        return pd.DataFrame(columns=KEYWORD_CLUSTER_COLUMNS).astype({"keyword_cluster": "int64", "n_items": "int64"})
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
    k = min(len(themes), len({tuple(np.round(r, 9)) for r in assoc}))
    if k < 2:
        labels = np.zeros(len(terms), dtype=np.int64)
    else:  # each term is described by its association with every other term
        labels = KMeans(n_clusters=k, n_init=10, random_state=random_state).fit_predict(assoc)
    # renumber by the first (alphabetical) term; map to the theme whose profile weighs its terms most
    order: dict[int, int] = {}
    for lab in labels:
        order.setdefault(int(lab), len(order))
    vocab = {str(t): j for j, t in enumerate(vocabulary)}
    out = []
    for c in range(len(order)):
        members = [terms[j] for j in range(len(terms)) if order[int(labels[j])] == c]
        idx = [vocab[t] for t in members if t in vocab]
        weight = profiles[:, idx].sum(axis=1) if idx and profiles.shape[1] else np.zeros(len(themes))
        theme = themes[int(np.argmax(np.round(weight, 9)))]
        for t in sorted(members, key=lambda t: (-dfreq[t], t)):
            out.append({"keyword_cluster": c, "term": t, "n_items": dfreq[t], "theme": theme})
    return pd.DataFrame(out, columns=KEYWORD_CLUSTER_COLUMNS).astype({"keyword_cluster": "int64", "n_items": "int64"})


def cluster_agreement(themes, clusters, cluster_theme: dict | None = None) -> dict[str, float]:
    """How well item clusters agree with primary themes.

    Returns adjusted_rand (chance-corrected, 1 = identical partitions, ~0 = unrelated), nmi
    (normalised mutual information, 0..1), purity (share of items whose theme is the majority theme
    of their cluster) and, when cluster_theme (cluster -> mapped theme) is given, mapped_share (share
    of items whose cluster is mapped to their own theme).

    >>> cluster_agreement(["a", "a", "b"], [0, 0, 1], {0: "a", 1: "b"})["purity"]
    1.0
    """
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
