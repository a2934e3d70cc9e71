"""What is in ``reports/``: one record per report, stale reports moved aside, and ``reports/index.html``.

Every report written through :mod:`compare.pipeline.named` (the build's, the named reports of
kexie.toml and ad hoc custom ones) gets a small JSON record beside it, ``.<file>.json``: where it came
from (``build``, ``named``, ``custom``), its kind and parameters, the theme model version, the
generation time, its status (``ok``, ``failed``, ``stale``) and the digest of the tables it was made
from. :func:`write_index` turns the records into ``reports/index.html``: every report with its
parameters, model version, generation time and status; failed and stale reports are marked, and a
report whose tables have changed since it was rendered is marked outdated. The page is escaped,
written atomically, and byte-identical for the same records apart from the times it shows (it is
not rewritten when nothing but its own generation time would change).
"""
from __future__ import annotations

import html
import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from compare.core.hashing import _sha256_json, sha256_file, table_hashes
from compare.core.io import atomic_write_text

log = logging.getLogger(__name__)

INDEX_FILE = "index.html"
STALE_DIR = "_stale"
CUSTOM_DIR = "custom"
SOURCES = ("build", "named", "custom")
_SOURCE_LABEL = {"build": "构建 build", "named": "命名 named", "custom": "自定义 custom"}
_STATUS_LABEL = {"ok": "正常 ok", "failed": "失败 failed", "stale": "已移除 stale", "outdated": "数据已更新 outdated",
                 "unknown": "未知 unknown"}
_KIND_LABEL = {"province": "省份报告", "cross": "跨省比较"}


@dataclass
class ReportRecord:
    """The sidecar record of one report file (path relative to the reports directory)."""

    file: str
    source: str  # build | named | custom
    kind: str  # province | cross
    name: str  # the build's step name, the [[reports]] name, or the custom file stem
    parameters: dict[str, Any] = field(default_factory=dict)
    status: str = "ok"  # ok | failed | stale
    generated: str | None = None  # when the HTML on disk was written (local ISO time)
    model_version: str | None = None
    tables: str | None = None  # digest of the processed tables the HTML was made from
    message: str = ""  # why it failed or went stale
    updated: str | None = None  # when this record last changed

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReportRecord:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def meta_path(report: Path) -> Path:
    """The record of a report file: ``.<file name>.json`` beside it."""
    return report.with_name(f".{report.name}.json")


def read_record(report: Path) -> ReportRecord | None:
    path = meta_path(report)
    if not path.is_file():
        return None
    try:
        return ReportRecord.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError) as exc:
        log.warning("ignoring unreadable report record %s: %s", path, exc)
        return None


def write_record(report: Path, record: ReportRecord) -> None:
    text = json.dumps(asdict(record), ensure_ascii=False, sort_keys=True, indent=1) + "\n"
    atomic_write_text(meta_path(report), text)


def tables_digest(processed_dir: str | Path) -> str:
    """One digest of the processed tables a report is made from (all but `intake`, the file report)."""
    return _sha256_json({k: v for k, v in table_hashes(processed_dir).items() if k != "intake"})[:16]


def model_version(processed_dir: str | Path) -> str | None:
    """The theme model version(s) of item_themes (its ``model_version`` column), None before it exists.
    Kept in ``<cache>/model-versions.json`` per item_themes file, so a build that changed nothing reads
    no table (and imports no pyarrow) to write the index."""
    path = Path(processed_dir) / "item_themes.parquet"
    if not path.is_file():
        return None
    from compare.core.paths import cache_dir
    from compare.pipeline.inputs import _remembered

    try:
        key = sha256_file(path)
    except OSError:
        return None
    return _remembered(cache_dir() / MODEL_VERSIONS_FILE, key, lambda: _read_model_version(path))


MODEL_VERSIONS_FILE = "model-versions.json"


