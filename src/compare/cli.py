"""Command line: `python -m compare <command>` or the `kexie-compare` console script.

This module is the only one that knows about argparse: it declares every option, parses and checks
the values (vocabularies from compare.core.vocab, positive numbers, comma lists), then calls one
plain function per sub-command with keyword arguments (``ingest_command(raw=…, out=…, strict=…)``,
as papermill's CLI calls ``execute_notebook``). That function does the work and returns an exit code;
no layer below sees the parsed namespace. Errors of the CompareError family are printed as one readable line
(``error: <file>: <reason>``), as are operating-system errors on a named file.

Exit codes: EXIT_OK (0) done; EXIT_FAILED (1) failed; EXIT_PARTIAL (3) done but some inputs were
skipped; 2 is argparse's usage error (unknown option, bad value). Defined in compare.core.errors so
that the stages can return them.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from compare import __version__
from compare.core.errors import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
    CompareError,
    ParameterError,
)
from compare.core.paths import FIGURES_DIR, PROCESSED_DIR, RAW_DIR, REPORTS_DIR
from compare.core.vocab import DEFAULT_DOC_TYPE, DEFAULT_LEVEL, DEFAULT_TOP_N, DOC_TYPES, EVERY, LEVELS

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_PARTIAL", "EXIT_USAGE", "build_parser", "main"]


def _csv_list(value: str) -> list[str]:
    """`河南,湖北` (ASCII or full-width commas) -> ['河南', '湖北']."""
    return [v.strip() for v in value.replace("，", ",").split(",") if v.strip()]


class _BadValue(str):
    """A filter value outside its vocabulary, kept by argparse and refused after parsing (`_refuse_bad_values`)
    as one line and EXIT_FAILED, like a province the corpus does not have (`report --province 河男`);
    exit 2 stays for a malformed command line."""

    reason: str = ""


def _years(value: str) -> list[int]:
    """`2019,2024` -> [2019, 2024]."""
    try:
        return [int(v.removesuffix("年")) for v in _csv_list(value)]
    except ValueError:
        bad = _BadValue(value)
        bad.reason = f"years are numbers, e.g. 2019,2024; not {value!r}"
        return [bad]


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {value!r}")
    return n


def _one_of(vocabulary: tuple[str, ...], what: str, *, every: bool = False):
    """An option type accepting a word of the vocabulary (every: or 全部/all, every one of them)."""
    words = (*vocabulary, EVERY[0]) if every else vocabulary

    def check(value: str) -> str:
        value = value.strip()
        if value in vocabulary or (every and value.lower() in EVERY):
            return value
        bad = _BadValue(value)
        bad.reason = f"unknown {what} {value!r}; choose from {'、'.join(words)}"
        return bad
    check.__name__ = what  # argparse names the type in its messages
    return check


def _refuse_bad_values(args: argparse.Namespace) -> None:
    """ParameterError (one line, exit 1) for the first filter value outside its vocabulary."""
    for dest, value in vars(args).items():
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, _BadValue):
                raise ParameterError(f"--{dest.replace('_', '-')}: {v.reason}")


def _doc_type_list(value: str) -> list[str]:
    return [_DOC_TYPE(v) for v in _csv_list(value)]


_DOC_TYPE, _ANY_DOC_TYPE = _one_of(DOC_TYPES, "document type"), _one_of(DOC_TYPES, "document type", every=True)
_LEVEL, _ANY_LEVEL = _one_of(LEVELS, "level"), _one_of(LEVELS, "level", every=True)
_LEVEL_HELP = "/".join(LEVELS)


def build_parser() -> argparse.ArgumentParser:
    """The command line: global options, then one sub-command each, declared by its _add_<command>."""
    p = argparse.ArgumentParser(prog="kexie-compare", description="Compare provincial 科协 work plans.")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command", required=True)
    for add in (_add_ingest, _add_themes, _add_instruments, _add_figures, _add_export, _add_report, _add_track,
                _add_build):
        add(sub)
    return p


def _add_ingest(sub) -> None:
    s = sub.add_parser("ingest", help="raw plan texts -> documents/items/targets tables")
    s.add_argument("--raw", type=Path, default=RAW_DIR, help=f"raw directory (default {RAW_DIR})")
    s.add_argument("--out", type=Path, default=PROCESSED_DIR, help=f"output directory (default {PROCESSED_DIR})")
    s.add_argument("--strict", action="store_true", help="any unreadable file makes the run fail (exit 1)")
    s.add_argument("--explain", type=Path, default=None, metavar="FILE",
                   help="print what each loader rule saw in FILE (title, year, place, issuer, type, items) and why "
                        "it would be skipped; writes nothing")


def _add_themes(sub) -> None:
    s = sub.add_parser("themes", help="segment items, score themes, cluster -> item_themes/theme_shares/clusters")
    s.add_argument("--processed", type=Path, default=PROCESSED_DIR, help=f"tables directory (default {PROCESSED_DIR})")
    s.add_argument("--themes", type=Path, default=None, help="theme dictionary TOML (default: the packaged one)")
    s.add_argument("--refit", action="store_true",
                   help="refit the saved theme model on the whole corpus; changed themes go to theme_revisions")


def _add_instruments(sub) -> None:
    s = sub.add_parser("instruments", help="code every item's policy instrument (type and tool) -> item_instruments")
    s.add_argument("--processed", type=Path, default=PROCESSED_DIR, help=f"tables directory (default {PROCESSED_DIR})")
    s.add_argument("--codebook", type=Path, default=None, help="instrument codebook TOML (default: the one kexie.toml names, else the packaged one)")
    s.add_argument("--refit", action="store_true",
                   help="recode every item with a new version of the instrument model; changed tools go to instrument_revisions")


def _add_figures(sub) -> None:
    s = sub.add_parser("figures", help="write every briefing chart (+ its data as CSV) to figures/")
    s.add_argument("--processed", type=Path, default=PROCESSED_DIR)
    s.add_argument("--out", type=Path, default=None,
                   help=f"default {FIGURES_DIR}/ for the build's type and level, {FIGURES_DIR}/<type>_<level>/ for another")
    s.add_argument("--formats", type=_csv_list, default=["png", "svg", "pdf"], help="comma list: png,svg,pdf")
    s.add_argument("--dpi", type=_positive, default=300)
    s.add_argument("--doc-type", dest="doc_type", type=_ANY_DOC_TYPE, default=DEFAULT_DOC_TYPE,
                   help=f"document type compared (default {DEFAULT_DOC_TYPE}; 全部: every type)")
    s.add_argument("--level", type=_ANY_LEVEL, default=DEFAULT_LEVEL,
                   help=f"level compared: {_LEVEL_HELP} (default {DEFAULT_LEVEL}; 全部: every level)")


def _add_export(sub) -> None:
    s = sub.add_parser("export", help="tables to Excel (+ CSV with Chinese headers), charts to slides and Word")
    s.add_argument("--xlsx", nargs="?", const=True, default=None, metavar="FILE",
                   help="one workbook of every table (default FILE: <out>/kexie_compare.xlsx)")
    s.add_argument("--pptx", nargs="?", const=True, default=None, metavar="FILE", help="16:9 slide deck of the charts")
    s.add_argument("--docx", nargs="?", const=True, default=None, metavar="FILE", help="Word brief of the charts")
    s.add_argument("--lang", choices=["zh"], default=None, help="zh: also CSV copies with Chinese headers in <out>")
    s.add_argument("--provinces", type=_csv_list, default=None, help="provinces to include")
    s.add_argument("--doc-type", dest="doc_type", type=_DOC_TYPE, default=None,
                   help=f"document type (charts default {DEFAULT_DOC_TYPE})")
    s.add_argument("--level", type=_LEVEL, default=None, help=f"{_LEVEL_HELP} (charts default {DEFAULT_LEVEL})")
    s.add_argument("--processed", type=Path, default=PROCESSED_DIR)
    s.add_argument("--out", type=Path, default=None, help="directory for default file names (default: --processed)")


def _add_report(sub) -> None:
    s = sub.add_parser("report", help="render a report notebook to HTML in reports/")
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument("--province", help="province report, e.g. 河南")
    g.add_argument("--cross", action="store_true", help="cross-province report")
    g.add_argument("--name", help="a named report of kexie.toml ([[reports]] name = ...) -> reports/NAME.html")
    s.add_argument("--years", type=_years, default=None, help="e.g. 2019,2024")
    s.add_argument("--themes", type=_csv_list, default=None, help="e.g. 科普,智库")
    s.add_argument("--provinces", type=_csv_list, default=None, help="cross report: provinces to include")
    s.add_argument("--doc-type", dest="doc_type", type=_DOC_TYPE, default=None,
                   help=f"document type compared (cross default {DEFAULT_DOC_TYPE}; province default: its most "
                        "common type)")
    s.add_argument("--level", type=_LEVEL, default=None,
                   help=f"level compared: {_LEVEL_HELP} (default {DEFAULT_LEVEL})")
    s.add_argument("--top-n", type=_positive, default=None,
                   help=f"rows in rankings (default: kexie.toml, else {DEFAULT_TOP_N})")
    s.add_argument("--processed", type=Path, default=PROCESSED_DIR)
    s.add_argument("--out", type=Path, default=REPORTS_DIR)


def _add_track(sub) -> None:
    s = sub.add_parser("track", help="plans across years -> item_links, target_series, item_strength")
    s.add_argument("--processed", type=Path, default=PROCESSED_DIR, help=f"tables directory (default {PROCESSED_DIR})")
    s.add_argument("--years", type=_years, default=None,
                   help="also link these two plan years, e.g. 2019,2024 (consecutive plans are always linked)")
    s.add_argument("--provinces", type=_csv_list, default=None, help="only link these provinces' plans")
    s.add_argument("--doc-types", dest="doc_types", type=_doc_type_list, default=None,
                   help="only link these plan types")
    s.add_argument("--lexicon", type=Path, default=None, help="commitment lexicon TOML (default: the packaged one)")


def _add_build(sub) -> None:
    s = sub.add_parser("build", help="ingest -> themes -> figures -> every report, incrementally")
    s.add_argument("--jobs", type=_positive, default=1, help="reports rendered in parallel")
    s.add_argument("--quiet", action="store_true", help="print nothing when nothing changed, else one summary line")
    s.add_argument("--force", action="store_true", help="redo every step")
    s.add_argument("--refit", action="store_true",
                   help="fit the theme model and the saved reference province reports measure against anew")
    s.add_argument("--raw", type=Path, default=RAW_DIR)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        _refuse_bad_values(args)
        return int(_run(args) or EXIT_OK)
    except CompareError as exc:
        print(f"error: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:  # a file we cannot read or write: the person can fix it, no traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{_one_line(exc.strerror or str(exc))}", file=sys.stderr)
        return EXIT_FAILED


def _run(args: argparse.Namespace) -> int | None:
    """Call the sub-command's function with the parsed values as keyword arguments."""
    if args.command == "ingest" and args.explain is not None:
        from compare.ingest.explain import explain_file

        print(explain_file(args.explain))
        return EXIT_OK
    if args.command == "ingest":
        from compare.ingest.run import ingest_command

        return ingest_command(raw=args.raw, out=args.out, strict=args.strict)
    if args.command == "themes":
        from compare.text.themes import themes_command

        return themes_command(processed=args.processed, themes_file=args.themes, refit=args.refit)
    if args.command == "instruments":
        from compare.text.instrument_model import instruments_command

        return instruments_command(processed=args.processed, codebook=args.codebook, refit=args.refit)
    if args.command == "figures":
        from compare.pipeline.figures import figures_command

        return figures_command(processed=args.processed, out=args.out, formats=args.formats, dpi=args.dpi,
                               doc_type=args.doc_type, level=args.level)
    if args.command == "export":
        from compare.pipeline.briefing import export_command

        return export_command(processed=args.processed, out=args.out, xlsx=args.xlsx, pptx=args.pptx,
                              docx=args.docx, lang=args.lang, provinces=args.provinces, doc_type=args.doc_type,
                              level=args.level)
    if args.command == "report":
        from compare.pipeline.named import report_command

        return report_command(processed=args.processed, out=args.out, name=args.name, cross=args.cross,
                              province=args.province, provinces=args.provinces, years=args.years,
                              themes=args.themes, doc_type=args.doc_type, level=args.level, top_n=args.top_n,
                              verbose=args.verbose)
    if args.command == "track":
        from compare.pipeline.track import track_command

        return track_command(processed=args.processed, years=args.years, provinces=args.provinces,
                             doc_types=args.doc_types, lexicon=args.lexicon)
    if args.command == "build":
        from compare.pipeline.build import build_command

        return build_command(raw=args.raw, jobs=args.jobs, force=args.force, quiet=args.quiet, verbose=args.verbose,
                             refit=args.refit)
    raise AssertionError(args.command)  # pragma: no cover - argparse rejects unknown commands


def _one_line(message: str) -> str:
    """A message on one line: line breaks become `; `."""
    return "; ".join(part.strip() for part in message.splitlines() if part.strip())
