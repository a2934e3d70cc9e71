"""The house rules, checked on every `make test`: imports point down the layers
(core < ingest < text < analysis < presentation < pipeline < cli), no import cycles, no module over
500 lines (the contract itself is `[tool.importlinter]` in pyproject.toml), no function over 60, no unused import;
argument parsing in cli.py only; each vocabulary and default defined once, in compare.core.vocab."""
from __future__ import annotations

import ast
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "compare"
MAX_LINES = 500
MAX_FUNCTION_LINES = 60
#: functions allowed over MAX_FUNCTION_LINES, each with the reason; an entry that is no longer over the
#: limit fails test_the_long_function_allowances_are_still_needed, so the list only shrinks
LONG_FUNCTIONS: dict[tuple[str, str], str] = {
}
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


def _function_lengths(tree: ast.Module) -> dict[str, int]:
    """Each function's (and method's) lines, from its `def` to its last line, without its docstring
    (a long explanation is welcome; a long body is a function doing several things)."""
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            n = node.end_lineno - node.lineno + 1
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                n -= first.end_lineno - first.lineno + 1
            out[node.name] = max(n, out.get(node.name, 0))
    return out


def _long_functions() -> dict[tuple[str, str], int]:
    return {(str(p.relative_to(SRC)), name): n for p in sorted(SRC.rglob("*.py"))
            for name, n in _function_lengths(ast.parse(p.read_text(encoding="utf-8"))).items()
            if n > MAX_FUNCTION_LINES}


def test_no_function_is_over_60_lines():
    """A function does one thing: over 60 lines (docstring not counted) it is split into named steps."""
    too_long = {f"{path}: {name}": n for (path, name), n in _long_functions().items()
                if (path, name) not in LONG_FUNCTIONS}
    assert not too_long, f"functions over {MAX_FUNCTION_LINES} lines (split them into named steps): {too_long}"


def test_the_long_function_allowances_are_still_needed():
    stale = sorted(set(LONG_FUNCTIONS) - set(_long_functions()))
    assert not stale, f"no longer over {MAX_FUNCTION_LINES} lines: remove them from LONG_FUNCTIONS: {stale}"


def test_the_function_length_check_counts_the_body_not_the_docstring():
    body = "\n".join(f"    x{i} = {i}" for i in range(60))
    doc = '    """' + "\n".join(["line"] * 30) + '"""\n'
    assert _function_lengths(ast.parse(f"def f():\n{doc}{body}\n")) == {"f": 61}
    assert _function_lengths(ast.parse(f"class C:\n    def m(self):\n    {body.replace(chr(10), chr(10) + '    ')}\n")) == {"m": 61}


def _unused_imports(source: str) -> list[str]:
    """Imported names a module never uses (pyflakes' F401, without the dependency): not read as a
    name, not listed in __all__, not a quoted annotation; an import line marked `noqa: F401` is a
    deliberate re-export."""
    tree = ast.parse(source)
    lines = source.splitlines()
    imported: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if (isinstance(node, ast.ImportFrom) and node.module == "__future__") or "noqa: F401" in lines[node.lineno - 1]:
                continue
            for a in node.names:
                imported.setdefault(a.asname or a.name.split(".")[0], node.lineno)
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    used |= {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
             and n.value.isidentifier()}  # __all__ entries and quoted annotations
    return [f"line {line}: {name}" for name, line in sorted(imported.items(), key=lambda kv: kv[1]) if name not in used]


def test_no_module_imports_what_it_does_not_use():
    """An import nothing reads is a leftover: it misleads the reader about what a module depends on."""
    unused = {str(p.relative_to(SRC)): found for p in sorted(SRC.rglob("*.py"))
              if (found := _unused_imports(p.read_text(encoding="utf-8")))}
    assert not unused, f"unused imports (remove them, or mark a deliberate re-export `# noqa: F401`): {unused}"


