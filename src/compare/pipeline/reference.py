"""The saved corpus-wide reference that province reports measure against, fitted with the theme model.

A province report quotes numbers that depend on every other province: its distinctive terms are
its plans' words against the other provinces' plans of the same type and level. Computed against the
live corpus, adding one Hunan plan would change every province's report. Instead the reference is
*saved*: when the theme model is fitted (the first build, ``themes --refit`` or ``build --refit``),
the word counts of every province's plans, per type and level, are written to
``<processed>/reference/terms.parquet`` (doc_type, level, province, term, count; the plans each
count comes from are those ``analysis.comparable`` compares) with ``reference.json`` saying when it
was fitted, with which theme model and from how many plans. A province report then compares the
province's *current* plans with the other provinces' counts in the reference, through
``analysis.keyness`` itself (the reference enters it as one pseudo-plan per other province), so:

* adding a plan of Hunan changes the Hunan report (its own plans), the cross-province report and the
  index; every other province report keeps its inputs and stays byte-identical;
* with an unchanged corpus the numbers equal ``analysis.keyness`` on the live corpus exactly;
* each report says which reference it uses and when it was fitted (:func:`describe_reference`).

The reference is refreshed whenever the theme model version changes (:func:`ensure_reference`).
"""
from __future__ import annotations

import datetime as _dt
import json
import logging
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from compare.core.io import atomic_write_bytes, atomic_write_text

if TYPE_CHECKING:  # the build's freshness checks name the reference files without importing pandas
    import pandas as pd

log = logging.getLogger(__name__)

REFERENCE_DIR = "reference"
TERMS_FILE = "terms.parquet"
INFO_FILE = "reference.json"
REFERENCE_FORMAT = 1
_PSEUDO = "参照语料"  # doc_id prefix of the pseudo-plans standing for the reference provinces


def reference_paths(processed_dir: str | Path) -> tuple[Path, Path]:
    d = Path(processed_dir) / REFERENCE_DIR
    return d / TERMS_FILE, d / INFO_FILE


def read_info(processed_dir: str | Path) -> dict | None:
    """reference.json of processed_dir (None when there is no readable reference)."""
    terms, info = reference_paths(processed_dir)
    try:
        data = json.loads(info.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if data.get("format") == REFERENCE_FORMAT and terms.is_file() else None


def _counts(corpus) -> pd.DataFrame:
    """doc_type, level, province, term, count over every (type, level) compared like with like."""
    import pandas as pd

    from compare.analysis import comparable
    from compare.core.errors import EmptyCorpusError

    docs = corpus.documents
    pairs = docs[["doc_type", "level"]].dropna().drop_duplicates().sort_values(["doc_type", "level"])
    frames = []
    for doc_type, level in pairs.itertuples(index=False):
        try:
            like = comparable(corpus, doc_types=doc_type, levels=level)
        except EmptyCorpusError:  # only department plans of this type and level
            continue
        provinces = like.items["province"].astype(str).to_numpy()
        per: dict[str, Counter] = {}
        for prov, toks in zip(provinces, like.tokens):
            per.setdefault(prov, Counter()).update(toks)
        for prov, counter in per.items():
            frames.append(pd.DataFrame({"doc_type": doc_type, "level": level, "province": prov,
                                        "term": list(counter), "count": list(counter.values())}))
    cols = {"doc_type": "str", "level": "str", "province": "str", "term": "str", "count": "int64"}
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})
    out = pd.concat(frames, ignore_index=True).astype(cols)
    return out.sort_values(list(cols)[:4], kind="mergesort").reset_index(drop=True)


def _now() -> _dt.datetime:
    """Now, or SOURCE_DATE_EPOCH when set (reproducible builds: the same inputs give the same bytes)."""
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc)
    return _dt.datetime.now().astimezone()


def fit_reference(processed_dir: str | Path, *, corpus=None, model_version: str | None = None) -> list[Path]:
    """Count every province's words per type and level and save them as the reference; returns the
    files written. model_version: the theme model fitted with it (default: the saved current one)."""
    import io as _io

    from compare.analysis import Corpus
    from compare.text.versions import current_version
    from compare.text.segment import default_segmenter

    processed_dir = Path(processed_dir)
    corpus = corpus if corpus is not None else Corpus.load(processed_dir)
    counts = _counts(corpus)
    terms, info = reference_paths(processed_dir)
    buf = _io.BytesIO()
    counts.to_parquet(buf, index=False)
    atomic_write_bytes(terms, buf.getvalue())
    meta = {
        "format": REFERENCE_FORMAT,
        "fitted_at": _now().isoformat(timespec="seconds"),
        "model_version": model_version or current_version(processed_dir),
        "documents": int(len(corpus.documents)),
        "items": int(len(corpus.items)),
        "provinces": sorted(set(counts["province"])),
        "segmenter": default_segmenter().backend_,
    }
    atomic_write_text(info, json.dumps(meta, ensure_ascii=False, indent=1) + "\n")
    log.info("reference fitted on %d plans with theme model %s", meta["documents"], meta["model_version"])
    return [terms, info]


