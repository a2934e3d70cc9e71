"""Fingerprints: sha256 of files, JSON-able objects, the package code and the processed tables.

Used by the build's state file and by the comparison cache's keys.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from compare import __version__
from compare.core import schema
from compare.core.errors import CompareError
from compare.core.paths import PACKAGE_DIR


# path -> (stat signature, sha256) while remembered_file_hashes() is active (a build); None otherwise
_REMEMBERED: dict[str, tuple[tuple, str]] | None = None
_USED: set[str] = set()
_SETTLED_S = 2.0  # a file modified this recently may change again within the file system's time step
_STORE_VERSION = 1


@contextlib.contextmanager
def remembered_file_hashes(store: str | Path | None = None) -> Iterator[None]:
    """Within the block, sha256_file hashes a file once while its stat signature (device, inode, size,
    modification and change times) stays the same: a build checks the same tables and outputs in
    several steps. With store (a JSON file), the signatures and digests are read at the start and
    written at the end, so the next build hashes only files whose signature changed (as git's index
    does): a file copied, touched or rewritten gets a new inode or change time, which no program can
    set back. A file modified within the last two seconds is hashed every time (its times may not show
    a second change made within the same tick of the file system's clock)."""
    global _REMEMBERED
    if _REMEMBERED is not None:  # nested: the outer block remembers
        yield
        return
    _REMEMBERED = _load_store(store) if store is not None else {}
    _USED.clear()
    before = dict(_REMEMBERED)
    try:
        yield
    finally:
        memo, _REMEMBERED = _REMEMBERED, None
        kept = {k: v for k, v in memo.items() if k in _USED}
        if store is not None and kept != before:
            _save_store(Path(store), kept)


def _load_store(store: str | Path) -> dict[str, tuple[tuple, str]]:
    try:
        data = json.loads(Path(store).read_text(encoding="utf-8"))
        if data.get("version") != _STORE_VERSION:
            return {}
        return {k: (tuple(v[:-1]), v[-1]) for k, v in data["files"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}  # missing or damaged: every file is hashed, the store written afresh


def _save_store(store: Path, memo: dict[str, tuple[tuple, str]]) -> None:
    from compare.core.io import atomic_write_text

    files = {k: [*sig, digest] for k, (sig, digest) in sorted(memo.items())}
    try:
        atomic_write_text(store, json.dumps({"version": _STORE_VERSION, "files": files}, separators=(",", ":")))
    except OSError:
        pass  # a read-only cache: the next build hashes again


def stat_signature(st: os.stat_result) -> tuple[int, int, int, int, int]:
    """(device, inode, size, modification and change times in ns) of a stat result: what changes
    whenever a file is written, replaced (an atomic rewrite is a new inode), copied or touched. The
    build's file hashes and the report kernels' kept corpus both key on it."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def sha256_file(path: str | Path) -> str:
    memo = _REMEMBERED
    if memo is None:
        return _sha256_file(path)
    st = os.stat(path)
    signature = stat_signature(st)
    key = os.path.abspath(path)
    _USED.add(key)
    hit = memo.get(key)
    if hit is not None and hit[0] == signature:
        return hit[1]
    digest = _sha256_file(path)
    if time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) > _SETTLED_S * 1e9:
        memo[key] = (signature, digest)
    else:
        memo.pop(key, None)
    return digest


def _sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _sha256_json(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def code_version(package_dir: str | Path = PACKAGE_DIR) -> str:
    """sha256 over the package version, sources and package data (src/compare/**, bytecode caches
    excluded): any change to the code, the dictionaries or the HTML template changes it."""
    package_dir = Path(package_dir)
    h = hashlib.sha256(__version__.encode())
    for path in sorted(package_dir.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        h.update(path.relative_to(package_dir).as_posix().encode("utf-8") + b"\0")
        h.update(sha256_file(path).encode() + b"\n")
    return h.hexdigest()


def raw_hashes(raw_dir: str | Path) -> dict[str, str]:
    """sha256 of every (non-hidden) file in the raw directory, by file name."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise CompareError(f"raw directory {raw_dir} does not exist")
    return {
        p.name: sha256_file(p) for p in sorted(raw_dir.iterdir()) if p.is_file() and not p.name.startswith(".")
    }


def table_hashes(processed_dir: str | Path, names: Iterable[str] = schema.TABLES) -> dict[str, str]:
    """sha256 of each processed table's Parquet file that exists, by table name (contract order)."""
    processed_dir = Path(processed_dir)
    return {n: sha256_file(processed_dir / f"{n}.parquet") for n in names if (processed_dir / f"{n}.parquet").is_file()}
