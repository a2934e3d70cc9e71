"""Briefing style shared by every chart: sizes, colours, the slide frame (title, subtitle, source line)
and deterministic file output.

Nothing here changes matplotlib's global state: charts are drawn inside a ``matplotlib.rc_context``,
every text names the CJK font file and face directly (no font is registered with matplotlib's font
manager, no family name is looked up), and :func:`save_figure` saves inside the same context. An
analyst's own plots keep their rcParams and fonts; an analyst who wants the briefing look for their own
plots uses ``with chart_style(): ...`` (or :func:`apply_style`), which does register the font.

>>> import matplotlib as mpl
>>> before = dict(mpl.rcParams)
>>> with chart_style():
...     pass
>>> dict(mpl.rcParams) == before
True
>>> source_line()
'数据来源：各省科协工作要点'
>>> source_line("河南 2022 为学会学术工作要点", doc_type="工作要点", level="省级")
'数据来源：各省科协工作要点（省级）。河南 2022 为学会学术工作要点'
"""
from __future__ import annotations

import contextlib
import functools
import io as _io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib.colors import LinearSegmentedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from compare.core.errors import ParameterError
from compare.core.io import atomic_write_bytes
from compare.presentation.chartinfo import ChartFigure, ChartInfo, chart_info, record_axes_chart
from compare.presentation import rasterize
from compare.presentation.fonts import CJKFont, cjk_font_info
from compare.presentation.textfit import fit_line

SOURCE = "数据来源：各省科协工作要点"
FORMATS = ("png", "svg", "pdf")
SLIDE = (13.333, 7.5)  # inches, 16:9 (PowerPoint widescreen)

INK = "#1f2933"
MUTED = "#616e7c"
GRID = "#d9dee4"
EMPTY_CELL = "#f4f6f8"
#: sequential colour map for magnitudes in heatmaps (light grey-blue to dark navy)
SEQUENTIAL = LinearSegmentedColormap.from_list("kexie_seq", ["#f4f6f8", "#b9cde5", "#4f81bd", "#1f3a5f"])

#: used when the theme dictionary in use has no colour for a theme (in theme order)
FALLBACK_THEME_PALETTE = ("#c0392b", "#2471a3", "#27ae60", "#8e44ad", "#d68910", "#17a589", "#5d6d7e",
                          "#a04000", "#1a5276", "#7d3c98", "#b7950b", "#566573")
OTHER_THEME_COLOR = "#95a5a6"
#: themes that mean "none of the themes": drawn grey
OTHER_THEMES = ("其他", "其它", "未分类")
#: darker, muted colours for provinces (used where provinces must be told apart, e.g. the slogan timeline);
#: any too close to a theme colour is skipped so a province is never mistaken for a theme
PROVINCE_PALETTE = ("#1b2a41", "#8c4a2f", "#4b6b2a", "#6b3f7a", "#2f6f73", "#7a6a1f", "#8a2846", "#3d5a80",
                    "#5f5f5f", "#a05a00")
BAR_NEUTRAL = "#3d5a80"
PROVINCE_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")

TITLE_SIZE = 24
SUBTITLE_SIZE = 15
LABEL_SIZE = 14
SMALL_SIZE = 12
SOURCE_SIZE = 11

HEADER_IN = 1.15  # title + subtitle band, inches
FOOTER_IN = 0.45  # source line band, inches
MARGIN_IN = 0.35
PLOT_HEIGHT_IN = SLIDE[1] - HEADER_IN - FOOTER_IN - 0.5  # rows of a chart share this (axis labels aside)
PLOT_WIDTH_IN = SLIDE[0] - 2 * MARGIN_IN - 2.5  # columns share this (row labels, colour bar aside)

# Readability limits: beyond them a chart is reduced (and says so in its subtitle), never crammed.
#: rows of a heatmap or bar chart: every province (31) plus 全国
MAX_ROWS = 32
#: cells that carry their number as text; beyond this the colours and a colour bar speak
MAX_ANNOTATED_CELLS = 250
#: units of a similarity matrix; beyond this, compare provinces (analysis.similarity(unit="province"))
MAX_SIMILARITY_UNITS = 40
#: panels of small multiples (distinctive terms); more groups are listed in a compact term table
MAX_PANELS = 8
#: provinces told apart by colour and marker (slogan timeline); more are counted per year instead
MAX_MARKER_PROVINCES = 8
#: consecutive-year pairs listed in the terms panel of change_over_time (the most recent)
MAX_TERM_PAIRS = 3
#: smallest type on a chart (points), e.g. cell numbers of a 32-row heatmap
MIN_TEXT_SIZE = 8


