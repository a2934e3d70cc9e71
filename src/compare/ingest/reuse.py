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
from nothing (tests/test_incremental.py). A file that could not be loaded is not kept (it is tried
again, and its error reported, by every ingest). The cache holds only the entries of the files of
the last ingest; an unreadable cache, or one of another version, is ignored (every file is parsed).
Deleting it is always safe.

The cache is a pickle, and unpickling runs code: it is therefore signed (HMAC-SHA256) with a key
that never leaves this machine's project cache (``<cache_dir>/parse-cache.key``, made on first use,
readable by its owner only), and read only when the signature matches. A tables directory copied
from a colleague or downloaded with a corpus carries a cache this machine did not write: it is
ignored with a warning and every file is parsed, never unpickled.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import pickle
import secrets
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from compare.core.hashing import code_version, sha256_file
from compare.core.io import atomic_write_bytes
from compare.core.paths import cache_dir

log = logging.getLogger(__name__)

CACHE_FILE = ".parsed-files.pickle"
KEY_FILE = "parse-cache.key"  # under compare.core.paths.cache_dir(): signs the caches this machine wrote
_CACHE_VERSION = 2  # 2: signed (32-byte HMAC-SHA256 of the pickle, then the pickle)
_SIGNATURE_BYTES = 32
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
        blob = self.path.read_bytes()
        signature, body = blob[:_SIGNATURE_BYTES], blob[_SIGNATURE_BYTES:]
        if not hmac.compare_digest(signature, _sign(body)):
            log.warning("ignoring parse cache %s: this machine did not write it (or it was changed since), "
                        "so it is not unpickled; every file is parsed", self.path)
            return {}
        try:
            data = pickle.loads(body)
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
        body = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
        atomic_write_bytes(self.path, _sign(body) + body)


def _signing_key() -> bytes:
    """This machine's key for signing parse caches, made on first use (readable by its owner only;
    created exclusively, so two ingests starting at once end up with one key)."""
    path = cache_dir() / KEY_FILE
    for _ in range(2):
        try:
            key = path.read_bytes()
        except FileNotFoundError:
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue  # another process is making it: read theirs
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(_SIGNATURE_BYTES))
            continue
        if len(key) == _SIGNATURE_BYTES:
            return key
        break  # damaged or half-written: replace it (caches signed with it are parsed again)
    key = secrets.token_bytes(_SIGNATURE_BYTES)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{KEY_FILE}.")  # 0600
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    os.replace(tmp, path)
    return key


def _sign(body: bytes) -> bytes:
    return hmac.new(_signing_key(), body, hashlib.sha256).digest()


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
