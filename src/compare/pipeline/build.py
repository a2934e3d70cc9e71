"""`python -m compare build`: ingest -> themes -> figures -> every report, redoing only what changed.

Each step has a key: the sha256 of its inputs (raw file hashes or the processed tables it reads, the
code version, the theme dictionary, its notebook template and its parameters). A step whose key
matches the one recorded after its last success, and whose recorded outputs are still there
unchanged, is skipped; so a second build with nothing new is a near no-op. The record lives in
``.cache/build-state.json`` (written atomically after every step, so an interrupted build keeps what
it finished).

The project configuration ``kexie.toml`` (:mod:`compare.core.config`) names the theme dictionary,
the defaults of every report and the named reports; the build renders the build's reports
(``province_<pinyin>.html``, ``cross_province.html``) and every named report (``<name>.html``), never
touches ``reports/custom/``, moves the report of a province whose plans left the raw directory to
``reports/_stale/`` (figures no longer drawn to ``figures/_stale/``) and writes ``reports/index.html``
(:mod:`compare.pipeline.index`).

Reports run in a thread pool of ``jobs`` workers (each report runs in its own Jupyter kernel process);
with ``jobs`` > 1 the figures are drawn in a thread of their own while the reports render (no report
reads the figure files), once the cross-province report has left its comparisons in the cache.
A failing step is recorded as failed and never marked fresh; other reports still run; the summary
line says what failed and :func:`build_command` exits with 1 (3 when some raw files were skipped).
"""
from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from compare.core import hashing
from compare.core.config import ProjectConfig, load_config
from compare.core.hashing import raw_hashes  # noqa: F401  (re-exported: tests and tools use build.raw_hashes)
from compare.core.paths import FIGURES_DIR, PROCESSED_DIR, REPORTS_DIR, cache_dir, project_root
from compare.pipeline import index as index_mod
from compare.pipeline.buildreports import (  # noqa: F401
    NAMED_SUFFIX,
    prewarm_kernels,
    report_provinces,
    report_steps,
)
from compare.pipeline.buildstate import (  # noqa: F401  (re-exported: the build's public names)
    EXIT_FAILED,
    EXIT_OK,
    EXIT_PARTIAL,
    BuildSummary,
    Progress,
    State,
    StepResult,
    TimestampFormatter,
    check_manifest,
    describe,
    now_iso,
)
from compare.pipeline.buildsteps import (  # noqa: F401  (re-exported: the step tables' names)
    INGEST_OUTPUTS,
    INGEST_TABLES,
    INSTRUMENT_TABLES,
    NOT_COMPARED,
    THEME_TABLES,
    WORKBOOK_TABLES,
    BuildRun,
    codebook_file,
    dictionary_file,
    figures_step,
    ingest_step,
    instruments_step,
    ready_for_reports,
    reference_step,
    themes_step,
    track_step,
    workbook_step,
)
from compare.pipeline.kernel import discard_warm

log = logging.getLogger(__name__)

DEFAULT_FORMATS = ("png", "svg", "pdf")
FILE_HASHES = "file-hashes.json"


def code_version() -> str:
    """The package's code version (compare.core.hashing.code_version; patch it there in tests)."""
    return hashing.code_version()


def run_build(
    *,
    raw_dir: str | Path = Path("data/raw"),
    jobs: int = 1,
    force: bool = False,
    processed_dir: str | Path | None = None,
    figures_dir: str | Path | None = None,
    reports_dir: str | Path | None = None,
    state_file: str | Path | None = None,
    formats: Iterable[str] = DEFAULT_FORMATS,
    dpi: int = 300,
    kernel_name: str | None = None,
    timeout: int = 600,
    progress: bool | None = None,
    config: ProjectConfig | None = None,
    quiet: bool = False,
    refit: bool = False,
) -> BuildSummary:
    """Run ingest -> themes -> figures -> the build's reports + the named reports of kexie.toml -> index.

    Output directories default to the project's data/processed, figures/ and reports/; the state file
    to .cache/build-state.json; config to the project's kexie.toml. force=True redoes every step.
    progress (default: stderr is a terminal) shows a live status line; quiet logs no line per step.
    refit=True fits the theme model and the saved reference anew on the whole corpus (`build --refit`):
    every province report then measures against the current corpus.
    Returns a BuildSummary: failing steps are in it, not raised (only a missing raw directory, a
    malformed kexie.toml or a missing report template raises, before any work)."""
    t0 = time.perf_counter()
    root = project_root()
    config = config if config is not None else load_config(root)
    state_path = Path(state_file) if state_file is not None else cache_dir() / "build-state.json"
    # the steps check the same tables and outputs: each file is hashed once, and only when it changed
    # since the last build (the signatures beside the state file)
    with hashing.remembered_file_hashes(state_path.with_name(FILE_HASHES)):
        run = BuildRun(
            config=config, raw_dir=Path(raw_dir),
            processed_dir=Path(processed_dir) if processed_dir is not None else root / PROCESSED_DIR,
            figures_dir=Path(figures_dir) if figures_dir is not None else root / FIGURES_DIR,
            reports_dir=Path(reports_dir) if reports_dir is not None else root / REPORTS_DIR,
            state=State(state_path), prog=Progress(sys.stderr.isatty() if progress is None else progress, quiet=quiet),
            formats=tuple(formats), dpi=dpi, kernel_name=kernel_name, timeout=timeout, jobs=max(1, int(jobs)),
            force=force, refit=refit, code=code_version(), started=now_iso(),
        )
        try:
            _run_steps(run)
        finally:
            discard_warm()  # kernels started ahead that no report used (a fatal step, nothing to render)
            run.summary.seconds = time.perf_counter() - t0
    return run.summary


