"""MkDocs hook: the site carries its own Chinese font, so that it reads right offline on any machine.

The theme loads no web font (`theme.font: false`: nothing is fetched from Google Fonts or a CDN), and
a machine without a Chinese system font would show the site's Chinese as empty boxes. After the
build, the characters of every page are collected and a subset of the project's CJK font (the
Simplified-Chinese face the charts use, `compare.presentation.fonts`) covering them is appended to
`stylesheets/extra.css` as a base64 @font-face (a data: URL also works for a site opened from the file
system, where browsers refuse font files). It is the last named font of the site's font stack: a
reader's own Chinese font (Noto Sans CJK SC, PingFang SC, Microsoft YaHei, …) comes first.
"""
from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.cjk_font")


def on_post_build(config) -> None:
    from compare.presentation.fontembed import font_face_css, page_text, subset_cjk_font
    from compare.presentation.fonts import cjk_font_info

    site = Path(config.site_dir)
    chars: set[str] = set()
    for page in sorted(site.rglob("*.html")):
        chars.update(page_text(page.read_text(encoding="utf-8")))
    chars.discard("\ufffd")  # the replacement character the loader docs show: no font draws it
    font = cjk_font_info()
    woff = subset_cjk_font("".join(sorted(chars)), font=font)
    comment = (f"subset of {font.family} ({Path(font.path).name}) for the characters of this site; "
               "its copyright and licence are in the font's name table")
    css = site / "stylesheets" / "extra.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n" + font_face_css(woff, comment=comment) + "\n",
                   encoding="utf-8")
    log.info("embedded a %d KB subset of %s for %d characters", len(woff) // 1024, font.family, len(chars))
