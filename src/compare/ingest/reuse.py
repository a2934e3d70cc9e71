"""Parse each raw file once: an ingest re-reads only the files that changed since the last ingest.

Reading, decoding, cleaning and parsing a file (:func:`compare.ingest.load.load_file`, with the rows
of ``metadata.csv`` for that file applied) depends on that file alone. Every ingest therefore keeps
what loading each file gave (its parsed documents and its intake record as they were before the
corpus-wide steps) in ``<tables directory>/.parsed-files.pickle``; the next ingest takes a file's
entry back when the key still matches:

- the file's name and sha256 (an edited or renamed file is parsed again);
- its rows of ``metadata.csv`` (line numbers included: they are quoted in the intake warnings);
- the package's code version (:func:`compare.core.hashing.code_version`: any change to the loader,
  its dictionaries or rules) and the versions of the libraries the readers use.

Everything after the files are loaded — duplicates, document ids, the tables and the intake report —
is done over the whole corpus on every ingest, so the tables are byte-for-byte those of an ingest
from nothing (tests/test_ingest_reuse.py). A file that could not be loaded is not kept (it is tried
again, and its error reported, by every ingest). The cache holds only the entries of the files of
the last ingest; an unreadable cache, or one of another version, is ignored (every file is parsed).
Deleting it is always safe.
"""
from __future__ import annotations

import hashlib
import logging
import pickle
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from compare.core.hashing import code_version, sha256_file
from compare.core.io import atomic_write_bytes

log = logging.getLogger(__name__)

CACHE_FILE = ".parsed-files.pickle"
_CACHE_VERSION = 1
#: distributions whose version can change what a file parses to (readers, decoding, conversion, places)
_READER_LIBRARIES = ("charset-normalizer", "trafilatura", "lxml", "python-docx", "pypdfium2", "openpyxl",
                     "zhconv", "pypinyin", "cpca")


def _library_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in _READER_LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


@dataclass
class Loaded:
    """What loading one file gave: its documents (metadata.csv applied) and its intake record."""

    documents: list[Any]
    record: Any  # compare.ingest.intake.FileIntake, before duplicates and ids


class ParseCache:
    """The parsed files of the last ingest into one tables directory, by file key."""

    def __init__(self, out_dir: str | Path, *, enabled: bool = True):
        self.path = Path(out_dir) / CACHE_FILE
        self.enabled = enabled
        self.version = _sha256(repr((_CACHE_VERSION, code_version(), sorted(_library_versions().items()))))
        self.old: dict[str, bytes] = self._read() if enabled else {}
        self.new: dict[str, bytes] = {}
        self.hits = 0
        self.misses = 0

    def _read(self) -> dict[str, bytes]:
        if not self.path.is_file():
            return {}
        try:
            data = pickle.loads(self.path.read_bytes())
        except Exception as exc:  # noqa: BLE001 - a damaged cache only costs a full parse
            log.warning("ignoring unreadable parse cache %s (%s): every file is parsed", self.path, exc)
            return {}
        if not isinstance(data, dict) or data.get("version") != self.version:
            return {}  # another code version: nothing in it can be trusted
        return dict(data.get("files", {}))

    def key(self, path: Path, overrides: Any) -> str:
        """The file's name, bytes and metadata.csv rows (the cache's version covers the code)."""
        return _sha256(repr((path.name, sha256_file(path), overrides)))

    def get(self, key: str) -> Loaded | None:
        """A fresh copy of the file's earlier result (the ingest changes documents and records in place)."""
        blob = self.old.get(key)
        if blob is None:
            self.misses += 1
            return None
        self.hits += 1
        self.new[key] = blob
        return pickle.loads(blob)

    def put(self, key: str, loaded: Loaded) -> None:
        """Keep a file's result as it is now (before the corpus-wide steps change it)."""
        self.new[key] = pickle.dumps(loaded, protocol=pickle.HIGHEST_PROTOCOL)

    def save(self) -> None:
        """Write the entries of this ingest's files (those of files gone are dropped)."""
        if not self.enabled:
            return
        data = {"version": self.version, "files": dict(sorted(self.new.items()))}
        atomic_write_bytes(self.path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