# --------------------------------------------------------------------------------------------------
# the one source line and scope caption
# --------------------------------------------------------------------------------------------------


def scope_label(doc_type: str | None = None, level: str | None = None) -> str:
    """What a chart or table is about, e.g. "省级 · 工作要点" ("" when neither is given)."""
    return " · ".join(str(v) for v in (level, doc_type) if v)


def source_line(note: str | None = None, *, doc_type: str | None = None, level: str | None = None,
                scope: str | None = None) -> str:
    """The source line under every chart, slide, Word table and report: 数据来源 and, when given, the
    document type and level compared (or a `scope` from :func:`scope_label`), then a note (e.g. which
    province-years are missing)."""
    issuers = {"全国": "中国科协", "市级": "各市科协", "县级": "各县科协"}  # else 各省科协
    if scope and not (doc_type or level):
        who = issuers.get(str(scope).split(" · ")[0], "各省科协")
        line = f"数据来源：{who}工作计划（{scope}）"
    else:
        line = SOURCE if not doc_type else f"数据来源：{issuers.get(level or '', '各省科协')}{doc_type}"
        if level:
            line += f"（{level}）"
    return f"{line}。{note}" if note else line


# --------------------------------------------------------------------------------------------------
# fonts and rcParams, always inside a context
# --------------------------------------------------------------------------------------------------


def cjk_font():
    """FontProperties of exactly the project's CJK face (:func:`compare.presentation.fonts.cjk_font_info`)."""
    return cjk_font_info().properties()


def families(font: CJKFont | None = None) -> list[str]:
    """The explicit font family list every chart text stores: the CJK family, then DejaVu Sans."""
    font = font or cjk_font_info()
    return [font.family, "DejaVu Sans"]


def rc(font: CJKFont | None = None, *, family: bool = True) -> dict:
    """The rcParams of briefing charts (applied only inside a context). family=False leaves the CJK
    family out (the charts set the font file on each text instead; DejaVu Sans meanwhile)."""
    font = font or cjk_font_info()
    return {
        # concrete family names (not "sans-serif"): texts keep them, whatever the caller's rcParams
        "font.family": families(font) if family else ["DejaVu Sans"],
        "font.size": LABEL_SIZE,
        "axes.titlesize": SUBTITLE_SIZE,
        "axes.titlelocation": "left",
        "axes.titlecolor": INK,
        "axes.labelsize": LABEL_SIZE,
        "axes.labelcolor": MUTED,
        "axes.edgecolor": GRID,
        "axes.linewidth": 0.8,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.unicode_minus": True,  # U+2212 is in every CJK font we accept (checked in tests)
        "axes.axisbelow": True,
        "axes.grid": False,
        "grid.color": GRID,
        "grid.linewidth": 0.8,
        "xtick.labelsize": LABEL_SIZE,
        "ytick.labelsize": LABEL_SIZE,
        "xtick.color": MUTED,
        "ytick.color": MUTED,
        "xtick.labelcolor": INK,
        "ytick.labelcolor": INK,
        "legend.fontsize": LABEL_SIZE,
        "legend.frameon": False,
        "figure.facecolor": "white",
        "savefig.facecolor": "white",
        "figure.dpi": 100,
        # self-contained vector output (see compare.presentation.fonts for why PDF uses Type 3 with CFF fonts)
        "svg.fonttype": "path",
        "svg.hashsalt": "kexie-compare",
        "pdf.fonttype": font.pdf_fonttype,
        "ps.fonttype": font.pdf_fonttype,
        "pdf.compression": 6,
    }


@contextlib.contextmanager
def chart_style() -> Iterator[CJKFont]:
    """Briefing rcParams for an analyst's own plots, for the duration of the block
    (``matplotlib.rc_context``); yields the font. The CJK font is registered with matplotlib's font
    manager (once) so that its family name resolves (:func:`compare.presentation.fonts.register`)."""
    from compare.presentation.fonts import register

    font = cjk_font_info()
    register(font)
    with mpl.rc_context(rc(font)):
        yield font