def _read_model_version(path: Path) -> str | None:
    import pyarrow.parquet as pq

    try:
        if "model_version" not in pq.read_schema(path).names:
            return None
        values = pq.read_table(path, columns=["model_version"]).column(0).unique().to_pylist()
    except Exception as exc:  # noqa: BLE001 - an unreadable table is reported by the step that reads it
        log.debug("no model version from %s: %s", path, exc)
        return None
    versions = sorted(str(v) for v in values if v is not None)
    return "、".join(versions) if versions else None


# --------------------------------------------------------------------------------------------------
# stale reports
# --------------------------------------------------------------------------------------------------


def move_to_stale(path: Path, reason: str, *, when: str, reports_dir: Path | None = None) -> Path:
    """Move an output (and its record) to ``<its directory>/_stale/``, replacing an older stale copy;
    the record (of a report under reports_dir) says why. Returns the new path."""
    target = path.parent / STALE_DIR / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    record = read_record(path)
    os.replace(path, target)
    meta_path(path).unlink(missing_ok=True)
    if reports_dir is not None and path.suffix == ".html":
        if record is None:
            kind = "cross" if path.stem.startswith("cross") else "province"
            record = ReportRecord(file="", source="build", kind=kind, name=path.stem)
        record.file = target.relative_to(reports_dir).as_posix()
        record.status, record.message, record.updated = "stale", reason, when
        write_record(target, record)
    return target


# --------------------------------------------------------------------------------------------------
# the index page
# --------------------------------------------------------------------------------------------------


def report_files(reports_dir: Path) -> list[Path]:
    """Every report (HTML or record of a report that never rendered) under reports_dir, excluding the index."""
    found: dict[Path, None] = {}
    for sub in ("", CUSTOM_DIR, STALE_DIR, f"{CUSTOM_DIR}/{STALE_DIR}"):
        d = reports_dir / sub if sub else reports_dir
        if not d.is_dir():
            continue
        for p in sorted(d.iterdir()):
            if p.is_file() and p.suffix == ".html" and not p.name.startswith(".") and not (sub == "" and p.name == INDEX_FILE):
                found[p] = None
            elif p.is_file() and p.name.startswith(".") and p.name.endswith(".html.json"):
                found[p.with_name(p.name[1:-5])] = None
    return sorted(found, key=lambda p: p.relative_to(reports_dir).as_posix())


def _records(reports_dir: Path, current_tables: str | None) -> list[tuple[ReportRecord, bool, str]]:
    """(record, html exists, shown status) for every report, in display order."""
    rows = []
    for path in report_files(reports_dir):
        rel = path.relative_to(reports_dir).as_posix()
        record = read_record(path)
        if record is None:
            record = ReportRecord(file=rel, source=CUSTOM_DIR if rel.startswith(f"{CUSTOM_DIR}/") else "build",
                                  kind="cross" if path.stem.startswith("cross") else "province", name=path.stem,
                                  status="unknown", message="no record (written by an older version or by hand)")
        record.file = rel
        if not path.is_file() and record.status != "failed":
            continue  # its HTML was deleted (by hand, `make clean`): nothing to list
        status = record.status
        if status == "ok" and current_tables and record.tables and record.tables != current_tables:
            status = "outdated"
        rows.append((record, path.is_file(), status))
    order = {s: i for i, s in enumerate(SOURCES)}
    rows.sort(key=lambda r: (r[0].status == "stale", order.get(r[0].source, 9), r[0].file))
    return rows


