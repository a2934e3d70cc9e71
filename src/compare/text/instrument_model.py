"""The `instruments` stage: code every item with a saved, versioned instrument model and write
item_instruments (Parquet + CSV).

Layout (inside the processed directory; JSON only, no pickle)::

    instrument_model/
      CURRENT             the current version, e.g. "v2"
      v1/ v2/ ...         one directory per fitted model, never changed once written
        model.json        version, reason, previous version, the codebook (and its sha256), the fallback
                          model (vocabulary, IDF, tool profiles)
      coded.parquet       doc_id, item_id, text_sha256 of every coded item

* **First run** (no saved model): fit the coder on the whole corpus, save it as v1, code every item.
* **Later runs**: items already coded (same ids, same text) keep their rows exactly as they are; new
  and changed items are coded with the saved model. Adding plans never recodes an existing item, nor
  changes its `code` (文件-章节-条目: the 文件 number comes from the registry ``file_numbers.json``
  beside the tables, :mod:`compare.text.instrument_codes`, never from a position in the documents table).
* **Refit** (`refit=True`, `instruments --refit`; automatically when the codebook's sha256 differs
  from the saved model's, or the saved model cannot be read): a new version codes every item, and
  every item whose tool changed is appended to `instrument_revisions`.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from compare.core import io, schema
from compare.core.errors import CompareError, EmptyCorpusError
from compare.core.io import atomic_write_bytes
from compare.core.paths import PROCESSED_DIR
from compare.text.codebook import Codebook, load_codebook
from compare.text.instrument_codes import file_numbers, item_codes
from compare.text.instruments import InstrumentCoder
from compare.text import model
from compare.text.model import saved_or_refit, text_sha256

__all__ = ["MODEL_DIR", "InstrumentModelError", "InstrumentsResult", "current_version", "load_coder",
           "save_coder", "run_instruments", "instruments_command"]

log = logging.getLogger(__name__)

MODEL_DIR = "instrument_model"
FORMAT = 1
_KEY = ["doc_id", "item_id"]


class InstrumentModelError(CompareError):
    """The saved instrument model cannot be read (names the file and the reason)."""

    def __init__(self, path: str | Path, reason: str):
        self.path = Path(path)
        super().__init__(f"{self.path}: {reason}")


def _root(processed_dir) -> Path:
    return Path(processed_dir) / MODEL_DIR


def current_version(processed_dir) -> str | None:
    """The current instrument model version ("v1", ...), None before the first coding."""
    return model.current_version(processed_dir, MODEL_DIR)


def save_coder(coder: InstrumentCoder, processed_dir, version: str, *, reason: str,
               previous_version: str | None = None) -> Path:
    """Write `instrument_model/<version>/model.json` and make it current."""
    d = _root(processed_dir) / version
    meta = {"format": FORMAT, "version": version, "previous_version": previous_version, "reason": reason,
            "codebook_sha256": coder.codebook.sha256(),
            "codebook_path": str(coder.codebook.path) if coder.codebook.path else None, **coder.to_json()}
    atomic_write_bytes(d / "model.json", (json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode())
    atomic_write_bytes(_root(processed_dir) / "CURRENT", (version + "\n").encode("utf-8"))
    coder.version_ = version
    coder.codebook_sha256_ = meta["codebook_sha256"]
    return d


def load_coder(processed_dir, version: str | None = None) -> InstrumentCoder | None:
    """The saved coder (the current version unless given); None when there is none. Raises
    InstrumentModelError when its file is missing or malformed."""
    version = version or current_version(processed_dir)
    if version is None:
        return None
    p = _root(processed_dir) / version / "model.json"
    try:
        meta = json.loads(p.read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError(f"unknown model format {meta.get('format')!r} (expected {FORMAT})")
        coder = InstrumentCoder.from_json(meta, path=Path(meta["codebook_path"]) if meta.get("codebook_path") else None)
    except FileNotFoundError:
        raise InstrumentModelError(p, "the saved instrument model is missing (run `instruments --refit`)") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InstrumentModelError(p, f"the saved instrument model cannot be read: {exc}") from None
    coder.version_ = version
    coder.codebook_sha256_ = meta.get("codebook_sha256") or coder.codebook.sha256()
    return coder


def _read_coded(processed_dir) -> pd.DataFrame | None:
    return model.read_text_hashes(_root(processed_dir) / "coded.parquet", unreadable="every item is coded again")


def _write_coded(processed_dir, items: pd.DataFrame) -> None:
    model.write_text_hashes(_root(processed_dir) / "coded.parquet", items, items["text"])


def _previous(processed_dir: Path) -> pd.DataFrame | None:
    p = processed_dir / "item_instruments.parquet"
    if not p.is_file():
        return None
    try:
        df = io.read_table("item_instruments", processed_dir)
    except Exception as exc:  # noqa: BLE001 - a damaged or outdated table is replaced, never trusted
        log.warning("%s cannot be read (%s): every item is coded again", p, exc)
        return None
    return df


def _revisions(prev: pd.DataFrame | None, new: pd.DataFrame, version: str, reason: str) -> pd.DataFrame:
    if prev is None or prev.empty:
        return schema.empty("instrument_revisions")
    m = prev[[*_KEY, "type", "tool", "model_version"]].merge(new[[*_KEY, "type", "tool"]], on=_KEY,
                                                              suffixes=("_old", ""))
    m = m[m["tool_old"] != m["tool"]]
    out = pd.DataFrame({"doc_id": m["doc_id"], "item_id": m["item_id"], "old_type": m["type_old"],
                        "old_tool": m["tool_old"], "new_type": m["type"], "new_tool": m["tool"],
                        "old_model_version": m["model_version"], "new_model_version": version, "reason": reason})
    return out.reset_index(drop=True) if len(out) else schema.empty("instrument_revisions")


def _append_revisions(processed_dir: Path, rows: pd.DataFrame) -> Path:
    try:
        before = io.read_table("instrument_revisions", processed_dir)
    except (EmptyCorpusError, ValueError, OSError):
        before = schema.empty("instrument_revisions")
    frames = [f for f in (before, rows) if len(f)]
    table = pd.concat(frames, ignore_index=True) if frames else schema.empty("instrument_revisions")
    return io.write_table(table, "instrument_revisions", processed_dir)


@dataclass
class InstrumentsResult:
    item_instruments: pd.DataFrame
    codebook: Codebook
    coder: InstrumentCoder
    paths: list[Path]
    model_version: str
    refit_reason: str | None = None
    n_coded: int = 0
    n_kept: int = 0
    revisions: pd.DataFrame | None = None


def _predicted(coder: InstrumentCoder, items: pd.DataFrame, version: str) -> pd.DataFrame:
    """The coder's rows for these items, keyed by doc_id and item_id, with the model version."""
    coded = coder.predict(items)
    coded.insert(0, "item_id", items["item_id"].to_numpy())
    coded.insert(0, "doc_id", items["doc_id"].to_numpy())
    coded["model_version"] = version
    return coded


