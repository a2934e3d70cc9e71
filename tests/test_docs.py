"""The README and the docs site tell the truth: their Python examples run as written (an analyst
copies them into a notebook), the site builds offline with `mkdocs build --strict` (a broken link,
anchor or docstring reference fails), the README stays a newcomer's page, its commands table names
real options, and no page refers to tracker items a reader cannot see."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
MAX_README_LINES = 250
PAGES = [README, *sorted(DOCS.rglob("*.md"))]
# a reference to a tracker item (the word issue and a number, or C-<number> in brackets): say what the rule is instead
TRACKER_REF = re.compile(r"\b(issue|Issue) ?#?[0-9]+|\(C-[0-9]+\)")


def _python_blocks(page: Path) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", page.read_text(encoding="utf-8"), flags=re.DOTALL | re.MULTILINE)


BLOCKS = [(page, i) for page in PAGES for i in range(len(_python_blocks(page)))]


def test_the_readme_and_the_docs_have_python_examples():
    assert _python_blocks(README)
    assert len(BLOCKS) > len(_python_blocks(README))


@pytest.mark.parametrize(("page", "index"), BLOCKS, ids=[f"{p.relative_to(ROOT)}-{i + 1}" for p, i in BLOCKS])
def test_python_example_runs(page, index, themed_dir, tmp_path, monkeypatch):
    """Each ```python block runs from a project root whose data/processed holds the themed seeds."""
    shutil.copytree(themed_dir, tmp_path / "data" / "processed")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KEXIE_COMPARE_ROOT", str(tmp_path))
    code = _python_blocks(page)[index]
    name = f"{page.relative_to(ROOT)} python block {index + 1}"
    exec(compile(code, name, "exec"), {"__name__": "docs_example"})  # noqa: S102


def test_readme_is_a_newcomers_page():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_README_LINES, "the README is the newcomer's page: reference goes to docs/"
    for must in ("make reports", "make test", "make docs", "reports/index.html", "site/index.html"):
        assert must in text, must


def test_pages_link_to_files_that_exist():
    """The README's relative links (docs/…) point at files of the checkout (mkdocs checks the site's own)."""
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    assert targets
    for target in targets:
        if not re.match(r"[a-z]+://", target):
            assert (ROOT / target).exists(), f"README links to {target}, which does not exist"


def test_no_tracker_references():
    """Code, tests and docs say what a rule is, never which tracker item asked for it."""
    files = [README, *DOCS.rglob("*.md"), ROOT / "mkdocs.yml", ROOT / "pyproject.toml", ROOT / "Makefile",
             *(ROOT / "src").rglob("*.py"), *(ROOT / "tests").rglob("*.py"), *(ROOT / "notebooks").rglob("*.ipynb"),
             *(ROOT / "src").rglob("*.ipynb"), *(ROOT / "benchmarks").rglob("*.py"),
             *(ROOT / "benchmarks").rglob("*.md")]
    found = [f"{f.relative_to(ROOT)}:{n}: {line.strip()[:100]}"
             for f in files for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1)
             if TRACKER_REF.search(line)]
    assert not found, "tracker references (say what the rule is instead):\n" + "\n".join(found)


def _readme_commands() -> dict[str, set[str]]:
    """sub-command -> the options the README's commands table shows for it."""
    rows = re.findall(r"^\| `python -m compare (\w+)([^`]*)`", README.read_text(encoding="utf-8"), flags=re.MULTILINE)
    out: dict[str, set[str]] = {}
    for command, rest in rows:
        out.setdefault(command, set()).update(re.findall(r"--[a-z][a-z-]*", rest))
    return out


def test_readme_commands_table_matches_the_command_line():
    """Every sub-command is in the README's table, and every option the table shows exists."""
    import argparse

    from compare.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    documented = _readme_commands()
    assert set(sub.choices) <= set(documented), f"commands missing from the README: {set(sub.choices) - set(documented)}"
    for command, options in documented.items():
        assert command in sub.choices, f"the README names `{command}`, which the command line does not have"
        known = {s for a in sub.choices[command]._actions for s in a.option_strings}
        assert options <= known, f"README: `{command}` has no option {sorted(options - known)}"


def _table_rows(text: str, header: str) -> dict[str, list[str]]:
    """measure -> the other cells of each row of the Markdown table whose header row starts with header."""
    rows: dict[str, list[str]] = {}
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(header):
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                cells = [c.strip() for c in row.strip().strip("|").split("|")]
                rows[cells[0]] = cells[1:]
            break
    return rows


def test_readme_speed_figures_are_the_benchmarks_latest():
    """The README's speed rows quote benchmarks/README.md's latest table row for row (same columns, same
    goals, same figures): `python -m benchmarks.run --write-tables` writes both from one run, and a
    hand edit of one of them fails here."""
    text = README.read_text(encoding="utf-8")
    bench_text = (ROOT / "benchmarks" / "README.md").read_text(encoding="utf-8")
    readme = _table_rows(text, "| measure | goal |")
    bench = _table_rows(bench_text, "| measure | goal |")
    assert readme and bench
    header = [line for line in text.splitlines() if line.startswith("| measure | goal |")][0]
    assert header in bench_text.splitlines(), "the README's speed table has other columns than the benchmark's"
    for measure, cells in readme.items():
        assert measure in bench, (f"README's Measured section quotes '{measure}', which benchmarks/README.md's "
                                  f"table no longer has: run the benchmark with --write-tables")
        assert cells == bench[measure], (f"README says {measure} = {cells}, the benchmark's latest table "
                                         f"{bench[measure]}: run the benchmark with --write-tables")


def test_config_error_example_is_what_the_code_says(tmp_path):
    """The configuration page quotes the one-line error of a bad kexie.toml value; it must be the real message."""
    from compare.core.config import parse_config
    from compare.core.errors import CompareError

    page = " ".join((DOCS / "configuration.md").read_text(encoding="utf-8").split())
    quoted = re.search(r"`(kexie\.toml: reports\[1\][^`]*)`", page)
    assert quoted, "docs/configuration.md no longer quotes the kexie.toml error example"
    text = '[[reports]]\nname = "henan_kepu"\nprovince = "河南"\nyears = "2019"\n'
    with pytest.raises(CompareError) as err:
        parse_config(text, tmp_path / "kexie.toml")
    assert str(err.value).endswith(quoted.group(1)), (str(err.value), quoted.group(1))


def test_every_docs_page_is_in_the_site_navigation():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in DOCS.rglob("*.md"):
        assert str(page.relative_to(DOCS)) in nav, f"{page.relative_to(ROOT)} is not in mkdocs.yml's nav"


@pytest.mark.slow
def test_docs_site_builds_strict_and_offline(tmp_path):
    """`mkdocs build --strict` (as `make docs`): warnings (a broken link or anchor, a page left out of
    the nav, a docstring mkdocstrings cannot read) fail. The built site loads nothing from the network:
    no web fonts, no CDN scripts or styles (it is opened from the file system, often offline)."""
    site = tmp_path / "site"
    # NO_MKDOCS_2_WARNING: mkdocs-material's banner about its successor; TMPDIR: the search plugin's
    # jieba writes its dictionary cache there
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "TMPDIR": str(tmp_path)}
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300, check=False, env=env)
    assert run.returncode == 0, f"mkdocs build --strict failed:\n{run.stderr[-4000:]}"
    assert (site / "index.html").is_file() and (site / "api" / "analysis.html").is_file()
    remote = re.compile(r"""(?:src|href)=["'](?:https?:)?//[^"']*\.(?:js|css|woff2?|ttf)|@import\s+url\(["']?https?:|fonts\.(?:googleapis|gstatic)\.com""")
    loads = [f"{p.relative_to(site)}: {m.group(0)}" for p in site.rglob("*") if p.suffix in (".html", ".css")
             for m in remote.finditer(p.read_text(encoding="utf-8", errors="replace"))]
    assert not loads, "the site loads from the network:\n" + "\n".join(loads[:10])
    css = (site / "stylesheets" / "extra.css").read_text(encoding="utf-8")
    assert '@font-face {\n  font-family: "kx-embedded-cjk"' in css, "the site lost its own Chinese font (hooks/cjk_font.py)"
    api = (site / "api" / "analysis.html").read_text(encoding="utf-8")
    assert "keyness" in api and "theme_share_matrix" in api, "the API page lost the docstrings"
