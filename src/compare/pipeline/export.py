"""Executed report notebook -> self-contained HTML: no code, no prompts, no CDN scripts, the page's
own CJK font embedded (:func:`compare.presentation.fontembed.embed_cjk_font`).

The page layout is ``compare/templates/report.html.j2`` (an nbconvert ``lab`` template)."""
from __future__ import annotations

import logging
import threading

from compare.core.paths import PACKAGE_DIR
from compare.presentation import fontembed

log = logging.getLogger(__name__)

HTML_TEMPLATE_DIR = PACKAGE_DIR / "templates"
HTML_TEMPLATE_FILE = "report.html.j2"

#: idle HTMLExporters. Building one loads and compiles its Jinja templates (0.3-0.4 s), so exporters
#: are reused: a build rendering 30 reports compiles once per worker thread. An exporter is used by
#: one thread at a time (each conversion registers filters on it): taken from here, put back after.
_EXPORTERS: list = []
_EXPORTERS_LOCK = threading.Lock()


def _take_exporter():
    with _EXPORTERS_LOCK:
        if _EXPORTERS:
            return _EXPORTERS.pop()
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="lab",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        extra_template_paths=[str(HTML_TEMPLATE_DIR)],
        template_file=HTML_TEMPLATE_FILE,
        language_code="zh",
    )


def export_html(nb, *, title: str, embed_font: bool = True) -> str:
    """HTML of an executed notebook: no code cells' input, no In/Out prompts, no CDN scripts; with
    embed_font (the default), a subset of the project's CJK font covering the page's characters is
    embedded, so Chinese text shows on machines without a Chinese font."""
    exporter = _take_exporter()
    try:
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    finally:
        _EXPORTERS.append(exporter)
    return fontembed.embed_cjk_font(body) if embed_font else body


def strip_stderr(nb, name: str):
    """Remove stderr streams from the executed notebook (they are not for readers) and log them instead."""
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                text = "".join(out.get("text", "")).strip()
                if text:
                    log.warning("%s: stderr in cell %s: %s", name, cell.get("execution_count"), text[:500])
                continue
            kept.append(out)
        cell["outputs"] = kept
    return nb


def prepare_export() -> None:
    """Do the export's fixed costs ahead (an exporter with its templates compiled, the CJK font's
    localised-glyph map): render_report runs this in a thread while the kernel executes, when the
    parent process would otherwise wait."""
    exporter = _take_exporter()
    try:
        exporter.template  # noqa: B018 - loads and compiles the Jinja templates
    finally:
        _EXPORTERS.append(exporter)
    fontembed.warm_up()