def _code_with_saved(coder: InstrumentCoder, items: pd.DataFrame, prev: pd.DataFrame | None,
                     processed_dir: Path) -> tuple[pd.DataFrame, int]:
    """(rows of every item in items' order, how many were coded now): the saved coder codes the items
    that are new or whose text changed; the others keep their rows of `prev` (without their code)."""
    kept = prev.drop(columns="code") if prev is not None else None
    if kept is not None:
        saved = _read_coded(processed_dir)
        now = items[_KEY].assign(text_sha256=text_sha256(items["text"]))
        same = now.merge(saved, on=[*_KEY, "text_sha256"], how="inner")[_KEY] if saved is not None else now[_KEY].iloc[:0]
        kept = kept.merge(same, on=_KEY, how="inner")
    flags = items[_KEY].merge(kept[_KEY].assign(_kept=True), on=_KEY, how="left") if kept is not None else None
    todo = items[flags["_kept"].isna().to_numpy()] if flags is not None else items
    parts = [kept] if kept is not None and len(kept) else []
    if len(todo):
        parts.append(_predicted(coder, todo, coder.version_))
    coded = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return items[_KEY].merge(coded, on=_KEY, how="left", validate="one_to_one"), len(todo)


def run_instruments(processed_dir: str | Path = PROCESSED_DIR, *, codebook_file: str | Path | None = None,
                    refit: bool = False) -> InstrumentsResult:
    """Code the items of processed_dir with the saved instrument model (fitting and saving one when there
    is none, when the codebook changed, or when `refit`) and write item_instruments there (and
    instrument_revisions at a refit). Raises EmptyCorpusError when there are no items."""
    processed_dir = Path(processed_dir)
    codebook = load_codebook(codebook_file)
    documents = io.read_table("documents", processed_dir)
    items = io.read_table("items", processed_dir)
    if items.empty:
        raise EmptyCorpusError(f"{processed_dir}: the items table is empty: nothing to code "
                               "(check the raw directory and re-run `python -m compare ingest`)")
    prev = _previous(processed_dir)
    def codebook_changed(saved: InstrumentCoder) -> str | None:
        if saved.codebook_sha256_ == codebook.sha256():
            return None
        log.warning("instrument codebook %s differs from the one of saved model %s: recoding every item",
                    codebook.path, saved.version_)
        return "codebook changed"

    coder, reason = saved_or_refit(lambda: load_coder(processed_dir), refit=refit, what="instrument model",
                                   unreadable=InstrumentModelError, changed=codebook_changed)

    paths: list[Path] = []
    revisions = None
    if coder is None:
        seen = prev["model_version"].dropna().unique().tolist() if prev is not None else []
        version = model.next_version(processed_dir, *seen, model_dir=MODEL_DIR)
        previous = current_version(processed_dir)
        coder = InstrumentCoder(codebook=codebook).fit(items)
        save_coder(coder, processed_dir, version, reason=reason, previous_version=previous)
        coded = _predicted(coder, items, version)
        n_coded, n_kept = len(items), 0
        if reason != "no saved model":
            revisions = _revisions(prev, coded, version, reason)
            paths.append(_append_revisions(processed_dir, revisions))
    else:
        version = coder.version_
        coded, n_coded = _code_with_saved(coder, items, prev, processed_dir)
        n_kept = len(items) - n_coded
    numbers, numbers_path = file_numbers(processed_dir, [*documents["doc_id"].astype(str), *items["doc_id"].astype(str)])
    coded.insert(2, "code", item_codes(items, numbers))
    coded = schema.validate(coded.reset_index(drop=True), "item_instruments")
    paths.insert(0, io.write_table(coded, "item_instruments", processed_dir))
    paths.append(numbers_path)
    _write_coded(processed_dir, items)
    paths.append(_root(processed_dir) / version / "model.json")
    return InstrumentsResult(item_instruments=coded, codebook=codebook, coder=coder, paths=paths,
                             model_version=version, refit_reason=reason, n_coded=n_coded, n_kept=n_kept,
                             revisions=revisions)


