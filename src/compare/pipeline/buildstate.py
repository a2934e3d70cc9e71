"""The build's bookkeeping: step results and the summary line, the state file, progress and log lines.

The state file (``.cache/build-state.json``) records, per step, the key of its last success and the
sha256 of each output. Output paths are stored relative to the state file's directory, so a project
(or a test's copy of one) that is moved as a whole stays up to date.
"""
from __future__ import annotations

import datetime as _dt
import logging
import os
import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from compare.core.errors import CompareError
from compare.core.hashing import sha256_file
from compare.core.registry import RegistryFileError, read_registry_file, write_registry_file

log = logging.getLogger("compare.pipeline.build")

STATE_VERSION = 2  # 2: output paths relative to the state file's directory

try:  # the CLI-wide exit codes, once compare.core.errors declares them
    from compare.core.errors import EXIT_FAILED, EXIT_OK, EXIT_PARTIAL  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - depends on the errors module's version
    EXIT_OK, EXIT_FAILED, EXIT_PARTIAL = 0, 1, 3


# --------------------------------------------------------------------------------------------------
# raw files
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
        if name in ("MANIFEST", "metadata.csv"):  # metadata.csv: the analyst's corrections, edited on purpose
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
    status: str  # "done" | "skipped" | "failed" | "partial" (done, but some inputs were skipped)
    seconds: float = 0.0
    message: str = ""
    fatal: bool = field(default=False, repr=False)  # later steps cannot run


def describe(exc: BaseException) -> str:
    """One line for the log; unexpected exceptions (bugs) also get their traceback logged."""
    if isinstance(exc, CompareError):
        return str(exc)
    log.error("unexpected %s", type(exc).__name__, exc_info=exc)
    return f"{type(exc).__name__}: {exc}"


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class BuildSummary:
    steps: list[StepResult] = field(default_factory=list)
    seconds: float = 0.0
    stale: list[str] = field(default_factory=list)  # outputs moved to _stale/ (relative names)

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
    def partial(self) -> list[StepResult]:
        return self._with("partial")

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def changed(self) -> bool:
        """Anything to tell a person: work done, a failure, skipped inputs or outputs moved aside."""
        return bool(self.done or self.failed or self.partial or self.stale)

    @property
    def exit_code(self) -> int:
        """0 every step ok; 1 a step failed; 3 partial (done, but some inputs were skipped)."""
        if self.failed:
            return EXIT_FAILED
        return EXIT_PARTIAL if self.partial else EXIT_OK

    def line(self) -> str:
        state = "FAILED" if self.failed else "PARTIAL" if self.partial else "ok"
        text = (
            f"build {state}: {len(self.steps)} steps, {len(self.done) + len(self.partial)} done, "
            f"{len(self.skipped)} skipped (up to date), {len(self.failed)} failed in {self.seconds:.1f}s"
        )
        if self.stale:
            text += f"; moved to _stale/: {', '.join(self.stale)}"
        if self.partial:
            text += "; partial: " + ", ".join(f"{s.name} ({_short(s.message)})" for s in self.partial)
        if self.failed:
            text += "; failed: " + ", ".join(f"{s.name} ({_short(s.message)})" if s.message else s.name for s in self.failed)
        return text


# --------------------------------------------------------------------------------------------------
# state
# --------------------------------------------------------------------------------------------------


class State:
    """The recorded key and output hashes of each step's last success."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.base = self.path.parent.resolve()
        self.steps: dict[str, dict] = {}
        self.lock = threading.Lock()
        try:
            self.steps = read_registry_file(self.path, version=STATE_VERSION, entries="steps")
        except RegistryFileError as exc:
            log.warning("ignoring unreadable build state %s (%s): every step will run", self.path, exc.reason)

    def rel(self, path: str | Path) -> str:
        """path as the state stores it: relative to the state file's directory."""
        return Path(os.path.relpath(Path(path).resolve(), self.base)).as_posix()

    def abs(self, rel: str) -> Path:
        return Path(os.path.normpath(self.base / rel))

    def outputs(self, name: str) -> dict[Path, str]:
        """The outputs recorded for a step (absolute path -> sha256)."""
        return {self.abs(p): d for p, d in self.steps.get(name, {}).get("outputs", {}).items()}

    def changed_outputs(self, name: str) -> list[Path]:
        """Recorded outputs of a step that exist but no longer have the bytes the step wrote."""
        return [p for p, d in self.outputs(name).items() if p.is_file() and sha256_file(p) != d]

    def fresh(self, name: str, key: str) -> bool:
        entry = self.steps.get(name)
        if not entry or entry.get("key") != key:
            return False
        for p, digest in self.outputs(name).items():
            if not p.is_file() or sha256_file(p) != digest:
                return False
        return True

    def record(self, name: str, key: str, outputs: Iterable[Path]) -> None:
        with self.lock:
            self.steps[name] = {
                "key": key,
                "outputs": {self.rel(p): sha256_file(p) for p in outputs if Path(p).is_file()},
            }
            self.save()

    def forget(self, name: str) -> None:
        with self.lock:
            if self.steps.pop(name, None) is not None:
                self.save()

    def save(self) -> None:
        write_registry_file(self.path, self.steps, version=STATE_VERSION, entries="steps")


# --------------------------------------------------------------------------------------------------
# progress: a live line on a terminal, one log line per finished step (none with quiet)
# --------------------------------------------------------------------------------------------------


class Progress:
    def __init__(self, enabled: bool, quiet: bool = False):
        self.enabled = enabled and not quiet
        self.quiet = quiet
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
            if not self.quiet:
                msg = f"{position}{result.name}: {result.status}"
                if result.status != "skipped":
                    msg += f" in {result.seconds:.1f}s"
                if result.message:
                    msg += f" ({result.message})"
                level = logging.ERROR if result.status == "failed" else (
                    logging.WARNING if result.status == "partial" else logging.INFO)
                log.log(level, msg)
            self._show()

    def say(self, level: int, msg: str, *args) -> None:
        """A log line of the build itself (not a step's), left out with quiet."""
        if not self.quiet:
            with self.lock:
                self._clear()
                log.log(level, msg, *args)
                self._show()


# --------------------------------------------------------------------------------------------------
# log lines with local ISO timestamps (cron logs)
# --------------------------------------------------------------------------------------------------


def now_iso() -> str:
    """Local time, ISO 8601 with its UTC offset, to the second: 2026-12-01T06:00:03+08:00."""
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


class TimestampFormatter(logging.Formatter):
    """``<local ISO time> LEVEL logger: message``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return _dt.datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="seconds")
