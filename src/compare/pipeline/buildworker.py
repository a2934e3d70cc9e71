"""The build's worker process: steps that nothing before a later point of the build reads (tracking
until the figures, the Excel workbook until the end) run here while the build goes on, so that with
``--jobs 2`` their CPU overlaps the other steps' instead of adding to it. The themes step runs here
too when ingest had work (the build waits for it): the worker imports scikit-learn and loads the
segmenter's dictionary while ingest runs, instead of after it.

The worker is a fresh interpreter (``python -m compare.pipeline.buildworker``), started when the first
step is set aside and reused for the next: no copy of the build's threads or memory, and nothing
depends on how the build itself was started (a script without a main guard, a notebook). It reads
one JSON request per line on stdin and answers one JSON line on its own copy of stdout (anything a
library prints goes to stderr). Each step's work is a function of this module named in STEPS."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path


def track(processed_dir: str) -> tuple[list[Path], str, list[str]]:
    """item_links, target_series and item_strength; the line the build logs."""
    from compare.pipeline.track import TRACK_TABLES, run_track

    result = run_track(processed_dir)
    line = (f"track: {result.n_relinked} of {result.n_chains} chains linked again; strength scored for "
            f"{result.n_rescored} of {result.n_plans} plans")
    tables = [Path(processed_dir) / f"{name}{ext}" for name in TRACK_TABLES for ext in (".parquet", ".csv")]
    return list(dict.fromkeys(tables + [Path(p) for p in result.paths])), "", [line]


THEME_TABLES = ("item_themes", "theme_shares", "clusters")


def themes(processed_dir: str, themes_file: str | None = None, refit: bool = False) -> tuple[list[Path], str, list[str]]:
    """item_themes, theme_shares, clusters (new items scored with the saved model), the model files."""
    from compare.text.themes import run_themes

    result = run_themes(processed_dir, themes_file=Path(themes_file) if themes_file else None, refit=refit)
    tables = [Path(processed_dir) / f"{name}{ext}" for name in THEME_TABLES for ext in (".parquet", ".csv")]
    return list(dict.fromkeys(tables + [Path(p) for p in result.paths])), "", []


def workbook(processed_dir: str) -> tuple[list[Path], str, list[str]]:
    """data/processed/kexie_compare.xlsx."""
    from compare.pipeline.workbook import export_workbook

    return [export_workbook(processed_dir)], "", []


def warm(processed_dir: str) -> tuple[list[Path], str, list[str]]:
    """Import what the steps use (pandas, pyarrow, scikit-learn, openpyxl, the tracking code) and load
    the segmenter's dictionary while ingest runs, so that a step set aside later starts at once."""
    import sklearn.feature_extraction.text  # noqa: F401  (the theme model's TF-IDF)

    from compare.text.segment import default_segmenter

    default_segmenter().raw_tokens("科协")  # the dictionary, loaded now (no token is cached)
    import compare.pipeline.track  # noqa: F401
    import compare.pipeline.workbook  # noqa: F401

    return [], "", []


STEPS = {"themes": themes, "track": track, "workbook": workbook, "warm": warm}
_LEVEL_ENV = "KEXIE_COMPARE_WORKER_LOG_LEVEL"


def _log_as_the_build() -> None:
    """Log lines on stderr with the build's local ISO timestamps, at the level the build's stages log
    at (the build passes it): warnings by default, nothing with --quiet, INFO with -v."""
    from compare.pipeline.buildstate import TimestampFormatter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(TimestampFormatter())
    logging.getLogger().addHandler(handler)
    level = os.environ.get(_LEVEL_ENV, "")
    logging.getLogger("compare").setLevel(int(level) if level.isdigit() else logging.WARNING)
    if level.isdigit() and int(level) > logging.CRITICAL:
        logging.captureWarnings(True)
        logging.getLogger("py.warnings").setLevel(int(level))


def timed(step: str, processed_dir: str, step_kwargs: dict | None = None) -> dict:
    """The step's work on processed_dir (STEPS names it; step_kwargs are its keyword arguments) and its
    wall seconds, as JSON-able values; an exception becomes one line (logged here with its traceback
    when it is a bug)."""
    from compare.pipeline.buildstate import describe

    t = time.perf_counter()
    try:
        paths, problem, lines = STEPS[step](processed_dir, **(step_kwargs or {}))
    except Exception as exc:  # noqa: BLE001 - reported by the build as the step's failure
        return {"paths": [], "problem": "", "lines": [], "seconds": time.perf_counter() - t, "error": describe(exc)}
    return {"paths": [str(p) for p in paths], "problem": problem, "lines": lines,
            "seconds": time.perf_counter() - t, "error": ""}


class Worker:
    """The build's side of the worker: submit(step, processed_dir) returns a Future of timed()'s
    answer; close() ends the process."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._calls = ThreadPoolExecutor(max_workers=1)
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, step: str, processed_dir: str, **step_kwargs) -> Future:
        """step_kwargs: keyword arguments of the step's function (JSON values)."""
        return self._calls.submit(self._call, step, processed_dir, step_kwargs)

    def _call(self, step: str, processed_dir: str, step_kwargs: dict | None = None) -> dict:
        with self._lock:
            if self._closed:
                raise RuntimeError("the build's worker process has been closed")
            if self._proc is None:
                import compare

                env = dict(os.environ)
                here = str(Path(compare.__file__).resolve().parents[1])  # the package, however it is installed
                env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH", "")) if p)
                # the stages log as in the build itself: nothing with --quiet, their chatter with -v
                env[_LEVEL_ENV] = str(logging.getLogger("compare.text").getEffectiveLevel())
                self._proc = subprocess.Popen([sys.executable, "-m", "compare.pipeline.buildworker"], env=env,
                                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8")
            proc = self._proc
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps({"step": step, "processed_dir": processed_dir, "kwargs": step_kwargs or {}}) + "\n")
        proc.stdin.flush()
        answer = proc.stdout.readline()
        if not answer:
            raise RuntimeError(f"the build's worker process ended (exit code {proc.wait()}) during the {step} step")
        return json.loads(answer)

    def close(self) -> None:
        """End the process. The build has waited for every step it set aside: what may still run is
        the warm-up of a build whose steps all turned out up to date, which need not finish."""
        with self._lock:
            self._closed, proc = True, self._proc
        if proc is not None:
            proc.kill()
            proc.wait()
        self._calls.shutdown(wait=True)
        if proc is not None:
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    stream.close()
            self._proc = None


def main() -> None:
    """The worker's loop: one request per line on stdin, one answer per line on the original stdout."""
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # what libraries print must not mix with the answers
    _log_as_the_build()
    for line in sys.stdin:
        if line.strip():
            request = json.loads(line)
            answer = timed(request["step"], request["processed_dir"], request.get("kwargs"))
            answers.write(json.dumps(answer, ensure_ascii=False) + "\n")
            answers.flush()


if __name__ == "__main__":
    main()
