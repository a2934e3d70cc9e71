"""Render a report: parameter checks -> execute (papermill) -> export HTML, in the spirit of papermill's
execute.py.

A report is a papermill template shipped in the package (``compare/templates/province_report.ipynb``,
``cross_province.ipynb``), so an installed package renders reports from any working directory.
:func:`render_report` is the short orchestrator::

    resolve the kernel (pipeline.kernel)  ->  check the parameters against the corpus (pipeline.params)
    ->  execute with papermill  ->  export HTML without code or prompts (pipeline.export)  ->  write it

Errors: unknown or invalid parameters raise :class:`compare.core.errors.ParameterError` before any
work; a failed execution raises :class:`compare.core.errors.ReportError` naming the notebook and the
failing cell's error, keeps the executed notebook in ``<out_dir>/_failed/<name>.ipynb`` and leaves
the last good HTML untouched. The notebooks' display helpers are :mod:`compare.presentation.display`;
shared comparisons are read through :mod:`compare.pipeline.cache`. Where a report's HTML goes (the
build's file, a named or a custom report) is decided by :mod:`compare.pipeline.named`, which also
handles ``python -m compare report``.
"""
from __future__ import annotations

import logging
import sys
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from compare.core.errors import ReportError
from compare.core.io import atomic_write_bytes, atomic_write_text
from compare.core.paths import project_root
from compare.pipeline import kernel, reference
from compare.pipeline.cache import ComparisonCache  # noqa: F401  (re-exported)
from compare.pipeline.export import export_html, prepare_export, strip_stderr
from compare.pipeline.params import check_without_corpus, resolve_parameters
from compare.pipeline.reportnames import (  # noqa: F401  (re-exported: the report kinds' names live there)
    KINDS,
    TEMPLATES_DIR,
    province_pinyin,
    report_name,
    template_path,
)

log = logging.getLogger(__name__)

DEFAULT_KERNEL = kernel.DEFAULT_KERNEL
FAILED_DIR = "_failed"


def _cell_error(exc) -> str:
    """'cell [N] `first line of the cell`: ErrorName: message' for a papermill execution error."""
    lines = [ln for ln in str(exc.source or "").splitlines() if ln.strip()]
    code = f" `{lines[0].strip()[:80]}`" if lines else ""
    evalue = str(exc.evalue).strip().splitlines()
    return f"cell [{exc.exec_count}]{code}: {exc.ename}: {evalue[0] if evalue else ''}".rstrip(": ")


def _execute(template: Path, executed: Path, params: dict, *, name: str, timeout: int, progress_bar: bool, run: dict,
             kernel_pool, kernel_log: Path, failed_path: Path):
    """papermill runs the template into `executed` and returns the notebook; a failure (a cell's
    error, a dead kernel, a timeout) raises ReportError, the notebook and kernel log kept at failed_path."""
    kernel.import_jupyter("papermill", "papermill.exceptions")
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        return papermill.execute_notebook(
            str(template),
            str(executed),
            parameters=params,
            execution_timeout=timeout,
            progress_bar=progress_bar,
            log_output=False,
            request_save_on_cell_execute=False,
            # the kernel's working directory; papermill's own `cwd=` would chdir this whole process,
            # which is not safe when the build renders reports in threads
            resources={"metadata": {"path": str(project_root())}},
            **run,
        )
    except PapermillExecutionError as exc:
        _discard(kernel_pool)
        _keep_aside(executed, kernel_log, failed_path)
        raise ReportError(
            f"{template.name} ({name}) failed at {_cell_error(exc)}; "
            f"the executed notebook is kept in {failed_path}"
        ) from exc
    except Exception as exc:  # kernel died, timeout, ...: same contract, keep what exists
        _discard(kernel_pool)
        kept = _keep_aside(executed, kernel_log, failed_path)
        raise ReportError(
            f"{template.name} ({name}) could not be executed: {type(exc).__name__}: {exc}"
            + (f"; see {kept}" if kept else "")
        ) from exc


def render_report(
    kind: str = "province",
    *,
    parameters: Mapping[str, Any],
    processed_dir: str | Path,
    out_dir: str | Path,
    kernel_name: str | None = None,
    timeout: int = 600,
    template: str | Path | None = None,
    progress_bar: bool | None = None,
    corpus=None,
    kernel_pool: kernel.KernelPool | None = None,
) -> Path:
    """Execute a report template with papermill and write ``<out_dir>/<name>.html``; return its path.

    kind: "province" (parameters: province, years, doc_type, level, themes, top_n) or "cross"
    (provinces, year, doc_type, level, themes, top_n). Parameters are validated before any execution
    (ParameterError lists the known values). kernel_name: None or "kexie-compare" renders with the
    running interpreter (no registration needed, :mod:`compare.pipeline.kernel`); another name must be
    an installed kernelspec. The kernel runs in the project root, so relative paths in the notebook
    work. timeout bounds each cell (seconds). template overrides the notebook. progress_bar defaults
    to "stderr is a terminal". A failing cell raises ReportError; the executed notebook is kept in
    <out_dir>/_failed/<name>.ipynb and any previous HTML is left as it was. corpus: the corpus of
    processed_dir when the caller has it loaded already (the build renders many reports).
    kernel_pool: a :class:`compare.pipeline.kernel.KernelPool` whose kept kernel (this thread's) runs
    the report, its namespace reset first (the build's reports); default a fresh kernel per report.
    """
    template = Path(template) if template is not None else template_path(kind)
    processed_dir = Path(processed_dir).resolve()
    out_dir = Path(out_dir)
    kname, kernel_dirs = kernel.resolve_kernel(kernel_name)
    check_without_corpus(parameters, template=template)  # a misspelt name or value starts no kernel
    with tempfile.TemporaryDirectory(prefix="kexie-report-") as tmp:
        kernel_log = Path(tmp) / "kernel.log"
        # a single render's kernel starts now: its start-up and imports overlap this process reading
        # the corpus and checking the parameters (a build's reports have their pool's kept kernels)
        ahead = kernel.start_one(kernel_name, kernel_log) if kernel_pool is None else None
        try:
            return _render(kind, template, parameters, processed_dir, out_dir, kname=kname, kernel_dirs=kernel_dirs,
                           timeout=timeout, progress_bar=progress_bar, corpus=corpus, kernel_pool=kernel_pool,
                           tmp=Path(tmp), kernel_log=kernel_log, ahead=ahead)
        finally:
            if ahead is not None:
                kernel.stop_one(ahead)


