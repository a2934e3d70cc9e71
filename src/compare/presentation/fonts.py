"""A real CJK font for every chart, on any Linux machine set up with pip alone.

Search order (first font that covers the characters the charts use wins):

1. ``$KEXIE_CJK_FONT`` (a font file path), when set: an explicit choice, checked like the others;
2. an installed mainland font (:data:`MAINLAND_FAMILIES`: Noto Sans CJK SC, Source Han Sans SC/CN,
   WenQuanYi …) known to matplotlib's font manager, in :data:`PREFERRED_FAMILIES` order;
3. the same families as fontconfig knows them (``fc-list :lang=zh``), which also finds fonts
   installed after matplotlib built its font cache;
4. the OFL-licensed Noto Sans CJK collection shipped by the pip dependency ``noto-cjk-sans-otc``
   (``NotoSansCJK-Regular.ttc``, byte-identical to Debian's ``fonts-noto-cjk`` file), its SC face;
5. only when that package is missing: an installed HK/TC/JP/KR cut (steps 2 and 3 for the other families).

Mainland glyphs. Noto Sans CJK / Source Han Sans draw the same code point differently per region
(具 领 海 直 骨 说 …). A collection (``.ttc``/``.otc``) holds one face per region and face 0 is the
Japanese one, so a face is always chosen by its family name (:func:`sc_face_index`): the SC (or CN)
face, never "the first face of the file".

Proprietary fonts (SimHei, Microsoft YaHei, …) and Windows font paths are never used.

PDF embedding. matplotlib's Type 42 route (``pdf.fonttype: 42``) writes every font as a TrueType
CID font (``CIDFontType2`` + ``FontFile2``); an OpenType font with CFF outlines, such as Noto Sans
CJK, then produces a PDF whose font program does not match its declared type (poppler reports
"Mismatch between font type and embedded font file"; strict readers reject it). For CFF-flavoured
fonts and font collections we therefore use Type 3 (``pdf.fonttype: 3``): matplotlib embeds the
outlines of exactly the glyphs used, as PDF drawing procedures, plus a ToUnicode map so the text
stays searchable and copyable. TrueType-outline single-file fonts get Type 42 (a real embedded
subset). SVG always carries text as paths (``svg.fonttype: path``), so it needs no font at all.
"""
from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import shutil
import subprocess
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from compare.core.errors import CompareError

log = logging.getLogger(__name__)

#: Installed CJK sans-serif families we accept, best first. Simplified-Chinese cuts come first.
PREFERRED_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans CJK HK",
    "Noto Sans CJK TC",
    "Source Han Sans TC",
    "Source Han Sans HC",
    "Noto Sans CJK JP",
    "Source Han Sans",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Sans CJK KR",
    "Droid Sans Fallback",
)

#: Families that draw mainland (Simplified-Chinese) shapes: installed ones win over the packaged font;
#: the other PREFERRED_FAMILIES (HK/TC/JP/KR cuts) are used only when the packaged font is missing.
MAINLAND_FAMILIES: tuple[str, ...] = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
                                      "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Droid Sans Fallback")

#: Fonts we never pick, even when installed (proprietary; not redistributable with a briefing PDF).
REFUSED_FAMILIES: tuple[str, ...] = ("SimHei", "Microsoft YaHei", "Microsoft JhengHei", "SimSun", "NSimSun", "KaiTi",
                                     "FangSong", "DengXian", "PingFang SC", "Heiti SC", "STHeiti")

#: Characters every chart needs: theme names, provinces, labels, full-width punctuation.
SAMPLE_TEXT = "数据来源：各省科协工作要点（河南、湖北、黑龙江）党建学会科普智库人才创新组织“科创中国”——"

#: The pip dependency that ships an OFL Noto Sans CJK font (the OTC collection; its SC face is used).
#: Chosen over cvttf-notosanscjk-regular (a TC cut only), manimgx-fonts-cjk (a 33 MB variable collection
#: whose default instance is Thin) and pylopdf-fonts-zh-cn (SC only but carries a serif font we do not use).
PACKAGED_FONT_MODULE = "noto_cjk_sans_otc"
PACKAGED_FONT_DIST = "noto-cjk-sans-otc"

