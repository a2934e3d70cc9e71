"""Versioned JSON registries kept beside the outputs: ``doc_ids.json`` (the ids given to documents),
``file_numbers.json`` (the 文件 numbers of the instrument codes), the build state and the chart keys.

One form for all of them: a JSON object ``{"version": N, "<entries>": {key: value, …}}`` (plus an
optional ``about`` line for a person opening the file), written atomically as indented UTF-8 JSON with
every key sorted, so the same entries always give identical bytes; read back with one check. A damaged
registry (unreadable, not JSON, of another version, without its entries, entries the caller cannot
take) raises :class:`RegistryFileError` (or the caller's subclass): one line naming the file, the
reason and what to do. A registry that holds decisions (ids, numbers) lets that error stop the run; a
cache (the build state, the chart keys) catches it, logs it and starts afresh.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "numbers.json"
>>> _ = write_registry_file(path, {"b": 2, "a": 1}, version=1, entries="numbers")
>>> read_registry_file(path, version=1, entries="numbers")
{'a': 1, 'b': 2}
>>> try:
...     read_registry_file(path, version=2, entries="numbers")
... except RegistryFileError as exc:
...     print(exc.path.name, "|", exc.reason)
numbers.json | version 1, expected 2
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from compare.core.errors import CompareError
from compare.core.io import atomic_write_text

__all__ = ["RegistryFileError", "read_registry_file", "write_registry_file"]

T = TypeVar("T")


class RegistryFileError(CompareError):
    """A registry file cannot be read: ``path``, ``reason``; its text is one line naming the file, the
    reason and what to do. Subclasses say what the registry is (``what``) and what deleting it does
    (``hint``)."""

    what = "a registry"
    hint = "delete it to start it afresh"

    def __init__(self, path: str | Path, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: not {self.what} this program wrote ({reason}); {self.hint}")


def read_registry_file(path: str | Path, *, version: int, entries: str,
                       convert: Callable[[dict[str, Any]], T] = dict,  # type: ignore[assignment]
                       error: type[RegistryFileError] = RegistryFileError) -> T:
    """The ``entries`` mapping of the registry at path, passed through convert (which may check it and
    raise ValueError, TypeError or KeyError); convert({}) when there is no file.

    Raises error (a RegistryFileError) naming the file when it cannot be read, is not a JSON object,
    has another version, has no ``entries`` mapping, or convert refuses it."""
    path = Path(path)
    if not path.is_file():
        return convert({})
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"a JSON {type(data).__name__}, expected an object")
        if data.get("version") != version:
            raise ValueError(f"version {data.get('version')!r}, expected {version}")
        found = data[entries]
        if not isinstance(found, dict):
            raise ValueError(f"{entries!r} is a JSON {type(found).__name__}, expected an object")
        return convert(found)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise error(path, str(exc)) from None


def write_registry_file(path: str | Path, items: Mapping[str, Any], *, version: int, entries: str,
                        about: str | None = None) -> Path:
    """Write ``{"version": version, entries: items}`` (and ``about``) to path atomically, every key
    sorted: the same items give identical bytes. items' values must be JSON values."""
    path = Path(path)
    data: dict[str, Any] = {"version": version, entries: {k: items[k] for k in sorted(items)}}
    if about:
        data["about"] = about
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    return path
