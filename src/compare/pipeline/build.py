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

Reports run in a thread pool of ``jobs`` workers (each report runs in its own Jupyter kernel process).
A failing step is recorded as failed and never marked fresh; other reports still run; the summary
line says what failed and :func:`build_command` exits with 1 (3 when some raw files were skipped).
"""
from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from compare.core import hashing
from compare.core.config import ProjectConfig, load_config
from compare.core.hashing import _sha256_json, raw_hashes, sha256_file, table_hashes
from compare.core.paths import (
    FIGURES_DIR,
    PACKAGE_DATA,
    PROCESSED_DIR,
    REPORTS_DIR,
    cache_dir,
    project_root,
)
from compare.pipeline import index as index_mod
from compare.pipeline.buildreports import (  # noqa: F401
    NAMED_SUFFIX,
    prepare_reports,
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

log = logging.getLogger(__name__)

INGEST_TABLES = ("documents", "items", "targets")
INGEST_OUTPUTS = (*INGEST_TABLES, "intake")  # intake: one row per raw file (recorded when it exists)
THEME_TABLES = ("item_themes", "theme_shares", "clusters")
INSTRUMENT_TABLES = ("item_instruments",)
NOT_COMPARED = ("intake",)
# the tables the Excel workbook shows (compare.pipeline.workbook.WORKBOOK_TABLES; listed here so that
# a no-change build does not import openpyxl to learn them)
WORKBOOK_TABLES = ("documents", "items", "targets", "item_themes", "theme_shares", "item_instruments", "intake")
DEFAULT_FORMATS = ("png", "svg", "pdf")


def code_version() -> str:
    """The package's code version (compare.core.hashing.code_version; patch it there in tests)."""
    return hashing.code_version()


def _outputs(directory: Path, names: Iterable[str]) -> list[Path]:
    return [directory / f"{n}{ext}" for n in names for ext in (".parquet", ".csv")]


def dictionary_file(config: ProjectConfig) -> tuple[Path, str]:
    """The theme dictionary the build scores with and where that choice comes from."""
    if config.themes is not None:
        return config.themes, f"named in {config.path}"
    return PACKAGE_DATA / "themes.toml", "the packaged default; name another in kexie.toml: themes = \"FILE\""