def instruments_command(*, processed: str | Path = PROCESSED_DIR, codebook: str | Path | None = None,
                        refit: bool = False) -> int:
    """`python -m compare instruments [--processed DIR] [--codebook FILE] [--refit]`: run and print a summary.
    Without --codebook it codes with the codebook the build uses: the one kexie.toml names, else the
    packaged one (so that running the stage alone never recodes the corpus with another codebook)."""
    if codebook is None:
        from compare.core.config import load_config
        from compare.core.paths import project_root

        codebook = load_config(project_root()).instruments
    res = run_instruments(processed, codebook_file=codebook, refit=refit)
    t = res.item_instruments
    n = len(t)
    print(f"instruments: {n} items coded with the codebook {res.codebook.path} "
          f"({len(res.codebook.types)} types, {len(res.codebook.tools)} tools)")
    if res.refit_reason:
        changed = len(res.revisions) if res.revisions is not None else 0
        tail = "" if res.revisions is None else f"; {changed} items changed tool (instrument_revisions)"
        print(f"model {res.model_version}: fitted on the whole corpus ({res.refit_reason}){tail}")
    else:
        print(f"model {res.model_version} (saved): {res.n_coded} new or changed items coded, {res.n_kept} kept unchanged")
    for typ in res.codebook.types:
        sub = t[t["type"] == typ]
        tools = "  ".join(f"{tool.name} {int((sub['tool'] == tool.name).sum())}"
                          for tool in res.codebook.tools if tool.type == typ)
        print(f"  {typ} {len(sub)} ({len(sub) / n:.0%}): {tools}")
    low = int(t["low_confidence"].sum())
    print(f"low confidence: {low} ({low / n:.0%}); coded by the fallback model (no codebook word): "
          f"{int((t['method'] == 'model').sum())}")
    print("wrote " + ", ".join(str(p) for p in res.paths))
    return 0
