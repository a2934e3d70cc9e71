"""Where a report goes, so that nothing overwrites what an analyst asked for.

Three kinds of report live in ``reports/``:

- **build**: ``province_<pinyin>.html`` for every province, ``cross_province.html``, rendered by
  ``python -m compare build`` with the ``[report]`` defaults of kexie.toml. The build owns them; a
  province whose plans left ``data/raw`` has its report moved to ``reports/_stale/``.
- **named**: ``reports/<name>.html``, one per ``[[reports]]`` entry of kexie.toml, rendered by every
  build and by ``python -m compare report --name NAME``. The build re-renders a named report from its
  kexie.toml entry and never deletes one (not even after its entry is removed).
- **custom**: ``reports/custom/<report>-<8 hex>.html``, written by an ad hoc ``python -m compare report``
  whose parameters differ from the build's (``report --province 豫 --themes 科普,智库``); the hex is a
  digest of the parameters, so the same question always lands in the same file. The build never
  touches ``reports/custom/``. An ad hoc report with exactly the build's parameters
  (``report --province 河南``) is the build's report and refreshes the build's file.

:func:`render_to` renders through :func:`compare.pipeline.report.render_report` into a staging
directory and moves the HTML to its place, so a failure leaves the previous file as it was; it writes
the report's record (:mod:`compare.pipeline.index`).
"""
from __future__ import annotations

import functools
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from compare.core.config import ProjectConfig, load_config
from compare.core.errors import CompareError, ParameterError, ReportError
from compare.core.hashing import _sha256_json
from compare.core.paths import project_root
from compare.pipeline import index as index_mod

log = logging.getLogger(__name__)

STAGING_DIR = ".staging"
FAILED_DIR = "_failed"


@functools.lru_cache(maxsize=16)
def _declared_cached(path: str, mtime_ns: int) -> dict[str, str]:
    import ast
    import json

    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            out = {}
            for node in ast.parse(source).body:
                if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    out[node.target.id] = ast.get_source_segment(source, node.value) if node.value is not None else ""
                elif isinstance(node, ast.Assign):
                    for t in node.targets:
                        if isinstance(t, ast.Name):
                            out[t.id] = ast.get_source_segment(source, node.value) or ""
            return out
    raise ReportError(f"{path} has no cell tagged `parameters`")


def declared_parameters(kind: str) -> dict[str, str]:
    """name -> source of the default, from the template's `parameters` cell. Read as JSON, not with
    nbformat (whose schema validators take seconds to import: a no-change build must stay cheap)."""
    from compare.pipeline.reportnames import template_path

    path = template_path(kind)
    return dict(_declared_cached(str(path), path.stat().st_mtime_ns))


def template_ready(kind: str, parameters: Mapping[str, Any], *, explicit: frozenset[str] | set[str] = frozenset()) -> dict:
    """Parameters as the report template declares them: a cross report's one-element ``years`` becomes
    ``year`` when the template takes one year; defaults the template does not declare (``doc_type``
    before the templates know it) are left out; parameters asked for explicitly are kept (the render
    then names the template's parameters)."""
    declared = declared_parameters(kind)
    out = {k: v for k, v in parameters.items() if v is not None}
    if "years" in out and "years" not in declared and "year" in declared:
        years = out.pop("years")
        years = [years] if isinstance(years, int) else list(years)
        if len(years) != 1:
            raise ParameterError(f"the {kind} report compares one year or all, not {years}")
        out["year"] = years[0]
    for key in [k for k in out if k not in declared and k not in explicit]:
        log.debug("%s report: the template has no parameter %r; default %r not used", kind, key, out.pop(key))
    return out


def _canonical(parameters: Mapping[str, Any]) -> dict:
    """Province names in their canonical short form (豫, 河南省 -> 河南), for comparing parameter sets."""
    from compare.ingest.provinces import canonical_province

    out = dict(parameters)
    if out.get("province"):
        out["province"] = canonical_province(str(out["province"])) or out["province"]
    if out.get("provinces"):
        out["provinces"] = [canonical_province(str(p)) or p for p in out["provinces"]]
    for key in ("years", "themes", "provinces"):
        if isinstance(out.get(key), (list, tuple)):
            out[key] = sorted(dict.fromkeys(out[key]), key=str)
    return out