@contextlib.contextmanager
def _drawing() -> Iterator[CJKFont]:
    """What the chart functions draw and save inside: the briefing rcParams without any font lookup."""
    font = cjk_font_info()
    with mpl.rc_context(rc(font, family=False)):
        yield font


def apply_style() -> CJKFont:
    """Opt-in for an analyst's own plots: set the briefing rcParams globally. Chart functions never
    call it. Returns the font in use."""
    from compare.presentation.fonts import register

    font = cjk_font_info()
    register(font)
    mpl.rcParams.update(rc(font))
    return font


def _settle(fig: Figure, skip=frozenset(), *, own_figure: bool = True) -> None:
    """Point every text of the chart at the CJK font file and face (keeping its size), after giving
    every axis its first tick: ticks made later, at draw time, copy that tick's font and colours
    instead of reading the caller's rcParams. Axes in `skip` (the analyst's other axes of the same
    figure) and, when the chart was drawn into the analyst's axes, the figure's own texts are left alone."""
    from matplotlib.font_manager import FontPath, FontProperties
    from matplotlib.text import Text

    font = cjk_font_info()
    face = FontPath(str(font.path), font.face_index)
    texts = list(fig.texts) if own_figure else []
    for ax in fig.axes:
        if ax in skip:
            continue
        for axis in (ax.xaxis, ax.yaxis):
            axis.get_major_ticks()
            axis.get_minor_ticks()
        texts += ax.findobj(Text)
    for text in texts:
        old = text.get_fontproperties()
        text.set_fontproperties(FontProperties(fname=face, size=old.get_size(), weight=old.get_weight(),
                                               style=old.get_style()))


