"""A report page's own CJK font: a subset of the project's font embedded as a base64 @font-face.

:func:`embed_cjk_font` collects the characters of the page's visible text (:func:`page_text`),
subsets the project's CJK font (:func:`compare.presentation.fonts.cjk_font_info`, the font the charts
use) to those characters plus ASCII and common punctuation, and embeds it as a base64 WOFF
``@font-face`` that is the last named entry of the report template's font stack: readers with an
installed Chinese font (Noto Sans CJK SC, PingFang SC, Microsoft YaHei, ...) use theirs, everyone
else gets the embedded one. On the seeds: 340-980 characters per report, a 60-190 KB WOFF (80-250 KB
of base64 in the page); skipped when the same characters were subset before (the last 64 subsets
are kept in ``<cache_dir>/font-subsets/``).

Cutting a page's subset from the 65k-glyph font costs 0.5-0.6 CPU s (1,000 plans: ~1,060 characters a
page): parsing the face, then decompiling every kept CFF glyph twice. A page whose characters are all
in :func:`common_chars` (GB2312 and the symbols a report shows) is cut from the *common face*
instead: the font cut once to those characters, its Simplified-Chinese forms baked in, its CFF
desubroutinized (:func:`common_face`, kept in memory and in the cache folder). From it a page's subset
takes ~0.06 s: the subsetter has no glyph to decompile (no subroutine to renumber; a CID-keyed font
has no accented-character components to close over). Same glyph outlines and advances as a cut from
the full font (tested); any other page is cut from the full font.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import io as _io
import json
import logging
import re
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

from compare.core import cachefiles
from compare.core.errors import ReportError
from compare.core.io import atomic_write_bytes

log = logging.getLogger(__name__)

#: the HTML template that carries FONT_FACE_MARKER (named in the error when the marker is missing)
HTML_TEMPLATE_HINT = "compare/templates/report.html.j2"

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
_SUBSET_FORMAT = 3  # part of the cache key: bump when the subsetting below changes
_COMMON_FORMAT = 1  # part of the common face's key: bump when common_chars or its cutting changes


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
    cachefiles.touch(path)  # recently used: pruned last
    return data


def _store_subset(path: Path, data: bytes) -> None:
    atomic_write_bytes(path, data)
    cachefiles.prune(path.parent, "*.woff", SUBSET_CACHE_KEEP)


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


def _quiet_fonttools() -> None:
    quiet = logging.getLogger("fontTools")
    if quiet.level == logging.NOTSET:  # its per-table INFO lines are noise in a report build; warnings still show
        quiet.setLevel(logging.WARNING)


def _options(face_index: int, *, flavor: str | None, desubroutinize: bool = False):
    from fontTools import subset as ft_subset

    options = ft_subset.Options(
        layout_features=[],
        name_IDs=["*"],
        name_languages=[0x0409],
        drop_tables=[*ft_subset.Options().drop_tables, "GSUB", "GPOS", "vhea", "vmtx", "VORG"],
        recalc_timestamp=False,  # head.modified stays the font's own: same input, same bytes
        recalc_bounds=False,  # the full font's bounds still bound the subset; recomputing costs seconds
        font_number=face_index,
        desubroutinize=desubroutinize,
    )
    options.flavor = flavor
    return options


def _localise(tt, codepoints, localised: dict[str, str]) -> None:
    """Point the character map at the LOCL_LANGUAGE forms (the font's `locl` single substitutions)."""
    for table in tt["cmap"].tables:
        if table.isUnicode() and table.format != 14:
            for cp in codepoints:
                glyph = table.cmap.get(cp)
                if glyph in localised:
                    table.cmap[cp] = localised[glyph]


@functools.lru_cache(maxsize=1)
def common_chars() -> frozenset[str]:
    """The characters of the common face: GB2312 (its 6,763 hanzi, punctuation, symbols, Greek,
    Cyrillic, kana, box drawing), BASE_CHARS, printable ASCII and Latin-1, general punctuation,
    letter-like symbols, number forms, arrows, mathematical operators, enclosed numbers, box drawing
    and block elements, geometric shapes, CJK symbols and punctuation, full-width forms."""
    chars = set(BASE_CHARS)
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    for start, end in ((0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2100, 0x218F), (0x2190, 0x22FF),
                       (0x2460, 0x24FF), (0x2500, 0x25FF), (0x3000, 0x303F), (0xFF01, 0xFF65)):
        chars.update(map(chr, range(start, end + 1)))
    return frozenset(chars)


_COMMON_LOCK = threading.Lock()
_COMMON: dict[tuple, bytes] = {}  # (font identity, characters) -> the common face (the last two)


def _font_identity(font) -> tuple:
    import fontTools

    st = Path(font.path).stat()
    return (fontTools.version, str(Path(font.path).resolve()), font.face_index, st.st_size, st.st_mtime_ns)


def common_face(font=None, *, cache: bool = True) -> bytes:
    """The project's CJK font cut to :func:`common_chars` (an OpenType font, ~1.8 MB for Noto Sans CJK):
    the LOCL_LANGUAGE forms baked into its character map, layout tables dropped, its CFF
    desubroutinized, so that a page's subset is cut from it without decompiling a glyph. Cut once per
    font (~3 CPU s), kept in this process and, with cache, in ``<cache_dir>/font-subsets/``."""
    from fontTools import subset as ft_subset

    from compare.core.paths import cache_dir
    from compare.presentation.fonts import cjk_font_info

    font = font or cjk_font_info()
    chars = "".join(sorted(common_chars()))
    ident = (*_font_identity(font), hashlib.sha256(chars.encode("utf-8")).hexdigest())
    with _COMMON_LOCK:  # one cut per font, whichever thread asks first
        data = _COMMON.get(ident)
        if data is not None:
            return data
        stored = None
        if cache:
            key = hashlib.sha256(json.dumps([_COMMON_FORMAT, *ident], ensure_ascii=False).encode("utf-8")).hexdigest()
            stored = cache_dir() / SUBSET_CACHE_DIR / f"common-{key}.otf"
            try:
                data = stored.read_bytes()
            except FileNotFoundError:  # never cut for this font
                data = None
            if data is not None and data[:4] not in (b"OTTO", b"\x00\x01\x00\x00"):
                log.warning("ignoring damaged common font face %s", stored)
                data = None
        if data is None:
            _quiet_fonttools()
            options = _options(font.face_index, flavor=None, desubroutinize=True)
            st = Path(font.path).stat()
            localised = _localised_glyphs(str(font.path), font.face_index, st.st_size, st.st_mtime_ns)
            codepoints = [ord(c) for c in chars]
            tt = ft_subset.load_font(str(font.path), options, dontLoadGlyphNames=True)
            try:
                _localise(tt, codepoints, localised)
                subsetter = ft_subset.Subsetter(options)
                subsetter.populate(unicodes=codepoints)
                subsetter.subset(tt)
                buf = _io.BytesIO()
                ft_subset.save_font(tt, buf, options)
            finally:
                tt.close()
            data = buf.getvalue()
            if stored is not None:
                atomic_write_bytes(stored, data)
        while len(_COMMON) >= 2:
            _COMMON.pop(next(iter(_COMMON)))
        _COMMON[ident] = data
        return data


def _without_glyph_decompiling(tt) -> None:
    """Spare fontTools' subsetter its two passes over every kept CFF glyph where they cannot change
    anything (methods of this font's tables, replaced on these instances only): closing the glyph set
    over `seac` accent components, which a CID-keyed font cannot have, and renumbering the
    subroutines the glyphs call, when the font has none (the common face is desubroutinized)."""
    if "CFF " not in tt:
        return
    table = tt["CFF "]
    cff = table.cff
    if len(cff.topDictIndex) != 1:
        return
    top = cff.topDictIndex[0]
    privates = [fd.Private for fd in top.FDArray] if hasattr(top, "FDArray") else [top.Private]
    if len(top.GlobalSubrs) == 0 and not any(len(getattr(p, "Subrs", None) or ()) for p in privates):
        cff.remove_unused_subroutines = lambda: None
    if hasattr(top, "ROS"):  # CID-keyed
        table.closure_glyphs = lambda subsetter: None


def subset_cjk_font(chars: str, *, font=None, cache: bool = True) -> bytes:
    """A WOFF (zlib) subset of the project's CJK font holding exactly `chars` plus :data:`BASE_CHARS`.

    font: a :class:`compare.presentation.fonts.CJKFont` (default: :func:`compare.presentation.fonts.cjk_font_info`, the font the
    charts use). The Simplified-Chinese forms (`locl` for ZHS) are baked into the character map and the
    layout tables dropped, so the subset shows mainland forms in any browser. Every English name record
    is kept (copyright, licence and its URL included: the OFL asks copies to carry them) and the
    font keeps its own name, unless its licence reserves that name (an OFL Reserved Font Name, e.g.
    'Source' in Source Han Sans): a subset is a Modified Version, so it is then renamed
    (:func:`rename_reserved`). The packaged Noto Sans CJK reserves no name. Deterministic: the same characters give
    the same bytes (no timestamp is recalculated). Characters all in :func:`common_chars` are cut from
    the :func:`common_face` (same outlines, ~10 times faster), others from the full font. With cache,
    results are kept in ``<cache_dir>/font-subsets/`` keyed by font file and characters (the last 64
    used), beside the common face."""
    import unicodedata

    from compare.core.paths import cache_dir
    from compare.presentation.fonts import cjk_font_info

    _quiet_fonttools()
    font = font or cjk_font_info()
    wanted = "".join(sorted({c for c in chars + BASE_CHARS if unicodedata.category(c) not in ("Cc", "Cs")}))
    cached = None
    if cache:
        cached = cache_dir() / SUBSET_CACHE_DIR / f"{_subset_cache_key(font, wanted)}.woff"
        data = _read_cached_subset(cached)
        if data is not None:
            return data

    data = _cut(wanted, font, common=set(wanted) <= common_chars(), cache=cache)
    if cached is not None:
        _store_subset(cached, data)
    return data


def _cut(wanted: str, font, *, common: bool, cache: bool) -> bytes:
    """The WOFF subset holding `wanted`, cut from the common face or from the full font."""
    import unicodedata

    from fontTools import subset as ft_subset

    codepoints = [ord(c) for c in wanted]
    options = _options(-1 if common else font.face_index, flavor="woff")
    if common:  # cut from the common face: its forms are localised already
        tt = ft_subset.load_font(_io.BytesIO(common_face(font, cache=cache)), options, dontLoadGlyphNames=True)
    else:
        st = Path(font.path).stat()
        localised = _localised_glyphs(str(font.path), font.face_index, st.st_size, st.st_mtime_ns)
        tt = ft_subset.load_font(str(font.path), options, dontLoadGlyphNames=True)
    try:
        best = tt.getBestCmap()
        missing = [c for c in wanted if ord(c) not in best and not c.isspace() and unicodedata.category(c) != "Cf"]
        if missing:
            log.warning("the CJK font %s has no glyph for %s; browsers will fall back to other fonts for them",
                        Path(font.path).name, " ".join(f"{c} (U+{ord(c):04X})" for c in missing))
        if common:
            _without_glyph_decompiling(tt)
        else:
            _localise(tt, codepoints, localised)
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
    return buf.getvalue()


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
            f"is the page made from the report template ({HTML_TEMPLATE_HINT})?"
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


def warm_up(font=None) -> None:
    """Ready the common face ahead (read from the cache, or cut: ~3 s once per font), e.g. while a
    report's kernel runs."""
    common_face(font)
