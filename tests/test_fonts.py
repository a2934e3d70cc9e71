"""The CJK font: found without any system font, covers the charts' characters, embeds correctly, and
missing glyphs / font fallbacks are detected (so the chart tests that expect none can fail)."""
from __future__ import annotations

import io
import logging
import shutil
import subprocess
import uuid
import warnings
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from matplotlib import font_manager
from matplotlib import ft2font
from matplotlib.figure import Figure

from compare.presentation import fonts
from compare.presentation.fonts import FontError, find_cjk_font, font_problems


def _draw(text: str, family: list[str]) -> None:
    fig = Figure(figsize=(3, 1))
    fig.text(0.1, 0.5, text, fontfamily=family)
    fig.savefig(io.BytesIO(), format="png", dpi=30)


def test_packaged_font_is_a_real_cjk_font_and_registered():
    font = find_cjk_font(system=False)
    assert font.source == "package"
    assert font.path == fonts.packaged_font_path() and font.path.is_file()
    # the mainland face of the collection, not face 0 (Japanese)
    assert (font.family, font.postscript_name) == ("Noto Sans CJK SC", "NotoSansCJKsc-Regular") and font.is_mainland
    # every character the charts need, plus the minus sign used on axes
    ft = ft2font.FT2Font(str(font.path), face_index=font.face_index)
    for ch in fonts.SAMPLE_TEXT + "−%0123456789→":
        assert ft.get_char_index(ord(ch)) != 0, ch
    # finding it registers nothing; registering (an analyst's opt-in) makes the family name resolve
    assert fonts.register(font) == font.family
    found = font_manager.findfont(font_manager.FontProperties(family=font.family), fallback_to_default=False)
    assert font_manager.get_font(found).family_name == font.family


def test_cff_font_gets_type3_pdf_embedding():
    """matplotlib's Type 42 writes fonts as CIDFontType2/FontFile2 (TrueType); a CFF-outline OTF needs Type 3."""
    font = find_cjk_font(system=False)
    with TTFont(str(font.path), lazy=True, fontNumber=font.face_index) as tt:
        is_cff = "CFF " in tt and "glyf" not in tt
    assert font.pdf_fonttype == (3 if is_cff else 42)


def test_chosen_font_is_never_proprietary():
    font = fonts.cjk_font_info()
    assert font.family.lower() not in {f.lower() for f in fonts.REFUSED_FAMILIES}
    assert "windows" not in str(font.path).lower()


def test_env_override_must_be_a_cjk_font(monkeypatch, tmp_path):
    monkeypatch.setenv(fonts.ENV_VAR, str(tmp_path / "nope.ttf"))
    with pytest.raises(FontError, match="nope.ttf"):
        find_cjk_font()
    dejavu = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    monkeypatch.setenv(fonts.ENV_VAR, dejavu)
    with pytest.raises(FontError, match="lacks Chinese glyphs"):
        find_cjk_font()
    monkeypatch.setenv(fonts.ENV_VAR, str(fonts.packaged_font_path()))
    assert find_cjk_font().source == "env"


def test_font_problems_catches_missing_glyphs():
    with font_problems() as problems:
        _draw("数据来源", ["DejaVu Sans"])
    assert problems and all("missing from font" in p for p in problems), problems


def test_font_problems_catches_font_fallback():
    with font_problems() as problems:
        # findfont caches its answers (and logs only once per family): use a name never asked before
        _draw("abc", [f"No Such Font Family {uuid.uuid4().hex}"])
    assert any("not found" in p for p in problems), problems


def test_font_problems_quiet_for_cjk_font_and_passes_other_warnings_on():
    font = fonts.cjk_font_info()
    with warnings.catch_warnings(record=True) as outer:
        warnings.simplefilter("always")
        with font_problems() as problems:
            # the font named by file and face, as the charts do: nothing depends on another test having
            # registered the family with matplotlib's font manager
            fig = Figure(figsize=(3, 1))
            fig.text(0.1, 0.5, "数据来源：各省科协工作要点（河南）", fontproperties=font.properties())
            fig.savefig(io.BytesIO(), format="png", dpi=30)
            warnings.warn("unrelated warning", UserWarning)
            logging.getLogger("matplotlib.font_manager").warning("unrelated log line")
    assert problems == []
    assert [str(w.message) for w in outer] == ["unrelated warning"]


@pytest.fixture(scope="module")
def installed_copy(tmp_path_factory) -> str:
    """A copy of the packaged font standing in for an installed system font (this machine has none)."""
    dst = tmp_path_factory.mktemp("sysfonts") / "installed-cjk.ttc"
    shutil.copyfile(fonts.packaged_font_path(), dst)
    return str(dst)


