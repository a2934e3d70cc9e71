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
_BLOCK = 1024  # items whose TF-IDF rows are held at once while fitting


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
    """A codebook's matcher: one regular expression of its words and ignore phrases (longest first),
    each word's (tool, weight), and one expression of its negation words (None without any)."""

    pattern: re.Pattern[str]
    weights: dict[str, tuple[str, float]]
    negation: re.Pattern[str] | None = None

    @classmethod
    def of(cls, codebook: Codebook) -> CodebookLexicon:
        return cls(lexicon_pattern(codebook), codebook.word_weights(), _alternatives(codebook.negation))


def lexicon_pattern(codebook: Codebook) -> re.Pattern[str]:
    """The codebook's words and ignore phrases as one expression that finds, at the leftmost position
    where any starts, the longest one there. Written as a trie (河南 and 河北 share 河), so the engine
    follows the text's characters instead of trying every word at every position: the matches are
    those of the alternation of all words sorted longest first, in a third of the time."""
    words = set(codebook.word_weights()) | set(codebook.ignore)
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}  # a word ends here

    def branch(node: dict) -> str:
        # the deeper alternatives first (greedy `?`): where a longer word fails, the shorter one ending
        # here matches; the children start with different characters, so at most one can match
        alts = [re.escape(ch) + branch(node[ch]) for ch in sorted(k for k in node if k)]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return re.compile(branch(trie) if words else "(?!)")


def _alternatives(words) -> re.Pattern[str] | None:
    """One expression finding any of words (None without any): `expr.search(s)` is
    `any(w in s for w in words)`."""
    words = list(words)
    if not words:
        return None
    if "" in words:  # the empty word is in every text
        return re.compile("")
    return re.compile("|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w))))


_CLAUSE = re.compile(r"[，。；：、,.;:！？!?\s]")  # what ends a clause: a negation before it does not count


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
              weights: dict[str, tuple[str, float]] | None = None,
              negation: re.Pattern | None | bool = False) -> tuple[dict[str, float], list[str], dict[str, int]]:
    """Lexicon scores of one item: tool -> score (tools without words omitted), the words found
    (heaviest first, then in text order; a word once) and each tool's tie-break rank (lower wins:
    the later its last heading word, the lower; a tool without heading words ranks by its first
    word's position after all heading tools). negation: the codebook's negation words as one
    expression (CodebookLexicon.negation; default: made from the codebook)."""
    pattern = pattern or lexicon_pattern(codebook)
    weights = weights or codebook.word_weights()
    if negation is False:
        negation = _alternatives(codebook.negation)
    text, heading = normalize_text(str(text)), normalize_text(str(heading or ""))
    head_end = _heading_end(text, heading)
    scores: dict[str, float] = {}
    first: dict[str, int] = {}
    found: dict[str, float] = {}
    order: dict[str, int] = {}
    repeat = codebook.weights["repeat"]
    in_heading = codebook.weights["heading"]
    for m in pattern.finditer(text):
        word = m.group(0)
        entry = weights.get(word)
        if entry is None:
            continue  # an ignored phrase
        start = m.start()
        # a negation word within five characters before, in the same clause, cancels the word
        if negation is not None and negation.search(text, max(0, start - 5), start) is not None:
            before = _CLAUSE.split(text[max(0, start - 5):start])[-1]
            if negation.search(before) is not None:
                continue
        tool, w = entry
        if word in order:
            w *= repeat  # a word said again adds less than a new word
        if start < head_end:
            w *= in_heading
            # a tie goes to the heading's last word: Chinese puts the head noun last (党建示范点)
            first[tool] = -1 - start
        scores[tool] = scores.get(tool, 0.0) + w
        first.setdefault(tool, start)
        found[word] = found.get(word, 0.0) + w
        order.setdefault(word, start)
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

    @cached_property
    def _found(self) -> dict[tuple[str, str], tuple[dict[str, float], list[str], dict[str, int]]]:
        """code_text of each (text, heading) this coder has scored: fitting then coding the same items
        (the first run) scores each once."""
        return {}

    def _decide(self, text: str, heading: str, fallback: str | None) -> Coding:
        weights = self._lexicon.weights
        tools = self.codebook.tool_names
        found = self._found.get((text, heading))
        if found is None:
            found = self._found[(text, heading)] = code_text(
                text, heading, self.codebook, pattern=self._lexicon.pattern, weights=weights,
                negation=self._lexicon.negation)
        scores, evidence, first = found
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
        prof = np.zeros((len(tools), len(vocab)), dtype=np.float64)
        row_of = {t: i for i, t in reversed(list(enumerate(tools)))}  # tools.index
        # a block of rows at a time (never items x vocabulary at once); the rows are added in item order
        for start in range(0, len(docs), _BLOCK):
            x = self._weighted(self._counts(docs[start:start + _BLOCK]))
            for row, lab in zip(x, labels[start:start + _BLOCK]):
                prof[row_of[lab]] += row
        norms = np.linalg.norm(prof, axis=1, keepdims=True)
        self.profiles_ = np.divide(prof, norms, out=np.zeros_like(prof), where=norms > 0)
        self.n_trained_ = len(texts)
        return self

    def _counts(self, docs: list[list[str]]) -> np.ndarray:
        """How often each vocabulary n-gram occurs in each document (rows: docs)."""
        index = {g: j for j, g in enumerate(self.vocabulary_)}
        x = np.zeros((len(docs), len(index)), dtype=np.float64)
        rows: list[int] = []
        cols: list[int] = []
        for i, grams in enumerate(docs):
            js = [j for j in map(index.get, grams) if j is not None]
            cols += js
            rows += [i] * len(js)
        if cols:
            np.add.at(x, (np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp)), 1.0)
        return x

    def _weighted(self, x: np.ndarray) -> np.ndarray:
        """Counts -> log-scaled TF-IDF rows of unit length."""
        if x.shape[1]:
            rows, cols = np.nonzero(x)  # log1p(0) * idf = 0: only the n-grams present are weighted
            x[rows, cols] = np.log1p(x[rows, cols]) * self.idf_[cols]
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)

    def _vectors(self, texts) -> np.ndarray:
        return self._weighted(self._counts([_char_ngrams(t) for t in texts]))

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
