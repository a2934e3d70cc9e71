"""The small exception hierarchy. Every message is meant to be read by a person."""
from __future__ import annotations

from pathlib import Path


class CompareError(Exception):
    """Base class of every error this package raises on purpose."""


class InputFileError(CompareError):
    """A raw input file cannot be used. Names the file and the reason."""

    def __init__(self, path: str | Path, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")


class EmptyCorpusError(CompareError):
    """There is nothing to analyse (no documents or no items)."""


class ThemeFileError(CompareError):
    """The theme dictionary file is malformed. Names the file and the line."""

    def __init__(self, path: str | Path, reason: str, line: int | None = None):
        self.path = Path(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {reason}")


class ParameterError(CompareError, ValueError):
    """A user-supplied parameter (province, year, theme, ...) is not valid for this corpus."""


class ReportError(CompareError):
    """A report notebook failed to execute or export."""
