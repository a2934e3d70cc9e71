"""Any environment: after a plain, non-editable `pip install .` into a fresh venv, with no
Jupyter kernel registered anywhere, `python -m compare report` renders with the interpreter that runs it.

To stay fast the fresh venv borrows the dependencies of the project's own venv through a .pth file
(nothing is downloaded) and the project is installed with `pip install --no-deps --no-build-isolation`
from a copy of the checkout (so no build/ or egg-info lands in the working tree)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "tests" / "fixtures" / "seeds"

pytestmark = pytest.mark.slow


def _run(cmd, **kw):
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=900, check=False, **kw)
    assert proc.returncode == 0, f"{cmd} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return proc


def test_a_plain_pip_install_renders_reports_without_registering_a_kernel(tmp_path):
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "borrowed-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    # the data files pip would have installed with those dependencies (nbconvert's page templates), not
    # the project venv's kernelspecs
    shutil.copytree(Path(sys.prefix) / "share" / "jupyter" / "nbconvert", venv / "share" / "jupyter" / "nbconvert")

    source = tmp_path / "checkout"  # what a clean clone holds, minus the data
    for part in ("src", "pyproject.toml", "README.md"):
        (shutil.copytree if (ROOT / part).is_dir() else shutil.copy)(ROOT / part, source / part)
    _run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index", source])

    project = tmp_path / "analyst"  # any directory with the plans in data/raw
    shutil.copytree(SEEDS, project / "data" / "raw")
    empty = tmp_path / "jupyter"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KEXIE_", "JUPYTER", "PYTHON", "VIRTUAL_ENV"))}
    env.update(JUPYTER_PATH=str(empty / "path"), JUPYTER_DATA_DIR=str(empty / "data"),
               JUPYTER_CONFIG_DIR=str(empty / "config"), MPLBACKEND="Agg", PATH=f"{venv / 'bin'}:{env.get('PATH', '')}")

    # the installed package, not the checkout; and no kexie-compare kernel visible to Jupyter
    where = _run([python, "-c", "import compare; print(compare.__file__)"], cwd=project, env=env).stdout
    assert where.startswith(str(venv)), where
    listing = "from jupyter_client.kernelspec import KernelSpecManager as K; print(sorted(K().find_kernel_specs()))"
    specs = _run([python, "-c", listing], cwd=project, env=env).stdout
    assert "kexie-compare" not in specs, specs

    _run([python, "-m", "compare", "ingest"], cwd=project, env=env)
    _run([python, "-m", "compare", "themes"], cwd=project, env=env)
    out = _run([python, "-m", "compare", "report", "--province", "河南"], cwd=project, env=env).stdout
    html_path = project / out.strip().splitlines()[-1]  # as printed: relative to the working directory
    assert html_path.is_file() and html_path.parent.resolve() == (project / "reports").resolve(), out
    assert "河南省科协工作要点分析" in html_path.read_text(encoding="utf-8")
    # the kernel was this venv's interpreter, from a kernelspec written at run time into the project cache
    specs = list((project / ".cache" / "jupyter" / "kernels").glob("*/kernel.json"))
    assert len(specs) == 1
    assert json.loads(specs[0].read_text(encoding="utf-8"))["argv"][0] == str(python)
    assert not any(empty.rglob("kernel.json"))  # nothing registered in the user's Jupyter paths