#: Regional faces of a collection, best first: mainland (SC/CN) before everything else.
SC_FAMILIES: tuple[str, ...] = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN")
ENV_VAR = "KEXIE_CJK_FONT"


class FontError(CompareError):
    """No usable CJK font could be found (names what was tried)."""


@dataclass(frozen=True)
class CJKFont:
    """The chosen font: its family name as matplotlib knows it, its file, where it came from, and the
    PDF font type that embeds it correctly."""

    family: str
    path: Path
    source: str  # "env", "matplotlib", "fontconfig" or "package"
    pdf_fonttype: int  # 3 (glyph outlines as Type 3 procedures) or 42 (embedded TrueType subset)
    face_index: int = 0
    tried: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def properties(self):
        """A matplotlib FontProperties pointing at exactly this font file."""
        from matplotlib.font_manager import FontPath, FontProperties

        return FontProperties(family=self.family, fname=FontPath(str(self.path), self.face_index))

    @property
    def postscript_name(self) -> str:
        """The PostScript name of the chosen face (what a PDF names the embedded font), e.g.
        NotoSansCJKsc-Regular."""
        from matplotlib import ft2font

        return ft2font.FT2Font(str(self.path), face_index=self.face_index).postscript_name

    @property
    def is_mainland(self) -> bool:
        """True when the face draws mainland (Simplified Chinese) glyph shapes."""
        return self.family in SC_FAMILIES or self.family.endswith((" SC", " CN")) or "WenQuanYi" in self.family


# --------------------------------------------------------------------------------------------------
# inspection helpers
# --------------------------------------------------------------------------------------------------


def _covers(path: Path, text: str = SAMPLE_TEXT, face_index: int = 0) -> bool:
    """True when the font file maps every character of text to a glyph."""
    from matplotlib import ft2font

    try:
        font = ft2font.FT2Font(str(path), face_index=face_index)
    except (OSError, RuntimeError, ValueError) as exc:
        log.debug("cannot open font %s: %s", path, exc)
        return False
    return all(font.get_char_index(ord(ch)) != 0 for ch in set(text))


def face_families(path: Path) -> list[str]:
    """Family name of every face of a font file (one for a plain .otf/.ttf, one per face of a collection)."""
    from matplotlib import ft2font

    first = ft2font.FT2Font(str(path))
    return [first.family_name] + [ft2font.FT2Font(str(path), face_index=i).family_name
                                  for i in range(1, first.num_faces)]


def sc_face_index(path: Path, family: str | None = None) -> int:
    """Index of the face to use in a font file: the face named `family` when given and present, else the
    first SC/CN face (:data:`SC_FAMILIES` order, then any family ending in SC/CN), else 0. A
    collection's face 0 is the Japanese face in Noto Sans CJK, so it is never taken on trust."""
    names = face_families(path)
    if family is not None and family in names:
        return names.index(family)
    for wanted in SC_FAMILIES:
        if wanted in names:
            return names.index(wanted)
    for i, name in enumerate(names):
        if name.endswith((" SC", " CN")):
            return i
    return 0


def _pdf_fonttype_for(path: Path) -> int:
    """42 for a single-file TrueType-outline font, else 3 (CFF-flavoured OpenType or collections)."""
    if path.suffix.lower() != ".ttf":
        return 3
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(str(path), lazy=True) as tt:
            return 42 if "glyf" in tt else 3
    except (TTLibError, OSError) as exc:
        log.debug("fontTools cannot read %s (%s); using Type 3 in PDF", path, exc)
        return 3


def _refused(family: str) -> bool:
    return any(family.lower() == r.lower() for r in REFUSED_FAMILIES)


def packaged_font_path() -> Path:
    """Path of the OFL Noto Sans CJK collection installed by the `noto-cjk-sans-otc` dependency."""
    try:
        import importlib

        module = importlib.import_module(PACKAGED_FONT_MODULE)
    except ImportError as exc:
        raise FontError(
            f"the font package {PACKAGED_FONT_MODULE!r} is not installed ({exc}); run `make install` "
            f"(pip install {PACKAGED_FONT_DIST}) or install a system CJK font such as fonts-noto-cjk"
        ) from exc
    folder = Path(module.__file__).resolve().parent
    fonts = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".otf", ".ttf", ".ttc"))
    if not fonts:
        raise FontError(f"{folder} holds no font file; reinstall the package {PACKAGED_FONT_MODULE!r}")
    return fonts[0]


