"""A figure's pixels with one layout and one draw.

``Figure.savefig`` draws a figure that has a layout engine twice: a pass with rendering disabled (so
that constrained layout runs and every text is measured), then the real draw with the engine turned
off. The first pass walks every artist and lays out every text a second time: about an eighth of a
report chart's save. :func:`rgba` draws once on an Agg canvas: the figure's own draw runs the layout
engine first, then renders, at the resolution asked for, exactly as savefig's second pass would (the
same pixels: tested on every chart of the reports and of the figures step). :func:`drop_layout_engine`
is the same saving for vector formats once the layout is frozen: a figure with no engine at all
(instead of matplotlib's placeholder) is drawn once by savefig.
"""
from __future__ import annotations

import matplotlib as mpl
from matplotlib.figure import Figure


def _single_pass_ok() -> bool:
    """What savefig would do differently from one plain draw (a transparent or cropped save) is left to savefig."""
    return not mpl.rcParams["savefig.transparent"] and mpl.rcParams["savefig.bbox"] in (None, "standard")


def rgba(fig: Figure, *, dpi: float) -> bytes:
    """The figure rasterised at dpi as RGBA bytes (rows top down, 4 bytes a pixel): the bytes of
    ``fig.savefig(buf, format="rgba", dpi=dpi)``, drawn once. The figure's dpi, canvas and colours
    are as they were afterwards."""
    from io import BytesIO

    if not _single_pass_ok():
        buf = BytesIO()
        fig.savefig(buf, format="rgba", dpi=dpi)
        return buf.getvalue()
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    old_canvas, old_dpi = fig.canvas, fig.dpi
    colours = {"facecolor": fig.get_facecolor(), "edgecolor": fig.get_edgecolor()}
    canvas = FigureCanvasAgg(fig)  # becomes fig.canvas until the finally
    canvas._is_saving = True  # as savefig's canvas: a pyplot figure's stale callback does not redraw it meanwhile
    try:
        for prop in colours:  # as savefig: the savefig.* colour unless "auto" (the figure's own)
            colour = mpl.rcParams[f"savefig.{prop}"]
            if not (isinstance(colour, str) and colour == "auto"):
                getattr(fig, f"set_{prop}")(colour)
        fig.dpi = dpi
        canvas.draw()  # Figure.draw runs the layout engine, then renders
        return bytes(canvas.get_renderer().buffer_rgba())
    finally:
        fig.dpi = old_dpi
        for prop, colour in colours.items():
            getattr(fig, f"set_{prop}")(colour)
        fig.set_canvas(old_canvas)


def drop_layout_engine(fig: Figure) -> None:
    """Remove the figure's layout engine altogether (its layout kept as it is): savefig then draws it
    once. ``set_layout_engine("none")`` leaves a placeholder engine, for which savefig still makes its
    extra measuring pass."""
    with mpl.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)
