"""Selections: which documents and items a comparison looks at.

Two rules hold for every function of :mod:`compare.analysis`:

* **One name, scalar or list.** The selection parameters are called ``provinces``, ``years``,
  ``doc_types``, ``levels`` and ``themes`` everywhere; each takes one value or a list of values.
  A string is one value (``provinces="河南"`` is never split into 河 and 南), a year may be an int
  or a string (2019, "2019", "2019年"), and a province may be written in any form (河南, 河南省, 豫).

* **Like with like.** A comparison is for one document type and one level unless the analyst asks
  otherwise: by default ``doc_types="工作要点"`` and ``levels="省级"``, and plans issued by a department
  of an association (科普部, 学会学术部 …) are left out. ``doc_types=None`` / ``levels=None`` take every
  type / level. See :func:`like_with_like` for the rule that keeps a year's 重点工作 and 工作要点 from
  being counted twice.

* **Issuer kinds.** A 老科协's plan or a Party office's plan about the association never counts as
  the association's own unless asked: every selection that narrows by type or level (``like_with_like``
  always; :meth:`Corpus.select`, :func:`filter_items` and ``kwic`` when ``doc_types`` or ``levels`` is
  given) keeps only ``DEFAULT_ISSUER_KINDS`` (科协, 科协部门). ``issuer_kinds=[...]`` names the kinds
  to keep, ``issuer_kinds="all"`` keeps every kind; a search by province, year, theme or document id
  alone keeps every issuer (see :func:`issuer_kinds_for`).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from compare.analysis._common import corpus_first
from compare.core.deprecation import deprecate_kwarg
from compare.core.errors import EmptyCorpusError, ParameterError
from compare.core.vocab import (
    DEFAULT_DOC_TYPE,
    DEFAULT_ISSUER_KINDS,
    DEFAULT_LEVEL,
    DOC_TYPES,
    ISSUER_KINDS,
    KEY_WORK,
    LEVELS,
    WORK_PLAN,
)

if TYPE_CHECKING:  # pragma: no cover
    from compare.analysis.corpus import Corpus


def as_list(value) -> list | None:
    """A selection value as a list: None stays None, a scalar becomes a one-element list.

    >>> as_list("河南"), as_list(2019), as_list(["河南", "湖北"]), as_list(None)
    (['河南'], [2019], ['河南', '湖北'], None)
    """
    if value is None:
        return None
    if isinstance(value, (str, bytes, int, float, np.integer, np.floating)):
        return [value]
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return list(value)


def canonical_provinces(values, known: Sequence[str] | None = None) -> list[str] | None:
    """Province names in canonical short form, duplicates dropped (first wins).

    Any written form is accepted (河南省, 河南, 豫; see compare.ingest.provinces). With `known`
    (the provinces of a corpus) a name outside it raises ParameterError listing the known ones.

    >>> canonical_provinces("豫"), canonical_provinces(["河南省", "鄂", "河南"])
    (['河南'], ['河南', '湖北'])
    """
    from compare.ingest.provinces import canonical_province

    names = as_list(values)
    if names is None:
        return None
    out = []
    for name in names:
        raw = str(name).strip()
        c = canonical_province(raw)
        if known is not None and c not in known and raw in known:
            c = raw
        if c is None or (known is not None and c not in known):
            what = f"{raw!r}" + (f" ({c})" if c and c != raw else "")
            if c is None and known is None:
                raise ParameterError(f"province {what} is not a province name")
            reason = "is not in this corpus" if c else "is not a province name"
            raise ParameterError(f"province {what} {reason}; known provinces: {'、'.join(known)}")
        out.append(c)
    return list(dict.fromkeys(out))


def parse_years(values, known: Sequence[int] | None = None) -> list[int] | None:
    """Years as sorted ints (2019, "2019", "2019年" are one year); with `known`, others raise.

    >>> parse_years(2019), parse_years(["2024年", 2019, "2019"])
    ([2019], [2019, 2024])
    """
    ys = as_list(values)
    if ys is None:
        return None
    out = []
    for y in ys:
        try:
            yi = int(str(y).strip().removesuffix("年"))
        except ValueError:
            hint = f"; known years: {list(known)}" if known is not None else ""
            raise ParameterError(f"year {y!r} is not a year{hint}") from None
        if known is not None and yi not in known:
            raise ParameterError(f"year {yi} is not in this corpus; known years: {list(known)}")
        out.append(yi)
    return sorted(set(out))


def _strings(values, what: str, known: Sequence[str] | None, where: str = "the corpus has") -> list[str] | None:
    vs = as_list(values)
    if vs is None:
        return None
    vs = list(dict.fromkeys(str(v).strip() for v in vs))
    if known is not None:
        unknown = [v for v in vs if v not in known]
        if unknown:
            raise ParameterError(f"unknown {what} {unknown}; {where} {'、'.join(known) or 'none'}")
    return vs


def documents_view(df: pd.DataFrame) -> pd.DataFrame:
    """df with `level` and `department` columns: documents tables written before the intake issue
    have neither, and every such plan is a provincial association's own (省级, department null)."""
    out = df
    if "level" not in out.columns:
        out = out.assign(level=DEFAULT_LEVEL)
    if "department" not in out.columns:
        out = out.assign(department=None)
    if "issuer_kind" not in out.columns:
        out = out.assign(issuer_kind="科协")
    return out


