"""The files the analyst writes, read as strictly as plan text: ``metadata.csv``, ``kexie.toml`` and the
TOML lexicons (``themes.toml``, ``commitment.toml``, ``instruments.toml``) all come through here.

- **Encoding**: the plan reader's detection (:mod:`compare.core.encoding`): UTF-8 with or without BOM,
  GB18030/GBK as Chinese Excel, WPS and Notepad save it, Big5, UTF-16; a short file (one row of
  ``metadata.csv``, a two-line TOML file) is decided by the share of common characters, so a GBK title
  is never read as Big5 (湖北省科协 → 綬控吽褪衪).
- **Refused, never repaired**: mojibake (text already garbled by an earlier wrong decoding and saved
  again), undecodable bytes (the plan reader replaces up to 10 of them; here a single one refuses the
  file, since a setting must not change silently), binary data, an empty file is empty text.
- Line ends are normalised to ``\\n`` and a BOM is dropped.

Errors are :class:`compare.core.errors.InputFileError` (one line: ``<file>[:<line>]: <reason>``); each
reader wraps them in its own error class (MetadataFileError, ConfigError, ThemeFileError, LexiconError).
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from compare.core.encoding import decode_with_warnings
from compare.core.errors import InputFileError

__all__ = ["AnalystFileError", "read_text", "read_toml", "toml_error_line"]


class AnalystFileError(InputFileError):
    """A file the analyst writes cannot be used: names the file, the line when known, and the reason."""

    def __init__(self, path: str | Path, reason: str, line: int | None = None):
        super().__init__(path, reason)
        self.line = line
        if line is not None:
            self.args = (f"{self.path.name}:{line}: {reason}",)


def read_text(path: str | Path) -> str:
    """The text of an analyst's file; "" for an empty file. Raises AnalystFileError (file missing or
    unreadable, binary, undecodable, mojibake)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise AnalystFileError(path, "the file does not exist") from None
    except OSError as exc:
        raise AnalystFileError(path, f"cannot read the file: {exc.strerror or exc}") from None
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        return ""
    try:
        text, encoding, warnings = decode_with_warnings(data, path)
    except InputFileError as exc:
        raise AnalystFileError(path, exc.reason) from None
    if warnings:  # bytes that would have been replaced by U+FFFD
        line = _first_bad_line(text)
        raise AnalystFileError(path, f"{warnings[0].replace(' replaced by �', '')}: save the file again as "
                                     "UTF-8 (or GB18030 from Excel)", line)
    if "\ufffd" in text:
        raise AnalystFileError(path, "contains U+FFFD replacement characters (�): text an earlier program could "
                                     "not decode; correct it and save again", _first_bad_line(text))
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _first_bad_line(text: str) -> int | None:
    i = text.find("\ufffd")
    return text.count("\n", 0, i) + 1 if i >= 0 else None


_TOML_POS = re.compile(r"\s*\(at line (\d+), column \d+\)|\s*\(at end of document\)")


def toml_error_line(exc: tomllib.TOMLDecodeError, text: str) -> int | None:
    """The line of a TOML syntax error: `lineno` on Python >= 3.14, else parsed from the message."""
    line = getattr(exc, "lineno", None)
    if line is not None:
        return int(line)
    m = _TOML_POS.search(str(exc))
    if m is None:
        return None
    return int(m.group(1)) if m.group(1) else max(1, len(text.splitlines()))


def read_toml(path: str | Path) -> tuple[dict[str, Any], str]:
    """(the parsed TOML, its text) of an analyst's TOML file. Raises AnalystFileError, with the line of
    a syntax error (``themes.toml:3: not valid TOML: …``)."""
    path = Path(path)
    text = read_text(path)
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        message = _TOML_POS.sub("", getattr(exc, "msg", None) or str(exc))
        raise AnalystFileError(path, f"not valid TOML: {message}", toml_error_line(exc, text)) from None
