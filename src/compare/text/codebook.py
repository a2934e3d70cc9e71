"""The policy-instrument codebook: `data/instruments.toml` read and checked, with the file and line of
every mistake.

Three instrument types (Rothwell & Zegveld: 供给型, 环境型, 需求型), each with its tools; every tool
has decisive words (`strong`) and evidence words (`keywords`). ``Codebook.sha256()`` fingerprints
what coding uses (types, tools, words, weights, ignore and negation lists, in order): the saved
instrument model records it, and a changed fingerprint makes the next `instruments` run recode every
item. Descriptions, wording notes and colours are documentation and presentation and do not count.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from compare.core.errors import ThemeFileError
from compare.core.paths import PACKAGE_DATA
from compare.core.textfile import AnalystFileError, read_toml
from compare.text.segment import normalize_text

__all__ = ["DEFAULT_CODEBOOK", "Codebook", "CodebookError", "Tool", "configured_codebook", "load_codebook"]

DEFAULT_CODEBOOK = PACKAGE_DATA / "instruments.toml"
_HEX = re.compile(r"#[0-9A-Fa-f]{6}")
_TOP = {"weights", "ignore", "negation", "type"}
_TYPE_KEYS = {"name", "description", "color", "tool"}
_TOOL_KEYS = {"name", "description", "wording", "strong", "keywords"}
_WEIGHTS = {"keyword": 1.0, "strong": 3.0, "heading": 2.0, "repeat": 1.0, "low_confidence_margin": 0.34}


class CodebookError(ThemeFileError):
    """The instrument codebook is malformed (names the file and, where it can be found, the line)."""


@dataclass(frozen=True)
class Tool:
    name: str
    type: str
    strong: tuple[str, ...]
    keywords: tuple[str, ...]
    description: str = ""
    wording: str = ""


@dataclass(frozen=True)
class Codebook:
    """Types in file order, their tools in file order, the words of every tool and the weights."""

    types: tuple[str, ...]
    tools: tuple[Tool, ...]
    weights: dict[str, float]
    ignore: tuple[str, ...] = ()
    negation: tuple[str, ...] = ()
    type_descriptions: dict[str, str] = field(default_factory=dict)
    colors: dict[str, str] = field(default_factory=dict)
    path: Path | None = None

    @property
    def tool_names(self) -> list[str]:
        return [t.name for t in self.tools]

    def tool_type(self) -> dict[str, str]:
        return {t.name: t.type for t in self.tools}

    def word_weights(self) -> dict[str, tuple[str, float]]:
        """Normalised word -> (its tool, its weight)."""
        out: dict[str, tuple[str, float]] = {}
        for t in self.tools:
            for w in t.keywords:
                out[normalize_text(w)] = (t.name, self.weights["keyword"])
            for w in t.strong:
                out[normalize_text(w)] = (t.name, self.weights["strong"])
        return out

    def to_json(self) -> dict:
        """A JSON-able copy (the saved instrument model embeds the codebook it codes with)."""
        return {
            "types": list(self.types), "weights": dict(self.weights), "ignore": list(self.ignore),
            "negation": list(self.negation), "type_descriptions": dict(self.type_descriptions),
            "colors": dict(self.colors),
            "tools": [{"name": t.name, "type": t.type, "strong": list(t.strong), "keywords": list(t.keywords),
                       "description": t.description, "wording": t.wording} for t in self.tools],
        }

    @classmethod
    def from_json(cls, data: dict, path: Path | None = None) -> Codebook:
        tools = tuple(Tool(name=t["name"], type=t["type"], strong=tuple(t["strong"]), keywords=tuple(t["keywords"]),
                           description=t.get("description", ""), wording=t.get("wording", ""))
                      for t in data["tools"])
        return cls(types=tuple(data["types"]), tools=tools, weights=dict(data["weights"]),
                   ignore=tuple(data["ignore"]), negation=tuple(data["negation"]),
                   type_descriptions=dict(data.get("type_descriptions", {})), colors=dict(data.get("colors", {})),
                   path=path)

    def sha256(self) -> str:
        """Fingerprint of what coding uses (not descriptions, wording or colours)."""
        canon = {"types": list(self.types), "weights": {k: float(v) for k, v in sorted(self.weights.items())},
                 "ignore": list(self.ignore), "negation": list(self.negation),
                 "tools": [[t.name, t.type, list(t.strong), list(t.keywords)] for t in self.tools]}
        blob = json.dumps(canon, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _line_of(lines: list[str], needle: str, start: int = 1) -> int | None:
    """The first line (1-based, from `start`) that contains needle."""
    for n in range(max(1, start), len(lines) + 1):
        if needle in lines[n - 1]:
            return n
    return None


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Read and check an instrument codebook TOML (default: the packaged ``data/instruments.toml``).

    Raises CodebookError naming the file and the line: TOML syntax, unknown keys, a type or tool
    without a name or words, a word listed twice (in one tool or two), a weight that is not a
    positive number, a type colour that is not ``#RRGGBB``."""
    path = Path(path) if path is not None else DEFAULT_CODEBOOK
    try:
        data, text = read_toml(path)  # UTF-8 or GB18030, mojibake refused (compare.core.textfile)
    except AnalystFileError as exc:
        raise CodebookError(path, exc.reason.replace("the file", "the instrument codebook"), exc.line) from None
    reader = _CodebookReader(path, data, text.splitlines())
    reader.check_top_keys()
    weights = reader.weights()
    ignore, negation = reader.word_list("ignore"), reader.word_list("negation")
    types, tools, descriptions, colors = reader.types_and_tools(ignore)
    return Codebook(types=tuple(types), tools=tuple(tools), weights=weights, ignore=ignore, negation=negation,
                    type_descriptions=descriptions, colors=colors, path=path)


