"""Executed report notebook -> self-contained HTML: no code, no prompts, no CDN scripts, the page's
own CJK font embedded (:func:`compare.presentation.fontembed.embed_cjk_font`).

The page layout is ``compare/templates/report.html.j2`` (an nbconvert ``lab`` template)."""
from __future__ import annotations

import logging
import re
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


#: the opening tags nbconvert's HTMLExporter makes keyboard-focusable (tabindex="0"): every output
#: area and cell input wrapper of the page (no input is shown, so these are the markdown cells)
_FOCUSABLE = re.compile(r'<div\s(?:[^>]*\s)?class="(?:[^"]*\s)?(?:jp-OutputArea-output|jp-Cell-inputWrapper)(?:\s[^"]*)?"[^>]*>')
_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt=)(?=[\s/>])")
MISSING_ALT = "No description has been provided for this image"


def focusable(html_text: str) -> str:
    """What nbconvert's HTMLExporter does after rendering its template, without its BeautifulSoup
    round trip of the whole page (0.4-0.7 s for a 3 MB report, more than the template itself): every
    output area and cell input wrapper gets ``tabindex="0"`` and an image without alt text nbconvert's
    stock alt text. The template's own markup is matched; plan text is escaped and cannot match."""

    def tab(m: re.Match) -> str:
        tag = m.group(0)
        return tag if "tabindex=" in tag else f'{tag[:-1]} tabindex="0">'

    return _IMG_WITHOUT_ALT.sub(f'<img alt="{MISSING_ALT}"', _FOCUSABLE.sub(tab, html_text))


_EXPORTER_CLASS = None


def _exporter_class():
    """nbconvert's HTMLExporter with :func:`focusable` instead of its BeautifulSoup pass."""
    global _EXPORTER_CLASS
    if _EXPORTER_CLASS is None:
        from compare.pipeline.kernel import import_jupyter

        import_jupyter("nbconvert", "nbconvert.exporters.templateexporter", "nbconvert.filters.highlight",
                       "nbconvert.filters.widgetsdatatypefilter")
        from nbconvert import HTMLExporter
        from nbconvert.exporters.templateexporter import TemplateExporter
        from nbconvert.filters.highlight import Highlight2HTML
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

        class ReportExporter(HTMLExporter):
            def from_notebook_node(self, nb, resources=None, **kw):
                langinfo = nb.metadata.get("language_info", {})
                lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
                self.register_filter("highlight_code", self.filters.get(
                    "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
                resources = self._init_resources(resources)
                self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                    notebook_metadata=self._nb_metadata, parent=self, resources=resources))
                body, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
                return focusable(body), resources

        _EXPORTER_CLASS = ReportExporter
    return _EXPORTER_CLASS


def _take_exporter():
    with _EXPORTERS_LOCK:
        if _EXPORTERS:
            return _EXPORTERS.pop()
    return _exporter_class()(
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
