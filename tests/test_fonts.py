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
    # every character the charts need, plus the minus sign used on axes
    ft = ft2font.FT2Font(str(font.path))
    for ch in fonts.SAMPLE_TEXT + "−%0123456789→":
        assert ft.get_char_index(ord(ch)) != 0, ch
    # registered with matplotlib under the family name used in rcParams
    found = font_manager.findfont(font_manager.FontProperties(family=font.family), fallback_to_default=False)
    assert Path(found).resolve() == font.path.resolve()


def test_cff_font_gets_type3_pdf_embedding():
    """matplotlib's Type 42 writes fonts as CIDFontType2/FontFile2 (TrueType); a CFF-outline OTF needs Type 3."""
    font = find_cjk_font(system=False)
    with TTFont(str(font.path), lazy=True) as tt:
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
    family = fonts.cjk_font_info().family
    with warnings.catch_warnings(record=True) as outer:
        warnings.simplefilter("always")
        with font_problems() as problems:
            _draw("数据来源：各省科协工作要点（河南）", [family])
            warnings.warn("unrelated warning", UserWarning)
            logging.getLogger("matplotlib.font_manager").warning("unrelated log line")
    assert problems == []
    assert [str(w.message) for w in outer] == ["unrelated warning"]


@pytest.fixture(scope="module")
def installed_copy(tmp_path_factory) -> str:
    """A copy of the packaged font standing in for an installed system font (this machine has none)."""
    dst = tmp_path_factory.mktemp("sysfonts") / "installed-cjk.otf"
    shutil.copyfile(fonts.packaged_font_path(), dst)
    return str(dst)


def test_system_fonts_in_preference_order_and_never_proprietary(monkeypatch, installed_copy):
    """Installed fonts known to matplotlib: the preferred family wins, SimHei/YaHei are never picked."""
    real = installed_copy
    entries = [font_manager.FontEntry(fname=real, name=n, weight=400) for n in
               ("SimHei", "Microsoft YaHei", "WenQuanYi Zen Hei", "Source Han Sans SC")]
    original = list(font_manager.fontManager.ttflist)
    monkeypatch.setattr(font_manager.fontManager, "ttflist", entries + original)
    font = find_cjk_font()
    assert (font.family, font.source) == ("Source Han Sans SC", "matplotlib")
    monkeypatch.setattr(font_manager.fontManager, "ttflist", entries[:2] + original)
    monkeypatch.setattr(fonts, "_from_fontconfig", lambda tried: None)
    assert find_cjk_font().source == "package"  # the proprietary ones are skipped


def test_fontconfig_listing_is_used(monkeypatch, installed_copy):
    """A font fontconfig knows (e.g. installed after matplotlib cached its font list) is registered and used."""
    real = installed_copy
    listing = (f"/usr/share/fonts/x/SimHei.ttf: SimHei:style=Regular\n"
               f"{real}: Noto Sans CJK SC,Noto Sans CJK SC Regular:style=Regular\n"
               f"{real}: Noto Sans CJK SC,Noto Sans CJK SC Bold:style=Bold\n")
    monkeypatch.setattr(fonts, "_from_matplotlib", lambda tried: None)
    monkeypatch.setattr(fonts.shutil, "which", lambda name: "/usr/bin/fc-list")
    monkeypatch.setattr(fonts.subprocess, "run",
                        lambda *a, **k: subprocess.CompletedProcess(a, 0, stdout=listing, stderr=""))
    registered = []
    # record instead of registering, so the stand-in file does not stay in matplotlib's font list
    monkeypatch.setattr(fonts, "_register", lambda path: registered.append(path) or "Noto Sans CJK SC")
    font = find_cjk_font()
    assert font.source == "fontconfig" and str(font.path) == real and registered == [Path(real)]
    assert font.pdf_fonttype == 3