def configured_codebook() -> Codebook:
    """The project's codebook: the one kexie.toml names (``instruments = "FILE"``), else the packaged one;
    what the charts and the analysis take their types, tools and colours from. A kexie.toml or codebook
    that cannot be read gives the packaged one here (the build and the stage stop on it with the reason)."""
    from compare.core.config import load_config
    from compare.core.errors import CompareError
    from compare.core.paths import project_root

    try:
        return load_codebook(load_config(project_root()).instruments)
    except (CompareError, OSError) as exc:
        logging.getLogger(__name__).warning("%s: the packaged instrument codebook is used instead", exc)
        return load_codebook()


class _CodebookReader:
    """The checks of one codebook file, in the order they are made; each failure names the file and
    the line of the key at fault."""

    def __init__(self, path: Path, data: dict, lines: list[str]):
        self.path, self.data, self.lines = path, data, lines
        self.types: list[str] = []
        self.tools: list[Tool] = []
        self.seen_word: dict[str, str] = {}  # normalised word -> the tool (or [ignore]) that lists it

    def fail(self, reason: str, line: int | None = None):
        raise CodebookError(self.path, reason, line)

    def key_line(self, key: str, start: int = 1) -> int | None:
        pat = re.compile(rf"^\s*(?:\[+\s*)?{re.escape(key)}\b")
        for n in range(max(1, start), len(self.lines) + 1):
            if pat.match(self.lines[n - 1]):
                return n
        return None

    def check_top_keys(self) -> None:
        for key in self.data:
            if key not in _TOP:
                self.fail(f"unknown top-level key {key!r} (allowed: {', '.join(sorted(_TOP))})", self.key_line(key))

    def weights(self) -> dict[str, float]:
        """[weights] over the defaults: positive numbers (repeat and the margin may be 0), both shares below 1."""
        weights = dict(_WEIGHTS)
        w = self.data.get("weights", {})
        if not isinstance(w, dict):
            self.fail("[weights] must be a table", self.key_line("weights"))
        for k, v in w.items():
            if k not in _WEIGHTS:
                self.fail(f"[weights]: unknown key {k!r} (allowed: {', '.join(_WEIGHTS)})", self.key_line(k))
            if isinstance(v, bool) or not isinstance(v, int | float) or v < 0 or (k not in ("low_confidence_margin", "repeat") and v == 0):
                self.fail(f"[weights] {k} must be a positive number, not {v!r}", self.key_line(k))
            weights[k] = float(v)
        if weights["repeat"] > 1:
            self.fail("[weights] repeat is the share of its weight a word said again adds: it must be 0-1",
                      self.key_line("repeat"))
        if weights["low_confidence_margin"] >= 1:
            self.fail("[weights] low_confidence_margin is a share of the winner's score: it must be below 1",
                      self.key_line("low_confidence_margin"))
        return weights

    def word_list(self, section: str) -> tuple[str, ...]:
        """[ignore] or [negation]: words = [...], normalised."""
        block = self.data.get(section, {"words": []})
        if not isinstance(block, dict) or set(block) - {"words"} or not isinstance(block.get("words", []), list):
            self.fail(f"[{section}] needs exactly one key: words = [\"...\", ...]", self.key_line(section))
        out = []
        for x in block.get("words", []):
            if not isinstance(x, str) or not x.strip():
                self.fail(f"[{section}]: words must be non-empty strings, not {x!r}", self.key_line(section))
            out.append(normalize_text(x.strip()))
        return tuple(out)

    def types_and_tools(self, ignore: tuple[str, ...]):
        """The [[type]] blocks and their [[type.tool]] blocks: types, tools, descriptions and colours."""
        blocks = self.data.get("type")
        if not isinstance(blocks, list) or not blocks:
            self.fail("no instrument types: add [[type]] blocks, each with [[type.tool]] blocks", None)
        type_heads = [n for n, ln in enumerate(self.lines, 1) if re.match(r"^\s*\[\[\s*type\s*\]\]", ln)]
        tool_heads = [n for n, ln in enumerate(self.lines, 1) if re.match(r"^\s*\[\[\s*type\s*\.\s*tool\s*\]\]", ln)]
        descriptions: dict[str, str] = {}
        colors: dict[str, str] = {}
        self.seen_word = {w: "[ignore]" for w in ignore}
        n_tool = 0
        for k, block in enumerate(blocks):
            where = type_heads[k] if k < len(type_heads) else None
            name, desc, color, tool_blocks = self.type_block(k, block, where)
            self.types.append(name)
            descriptions[name] = desc.strip()
            if color:
                colors[name] = color.strip().upper()
            for tb in tool_blocks:
                at = tool_heads[n_tool] if n_tool < len(tool_heads) else where
                n_tool += 1
                self.tools.append(self.tool(tb, n_tool, name, at))
        return self.types, self.tools, descriptions, colors

    def type_block(self, k: int, block: dict, where: int | None):
        """One [[type]]: its name, description, colour and tool blocks, checked."""
        unknown = sorted(set(block) - _TYPE_KEYS)
        if unknown:
            self.fail(f"type #{k + 1}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(_TYPE_KEYS))})",
                      self.key_line(unknown[0], where or 1))
        name = block.get("name")
        if not isinstance(name, str) or not name.strip() or any(c.isspace() for c in name.strip()):
            self.fail(f"type #{k + 1} needs a name = \"...\" without spaces", where)
        name = name.strip()
        if name in self.types:
            self.fail(f"type {name!r} is defined twice", where)
        color = block.get("color", "")
        if color and (not isinstance(color, str) or not _HEX.fullmatch(color.strip())):
            self.fail(f"type {name!r}: color must be a hex colour like \"#0072B2\", not {color!r}",
                      self.key_line("color", where or 1))
        desc = block.get("description", "")
        if not isinstance(desc, str):
            self.fail(f"type {name!r}: description must be a string", self.key_line("description", where or 1))
        tool_blocks = block.get("tool")
        if not isinstance(tool_blocks, list) or not tool_blocks:
            self.fail(f"type {name!r} has no tools: add [[type.tool]] blocks after it", where)
        return name, desc, color, tool_blocks

    def tool(self, tb: dict, n_tool: int, type_name: str, at: int | None) -> Tool:
        """One [[type.tool]] of type_name: a unique name, words no other tool lists, string texts."""
        unknown = sorted(set(tb) - _TOOL_KEYS)
        if unknown:
            self.fail(f"tool #{n_tool} of type {type_name!r}: unknown key {unknown[0]!r} (allowed: "
                      f"{', '.join(sorted(_TOOL_KEYS))})", self.key_line(unknown[0], at or 1))
        tname = tb.get("name")
        if not isinstance(tname, str) or not tname.strip() or any(c.isspace() for c in tname.strip()):
            self.fail(f"tool #{n_tool} of type {type_name!r} needs a name = \"...\" without spaces", at)
        tname = tname.strip()
        if tname in self.types or any(t.name == tname for t in self.tools):
            self.fail(f"tool {tname!r} is defined twice (or is also a type name)", at)
        words = {kind: self.tool_words(tb, kind, tname, at) for kind in ("strong", "keywords")}
        if not words["strong"] and not words["keywords"]:
            self.fail(f"tool {tname!r} has no words: give it strong = [...] and/or keywords = [...]", at)
        for kind in ("description", "wording"):
            if not isinstance(tb.get(kind, ""), str):
                self.fail(f"tool {tname!r}: {kind} must be a string", self.key_line(kind, at or 1))
        return Tool(name=tname, type=type_name, strong=tuple(words["strong"]), keywords=tuple(words["keywords"]),
                    description=tb.get("description", "").strip(), wording=tb.get("wording", "").strip())

    def tool_words(self, tb: dict, kind: str, tname: str, at: int | None) -> list[str]:
        """A tool's strong or keywords list, normalised; a word another tool (or [ignore]) lists fails."""
        lst = tb.get(kind, [])
        if not isinstance(lst, list):
            self.fail(f"tool {tname!r}: {kind} must be a list of strings", self.key_line(kind, at or 1))
        out = []
        for x in lst:
            if not isinstance(x, str) or not x.strip():
                self.fail(f"tool {tname!r}: {kind} must be non-empty strings, not {x!r}", self.key_line(kind, at or 1))
            norm = normalize_text(x.strip())
            if norm in self.seen_word:
                other = self.seen_word[norm]
                reason = "twice" if other == tname else f"also under {other}"
                self.fail(f"tool {tname!r}: {x!r} is listed {reason}; a word belongs to one tool (or to [ignore])",
                          _line_of(self.lines, f'"{x}"', (at or 1)))
            self.seen_word[norm] = tname
            out.append(norm)
        return out
