"""Policy-instrument coding: which tool (and so which type: 供给型, 环境型, 需求型) an item uses.

Method (docs: Policy instruments):

1. **Lexicon.** The codebook's words (`data/instruments.toml`, `compare.text.codebook`) are found in
   the item's own text left to right, longest first and without overlap (one regular expression whose
   alternatives are sorted longest first, so 院士专家工作站 is one 基础设施 word and 科普基地 is not
   科普). `ignore` phrases are matched the same way and score nothing; a word within five characters
   after a negation word of its own clause (不再举办培训班, 停止补贴) is cancelled. A strong word weighs `weights.strong`, a keyword
   `weights.keyword`; a word inside the heading (the item's short title, which names the task)
   counts `weights.heading` times. Each tool's score is the sum of its words; the highest wins (a tie
   goes to the tool whose first word comes first, the heading's verb before its objects).
2. **Fallback model.** An item with no codebook word is coded by the nearest tool profile: character
   1-2-gram TF-IDF centroids of the items the lexicon coded with confidence when the model was
   fitted (`InstrumentCoder.fit`). Such items are always `low_confidence`, their method `model`.
3. **Confidence.** `low_confidence` when the winner leads the runner-up by less than
   `weights.low_confidence_margin` of its own score, or when the fallback model decided.

The coder is deterministic; `InstrumentCoder.to_json`/`from_json` save and restore it (JSON only,
`compare.text.instrument_model`), so a saved version codes new items exactly as it coded the old.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from compare.text.codebook import Codebook
from compare.text.segment import normalize_text

__all__ = ["Coding", "InstrumentCoder", "CodebookLexicon", "code_text", "item_code", "lexicon_pattern"]

_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")}


@dataclass(frozen=True)
class Coding:
    """One item's coding."""

    type: str
    tool: str
    score: float
    runner_up: str | None
    runner_up_score: float | None
    margin: float
    evidence: list[str]
    low_confidence: bool
    method: str  # lexicon | model
    scores: dict[str, float]


@dataclass(frozen=True)
class CodebookLexicon:
    """A codebook's matcher: one regular expression of its words and ignore phrases (longest first) and
    each word's (tool, weight)."""

    pattern: re.Pattern[str]
    weights: dict[str, tuple[str, float]]

    @classmethod
    def of(cls, codebook: Codebook) -> CodebookLexicon:
        return cls(lexicon_pattern(codebook), codebook.word_weights())


def lexicon_pattern(codebook: Codebook) -> re.Pattern[str]:
    words = set(codebook.word_weights()) | set(codebook.ignore)
    alternatives = sorted(words, key=lambda w: (-len(w), w))
    return re.compile("|".join(re.escape(w) for w in alternatives))


def _cn_number(s: str) -> int | None:
    if not s:
        return None
    if s.isdigit():
        return int(s)
    if all(c in _CN_DIGITS or c == "十" for c in s):
        if s == "十":
            return 10
        if s.startswith("十"):
            return 10 + _CN_DIGITS.get(s[1], 0)
        if "十" in s:
            tens, _, ones = s.partition("十")
            return _CN_DIGITS.get(tens, 0) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
        return _CN_DIGITS.get(s[0]) if len(s) == 1 else None
    return None


def item_code(file_no: int, item_id: str) -> str:
    """文件-章节-条目: the file's number and the numbers of the item's path.

    >>> item_code(3, "四/（三）/七"), item_code(2, "三/——4"), item_code(1, "12")
    ('3-4-3-7', '2-3-4', '1-12')
    """
    parts = [str(file_no)]
    for part in str(item_id).split("/"):
        core = part.strip("（）()、.．—- ")
        n = _cn_number(core)
        if n is None:
            digits = re.findall(r"\d+", part)
            n = int(digits[-1]) if digits else None
        parts.append(str(n) if n is not None else core)
    return "-".join(parts)


def _heading_end(text: str, heading: str) -> int:
    """Where the heading ends inside the item's text (0 when it is not found at the start)."""
    heading = heading.strip()
    if heading and text.startswith(heading):
        return len(heading)
    i = text.find(heading) if heading else -1
    return i + len(heading) if 0 <= i <= 8 else 0