def styled(func):
    """Decorator of chart functions: draw inside the briefing rcParams, then set the CJK face on every
    text; global rcParams and matplotlib's font list are untouched."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        ax = kwargs.get("ax")
        others = frozenset(a for a in ax.figure.axes if a is not ax) if ax is not None else frozenset()
        with _drawing():
            fig = func(*args, **kwargs)
            _settle(fig, others, own_figure=ax is None)
        return fig

    return wrapper


# --------------------------------------------------------------------------------------------------
# colours
# --------------------------------------------------------------------------------------------------


def _dictionary():
    from compare.text.themes import load_theme_dictionary

    return load_theme_dictionary()


def theme_colors(themes: Iterable[str] | None = None, *, dictionary=None) -> dict[str, str]:
    """One hex colour per theme, the same in every chart: the `color` of each theme in the theme
    dictionary in use (`dictionary`, a :class:`compare.text.themes.ThemeDictionary`; default the
    packaged one), else a fixed palette by the theme's place in that dictionary or, for a theme the
    dictionary does not know (a custom dictionary's themes), by its place in `themes`. Only 其他 /
    未分类 are grey."""
    td = dictionary if dictionary is not None else _dictionary()
    configured = dict(td.colors)
    order = list(td.themes)
    names = order if themes is None else list(dict.fromkeys(str(t) for t in themes))
    unknown = [n for n in names if n not in order and n not in OTHER_THEMES]
    out: dict[str, str] = {}
    for name in names:
        if configured.get(name):
            out[name] = configured[name]
        elif name in order:
            out[name] = FALLBACK_THEME_PALETTE[order.index(name) % len(FALLBACK_THEME_PALETTE)]
        elif name in OTHER_THEMES:
            out[name] = OTHER_THEME_COLOR
        else:
            out[name] = FALLBACK_THEME_PALETTE[(len(order) + unknown.index(name)) % len(FALLBACK_THEME_PALETTE)]
    return out


def colors_for(cols: Sequence[str], colors: Mapping[str, str] | None) -> dict[str, str]:
    """Colours of the themes `cols`: from `colors` (a chart's argument) where given, else theme_colors."""
    out = theme_colors(cols)
    if colors:
        out.update({c: colors[c] for c in cols if c in colors})
    return out


def theme_order(present: Iterable[str], themes: Sequence[str] | None, colors: Mapping[str, str] | None = None
                ) -> list[str]:
    """Themes to draw: `themes` when given, else those present, in the order of `colors` (the
    dictionary in use) or of the packaged dictionary, unknown ones last."""
    present = list(dict.fromkeys(str(t) for t in present))
    if themes is not None:
        return [str(t) for t in themes]
    order = list(colors) if colors else list(_dictionary().themes)
    return [t for t in order if t in present] + [t for t in present if t not in order]


def province_colors(provinces: Iterable[str]) -> dict[str, tuple[str, str]]:
    """(colour, marker) per province, assigned in sorted order so that the same corpus gives every
    province the same look in every chart."""
    ordered = sorted(dict.fromkeys(str(p) for p in provinces))
    themed = [np.array(to_rgb(c)) for c in theme_colors().values()]
    palette = [c for c in PROVINCE_PALETTE
               if all(np.linalg.norm(np.array(to_rgb(c)) - t) > 0.25 for t in themed)] or list(PROVINCE_PALETTE)
    return {
        p: (palette[i % len(palette)], PROVINCE_MARKERS[i % len(PROVINCE_MARKERS)])
        for i, p in enumerate(ordered)
    }


def text_on(color) -> str:
    """Ink for text drawn on a fill of `color`: white on dark fills."""
    r, g, b = to_rgb(color)
    return "white" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.55 else INK


# --------------------------------------------------------------------------------------------------
# the frame: a slide-sized figure, or the analyst's own axes
# --------------------------------------------------------------------------------------------------


def slide(title: str, subtitle: str | None, *, note: str | None = None, scope: str | None = None,
          size=SLIDE) -> ChartFigure:
    """A slide-sized figure with title, subtitle (prefixed by the scope, e.g. "省级 · 工作要点") and
    the source line; axes go in the band between them. Call inside :func:`chart_style`."""
    w, h = size
    sub = "｜".join(s for s in (scope, subtitle) if s)
    source = source_line(note, scope=scope)
    fig = ChartFigure(ChartInfo(title, sub, source), figsize=size, layout="constrained")
    fig.get_layout_engine().set(
        rect=(MARGIN_IN / w, FOOTER_IN / h, 1.0 - 2 * MARGIN_IN / w, 1.0 - (HEADER_IN + FOOTER_IN) / h),
        w_pad=0.05, h_pad=0.05,
    )
    x0 = MARGIN_IN / w
    band = w - 2 * MARGIN_IN  # every line of the frame fits between the margins (fit_line)
    shown, pt = fit_line(title, band, TITLE_SIZE, min_size=TITLE_SIZE - 6, max_lines=1)
    fig.text(x0, 1 - 0.22 / h, shown, fontsize=pt, color=INK, ha="left", va="top")
    if sub:
        shown, pt = fit_line(sub, band, SUBTITLE_SIZE, min_size=SMALL_SIZE)
        top = 0.74 if "\n" not in shown else 0.64  # two lines start higher, above the plot band
        fig.text(x0, 1 - top / h, shown, fontsize=pt, color=MUTED, ha="left", va="top", linespacing=1.15)
    shown, pt = fit_line(source, band, SOURCE_SIZE, min_size=SOURCE_SIZE - 2)
    fig.text(x0, (0.16 if "\n" not in shown else 0.06) / h, shown, fontsize=pt, color=MUTED, ha="left",
             va="bottom", linespacing=1.1)
    return fig


def canvas(ax, title: str, subtitle: str | None, *, note: str | None = None, scope: str | None = None):
    """(figure, axes) to draw one chart in: a new slide with one axes, or the analyst's `ax` (its
    title set to the chart's title; the subtitle and source line are kept for :func:`chart_caption`)."""
    if ax is None:
        fig = slide(title, subtitle, note=note, scope=scope)
        return fig, fig.add_subplot()
    ax.set_title(title, loc="left", fontsize=SUBTITLE_SIZE + 1, color=INK)
    fig = ax.figure
    sub = "｜".join(s for s in (scope, subtitle) if s)
    record_axes_chart(ax, ChartInfo(title, sub, source_line(note, scope=scope)))
    return fig, ax


def chart_caption(obj) -> dict[str, str]:
    """{"title", "subtitle", "source"} of a chart (its figure, or the axes it was drawn into); {} for
    a figure that is not a briefing chart."""
    info = chart_info(obj)
    return info.caption() if info is not None else {}


def message(fig: Figure, text: str, ax=None) -> Figure:
    """Fill a chart that has nothing to plot with a readable explanation instead of empty axes."""
    ax = ax if ax is not None else fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=SUBTITLE_SIZE + 2, color=MUTED,
            transform=ax.transAxes, wrap=True)
    return fig


def empty(title: str, subtitle: str | None, text: str, *, ax=None, note: str | None = None,
          scope: str | None = None) -> Figure:
    fig, ax = canvas(ax, title, subtitle, note=note, scope=scope)
    return message(fig, text, ax)


# --------------------------------------------------------------------------------------------------
# deterministic files
# --------------------------------------------------------------------------------------------------


def save_kwargs(fmt: str, title: str) -> dict:
    if fmt == "png":
        return {"metadata": {"Software": None, "Title": title}}
    if fmt == "svg":
        return {"metadata": {"Date": None, "Creator": None, "Title": title}}
    if fmt == "pdf":
        return {"metadata": {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None,
                             "Title": title}}
    raise ParameterError(f"unknown figure format {fmt!r}; choose from {', '.join(FORMATS)}")


def write_if_changed(path: Path, data: bytes) -> bool:
    """Atomic write, skipped when the file already holds exactly these bytes (keeps mtimes stable)."""
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return False
    atomic_write_bytes(path, data)
    return True


def freeze_layout(fig: Figure) -> Figure:
    """Run the constrained layout once, at the figure's own dpi, and keep the result: every format and
    resolution then gets exactly the same layout (otherwise text extents measured at the first save's
    dpi would leak into the next format and the files would depend on the order they are written in)."""
    if isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine):
        fig.draw_without_rendering()
        rasterize.drop_layout_engine(fig)  # no placeholder engine: savefig then draws each file once
        # the solver's last digits vary with cached text metrics; SVG clip-path ids hash the exact
        # floats, so snap the axes to a 1e-6 grid (far below a pixel) to keep the files identical
        for ax in fig.axes:
            x0, y0, w, h = ax.get_position().bounds
            ax.set_position([round(v, 6) for v in (x0, y0, w, h)])
    return fig


