"""Where things live. Everything is relative to the project root unless the caller says otherwise."""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DATA = PACKAGE_DIR / "data"


def project_root() -> Path:
    """The project root: $KEXIE_COMPARE_ROOT, else the nearest parent of the cwd with a pyproject.toml,
    else the source checkout this package was installed from, else the cwd."""
    env = os.environ.get("KEXIE_COMPARE_ROOT")
    if env:
        return Path(env).resolve()
    cwd = Path.cwd().resolve()
    for p in (cwd, *cwd.parents):
        if (p / "pyproject.toml").is_file() and (p / "src" / "compare").is_dir():
            return p
    src_root = PACKAGE_DIR.parent.parent
    if (src_root / "pyproject.toml").is_file():
        return src_root
    return cwd


def cache_dir() -> Path:
    """Project-local cache (jieba's dictionary cache, token cache, build state). Git-ignored."""
    d = project_root() / ".cache"
    d.mkdir(parents=True, exist_ok=True)
    return d


RAW_DIR = Path("data/raw")
PROCESSED_DIR = Path("data/processed")
FIGURES_DIR = Path("figures")
REPORTS_DIR = Path("reports")


def selection_dir(base: str | Path, *parts: str | None) -> Path:
    """Where a filtered run writes (`figures --doc-type 重点工作`, `export --provinces 河南`): a
    sub-directory of base named after the selection, so it never replaces what the whole run wrote.

    >>> selection_dir("figures", None, "重点工作", "省级").as_posix()
    'figures/重点工作_省级'
    """
    return Path(base) / "_".join(str(p) for p in parts if p)
