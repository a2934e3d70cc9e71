"""Duplicate plans: the same plan present twice is loaded once.

A plan arrives twice as identical bytes under another name, re-encoded (GB18030, UTF-16, Big5), with
other line ends, as another site's copy with different cruft, in traditional characters, or as a
.docx/.pdf/.html copy of a .txt. All of these parse to (nearly) the same item texts, so documents are
compared on their *content*: the simplified text of their items (the preamble when there are none)
with everything but letters, digits and CJK characters removed.

- **exact duplicate**: the same cleaned item texts (sha1; cleaning already made encodings, line ends,
  punctuation forms and cruft alike);
- **near duplicate**: containment of character 5-grams, |A ∩ B| / min(|A|, |B|), at least
  NEAR_DUPLICATE_CONTAINMENT (0.8). Measured on the five seeds (tests/test_dedupe.py): distinct plans
  score at most 0.08 against each other (0.37 for Henan 2024's 重点工作 against its 工作要点: other
  type, never compared); copies with a tenth of their items deleted, numbers changed and cruft added,
  or in traditional characters, score 0.98-1.0; one province-year's documents in the 1,000-document
  synthetic corpus (built from seed sentences) at most 0.64 (all of different types).
  Near duplicates are looked for among documents of the same province, year, type, level, city and
  department (a copy parses to the same metadata; a 重点工作 that repeats the headings of the same
  year's 工作要点, or a city plan that copies its province's wording, is not a copy), exact ones
  everywhere.

Documents of one file are never duplicates of each other (a 重点工作 that repeats its 工作要点's
headings). Which copy is kept is a rule on the documents themselves, never on load order
(`preference_key`): the most items (a complete copy beats a truncated one), then the fewest undecodable
bytes, then the richest metadata
(fields found in the text or overridden), then the format (txt, docx before html before pdf), then a
text written in simplified characters over a converted traditional copy, then the file name.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

NEAR_DUPLICATE_CONTAINMENT = 0.8
SHINGLE = 5
FORMAT_RANK = {"txt": 0, "docx": 0, "xlsx": 1, "html": 1, "pdf": 2}
_NON_WORD_RE = re.compile(r"[\W_]+")
_METADATA_FIELDS = ("issuer", "issue_number", "issue_date", "city", "department")


class DocumentLike(Protocol):
    province: str
    year: int
    doc_type: str
    source_file: str
    format: str
    title: str
    issuer: str | None
    issue_number: str | None
    issue_date: str | None
    items: list
    preamble: str
    provenance: dict
    level: str | None
    city: str | None
    department: str | None
    converted: bool


@dataclass(frozen=True)
class Duplicate:
    index: int          # the dropped document
    kept: int           # the document kept in its place
    similarity: float   # 1.0 for an exact duplicate
    how: str            # "exact" | "near"


def raw_content(doc: DocumentLike) -> str:
    """Item texts (or the preamble when there are none) as the loader cleaned them."""
    return "\n".join(it["text"] for it in doc.items) if doc.items else (doc.preamble or "")


def content_text(doc: DocumentLike) -> str:
    """The text documents are compared on: item texts (or the preamble), letters/digits/CJK only."""
    return _NON_WORD_RE.sub("", raw_content(doc)).lower()


def content_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def shingles(text: str, k: int = SHINGLE) -> frozenset[str]:
    if len(text) <= k:
        return frozenset([text]) if text else frozenset()
    return frozenset(text[i:i + k] for i in range(len(text) - k + 1))


def containment(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / min(|a|, |b|): 1.0 when the smaller text is wholly inside the larger."""
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return len(small & large) / len(small)


def metadata_richness(doc: DocumentLike) -> int:
    """Metadata fields known from the text or an override (an inferred title does not count)."""
    n = sum(1 for f in _METADATA_FIELDS if getattr(doc, f))
    return n + (doc.provenance.get("title") != "inferred")


def replaced_characters(doc: DocumentLike) -> int:
    """U+FFFD replacement characters in the document's text: bytes its file's encoding could not decode."""
    texts = [doc.title or "", doc.preamble or ""]
    texts += [item.get("text", "") if isinstance(item, dict) else str(item) for item in doc.items]
    return sum(t.count("\ufffd") for t in texts)


def preference_key(doc: DocumentLike) -> tuple:
    """Smaller is preferred: most items, fewest undecodable bytes (a clean copy beats one with U+FFFD),
    richest metadata, format txt/docx > html > pdf, written in simplified characters (a converted
    traditional copy may differ in a character), file name."""
    return (-len(doc.items), replaced_characters(doc), -metadata_richness(doc), FORMAT_RANK.get(doc.format, 3),
            doc.converted, doc.source_file, doc.title)


def find_duplicates(docs: Sequence[DocumentLike], *, threshold: float = NEAR_DUPLICATE_CONTAINMENT,
                    keys: Sequence[str] | None = None) -> list[Duplicate]:
    """The documents to drop, each with the document kept in its place. Independent of the order of
    `docs`: documents are visited in preference order and one is dropped when it duplicates a document
    already kept (from another file). keys: content_key(raw_content(d)) of each document, when already
    computed (the exact test; the cleaned texts of two copies are equal, whatever their encoding,
    line ends or cruft). The letters-digits-CJK text of the near test is made only for documents that
    share a province, year and type with another."""
    keys = list(keys) if keys is not None else [content_key(raw_content(d)) for d in docs]
    texts: dict[int, str] = {}
    order = sorted(range(len(docs)), key=lambda i: preference_key(docs[i]))
    kept_by_key: dict[str, int] = {}
    kept_by_block: dict[tuple, list[int]] = {}
    grams: dict[int, frozenset[str]] = {}

    def grams_of(i: int) -> frozenset[str]:
        if i not in grams:
            texts[i] = content_text(docs[i])
            grams[i] = shingles(texts[i])
        return grams[i]

    out: list[Duplicate] = []
    for i in order:
        d = docs[i]
        j = kept_by_key.get(keys[i])
        if j is not None and docs[j].source_file != d.source_file:
            out.append(Duplicate(i, j, 1.0, "exact"))
            continue
        block = (d.province, d.year, d.doc_type, d.level, d.city, d.department)
        best, best_sim = None, 0.0
        for j in kept_by_block.get(block, ()):
            if docs[j].source_file == d.source_file:
                continue
            sim = containment(grams_of(i), grams_of(j))
            if sim > best_sim:
                best, best_sim = j, sim
        if best is not None and best_sim >= threshold:
            out.append(Duplicate(i, best, round(best_sim, 4), "near"))
            continue
        kept_by_key.setdefault(keys[i], i)
        kept_by_block.setdefault(block, []).append(i)
    return sorted(out, key=lambda dup: dup.index)