def test_system_fonts_in_preference_order_and_never_proprietary(monkeypatch, installed_copy):
    """Installed fonts known to matplotlib: the preferred family wins, SimHei/YaHei are never picked."""
    real = installed_copy
    entries = [font_manager.FontEntry(fname=real, index=fonts.sc_face_index(Path(real)), name=n, weight=400) for n in
               ("SimHei", "Microsoft YaHei", "WenQuanYi Zen Hei", "Source Han Sans SC")]
    # the machine's own CJK fonts (fonts-noto-cjk, if installed) are hidden: this test is about the order
    original = [e for e in font_manager.fontManager.ttflist if e.name not in fonts.PREFERRED_FAMILIES]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", entries + original)
    font = find_cjk_font()
    assert (font.family, font.source) == ("Source Han Sans SC", "matplotlib")
    monkeypatch.setattr(font_manager.fontManager, "ttflist", entries[:2] + original)
    monkeypatch.setattr(fonts, "_from_fontconfig", lambda tried, *families: None)
    assert find_cjk_font().source == "package"  # the proprietary ones are skipped


def test_fontconfig_listing_is_used(monkeypatch, installed_copy):
    """A font fontconfig knows (e.g. installed after matplotlib cached its font list) is registered and used."""
    real = installed_copy
    listing = (f"/usr/share/fonts/x/SimHei.ttf: SimHei:style=Regular\n"
               f"{real}: Noto Sans CJK SC,Noto Sans CJK SC Regular:style=Regular\n"
               f"{real}: Noto Sans CJK SC,Noto Sans CJK SC Bold:style=Bold\n")
    monkeypatch.setattr(fonts, "_from_matplotlib", lambda tried, *families: None)
    monkeypatch.setattr(fonts.shutil, "which", lambda name: "/usr/bin/fc-list")
    monkeypatch.setattr(fonts.subprocess, "run",
                        lambda *a, **k: subprocess.CompletedProcess(a, 0, stdout=listing, stderr=""))
    registered = []
    # record instead of registering, so the stand-in file does not stay in matplotlib's font list
    monkeypatch.setattr(fonts, "_face_family", lambda path, index: registered.append((path, index)) or "Noto Sans CJK SC")
    font = find_cjk_font()
    sc = fonts.face_families(Path(real)).index("Noto Sans CJK SC")
    assert font.source == "fontconfig" and str(font.path) == real and registered == [(Path(real), sc)]
    assert font.face_index == sc != 0  # the SC face fontconfig named, not face 0 of the collection
    assert font.pdf_fonttype == 3


# --------------------------------------------------------------------------------------------------
# mainland glyphs: the SC face, with and without a system CJK font
# --------------------------------------------------------------------------------------------------

#: characters whose mainland (SC) shapes differ from the Japanese / Traditional ones
REGIONAL = "具领海直骨说"


def test_collection_face_is_chosen_by_family_not_face_0():
    path = fonts.packaged_font_path()
    names = fonts.face_families(path)
    assert names[0] == "Noto Sans CJK JP"  # why face 0 must never be taken on trust
    assert names[fonts.sc_face_index(path)] == "Noto Sans CJK SC"
    assert fonts.sc_face_index(path, "Noto Sans CJK TC") == names.index("Noto Sans CJK TC")


def _pixels(text: str, prop=None, family=None):
    import numpy as np

    fig = Figure(figsize=(3, 0.6), dpi=60)
    fig.text(0.02, 0.2, text, fontsize=24, fontproperties=prop, fontfamily=family)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60)
    from matplotlib.image import imread

    buf.seek(0)
    return np.asarray(imread(buf))


@pytest.fixture(params=["system", "no-system-font"])
def chosen_font(request, monkeypatch):
    """The font the charts use on this machine, and with the system-font lookup simulated absent."""
    if request.param == "no-system-font":
        monkeypatch.setattr(fonts, "_from_matplotlib", lambda tried, *families: None)
        monkeypatch.setattr(fonts, "_from_fontconfig", lambda tried, *families: None)
    font = find_cjk_font()
    monkeypatch.setattr(fonts, "_cached_font", lambda: font)
    if request.param == "no-system-font":
        assert font.source == "package"
    return font


