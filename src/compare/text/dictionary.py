"""The theme dictionary: a TOML file of themes, each with seed keywords, a chart colour and a
description, read and validated with the file and line of every mistake.

``ThemeDictionary.sha256()`` fingerprints what scoring uses (the themes in order and their
keywords): the saved theme model records it, and a changed fingerprint makes the next `themes` run
refit the model. Colours and descriptions are presentation and do not count.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from compare.core import schema
from compare.core.errors import ThemeFileError
from compare.core.paths import PACKAGE_DATA
from compare.core.textfile import AnalystFileError, read_toml
from compare.text.segment import normalize_text

__all__ = ["DEFAULT_THEMES", "ThemeDictionary", "load_theme_dictionary"]

DEFAULT_THEMES = PACKAGE_DATA / "themes.toml"
_HEX = re.compile(r"#[0-9A-Fa-f]{6}")
_THEME_KEYS = {"name", "description", "color", "keywords"}
_TOP_KEYS = {"theme"}


@dataclass(frozen=True)
class ThemeDictionary:
    """The themes, their seed keywords and colours, in file order."""

    themes: list[str]
    keywords: dict[str, list[str]]
    colors: dict[str, str]
    descriptions: dict[str, str] = field(default_factory=dict)
    path: Path | None = None

    def keyword_theme(self) -> dict[str, str]:
        """Normalised keyword -> its theme."""
        return {normalize_text(k): t for t in self.themes for k in self.keywords[t]}

    def score_columns(self) -> list[str]:
        return [f"{schema.THEME_SCORE_PREFIX}{t}" for t in self.themes]

    def to_json(self) -> dict:
        """A JSON-able copy (the saved theme model embeds the dictionary it was fitted with)."""
        return {"themes": list(self.themes), "keywords": {t: list(self.keywords[t]) for t in self.themes},
                "colors": {t: self.colors[t] for t in self.themes},
                "descriptions": {t: self.descriptions.get(t, "") for t in self.themes}}

    @classmethod
    def from_json(cls, data: dict, path: Path | None = None) -> ThemeDictionary:
        themes = list(data["themes"])
        return cls(themes=themes, keywords={t: list(data["keywords"][t]) for t in themes},
                   colors=dict(data["colors"]), descriptions=dict(data.get("descriptions", {})), path=path)

    def sha256(self) -> str:
        """Fingerprint of what scoring uses: the themes in order and their keywords.

        >>> ThemeDictionary(["a"], {"a": ["科普"]}, {"a": "#000000"}).sha256()[:12]
        '6fdef9037df1'
        """
        canon = {"themes": list(self.themes), "keywords": [list(self.keywords[t]) for t in self.themes]}
        blob = json.dumps(canon, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class _Lines:
    """Finds the line of a theme block / key in the TOML source, for error messages."""

    _HEADER = re.compile(r"^\s*\[\[\s*theme\s*\]\]")

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.headers = [i + 1 for i, ln in enumerate(self.lines) if self._HEADER.match(ln)]

    def block(self, k: int) -> tuple[int, int]:
        start = self.headers[k] if k < len(self.headers) else 1
        end = self.headers[k + 1] if k + 1 < len(self.headers) else len(self.lines) + 1
        return start, end

    def key(self, k: int | None, key: str) -> int | None:
        start, end = self.block(k) if k is not None else (1, (self.headers or [len(self.lines) + 1])[0])
        pat = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*=|^\s*\[+\s*{re.escape(key)}\s*\]")
        for n in range(start, end):
            if pat.match(self.lines[n - 1]):
                return n
        return start if k is not None else None

    def value(self, k: int, text: str, nth: int = 0) -> int | None:
        """The line of the nth quoted occurrence of a keyword, from the block's `keywords =` line on."""
        start, end = self.block(k)
        start = self.key(k, "keywords") or start
        seen = 0
        for n in range(start, end):
            line = self.lines[n - 1]
            seen += line.count(f'"{text}"') + line.count(f"'{text}'")
            if seen > nth:
                return n
        return self.key(k, "keywords")


