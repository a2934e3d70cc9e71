"""MkDocs hook: the docstrings read well in the API pages.

- The examples (`>>>` lines and their expected output) render as Python console code blocks, instead
  of nested block quotes whose `[['河南', …]]` output Markdown would read as references.
- Sphinx roles (:func:`like_with_like`, :class:`Corpus`) render as the code they name, and a
  paragraph's closing `::` (reST for "a literal block follows") as one colon.

The docstrings are prose with doctest examples (tests run them as written); mkdocstrings renders
them with the site's Markdown extensions, to which `on_config` adds this one.
"""
from __future__ import annotations

import re

from markdown import Extension
from markdown.preprocessors import Preprocessor

_PROMPT = re.compile(r"^(\s*)>>> ")
_FENCE = re.compile(r"^\s*(```|~~~)")
_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|data|attr|exc|obj|const):`~?([^`]+)`")
_LITERAL_MARK = re.compile(r"(\S)::$")


class _DoctestBlocks(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        in_fence = False
        i = 0
        while i < len(lines):
            line = lines[i]
            if _FENCE.match(line):
                in_fence = not in_fence
            prompt = None if in_fence else _PROMPT.match(line)
            if not prompt:
                if not in_fence:
                    line = _LITERAL_MARK.sub(r"\1:", _ROLE.sub(r"`\1`", line))
                out.append(line)
                i += 1
                continue
            indent = prompt.group(1)
            block = []
            while i < len(lines) and lines[i].strip():  # an example runs to the next blank line
                block.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i].lstrip())
                i += 1
            if out and out[-1].strip():
                out.append("")
            out += [f"{indent}```pycon", *(indent + b for b in block), f"{indent}```", ""]
        return out


class DoctestExtension(Extension):
    def extendMarkdown(self, md):  # noqa: N802 (Python-Markdown's name)
        md.preprocessors.register(_DoctestBlocks(md), "doctest_blocks", 35)


def on_config(config):
    config.markdown_extensions.append(DoctestExtension())
    return config