def issuer_kinds_for(issuer_kinds, *, narrowed: bool) -> list[str] | None:
    """The issuer kinds a selection keeps (None: every kind). `issuer_kinds` as asked ("all": every
    kind); when not asked, ``DEFAULT_ISSUER_KINDS`` for a selection that narrows by type or level
    (`narrowed`), every kind for a search.

    >>> issuer_kinds_for(None, narrowed=True), issuer_kinds_for(None, narrowed=False)
    (['科协', '科协部门'], None)
    >>> issuer_kinds_for("老科协", narrowed=False), issuer_kinds_for("all", narrowed=True)
    (['老科协'], None)
    """
    if isinstance(issuer_kinds, str) and issuer_kinds == "all":
        return None
    if issuer_kinds is None:
        return list(DEFAULT_ISSUER_KINDS) if narrowed else None
    return _strings(issuer_kinds, "issuer_kind", ISSUER_KINDS, "the issuer kinds are")


def issuer_kind_mask(docs: pd.DataFrame, kinds: list[str] | None) -> pd.Series:
    """True for the rows of a documents view whose issuer kind is kept (a missing kind is 科协)."""
    if kinds is None:
        return pd.Series(True, index=docs.index)
    return docs["issuer_kind"].fillna("科协").isin(kinds)


def _check_level(levels) -> list[str] | None:
    return _strings(levels, "level", LEVELS, "levels are")