def build_parameters(kind: str, config: ProjectConfig, province: str | None = None) -> dict:
    """The parameters the build renders a report with: the [report] defaults (+ the province)."""
    params = config.report.as_parameters()
    if kind == "province":
        params["province"] = province
    return params


def _with_defaults(kind: str, parameters: Mapping[str, Any]) -> dict:
    """parameters plus the template's literal defaults (top_n = 15), so that equal reports compare equal."""
    import ast

    out = dict(parameters)
    for key, default in declared_parameters(kind).items():
        if key in out or key == "processed_dir":
            continue
        try:
            value = ast.literal_eval(default or "None")
        except (ValueError, SyntaxError):
            continue
        if value is not None:
            out[key] = value
    return out


def custom_stem(kind: str, parameters: Mapping[str, Any]) -> str:
    """``province_henan-1a2b3c4d``: the build's stem plus a digest of the (canonical) parameters."""
    from compare.pipeline.reportnames import report_name

    params = _canonical(parameters)
    return f"{report_name(kind, params)}-{_sha256_json(params)[:8]}"


def render_to(
    kind: str,
    parameters: Mapping[str, Any],
    target: Path,
    *,
    source: str,
    name: str,
    reports_dir: Path,
    processed_dir: str | Path,
    model_version: str | None = None,
    tables: str | None = None,
    **render_kw: Any,
) -> Path:
    """Render a report to ``target`` (an .html path under reports_dir) and record it.

    On failure the previous HTML stays, its record says failed (with the message), the executed
    notebook is kept in ``<reports_dir>/_failed/<target stem>.ipynb``, and the error is raised."""
    from compare.pipeline import report as report_mod
    from compare.pipeline.buildstate import now_iso

    reports_dir = Path(reports_dir)
    staging_root = reports_dir / STAGING_DIR
    staging_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{target.stem}-", dir=staging_root))
    record = index_mod.read_record(target)
    previous_generated = record.generated if record is not None and target.is_file() else None
    record = index_mod.ReportRecord(
        file=target.relative_to(reports_dir).as_posix(), source=source, kind=kind, name=name,
        parameters={k: v for k, v in parameters.items() if k != "processed_dir"},
        model_version=model_version, tables=tables,
    )
    failed_dir = reports_dir / FAILED_DIR
    try:
        try:
            written = report_mod.render_report(
                kind, parameters=dict(parameters), processed_dir=processed_dir, out_dir=staging, **render_kw
            )
        except Exception as exc:
            message = str(exc) if isinstance(exc, CompareError) else f"{type(exc).__name__}: {exc}"
            for kept in sorted((staging / FAILED_DIR).glob("*")) if (staging / FAILED_DIR).is_dir() else []:
                dest = failed_dir / (target.stem + "".join(kept.suffixes))
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(kept, dest)
                message = message.replace(str(kept), str(dest))
            record.status, record.message = "failed", message
            record.generated, record.updated = previous_generated, now_iso()
            index_mod.write_record(target, record)
            if message != str(exc):  # it named the staging copy of the executed notebook
                raise ReportError(message) from exc
            raise
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(written, target)
        for stale in failed_dir.glob(f"{target.stem}.*"):
            stale.unlink(missing_ok=True)
        record.generated = record.updated = now_iso()
        index_mod.write_record(target, record)
        return target
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def record_failure(kind: str, target: Path, *, source: str, name: str, reports_dir: Path, message: str,
                   parameters: Mapping[str, Any] | None = None) -> None:
    """Record a report that could not even start (its parameters are wrong): status failed, the
    previous HTML (if any) kept."""
    from compare.pipeline.buildstate import now_iso

    old = index_mod.read_record(target)
    record = index_mod.ReportRecord(
        file=target.relative_to(reports_dir).as_posix(), source=source, kind=kind, name=name,
        parameters=dict(parameters) if parameters is not None else (old.parameters if old else {}),
        status="failed", message=message, updated=now_iso(),
        generated=old.generated if old is not None and target.is_file() else None,
        model_version=old.model_version if old else None, tables=old.tables if old else None,
    )
    index_mod.write_record(target, record)


