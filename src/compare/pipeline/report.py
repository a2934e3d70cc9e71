"""Report notebooks -> executed, code-free HTML; plus the display helpers the notebooks call.

A report is a papermill template in ``notebooks/reports/`` (province_report.ipynb, cross_province.ipynb).
:func:`render_report` is the short orchestrator, in the spirit of papermill's execute.py::

    check the kernel  ->  validate the parameters against the corpus  ->  execute (papermill)
    ->  export HTML without code or prompts (nbconvert)  ->  write it atomically

A failed execution raises :class:`compare.core.errors.ReportError` naming the notebook and the failing
cell's error; the executed notebook is kept in ``<out_dir>/_failed/<name>.ipynb`` and the last good
HTML is left untouched.

Escaping: every piece of document text reaches the HTML through pandas' ``to_html`` (escapes) or
:func:`html.escape` in the helpers below; nothing from a plan is ever inserted as raw HTML.

Fonts: a report is self-contained for Chinese text. :func:`export_html` collects the characters of
the page's visible text, subsets the project's CJK font (:func:`compare.presentation.fonts.cjk_font_info`, the
font the charts use) to those characters plus ASCII and common punctuation, and embeds it as a base64
WOFF ``@font-face`` that is the last named entry of the template's font stack: readers with an
installed Chinese font (Noto Sans CJK SC, PingFang SC, Microsoft YaHei, ...) use theirs, everyone
else gets the embedded one. On the seeds: 340-980 characters per report, a 60-190 KB WOFF (80-250 KB
of base64 in the page), 0.5-0.9 s of subsetting, skipped when the same characters were subset before
(the last 64 subsets are kept in ``<cache_dir>/font-subsets/``).

Reports carry their provenance in a header block (:func:`header`): the parameter values, the sha256
of every processed table and raw file, the code version (package version + sha256 of the package
sources) and the generation time. The generation time makes two renderings of the same inputs differ
byte-wise; set ``SOURCE_DATE_EPOCH`` for reproducible output. The build decides what to redo from
input hashes, never from the HTML bytes, so this does not defeat incremental builds.
"""
from __future__ import annotations

import base64
import contextlib
import datetime as _dt
import functools
import hashlib
import html
import io as _io
import json
import logging
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from compare import __version__
from compare.core.errors import ParameterError, ReportError
from compare.core.io import atomic_write_bytes, atomic_write_text
from compare.core.paths import PACKAGE_DIR, project_root

log = logging.getLogger(__name__)

KINDS: dict[str, str] = {"province": "province_report.ipynb", "cross": "cross_province.ipynb"}
TEMPLATES_DIR = Path("notebooks") / "reports"
DEFAULT_KERNEL = "kexie-compare"
FAILED_DIR = "_failed"
SOURCE_LINE = "数据来源：各省科协工作要点"
HTML_TEMPLATE_DIR = PACKAGE_DIR / "templates"
HTML_TEMPLATE_FILE = "report.html.j2"


# --------------------------------------------------------------------------------------------------
# names and templates
# --------------------------------------------------------------------------------------------------


def template_path(kind: str) -> Path:
    """The notebook template of a report kind (``province`` or ``cross``), inside the project."""
    if kind not in KINDS:
        raise ParameterError(f"unknown report kind {kind!r}; choose from {sorted(KINDS)}")
    path = project_root() / TEMPLATES_DIR / KINDS[kind]
    if not path.is_file():
        raise ReportError(f"report template {path} is missing: is the project checkout complete?")
    return path


def province_pinyin(province: str) -> str:
    """Pinyin of a province for file names (河南 -> henan), from compare.ingest.provinces."""
    from compare.ingest.provinces import PROVINCES, canonical_province

    short = canonical_province(province) or province
    for p in PROVINCES:
        if p.short == short:
            return p.pinyin
    raise ParameterError(f"no pinyin known for province {province!r}; known: {'、'.join(p.short for p in PROVINCES)}")


def report_name(kind: str, parameters: Mapping[str, Any]) -> str:
    """File stem of a report: ``province_<pinyin>`` or ``cross_province``."""
    if kind == "province":
        if not parameters.get("province"):
            raise ParameterError("a province report needs parameters['province'], e.g. 河南")
        return f"province_{province_pinyin(str(parameters['province']))}"
    if kind == "cross":
        return "cross_province"
    raise ParameterError(f"unknown report kind {kind!r}; choose from {sorted(KINDS)}")


def check_kernel(kernel_name: str) -> None:
    """Raise ReportError with the fix when the Jupyter kernel is not installed."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(kernel_name)
    except NoSuchKernel:
        raise ReportError(
            f"the Jupyter kernel {kernel_name!r} is not installed: run `make install` "
            f"(it runs `python -m ipykernel install --sys-prefix --name {kernel_name}`)"
        ) from None


def template_parameters(template: Path) -> dict[str, dict[str, str]]:
    """The parameters declared in a template's `parameters` cell, in order:
    name -> {"type": annotation, "default": source of the default, "help": the line's comment}.

    Parsed with ast (papermill's own inspector does not understand annotations such as ``list[int] | None``)."""
    import ast

    import nbformat

    nb = nbformat.read(template, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])]
    if not cells:
        raise ReportError(f"{template} has no cell tagged `parameters`")
    source = cells[0].source
    lines = source.splitlines()
    out: dict[str, dict[str, str]] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            line = lines[node.lineno - 1]
            out[node.target.id] = {
                "type": ast.get_source_segment(source, node.annotation) or "",
                "default": ast.get_source_segment(source, node.value) if node.value is not None else "",
                "help": line.split("#", 1)[1].strip() if "#" in line else "",
            }
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    out[t.id] = {"type": "", "default": ast.get_source_segment(source, node.value) or "", "help": ""}
    return out


# --------------------------------------------------------------------------------------------------
# parameter validation (before any work)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """Validated, canonical report parameters: provinces, years and themes, with defaults filled in."""

    provinces: tuple[str, ...]
    years: tuple[int, ...]
    themes: tuple[str, ...]

    @property
    def province(self) -> str:
        if len(self.provinces) != 1:
            raise ParameterError(f"expected one province, the selection has {list(self.provinces)}")
        return self.provinces[0]


def select(
    corpus,
    *,
    province: str | None = None,
    provinces: Sequence[str] | None = None,
    years: Sequence[int] | int | None = None,
    year: int | None = None,
    themes: Sequence[str] | str | None = None,
) -> Selection:
    """Validate report parameters against the corpus and fill in the defaults (None = everything).

    Calls :func:`compare.analysis.validate_selection`, which canonicalises province names (河南省 / 豫 ->
    河南) and raises ParameterError listing the known values for an unknown province, theme or a year
    not in the corpus. `year` (one year) is the cross-province report's spelling of `years`."""
    from compare.analysis import validate_selection

    if province is not None and provinces is not None:
        raise ParameterError("give either province or provinces, not both")
    if year is not None and years is not None:
        raise ParameterError("give either year or years, not both")
    if province is not None and not str(province).strip():
        raise ParameterError(f"province is empty; known provinces: {'、'.join(corpus.provinces)}")
    v = validate_selection(
        corpus, province=province, provinces=provinces, years=year if year is not None else years, themes=themes
    )
    docs = corpus.documents
    if v["province"] is not None:
        provs = (v["province"],)
    else:
        provs = tuple(v["provinces"]) if v["provinces"] else tuple(corpus.provinces)
    have = sorted(int(y) for y in docs.loc[docs["province"].isin(provs), "year"].unique())
    if v["years"]:
        missing = [y for y in v["years"] if y not in have]
        if missing:
            raise ParameterError(
                f"{'、'.join(provs)} has no plan for {'、'.join(map(str, missing))}; "
                f"its years: {'、'.join(map(str, have))}"
            )
    theme_list = v["themes"]
    return Selection(
        provinces=provs,
        years=tuple(v["years"]) if v["years"] else tuple(have),
        themes=tuple(t for t in corpus.themes if t in theme_list) if theme_list else tuple(corpus.themes),
    )