@deprecate_kwarg("doc_type", "doc_types")
@deprecate_kwarg("level", "levels")
def like_with_like(
    df: pd.DataFrame,
    *,
    doc_types: str | Sequence[str] | None = DEFAULT_DOC_TYPE,
    levels: str | Sequence[str] | None = DEFAULT_LEVEL,
    include_departments: bool = False,
    issuer_kinds: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """The rows of df (documents, items or any table with `doc_type`, `province` and `year`) that a
    comparison of like with like uses, in their order.

    * ``doc_types``: one type or a list (default 工作要点); None keeps every type.
    * ``levels``: 全国 / 省级 / 市级 / 县级 or a list (default 省级); None keeps every level. A table
      without a `level` column is all 省级.
    * ``include_departments=False`` leaves out plans issued by a department of an association
      (`department` not null, e.g. a 科普部 plan); a table without that column has none.
    * ``issuer_kinds``: the kinds of issuing body kept (documents.issuer_kind); by default
      ``DEFAULT_ISSUER_KINDS`` (科协, 科协部门): a 老科协's plan or a Party office's plan about the
      association is never counted as the association's own. Pass a list to add them explicitly
      (``issuer_kinds=["科协", "老科协"]``) or ``"all"`` for every kind. A table without the column is
      all 科协.
    * **重点工作 rule**: a 重点工作 document is left out when the selection also holds a 工作要点 of the
      same province, year, level, city and department. A province's 重点工作 (Henan 2024: ten key
      items) repeats headings of its 工作要点, so counting both would count that work twice; the
      工作要点 is the complete plan. Select ``doc_types="重点工作"`` alone to study the key items.

    >>> docs = pd.DataFrame({"doc_id": ["henan-2024-zdgz", "henan-2024-gzyd", "hubei-2019-sggz"],
    ...                      "province": ["河南", "河南", "湖北"], "year": [2024, 2024, 2019],
    ...                      "doc_type": ["重点工作", "工作要点", "深化改革工作要点"]})
    >>> like_with_like(docs)["doc_id"].tolist()
    ['henan-2024-gzyd']
    >>> like_with_like(docs, doc_types=None)["doc_id"].tolist()   # every type, 重点工作 not twice
    ['henan-2024-gzyd', 'hubei-2019-sggz']
    >>> like_with_like(docs, doc_types="重点工作")["doc_id"].tolist()
    ['henan-2024-zdgz']
    """
    view = documents_view(df)
    keep = pd.Series(True, index=view.index)
    types = _strings(doc_types, "doc_type", DOC_TYPES, "the document types are")
    if types is not None:
        keep &= view["doc_type"].isin(types)
    levels = _check_level(levels)
    if levels is not None:
        keep &= view["level"].fillna(DEFAULT_LEVEL).isin(levels)
    if not include_departments:
        keep &= view["department"].isna()
    keep &= issuer_kind_mask(view, issuer_kinds_for(issuer_kinds, narrowed=True))
    keep &= ~_key_work_twice(view, keep)
    return df[keep.to_numpy()]


def _key_work_twice(view: pd.DataFrame, keep: pd.Series) -> pd.Series:
    """True for kept 重点工作 rows whose province-year(-level-city-department) also keeps a 工作要点."""
    key_cols = [c for c in ("province", "year", "level", "city", "department") if c in view.columns]
    kept = view[keep]
    if not (kept["doc_type"] == KEY_WORK).any() or not (kept["doc_type"] == WORK_PLAN).any():
        return pd.Series(False, index=view.index)
    def keys_of(df: pd.DataFrame) -> list[tuple]:
        cols = [[None if pd.isna(v) else str(v) for v in df[c].tolist()] for c in key_cols]
        return list(zip(*cols))

    plans = set(keys_of(kept[kept["doc_type"] == WORK_PLAN]))
    mine = pd.Series([k in plans for k in keys_of(view)], index=view.index)
    return keep & (view["doc_type"] == KEY_WORK) & mine


def describe(doc_types, levels, include_departments: bool = False) -> str:
    """What a like-with-like selection holds, for captions: '工作要点, 省级'.

    >>> describe("工作要点", "省级"), describe(None, None, True)
    ('工作要点, 省级', 'all document types, all levels, department plans included')
    """
    types = as_list(doc_types)
    levels = as_list(levels)
    parts = ["、".join(map(str, types)) if types else "all document types",
             "、".join(map(str, levels)) if levels else "all levels"]
    if include_departments:
        parts.append("department plans included")
    return ", ".join(parts)


def _doc_types(corpus: Corpus, doc_type: str | Sequence[str] | None) -> list[str] | None:
    """doc_type as a list, checked against the corpus (ParameterError listing the known types)."""
    return _strings(doc_type, "doc_type", sorted(corpus.documents["doc_type"].astype(str).unique()))


def validate_selection(
    corpus: Corpus,
    *,
    province: str | None = None,
    provinces: str | Sequence[str] | None = None,
    years: int | str | Sequence[int] | None = None,
    themes: str | Sequence[str] | None = None,
    doc_types: str | Sequence[str] | None = None,
    levels: str | Sequence[str] | None = None,
) -> dict:
    """Check user parameters against the corpus and return them in canonical form: a dict with keys
    province (str | None), provinces, years, themes, doc_types, levels (lists or None).

    Each parameter takes one value or a list. Province names may be written in full, short or
    abbreviated form (河南省, 河南, 豫). Raises ParameterError naming the bad value and listing the
    known ones; with `province`, years are checked against that province's years (and those listed).

    >>> from compare.analysis.examples import example_corpus
    >>> sel = validate_selection(example_corpus(), provinces="豫", years="2024年")
    >>> sel["provinces"], sel["years"]
    (['河南'], [2024])
    """
    known_p = corpus.provinces
    out: dict = {"province": None, "provinces": None, "years": None, "themes": None,
                 "doc_types": None, "levels": None}
    if province is not None:
        out["province"] = canonical_provinces([province], known_p)[0]
    out["provinces"] = canonical_provinces(provinces, known_p)
    if out["province"] is not None:  # one province: its own years, not the corpus's
        docs = corpus.documents
        own = sorted({int(y) for y in docs.loc[docs["province"] == out["province"], "year"]})
        out["years"] = parse_years(years)
        missing = [y for y in out["years"] or () if y not in own]
        if missing:
            raise ParameterError(f"{out['province']} has no plan for {'、'.join(map(str, missing))}; "
                                 f"its years: {'、'.join(map(str, own))}")
    else:
        out["years"] = parse_years(years, corpus.years)
    if themes is not None:
        if not corpus.themes:
            raise ParameterError(f"unknown theme(s) {as_list(themes)}; known themes: none "
                                 "(run `python -m compare themes` first)")
        out["themes"] = _strings(themes, "theme(s)", corpus.themes, "known themes:")
    out["doc_types"] = _doc_types(corpus, doc_types)
    out["levels"] = _check_level(levels)
    return out


def validate_filters(documents: pd.DataFrame, *, provinces=None, years=None, doc_types=None,
                     levels=None) -> dict:
    """The filter values of a command (`track --provinces`, `export --provinces`, …) checked against a
    documents table, the same rules as :func:`validate_selection`: a dict of canonical lists (None
    where not given). Raises ParameterError naming the bad value and listing the choices, e.g.
    ``province '河男' is not a province name; known provinces: 河南、湖北、黑龙江``.

    >>> from compare.analysis.examples import example_corpus
    >>> validate_filters(example_corpus().documents, provinces="豫", doc_types="工作要点")["provinces"]
    ['河南']
    """
    docs = documents_view(documents)
    known_types = sorted(docs["doc_type"].astype(str).unique())
    out = {"provinces": canonical_provinces(provinces, sorted(docs["province"].astype(str).unique())),
           "years": parse_years(years, sorted({int(y) for y in docs["year"]})),
           "doc_types": _strings(doc_types, "doc_type", known_types, "the corpus has"),
           "levels": _check_level(levels)}
    if out["levels"] is not None:
        _strings(out["levels"], "level", sorted(docs["level"].astype(str).unique()), "the corpus has")
    return out


def _plans_without_items(documents: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """plans_without_items on the tables themselves (the implementation; also the old, table-first call)."""
    return documents[~documents["doc_id"].isin(set(items["doc_id"]))]


@corpus_first(_plans_without_items)
def plans_without_items(corpus: Corpus) -> pd.DataFrame:
    """The documents of the corpus that have no items (a truncated copy loaded `partial`, a scan
    without text): comparisons treat such a plan like a missing one, and reports name it as such.

    >>> from compare.analysis.corpus import Corpus
    >>> from compare.analysis.examples import example_corpus
    >>> c = example_corpus()
    >>> len(plans_without_items(c)), len(plans_without_items(Corpus.from_frames(items=c.items.iloc[:3], documents=c.documents)))
    (0, 3)
    """
    return _plans_without_items(corpus.documents, corpus.items)


@deprecate_kwarg("province", "provinces")
@deprecate_kwarg("year", "years")
@deprecate_kwarg("theme", "themes")
@deprecate_kwarg("doc_type", "doc_types")
@deprecate_kwarg("level", "levels")
def filter_items(
    corpus: Corpus,
    *,
    provinces: str | Sequence[str] | None = None,
    years: int | Sequence[int] | None = None,
    themes: str | Sequence[str] | None = None,
    doc_types: str | Sequence[str] | None = None,
    levels: str | Sequence[str] | None = None,
    issuer_kinds: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Items (with theme columns when the corpus has themes) matching every given filter; each filter
    takes one value or a list (the singular names province, year, theme, doc_type, level still work
    for now, with a FutureWarning).
    Province aliases are accepted; unknown values raise ParameterError. Rows keep the corpus order.
    No like-with-like default: this is a search, not a comparison. Issuer kinds as in every selection
    (:func:`issuer_kinds_for`): with ``doc_types`` or ``levels`` given, only 科协 and 科协部门 plans
    unless ``issuer_kinds`` says otherwise (a 市级 search never returns a city 老科协's items by default).

    >>> from compare.analysis.examples import example_corpus
    >>> filter_items(example_corpus(), provinces="豫", themes="科普")["heading"].tolist()
    ['开展全国科普日活动50场', '建设科技馆', '开展全国科普日活动300场']
    """
    if themes is not None and not corpus.has_themes:
        raise EmptyCorpusError("cannot filter by theme: the corpus has no theme assignments (run themes first)")
    sel = validate_selection(corpus, provinces=provinces, years=years, themes=themes,
                             doc_types=doc_types, levels=levels)
    df = corpus.items_themed if corpus.has_themes else corpus.items
    mask = pd.Series(True, index=df.index)
    if sel["provinces"] is not None:
        mask &= df["province"].isin(sel["provinces"])
    if sel["years"] is not None:
        mask &= df["year"].isin(sel["years"])
    if sel["themes"] is not None:
        mask &= df["theme"].isin(sel["themes"])
    if sel["doc_types"] is not None:
        mask &= df["doc_type"].isin(sel["doc_types"])
    docs = documents_view(corpus.documents)
    doc_keep = issuer_kind_mask(docs, issuer_kinds_for(issuer_kinds, narrowed=doc_types is not None
                                                       or levels is not None))
    if sel["levels"] is not None:
        doc_keep &= docs["level"].fillna(DEFAULT_LEVEL).isin(sel["levels"])
    if not doc_keep.all():
        mask &= df["doc_id"].isin(set(docs.loc[doc_keep, "doc_id"]))
    return df[mask].reset_index(drop=True)