def cleanup_staging(reports_dir: Path) -> None:
    """Remove the (empty) staging directory once no render is running."""
    try:
        (Path(reports_dir) / STAGING_DIR).rmdir()
    except OSError:
        pass


# --------------------------------------------------------------------------------------------------
# `python -m compare report`
# --------------------------------------------------------------------------------------------------

def _check(kind: str, params: Mapping[str, Any], corpus: Callable[[], Any] | None) -> None:
    """Validate parameters against the corpus (corpus() loads it) before a file name is derived from
    them, so an unknown province or theme is reported with the corpus's known values."""
    if corpus is None:
        return
    from compare.pipeline import report as report_mod

    report_mod.resolve_parameters(kind, dict(params), corpus(), template=report_mod.template_path(kind))


def plan_report(config: ProjectConfig, *, out: str | Path, selection: Mapping[str, Any] | None = None,
                name: str | None = None, cross: bool = False,
                corpus: Callable[[], Any] | None = None) -> tuple[str, dict, Path, str, str]:
    """(kind, parameters, target file, source, name) of the `report` command: the named report `name`
    of kexie.toml, else a cross-province (cross=True) or province report of `selection` (the report
    parameters the analyst gave: province, provinces, years, themes, doc_type, level, top_n; None
    values are not given). With corpus (a function loading it), the parameters are checked against
    the corpus first."""
    out_dir = Path(out)
    explicit = {k: v for k, v in (selection or {}).items() if v is not None}
    if name:
        given = sorted(k for k in explicit)
        if given:
            raise ParameterError(
                f"--name renders {name!r} as {config.source} defines it; change its parameters there "
                f"(given on the command line: {', '.join(given)})"
            )
        entry = config.named(name)
        params = template_ready(entry.kind, entry.parameters(config.report),
                                explicit=set(entry.parameters()))
        _check(entry.kind, params, corpus)
        return entry.kind, params, out_dir / f"{entry.name}.html", "named", entry.name
    kind = "cross" if cross else "province"
    if kind == "province" and "provinces" in explicit:
        raise ParameterError("--provinces is for the cross-province report (--cross)")
    params = {**config.report.as_parameters(), **explicit}
    params = template_ready(kind, params, explicit=set(explicit))
    _check(kind, params, corpus)
    build = template_ready(kind, build_parameters(kind, config, explicit.get("province")))
    from compare.pipeline import report as report_mod

    if _canonical(_with_defaults(kind, params)) == _canonical(_with_defaults(kind, build)):
        stem = report_mod.report_name(kind, _canonical(params))
        return kind, params, out_dir / f"{stem}.html", "build", stem
    stem = custom_stem(kind, params)
    return kind, params, out_dir / index_mod.CUSTOM_DIR / f"{stem}.html", "custom", stem


def report_command(*, processed: str | Path, out: str | Path, name: str | None = None, cross: bool = False,
                   province: str | None = None, provinces=None, years=None, themes=None,
                   doc_type: str | None = None, level: str | None = None, top_n: int | None = None,
                   verbose: bool = False) -> int:
    """`python -m compare report --province 河南 [--years …] [--themes …]`, `--cross …` or `--name NAME`:
    render the report to `out` (see :func:`plan_report` for which file) and print its path."""
    if not verbose:
        logging.getLogger("papermill").setLevel(logging.WARNING)  # its per-run INFO lines are noise here
    from compare.analysis import Corpus

    config = load_config(project_root())
    processed = Path(processed)
    out_dir = Path(out)
    selection = dict(province=province, provinces=provinces, years=years, themes=themes, doc_type=doc_type,
                     level=level, top_n=top_n)
    loaded: list = []

    def corpus():  # loaded once, after the checks that need no data: it checks the parameters, then renders
        if not loaded:
            loaded.append(Corpus.load(processed))
        return loaded[0]

    kind, params, target, source, name = plan_report(config, out=out_dir, selection=selection, name=name,
                                                     cross=cross, corpus=corpus)
    path = render_to(
        kind, params, target, source=source, name=name, reports_dir=out_dir, processed_dir=processed,
        model_version=index_mod.model_version(processed), tables=index_mod.tables_digest(processed),
        corpus=corpus(),
    )
    cleanup_staging(out_dir)
    index_mod.write_index(out_dir, processed_dir=processed, config_source=config.label)
    print(path)
    return 0
