"""`python -m compare build`: ingest -> themes -> figures -> every report, redoing only what changed.

Each step has a key: the sha256 of its inputs (raw file hashes or the processed tables it reads, the
code version, its notebook template and its parameters). A step whose key matches the one recorded
after its last success, and whose recorded outputs are still there unchanged, is skipped; so a second
build with nothing new is a near no-op. The record lives in ``.cache/build-state.json`` (written
atomically after every step, so an interrupted build keeps what it finished).

Reports run in a thread pool of ``jobs`` workers (each report runs in its own Jupyter kernel process).
A failing step is recorded as failed and never marked fresh; other reports still run; the summary
line says what failed and :func:`cli_build` exits with 1.
"""
from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path


from compare.core.errors import CompareError
from compare.core.hashing import _sha256_json, code_version, raw_hashes, sha256_file, table_hashes  # noqa: F401
from compare.core.io import atomic_write_text
from compare.core.paths import FIGURES_DIR, PROCESSED_DIR, REPORTS_DIR, cache_dir, project_root

log = logging.getLogger(__name__)

STATE_VERSION = 1
INGEST_TABLES = ("documents", "items", "targets")
THEME_TABLES = ("item_themes", "theme_shares", "clusters")
DEFAULT_FORMATS = ("png", "svg", "pdf")


# --------------------------------------------------------------------------------------------------
# fingerprints live in compare.core.hashing
# --------------------------------------------------------------------------------------------------


def check_manifest(raw_dir: str | Path, hashes: Mapping[str, str]) -> list[str]:
    """Problems between the raw files and data/raw/MANIFEST (`<sha256>  <file name>` lines)."""
    manifest = Path(raw_dir) / "MANIFEST"
    if not manifest.is_file():
        return [f"{manifest} is missing: record each raw file's sha256 there (sha256sum FILE >> MANIFEST)"]
    recorded: dict[str, str] = {}
    for line in manifest.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2:  # `sha256sum data/raw/x.txt >> MANIFEST` records a path: match by file name
            recorded[Path(parts[1].lstrip("*")).name] = parts[0].lower()
    problems = []
    for name, digest in hashes.items():
        if name == "MANIFEST":
            continue
        if name not in recorded:
            problems.append(f"{name} is not in MANIFEST: add its line with `sha256sum {name} >> MANIFEST`")
        elif recorded[name] != digest:
            problems.append(f"{name} does not match its MANIFEST sha256 (raw files are immutable: was it edited?)")
    return problems


# --------------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------------


@dataclass
class StepResult:
    name: str
    status: str  # "done" | "skipped" | "failed"
    seconds: float = 0.0
    message: str = ""
    fatal: bool = field(default=False, repr=False)  # later steps cannot run


def _describe(exc: BaseException) -> str:
    """One line for the log; unexpected exceptions (bugs) also get their traceback logged."""
    if isinstance(exc, CompareError):
        return str(exc)
    log.error("unexpected %s", type(exc).__name__, exc_info=exc)
    return f"{type(exc).__name__}: {exc}"


@dataclass
class BuildSummary:
    steps: list[StepResult] = field(default_factory=list)
    seconds: float = 0.0

    def _with(self, status: str) -> list[StepResult]:
        return [s for s in self.steps if s.status == status]

    @property
    def done(self) -> list[StepResult]:
        return self._with("done")

    @property
    def skipped(self) -> list[StepResult]:
        return self._with("skipped")

    @property
    def failed(self) -> list[StepResult]:
        return self._with("failed")

    @property
    def ok(self) -> bool:
        return not self.failed

    def line(self) -> str:
        text = (
            f"build {'ok' if self.ok else 'FAILED'}: {len(self.steps)} steps, {len(self.done)} done, "
            f"{len(self.skipped)} skipped (up to date), {len(self.failed)} failed in {self.seconds:.1f}s"
        )
        if self.failed:
            text += "; failed: " + ", ".join(s.name for s in self.failed)
        return text


# --------------------------------------------------------------------------------------------------
# state
# --------------------------------------------------------------------------------------------------


