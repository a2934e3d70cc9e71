"""The saved theme model: what a fit learned, versioned, beside the tables.

Layout (inside the processed directory; no pickle anywhere)::

    theme_model/
      CURRENT                 the current version, e.g. "v2"
      v1/ v2/ ...             one directory per fitted model, never changed once written
        model.json            version, dictionary (and its sha256), parameters, vocabulary,
                              keywords, clusters, keyword groups, agreement, array checksums
        keyword_idf.npy       IDF of every keyword (order of model.json "keywords")
        idf.npy               TF-IDF IDF of every vocabulary term (order of model.json "vocabulary")
        profiles.npy          themes x vocabulary: the normalised theme profiles
        centres.npy           clusters x vocabulary: KMeans centres (new items go to the nearest)
      scored.parquet          doc_id, item_id, text_sha256 of every scored item (an item whose text
                              changed under the same id is scored again)

Arrays are written with ``numpy.save`` and read with ``allow_pickle=False``; every file is written
atomically and deterministically (same fit -> same bytes), the CURRENT pointer last.
"""
from __future__ import annotations

import hashlib
import io as _bytesio
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from compare.core.errors import CompareError
from compare.core.io import atomic_write_bytes
from compare.text.dictionary import ThemeDictionary
from compare.text.scoring import ThemeModel
from compare.text.versions import MODEL_DIR, current_version, version_number  # noqa: F401  (re-exported)

__all__ = ["MODEL_DIR", "ThemeModelError", "save_model", "load_model", "current_version", "model_info",
           "next_version", "read_scored", "write_scored", "read_text_hashes", "write_text_hashes", "text_sha256"]

log = logging.getLogger(__name__)

M = TypeVar("M")

FORMAT = 1
_ARRAYS = ("keyword_idf", "idf", "profiles", "centres")