# --------------------------------------------------------------------------------------------------
# the search
# --------------------------------------------------------------------------------------------------


def _face_family(path: Path, face_index: int = 0) -> str:
    """The family name of one face of a font file (nothing is registered with matplotlib)."""
    from matplotlib import ft2font

    return ft2font.FT2Font(str(path), face_index=face_index).family_name


def register(font: CJKFont) -> str:
    """Make the font known to matplotlib's font manager under its family name, so that
    ``rcParams["font.family"] = [font.family]`` finds it; returns the family. An explicit, global
    opt-in for an analyst's own plots (:func:`compare.presentation.style.chart_style` /
    ``apply_style``): the charts never need it, they name the font file and face directly."""
    from matplotlib import font_manager

    def known() -> bool:
        return any(Path(e.fname).resolve() == Path(font.path).resolve() and getattr(e, "index", 0) == font.face_index
                   for e in font_manager.fontManager.ttflist)

    if not known():
        font_manager.fontManager.addfont(str(font.path))
    return font.family


def _from_env(tried: list[str]) -> CJKFont | None:
    value = os.environ.get(ENV_VAR)
    if not value:
        return None
    path = Path(value).expanduser()
    tried.append(f"${ENV_VAR}={value}")
    if not path.is_file():
        raise FontError(f"${ENV_VAR} names {path}, which is not a file")
    if not _covers(path):
        raise FontError(f"${ENV_VAR} names {path}, which lacks Chinese glyphs used by the charts")
    index = sc_face_index(path)
    family = _face_family(path, index)
    if _refused(family):
        raise FontError(f"${ENV_VAR} names {family!r}, a proprietary font this project does not use")
    return CJKFont(family, path, "env", _pdf_fonttype_for(path), index)


def _weight(value) -> int:
    from matplotlib import font_manager

    if isinstance(value, str):
        return int(font_manager.weight_dict.get(value, 400)) if not value.isdigit() else int(value)
    return int(value)


def _from_matplotlib(tried: list[str], families: tuple[str, ...] = PREFERRED_FAMILIES) -> CJKFont | None:
    from matplotlib import font_manager

    try:
        packaged = packaged_font_path().resolve()
    except FontError:
        packaged = None
    # the packaged font, once registered, is listed too: it is the last resort, not a system font
    entries = [e for e in font_manager.fontManager.ttflist
               if e.style == "normal" and Path(e.fname).resolve() != packaged]
    for family in families:
        tried.append(f"matplotlib:{family}")
        candidates = [e for e in entries if e.name == family]
        # regular weight first (400), then the closest to it
        candidates.sort(key=lambda e: abs(_weight(e.weight) - 400))
        for e in candidates:
            path = Path(e.fname)
            index = getattr(e, "index", 0)
            if _covers(path, face_index=index):
                return CJKFont(family, path, "matplotlib", _pdf_fonttype_for(path), index)
    return None


_FC_LINE = re.compile(r"^(?P<file>[^:]+):\s*(?P<families>[^:]*?)(?::style=(?P<style>.*))?$")


