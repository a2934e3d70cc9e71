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
import re
from dataclasses import dataclass, field
from pathlib import Path

from compare.core.errors import ThemeFileError
from compare.core.paths import PACKAGE_DATA
from compare.core.textfile import AnalystFileError, read_toml
from compare.text.segment import normalize_text

__all__ = ["DEFAULT_CODEBOOK", "Codebook", "CodebookError", "Tool", "load_codebook"]

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
    lines = text.splitlines()

    def fail(reason: str, line: int | None = None):
        raise CodebookError(path, reason, line)

    def key_line(key: str, start: int = 1) -> int | None:
        pat = re.compile(rf"^\s*(?:\[+\s*)?{re.escape(key)}\b")
        for n in range(max(1, start), len(lines) + 1):
            if pat.match(lines[n - 1]):
                return n
        return None

    for key in data:
        if key not in _TOP:
            fail(f"unknown top-level key {key!r} (allowed: {', '.join(sorted(_TOP))})", key_line(key))

    weights = dict(_WEIGHTS)
    w = data.get("weights", {})
    if not isinstance(w, dict):
        fail("[weights] must be a table", key_line("weights"))
    for k, v in w.items():
        if k not in _WEIGHTS:
            fail(f"[weights]: unknown key {k!r} (allowed: {', '.join(_WEIGHTS)})", key_line(k))
        if isinstance(v, bool) or not isinstance(v, int | float) or v < 0 or (k not in ("low_confidence_margin", "repeat") and v == 0):
            fail(f"[weights] {k} must be a positive number, not {v!r}", key_line(k))
        weights[k] = float(v)
    if weights["repeat"] > 1:
        fail("[weights] repeat is the share of its weight a word said again adds: it must be 0-1", key_line("repeat"))
    if weights["low_confidence_margin"] >= 1:
        fail("[weights] low_confidence_margin is a share of the winner's score: it must be below 1",
             key_line("low_confidence_margin"))

    def word_list(section: str) -> tuple[str, ...]:
        block = data.get(section, {"words": []})
        if not isinstance(block, dict) or set(block) - {"words"} or not isinstance(block.get("words", []), list):
            fail(f"[{section}] needs exactly one key: words = [\"...\", ...]", key_line(section))
        out = []
        for x in block.get("words", []):
            if not isinstance(x, str) or not x.strip():
                fail(f"[{section}]: words must be non-empty strings, not {x!r}", key_line(section))
            out.append(normalize_text(x.strip()))
        return tuple(out)

    ignore, negation = word_list("ignore"), word_list("negation")

    blocks = data.get("type")
    if not isinstance(blocks, list) or not blocks:
        fail("no instrument types: add [[type]] blocks, each with [[type.tool]] blocks", None)
    type_heads = [n for n, ln in enumerate(lines, 1) if re.match(r"^\s*\[\[\s*type\s*\]\]", ln)]
    tool_heads = [n for n, ln in enumerate(lines, 1) if re.match(r"^\s*\[\[\s*type\s*\.\s*tool\s*\]\]", ln)]
    types: list[str] = []
    tools: list[Tool] = []
    descriptions: dict[str, str] = {}
    colors: dict[str, str] = {}
    seen_word: dict[str, str] = {w: "[ignore]" for w in ignore}
    n_tool = 0
    for k, block in enumerate(blocks):
        where = type_heads[k] if k < len(type_heads) else None
        unknown = sorted(set(block) - _TYPE_KEYS)
        if unknown:
            fail(f"type #{k + 1}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(_TYPE_KEYS))})",
                 key_line(unknown[0], where or 1))
        name = block.get("name")
        if not isinstance(name, str) or not name.strip() or any(c.isspace() for c in name.strip()):
            fail(f"type #{k + 1} needs a name = \"...\" without spaces", where)
        name = name.strip()
        if name in types:
            fail(f"type {name!r} is defined twice", where)
        color = block.get("color", "")
        if color and (not isinstance(color, str) or not _HEX.fullmatch(color.strip())):
            fail(f"type {name!r}: color must be a hex colour like \"#0072B2\", not {color!r}", key_line("color", where or 1))
        desc = block.get("description", "")
        if not isinstance(desc, str):
            fail(f"type {name!r}: description must be a string", key_line("description", where or 1))
        tool_blocks = block.get("tool")
        if not isinstance(tool_blocks, list) or not tool_blocks:
            fail(f"type {name!r} has no tools: add [[type.tool]] blocks after it", where)
        types.append(name)
        descriptions[name] = desc.strip()
        if color:
            colors[name] = color.strip().upper()
        for tb in tool_blocks:
            at = tool_heads[n_tool] if n_tool < len(tool_heads) else where
            n_tool += 1
            unknown = sorted(set(tb) - _TOOL_KEYS)
            if unknown:
                fail(f"tool #{n_tool} of type {name!r}: unknown key {unknown[0]!r} (allowed: "
                     f"{', '.join(sorted(_TOOL_KEYS))})", key_line(unknown[0], at or 1))
            tname = tb.get("name")
            if not isinstance(tname, str) or not tname.strip() or any(c.isspace() for c in tname.strip()):
                fail(f"tool #{n_tool} of type {name!r} needs a name = \"...\" without spaces", at)
            tname = tname.strip()
            if tname in types or any(t.name == tname for t in tools):
                fail(f"tool {tname!r} is defined twice (or is also a type name)", at)
            words: dict[str, list[str]] = {}
            for kind in ("strong", "keywords"):
                lst = tb.get(kind, [])
                if not isinstance(lst, list):
                    fail(f"tool {tname!r}: {kind} must be a list of strings", key_line(kind, at or 1))
                words[kind] = []
                for x in lst:
                    if not isinstance(x, str) or not x.strip():
                        fail(f"tool {tname!r}: {kind} must be non-empty strings, not {x!r}", key_line(kind, at or 1))
                    norm = normalize_text(x.strip())
                    if norm in seen_word:
                        other = seen_word[norm]
                        reason = "twice" if other == tname else f"also under {other}"
                        fail(f"tool {tname!r}: {x!r} is listed {reason}; a word belongs to one tool (or to [ignore])",
                             _line_of(lines, f'"{x}"', (at or 1)))
                    seen_word[norm] = tname
                    words[kind].append(norm)
            if not words["strong"] and not words["keywords"]:
                fail(f"tool {tname!r} has no words: give it strong = [...] and/or keywords = [...]", at)
            for kind in ("description", "wording"):
                if not isinstance(tb.get(kind, ""), str):
                    fail(f"tool {tname!r}: {kind} must be a string", key_line(kind, at or 1))
            tools.append(Tool(name=tname, type=name, strong=tuple(words["strong"]), keywords=tuple(words["keywords"]),
                              description=tb.get("description", "").strip(), wording=tb.get("wording", "").strip()))
    return Codebook(types=tuple(types), tools=tuple(tools), weights=weights, ignore=ignore, negation=negation,
                    type_descriptions=descriptions, colors=colors, path=path)
