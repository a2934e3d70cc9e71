"""Command line: `python -m compare <command>` or the `kexie-compare` console script.

Each sub-command is a thin shell around one pipeline stage; the stage module does the work and
returns an exit code. Errors of the CompareError family are printed as one readable line
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
)
from compare.core.paths import FIGURES_DIR, PROCESSED_DIR, RAW_DIR, REPORTS_DIR

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_PARTIAL", "EXIT_USAGE", "build_parser", "main"]


def _csv_list(value: str) -> list[str]:
    return [v.strip() for v in value.replace("，", ",").split(",") if v.strip()]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kexie-compare", description="Compare provincial 科协 work plans.")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("ingest", help="raw plan texts -> documents/items/targets tables")
    s.add_argument("--raw", type=Path, default=RAW_DIR, help=f"raw directory (default {RAW_DIR})")
    s.add_argument("--out", type=Path, default=PROCESSED_DIR, help=f"output directory (default {PROCESSED_DIR})")
    s.add_argument("--strict", action="store_true", help="any unreadable file makes the run fail (exit 1)")

    s = sub.add_parser("themes", help="segment items, score themes, cluster -> item_themes/theme_shares/clusters")
    s.add_argument("--processed", type=Path, default=PROCESSED_DIR, help=f"tables directory (default {PROCESSED_DIR})")
    s.add_argument("--themes", type=Path, default=None, help="theme dictionary TOML (default: the packaged one)")
    s.add_argument("--refit", action="store_true",
                   help="refit the saved theme model on the whole corpus; changed themes go to theme_revisions")

    s = sub.add_parser("figures", help="write every briefing chart (+ its data as CSV) to figures/")
    s.add_argument("--processed", type=Path, default=PROCESSED_DIR)
    s.add_argument("--out", type=Path, default=FIGURES_DIR)
    s.add_argument("--formats", type=_csv_list, default=["png", "svg", "pdf"], help="comma list: png,svg,pdf")
    s.add_argument("--dpi", type=int, default=300)
    s.add_argument("--doc-type", dest="doc_type", default="工作要点",
                   help="document type compared (default 工作要点; 全部: every type)")
    s.add_argument("--level", default="省级", help="level compared: 全国/省级/市级/县级 (default 省级)")

    s = sub.add_parser("export", help="tables to Excel (+ CSV with Chinese headers), charts to slides and Word")
    s.add_argument("--xlsx", nargs="?", const=True, default=None, metavar="FILE",
                   help="one workbook of every table (default FILE: <out>/kexie_compare.xlsx)")
    s.add_argument("--pptx", nargs="?", const=True, default=None, metavar="FILE", help="16:9 slide deck of the charts")
    s.add_argument("--docx", nargs="?", const=True, default=None, metavar="FILE", help="Word brief of the charts")
    s.add_argument("--lang", choices=["zh"], default=None, help="zh: also CSV copies with Chinese headers in <out>")
    s.add_argument("--provinces", type=_csv_list, default=None, help="provinces to include")
    s.add_argument("--doc-type", dest="doc_type", default=None, help="document type (charts default 工作要点)")
    s.add_argument("--level", default=None, help="全国/省级/市级/县级 (charts default 省级)")
    s.add_argument("--processed", type=Path, default=PROCESSED_DIR)
    s.add_argument("--out", type=Path, default=None, help="directory for default file names (default: --processed)")

    s = sub.add_parser("report", help="render a report notebook to HTML in reports/")
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument("--province", help="province report, e.g. 河南")
    g.add_argument("--cross", action="store_true", help="cross-province report")
    g.add_argument("--name", help="a named report of kexie.toml ([[reports]] name = ...) -> reports/NAME.html")
    s.add_argument("--years", type=lambda v: [int(x) for x in _csv_list(v)], default=None, help="e.g. 2019,2024")
    s.add_argument("--themes", dest="theme_names", type=_csv_list, default=None, help="e.g. 科普,智库")
    s.add_argument("--provinces", type=_csv_list, default=None, help="cross report: provinces to include")
    s.add_argument("--doc-type", dest="doc_type", default=None,
                   help="document type compared (cross default 工作要点; province default: its most common type)")
    s.add_argument("--level", default=None, help="level compared: 全国/省级/市级/县级 (default 省级)")
    s.add_argument("--top-n", type=int, default=None, help="rows in rankings (default: kexie.toml, else 15)")
    s.add_argument("--processed", type=Path, default=PROCESSED_DIR)
    s.add_argument("--out", type=Path, default=REPORTS_DIR)

    s = sub.add_parser("track", help="plans across years -> item_links, target_series, item_strength")
    s.add_argument("--processed", type=Path, default=PROCESSED_DIR, help=f"tables directory (default {PROCESSED_DIR})")
    s.add_argument("--years", type=lambda v: [int(x) for x in _csv_list(v)], default=None,
                   help="also link these two plan years, e.g. 2019,2024 (consecutive plans are always linked)")
    s.add_argument("--provinces", type=_csv_list, default=None, help="only link these provinces' plans")
    s.add_argument("--doc-types", dest="doc_types", type=_csv_list, default=None, help="only link these plan types")
    s.add_argument("--lexicon", type=Path, default=None, help="commitment lexicon TOML (default: the packaged one)")

    s = sub.add_parser("build", help="ingest -> themes -> figures -> every report, incrementally")
    s.add_argument("--jobs", type=int, default=1, help="reports rendered in parallel")
    s.add_argument("--quiet", action="store_true", help="print nothing when nothing changed, else one summary line")
    s.add_argument("--force", action="store_true", help="redo every step")
    s.add_argument("--raw", type=Path, default=RAW_DIR)

    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        if args.command == "ingest":
            from compare.ingest.load import cli_ingest as run
        elif args.command == "themes":
            from compare.text.themes import cli_themes as run
        elif args.command == "figures":
            from compare.pipeline.figures import cli_figures as run
        elif args.command == "export":
            from compare.pipeline.briefing import cli_export as run
        elif args.command == "report":
            from compare.pipeline.named import cli_report as run
        elif args.command == "track":
            from compare.pipeline.track import cli_track as run
        elif args.command == "build":
            from compare.pipeline.build import cli_build as run
        else:  # pragma: no cover - argparse rejects unknown commands
            raise AssertionError(args.command)
        return int(run(args) or EXIT_OK)
    except CompareError as exc:
        print(f"error: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:  # a file we cannot read or write: the person can fix it, no traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{_one_line(exc.strerror or str(exc))}", file=sys.stderr)
        return EXIT_FAILED


def _one_line(message: str) -> str:
    """A message on one line: line breaks become `; `."""
    return "; ".join(part.strip() for part in message.splitlines() if part.strip())