class _State:
    """The recorded key and output hashes of each step's last success."""

    def __init__(self, path: Path):
        self.path = path
        self.steps: dict[str, dict] = {}
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                log.warning("ignoring unreadable build state %s (%s): every step will run", path, exc)
                data = {}
            if data.get("version") == STATE_VERSION:
                self.steps = dict(data.get("steps", {}))

    def fresh(self, name: str, key: str) -> bool:
        entry = self.steps.get(name)
        if not entry or entry.get("key") != key:
            return False
        for out, digest in entry.get("outputs", {}).items():
            p = Path(out)
            if not p.is_file() or sha256_file(p) != digest:
                return False
        return True

    def record(self, name: str, key: str, outputs: Iterable[Path]) -> None:
        self.steps[name] = {
            "key": key,
            "outputs": {str(Path(p).resolve()): sha256_file(p) for p in outputs if Path(p).is_file()},
        }
        self.save()

    def forget(self, name: str) -> None:
        if self.steps.pop(name, None) is not None:
            self.save()

    def save(self) -> None:
        data = {"version": STATE_VERSION, "steps": dict(sorted(self.steps.items()))}
        atomic_write_text(self.path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


# --------------------------------------------------------------------------------------------------
# progress: a live line on a terminal, one log line per finished step always
# --------------------------------------------------------------------------------------------------


class _Progress:
    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.running: list[str] = []
        self.lock = threading.Lock()

    def _clear(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()

    def _show(self) -> None:
        if self.enabled and self.running:
            sys.stderr.write("\r\033[K… " + ", ".join(self.running))
            sys.stderr.flush()

    def start(self, name: str) -> None:
        with self.lock:
            self.running.append(name)
            self._show()

    def finish(self, result: StepResult, position: str = "") -> None:
        with self.lock:
            if result.name in self.running:
                self.running.remove(result.name)
            self._clear()
            msg = f"{position}{result.name}: {result.status}"
            if result.status != "skipped":
                msg += f" in {result.seconds:.1f}s"
            if result.message:
                msg += f" ({result.message})"
            (log.error if result.status == "failed" else log.info)(msg)
            self._show()


# --------------------------------------------------------------------------------------------------
# the build
# --------------------------------------------------------------------------------------------------


def _outputs(directory: Path, names: Iterable[str]) -> list[Path]:
    return [directory / f"{n}{ext}" for n in names for ext in (".parquet", ".csv")]


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
    kernel_name: str = "kexie-compare",
    timeout: int = 600,
    progress: bool | None = None,
) -> BuildSummary:
    """Run ingest -> themes -> figures -> one report per province + the cross-province report.

    Output directories default to the project's data/processed, figures/ and reports/; the state file
    to .cache/build-state.json. force=True redoes every step. progress (default: stderr is a terminal)
    shows a live status line. Returns a BuildSummary: failing steps are in it, not raised (only a
    missing raw directory or report template raises, before any work)."""
    from compare.pipeline import report as report_mod

    t0 = time.perf_counter()
    root = project_root()
    raw_dir = Path(raw_dir)
    processed_dir = Path(processed_dir) if processed_dir is not None else root / PROCESSED_DIR
    figures_dir = Path(figures_dir) if figures_dir is not None else root / FIGURES_DIR
    reports_dir = Path(reports_dir) if reports_dir is not None else root / REPORTS_DIR
    state = _State(Path(state_file) if state_file is not None else cache_dir() / "build-state.json")
    prog = _Progress(sys.stderr.isatty() if progress is None else progress)
    summary = BuildSummary()
    formats = tuple(formats)
    jobs = max(1, int(jobs))
    code = code_version()

    def step(name: str, key: str, work: Callable[[], tuple[list[Path], str]], position: str = "") -> StepResult:
        """Run work() unless fresh. work returns (outputs, problem); a non-empty problem marks the step
        failed but keeps going (e.g. ingest with one unreadable file); an exception marks it fatal."""
        if not force and state.fresh(name, key):
            result = StepResult(name, "skipped")
        else:
            prog.start(name)
            t = time.perf_counter()
            try:
                outputs, problem = work()
            except Exception as exc:  # recorded, logged and reflected in the exit code
                state.forget(name)
                result = StepResult(name, "failed", time.perf_counter() - t, _describe(exc), fatal=True)
            else:
                if problem:
                    state.forget(name)
                    result = StepResult(name, "failed", time.perf_counter() - t, problem)
                else:
                    state.record(name, key, outputs)
                    result = StepResult(name, "done", time.perf_counter() - t)
        summary.steps.append(result)
        prog.finish(result, position)
        return result

    def finish() -> BuildSummary:
        summary.seconds = time.perf_counter() - t0
        return summary

    # ---- ingest ---------------------------------------------------------------------------------
    hashes = raw_hashes(raw_dir)
    for problem in check_manifest(raw_dir, hashes):
        log.warning("%s", problem)

    def do_ingest() -> tuple[list[Path], str]:
        from compare.ingest.load import ingest

        result = ingest(raw_dir, processed_dir)
        problem = "; ".join(str(f) for f in result.failures)
        return _outputs(processed_dir, INGEST_TABLES), problem

    ingest_key = _sha256_json(
        {"step": "ingest", "raw": hashes, "code": code, "out": str(processed_dir.resolve()), "strict": False}
    )
    if step("ingest", ingest_key, do_ingest).fatal:
        return finish()

    # ---- themes ---------------------------------------------------------------------------------
    def do_themes() -> tuple[list[Path], str]:
        from compare.text.themes import run_themes

        run_themes(processed_dir)
        return _outputs(processed_dir, THEME_TABLES), ""

    themes_key = _sha256_json({"step": "themes", "tables": table_hashes(processed_dir, INGEST_TABLES), "code": code})
    if step("themes", themes_key, do_themes).fatal:
        return finish()

    tables = table_hashes(processed_dir)
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
    def do_figures() -> tuple[list[Path], str]:
        from compare.presentation.fonts import font_problems
        from compare.presentation.plots import write_figures

        with font_problems() as problems:
            paths = write_figures(corpus(), figures_dir, formats=formats, dpi=dpi, compute=comparisons)
        problem = ""
        if problems:
            for message in dict.fromkeys(problems):
                log.warning("font problem while drawing: %s", message)
            problem = f"{len(set(problems))} missing glyph / font fallback problem(s) while drawing"
        return list(paths), problem

    figures_key = _sha256_json(
        {"step": "figures", "tables": tables, "code": code, "formats": formats, "dpi": dpi,
         "out": str(figures_dir.resolve())}
    )
    step("figures", figures_key, do_figures)

    # ---- reports --------------------------------------------------------------------------------
    from compare.core.io import read_table

    provinces = sorted(read_table("documents", processed_dir)["province"].astype(str).unique())
    jobs_list: list[tuple[str, str, dict]] = [("province", f"report {p}", {"province": p}) for p in provinces]
    jobs_list.append(("cross", "report cross-province", {}))

    def report_key(kind: str, params: dict) -> str:
        template = report_mod.template_path(kind)
        return _sha256_json(
            {"step": "report", "kind": kind, "params": params, "tables": tables, "code": code,
             "template": sha256_file(template), "out": str(reports_dir.resolve()), "kernel": kernel_name}
        )

    n = len(jobs_list)
    todo = []
    for i, (kind, name, params) in enumerate(jobs_list, 1):
        key = report_key(kind, params)
        if not force and state.fresh(name, key):
            summary.steps.append(StepResult(name, "skipped"))
            prog.finish(summary.steps[-1], f"[{i}/{n}] ")
        else:
            todo.append((kind, name, params, key))
    done_count = n - len(todo)
    if todo:
        try:
            prepare_reports(corpus(), comparisons)
        except Exception as exc:  # the reports then compute it themselves (and fail with their own message)
            log.warning("could not precompute the reports' shared comparisons: %s", _describe(exc))

    def run_one(kind: str, name: str, params: dict) -> tuple[list[Path] | None, str, float]:
        prog.start(name)  # in the worker: the live line shows what is running, not what is queued
        t = time.perf_counter()
        try:
            path = report_mod.render_report(
                kind, parameters=params, processed_dir=processed_dir, out_dir=reports_dir,
                kernel_name=kernel_name, timeout=timeout, progress_bar=False, corpus=corpus(),
            )
            return [path], "", time.perf_counter() - t
        except Exception as exc:  # one failing report must not stop the others
            return None, _describe(exc), time.perf_counter() - t

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {}
        for kind, name, params, key in todo:
            futures[pool.submit(run_one, kind, name, params)] = (name, key)
        for fut in as_completed(futures):
            name, key = futures[fut]
            outputs, problem, seconds = fut.result()
            if outputs is None:
                state.forget(name)
                result = StepResult(name, "failed", seconds, problem)
            else:
                state.record(name, key, outputs)
                result = StepResult(name, "done", seconds)
            done_count += 1
            summary.steps.append(result)
            prog.finish(result, f"[{done_count}/{n}] ")
    return finish()


def prepare_reports(corpus, comparisons) -> None:
    """Compute, once and before the report kernels start, what every province report reads: the
    keyness of every province against the others (``analysis.keyness(by="province", top_n=None)``,
    about 2 s on 1,000 documents). Without it the first kernels would each compute it at the same
    time. A cache hit (the figures step computed it in this build) costs a file read."""
    from compare.analysis import keyness

    comparisons(keyness, corpus, by="province", top_n=None)


def cli_build(args) -> int:
    """`python -m compare build [--jobs N] [--force] [--raw DIR]`: exit 0 when every step succeeded."""
    if not getattr(args, "verbose", False):
        # cron logs: one line per step from this module; chatter from the stages and papermill only on -v
        logging.getLogger("papermill").setLevel(logging.WARNING)
        logging.getLogger("compare").setLevel(logging.WARNING)
        log.setLevel(logging.INFO)
        logging.getLogger("compare.pipeline.report").setLevel(logging.INFO)
    summary = run_build(raw_dir=args.raw, jobs=args.jobs, force=args.force)
    (log.info if summary.ok else log.error)(summary.line())
    return 0 if summary.ok else 1
