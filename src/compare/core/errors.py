"""The small exception hierarchy and the command line's exit codes. Every message is meant to be read
by a person, on one line: the CLI prints ``error: <message>`` and exits with EXIT_FAILED.

Exit codes (``python -m compare …``): EXIT_OK (0) everything done; EXIT_FAILED (1) the command failed
(a CompareError, printed as one line); EXIT_PARTIAL (3) done, but some inputs were skipped (e.g. an
unreadable raw file without --strict); 2 stays argparse's usage error. They live here so that every
layer can return them; compare.cli re-exports them.
"""
from __future__ import annotations

from pathlib import Path

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2  # argparse's own
EXIT_PARTIAL = 3


class CompareError(Exception):
    """Base class of every error this package raises on purpose."""


class InputFileError(CompareError):
    """A raw input file cannot be used. Names the file and the reason; `format` / `encoding` say how
    far reading got (set by the loader when it knows)."""

    format: str | None = None
    encoding: str | None = None

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


class SchemaError(CompareError, ValueError):
    """A table does not match its contract (compare.core.schema): names the file (when read from one),
    the table and the column.

    >>> str(SchemaError("column 'year' is missing", path="data/processed/items.parquet", table="items", column="year"))
    "data/processed/items.parquet: column 'year' is missing"
    """

    def __init__(self, reason: str, *, path: str | Path | None = None, table: str | None = None,
                 column: str | None = None):
        self.reason = reason
        self.path = Path(path) if path is not None else None
        self.table = table
        self.column = column
        super().__init__(f"{self.path}: {reason}" if self.path is not None else reason)