def ensure_reference(processed_dir: str | Path, *, corpus=None, refit: bool = False) -> tuple[list[Path], bool]:
    """The reference files, fitted now when missing, unreadable, `refit`, or fitted with another theme
    model version than the current one; returns (files, whether it was fitted now)."""
    from compare.text.versions import current_version

    info = read_info(processed_dir)
    if refit or info is None or info.get("model_version") != current_version(processed_dir):
        return fit_reference(processed_dir, corpus=corpus), True
    return list(reference_paths(processed_dir)), False


def _reference_tokens(processed_dir, doc_type: str, level: str, exclude: set[str]) -> dict[str, list[str]]:
    """Each reference province's words (its counts, expanded) for one type and level."""
    import pyarrow.parquet as pq

    terms, _ = reference_paths(processed_dir)
    table = pq.read_table(terms, filters=[("doc_type", "=", doc_type), ("level", "=", level)]).to_pandas()
    table = table[~table["province"].isin(exclude)]
    out: dict[str, list[str]] = {}
    for prov, grp in table.groupby("province", sort=True):
        out[str(prov)] = list(Counter(dict(zip(grp["term"], grp["count"]))).elements())
    return out


def _with_reference(sub, ref: dict[str, list[str]], doc_type: str, level: str):
    """sub's plans plus one pseudo-plan (one item) per reference province, as one Corpus."""
    import pandas as pd

    from compare.analysis import Corpus

    names = [f"{_PSEUDO}:{p}" for p in ref]
    docs = pd.DataFrame({"doc_id": names, "province": list(ref), "year": 0, "doc_type": doc_type, "level": level})
    items = pd.DataFrame({"doc_id": names, "item_id": "1", "seq": 1, "province": list(ref), "year": 0,
                          "doc_type": doc_type, "text": "", "n_chars": 0})
    documents = pd.concat([sub.documents, docs.astype({"year": sub.documents["year"].dtype})], ignore_index=True)
    all_items = pd.concat([sub.items, items.astype({"year": sub.items["year"].dtype})], ignore_index=True)
    return Corpus.from_frames(items=all_items, documents=documents, tokens=[*sub.tokens, *ref.values()],
                              themes=sub.themes)


def province_keyness(sub, *, processed_dir: str | Path, top_n: int, doc_type: str, level: str) -> pd.DataFrame:
    """Distinctive terms of the province(s) of `sub` (its compared plans) against the other provinces'
    plans of the same type and level in the saved reference: the top_n rows ``analysis.keyness``
    gives for them (by="province", G² with its defaults). Falls back to nothing: a missing reference
    raises (ensure_reference fits one)."""
    from compare import analysis

    if read_info(processed_dir) is None:
        raise FileNotFoundError(f"no saved reference in {Path(processed_dir) / REFERENCE_DIR}: run `python -m compare build`")
    own = sorted(set(sub.documents["province"].astype(str)))
    ref = _reference_tokens(processed_dir, doc_type, level, set(own))
    if not ref:
        return analysis.keyness(sub, by="province", top_n=top_n, doc_types=doc_type, levels=level)  # empty: one group
    both = _with_reference(sub, ref, doc_type, level)
    key = analysis.keyness(both, by="province", top_n=top_n, groups=own, doc_types=doc_type, levels=level)
    return key[key["group"].astype(str).isin(own)].reset_index(drop=True)


def describe_reference(processed_dir: str | Path, *, doc_type: str, level: str) -> str:
    """One line for a report: what the distinctive terms are measured against and when it was fitted."""
    info = read_info(processed_dir)
    if info is None:
        return "参照语料：尚未拟合（运行 python -m compare build 生成）"
    return (f"其他省份的{doc_type}（{level}），取自 {info['fitted_at']} 与主题模型 {info['model_version']} "
            f"一同拟合的参照语料（{info['documents']} 份文件，{len(info['provinces'])} 个省份；"
            "新增文件不改变它，python -m compare build --refit 或 themes --refit 时刷新）")


def report_inputs(processed_dir: str | Path, province: str, *, doc_type: str, level: str) -> dict[str, str]:
    """The province report's header rows naming its inputs: the digest of the province's rows in the
    processed tables (:mod:`compare.pipeline.inputs`) and the saved reference its distinctive terms
    are measured against."""
    from compare.pipeline.inputs import province_digest

    return {
        "数据版本": f"{province}在各数据表中的行 sha256 {province_digest(processed_dir, province)}（其他省份新增文件不改变本报告）",
        "特色词参照": describe_reference(processed_dir, doc_type=doc_type, level=level),
    }
