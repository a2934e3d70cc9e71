"""The house rules of the layered package, checked on every `make test`: imports point down the layers
(core < ingest < text < analysis < presentation < pipeline < cli), no import cycles, no module over
500 lines. The contract itself is `[tool.importlinter]` in pyproject.toml."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "compare"
MAX_LINES = 500
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_imports(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    if not LINT_IMPORTS.exists():
        pytest.fail(f"{LINT_IMPORTS} is missing: `pip install -e '.[test]'` installs import-linter")
    # --no-cache: nothing written into the project (and nothing shared between xdist workers)
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=120, check=False)


def test_import_contracts_are_kept():
    """`lint-imports` with the project's contracts: an upward import (at module level or inside a
    function) or an import cycle between sibling modules fails the test, with import-linter's report."""
    run = _lint_imports(str(ROOT / "pyproject.toml"), cwd=ROOT)
    report = run.stdout[run.stdout.find("Contracts"):] if "Contracts" in run.stdout else run.stdout
    assert run.returncode == 0, f"import contracts broken:\n{report}\n{run.stderr}"


def test_an_upward_import_inside_a_function_breaks_the_contract(tmp_path):
    """The contract is not fooled by `import` statements inside functions (the usual way round a
    cycle): grimp reads every import statement of a module."""
    pkg = tmp_path / "house"
    for name, body in {
        "__init__.py": "",
        "low.py": "def f():\n    from house import high  # upward, hidden in a function\n    return high\n",
        "high.py": "from house import low\n",
    }.items():
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        (pkg / name).write_text(body, encoding="utf-8")
    (tmp_path / "contracts.toml").write_text(
        '[tool.importlinter]\nroot_package = "house"\n\n'
        '[[tool.importlinter.contracts]]\nname = "layers"\ntype = "layers"\nlayers = ["house.high", "house.low"]\n',
        encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    run = _lint_imports(str(tmp_path / "contracts.toml"), cwd=tmp_path, env=env)
    assert run.returncode != 0, run.stdout
    assert "house.low -> house.high" in run.stdout, run.stdout


def test_no_module_is_over_500_lines():
    sizes = {str(p.relative_to(SRC)): len(p.read_text(encoding="utf-8").splitlines()) for p in SRC.rglob("*.py")}
    too_long = {p: n for p, n in sorted(sizes.items()) if n > MAX_LINES}
    assert not too_long, f"modules over {MAX_LINES} lines (split them by concern): {too_long}"


def test_analysis_keeps_its_notebook_api():
    """`from compare import analysis` and `analysis.<name>` keep working after the split into modules."""
    from compare import analysis

    for name in ("Corpus", "theme_shares", "theme_share_matrix", "keyness", "keyness_table", "log_ratio",
                 "similarity", "term_changes", "theme_changes", "main_doc_type", "shared_phrases",
                 "targets_by_theme", "departments_by_theme", "kwic", "validate_selection", "filter_items",
                 "like_with_like", "KEYNESS_COLUMNS", "SIMILARITY_COLUMNS", "example_corpus"):
        assert callable(getattr(analysis, name)) or isinstance(getattr(analysis, name), list), name
    with pytest.raises(AttributeError):
        analysis.no_such_function  # noqa: B018
    # the modules re-exported on first use (tracking, series, strength): every public name resolves
    for mod, public in analysis._lazy_modules():
        for name in public:
            assert getattr(analysis, name) is getattr(mod, name), (mod.__name__, name)
            assert name in dir(analysis)


def test_importing_analysis_stays_light():
    """A report kernel imports compare.analysis: scikit-learn and scipy load only when used."""
    code = ("import sys, compare.analysis; "
            "print(sorted(m for m in ('sklearn', 'scipy', 'jieba') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]", run.stdout