def code_text(text: str, heading: str, codebook: Codebook, *, pattern: re.Pattern | None = None,
              weights: dict[str, tuple[str, float]] | None = None) -> tuple[dict[str, float], list[str], dict[str, int]]:
    """Lexicon scores of one item: tool -> score (tools without words omitted), the words found
    (heaviest first, then in text order; a word once) and each tool's tie-break rank (lower wins:
    the later its last heading word, the lower; a tool without heading words ranks by its first
    word's position after all heading tools)."""
    pattern = pattern or lexicon_pattern(codebook)
    weights = weights or codebook.word_weights()
    text, heading = normalize_text(str(text)), normalize_text(str(heading or ""))
    head_end = _heading_end(text, heading)
    scores: dict[str, float] = {}
    first: dict[str, int] = {}
    found: dict[str, float] = {}
    order: dict[str, int] = {}
    negation = codebook.negation
    repeat = codebook.weights["repeat"]
    for m in pattern.finditer(text):
        word = m.group(0)
        if word not in weights:
            continue  # an ignored phrase
        before = re.split(r"[，。；：、,.;:！？!?\s]", text[max(0, m.start() - 5):m.start()])[-1]
        if any(n in before for n in negation):
            continue
        tool, w = weights[word]
        if word in order:
            w *= repeat  # a word said again adds less than a new word
        if m.start() < head_end:
            w *= codebook.weights["heading"]
            # a tie goes to the heading's last word: Chinese puts the head noun last (党建示范点)
            first[tool] = -1 - m.start()
        scores[tool] = scores.get(tool, 0.0) + w
        first.setdefault(tool, m.start())
        found[word] = found.get(word, 0.0) + w
        order.setdefault(word, m.start())
    evidence = sorted(found, key=lambda k: (-found[k], order[k]))
    return scores, evidence, first


def _rank(scores: dict[str, float], first: dict[str, int], tools: list[str]) -> list[str]:
    pos = {t: i for i, t in enumerate(tools)}
    return sorted(scores, key=lambda t: (-scores[t], first.get(t, 10**9), pos[t]))


def _char_ngrams(text: str) -> list[str]:
    chars = [c for c in normalize_text(str(text)) if "\u4e00" <= c <= "\u9fff" or c.isalnum()]
    return chars + [a + b for a, b in zip(chars, chars[1:])]


