"""Report kinds, their templates and their file names (``province_henan``, ``cross_province``).

Kept apart from :mod:`compare.pipeline.report` (papermill, nbconvert, the comparisons): a build that
only checks whether its reports are up to date names their files and hashes their templates without
importing the renderer. :mod:`compare.pipeline.report` re-exports these names."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from compare.core.errors import ParameterError, ReportError
from compare.core.paths import PACKAGE_DIR

KINDS: dict[str, str] = {"province": "province_report.ipynb", "cross": "cross_province.ipynb"}
TEMPLATES_DIR = PACKAGE_DIR / "templates"


def template_path(kind: str) -> Path:
    """The notebook template of a report kind (``province`` or ``cross``), inside the package."""
    if kind not in KINDS:
        raise ParameterError(f"unknown report kind {kind!r}; choose from {sorted(KINDS)}")
    path = TEMPLATES_DIR / KINDS[kind]
    if not path.is_file():
        raise ReportError(f"report template {path} is missing: is the package installed completely?")
    return path


def province_pinyin(province: str) -> str:
    """Pinyin of a province for file names (河南 -> henan), from compare.ingest.provinces."""
    from compare.ingest.provinces import PROVINCES, canonical_province

    short = canonical_province(province) or province
    for p in PROVINCES:
        if p.short == short:
            return p.pinyin
    raise ParameterError(f"no pinyin known for province {province!r}; known: {'、'.join(p.short for p in PROVINCES)}")


def report_name(kind: str, parameters: Mapping[str, Any]) -> str:
    """File stem of a report: ``province_<pinyin>`` or ``cross_province``."""
    if kind == "province":
        if not parameters.get("province"):
            raise ParameterError("a province report needs parameters['province'], e.g. 河南")
        return f"province_{province_pinyin(str(parameters['province']))}"
    if kind == "cross":
        return "cross_province"
    raise ParameterError(f"unknown report kind {kind!r}; choose from {sorted(KINDS)}")
