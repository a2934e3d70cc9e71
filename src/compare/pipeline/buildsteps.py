"""The build's steps before the reports, each a function of one :class:`BuildRun`: ingest, themes,
reference, track, instruments, workbook and figures. Each step has a key (the sha256 of what it
reads) and is skipped when the key and its recorded outputs are unchanged; inside, each step redoes
only what changed (ingest parses changed files, track links changed chains, figures save changed
charts). Called in order by :func:`compare.pipeline.build.run_build`."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from compare.core.config import ProjectConfig
from compare.core.hashing import _sha256_json, raw_hashes, sha256_file, table_hashes
from compare.core.paths import PACKAGE_DATA
from compare.core.vocab import DEFAULT_DOC_TYPE, DEFAULT_LEVEL
from compare.pipeline import index as index_mod
from compare.pipeline.buildstate import BuildSummary, Progress, State, StepResult, check_manifest, describe
from compare.pipeline.buildworker import THEME_TABLES  # noqa: F401  (re-exported: the step tables' names)

INGEST_TABLES = ("documents", "items", "targets")
INGEST_OUTPUTS = (*INGEST_TABLES, "intake")  # intake: one row per raw file (recorded when it exists)
INSTRUMENT_TABLES = ("item_instruments",)
TRACK_TABLES = ("item_links", "target_series", "item_strength")  # compare.pipeline.track.TRACK_TABLES
NOT_COMPARED = ("intake",)
# the tables the Excel workbook shows (compare.pipeline.workbook.WORKBOOK_TABLES; listed here so that
# a no-change build does not import openpyxl to learn them)
WORKBOOK_TABLES = ("documents", "items", "targets", "item_themes", "theme_shares", "item_instruments", "intake")

Work = Callable[[], tuple[list[Path], str]]


def outputs(directory: Path, names: Iterable[str]) -> list[Path]:
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


@dataclass
class BuildRun:
    """One build: where it reads and writes, its options, its state, progress and summary."""

    config: ProjectConfig
    raw_dir: Path
    processed_dir: Path
    figures_dir: Path
    reports_dir: Path
    state: State
    prog: Progress
    formats: tuple[str, ...]
    dpi: int
    kernel_name: str | None
    timeout: int
    jobs: int
    force: bool
    refit: bool
    code: str
    started: str
    summary: BuildSummary = field(default_factory=BuildSummary)
    parsed: int | None = None  # raw files ingest parsed in this build (None: ingest did not run)
    _corpus: list = field(default_factory=list)
    _comparisons: list = field(default_factory=list)
    _pending: dict = field(default_factory=dict)  # step name -> (future, key) of a step in the worker process
    _worker: list = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def step(self, name: str, key: str, work: Work, *, position: str = "", problem_status: str = "failed") -> StepResult:
        """Run work() unless fresh. work returns (outputs, problem); a non-empty problem marks the step
        problem_status ("failed", or "partial" for ingest with skipped files) but keeps going; an
        exception marks it failed and fatal."""
        if not self.force and self.state.fresh(name, key):
            result = StepResult(name, "skipped")
        else:
            self.prog.start(name)
            t = time.perf_counter()
            try:
                paths, problem = work()
            except Exception as exc:  # noqa: BLE001 - recorded, logged and reflected in the exit code
                self.state.forget(name)
                result = StepResult(name, "failed", time.perf_counter() - t, describe(exc), fatal=True)
            else:
                if problem:
                    self.state.forget(name)  # retried (and reported) by every build until it is clean
                    result = StepResult(name, problem_status, time.perf_counter() - t, problem)
                else:
                    self.state.record(name, key, paths)
                    result = StepResult(name, "done", time.perf_counter() - t)
        self.summary.steps.append(result)
        self.prog.finish(result, position)
        return result

    def step_aside(self, name: str, key: str, *, if_warm: bool = False, **step_kwargs) -> StepResult | None:
        """Like step(), for a step of compare.pipeline.buildworker (STEPS; step_kwargs are its keyword
        arguments): with jobs > 1 its work runs in the build's worker process while the build goes on
        (a step nothing before :meth:`wait` reads: its CPU overlaps the other steps'); the result is
        recorded by wait(name). if_warm: only when the worker was started ahead (else in this process).
        Returns the result when the step ran (or was skipped) here."""
        from compare.pipeline import buildworker

        if self.jobs < 2 or (if_warm and not self._worker) or (not self.force and self.state.fresh(name, key)):
            def work() -> tuple[list[Path], str]:
                paths, problem, lines = buildworker.STEPS[name](str(self.processed_dir), **step_kwargs)
                for line in lines:
                    self.prog.say(logging.INFO, "%s", line)
                return [Path(p) for p in paths], problem

            return self.step(name, key, work)
        self.prog.start(name)
        self._pending[name] = (self._worker_process().submit(name, str(self.processed_dir), **step_kwargs), key)
        return None

    def _worker_process(self):
        from compare.pipeline import buildworker

        if not self._worker:
            self._worker.append(buildworker.Worker())
        return self._worker[0]

    def warm_worker(self) -> None:
        """With jobs > 1, start the worker process and its imports now (while ingest runs), so that
        the steps set aside later start at once. Only a build with work to do calls it."""
        if self.jobs > 1 and not self._worker:
            self._worker_process().submit("warm", str(self.processed_dir))

    def wait(self, name: str | None = None) -> StepResult | None:
        """Record the result of a step set aside (every one when name is None), waiting for it; returns
        the (last) result recorded."""
        result = None
        for step in [name] if name is not None else list(self._pending):
            if step not in self._pending:
                continue
            future, key = self._pending.pop(step)
            try:
                answer = future.result()
            except Exception as exc:  # noqa: BLE001 - the worker died (killed, out of memory)
                answer = {"paths": [], "problem": "", "lines": [], "seconds": 0.0, "error": describe(exc)}
            for line in answer["lines"]:
                self.prog.say(logging.INFO, "%s", line)
            if answer["error"] or answer["problem"]:
                self.state.forget(step)
                result = StepResult(step, "failed", answer["seconds"], answer["error"] or answer["problem"],
                                    fatal=bool(answer["error"]))
            else:
                self.state.record(step, key, [Path(p) for p in answer["paths"]])
                result = StepResult(step, "done", answer["seconds"])
            self.summary.steps.append(result)
            self.prog.finish(result)
        return result

    def pending(self, name: str) -> bool:
        """Whether a step set aside is still to be waited for."""
        return name in self._pending

    def close(self) -> None:
        """Wait for the steps set aside and stop the worker."""
        try:
            self.wait()
        finally:
            while self._worker:
                self._worker.pop().close()

    def corpus(self):
        """The corpus, loaded once and only if a step has work to do (a no-change build never loads it;
        the figures and the report threads ask for it at once)."""
        with self._lock:
            if not self._corpus:
                from compare.analysis import Corpus

                self._corpus.append(Corpus.load(self.processed_dir))
        return self._corpus[0]

    @property
    def comparisons(self):
        """Corpus-wide comparisons through a cache the report kernels read as well."""
        if not self._comparisons:
            from compare.pipeline.report import ComparisonCache

            self._comparisons.append(ComparisonCache(self.processed_dir))
        return self._comparisons[0]

    def compared_tables(self) -> dict[str, str]:
        """What figures and reports are made from: every table but `intake` (a file report: a skipped
        raw file changes it, not the plans compared)."""
        return {k: v for k, v in table_hashes(self.processed_dir).items() if k not in NOT_COMPARED}

    def key(self, step: str, **parts) -> str:
        return _sha256_json({"step": step, "code": self.code, **parts})


def ingest_step(run: BuildRun) -> StepResult:
    """Raw files -> documents, items, targets, intake (only new or changed files are parsed)."""
    hashes = raw_hashes(run.raw_dir)
    for problem in check_manifest(run.raw_dir, hashes):
        run.prog.say(logging.WARNING, "%s", problem)

    def work() -> tuple[list[Path], str]:
        from compare.ingest.run import ingest

        run.warm_worker()  # new plans: the steps set aside will run
        result = ingest(run.raw_dir, run.processed_dir)
        run.parsed = result.n_files - result.n_reused
        run.prog.say(logging.INFO, "ingest: %d of %d raw files parsed (%d unchanged since the last ingest)",
                     result.n_files - result.n_reused, result.n_files, result.n_reused)
        problem = ""
        if result.failures:
            problem = f"{len(result.failures)} raw file(s) skipped: " + "; ".join(str(f) for f in result.failures)
        return outputs(run.processed_dir, INGEST_OUTPUTS), problem

    key = run.key("ingest", raw=hashes, out=run.state.rel(run.processed_dir), strict=False)
    return run.step("ingest", key, work, problem_status="partial")


def themes_step(run: BuildRun, *, meanwhile: Callable[[], object] | None = None) -> StepResult:
    """Theme scores of new items with the saved model (the whole corpus with refit). With jobs > 1
    and the worker process started by ingest, in the worker, which has imported scikit-learn and
    loaded the segmenter's dictionary meanwhile (the build waits for it: every later step reads it);
    `meanwhile` (steps that do not read the theme tables) then runs here while the worker scores."""
    dictionary, source = dictionary_file(run.config)
    key = run.key("themes", tables=table_hashes(run.processed_dir, INGEST_TABLES), dictionary=sha256_file(dictionary),
                  refit=run.started if run.refit else None)
    changed = run.state.changed_outputs("themes")
    if changed and not run.force:
        run.prog.say(
            logging.WARNING,
            "%s changed since the last build (an ad hoc `python -m compare themes --themes FILE` or `--refit`?): "
            "the build scores with %s (%s); a refitted model is kept (the saved model scores the items), a "
            "dictionary of your own only when named in kexie.toml: themes = \"FILE\"",
            ", ".join(sorted({p.stem for p in changed})), dictionary, source,
        )
    themes_file = str(run.config.themes) if run.config.themes is not None else None
    done = run.step_aside("themes", key, if_warm=True, themes_file=themes_file, refit=run.refit)
    if done is None and meanwhile is not None:
        meanwhile()
    result = done if done is not None else run.wait("themes")
    assert result is not None
    return result


def reference_step(run: BuildRun) -> StepResult:
    """The saved reference province reports measure against (compare.pipeline.reference): fitted
    with the theme model, so its key is the model version; a plan added under the same model leaves it
    (and every other province's report) as it is."""
    from compare.text.versions import current_version

    def work() -> tuple[list[Path], str]:
        from compare.pipeline import reference

        paths, _ = reference.ensure_reference(run.processed_dir, refit=run.refit)
        return paths, ""

    return run.step("reference", _sha256_json({"step": "reference", "model": current_version(run.processed_dir)}), work)


def track_step(run: BuildRun) -> None:
    """item_links (only the chains that changed are linked again), target_series, item_strength. It
    reads only the ingest tables, so with jobs > 1 it runs in the worker process beside reference and
    instruments (recorded by run.wait("track") before the figures)."""
    run.step_aside("track", run.key("track", tables=table_hashes(run.processed_dir, INGEST_TABLES)))


def instruments_step(run: BuildRun) -> StepResult:
    """item_instruments (the saved instrument model codes new items only) with the codebook kexie.toml
    names (None: the packaged one)."""
    codebook = run.config.instruments

    def work() -> tuple[list[Path], str]:
        from compare.text.instrument_model import run_instruments

        result = run_instruments(run.processed_dir, codebook_file=codebook)
        paths = outputs(run.processed_dir, INSTRUMENT_TABLES) + [Path(p) for p in result.paths]
        return list(dict.fromkeys(paths)), ""

    key = run.key("instruments", tables=table_hashes(run.processed_dir, INGEST_TABLES),
                  codebook=sha256_file(codebook or PACKAGE_DATA / "instruments.toml"))
    return run.step("instruments", key, work)


def ready_for_reports(run: BuildRun) -> None:
    """While the worker process tracks: load the corpus the renders and figures read (it holds no
    tracking table) and hash the rows of the other tables for the reports' keys, so that only the
    tracking tables are left to read when tracking ends and the first report starts."""
    from compare.pipeline.inputs import hash_rows

    try:
        run.corpus()
        hash_rows(run.processed_dir, leave=TRACK_TABLES)
    except Exception:  # noqa: BLE001 - only time saved: the steps that read them say what is wrong
        pass


def workbook_step(run: BuildRun) -> None:
    """data/processed/kexie_compare.xlsx from the tables it shows. Nothing else reads it, so with
    jobs > 1 it is written in the worker process while the figures and reports are made (recorded by
    run.wait() at the end of the build)."""
    key = run.key("workbook", tables=table_hashes(run.processed_dir, WORKBOOK_TABLES), out=run.state.rel(run.processed_dir))
    run.step_aside("workbook", key)


def _figure_inputs(run: BuildRun, tables: dict[str, str], like_with_like: dict) -> object:
    """The charts' inputs: the compared plans' rows (compare.pipeline.inputs.selection_digest), the
    theme model (its dictionary's colours) and the codebook kexie.toml names; all the tables when the
    selection cannot be read (the step then runs and says why)."""
    from compare.pipeline.inputs import selection_digest
    from compare.text.versions import current_version

    try:
        rows = selection_digest(run.processed_dir, doc_type=like_with_like.get("doc_type", DEFAULT_DOC_TYPE),
                                level=like_with_like.get("level", DEFAULT_LEVEL))
    except Exception:  # noqa: BLE001 - e.g. no plan of that type: keyed on every table, the step reports it
        return tables
    codebook = run.config.instruments
    return [rows, current_version(run.processed_dir), sha256_file(codebook) if codebook else None]


def figures_step(run: BuildRun, tables: dict[str, str]) -> StepResult:
    """Every chart of the [report] doc_type and level, when the plans compared changed; a chart whose
    data did not change is not saved again; charts no longer drawn move to figures/_stale/."""
    like_with_like = {k: v for k, v in (("doc_type", run.config.report.doc_type), ("level", run.config.report.level))
                      if v}
    old = set(run.state.outputs("figures"))

    def work() -> tuple[list[Path], str]:
        from compare.pipeline.figures import write_figures
        from compare.presentation.fonts import font_problems

        counts: dict[str, int] = {}
        with font_problems() as problems:
            paths = write_figures(run.corpus(), run.figures_dir, formats=run.formats, dpi=run.dpi,
                                  compute=run.comparisons, counts=counts, **like_with_like)
        run.prog.say(logging.INFO, "figures: %d of %d charts saved (the others show what they showed)",
                     counts.get("saved", 0), counts.get("charts", 0))
        problem = ""
        if problems:
            for message in dict.fromkeys(problems):
                run.prog.say(logging.WARNING, "font problem while drawing: %s", message)
            problem = f"{len(set(problems))} missing glyph / font fallback problem(s) while drawing"
        return list(paths), problem

    key = run.key("figures", inputs=_figure_inputs(run, tables, like_with_like), formats=run.formats, dpi=run.dpi,
                  out=run.state.rel(run.figures_dir), **like_with_like)
    result = run.step("figures", key, work)
    if result.status == "done":
        drawn = {p.resolve() for p in run.state.outputs("figures")}
        for path in sorted(old - drawn):
            if path.is_file() and path.parent == run.figures_dir.resolve():
                index_mod.move_to_stale(path, "no longer drawn", when=run.started)
                run.summary.stale.append(f"figures/{path.name}")
    return result