def _render(kind, template, parameters, processed_dir, out_dir, *, kname, kernel_dirs, timeout, progress_bar, corpus,
            kernel_pool, tmp: Path, kernel_log: Path, ahead) -> Path:
    from compare.analysis import Corpus

    if corpus is None:
        corpus = Corpus.load(processed_dir)
    params = resolve_parameters(kind, parameters, corpus, template=template)
    params["processed_dir"] = str(processed_dir)
    name = report_name(kind, params)
    if progress_bar is None:
        progress_bar = sys.stderr.isatty()

    out_dir.mkdir(parents=True, exist_ok=True)
    failed_path = out_dir / FAILED_DIR / f"{name}.ipynb"
    # while the kernel starts and runs, this process would only wait: it readies the HTML export
    if kind == "province":  # the saved reference its distinctive terms are measured against
        reference.ensure_reference(processed_dir, corpus=corpus)
    kernel.import_jupyter("papermill", "papermill.exceptions")  # before the export thread imports nbconvert
    warm = threading.Thread(target=_quietly(prepare_export), name="kexie-prepare", daemon=True)
    warm.start()
    executed = tmp / f"{name}.ipynb"
    km = kernel.take_one(ahead) if ahead is not None else None
    if km is not None:
        run = {"kernel_name": kname, "km": km, "engine_name": kernel.register_kept_engine()}
    else:
        run = _kernel_args(kname, kernel_dirs, kernel_log, kernel_pool)
        if kernel_pool is not None:
            kernel_log = run["km_log"]
        run.pop("km_log", None)
    nb = _execute(template, executed, params, name=name, timeout=timeout, progress_bar=progress_bar, run=run,
                  kernel_pool=kernel_pool, kernel_log=kernel_log, failed_path=failed_path)
    if kernel_log.is_file() and kernel_log.stat().st_size:
        log.debug("%s: kernel output:\n%s", name, kernel_log.read_text(encoding="utf-8", errors="replace"))
    nb = strip_stderr(_stable_ids(nb), name)
    warm.join()
    body = export_html(nb, title=_title(kind, params))
    html_path = out_dir / f"{name}.html"
    atomic_write_text(html_path, body)
    failed_path.unlink(missing_ok=True)  # this report is good again
    failed_path.with_suffix(".kernel.log").unlink(missing_ok=True)
    log.debug("wrote %s", html_path)
    return html_path


def _kernel_args(kname: str, kernel_dirs, kernel_log: Path, pool) -> dict:
    """papermill's keyword arguments for the kernel: a fresh one logging to kernel_log, or the kept
    kernel of this thread (``km``, its engine, and ``km_log``: the kernel's log, for a failure)."""
    if pool is None:
        return {"kernel_name": kname, "config": kernel.kernel_config(kernel_log, kernel_dirs)}
    km, log_path = pool.manager()
    return {"kernel_name": pool.name, "km": km, "engine_name": kernel.register_kept_engine(), "km_log": log_path}


def _discard(pool) -> None:
    if pool is not None:
        pool.discard()


def _stable_ids(nb):
    """papermill gives its injected-parameters cell a random id, which the HTML carries: a fixed one
    keeps a report byte-identical when it is rendered again from the same inputs."""
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell["id"] = "injected-parameters"
    return nb


def _quietly(*funcs):
    """The funcs, in turn, for a background thread: a failure is logged and the next one runs (these
    are head starts only: the kernel or the export redoes the work and raises what matters)."""

    def run() -> None:
        for func in funcs:
            try:
                func()
            except Exception as exc:  # logged, not swallowed; the real step reports its own error
                log.warning("preparing the report: %s: %s", type(exc).__name__, exc)

    return run


def _keep_aside(executed: Path, kernel_log: Path, failed_path: Path) -> Path | None:
    """Copy the executed notebook (and the kernel's own log, if any) to _failed/; return what was kept."""
    kept = None
    if kernel_log.is_file() and kernel_log.stat().st_size:
        kept = failed_path.with_suffix(".kernel.log")
        atomic_write_bytes(kept, kernel_log.read_bytes())
    if executed.is_file():
        kept = failed_path
        atomic_write_bytes(failed_path, executed.read_bytes())
    return kept


def _title(kind: str, params: Mapping[str, Any]) -> str:
    """The page's <title> (the header block inside names the province in full)."""
    doc_type = params.get("doc_type") or "工作要点"
    if kind == "province":
        return f"{params['province']}科协{doc_type}分析"
    return f"各省科协{doc_type}比较"
