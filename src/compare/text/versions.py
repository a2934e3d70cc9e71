"""Saved-model version numbers ("v1", "v2", ...) and the current one of a processed directory.

Kept apart from :mod:`compare.text.model` (numpy, pandas, pyarrow, the scorer) so that a build which
only checks whether anything changed learns the theme model's version without importing them."""
from __future__ import annotations

import re
from pathlib import Path

MODEL_DIR = "theme_model"
VERSION = re.compile(r"^v(\d+)$")


def version_number(version: str | None) -> int:
    m = VERSION.match(version or "")
    return int(m.group(1)) if m else 0


def current_version(processed_dir: str | Path, model_dir: str = MODEL_DIR) -> str | None:
    """The current model version ("v1", ...) of a processed directory, None before the first fit;
    model_dir: the saved model's folder (the theme model's, or the instrument model's)."""
    p = Path(processed_dir) / model_dir / "CURRENT"
    if not p.is_file():
        return None
    v = p.read_text(encoding="utf-8").strip()
    return v if VERSION.match(v) else None