def test_charts_draw_mainland_shapes(chosen_font):
    """Drawn in the chart style, 具领海直骨说 take exactly the SC face's shapes, not the JP face's."""
    import numpy as np
    from matplotlib.font_manager import FontPath, FontProperties

    from compare.presentation import style

    assert chosen_font.is_mainland and "sc" in chosen_font.postscript_name.lower()

    @style.styled  # exactly how every chart function draws
    def chart():
        fig = Figure(figsize=(3, 0.6), dpi=60)
        fig.text(0.02, 0.2, REGIONAL, fontsize=24)
        return fig

    fig = chart()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60)  # drawn outside the style context, as a notebook does
    from matplotlib.image import imread

    buf.seek(0)
    charted = np.asarray(imread(buf))
    names = fonts.face_families(chosen_font.path)
    sc = _pixels(REGIONAL, FontProperties(fname=FontPath(str(chosen_font.path), chosen_font.face_index)))
    assert np.array_equal(charted, sc)
    jp_file = fonts.packaged_font_path()  # the OTC holds every region: compare with its JP face
    jp = _pixels(REGIONAL, FontProperties(fname=FontPath(str(jp_file), fonts.face_families(jp_file).index(
        "Noto Sans CJK JP"))))
    assert not np.array_equal(charted, jp), "the characters were drawn with Japanese shapes"
    assert len(names) >= 1


def test_chart_pdf_embeds_only_the_sc_face(chosen_font):
    import re

    import pandas as pd

    from compare.presentation import plots

    fig = plots.theme_heatmap(pd.DataFrame({"province": ["河南", "河南"], "year": [2024, 2024],
                                            "theme": ["科普", "党建"], "share": [0.4, 0.6]}),
                              title=f"{REGIONAL}：主题结构")
    data = plots.figure_bytes(fig, "pdf", dpi=40)
    names = {n.decode() for n in re.findall(rb"/BaseFont\s*/([\w+-]+)", data)}
    cjk = {n for n in names if "CJK" in n or "SC" in n}
    assert cjk and all(n.split("+")[-1] == chosen_font.postscript_name for n in cjk), names
    assert not any("jp" in n.lower() or "tc" in n.lower().split("+")[-1][-10:] for n in cjk), names


def _outlines(tt, chars: str) -> list:
    from fontTools.pens.recordingPen import DecomposingRecordingPen

    glyphs, cmap, out = tt.getGlyphSet(), tt.getBestCmap(), []
    for ch in chars:
        pen = DecomposingRecordingPen(glyphs)
        glyphs[cmap[ord(ch)]].draw(pen)
        out.append(pen.value)
    return out


def test_html_font_subset_has_the_sc_shapes(chosen_font):
    """The reports embed a subset of the same SC face: its outlines of 具领海直骨说 are the SC face's."""
    fontembed = pytest.importorskip("compare.presentation.fontembed")

    woff = fontembed.subset_cjk_font(REGIONAL, font=chosen_font, cache=False)
    subset = TTFont(io.BytesIO(woff))
    with TTFont(str(chosen_font.path), fontNumber=chosen_font.face_index, lazy=True) as sc:
        assert _outlines(subset, REGIONAL) == _outlines(sc, REGIONAL)
    jp_file = fonts.packaged_font_path()
    with TTFont(str(jp_file), fontNumber=fonts.face_families(jp_file).index("Noto Sans CJK JP"), lazy=True) as jp:
        assert _outlines(subset, REGIONAL) != _outlines(jp, REGIONAL)


def test_finding_the_font_and_drawing_charts_register_nothing(chosen_font):
    import pandas as pd

    from compare.presentation import plots

    before = list(font_manager.fontManager.ttflist)
    find_cjk_font()
    fig = plots.targets_chart(pd.DataFrame({"theme": ["科普"], "province": ["河南"], "year": [2024], "n_targets": [3]}))
    with font_problems() as problems:
        plots.figure_bytes(fig, "png", dpi=30)
    assert problems == []
    assert font_manager.fontManager.ttflist == before


def test_an_installed_non_mainland_cut_loses_to_the_packaged_sc_face(monkeypatch, installed_copy):
    """A machine with only a Japanese or Traditional cut installed still draws mainland shapes."""
    jp = fonts.face_families(Path(installed_copy)).index("Noto Sans CJK JP")
    entries = [font_manager.FontEntry(fname=installed_copy, index=jp, name="Noto Sans CJK JP", weight=400)]
    original = [e for e in font_manager.fontManager.ttflist if e.name not in fonts.PREFERRED_FAMILIES]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", entries + original)
    monkeypatch.setattr(fonts, "_from_fontconfig", lambda tried, *families: None)
    assert find_cjk_font().source == "package"
    monkeypatch.setattr(fonts, "packaged_font_path", lambda: (_ for _ in ()).throw(FontError("not installed")))
    fallback = find_cjk_font()  # without the package: the installed cut, rather than nothing
    assert (fallback.family, fallback.source, fallback.face_index) == ("Noto Sans CJK JP", "matplotlib", jp)
