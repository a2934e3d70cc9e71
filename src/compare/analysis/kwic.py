"""Keyword in context: every use of a word, with the text around it."""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from compare.analysis._common import _item_order
from compare.analysis.corpus import Corpus
from compare.core.errors import ParameterError

KWIC_COLUMNS = ["doc_id", "item_id", "province", "year", "left", "keyword", "right"]


def kwic(
    corpus: Corpus,
    keyword: str,
    *,
    width: int = 20,
    provinces: str | Sequence[str] | None = None,
    years: int | Sequence[int] | None = None,
    themes: str | Sequence[str] | None = None,
    doc_types: str | Sequence[str] | None = None,
    levels: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Every occurrence of keyword (literal, non-overlapping) in item texts with `width` characters
    of context each side (line breaks shown as spaces). Keyword and texts are normalised as the
    segmenter does (full-width -> ASCII, traditional -> simplified), so 科协 also finds 科協 in
    a traditional text (context is shown normalised). Items ordered by province, year, document.
    A search, not a comparison: every plan is searched unless provinces / years / themes /
    doc_types / levels (each one value or a list) narrow it (see compare.analysis.Corpus.select).

    >>> from compare.analysis.examples import example_corpus
    >>> kwic(example_corpus(), "科普", width=2, years=2024)[["doc_id", "left", "keyword", "right"]].values.tolist()
    [['henan-2024-gzyd', '全国', '科普', '日活']]
    """
    if not isinstance(keyword, str) or not keyword.strip():
        raise ParameterError("kwic needs a non-empty keyword")
    if width < 0:
        raise ParameterError(f"width must be >= 0, not {width!r}")
    if any(v is not None for v in (provinces, years, themes, doc_types, levels)):
        corpus = corpus.select(provinces=provinces, years=years, themes=themes, doc_types=doc_types, levels=levels)
    from compare.text.segment import (
        normalize_text,  # jieba loads lazily: keep `import compare.analysis` light
    )

    keyword = normalize_text(keyword.strip())
    items = corpus.items
    cols = {c: items[c].tolist() for c in ("doc_id", "item_id", "province", "year", "text")}
    rows = []
    for i in _item_order(corpus):
        text = normalize_text(cols["text"][i])
        start = text.find(keyword)
        while start != -1:
            end = start + len(keyword)
            rows.append((
                cols["doc_id"][i], cols["item_id"][i], cols["province"][i], int(cols["year"][i]),
                text[max(0, start - width):start].replace("\n", " "), keyword,
                text[end:end + width].replace("\n", " "),
            ))
            start = text.find(keyword, end)
    df = pd.DataFrame(rows, columns=KWIC_COLUMNS)
    return df.astype({"doc_id": "str", "item_id": "str", "province": "str", "year": "int64",
                      "left": "str", "keyword": "str", "right": "str"})