def figure_bytes(fig: Figure, fmt: str, *, dpi: int = 300, title: str = "chart") -> bytes:
    """The figure as PNG/SVG/PDF bytes, deterministic (no dates), SVG text as outlines, PDF glyphs embedded.
    The file's Title metadata is a briefing chart's title, else `title`."""
    fmt = fmt.lower().lstrip(".")
    info = chart_info(fig)
    kwargs = save_kwargs(fmt, info.title if info is not None and info.title else title)
    with _drawing():
        freeze_layout(fig)
        if fmt == "png":
            return png_bytes(fig, dpi=dpi, text=kwargs["metadata"])
        buf = _io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=dpi, **kwargs)
    return buf.getvalue()


def png_bytes(fig: Figure, *, dpi: int, text: Mapping[str, str | None] | None = None, compress_level: int = 6) -> bytes:
    """The figure rasterised at dpi as PNG (:func:`compare.presentation.rasterize.png`): RGB when every
    pixel is opaque (a briefing chart on its white slide; matplotlib's own PNG is RGBA with an alpha of
    255 everywhere, a third more bytes to compress), else RGBA; `text` as PNG text chunks (None values
    left out), the resolution in the file. The same pixels as ``savefig(format="png")``."""
    width, height = int(fig.get_figwidth() * dpi), int(fig.get_figheight() * dpi)
    return rasterize.png(rasterize.rgba(fig, dpi=dpi), width, height, dpi=dpi, text=text,
                         compress_level=compress_level)


def save_figure(fig: Figure, path: str | Path, *, dpi: int = 300) -> Path:
    """Save fig to path (format from the suffix: png, svg or pdf) deterministically and atomically:
    no dates in the file, SVG text as outlines, PDF with the font's glyphs embedded."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    save_kwargs(fmt, "")  # unknown formats: a ParameterError before any drawing
    write_if_changed(path, figure_bytes(fig, fmt, dpi=dpi, title=path.stem))
    return path