class InstrumentCoder:
    """Codes items with the codebook's lexicon; a TF-IDF nearest-profile model (fitted on the items
    the lexicon codes with confidence) codes those without any codebook word.

    Parameters are keyword-only; fitted attributes end in ``_``."""

    def __init__(self, *, codebook: Codebook, min_df: int = 2):
        self.codebook = codebook
        self.min_df = min_df

    # -- lexicon --------------------------------------------------------------------------------
    @cached_property
    def _lexicon(self) -> CodebookLexicon:
        """The codebook's matcher, built once per coder (the codebook is immutable)."""
        return CodebookLexicon.of(self.codebook)

    def _decide(self, text: str, heading: str, fallback: str | None) -> Coding:
        pattern, weights = self._lexicon.pattern, self._lexicon.weights
        tools = self.codebook.tool_names
        scores, evidence, first = code_text(text, heading, self.codebook, pattern=pattern, weights=weights)
        tool_type = self.codebook.tool_type()
        ranked = _rank(scores, first, tools)
        if ranked:
            tool = ranked[0]
            top = scores[tool]
            runner = ranked[1] if len(ranked) > 1 else None
            r_score = scores[runner] if runner else None
            margin = top - (r_score or 0.0)
            low = margin < self.codebook.weights["low_confidence_margin"] * top
            ev = [w for w in evidence if weights[w][0] == tool]
            return Coding(tool_type[tool], tool, float(top), runner, r_score, float(margin), ev, bool(low), "lexicon",
                          scores)
        tool = fallback or tools[0]
        return Coding(tool_type[tool], tool, 0.0, None, None, 0.0, [], True, "model", scores)

    # -- fallback model ---------------------------------------------------------------------------
    def fit(self, items: pd.DataFrame) -> InstrumentCoder:
        """Fit the fallback profiles on the items the lexicon codes with confidence."""
        tools = self.codebook.tool_names
        texts, labels = [], []
        for text, heading in zip(items["text"].astype(str), items["heading"].fillna("").astype(str)):
            c = self._decide(text, heading, None)
            if c.method == "lexicon" and not c.low_confidence:
                texts.append(text)
                labels.append(c.tool)
        docs = [_char_ngrams(t) for t in texts]
        df: dict[str, int] = {}
        for d in docs:
            for g in set(d):
                df[g] = df.get(g, 0) + 1
        vocab = sorted(g for g, n in df.items() if n >= self.min_df)
        self.vocabulary_ = vocab
        n = max(1, len(docs))
        self.idf_ = np.array([np.log((1 + n) / (1 + df[g])) + 1.0 for g in vocab], dtype=np.float64)
        x = self._vectors(texts)
        prof = np.zeros((len(tools), len(vocab)), dtype=np.float64)
        for row, lab in zip(x, labels):
            prof[tools.index(lab)] += row
        norms = np.linalg.norm(prof, axis=1, keepdims=True)
        self.profiles_ = np.divide(prof, norms, out=np.zeros_like(prof), where=norms > 0)
        self.n_trained_ = len(texts)
        return self

    def _vectors(self, texts) -> np.ndarray:
        index = {g: j for j, g in enumerate(self.vocabulary_)}
        x = np.zeros((len(texts), len(index)), dtype=np.float64)
        for i, t in enumerate(texts):
            for g in _char_ngrams(t):
                j = index.get(g)
                if j is not None:
                    x[i, j] += 1.0
        x = np.log1p(x) * self.idf_ if len(index) else x
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)

    def _nearest(self, texts) -> list[str | None]:
        tools = self.codebook.tool_names
        if not len(texts) or not len(self.vocabulary_):
            return [None] * len(texts)
        sims = self._vectors(texts) @ self.profiles_.T
        return [tools[int(np.argmax(s))] if s.max() > 0 else None for s in sims]

    def _check_fitted(self) -> None:
        if not hasattr(self, "profiles_"):
            raise RuntimeError("InstrumentCoder is not fitted: call fit(items) first")

    def predict(self, items: pd.DataFrame) -> pd.DataFrame:
        """Code items (columns text, heading): one row per item, in order, with type, tool, score,
        runner_up, runner_up_score, margin, evidence, low_confidence, method."""
        self._check_fitted()
        texts = items["text"].astype(str).tolist()
        heads = items["heading"].fillna("").astype(str).tolist()
        codings = [self._decide(t, h, None) for t, h in zip(texts, heads)]
        todo = [i for i, c in enumerate(codings) if c.method == "model"]
        if todo:
            near = self._nearest([texts[i] for i in todo])
            for i, tool in zip(todo, near):
                codings[i] = self._decide(texts[i], heads[i], tool)
        rows = [{"type": c.type, "tool": c.tool, "score": c.score, "runner_up": c.runner_up,
                 "runner_up_score": c.runner_up_score, "margin": c.margin, "evidence": c.evidence,
                 "low_confidence": c.low_confidence, "method": c.method} for c in codings]
        out = pd.DataFrame(rows, columns=["type", "tool", "score", "runner_up", "runner_up_score", "margin",
                                          "evidence", "low_confidence", "method"])
        return out.astype({"score": "float64", "runner_up_score": "float64", "margin": "float64",
                           "low_confidence": "bool"})

    # -- saving -------------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        self._check_fitted()
        return {"params": {"min_df": self.min_df}, "codebook": self.codebook.to_json(),
                "vocabulary": list(self.vocabulary_), "idf": [round(float(v), 12) for v in self.idf_],
                "profiles": [[round(float(v), 12) for v in row] for row in self.profiles_],
                "n_trained": int(self.n_trained_)}

    @classmethod
    def from_json(cls, data: dict[str, Any], path=None) -> InstrumentCoder:
        codebook = Codebook.from_json(data["codebook"], path=path)
        coder = cls(codebook=codebook, **data["params"])
        coder.vocabulary_ = list(data["vocabulary"])
        coder.idf_ = np.asarray(data["idf"], dtype=np.float64)
        coder.profiles_ = np.asarray(data["profiles"], dtype=np.float64).reshape(len(codebook.tools),
                                                                                 len(coder.vocabulary_))
        coder.n_trained_ = int(data["n_trained"])
        return coder
