"""The README's Python examples run as written (an analyst copies them into a notebook)."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_readme_has_python_examples():
    assert _python_blocks()


@pytest.mark.parametrize("index", range(len(_python_blocks())))
def test_readme_python_example_runs(index, themed_dir, tmp_path, monkeypatch):
    """Each ```python block runs from a project root whose data/processed holds the themed seeds."""
    shutil.copytree(themed_dir, tmp_path / "data" / "processed")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KEXIE_COMPARE_ROOT", str(tmp_path))
    code = _python_blocks()[index]
    exec(compile(code, f"README.md python block {index + 1}", "exec"), {"__name__": "readme"})  # noqa: S102