def codebook_file(config: ProjectConfig) -> tuple[Path, str]:
    """The instrument codebook the build codes with and where that choice comes from."""
    if config.instruments is not None:
        return config.instruments, f"named in {config.path}"
    return PACKAGE_DATA / "instruments.toml", "the packaged default; name another in kexie.toml: instruments = \"FILE\""


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
    from compare.pipeline import report as report_mod

    t0 = time.perf_counter()
    root = project_root()
    config = config if config is not None else load_config(root)
    raw_dir = Path(raw_dir)
    processed_dir = Path(processed_dir) if processed_dir is not None else root / PROCESSED_DIR
    figures_dir = Path(figures_dir) if figures_dir is not None else root / FIGURES_DIR
    reports_dir = Path(reports_dir) if reports_dir is not None else root / REPORTS_DIR
    state = State(Path(state_file) if state_file is not None else cache_dir() / "build-state.json")
    prog = Progress(sys.stderr.isatty() if progress is None else progress, quiet=quiet)
    summary = BuildSummary()
    formats = tuple(formats)
    jobs = max(1, int(jobs))
    code = code_version()
    started = now_iso()

    def step(name: str, key: str, work: Callable[[], tuple[list[Path], str]], *, position: str = "",
             problem_status: str = "failed") -> StepResult:
        """Run work() unless fresh. work returns (outputs, problem); a non-empty problem marks the step
        problem_status ("failed", or "partial" for ingest with skipped files) but keeps going; an
        exception marks it failed and fatal."""
        if not force and state.fresh(name, key):
            result = StepResult(name, "skipped")
        else:
            prog.start(name)
            t = time.perf_counter()
            try:
                outputs, problem = work()
            except Exception as exc:  # noqa: BLE001 - recorded, logged and reflected in the exit code
                state.forget(name)
                result = StepResult(name, "failed", time.perf_counter() - t, describe(exc), fatal=True)
            else:
                if problem:
                    state.forget(name)  # retried (and reported) by every build until it is clean
                    result = StepResult(name, problem_status, time.perf_counter() - t, problem)
                else:
                    state.record(name, key, outputs)
                    result = StepResult(name, "done", time.perf_counter() - t)
        summary.steps.append(result)
        prog.finish(result, position)
        return result

    def finish() -> BuildSummary:
        summary.seconds = time.perf_counter() - t0
        return summary

    dictionary, dictionary_source = dictionary_file(config)
    prog.say(logging.INFO, "theme dictionary: %s (%s)", dictionary, dictionary_source)
    codebook, codebook_source = codebook_file(config)
    if config.instruments is not None:  # an analyst's codebook is checked before any work, like kexie.toml
        from compare.text.codebook import load_codebook

        load_codebook(codebook)  # CodebookError: one line naming the file (and line) and the reason
    prog.say(logging.INFO, "instrument codebook: %s (%s)", codebook, codebook_source)

    # ---- ingest ---------------------------------------------------------------------------------
    hashes = raw_hashes(raw_dir)
    for problem in check_manifest(raw_dir, hashes):
        prog.say(logging.WARNING, "%s", problem)

    def do_ingest() -> tuple[list[Path], str]:
        from compare.ingest.run import ingest

        result = ingest(raw_dir, processed_dir)
        problem = ""
        if result.failures:
            problem = f"{len(result.failures)} raw file(s) skipped: " + "; ".join(str(f) for f in result.failures)
        return _outputs(processed_dir, INGEST_OUTPUTS), problem

    ingest_key = _sha256_json(
        {"step": "ingest", "raw": hashes, "code": code, "out": state.rel(processed_dir), "strict": False}
    )
    if step("ingest", ingest_key, do_ingest, problem_status="partial").fatal:
        return finish()

    # ---- themes ---------------------------------------------------------------------------------
    def do_themes() -> tuple[list[Path], str]:
        from compare.text.themes import run_themes

        result = run_themes(processed_dir, themes_file=config.themes, refit=refit)
        extra = [Path(p) for p in getattr(result, "paths", None) or []]  # saved model, theme_revisions
        return list(dict.fromkeys(_outputs(processed_dir, THEME_TABLES) + extra)), ""

    themes_key = _sha256_json(
        {"step": "themes", "tables": table_hashes(processed_dir, INGEST_TABLES), "code": code,
         "dictionary": sha256_file(dictionary), "refit": started if refit else None}
    )
    changed = state.changed_outputs("themes")
    if changed and not force:
        prog.say(
            logging.WARNING,
            "%s changed since the last build (an ad hoc `python -m compare themes --themes FILE` or `--refit`?): "
            "the build scores with %s (%s); a refitted model is kept (the saved model scores the items), a "
            "dictionary of your own only when named in kexie.toml: themes = \"FILE\"",
            ", ".join(sorted({p.stem for p in changed})), dictionary, dictionary_source,
        )
    if step("themes", themes_key, do_themes).fatal:
        return finish()
    reference_step(step, processed_dir=processed_dir, refit=refit)

    # ---- tracking tables (compare.pipeline.track) and the Excel workbook (compare.pipeline.workbook)
    extra_steps(step, state=state, processed_dir=processed_dir, code=code, codebook=config.instruments)

    # what figures and reports are made from: every table but `intake` (a file report: a skipped raw
    # file changes it, not the plans compared)
    tables = {k: v for k, v in table_hashes(processed_dir).items() if k not in NOT_COMPARED}
    # the corpus is loaded once, and only if a step below has work to do (a no-change build never
    # loads it); corpus-wide comparisons go through a cache the report kernels read as well
    corpus_box: list = []

    def corpus():
        if not corpus_box:
            from compare.analysis import Corpus

            corpus_box.append(Corpus.load(processed_dir))
        return corpus_box[0]

    comparisons = report_mod.ComparisonCache(processed_dir)

    # ---- figures --------------------------------------------------------------------------------
    old_figures = set(state.outputs("figures"))

    def do_figures() -> tuple[list[Path], str]:
        from compare.pipeline.figures import write_figures
        from compare.presentation.fonts import font_problems

        with font_problems() as problems:
            paths = write_figures(corpus(), figures_dir, formats=formats, dpi=dpi, compute=comparisons,
                                  **like_with_like)
        problem = ""
        if problems:
            for message in dict.fromkeys(problems):
                prog.say(logging.WARNING, "font problem while drawing: %s", message)
            problem = f"{len(set(problems))} missing glyph / font fallback problem(s) while drawing"
        return list(paths), problem

    # the charts compare the [report] doc_type and level of kexie.toml (default: the charts' own)
    like_with_like = {k: v for k, v in (("doc_type", config.report.doc_type), ("level", config.report.level)) if v}
    figures_key = _sha256_json(
        {"step": "figures", "tables": tables, "code": code, "formats": formats, "dpi": dpi,
         "out": state.rel(figures_dir), **like_with_like}
    )
    if step("figures", figures_key, do_figures).status == "done":
        drawn = {p.resolve() for p in state.outputs("figures")}
        for old in sorted(old_figures - drawn):
            if old.is_file() and old.parent == figures_dir.resolve():
                index_mod.move_to_stale(old, "no longer drawn", when=started)
                summary.stale.append(f"figures/{old.name}")

    # ---- reports --------------------------------------------------------------------------------
    provinces = report_provinces(processed_dir, config)
    report_steps(
        state=state, summary=summary, prog=prog, force=force, config=config, provinces=provinces,
        processed_dir=processed_dir, reports_dir=reports_dir, raw_dir=raw_dir, tables=tables, code=code,
        kernel_name=kernel_name, timeout=timeout, jobs=jobs, corpus=corpus, comparisons=comparisons, when=started,
    )
    try:
        if index_mod.write_index(reports_dir, processed_dir=processed_dir, config_source=config.label):
            prog.say(logging.INFO, "wrote %s", reports_dir / index_mod.INDEX_FILE)
    except OSError as exc:
        summary.steps.append(StepResult("index", "failed", 0.0, f"{reports_dir / index_mod.INDEX_FILE}: {exc}"))
    return finish()