class ThemeModelError(CompareError):
    """The saved theme model cannot be read (names the file and the reason)."""

    def __init__(self, path: str | Path, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


def _root(processed_dir: str | Path, model_dir: str = MODEL_DIR) -> Path:
    return Path(processed_dir) / model_dir


def next_version(processed_dir: str | Path, *seen: str | None, model_dir: str = MODEL_DIR) -> str:
    """One more than any version on disk or in `seen` (e.g. versions found in item_themes)."""
    root = _root(processed_dir, model_dir)
    nums = [version_number(p.name) for p in root.glob("v*") if p.is_dir()] if root.is_dir() else []
    nums += [version_number(v) for v in seen]
    return f"v{max(nums, default=0) + 1}"


def model_info(processed_dir: str | Path) -> dict | None:
    """The current model's description for reports: version, dictionary_sha256, reason, n_items,
    previous_version, themes (None when no model has been saved)."""
    v = current_version(processed_dir)
    if v is None:
        return None
    p = _root(processed_dir) / v / "model.json"
    try:
        meta = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return {k: meta.get(k) for k in ("version", "dictionary_sha256", "reason", "n_items", "previous_version")} | {
        "themes": meta.get("dictionary", {}).get("themes")}


def _npy(a: np.ndarray) -> bytes:
    buf = _bytesio.BytesIO()
    np.save(buf, np.ascontiguousarray(a, dtype=np.float64), allow_pickle=False)
    return buf.getvalue()


def save_model(model: ThemeModel, processed_dir: str | Path, version: str, *, reason: str,
               previous_version: str | None = None) -> Path:
    """Write the fitted model as `theme_model/<version>/` and make it current. Returns the directory."""
    model._check_fitted()
    d = _root(processed_dir) / version
    arrays = {
        "keyword_idf": model.keyword_idf_,
        "idf": (model.vectorizer_.idf_ if model.vectorizer_ is not None else np.zeros(0)),
        "profiles": model.profiles_,
        "centres": model.kmeans_centers_,
    }
    blobs = {name: _npy(a) for name, a in arrays.items()}
    clusters = model.clusters_
    meta = {
        "format": FORMAT,
        "version": version,
        "previous_version": previous_version,
        "reason": reason,
        "dictionary_sha256": model.theme_dictionary_.sha256(),
        "dictionary": model.theme_dictionary_.to_json(),
        "dictionary_path": str(model.theme_dictionary_.path) if model.theme_dictionary_.path else None,
        "params": model.get_params(),
        "n_items": int(model.scores_.shape[0]),
        "n_clusters": int(model.n_clusters_),
        "keywords": list(model.keywords_),
        "vocabulary": [str(t) for t in model.vocabulary_],
        "clusters": [{"cluster": int(r.cluster), "top_terms": list(r.top_terms), "theme": r.theme, "size": int(r.size)}
                     for r in clusters.itertuples()],
        "keyword_clusters": [{"keyword_cluster": int(r.keyword_cluster), "term": r.term, "n_items": int(r.n_items),
                              "theme": r.theme} for r in model.keyword_clusters_.itertuples()],
        "agreement": {k: round(float(v), 12) for k, v in model.agreement_.items()},
        "arrays": {name: hashlib.sha256(b).hexdigest() for name, b in blobs.items()},
    }
    for name, b in blobs.items():
        atomic_write_bytes(d / f"{name}.npy", b)
    text = json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    atomic_write_bytes(d / "model.json", text.encode("utf-8"))
    atomic_write_bytes(_root(processed_dir) / "CURRENT", (version + "\n").encode("utf-8"))
    model.version_ = version
    return d


def load_model(processed_dir: str | Path, version: str | None = None) -> ThemeModel | None:
    """The saved model (the current one unless `version` is given), ready to score new items; None
    when there is none. Raises ThemeModelError when its files are missing, altered or malformed."""
    version = version or current_version(processed_dir)
    if version is None:
        return None
    d = _root(processed_dir) / version
    meta_path = d / "model.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ThemeModelError(meta_path, "the saved theme model is missing (run `themes --refit`)") from None
    except (OSError, ValueError) as exc:
        raise ThemeModelError(meta_path, f"the saved theme model cannot be read: {exc}") from None
    if meta.get("format") != FORMAT:
        raise ThemeModelError(meta_path, f"unknown model format {meta.get('format')!r} (expected {FORMAT})")
    arrays = {}
    for name in _ARRAYS:
        p = d / f"{name}.npy"
        try:
            b = p.read_bytes()
        except OSError:
            raise ThemeModelError(p, "missing array of the saved theme model (run `themes --refit`)") from None
        if hashlib.sha256(b).hexdigest() != meta["arrays"].get(name):
            raise ThemeModelError(p, "checksum differs from model.json: the file was altered (run `themes --refit`)")
        arrays[name] = np.load(_bytesio.BytesIO(b), allow_pickle=False)
    td = ThemeDictionary.from_json(meta["dictionary"], path=Path(meta["dictionary_path"]) if meta.get("dictionary_path") else None)
    model = ThemeModel(theme_dictionary=td, **meta["params"])
    model._set_dictionary(td)
    if list(model.keywords_) != list(meta["keywords"]):
        raise ThemeModelError(meta_path, "keywords do not match the embedded dictionary")
    model.keyword_idf_ = arrays["keyword_idf"]
    vocab = np.asarray(meta["vocabulary"], dtype=object)
    model._set_vectorizer(vocab, arrays["idf"] if len(vocab) else None)
    model.profiles_ = arrays["profiles"].reshape(len(td.themes), len(vocab))
    model.kmeans_centers_ = arrays["centres"].reshape(-1, len(vocab))
    model.n_clusters_ = int(meta["n_clusters"])
    model.clusters_ = pd.DataFrame(meta["clusters"], columns=["cluster", "top_terms", "theme", "size"]).astype(
        {"cluster": "int64", "size": "int64"})
    model.keyword_clusters_ = pd.DataFrame(meta["keyword_clusters"],
                                           columns=["keyword_cluster", "term", "n_items", "theme"]).astype(
        {"keyword_cluster": "int64", "n_items": "int64"})
    model.agreement_ = dict(meta["agreement"])
    model.version_ = version
    model.dictionary_sha256_ = meta["dictionary_sha256"]
    model.reason_ = meta.get("reason")
    return model


# ---------------------------------------------------------------------------------------------
# which items were scored, and from which text


def text_sha256(texts) -> list[str]:
    return [hashlib.sha256(str(t).encode("utf-8")).hexdigest() for t in texts]


def read_text_hashes(path: Path, *, unreadable: str) -> pd.DataFrame | None:
    """doc_id, item_id, text_sha256 of the items a saved model last scored (None when there is no such
    file, or it cannot be read: logged with what that means, `unreadable`)."""
    if not path.is_file():
        return None
    try:
        return pq.read_table(path).to_pandas()
    except (OSError, pa.ArrowException) as exc:
        log.warning("%s: cannot be read (%s); %s", path, exc, unreadable)
        return None


def write_text_hashes(path: Path, ids: pd.DataFrame, texts) -> None:
    """Record which item texts a saved model scored (doc_id, item_id and the sha256 of each text)."""
    table = pa.table({"doc_id": pa.array(ids["doc_id"].astype(str).tolist(), pa.string()),
                      "item_id": pa.array(ids["item_id"].astype(str).tolist(), pa.string()),
                      "text_sha256": pa.array(text_sha256(texts), pa.string())})
    sink = pa.BufferOutputStream()
    pq.write_table(table.replace_schema_metadata(None), sink, compression="zstd")
    atomic_write_bytes(path, sink.getvalue().to_pybytes())


def read_scored(processed_dir: str | Path) -> pd.DataFrame | None:
    return read_text_hashes(_root(processed_dir) / "scored.parquet", unreadable="items are taken as unchanged")


def write_scored(processed_dir: str | Path, ids: pd.DataFrame, texts) -> None:
    write_text_hashes(_root(processed_dir) / "scored.parquet", ids, texts)


def saved_or_refit(load: Callable[[], M | None], *, refit: bool, what: str, unreadable: type[Exception],
                   changed: Callable[[M], str | None]) -> tuple[M | None, str | None]:
    """The saved model to go on scoring with, or why a model is fitted anew: (model, None) or (None,
    reason). The reason is "refit requested", "saved model unreadable" (`load` raised `unreadable`;
    logged as a warning naming `what`), "no saved model", or what `changed(model)` returns when the
    file the model was fitted on changed (it logs the change; None when nothing did). The theme model
    and the instrument model decide alike."""
    if refit:
        return None, "refit requested"
    try:
        model = load()
    except unreadable as exc:
        log.warning("%s: refitting the %s", exc, what)
        return None, "saved model unreadable"
    if model is None:
        return None, "no saved model"
    reason = changed(model)
    return (None, reason) if reason else (model, None)