def _fmt(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "、".join(map(str, value))
    return str(value)


def _parameters_text(parameters: Mapping[str, Any]) -> str:
    shown = {k: v for k, v in parameters.items() if k != "processed_dir" and v is not None}
    return "; ".join(f"{k} = {_fmt(v)}" for k, v in sorted(shown.items())) or "（默认）"


# the last named family is the page's own subset of the project's CJK font (embedded by write_index, as
# the reports embed theirs): a reader without a Chinese font still sees every character
_STYLE = """
/* kx-embedded-cjk-font-face */
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei","kx-embedded-cjk",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.35em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}tr.failed td{background:#fdecea}tr.stale td,tr.outdated td{background:#fff8e1}
.msg{color:#8a1c1c;font-size:.9em}.meta{color:#555;font-size:.9em}
""".strip()


def render_index(reports_dir: Path, *, current_tables: str | None = None, current_model: str | None = None,
                 config_source: str = "", generated: str = "") -> tuple[str, str]:
    """The index page and the digest of everything on it except its own generation time."""
    rows = []
    for record, exists, status in _records(reports_dir, current_tables):
        name = html.escape(record.file)
        link = f'<a href="{html.escape(record.file, quote=True)}">{name}</a>' if exists else f"{name}（无文件 no file）"
        label = _STATUS_LABEL.get(status, status)
        detail = ""
        if record.message:
            detail = f'<div class="msg">{html.escape(record.message)}</div>'
        if status == "failed" and exists:
            detail += '<div class="meta">显示的是上次成功生成的版本 (the last good version is shown)</div>'
        if status == "outdated":
            detail += '<div class="meta">数据表在生成后已变化，请重新生成 (tables changed since it was rendered)</div>'
        cells = [
            link,
            html.escape(_SOURCE_LABEL.get(record.source, record.source)),
            html.escape(_KIND_LABEL.get(record.kind, record.kind)),
            html.escape(_parameters_text(record.parameters)),
            html.escape(record.model_version or "—"),
            html.escape(record.generated or "—"),
            html.escape(label) + detail,
        ]
        rows.append(f'<tr class="{html.escape(status, quote=True)}">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("报告 report", "来源 source", "类型 kind", "参数 parameters",
                                               "主题模型版本 model", "生成时间 generated", "状态 status"))
    n_failed = sum('class="failed"' in r for r in rows)
    n_stale = sum('class="stale"' in r for r in rows)
    summary = f"{len(rows)} 份报告 reports；{n_failed} 份失败 failed；{n_stale} 份已移除 stale"
    body = (
        f'<p class="meta">{html.escape(summary)}。当前主题模型 current model: {html.escape(current_model or "—")}；'
        f"配置 configuration: {html.escape(config_source or '—')}。</p>\n"
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>\n"
    )
    digest = _sha256_json(body)[:16]
    page = (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
        f'<meta name="kexie-index" content="{digest}">\n'
        "<title>报告索引 · kexie-compare</title>\n"
        f"<style>\n{_STYLE}\n</style>\n</head>\n<body>\n<h1>报告索引 Reports</h1>\n"
        f'<p class="meta">生成时间 generated: {html.escape(generated)}</p>\n' + body + "</body>\n</html>\n"
    )
    return page, digest


_DIGEST = re.compile(r'<meta name="kexie-index" content="([0-9a-f]+)">')


def write_index(reports_dir: str | Path, *, processed_dir: str | Path | None = None, config_source: str = "",
                when: str = "") -> Path | None:
    """Write ``<reports_dir>/index.html`` (atomically); unchanged content is not rewritten. Returns the
    path when it was written."""
    from compare.pipeline.buildstate import now_iso

    reports_dir = Path(reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    current_tables = tables_digest(processed_dir) if processed_dir is not None else None
    current_model = model_version(processed_dir) if processed_dir is not None else None
    page, digest = render_index(reports_dir, current_tables=current_tables, current_model=current_model,
                                config_source=config_source, generated=when or now_iso())
    path = reports_dir / INDEX_FILE
    if path.is_file():
        m = _DIGEST.search(path.read_text(encoding="utf-8", errors="replace")[:2000])
        if m and m.group(1) == digest:
            return None
    from compare.presentation.fontembed import embed_cjk_font

    atomic_write_text(path, embed_cjk_font(page))
    return path
