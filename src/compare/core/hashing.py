"""Fingerprints: sha256 of files, JSON-able objects, the package code and the processed tables.

Used by the build's state file and by the comparison cache's keys.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from compare import __version__
from compare.core import schema
from compare.core.errors import CompareError
from compare.core.paths import PACKAGE_DIR


def sha256_file(path: str | Path) -> str:
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
