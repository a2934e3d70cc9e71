"""The 文件 number of the instrument codes (文件-章节-条目, e.g. 3-2-1): a number per document that never
changes once given, kept in ``file_numbers.json`` beside the tables.

Analysts cite the codes of the coding table (政策工具编码表) in briefings, so a code must keep naming
the same item whatever is added later. The 文件 part therefore is not a position in the documents
table (adding a plan would renumber every document after it) but the document's number in a registry:

- the first coding numbers the documents 1, 2, 3 … in the order of the documents table;
- a later run keeps every number already given and gives each new document the next free number
  (new documents in the order of the documents table), so **adding a plan never changes an existing code**;
- a number is never reused: a document that leaves the corpus keeps its number in the registry (and
  gets it back if it returns), so an old code never comes to name another plan's item;
- the registry is keyed by ``doc_id``, which never changes once given (``doc_ids.json``).

``make clean`` keeps ``file_numbers.json`` (like ``doc_ids.json``: it holds no derived data);
``make distclean`` or deleting it numbers the documents afresh in the documents table's order.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from compare.core.registry import RegistryFileError, read_registry_file, write_registry_file
from compare.text.instruments import item_code

__all__ = ["FILE_NUMBERS", "FileNumbersError", "assign_file_numbers", "file_numbers", "item_codes",
           "read_file_numbers", "write_file_numbers"]

#: the registry's file name, in the tables' directory
FILE_NUMBERS = "file_numbers.json"
_VERSION = 1


class FileNumbersError(RegistryFileError):
    """file_numbers.json cannot be read: names the file, the reason and what to do."""

    what = "a file-number registry"
    hint = "delete it to number the documents afresh (the 文件 part of the instrument codes may then change)"


def _checked_numbers(numbers: dict) -> dict[str, int]:
    """The registry's numbers when each is a positive integer given to one document only (ValueError)."""
    if not all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v > 0
               for k, v in numbers.items()):
        raise ValueError("numbers must map document ids to positive integers")
    if len(set(numbers.values())) != len(numbers):
        raise ValueError("two documents share a number")
    return dict(numbers)


def read_file_numbers(directory: str | Path) -> dict[str, int]:
    """doc_id -> 文件 number from ``<directory>/file_numbers.json``; {} when there is none."""
    return read_registry_file(Path(directory) / FILE_NUMBERS, version=_VERSION, entries="numbers",
                              convert=_checked_numbers, error=FileNumbersError)


def assign_file_numbers(doc_ids: Iterable[str], known: Mapping[str, int] | None = None) -> dict[str, int]:
    """The registry after numbering doc_ids: every known number kept (also of documents not in doc_ids),
    each new document the next number after the highest ever given, in the order given.

    >>> assign_file_numbers(["zz-new", "b", "a"], {"a": 1, "b": 2, "gone": 3})
    {'a': 1, 'b': 2, 'gone': 3, 'zz-new': 4}
    """
    numbers = dict(known or {})
    top = max(numbers.values(), default=0)
    for d in dict.fromkeys(map(str, doc_ids)):
        if d not in numbers:
            top += 1
            numbers[d] = top
    return numbers


def write_file_numbers(directory: str | Path, numbers: Mapping[str, int]) -> Path:
    """Write the registry atomically, ids sorted (the same numbers give identical bytes)."""
    return write_registry_file(
        Path(directory) / FILE_NUMBERS, {k: int(v) for k, v in numbers.items()}, version=_VERSION, entries="numbers",
        about="doc_id -> the 文件 number of its instrument codes (文件-章节-条目); a number once given is kept and "
              "never reused (compare.text.instrument_codes)")


def file_numbers(directory: str | Path, doc_ids: Iterable[str]) -> tuple[dict[str, int], Path]:
    """Number doc_ids with the registry of directory (new documents get new numbers, written back when
    there are any): (doc_id -> number, the registry's path)."""
    known = read_file_numbers(directory)
    numbers = assign_file_numbers(doc_ids, known)
    path = Path(directory) / FILE_NUMBERS
    if numbers != known or not path.is_file():
        write_file_numbers(directory, numbers)
    return numbers, path


def item_codes(items: pd.DataFrame, numbers: Mapping[str, int]) -> list[str]:
    """文件-章节-条目 of each item (columns doc_id, item_id), 文件 from numbers.

    >>> item_codes(pd.DataFrame({"doc_id": ["b", "a"], "item_id": ["四/（三）/七", "二/3"]}), {"a": 1, "b": 5})
    ['5-4-3-7', '1-2-3']
    """
    return [item_code(numbers[d], i) for d, i in zip(items["doc_id"].astype(str), items["item_id"])]