def resolve_parameters(kind: str, parameters: Mapping[str, Any], corpus, *, template: Path | None = None) -> dict:
    """Check report parameters before executing anything: known names only, values valid for the corpus.

    Returns the parameters with canonical province names (河南省 -> 河南)."""
    template = template or template_path(kind)
    declared = template_parameters(template)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ParameterError(
            f"{template.name} has no parameter(s) {unknown}; its parameters are {', '.join(declared)}"
        )
    out = dict(parameters)
    if kind == "province":
        sel = select(
            corpus, province=parameters.get("province"), years=parameters.get("years"), themes=parameters.get("themes")
        )
        out["province"] = sel.province
    else:
        sel = select(
            corpus, provinces=parameters.get("provinces"), year=parameters.get("year"), themes=parameters.get("themes")
        )
        if parameters.get("provinces") is not None:
            out["provinces"] = list(sel.provinces)
    top_n = out.get("top_n", 1)
    if isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1:
        raise ParameterError(f"top_n must be a positive integer, not {out['top_n']!r}")
    return out


# --------------------------------------------------------------------------------------------------
# rendering
# --------------------------------------------------------------------------------------------------


def _cell_error(exc) -> str:
    """'cell [N] `first line of the cell`: ErrorName: message' for a papermill execution error."""
    lines = [ln for ln in str(exc.source or "").splitlines() if ln.strip()]
    code = f" `{lines[0].strip()[:80]}`" if lines else ""
    evalue = str(exc.evalue).strip().splitlines()
    return f"cell [{exc.exec_count}]{code}: {exc.ename}: {evalue[0] if evalue else ''}".rstrip(": ")


def _strip_stderr(nb, name: str):
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


def export_html(nb, *, title: str, embed_font: bool = True) -> str:
    """HTML of an executed notebook: no code cells' input, no In/Out prompts, no CDN scripts; with
    embed_font (the default), a subset of the project's CJK font covering the page's characters is
    embedded (:func:`embed_cjk_font`), so Chinese text shows on machines without a Chinese font."""
    exporter = _take_exporter()
    try:
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    finally:
        _EXPORTERS.append(exporter)
    return embed_cjk_font(body) if embed_font else body


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


def prepare_export() -> None:
    """Do the export's fixed costs ahead (an exporter with its templates compiled, the CJK font's
    localised-glyph map): render_report runs this in a thread while the kernel executes, when the
    parent process would otherwise wait."""
    exporter = _take_exporter()
    try:
        exporter.template  # noqa: B018 - loads and compiles the Jinja templates
    finally:
        _EXPORTERS.append(exporter)
    from compare.presentation.fonts import cjk_font_info

    font = cjk_font_info()
    st = Path(font.path).stat()
    _localised_glyphs(str(font.path), font.face_index, st.st_size, st.st_mtime_ns)


# --------------------------------------------------------------------------------------------------
# the page's own CJK font: a subset embedded as a base64 @font-face
# --------------------------------------------------------------------------------------------------

#: The CSS family name of the embedded subset, the last named entry of the template's font stack.
EMBEDDED_FONT_FAMILY = "kx-embedded-cjk"
#: The comment in the template's <style> that :func:`embed_cjk_font` replaces with the @font-face rule.
FONT_FACE_MARKER = "/* kx-embedded-cjk-font-face */"
#: Always in the subset besides the page's own characters: printable ASCII and common Chinese punctuation.
BASE_CHARS = "".join(map(chr, range(0x20, 0x7F))) + "，。、；：？！“”‘’（）《》〈〉【】「」『』〔〕—–…·～％＋－＝×÷°　"
#: The OpenType language whose localised forms are baked into the subset's character map: the plans are
#: Simplified Chinese, so e.g. ，。 sit in the lower left as in mainland typesetting even when the
#: project's font is a Traditional-Chinese cut (the packaged NotoSansCJKtc centres them).
LOCL_LANGUAGE = "ZHS "
SUBSET_CACHE_DIR = "font-subsets"  # under compare.core.paths.cache_dir()
SUBSET_CACHE_KEEP = 64  # most recently used subsets kept on disk
_SUBSET_FORMAT = 2  # part of the cache key: bump when the subsetting below changes