def reference_step(step, *, processed_dir: Path, refit: bool) -> None:
    """The saved reference province reports measure against (compare.pipeline.reference): fitted
    with the theme model, so its key is the model version; a plan added under the same model leaves it
    (and every other province's report) as it is."""
    from compare.pipeline import reference
    from compare.text.model import current_version

    def do_reference() -> tuple[list[Path], str]:
        paths, _ = reference.ensure_reference(processed_dir, refit=refit)
        return paths, ""

    step("reference", _sha256_json({"step": "reference", "model": current_version(processed_dir)}), do_reference)


def extra_steps(step, *, state: State, processed_dir: Path, code: str, codebook: Path | None = None) -> None:
    """Steps that write further tables or files into processed_dir; each fails on its own (the
    figures and reports still run). track: item_links, target_series and item_strength from the
    ingest tables; instruments: item_instruments (the saved instrument model codes new items only;
    codebook: the one kexie.toml names, None for the packaged one);
    workbook: data/processed/kexie_compare.xlsx from the tables it shows."""

    def do_track() -> tuple[list[Path], str]:
        from compare.pipeline.track import TRACK_TABLES, run_track

        result = run_track(processed_dir)
        return list(dict.fromkeys(_outputs(processed_dir, TRACK_TABLES) + [Path(p) for p in result.paths])), ""

    track_key = _sha256_json({"step": "track", "tables": table_hashes(processed_dir, INGEST_TABLES), "code": code})
    step("track", track_key, do_track)

    def do_instruments() -> tuple[list[Path], str]:
        from compare.text.instrument_model import run_instruments

        result = run_instruments(processed_dir, codebook_file=codebook)
        return list(dict.fromkeys(_outputs(processed_dir, INSTRUMENT_TABLES) + [Path(p) for p in result.paths])), ""

    instruments_key = _sha256_json({"step": "instruments", "tables": table_hashes(processed_dir, INGEST_TABLES),
                                    "code": code, "codebook": sha256_file(codebook or PACKAGE_DATA / "instruments.toml")})
    step("instruments", instruments_key, do_instruments)

    def do_workbook() -> tuple[list[Path], str]:
        from compare.pipeline.workbook import export_workbook

        return [export_workbook(processed_dir)], ""

    workbook_key = _sha256_json(
        {"step": "workbook", "tables": table_hashes(processed_dir, WORKBOOK_TABLES), "code": code,
         "out": state.rel(processed_dir)}
    )
    step("workbook", workbook_key, do_workbook)


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