def load_theme_dictionary(path: str | Path | None = None) -> ThemeDictionary:
    """Read and validate a theme dictionary TOML file (default: the packaged ``data/themes.toml``).

    Raises ThemeFileError naming the file and, where it can be found, the line: TOML syntax errors,
    unknown keys, a theme without name/colour/keywords, empty or duplicate keywords, duplicate theme
    names, colours that are not ``#RRGGBB`` or are used twice."""
    path = Path(path) if path is not None else DEFAULT_THEMES
    try:
        data, text = read_toml(path)  # UTF-8 or GB18030, mojibake refused (compare.core.textfile)
    except AnalystFileError as exc:
        raise ThemeFileError(path, exc.reason.replace("the file", "the theme file"), exc.line) from None
    reader = _ThemeReader(path, _Lines(text))
    for key in data:
        if key not in _TOP_KEYS:
            reader.fail(f"unknown top-level key {key!r} (expected [[theme]] blocks)", reader.lines.key(None, key))
    blocks = data.get("theme")
    if not isinstance(blocks, list) or not blocks:
        reader.fail("no themes: add [[theme]] blocks with name, color and keywords", None)
    for k, block in enumerate(blocks):
        reader.theme(k, block)
    return ThemeDictionary(themes=reader.themes, keywords=reader.keywords, colors=reader.colors,
                           descriptions=reader.descriptions, path=path)


class _ThemeReader:
    """The checks of one theme file's [[theme]] blocks, in file order; each failure names the file
    and the line at fault."""

    def __init__(self, path: Path, lines: _Lines):
        self.path, self.lines = path, lines
        self.themes: list[str] = []
        self.keywords: dict[str, list[str]] = {}
        self.colors: dict[str, str] = {}
        self.descriptions: dict[str, str] = {}
        self.seen_kw: dict[str, str] = {}     # normalised keyword -> its theme
        self.seen_color: dict[str, str] = {}  # colour -> its theme

    def fail(self, reason: str, line: int | None = None):
        raise ThemeFileError(self.path, reason, line)

    def theme(self, k: int, block: dict) -> None:
        """Block k: known keys, then its name, colour, keywords and description, recorded when all pass."""
        unknown = sorted(set(block) - _THEME_KEYS)
        if unknown:
            self.fail(f"theme #{k + 1}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(_THEME_KEYS))})",
                      self.lines.key(k, unknown[0]))
        name = self.name(k, block)
        color = self.color(k, block, name)
        clean = self.theme_keywords(k, block, name)
        desc = block.get("description", "")
        if not isinstance(desc, str):
            self.fail(f"theme {name!r}: description must be a string", self.lines.key(k, "description"))
        self.themes.append(name)
        self.keywords[name] = clean
        self.colors[name] = color
        self.descriptions[name] = desc.strip()
        self.seen_color[color] = name

    def name(self, k: int, block: dict) -> str:
        where = self.lines.block(k)[0]
        name = block.get("name")
        if not isinstance(name, str) or not name.strip():
            self.fail(f"theme #{k + 1} needs a non-empty name = \"...\"",
                      self.lines.key(k, "name") if "name" in block else where)
        name = name.strip()
        if any(ch.isspace() for ch in name):
            self.fail(f"theme name {name!r} must not contain spaces (it becomes the column score_{name})",
                      self.lines.key(k, "name"))
        if name in self.keywords:
            self.fail(f"theme {name!r} is defined twice", self.lines.key(k, "name"))
        return name

    def color(self, k: int, block: dict, name: str) -> str:
        color = block.get("color")
        if color is None:
            self.fail(f"theme {name!r} needs a color = \"#RRGGBB\"", self.lines.block(k)[0])
        if not isinstance(color, str) or not _HEX.fullmatch(color.strip()):
            self.fail(f"theme {name!r}: color must be a hex colour like \"#0072B2\", not {color!r}",
                      self.lines.key(k, "color"))
        color = color.strip().upper()
        if color in self.seen_color:
            self.fail(f"theme {name!r}: color {color} is already used by theme {self.seen_color[color]!r}",
                      self.lines.key(k, "color"))
        return color

    def theme_keywords(self, k: int, block: dict, name: str) -> list[str]:
        """The theme's keywords as written (stripped); one listed twice, here or under another theme, fails."""
        kws = block.get("keywords")
        if kws is None:
            self.fail(f"theme {name!r} needs keywords = [\"...\", ...]", self.lines.block(k)[0])
        if not isinstance(kws, list) or not kws:
            self.fail(f"theme {name!r}: keywords must be a non-empty list of strings", self.lines.key(k, "keywords"))
        clean: list[str] = []
        for kw in kws:
            if not isinstance(kw, str) or not kw.strip():
                self.fail(f"theme {name!r}: keywords must be non-empty strings, not {kw!r}",
                          self.lines.key(k, "keywords"))
            norm = normalize_text(kw.strip())
            if norm in self.seen_kw:
                other = self.seen_kw[norm]
                reason = "twice" if other == name else f"also under theme {other!r}"
                self.fail(f"theme {name!r}: keyword {kw!r} is listed {reason}; a keyword belongs to one theme",
                          self.lines.value(k, kw, nth=clean.count(kw.strip())))
            self.seen_kw[norm] = name
            clean.append(kw.strip())
        return clean