def _run_steps(run: BuildRun) -> None:
    """Every step in order; a fatal failure of ingest or themes stops the build (nothing to show)."""
    dictionary, source = dictionary_file(run.config)
    run.prog.say(logging.INFO, "theme dictionary: %s (%s)", dictionary, source)
    codebook, codebook_source = codebook_file(run.config)
    if run.config.instruments is not None:  # an analyst's codebook is checked before any work, like kexie.toml
        from compare.text.codebook import load_codebook

        load_codebook(codebook)  # CodebookError: one line naming the file (and line) and the reason
    run.prog.say(logging.INFO, "instrument codebook: %s (%s)", codebook, codebook_source)
    try:
        ingested = ingest_step(run)  # with new plans, the worker process starts beside it
        if ingested.fatal:
            return
        if ingested.status != "skipped" or run.force or run.refit:  # reports will be rendered
            prewarm_kernels(run)  # their kernels start and import while the next steps run
        # with themes in the worker, tracking is queued behind it there and the instruments (both read
        # only the ingest tables) are coded here meanwhile
        meanwhile: list = []

        def beside_themes() -> None:
            meanwhile.append(track_step(run))
            meanwhile.append(instruments_step(run))

        if themes_step(run, meanwhile=beside_themes).fatal:
            return
        if not meanwhile:
            # after themes, which segments new items: the token cache then holds every text tracking links
            track_step(run)  # with jobs > 1 in the worker process, beside reference and instruments
        reference_step(run)
        if not meanwhile:
            instruments_step(run)
        workbook_step(run)  # with jobs > 1 in the worker process, beside the figures and reports
        if run.pending("track"):
            ready_for_reports(run)  # meanwhile: the corpus loaded, the other tables' rows hashed
        run.wait("track")  # the figures and reports show the tracking tables
        tables = run.compared_tables()
        provinces = report_provinces(run.processed_dir, run.config)
        if run.jobs < 2:
            figures_step(run, tables)
            report_steps(run, provinces=provinces, tables=tables)
        else:  # no report reads the figure files: they are drawn while the reports render
            report_steps(run, provinces=provinces, tables=tables, beside=lambda: figures_step(run, tables))
    finally:
        run.close()
    try:
        if index_mod.write_index(run.reports_dir, processed_dir=run.processed_dir, config_source=run.config.label):
            run.prog.say(logging.INFO, "wrote %s", run.reports_dir / index_mod.INDEX_FILE)
    except OSError as exc:
        run.summary.steps.append(StepResult("index", "failed", 0.0, f"{run.reports_dir / index_mod.INDEX_FILE}: {exc}"))


@contextlib.contextmanager
def build_logging(verbose: bool, quiet: bool):
    """Local ISO timestamps on every line; one line per step from the build (chatter from the stages
    and papermill only with -v); with quiet, nothing at all (the summary is printed apart). The
    logging configuration is restored afterwards."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(stream=sys.stderr)
    formatters = [(h, h.formatter) for h in root.handlers]
    levels = {}

    def level(name: str, value: int) -> None:
        logger = logging.getLogger(name)
        levels.setdefault(name, logger.level)
        logger.setLevel(value)

    for handler in root.handlers:
        handler.setFormatter(TimestampFormatter())
    if quiet:
        logging.captureWarnings(True)
        for name in ("compare", "papermill", "py.warnings", "traitlets", "nbconvert"):
            level(name, logging.CRITICAL + 1)
    elif not verbose:
        level("papermill", logging.WARNING)
        level("compare", logging.WARNING)
        for name in (__name__, "compare.pipeline.report", "compare.pipeline.named", "compare.pipeline.index"):
            level(name, logging.INFO)
    try:
        yield
    finally:
        if quiet:
            logging.captureWarnings(False)
        for name, value in levels.items():
            logging.getLogger(name).setLevel(value)
        for handler, formatter in formatters:
            handler.setFormatter(formatter)


def build_command(*, raw: str | Path, jobs: int = 1, force: bool = False, quiet: bool = False,
                  verbose: bool = False, refit: bool = False) -> int:
    """`python -m compare build [--jobs N] [--force] [--refit] [--raw DIR] [--quiet]`.

    Exit code: 0 every step succeeded; 1 a step failed; 3 partial (some raw files were skipped).
    With --quiet nothing is printed when nothing changed, else exactly one summary line."""
    with build_logging(verbose, quiet):
        summary = run_build(raw_dir=raw, jobs=jobs, force=force, quiet=quiet, refit=refit)
        if quiet:
            if summary.changed:
                print(f"{now_iso()} {summary.line()}", file=sys.stderr, flush=True)
        else:
            (log.info if summary.ok else log.error)(summary.line())
    return summary.exit_code
