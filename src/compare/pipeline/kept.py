"""What a report kernel keeps from one report to the next: the loaded corpus.

A build renders its reports in kept kernels (:class:`compare.pipeline.kernel.KernelPool`): the
namespace is reset between reports (``%reset``), the imported modules stay, and so does the state of
this module. ``corpus = kept.corpus(processed_dir)`` in a report template reads the processed tables
once per kernel instead of once per report (0.3-0.7 s on 1,000 plans), and the corpus keeps what it
computes lazily (its like-with-like views, the items' tokens) for the next report.

Never stale: the corpus is kept with the identity of every table file it was read from (its
``core.hashing.stat_signature``: device, inode, size, modification and change times in nanoseconds;
an atomic rewrite of a table changes them all) and of the tables that were absent; any difference,
or another directory, reads the tables again. Only the last corpus is kept. A report must treat the corpus as read-only (the templates do: every
selection returns a new Corpus), so a report rendered in a kept kernel is the same as in a fresh one.
"""
from __future__ import annotations

import threading
from pathlib import Path

from compare.core import schema
from compare.core.hashing import stat_signature

_LOCK = threading.Lock()
_KEPT: dict[str, tuple[tuple, object]] = {}  # "corpus" -> (key, Corpus)


def table_identity(processed_dir: str | Path) -> tuple:
    """(directory, one (name, stat signature) or (name, None) per contract table): what changes
    whenever a table is written, replaced or removed."""
    processed_dir = Path(processed_dir).resolve()
    out = []
    for name in schema.TABLES:
        try:
            st = (processed_dir / f"{name}.parquet").stat()
        except FileNotFoundError:
            out.append((name, None))
            continue
        out.append((name, stat_signature(st)))
    return (str(processed_dir), tuple(out))


def corpus(processed_dir: str | Path):
    """``analysis.Corpus.load(processed_dir)``, read once while the tables are unchanged."""
    from compare.analysis import Corpus

    key = table_identity(processed_dir)
    with _LOCK:
        kept = _KEPT.get("corpus")
        if kept is not None and kept[0] == key:
            return kept[1]
    loaded = Corpus.load(processed_dir)
    if table_identity(processed_dir) == key:  # not rewritten while it was read
        with _LOCK:
            _KEPT["corpus"] = (key, loaded)
    return loaded


def forget() -> None:
    """Drop everything kept (tests; a long-lived process that wants the memory back)."""
    with _LOCK:
        _KEPT.clear()


#: modules the reports import on first use, inside the functions they call (the tracking sections'
#: TF-IDF and assignment, the tables' Parquet reader)
FIRST_USE_MODULES = ("compare.analysis.tracking", "compare.analysis.tracking_vectors", "compare.analysis.series",
                     "compare.analysis.strength", "compare.pipeline.inputs", "pyarrow.parquet")


def warm() -> None:
    """What a kernel started ahead of the reports does (compare.pipeline.kernel.prewarm): run the
    report templates' import cells (import statements only, in a namespace of their own), import
    what the reports import on first use, and load the CJK font into matplotlib, so that the first
    report of the kernel costs what the next ones do. Nothing of the processed tables is read: they
    may still be written by the build."""
    import ast
    import importlib
    import json

    from compare.core.paths import PACKAGE_DIR

    for template in sorted((PACKAGE_DIR / "templates").glob("*.ipynb")):
        cells = json.loads(template.read_text(encoding="utf-8"))["cells"]
        code = next((c for c in cells if c.get("cell_type") == "code"), None)
        source = "".join(code["source"]) if code else ""
        tree = ast.parse(source)
        if all(isinstance(node, (ast.Import, ast.ImportFrom)) for node in tree.body):
            exec(compile(tree, str(template), "exec"), {})  # noqa: S102 - the package's own import cell
    for module in FIRST_USE_MODULES:
        importlib.import_module(module)
    from matplotlib.font_manager import FontPath, get_font

    from compare.presentation.fonts import cjk_font_info

    font = cjk_font_info()
    get_font(FontPath(str(font.path), font.face_index))