def _from_fontconfig(tried: list[str], families: tuple[str, ...] = PREFERRED_FAMILIES) -> CJKFont | None:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        tried.append("fontconfig: fc-list not installed")
        return None
    try:
        out = subprocess.run(
            [fc_list, ":lang=zh", "file", "family", "style"],
            capture_output=True, text=True, timeout=30, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        tried.append(f"fontconfig: {exc}")
        return None
    found: dict[str, Path] = {}
    for line in out.splitlines():
        m = _FC_LINE.match(line.strip())
        if not m:
            continue
        style = (m.group("style") or "").lower()
        if style and not any(s in style for s in ("regular", "book", "normal")):
            continue
        for fam in m.group("families").split(","):
            found.setdefault(fam.strip(), Path(m.group("file")))
    for family in families:
        tried.append(f"fontconfig:{family}")
        path = found.get(family)
        if path is None or not path.is_file():
            continue
        index = sc_face_index(path, family)  # the face of that family, not face 0 of a collection
        if not _covers(path, face_index=index):
            continue
        registered = _face_family(path, index)
        return CJKFont(registered, path, "fontconfig", _pdf_fonttype_for(path), index)
    return None


def _from_package(tried: list[str]) -> CJKFont | None:
    tried.append(f"package:{PACKAGED_FONT_MODULE}")
    path = packaged_font_path()
    index = sc_face_index(path)
    if not _covers(path, face_index=index):
        raise FontError(f"{path} (from {PACKAGED_FONT_MODULE}) lacks Chinese glyphs; reinstall the package")
    return CJKFont(_face_family(path, index), path, "package", _pdf_fonttype_for(path), index)


def _package_or_none(tried: list[str]) -> CJKFont | None:
    try:
        return _from_package(tried)
    except FontError as exc:
        tried.append(f"package: {exc}")
        return None


def find_cjk_font(*, system: bool = True) -> CJKFont:
    """Search for a CJK font (see the module docstring for the order). ``system=False`` skips the
    installed system fonts and returns the packaged OFL font (used by tests to exercise the fallback
    on machines that do have a system font). Raises FontError when nothing usable exists."""
    tried: list[str] = []
    mainland = tuple(f for f in PREFERRED_FAMILIES if f in MAINLAND_FAMILIES)
    others = tuple(f for f in PREFERRED_FAMILIES if f not in MAINLAND_FAMILIES)
    steps = [_from_env]
    if system:  # an installed mainland font, else the packaged SC face, else another installed cut
        steps += [lambda t: _from_matplotlib(t, mainland), lambda t: _from_fontconfig(t, mainland)]
    steps.append(_from_package if not system else _package_or_none)
    if system:
        steps += [lambda t: _from_matplotlib(t, others), lambda t: _from_fontconfig(t, others)]
    for step in steps:
        font = step(tried)
        if font is not None:
            log.debug("CJK font: %s (%s, %s, PDF Type %d)", font.family, font.path, font.source, font.pdf_fonttype)
            return CJKFont(font.family, font.path, font.source, font.pdf_fonttype, font.face_index, tuple(tried))
    raise FontError("no CJK font found; tried " + ", ".join(tried) + f"; install {PACKAGED_FONT_DIST} (pip) or "
                    "fonts-noto-cjk")


@functools.cache
def _cached_font() -> CJKFont:
    return find_cjk_font()


def cjk_font_info() -> CJKFont:
    """The project's CJK font (searched once per process)."""
    return _cached_font()


# --------------------------------------------------------------------------------------------------
# catching missing glyphs and font fallbacks
# --------------------------------------------------------------------------------------------------

_PROBLEM = re.compile(r"missing from (the )?(current )?font|findfont: Font family .* not found|"
                      r"falling back to|font family .* not found|Glyph \d+", re.IGNORECASE)


class _ListHandler(logging.Handler):
    def __init__(self, sink: list[str]):
        super().__init__(level=logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if _PROBLEM.search(message):
            self.sink.append(f"{record.name}: {message}")


@contextlib.contextmanager
def font_problems() -> Iterator[list[str]]:
    """Collect every missing-glyph warning and font-fallback log message raised inside the block.

    matplotlib reports a glyph its font lacks as a UserWarning ("Glyph 20013 (…) missing from
    font(s) DejaVu Sans.") and a font family it cannot find on the `matplotlib.font_manager` logger
    ("findfont: Font family 'X' not found.  Falling back to …"). Both end up in the yielded list;
    other warnings pass through unchanged::

        with font_problems() as problems:
            fig.savefig("chart.pdf")
        assert not problems, problems
    """
    problems: list[str] = []
    handler = _ListHandler(problems)
    # one handler on the package logger sees every matplotlib.* record (they propagate to it)
    mpl_logger = logging.getLogger("matplotlib")
    saved_level = mpl_logger.level
    mpl_logger.addHandler(handler)
    if mpl_logger.getEffectiveLevel() > logging.WARNING:
        mpl_logger.setLevel(logging.WARNING)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield problems
        finally:
            mpl_logger.removeHandler(handler)
            mpl_logger.setLevel(saved_level)
    for w in caught:
        message = str(w.message)
        if _PROBLEM.search(message):
            problems.append(f"{w.category.__name__}: {message}")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