def test_the_unused_import_check_finds_a_leftover():
    planted = ("from __future__ import annotations\nimport re\nfrom collections import Counter\n"
               "from x import y  # noqa: F401\nimport os.path\n\ndef f(a: 'Path') -> int:\n    return re.sub('a', '', a)\n")
    assert _unused_imports(planted) == ["line 3: Counter", "line 5: os"]


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


# --------------------------------------------------------------------------------------------------
# the command line in one place: cli.py parses, the layers below take keyword arguments
# --------------------------------------------------------------------------------------------------

NAMESPACE_PARAMS = {"args", "namespace", "ns", "argv", "options", "opts"}


def _modules_below_cli() -> dict[str, ast.Module]:
    return {str(p.relative_to(SRC)): ast.parse(p.read_text(encoding="utf-8"))
            for p in sorted(SRC.rglob("*.py")) if p.name != "__main__.py" and p != SRC / "cli.py"}


def _argparse_leaks(tree: ast.Module) -> list[str]:
    """What in a module's source deals with the command line: an argparse import, a function taking
    a namespace (a parameter named args/namespace/… or annotated as a Namespace), a `cli_*` handler."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"line {node.lineno}: import {a.name}" for a in node.names if a.name.split(".")[0] == "argparse"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "argparse":
            found.append(f"line {node.lineno}: from argparse import …")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.name.startswith("cli_"):
                found.append(f"line {node.lineno}: {node.name}() is a command-line handler")
            a = node.args
            for arg in (*a.posonlyargs, *a.args, *a.kwonlyargs):
                annotation = ast.unparse(arg.annotation) if arg.annotation is not None else ""
                if arg.arg in NAMESPACE_PARAMS or "Namespace" in annotation:
                    found.append(f"line {node.lineno}: {node.name}({arg.arg}) takes a parsed namespace")
    return found


def test_no_layer_below_cli_sees_argparse():
    """Only cli.py knows argparse: the functions it calls take keyword arguments, so a new option
    is added in cli.py and in the signature of the function it calls, nowhere else."""
    leaks = {path: found for path, tree in _modules_below_cli().items() if (found := _argparse_leaks(tree))}
    assert not leaks, f"command-line handling below cli.py: {leaks}"


def test_the_argparse_check_finds_a_handler_that_reads_a_namespace():
    planted = ast.parse("import argparse\n\ndef cli_report(args):\n    return getattr(args, 'years', None)\n\n"
                        "def run(ns: 'argparse.Namespace'):\n    pass\n")
    assert len(_argparse_leaks(planted)) == 4, _argparse_leaks(planted)
    assert not _argparse_leaks(ast.parse("def report(*, years=None, out):\n    return years\n"))


def test_cli_calls_each_command_with_keyword_arguments_only():
    """Every sub-command runs a plain function whose parameters are keyword-only, called by keyword."""
    import importlib

    from compare import cli

    tree = ast.parse(inspect.getsource(cli._run))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
             and n.func.id.endswith("_command")]
    imported = {a.asname or a.name: node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                for a in node.names}
    assert {c.func.id for c in calls} == {f"{cmd}_command" for cmd in
                                          ("ingest", "themes", "instruments", "figures", "export", "report", "track",
                                           "build")}
    for call in calls:
        assert not call.args, f"{call.func.id} is called with positional arguments"
        func = getattr(importlib.import_module(imported[call.func.id]), call.func.id)
        kinds = {p.name: p.kind for p in inspect.signature(func).parameters.values()}
        assert set(kinds.values()) == {inspect.Parameter.KEYWORD_ONLY}, (call.func.id, kinds)
        assert {k.arg for k in call.keywords} <= set(kinds), call.func.id


# --------------------------------------------------------------------------------------------------
# one home for each decision: vocabularies and defaults live in compare.core.vocab
# --------------------------------------------------------------------------------------------------


def _vocabularies() -> dict[str, tuple[str, ...]]:
    from compare.core import vocab

    return {"LEVELS": vocab.LEVELS, "DOC_TYPES": vocab.DOC_TYPES, "DEPARTMENT_LABELS": vocab.DEPARTMENT_LABELS,
            "PLAN_TITLE_WORDS": vocab.PLAN_TITLE_WORDS}


def _second_definitions(path: str, tree: ast.Module) -> list[str]:
    """Assignments outside vocab.py to a name vocab defines, and literal lists, tuples or sets holding
    three or more words of one vocabulary (a copy of it, whatever it is called)."""
    from compare.core import vocab

    names = set(vocab.__all__)
    found = []
    for node in ast.walk(tree):
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else [])
        for t in targets:
            for name in ast.walk(t):
                if isinstance(name, ast.Name) and name.id in names:
                    found.append(f"{path}:{node.lineno}: {name.id} = …")
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            words = {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
            for vname, vocabulary in _vocabularies().items():
                if len(words & set(vocabulary)) >= 3:
                    found.append(f"{path}:{node.lineno}: a copy of {vname}")
    return found


def test_each_vocabulary_is_defined_once():
    """The levels, document types, department labels and the defaults of a comparison are defined in
    compare.core.vocab; every other module imports them (a second list drifts: one of the five copies
    of the level list once lacked a level)."""
    copies = [c for path, tree in _modules_below_cli().items() if path != "core/vocab.py"
              for c in _second_definitions(path, tree)]
    copies += _second_definitions("cli.py", ast.parse((SRC / "cli.py").read_text(encoding="utf-8")))
    assert not copies, "defined again outside compare.core.vocab:\n" + "\n".join(copies)


def test_the_vocabulary_check_finds_a_copy():
    planted = ast.parse('DEFAULT_LEVEL = "省级"\nKINDS = ("全国", "省级", "市级")\nHEADS = ["责任部门", "牵头部门", "配合单位"]\n')
    assert len(_second_definitions("x.py", planted)) == 3, _second_definitions("x.py", planted)


def test_vocabulary_values():
    from compare.core import schema, vocab

    assert vocab.LEVELS == ("全国", "省级", "市级", "县级")
    assert vocab.DEFAULT_LEVEL in vocab.LEVELS and vocab.DEFAULT_DOC_TYPE in vocab.DOC_TYPES
    assert set(vocab.TYPE_CODES) == set(vocab.DOC_TYPES) and len(set(vocab.TYPE_CODES.values())) == len(vocab.DOC_TYPES)
    assert vocab.KEY_WORK in vocab.DOC_TYPES and vocab.WORK_PLAN in vocab.DOC_TYPES
    # the table contract documents the same vocabularies
    docs = {c.name: c.doc for c in schema.TABLES["documents"][1]}
    assert all(level in docs["level"] for level in vocab.LEVELS)
    assert all(t in docs["doc_type"] for t in vocab.DOC_TYPES)


# --------------------------------------------------------------------------------------------------
# everything a test or the package reads is inside the checkout
# --------------------------------------------------------------------------------------------------

OUTSIDE = re.compile(r"""["'](?:/work/|/home/|\.\./)|\bROOT\.parent\b|parents\[[2-9]\]""")


def test_no_path_outside_the_checkout():
    """Fixtures live in tests/fixtures, data in data/: no default path into a sibling directory or an
    absolute path of one machine (a development set outside the repository is named by an
    environment variable, and its tests skip without it)."""
    here = Path(__file__).resolve()
    found = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
             for folder in ("src", "tests", "benchmarks") for p in sorted((ROOT / folder).rglob("*.py"))
             if p.resolve() != here
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if OUTSIDE.search(line)]
    assert not found, "paths outside the checkout:\n" + "\n".join(found)
    assert all(OUTSIDE.search(line) for line in ('SEEDS = ROOT.parent / "shared" / "seeds"',
                                                  'DEVSET = Path("/work/notes/devset")'))
