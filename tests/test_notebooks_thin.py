"""Every notebook is thin: imports, the tagged `parameters` cell, calls into compare.*, display.

Logic belongs in the package, where it is tested; a notebook that grows a function, a class, a
sys.path hack or a warnings filter fails here. Templates are committed clean (no outputs)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "src" / "compare" / "templates"  # the report templates ship with the package
NOTEBOOKS = sorted([*(ROOT / "notebooks").rglob("*.ipynb"), *TEMPLATES.glob("*.ipynb")])
NOTEBOOKS = [p for p in NOTEBOOKS if ".ipynb_checkpoints" not in p.parts]
REPORTS = {"province_report.ipynb", "cross_province.ipynb"}


def _code_cells(path: Path):
    nb = nbformat.read(path, as_version=4)
    return nb, [c for c in nb.cells if c.cell_type == "code"]


def thin_violations(source: str) -> list[str]:
    """What makes a cell's source not thin (empty list when it is)."""
    problems = []
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return [f"does not parse: {exc}"]
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            problems.append(f"defines a function (line {node.lineno}): move it into compare.*")
        elif isinstance(node, ast.ClassDef):
            problems.append(f"defines a class {node.name} (line {node.lineno}): move it into compare.*")
        elif isinstance(node, ast.Attribute) and node.attr == "path" and getattr(node.value, "id", None) == "sys":
            problems.append(f"uses sys.path (line {node.lineno}): install the package instead")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names]
            mod = getattr(node, "module", None) or ""
            if mod == "warnings" or "warnings" in names:
                problems.append(f"imports warnings (line {node.lineno}): fix the warning instead of filtering it")
            if mod == "sys" and "path" in names:
                problems.append(f"imports sys.path (line {node.lineno})")
    if re.search(r"filterwarnings|simplefilter", source):
        problems.append("filters warnings: fix the warning instead")
    return problems


def test_there_are_notebooks():
    names = {p.name for p in NOTEBOOKS}
    assert REPORTS <= names and "01-explore.ipynb" in names, names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_is_thin(path):
    _, cells = _code_cells(path)
    problems = [f"cell {i}: {msg}" for i, c in enumerate(cells) for msg in thin_violations(c.source)]
    assert not problems, f"{path.name} is not thin:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_is_committed_clean(path):
    nb, cells = _code_cells(path)
    dirty = [i for i, c in enumerate(cells) if c.outputs or c.execution_count is not None]
    assert not dirty, f"{path.name}: code cells {dirty} have outputs or execution counts; clear them"
    assert nb.metadata.get("kernelspec", {}).get("name") == "kexie-compare"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_parameters_cell_is_annotated_and_commented(path):
    _, cells = _code_cells(path)
    tagged = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: expected exactly one cell tagged `parameters`, found {len(tagged)}"
    lines = [ln for ln in tagged[0].source.splitlines() if ln.strip()]
    tree = ast.parse(tagged[0].source)
    assert all(isinstance(n, ast.AnnAssign) and n.value is not None for n in tree.body), (
        f"{path.name}: every parameter must be an annotated default (`name: type = value  # comment`)"
    )
    uncommented = [ln for ln in lines if "#" not in ln]
    assert not uncommented, f"{path.name}: parameters without a comment: {uncommented}"


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_report_validates_parameters_first(name):
    """The first code cell after `parameters` validates them (params.select calls validate_selection)."""
    path = TEMPLATES / name
    _, cells = _code_cells(path)
    i = next(i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", []))
    assert re.search(r"params\.select\(|validate_selection\(", cells[i + 1].source), cells[i + 1].source


@pytest.mark.parametrize(
    "source",
    [
        "def f():\n    return 1",
        "class A:\n    pass",
        "import sys\nsys.path.insert(0, '..')",
        "import warnings\nwarnings.filterwarnings('ignore')",
        "from warnings import simplefilter",
        "x = sorted(y, key=lambda v: v)",
    ],
)
def test_thin_check_catches(source):
    assert thin_violations(source)


def test_thin_check_allows_calls_and_display():
    src = "from compare.pipeline import params\nsel = params.select(corpus, province=province)\ndisplay(show.table(df))"
    assert thin_violations(src) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_papermill_sees_every_parameter(path):
    """papermill's own parser (used for `papermill --help-notebook` and its unknown-parameter warning)
    must understand every annotation, e.g. Optional[list[int]] rather than `list[int] | None`."""
    import papermill

    from compare.pipeline.params import template_parameters

    assert list(papermill.inspect_notebook(str(path))) == list(template_parameters(path))
