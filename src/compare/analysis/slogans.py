"""Shared phrases and slogans: which wording travels between provinces, and who used it first."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from itertools import chain

import pandas as pd

from compare.analysis.corpus import Corpus, comparable
from compare.core.deprecation import deprecate_kwarg
from compare.core.errors import ParameterError
from compare.core.vocab import DEFAULT_DOC_TYPE, DEFAULT_LEVEL

SHARED_PHRASE_COLUMNS = [
    "phrase", "kind", "province", "year", "doc_id", "count", "first_year", "first_province", "n_provinces",
]
# “…” ‘…’ 「…」 『…』 "…" (ASCII, paired) for slogans; 《…》 for titles of documents/laws/plans
_QUOTE_RE = re.compile(r"“([^“”\n]{2,24})”|‘([^‘’\n]{2,24})’|「([^「」\n]{2,24})」|『([^『』\n]{2,24})』|\"([^\"\n]{2,24})\"")
_TITLE_RE = re.compile(r"《([^《》\n]{2,40})》")
_QUOTED_ONLY_MAX_CHARS = 2
_NGRAM_SIZES = (2, 3, 4)
_NGRAM_MIN_CHARS = 4


def _adjacent_runs(text: str, tokens: Sequence[str]) -> list[list[str]]:
    """Split tokens into runs (length >= 2) whose members follow each other directly in text."""
    runs: list[list[str]] = []
    run: list[str] = []
    pos, prev_end = 0, -1
    for tok in tokens:
        i = text.find(tok, pos)
        if i < 0:  # not found (should not happen for our tokenizer): start afresh
            if len(run) > 1:
                runs.append(run)
            run, prev_end = [], -1
            continue
        if i == prev_end:
            run.append(tok)
        else:
            if len(run) > 1:
                runs.append(run)
            run = [tok]
        pos = prev_end = i + len(tok)
    if len(run) > 1:
        runs.append(run)
    return runs


@deprecate_kwarg("max_phrases", "top_n")
@deprecate_kwarg("doc_type", "doc_types")
@deprecate_kwarg("level", "levels")
def shared_phrases(
    corpus: Corpus,
    *,
    min_provinces: int = 2,
    top_n: int | None = None,
    doc_types: str | Sequence[str] | None = DEFAULT_DOC_TYPE,
    levels: str | Sequence[str] | None = DEFAULT_LEVEL,
    include_departments: bool = False,
) -> pd.DataFrame:
    """Phrases and slogans used by at least min_provinces provinces, with who used them when.

    Three kinds, searched in item texts and document preambles (normalised: full-width -> ASCII,
    traditional -> simplified):

    * "quoted": text quoted somewhere in the corpus with “”, ‘’, 「」, 『』 or ASCII "" (2–24
      characters), e.g. “四个意识”, “3+1”; then counted wherever it occurs, quoted or not, so a
      province writing 四个意识 without quotes still counts (also inside a longer phrase:
      “5·30全国科技工作者日” is a use of 全国科技工作者日). Two-character phrases (三长, 省会, 拔尖)
      are ordinary words too often and count only where they are quoted.
    * "title": document titles inside 《》, counted only inside 《》.
    * "ngram": 2–4 content tokens that follow each other directly in an item's text (never across
      a dropped word or number), at least 4 characters; an n-gram is dropped when a longer one
      with exactly the same uses contains it.

    One row per phrase, kind and document (count = occurrences); first_year is the earliest year of
    use and first_province every province using it in that year (joined with 、). Ordered earliest
    first, then by how widely the phrase travelled (n_provinces, descending), kind and phrase; rows
    within a phrase by year, province. top_n keeps the first so many phrases of that order (None: all).
    doc_types / levels / include_departments choose the plans compared (default: the 工作要点 of
    provincial associations; see compare.analysis.like_with_like).

    >>> from compare.analysis.examples import example_corpus
    >>> s = shared_phrases(example_corpus())
    >>> s.loc[s.phrase == "科技志愿服务", ["province", "year", "first_province"]].values.tolist()
    [['河南', 2019, '河南、湖北'], ['湖北', 2019, '河南、湖北']]
    """
    if min_provinces < 1:
        raise ParameterError(f"min_provinces must be at least 1, not {min_provinces!r}")
    corpus = comparable(corpus, doc_types=doc_types, levels=levels, include_departments=include_departments)
    docs = corpus.documents.set_index("doc_id")
    rows, candidates = _quoted_and_title_rows(_document_texts(corpus))
    rows += _ngram_rows(corpus, candidates, docs["province"].to_dict(), min_provinces)
    return _phrase_table(rows, docs, min_provinces, top_n)


def _document_texts(corpus: Corpus) -> dict[str, str]:
    """doc_id -> the document's preamble and item texts, normalised as the segmenter does (full-width
    -> ASCII, traditional -> simplified) so that “３＋１” and “3+1” are one slogan."""
    from compare.text.segment import normalize_text  # jieba loads lazily: keep `import compare.analysis` light

    items = corpus.items
    docs = corpus.documents.set_index("doc_id")
    texts_by_doc: dict[str, str] = {}
    for doc_id, text in zip(items["doc_id"], items["text"].astype(str)):
        texts_by_doc[doc_id] = texts_by_doc.get(doc_id, "") + "\n" + text
    if "preamble" in docs.columns:
        for doc_id, text in texts_by_doc.items():
            pre = docs.at[doc_id, "preamble"]
            if isinstance(pre, str) and pre:
                texts_by_doc[doc_id] = pre + "\n" + text
    return {d: normalize_text(t) for d, t in texts_by_doc.items()}


def _quoted_and_title_rows(norm_texts: dict[str, str]) -> tuple[list[tuple[str, str, str, int]], set[str]]:
    """(phrase, kind, doc_id, count) rows of the quoted phrases and 《》 titles, and every such phrase
    (the n-grams they contain are not counted again)."""
    quoted: set[str] = set()
    quoted_counts: dict[tuple[str, str], int] = {}  # (phrase, doc_id) -> uses inside quotes
    title_counts: dict[tuple[str, str], int] = {}
    for doc_id, text in norm_texts.items():
        for m in _QUOTE_RE.finditer(text):
            q = next(g for g in m.groups() if g).strip()
            quoted.add(q)
            quoted_counts[(q, doc_id)] = quoted_counts.get((q, doc_id), 0) + 1
        for m in _TITLE_RE.finditer(text):
            key = (m.group(1).strip(), doc_id)
            title_counts[key] = title_counts.get(key, 0) + 1
    rows: list[tuple[str, str, str, int]] = []
    for q in sorted(quoted):
        if len(q) < 2:
            continue
        for doc_id, text in norm_texts.items():
            # two-character phrases (三长, 省会, 拔尖) are ordinary words too often: count them quoted only
            n = text.count(q) if len(q) > _QUOTED_ONLY_MAX_CHARS else quoted_counts.get((q, doc_id), 0)
            if n:
                rows.append((q, "quoted", doc_id, n))
    rows.extend((t, "title", d, n) for (t, d), n in title_counts.items() if len(t) >= 2)
    return rows, quoted | {t for t, _ in title_counts}


def _ngram_rows(corpus: Corpus, candidates: set[str], prov_of: dict[str, str],
                min_provinces: int) -> list[tuple[str, str, str, int]]:
    """(phrase, "ngram", doc_id, count) rows of the recurring n-grams: consecutive content tokens
    that are also adjacent in the text, so an n-gram never spans a dropped word or number and always
    occurs literally; an n-gram contained in a longer one with the same uses is left out."""
    from compare.text.segment import normalize_text

    items = corpus.items
    grams_of: dict[str, set[tuple]] = {}
    item_grams: list[Counter] = []
    for text, toks, prov in zip(items["text"].tolist(), corpus.tokens, items["province"].tolist()):
        found: list[tuple] = []
        for run in _adjacent_runs(normalize_text(text), toks):
            for size in _NGRAM_SIZES:
                found.extend(zip(*[run[j:] for j in range(size)]))
        grams = Counter(found)
        item_grams.append(grams)
        grams_of.setdefault(prov, set()).update(grams)
    n_prov = Counter(chain.from_iterable(grams_of.values()))
    joined = {g: "".join(g) for g, n in n_prov.items() if n >= min_provinces}
    joined = {g: p for g, p in joined.items() if len(p) >= _NGRAM_MIN_CHARS and p not in candidates}
    ngram_uses: dict[str, dict[str, int]] = {}
    for doc_id, grams in zip(items["doc_id"].tolist(), item_grams):
        for g in grams.keys() & joined.keys():
            uses = ngram_uses.setdefault(joined[g], {})
            uses[doc_id] = uses.get(doc_id, 0) + grams[g]
    ngram_uses = {g: u for g, u in ngram_uses.items() if len({prov_of[d] for d in u}) >= min_provinces}
    by_signature: dict[tuple, list[str]] = {}
    for g, u in ngram_uses.items():
        by_signature.setdefault(tuple(sorted(u.items())), []).append(g)
    rows: list[tuple[str, str, str, int]] = []
    for sig, grams in by_signature.items():
        for g in grams:
            if not any(len(o) > len(g) and g in o for o in grams):
                rows.extend((g, "ngram", d, n) for d, n in sig)
    return rows


def _phrase_table(rows: list[tuple[str, str, str, int]], docs: pd.DataFrame, min_provinces: int,
                  top_n: int | None) -> pd.DataFrame:
    """The shared_phrases frame of the (phrase, kind, doc_id, count) rows: provinces and years joined,
    phrases used by fewer than min_provinces provinces left out, first use, order and top_n."""
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
            SHARED_PHRASE_COLUMNS, ["str", "str", "str", "int64", "str", "int64", "int64", "str", "int64"])})
    df = pd.DataFrame(rows, columns=["phrase", "kind", "doc_id", "count"])
    df["province"] = df["doc_id"].map(docs["province"].to_dict()).astype("str")
    df["year"] = df["doc_id"].map(docs["year"].to_dict()).astype("int64")
    df["n_provinces"] = df.groupby(["phrase", "kind"])["province"].transform("nunique").astype("int64")
    df = df[df["n_provinces"] >= min_provinces]
    if df.empty:
        return df.assign(first_year=pd.Series(dtype="int64"), first_province=pd.Series(dtype="str"))[
            SHARED_PHRASE_COLUMNS].reset_index(drop=True)
    df["first_year"] = df.groupby(["phrase", "kind"])["year"].transform("min").astype("int64")
    first = (
        df[df["year"] == df["first_year"]]
        .groupby(["phrase", "kind"])["province"]
        .agg(lambda s: "、".join(sorted(set(s))))
        .rename("first_province")
    )
    df = df.merge(first, on=["phrase", "kind"], how="left")
    kind_order = {"quoted": 0, "title": 1, "ngram": 2}
    df["_kind"] = df["kind"].map(kind_order)
    df["_neg_n"] = -df["n_provinces"]
    df = df.sort_values(["first_year", "_neg_n", "_kind", "phrase", "year", "province", "doc_id"], kind="mergesort")
    if top_n is not None:
        keep = df[["phrase", "kind"]].drop_duplicates().head(top_n)
        df = df.merge(keep, on=["phrase", "kind"], how="inner")
    return df[SHARED_PHRASE_COLUMNS].reset_index(drop=True)