class _PageText(HTMLParser):
    """Text nodes outside <style>/<script>/<template>, plus the attributes a reader may see."""

    HIDDEN = frozenset({"style", "script", "template"})
    SHOWN_ATTRIBUTES = frozenset({"alt", "title", "aria-label", "placeholder"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self._hidden += 1
        self.parts.extend(v for k, v in attrs if k in self.SHOWN_ATTRIBUTES and v)

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def page_text(html_text: str) -> str:
    """The text a reader of an HTML page can see, entities decoded: text outside <style>/<script>
    (the <title> included) and alt/title/aria-label/placeholder attributes. Markup, CSS and embedded
    images (data: URLs) are left out."""
    parser = _PageText()
    parser.feed(html_text)
    parser.close()
    return "".join(parser.parts)


@functools.lru_cache(maxsize=8)
def _localised_glyphs(path: str, face_index: int, size: int, mtime_ns: int) -> dict[str, str]:
    """glyph -> localised glyph of the font's `locl` single substitutions for LOCL_LANGUAGE (any script).

    Reading GSUB of a full CJK font takes ~0.3 s, so the map is kept per process (keyed by the file's
    size and mtime as well, so a replaced font is read again)."""
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True, fontNumber=face_index) as font:
        if "GSUB" not in font:
            return {}
        gsub = font["GSUB"].table
        if not gsub.ScriptList or not gsub.FeatureList or not gsub.LookupList:
            return {}
        lookups: list[int] = []
        for script in gsub.ScriptList.ScriptRecord:
            for lang in script.Script.LangSysRecord:
                if lang.LangSysTag != LOCL_LANGUAGE:
                    continue
                for fi in lang.LangSys.FeatureIndex:
                    record = gsub.FeatureList.FeatureRecord[fi]
                    if record.FeatureTag == "locl":
                        lookups += [i for i in record.Feature.LookupListIndex if i not in lookups]
        mapping: dict[str, str] = {}
        for i in lookups:
            lookup = gsub.LookupList.Lookup[i]
            for sub in lookup.SubTable:
                kind = lookup.LookupType
                if kind == 7:  # an extension lookup wrapping the real one
                    kind, sub = sub.ExtensionLookupType, sub.ExtSubTable
                if kind == 1:  # single substitution
                    for glyph, target in sub.mapping.items():
                        mapping.setdefault(glyph, target)
        return mapping


def _subset_cache_key(font, text: str) -> str:
    import fontTools

    st = Path(font.path).stat()
    ident = [_SUBSET_FORMAT, fontTools.version, str(Path(font.path).resolve()), font.face_index, st.st_size,
             st.st_mtime_ns, text]
    return hashlib.sha256(json.dumps(ident, ensure_ascii=False).encode("utf-8")).hexdigest()


def _read_cached_subset(path: Path) -> bytes | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:  # never written, or pruned by a concurrent build
        return None
    if not data.startswith(b"wOFF"):
        log.warning("ignoring damaged cached font subset %s", path)
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: pruned last
    return data


def _prune_cache(directory: Path, pattern: str, keep: int) -> None:
    """Keep the `keep` most recently used files matching pattern in a cache directory."""
    entries = []
    for p in directory.glob(pattern):
        with contextlib.suppress(FileNotFoundError):  # another process pruned it first
            entries.append((p.stat().st_mtime_ns, p.name, p))
    for _, _, old in sorted(entries, reverse=True)[keep:]:
        old.unlink(missing_ok=True)


def _store_subset(path: Path, data: bytes) -> None:
    atomic_write_bytes(path, data)
    _prune_cache(path.parent, "*.woff", SUBSET_CACHE_KEEP)


#: Name of a subset whose source font reserves its name (OFL Reserved Font Name): a subset is a
#: Modified Version, which may not carry the reserved name.
RENAMED_FAMILY = "KX Embedded CJK"
_RENAMED_PS = "KXEmbeddedCJK-Regular"
_FONT_NAME_IDS = (1, 3, 4, 6, 16, 18, 20, 21, 25)  # records that name the font (not copyright/licence notices)
_RFN_CLAUSE = re.compile(r"Reserved\s+Font\s+Names?\s*:?\s*(.+?)(?:\.(?:\s|$)|$)", re.IGNORECASE | re.DOTALL)
_QUOTED = re.compile(r"[\"'‘“]([^\"'’”]+)[\"'’”]")


def reserved_font_names(tt) -> list[str]:
    """The OFL Reserved Font Names a font declares in its copyright or licence records (e.g. Source Han
    Sans: "… with Reserved Font Name 'Source'."); [] for most fonts, the packaged Noto Sans CJK included."""
    found: list[str] = []
    for record in tt["name"].names if "name" in tt else ():
        if record.nameID in (0, 13):
            for clause in _RFN_CLAUSE.findall(record.toUnicode()):
                found += [n.strip() for n in _QUOTED.findall(clause) if n.strip() and n.strip() not in found]
    return found


def rename_reserved(tt) -> bool:
    """Give a subset a neutral name (RENAMED_FAMILY) when a name record of the font uses one of its
    Reserved Font Names; copyright, trademark and licence records stay as they are. True if renamed."""
    reserved = [r.lower() for r in reserved_font_names(tt)]
    records = [r for r in tt["name"].names if r.nameID in _FONT_NAME_IDS]
    if not reserved or not any(rfn in r.toUnicode().lower() for r in records for rfn in reserved):
        return False
    old_ps = tt["name"].getDebugName(6) or ""
    new = {1: RENAMED_FAMILY, 3: f"kexie-compare:{_RENAMED_PS}", 4: f"{RENAMED_FAMILY} Regular", 6: _RENAMED_PS,
           16: RENAMED_FAMILY, 18: f"{RENAMED_FAMILY} Regular", 20: _RENAMED_PS, 21: RENAMED_FAMILY,
           25: _RENAMED_PS.split("-")[0]}
    for record in records:
        record.string = new[record.nameID]
    if "CFF " in tt:  # the CFF table names the font too
        cff = tt["CFF "].cff
        cff.fontNames = [_RENAMED_PS for _ in cff.fontNames]
        top = cff.topDictIndex[0]
        if hasattr(top, "FullName"):
            top.FullName = f"{RENAMED_FAMILY} Regular"
        if hasattr(top, "FamilyName"):
            top.FamilyName = RENAMED_FAMILY
        for fd in getattr(top, "FDArray", None) or ():  # CID-keyed: one per glyph group, "<PS name>-Ideographs"
            name = getattr(fd, "FontName", None)
            if name:
                fd.FontName = _RENAMED_PS + (name[len(old_ps):] if old_ps and name.startswith(old_ps) else "")
    return True


def subset_cjk_font(chars: str, *, font=None, cache: bool = True) -> bytes:
    """A WOFF (zlib) subset of the project's CJK font holding exactly `chars` plus :data:`BASE_CHARS`.

    font: a :class:`compare.presentation.fonts.CJKFont` (default: :func:`compare.presentation.fonts.cjk_font_info`, the font the
    charts use). The Simplified-Chinese forms (`locl` for ZHS) are baked into the character map and the
    layout tables dropped, so the subset shows mainland forms in any browser. Every English name record
    is kept (copyright, licence and its URL included: the OFL asks copies to carry them) and the
    font keeps its own name, unless its licence reserves that name (an OFL Reserved Font Name, e.g.
    'Source' in Source Han Sans): a subset is a Modified Version, so it is then renamed
    (:func:`rename_reserved`). The packaged Noto Sans CJK reserves no name. Deterministic: the same characters give
    the same bytes (no timestamp is recalculated). With cache, results are kept in
    ``<cache_dir>/font-subsets/`` keyed by font file and characters (the last 64 used)."""
    import unicodedata

    from fontTools import subset as ft_subset

    from compare.presentation.fonts import cjk_font_info
    from compare.core.paths import cache_dir

    quiet = logging.getLogger("fontTools")
    if quiet.level == logging.NOTSET:  # its per-table INFO lines are noise in a report build; warnings still show
        quiet.setLevel(logging.WARNING)
    font = font or cjk_font_info()
    wanted = "".join(sorted({c for c in chars + BASE_CHARS if unicodedata.category(c) not in ("Cc", "Cs")}))
    cached = None
    if cache:
        cached = cache_dir() / SUBSET_CACHE_DIR / f"{_subset_cache_key(font, wanted)}.woff"
        data = _read_cached_subset(cached)
        if data is not None:
            return data

    options = ft_subset.Options(
        layout_features=[],
        name_IDs=["*"],
        name_languages=[0x0409],
        drop_tables=[*ft_subset.Options().drop_tables, "GSUB", "GPOS", "vhea", "vmtx", "VORG"],
        recalc_timestamp=False,  # head.modified stays the font's own: same input, same bytes
        recalc_bounds=False,  # the full font's bounds still bound the subset; recomputing costs seconds
        font_number=font.face_index,
    )
    options.flavor = "woff"
    st = Path(font.path).stat()
    localised = _localised_glyphs(str(font.path), font.face_index, st.st_size, st.st_mtime_ns)
    tt = ft_subset.load_font(str(font.path), options, dontLoadGlyphNames=True)
    try:
        codepoints = [ord(c) for c in wanted]
        best = tt.getBestCmap()
        missing = [c for c in wanted if ord(c) not in best and not c.isspace() and unicodedata.category(c) != "Cf"]
        if missing:
            log.warning("the CJK font %s has no glyph for %s; browsers will fall back to other fonts for them",
                        Path(font.path).name, " ".join(f"{c} (U+{ord(c):04X})" for c in missing))
        for table in tt["cmap"].tables:
            if table.isUnicode() and table.format != 14:
                for cp in codepoints:
                    glyph = table.cmap.get(cp)
                    if glyph in localised:
                        table.cmap[cp] = localised[glyph]
        subsetter = ft_subset.Subsetter(options)
        subsetter.populate(unicodes=codepoints)
        subsetter.subset(tt)
        if rename_reserved(tt):
            log.info("the subset of %s is named %r: its licence reserves the font's name for unmodified copies",
                     Path(font.path).name, RENAMED_FAMILY)
        buf = _io.BytesIO()
        ft_subset.save_font(tt, buf, options)
    finally:
        tt.close()
    data = buf.getvalue()
    if cached is not None:
        _store_subset(cached, data)
    return data


def font_face_css(woff: bytes, *, comment: str = "") -> str:
    """The @font-face rule declaring woff (a WOFF font) as EMBEDDED_FONT_FAMILY, base64 in a data: URL."""
    note = f"/* {comment.replace('*/', '* /')} */\n" if comment else ""
    data = base64.b64encode(woff).decode("ascii")
    return (
        f'{note}@font-face {{\n  font-family: "{EMBEDDED_FONT_FAMILY}";\n  font-style: normal;\n  font-weight: 400;\n'
        f'  src: url(data:font/woff;base64,{data}) format("woff");\n}}'
    )


def embed_cjk_font(html_text: str, *, font=None, cache: bool = True) -> str:
    """The page with a subset of the project's CJK font covering its visible text (:func:`page_text`)
    embedded in its <style>: the template's FONT_FACE_MARKER comment becomes the @font-face rule of
    EMBEDDED_FONT_FAMILY, the last named entry of the template's font stack."""
    from compare.presentation.fonts import cjk_font_info

    head_end = html_text.find("</head>")
    at = html_text.find(FONT_FACE_MARKER, 0, max(head_end, 0))
    if head_end < 0 or at < 0 or html_text.find(FONT_FACE_MARKER, at + 1, head_end) >= 0:
        raise ReportError(
            f"the HTML has no single {FONT_FACE_MARKER} marker in its <head>: "
            f"is {HTML_TEMPLATE_DIR / HTML_TEMPLATE_FILE} the project's template?"
        )
    font = font or cjk_font_info()
    chars = sorted(set(page_text(html_text)))
    started = time.perf_counter()
    woff = subset_cjk_font("".join(chars), font=font, cache=cache)
    log.debug("embedded a %d KB subset of %s for %d characters in %.2f s",
              len(woff) // 1024, Path(font.path).name, len(chars), time.perf_counter() - started)
    comment = (f"{EMBEDDED_FONT_FAMILY}: subset of {font.family} ({Path(font.path).name}) for this page's "
               "characters; its copyright and licence are in the font's name table")
    return html_text[:at] + font_face_css(woff, comment=comment) + html_text[at + len(FONT_FACE_MARKER):]


def render_report(
    kind: str = "province",
    *,
    parameters: Mapping[str, Any],
    processed_dir: str | Path,
    out_dir: str | Path,
    kernel_name: str = DEFAULT_KERNEL,
    timeout: int = 600,
    template: str | Path | None = None,
    progress_bar: bool | None = None,
    corpus=None,
) -> Path:
    """Execute a report template with papermill and write ``<out_dir>/<name>.html``; return its path.

    kind: "province" (parameters: province, years, themes, top_n) or "cross" (provinces, year, themes, top_n).
    Parameters are validated before any execution (ParameterError lists the known values). The kernel
    runs in the project root, so relative paths in the notebook work. timeout bounds each cell
    (seconds). template overrides the notebook (default: notebooks/reports/<kind>). progress_bar
    defaults to "stderr is a terminal". A failing cell raises ReportError; the executed notebook is
    kept in <out_dir>/_failed/<name>.ipynb and any previous HTML is left as it was. corpus: the
    corpus of processed_dir when the caller has it loaded already (the build renders many reports),
    used to validate the parameters; default: loaded here.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from compare.analysis import Corpus

    template = Path(template) if template is not None else template_path(kind)
    processed_dir = Path(processed_dir).resolve()
    out_dir = Path(out_dir)
    check_kernel(kernel_name)
    if corpus is None:
        corpus = Corpus.load(processed_dir)
    params = resolve_parameters(kind, parameters, corpus, template=template)
    params["processed_dir"] = str(processed_dir)
    name = report_name(kind, params)
    if progress_bar is None:
        progress_bar = sys.stderr.isatty()

    out_dir.mkdir(parents=True, exist_ok=True)
    failed_path = out_dir / FAILED_DIR / f"{name}.ipynb"
    # while the kernel starts and runs, this process would only wait: it computes what the kernel will
    # read from the comparisons cache (the province's keyness) and readies the HTML export
    steps = [prepare_export] if kind != "province" else [lambda: prepare_province(corpus, params), prepare_export]
    warm = threading.Thread(target=_quietly(*steps), name="kexie-prepare", daemon=True)
    warm.start()
    with tempfile.TemporaryDirectory(prefix=f"kexie-{name}-") as tmp:
        executed = Path(tmp) / f"{name}.ipynb"
        kernel_log = Path(tmp) / "kernel.log"
        try:
            nb = papermill.execute_notebook(
                str(template),
                str(executed),
                parameters=params,
                kernel_name=kernel_name,
                execution_timeout=timeout,
                progress_bar=progress_bar,
                log_output=False,
                request_save_on_cell_execute=False,
                # the kernel's working directory; papermill's own `cwd=` would chdir this whole process,
                # which is not safe when the build renders reports in threads
                resources={"metadata": {"path": str(project_root())}},
                config=_kernel_config(kernel_log),
            )
        except PapermillExecutionError as exc:
            _keep_aside(executed, kernel_log, failed_path)
            raise ReportError(
                f"{template.name} ({name}) failed at {_cell_error(exc)}; "
                f"the executed notebook is kept in {failed_path}"
            ) from exc
        except Exception as exc:  # kernel died, timeout, ...: same contract, keep what exists
            kept = _keep_aside(executed, kernel_log, failed_path)
            raise ReportError(
                f"{template.name} ({name}) could not be executed: {type(exc).__name__}: {exc}"
                + (f"; see {kept}" if kept else "")
            ) from exc
        if kernel_log.is_file() and kernel_log.stat().st_size:
            log.debug("%s: kernel output:\n%s", name, kernel_log.read_text(encoding="utf-8", errors="replace"))
        nb = _strip_stderr(nb, name)
        warm.join()
        body = export_html(nb, title=_title(kind, params))
    html_path = out_dir / f"{name}.html"
    atomic_write_text(html_path, body)
    failed_path.unlink(missing_ok=True)  # this report is good again
    failed_path.with_suffix(".kernel.log").unlink(missing_ok=True)
    log.debug("wrote %s", html_path)
    return html_path


def _quietly(*funcs):
    """The funcs, in turn, for a background thread: a failure is logged and the next one runs (these
    are head starts only: the kernel or the export redoes the work and raises what matters)."""

    def run() -> None:
        for func in funcs:
            try:
                func()
            except Exception as exc:  # logged, not swallowed; the real step reports its own error
                log.warning("preparing the report: %s: %s", type(exc).__name__, exc)

    return run


def prepare_province(corpus, params: Mapping[str, Any]) -> None:
    """Put the province report's one corpus-wide input, the province's keyness against the others,
    in the comparisons cache the kernel reads (:func:`province_keyness`, as the template calls it).
    render_report runs it while the kernel starts; a build has usually computed it already."""
    sel = select(corpus, province=params["province"], years=params.get("years"), themes=params.get("themes"))
    sub = corpus.select(provinces=[sel.province], years=sel.years)
    province_keyness(corpus, sub, top_n=1, compute=ComparisonCache(params["processed_dir"]))


def _kernel_config(kernel_log: Path):
    """nbclient/jupyter_client configuration for one report's kernel.

    The kernel process's own stdout/stderr (start-up notices, the "KeyboardInterrupt caught" that
    jupyter_client's shutdown interrupt can provoke) go to kernel_log instead of the build's log;
    cell output is captured in the notebook as usual. ZeroMQ traffic is encrypted (CurveZMQ) when
    pyzmq supports it."""
    import zmq
    from traitlets.config import Config

    km = {"kernel_log": str(kernel_log)}
    if zmq.has("curve"):
        km["transport_encryption"] = "auto"
    return Config({"NotebookClient": {"kernel_manager_class": _kernel_manager_class()}, "KernelManager": km})


_KM_CLASS = None


def _kernel_manager_class():
    """An AsyncKernelManager whose kernel writes its stdout/stderr to the `kernel_log` file."""
    global _KM_CLASS
    if _KM_CLASS is None:
        from jupyter_client.manager import AsyncKernelManager
        from traitlets import Unicode

        class LoggedKernelManager(AsyncKernelManager):
            kernel_log = Unicode("", config=True, help="file receiving the kernel process's stdout and stderr")

            async def _async_launch_kernel(self, kernel_cmd, **kw):
                if not self.kernel_log:
                    return await super()._async_launch_kernel(kernel_cmd, **kw)
                with open(self.kernel_log, "ab") as fh:
                    kw.setdefault("stdout", fh)
                    kw.setdefault("stderr", fh)
                    return await super()._async_launch_kernel(kernel_cmd, **kw)

        _KM_CLASS = LoggedKernelManager
    return _KM_CLASS


def _keep_aside(executed: Path, kernel_log: Path, failed_path: Path) -> Path | None:
    """Copy the executed notebook (and the kernel's own log, if any) to _failed/; return what was kept."""
    kept = None
    if kernel_log.is_file() and kernel_log.stat().st_size:
        kept = failed_path.with_suffix(".kernel.log")
        atomic_write_bytes(kept, kernel_log.read_bytes())
    if executed.is_file():
        kept = failed_path
        atomic_write_bytes(failed_path, executed.read_bytes())
    return kept


def _title(kind: str, params: Mapping[str, Any]) -> str:
    if kind == "province":
        return f"{params['province']}省科协工作要点分析"
    return "各省科协工作要点比较"


def cli_report(args) -> int:
    """`python -m compare report --province 河南 [--years 2019,2024] [--themes 科普,智库]` or `--cross`."""
    if not getattr(args, "verbose", False):
        logging.getLogger("papermill").setLevel(logging.WARNING)  # its per-run INFO lines are noise here
    if args.cross:
        kind = "cross"
        parameters: dict[str, Any] = {"top_n": args.top_n}
        if args.provinces:
            parameters["provinces"] = args.provinces
        if args.years:
            if len(args.years) != 1:
                raise ParameterError(f"the cross-province report compares one year or all, not {args.years}")
            parameters["year"] = args.years[0]
    else:
        kind = "province"
        parameters = {"province": args.province, "top_n": args.top_n}
        if args.years:
            parameters["years"] = args.years
        if args.provinces:
            raise ParameterError("--provinces is for the cross-province report (--cross)")
    if args.theme_names:
        parameters["themes"] = args.theme_names
    path = render_report(kind, parameters=parameters, processed_dir=args.processed, out_dir=args.out)
    print(path)
    return 0


# --------------------------------------------------------------------------------------------------
# display helpers for the notebooks (all text is escaped)
# --------------------------------------------------------------------------------------------------


class HTMLBlock:
    """A piece of HTML the notebook displays (``display(block)`` or as a cell's last expression)."""

    def __init__(self, html_text: str):
        self.html = html_text

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html


def generated_at() -> str:
    """Generation time: now, or $SOURCE_DATE_EPOCH (seconds, UTC) for reproducible output."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return _dt.datetime.fromtimestamp(int(epoch), tz=_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %z")


def _fmt_value(value: Any) -> str:
    if value is None:
        return "全部"
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value) if value else "（空）"
    return str(value)


def header(
    title: str,
    *,
    parameters: Mapping[str, Any],
    processed_dir: str | Path,
    selection: Selection | None = None,
    documents: pd.DataFrame | None = None,
) -> HTMLBlock:
    """The report's title and provenance: parameters, data version (sha256 of the processed tables and
    of each raw file behind the documents shown), code version and generation time."""
    from compare.core.hashing import code_version, table_hashes

    e = html.escape
    hashes = table_hashes(processed_dir)
    rows = [("参数", "；".join(f"{e(k)} = {e(_fmt_value(v))}" for k, v in parameters.items() if k != "processed_dir"))]
    if selection is not None:
        rows.append(
            (
                "实际范围",
                f"省份：{e('、'.join(selection.provinces))}；年份：{e('、'.join(map(str, selection.years)))}；"
                f"主题：{e('、'.join(selection.themes))}",
            )
        )
    rows.append(("数据版本", "<br>".join(f"{e(n)}.parquet sha256 <code>{e(h[:16])}</code>" for n, h in hashes.items())))
    if documents is not None and len(documents):
        files = documents[["source_file", "source_sha256"]].drop_duplicates().sort_values("source_file")
        rows.append(
            (
                "原始文件",
                "<br>".join(f"{e(str(f))} sha256 <code>{e(str(h)[:16])}</code>" for f, h in files.itertuples(index=False)),
            )
        )
    rows.append(("代码版本", f"kexie-compare {e(__version__)}，源码 sha256 <code>{e(code_version()[:16])}</code>"))
    rows.append(("生成时间", e(generated_at())))
    trs = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return HTMLBlock(
        f'<div class="kx-header"><h1>{e(title)}</h1><p class="kx-source">{e(SOURCE_LINE)}</p>'
        f'<table class="kx-meta">{trs}</table></div>'
    )


def heading(text: str, level: int = 2) -> HTMLBlock:
    """An escaped heading (for titles built from data, e.g. a theme or province name)."""
    level = min(max(int(level), 1), 6)
    return HTMLBlock(f"<h{level}>{html.escape(str(text))}</h{level}>")


def note(text: str) -> HTMLBlock:
    """An escaped explanatory paragraph."""
    return HTMLBlock(f'<p class="kx-note">{html.escape(str(text))}</p>')


def _cell_text(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    if hasattr(value, "tolist") and not isinstance(value, str):  # numpy arrays from list columns
        return "、".join(str(v) for v in value.tolist())
    return value


COLUMN_LABELS: dict[str, str] = {
    "doc_id": "文件编号", "province": "省份", "year": "年份", "doc_type": "文件类型", "title": "标题",
    "issuer": "发文单位", "issue_number": "文号", "issue_date": "印发日期", "n_items": "条目数",
    "source_file": "源文件", "item_id": "条目", "heading": "条目标题", "text": "内容", "departments": "责任部门",
    "theme": "主题", "share": "占比", "share_items": "占比（按条目）", "share_chars": "占比（按字数）",
    "delta": "较上一年变化", "group": "省份", "term": "词语", "freq_target": "本省频次",
    "freq_reference": "其他省频次", "statistic": "G²", "p_value": "p 值", "log_ratio": "Log Ratio", "rank": "排名",
    "from_year": "起始年份", "to_year": "对比年份", "change": "变化", "freq": "频次",
    "phrase": "表述", "kind": "类型", "count": "次数", "first_year": "首次使用年份",
    "first_province": "首次使用省份", "n_provinces": "使用省份数", "provinces": "使用省份（年份）",
    "unit": "单位", "n_targets": "目标数", "total_value": "合计", "value": "数值", "value_high": "上限", "qualifier": "限定词",
    "department": "责任部门", "label_a": "文件甲", "label_b": "文件乙", "cosine": "余弦相似度",
    "left": "上文", "keyword": "关键词", "right": "下文",
}
VALUE_LABELS: dict[str, dict[str, str]] = {
    "change": {"appears": "新出现", "disappears": "不再出现"},
    "kind": {"quoted": "引号内提法", "ngram": "共同词组", "title": "书名号内"},
}


def table(
    df: pd.DataFrame,
    *,
    caption: str | None = None,
    percent: Sequence[str] | bool = (),
    decimals: int = 2,
    max_rows: int | None = None,
    index: bool = False,
    labels: Mapping[str, str] | None = None,
    empty: str = "（无数据）",
) -> HTMLBlock:
    """An escaped HTML table of df for readers: list cells joined with 、, `percent` columns (True: every
    float column) as 12.3%, other floats rounded to `decimals`, at most max_rows rows (a note says how
    many were left out), known column names in Chinese (COLUMN_LABELS, overridden by labels)."""
    e = html.escape
    cap = f'<p class="kx-caption">{e(caption)}</p>' if caption else ""
    if df is None or len(df) == 0:
        return HTMLBlock(f'{cap}<p class="kx-note">{e(empty)}</p>')
    out = df.copy()
    n_total = len(out)
    if max_rows is not None and n_total > max_rows:
        out = out.head(max_rows)
    for col in out.columns:
        s = out[col]
        if percent is True:
            is_pct = pd.api.types.is_float_dtype(s)
        else:
            is_pct = bool(percent) and col in percent
        if is_pct:
            out[col] = s.map(lambda v: "" if pd.isna(v) else f"{float(v) * 100:.1f}%")
        elif pd.api.types.is_float_dtype(s):
            out[col] = s.map(lambda v: "" if pd.isna(v) else (f"{v:.0f}" if float(v).is_integer() else f"{v:.{decimals}f}"))
        elif col in VALUE_LABELS:
            out[col] = s.map(lambda v, m=VALUE_LABELS[col]: m.get(v, v))
        elif s.dtype == object:
            out[col] = s.map(_cell_text)
    names = {**COLUMN_LABELS, **(labels or {})}
    out = out.rename(columns=lambda c: names.get(c, c) if isinstance(c, str) else c)
    body = out.to_html(index=index, escape=True, border=0, classes="kx-table", na_rep="", justify="left")
    more = ""
    if len(out) < n_total:
        more = f'<p class="kx-note">仅显示前 {len(out)} 行，共 {n_total} 行。</p>'
    return HTMLBlock(f'{cap}<div class="kx-table-wrap">{body}</div>{more}')


def wide(
    df: pd.DataFrame,
    *,
    index: str | Sequence[str],
    values: str,
    columns: str = "theme",
    order: Sequence[str] | None = None,
    fill: float | None = 0,
) -> pd.DataFrame:
    """A tidy comparison pivoted for reading: one row per index value, one column per `columns` value
    in the given order (e.g. the theme dictionary's; values not in order are dropped)."""
    index = [index] if isinstance(index, str) else list(index)
    if len(df) == 0:
        return pd.DataFrame(columns=[*index, *(order or [])])
    w = df.pivot_table(index=index, columns=columns, values=values, aggfunc="sum", sort=True, observed=True)
    if order is not None:
        w = w.reindex(columns=list(order))
    if fill is not None:
        w = w.fillna(fill)
    w.columns = [str(c) for c in w.columns]
    return w.reset_index()


#: resolution of report figures: a 13.33 in slide figure becomes 1600 px wide, sharp at the page's
#: 1200 px column (measured on a province report's four charts: 144 dpi with a "tight" bounding box,
#: which draws every figure twice, took 1.32 s and 859 KB of PNG; 120 dpi drawn once 1.08 s, 706 KB)
FIGURE_DPI = 120


def figure(fig, *, dpi: int = FIGURE_DPI) -> HTMLBlock:
    """A matplotlib figure as an embedded PNG; the figure is closed (no second inline copy).

    Briefing charts from :mod:`compare.presentation.plots` keep their slide frame (margins, title, source line), so
    they are drawn once, as laid out; any other figure is cropped to its content (bbox "tight")."""
    import matplotlib.pyplot as plt

    buf = _io.BytesIO()
    framed = getattr(fig, "_kexie_title", None) is not None  # made by compare.presentation.plots._figure
    try:
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None},
                    **({} if framed else {"bbox_inches": "tight"}))
    finally:
        plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    # alt text: the suptitle, else the first figure-level text (the briefing title), else the first axes title
    texts = [t.get_text() for t in fig.texts if t.get_text().strip()]
    suptitle = getattr(fig, "_suptitle", None)
    label = (suptitle.get_text() if suptitle is not None else "") or (texts[0] if texts else "")
    if not label and fig.axes:
        label = fig.axes[0].get_title()
    return HTMLBlock(f'<img class="kx-figure" alt="{html.escape(label, quote=True)}" src="data:image/png;base64,{data}">')


def items_by_theme(corpus, themes: Sequence[str] | None = None, *, max_items: int | None = None) -> HTMLBlock:
    """For each theme, a heading with the item count and a table of its items with their full text."""
    df = corpus.items_themed
    themes = list(themes) if themes is not None else list(corpus.themes)
    parts = []
    cols = ["year", "doc_type", "item_id", "text", "departments"]
    names = {"year": "年份", "doc_type": "文件类型", "item_id": "条目", "text": "内容", "departments": "责任部门"}
    for theme in themes:
        sub = df[df["theme"] == theme].sort_values(["year", "doc_id", "seq"], kind="mergesort")
        parts.append(heading(f"{theme}（{len(sub)} 条）", 3).html)
        parts.append(table(sub[cols].rename(columns=names), max_rows=max_items, empty="本主题没有条目。").html)
    return HTMLBlock("".join(parts))


def report_title(kind: str, selection: Selection) -> str:
    """河南省科协工作要点分析 / 中国科协工作要点分析 / 各省科协工作要点比较."""
    if kind == "cross":
        return "各省科协工作要点比较"
    from compare.ingest.provinces import NATIONAL, province as province_record

    short = selection.province
    if short == NATIONAL:
        return "中国科协工作要点分析"
    try:
        full = province_record(short).full
    except KeyError:
        full = short
    return f"{full}科协工作要点分析"


def documents_table(corpus) -> pd.DataFrame:
    """The documents a report covers, one row each, in province/year order."""
    cols = ["province", "year", "doc_type", "title", "issuer", "issue_number", "issue_date", "n_items", "source_file"]
    docs = corpus.documents
    return docs[[c for c in cols if c in docs.columns]].sort_values(["province", "year", "doc_type"], kind="mergesort")


def targets_table(corpus, themes: Sequence[str] | None = None) -> pd.DataFrame:
    """Every quantitative target with its plan, item theme and the item's heading, in document order."""
    items = corpus.items_themed[["doc_id", "item_id", "seq", "province", "year", "doc_type", "theme", "heading"]]
    t = corpus.targets.merge(items, on=["doc_id", "item_id"], how="left", validate="many_to_one")
    if themes is not None:
        t = t[t["theme"].isin(list(themes))]
    t = t.sort_values(["province", "year", "doc_id", "seq"], kind="mergesort")
    return t[["province", "year", "doc_type", "theme", "item_id", "heading", "phrase", "value", "value_high", "unit",
              "qualifier"]]


def top_pairs(sim: pd.DataFrame, n: int = 15, *, across_provinces: bool = True) -> pd.DataFrame:
    """The n most similar pairs of different documents (each pair once); across_provinces keeps only
    pairs from two different provinces (labels start with the province)."""
    if len(sim) == 0:
        return sim[["label_a", "label_b", "cosine"]]
    pairs = sim[sim["doc_a"] < sim["doc_b"]]
    if across_provinces:
        pa = pairs["label_a"].str.split(" ").str[0]
        pb = pairs["label_b"].str.split(" ").str[0]
        pairs = pairs[pa != pb]
    pairs = pairs.sort_values(["cosine", "label_a", "label_b"], ascending=[False, True, True], kind="mergesort")
    return pairs[["label_a", "label_b", "cosine"]].head(n).reset_index(drop=True)


def phrase_table(shared: pd.DataFrame, *, max_listed: int = 8) -> pd.DataFrame:
    """One row per shared phrase: who used it first, how many provinces, and the provinces with their
    years. A phrase used by more than max_listed provinces lists the first max_listed (in order of
    first use, each with its first year) and how many more, so a slogan of all 31 provinces stays one
    readable cell."""
    cols = ["phrase", "kind", "first_year", "first_province", "n_provinces", "provinces"]
    if len(shared) == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    years = (
        shared.groupby(["phrase", "province"], sort=False)["year"]
        .agg(lambda ys: sorted(set(int(y) for y in ys)))
        .reset_index()
    )
    years["_first"] = years["year"].str[0]
    years = years.sort_values(["_first", "province"], kind="mergesort")  # order of first use
    listed: dict[str, str] = {}
    for phrase, grp in years.groupby("phrase", sort=False):
        if len(grp) <= max_listed:
            listed[phrase] = "；".join(f"{p}（{'、'.join(map(str, ys))}）" for p, ys in zip(grp["province"], grp["year"]))
        else:
            firsts = "、".join(f"{p}（{y}）" for p, y in zip(grp["province"].head(max_listed), grp["_first"]))
            listed[phrase] = f"{firsts} 等 {len(grp)} 省（括号内为首次使用年份）"
    first = shared.drop_duplicates("phrase")[["phrase", "kind", "first_year", "first_province", "n_provinces"]]
    out = first.assign(provinces=first["phrase"].map(listed))
    return out[cols].reset_index(drop=True)


def against_others(corpus, sub) -> Any:
    """The sub-corpus's documents plus every document of the other provinces: the reference a province's
    distinctive terms are measured against (its own unselected years are left out, not counted as 'other')."""
    own = set(sub.documents["province"])
    others = corpus.documents.loc[~corpus.documents["province"].isin(own), "doc_id"]
    return corpus.select(doc_ids=[*sub.documents["doc_id"], *others])


# --------------------------------------------------------------------------------------------------
# corpus-wide comparisons: computed once, shared by the figures and every report of a build
# --------------------------------------------------------------------------------------------------

COMPARISONS_CACHE_DIR = "comparisons"  # under compare.core.paths.cache_dir()
COMPARISONS_CACHE_KEEP = 64  # most recently used results kept on disk
_COMPARISONS_FORMAT = 1  # part of the key: bump when the stored form changes


class ComparisonCache:
    """Results of comparison functions (``func(corpus, **kwargs)`` returning a DataFrame, e.g.
    ``analysis.keyness``) kept on disk, so that a corpus-wide comparison is computed once and then
    read by the figures step and every report kernel of a build.

    ``cache = ComparisonCache(processed_dir); cache(analysis.keyness, corpus, by="province", top_n=None)``

    The corpus must come from `processed_dir` (``Corpus.load`` and any ``select``). The key is the
    sha256 of the processed tables' hashes, the code version, pandas' version, the function's name,
    its keyword arguments and the corpus' documents; new tables or code give new keys, so a stale
    result is never returned. Results are pickled (exact dtypes) in ``<cache_dir>/comparisons/``,
    written atomically (concurrent kernels may race to write the same result: the bytes are the
    same); the last COMPARISONS_CACHE_KEEP used are kept. A damaged entry is recomputed."""

    def __init__(self, processed_dir: str | Path, *, directory: str | Path | None = None):
        from compare.core.paths import cache_dir

        self.processed_dir = Path(processed_dir)
        self.directory = Path(directory) if directory is not None else cache_dir() / COMPARISONS_CACHE_DIR
        self._base: str | None = None
        self.hits = 0
        self.misses = 0

    def __repr__(self) -> str:
        return f"ComparisonCache({self.processed_dir}, {self.hits} hits, {self.misses} misses)"

    def _base_key(self) -> str:
        if self._base is None:
            from compare.core.hashing import code_version, table_hashes

            self._base = json.dumps([_COMPARISONS_FORMAT, table_hashes(self.processed_dir), code_version(),
                                     pd.__version__], sort_keys=True)
        return self._base

    def key(self, func, corpus, kwargs: Mapping[str, Any]) -> str:
        """The cache key of func(corpus, **kwargs)."""
        docs = "\n".join(sorted(str(d) for d in corpus.documents["doc_id"]))
        ident = [self._base_key(), f"{func.__module__}.{func.__qualname__}",
                 json.dumps(dict(kwargs), sort_keys=True, ensure_ascii=False, default=repr),
                 hashlib.sha256(docs.encode("utf-8")).hexdigest()]
        return hashlib.sha256("\0".join(ident).encode("utf-8")).hexdigest()

    def lookup(self, func, corpus, **kwargs) -> pd.DataFrame | None:
        """The cached result of func(corpus, **kwargs), or None (nothing is computed)."""
        import pickle

        path = self.directory / f"{self.key(func, corpus, kwargs)}.pkl"
        try:
            with open(path, "rb") as fh:
                result = pickle.load(fh)
        except FileNotFoundError:
            return None
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
            log.warning("recomputing %s: the cached result %s cannot be read (%s)", func.__name__, path, exc)
            return None
        if not isinstance(result, pd.DataFrame):
            log.warning("recomputing %s: the cached result %s is not a table", func.__name__, path)
            return None
        self.hits += 1
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: pruned last
        return result

    def __call__(self, func, corpus, **kwargs) -> pd.DataFrame:
        import pickle

        result = self.lookup(func, corpus, **kwargs)
        if result is not None:
            return result
        self.misses += 1
        path = self.directory / f"{self.key(func, corpus, kwargs)}.pkl"
        result = func(corpus, **kwargs)
        atomic_write_bytes(path, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        _prune_cache(self.directory, "*.pkl", COMPARISONS_CACHE_KEEP)
        return result


def _direct(func, corpus, **kwargs):
    return func(corpus, **kwargs)


def top_terms(key: pd.DataFrame, top_n: int) -> pd.DataFrame:
    """The top_n terms of each group of a keyness frame computed with top_n=None (``rank <= top_n``):
    the same rows ``analysis.keyness(..., top_n=top_n)`` returns, so one computation serves every
    top_n (the figures use 10, the reports their parameter)."""
    return key[key["rank"] <= int(top_n)].reset_index(drop=True)


def group_keyness(corpus, *, groups: Sequence[str], by: str = "province", top_n: int | None = None,
                  min_freq: int = 3) -> pd.DataFrame:
    """``analysis.keyness(corpus, by=by, top_n=top_n, min_freq=min_freq)`` restricted to the rows of
    `groups`, the same values in the same order, computed from two term counts (the groups' tokens and
    all tokens) instead of a term × group table of the whole corpus: a province report needs its own
    province only (0.1 s instead of 1.4 s on 1,000 documents). G² with the default correction."""
    from collections import Counter
    from itertools import chain

    from compare.analysis import KEYNESS_COLUMNS, keyness, keyness_table, log_ratio

    wanted = list(dict.fromkeys(groups))
    if not wanted:
        raise ParameterError("group_keyness needs at least one group, e.g. groups=['河南']")
    values = corpus.items[by]
    if values.nunique() < 2:  # nothing to compare with: keyness' own empty frame (no tokens needed)
        return keyness(corpus, by=by, top_n=top_n, min_freq=min_freq)
    toks = corpus.tokens
    everything = Counter(chain.from_iterable(toks))
    counts = pd.Series(everything, dtype="int64").sort_index()
    counts = counts[counts >= min_freq]
    grand = int(sum(everything.values()))
    frames = []
    for g in sorted(wanted):
        mask = (values == g).to_numpy()
        own = Counter(chain.from_iterable(t for t, m in zip(toks, mask) if m))
        a = counts.index.map(lambda term: own.get(term, 0)).to_numpy(dtype="int64")
        term_total = counts.to_numpy()
        b = term_total - a
        t_total = int(sum(own.values()))
        c = t_total - a
        d = (grand - t_total) - b
        stat, pv = keyness_table(a, b, c, d)
        df = pd.DataFrame({
            "group": g, "term": counts.index.astype(str), "freq_target": a, "freq_reference": b.astype("int64"),
            "statistic": stat, "p_value": pv, "log_ratio": log_ratio(a, b, t_total, grand - t_total),
        })
        df = df[df["statistic"] > 0].sort_values(["statistic", "term"], ascending=[False, True], kind="mergesort")
        if top_n is not None:
            df = df.head(top_n)
        df["rank"] = np.arange(1, len(df) + 1, dtype="int64")
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    out["group"] = out["group"].astype(values.dtype)
    return out[KEYNESS_COLUMNS].reset_index(drop=True)


def province_keyness(corpus, sub, *, top_n: int, compute=None) -> pd.DataFrame:
    """Distinctive terms of the sub-corpus' province against every other province (the reference of
    :func:`against_others`): the top_n rows of ``analysis.keyness(by="province")`` for that province.

    With compute (a :class:`ComparisonCache`), the whole corpus' keyness is read when it is cached
    (the build computes it once for all reports: the kernel then loads no other province's tokens);
    otherwise only this province's rows are computed (:func:`group_keyness`) and cached."""
    from compare.analysis import keyness

    ref = against_others(corpus, sub)
    own = sorted(set(sub.documents["province"].astype(str)))
    key = compute.lookup(keyness, ref, by="province", top_n=None) if isinstance(compute, ComparisonCache) else None
    if key is None:
        key = (compute or _direct)(group_keyness, ref, groups=own, by="province", top_n=None)
    return top_terms(key[key["group"].astype(str).isin(own)], top_n)


def similar_documents(corpus, *, n: int = 15, across_provinces: bool = True) -> pd.DataFrame:
    """The n most similar pairs of different documents (label_a, label_b, cosine), each pair once,
    best first; across_provinces keeps pairs from two different provinces.

    The cosines are those of ``analysis.similarity(corpus, level="document")`` (TF-IDF over the
    documents' pooled tokens, the same computation), without its n²-row frame: 1,000 documents
    take an 8 MB matrix here instead of a million-row table (0.6 GB); pairs are named as
    :func:`top_pairs` names them (the smaller doc_id first)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    from compare.analysis import _doc_label, _identity, _sorted_documents

    cols = ["label_a", "label_b", "cosine"]
    empty = pd.DataFrame({c: pd.Series(dtype="str" if c != "cosine" else "float64") for c in cols})
    docs = _sorted_documents(corpus)
    if len(docs) < 2:
        return empty
    ids = np.asarray(docs["doc_id"].tolist(), dtype=object)
    labels = np.asarray([_doc_label(r) for r in docs.itertuples(index=False)], dtype=object)
    provinces = docs["province"].astype(str).to_numpy()
    bag: dict[str, list[str]] = {i: [] for i in ids}
    for doc_id, toks in zip(corpus.items["doc_id"], corpus.tokens):
        bag[doc_id].extend(toks)
    units = [bag[i] for i in ids]
    if not any(units):
        return empty
    cos = np.clip(cosine_similarity(TfidfVectorizer(analyzer=_identity, lowercase=False).fit_transform(units)), 0, 1)
    candidate = np.triu(np.ones(cos.shape, dtype=bool), k=1)  # each pair once, no document with itself
    if across_provinces:
        candidate &= provinces[:, None] != provinces[None, :]
    flat = np.where(candidate, cos, -1.0).ravel()
    k = min(int(n), int(candidate.sum()))
    if k < 1:
        return empty
    at_least = np.partition(flat, -k)[-k]  # the n-th best cosine; every pair tied with it is a candidate
    a, b = np.divmod(np.flatnonzero(flat >= at_least), len(ids))
    swap = ids[a] > ids[b]
    a, b = np.where(swap, b, a), np.where(swap, a, b)
    out = pd.DataFrame({"label_a": labels[a], "label_b": labels[b], "cosine": cos[a, b]}).astype(
        {"label_a": "str", "label_b": "str"})
    out = out.sort_values(["cosine", "label_a", "label_b"], ascending=[False, True, True], kind="mergesort")
    return out.head(n).reset_index(drop=True)


#: groups (provinces) above which a keyness table lists each group's terms on one line
MAX_LONG_GROUPS = 8


def keyness_table(key: pd.DataFrame, *, max_groups: int = MAX_LONG_GROUPS) -> pd.DataFrame:
    """A keyness frame for reading: one row per term (rank, frequencies, G², Log Ratio) for up to
    max_groups groups; beyond that (31 provinces × top_n rows would be a wall of numbers) one row per
    group with its terms in order, each with its G² (group, terms)."""
    cols = ["group", "rank", "term", "freq_target", "freq_reference", "statistic", "log_ratio"]
    if key["group"].nunique() <= max_groups:
        return key[cols].reset_index(drop=True)
    parts = key.sort_values(["group", "rank"], kind="mergesort")
    listed = parts.assign(_t=parts["term"].astype(str) + "（" + parts["statistic"].round(0).astype(int).astype(str) + "）")
    out = listed.groupby("group", sort=True)["_t"].agg("、".join).rename("terms").reset_index()
    return out.astype({"group": "str"})


COLUMN_LABELS["terms"] = "特色词（括号内为 G²）"


def targets_by_unit(targets: pd.DataFrame, *, max_rows: int = 40) -> HTMLBlock:
    """The targets_by_theme frame as a table: every theme × province × year × unit row when there are
    at most max_rows, else (a national corpus) totals per theme and unit over the selection, with the
    number of provinces that set such targets. Values of units that cannot be added (%) are not summed."""
    caption = "按单位合计（% 等不可相加的单位不合计）"
    if len(targets) <= max_rows:
        return table(targets, caption=caption)
    agg = (targets.groupby(["theme", "unit"], sort=False)
           .agg(n_provinces=("province", "nunique"), n_targets=("n_targets", "sum"),
                total_value=("total_value", lambda v: v.sum(min_count=1)))
           .reset_index())
    agg = agg.sort_values(["n_targets", "unit"], ascending=[False, True], kind="mergesort")
    return table(agg, caption=f"所选范围内按主题和单位合计（共 {len(targets)} 个省份-年份-单位组合；% 等不可相加的单位不合计）",
                 max_rows=max_rows, labels={"n_provinces": "省份数"})


def documents_overview(corpus, *, max_rows: int = 40) -> HTMLBlock:
    """The documents a report covers: one row each (:func:`documents_table`) up to max_rows, else (a
    national corpus) one row per province with its number of documents, years and document types,
    and a note pointing to the full list (the documents table)."""
    docs = documents_table(corpus)
    if len(docs) <= max_rows:
        return table(docs)
    per = (docs.groupby("province", sort=True)
           .agg(n_documents=("year", "size"),
                years=("year", lambda ys: f"{min(ys)}—{max(ys)}（{len(set(ys))} 年）" if len(set(ys)) > 1 else str(min(ys))),
                doc_types=("doc_type", lambda ts: "、".join(f"{t} {n}" for t, n in pd.Series(ts).value_counts().sort_index().items())),
                n_items=("n_items", "sum"))
           .reset_index())
    return table(per, caption=f"共 {len(docs)} 份文件，按省份汇总（逐份清单见处理后的 documents 表）",
                 labels={"n_documents": "文件数", "years": "年份", "doc_types": "文件类型（份数）", "n_items": "条目数"})
