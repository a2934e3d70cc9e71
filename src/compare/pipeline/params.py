"""Report parameters: declared in a template's `parameters` cell, checked against the corpus before
any work, canonicalised (河南省 / 豫 -> 河南) and completed with their defaults (:class:`Selection`).

Like with like: a report compares one document type at one level. The cross-province report takes
``doc_type`` (default 工作要点) and ``level`` (default 省级); the province report compares its years
within one type (default: the type that covers most of the province's years). City, county and
department plans are left out unless asked for (:func:`comparable`).
"""
from __future__ import annotations

import ast
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compare.core.errors import ParameterError, ReportError

from compare.core.vocab import DEFAULT_DOC_TYPE, DEFAULT_LEVEL, DOC_TYPES, LEVELS


def template_parameters(template: Path) -> dict[str, dict[str, str]]:
    """The parameters declared in a template's `parameters` cell, in order:
    name -> {"type": annotation, "default": source of the default, "help": the line's comment}.

    Parsed with ast (papermill's own inspector does not understand annotations such as ``list[int] | None``)."""
    source = _parameters_source(Path(template))
    lines = source.splitlines()
    out: dict[str, dict[str, str]] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            line = lines[node.lineno - 1]
            out[node.target.id] = {
                "type": ast.get_source_segment(source, node.annotation) or "",
                "default": ast.get_source_segment(source, node.value) if node.value is not None else "",
                "help": line.split("#", 1)[1].strip() if "#" in line else "",
            }
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    out[t.id] = {"type": "", "default": ast.get_source_segment(source, node.value) or "", "help": ""}
    return out


def _parameters_source(template: Path) -> str:
    """The source of a template's `parameters` cell. A version-4 notebook is read as the JSON it is
    (the checks that need no corpus run before a render starts its kernel, and importing nbformat
    would delay that start); another version is converted by nbformat."""
    nb = json.loads(template.read_text(encoding="utf-8"))
    if nb.get("nbformat") == 4:
        cells = [c for c in nb.get("cells", [])
                 if c.get("cell_type") == "code" and "parameters" in c.get("metadata", {}).get("tags", [])]
        sources = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells]
    else:
        from compare.pipeline.kernel import import_jupyter

        import_jupyter("nbformat")
        import nbformat

        converted = nbformat.read(template, as_version=4)
        sources = [c.source for c in converted.cells
                   if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])]
    if not sources:
        raise ReportError(f"{template} has no cell tagged `parameters`")
    return sources[0]


@dataclass(frozen=True)
class Selection:
    """Validated, canonical report parameters with defaults filled in: provinces, years (every year of
    the provinces at this level, including years without a plan of doc_type: they are shown as
    missing), themes, the document type and the level compared."""

    provinces: tuple[str, ...]
    years: tuple[int, ...]
    themes: tuple[str, ...]
    doc_type: str = DEFAULT_DOC_TYPE
    level: str = DEFAULT_LEVEL

    @property
    def province(self) -> str:
        if len(self.provinces) != 1:
            raise ParameterError(f"expected one province, the selection has {list(self.provinces)}")
        return self.provinces[0]

    @property
    def scope(self) -> str:
        """'工作要点（省级）': what the report compares, for captions."""
        return f"{self.doc_type}（{self.level}）"


def _documents(corpus):
    """documents with `level` and `department` (tables written before the intake issue have neither:
    every such plan is a provincial association's own)."""
    docs = corpus.documents
    if "level" not in docs.columns:
        docs = docs.assign(level=DEFAULT_LEVEL)
    if "department" not in docs.columns:
        docs = docs.assign(department=None)
    return docs


def comparable(corpus, *, doc_type: str | None = DEFAULT_DOC_TYPE, level: str | None = DEFAULT_LEVEL):
    """The sub-corpus a like-with-like comparison uses: one document type and one level, plans of an
    association's departments left out (``Corpus.like_with_like`` of compare.analysis, which also keeps
    a year's 重点工作 from being counted beside its 工作要点)."""
    return corpus.like_with_like(doc_types=doc_type, levels=level)


def main_doc_type(docs) -> str:
    """The document type covering most years of these documents (ties: the vocabulary's order)."""

    by_type = docs.groupby("doc_type")["year"].nunique()
    order = list(DOC_TYPES)
    return str(min(by_type.index, key=lambda t: (-by_type[t], order.index(t) if t in order else len(order), t)))


def select(
    corpus,
    *,
    province: str | None = None,
    provinces: Sequence[str] | str | None = None,
    years: Sequence[int] | int | None = None,
    year: int | None = None,
    themes: Sequence[str] | str | None = None,
    doc_type: str | None = None,
    level: str | None = DEFAULT_LEVEL,
) -> Selection:
    """Validate report parameters against the corpus and fill in the defaults (None = everything).

    Calls :func:`compare.analysis.validate_selection`, which canonicalises province names (河南省 / 豫 ->
    河南) and raises ParameterError listing the known values for an unknown province, theme or a year
    not in the corpus. `year` (one year) is the cross-province report's spelling of `years`.
    doc_type None means: for one province, the type covering most of its years at this level; for
    several provinces, 工作要点. level None means 省级.

    >>> from compare.analysis.examples import example_corpus
    >>> sel = select(example_corpus(), province="豫")
    >>> sel.province, sel.years, sel.scope
    ('河南', (2019, 2024), '工作要点（省级）')
    >>> select(example_corpus(), province="鄂", doc_type="重点工作")
    Traceback (most recent call last):
    ...
    compare.core.errors.ParameterError: 湖北 has no 重点工作 (省级) in the years chosen; its types: 工作要点
    """
    from compare.analysis import validate_selection

    level = _check_spelling(corpus, province=province, provinces=provinces, year=year, years=years, level=level,
                            doc_type=doc_type)
    v = validate_selection(
        corpus, province=province, provinces=provinces, years=year if year is not None else years, themes=themes
    )
    docs = _documents(corpus)
    if v["province"] is not None:
        provs = (v["province"],)
    else:
        provs = tuple(v["provinces"]) if v["provinces"] else tuple(corpus.provinces)
    mine = docs[docs["province"].isin(provs) & (docs["level"].fillna(DEFAULT_LEVEL) == level)
                & docs["department"].isna()]
    if mine.empty:
        raise ParameterError(f"{'、'.join(provs)} has no plan of level {level}; its levels: "
                             f"{'、'.join(sorted(set(docs.loc[docs['province'].isin(provs), 'level'].dropna())))}")
    if v["province"] is None and not v["provinces"]:  # every province = those with a plan of this level
        provs = tuple(p for p in provs if p in set(mine["province"]))  # (not 全国 or a city plan's province)
    have = sorted(int(y) for y in mine["year"].unique())
    if v["years"]:
        missing = [y for y in v["years"] if y not in have]
        if missing:
            raise ParameterError(
                f"{'、'.join(provs)} has no plan for {'、'.join(map(str, missing))}; "
                f"its years: {'、'.join(map(str, have))}"
            )
        mine = mine[mine["year"].isin(v["years"])]
    if doc_type is None:
        doc_type = main_doc_type(mine) if len(provs) == 1 else DEFAULT_DOC_TYPE
    if not (mine["doc_type"] == doc_type).any():
        raise ParameterError(
            f"{'、'.join(provs)} has no {doc_type} ({level}) in the years chosen; "
            f"its types: {'、'.join(sorted(set(mine['doc_type'])))}"
        )
    theme_list = v["themes"]
    return Selection(
        provinces=provs,
        years=tuple(v["years"]) if v["years"] else tuple(have),
        themes=tuple(t for t in corpus.themes if t in theme_list) if theme_list else tuple(corpus.themes),
        doc_type=doc_type,
        level=level,
    )


def _check_spelling(corpus, *, province, provinces, year, years, level, doc_type) -> str:
    """The level (None: 省级) after the checks that need no documents: one of province/provinces and of
    year/years, a non-empty province, a level and a document type of the vocabulary."""
    _exclusive(province=province, provinces=provinces, year=year, years=years)
    if province is not None and not str(province).strip():
        raise ParameterError(f"province is empty; known provinces: {'、'.join(corpus.provinces)}")
    return _vocabulary(level=level, doc_type=doc_type)


def _exclusive(*, province, provinces, year, years) -> None:
    if province is not None and provinces is not None:
        raise ParameterError("give either province or provinces, not both")
    if year is not None and years is not None:
        raise ParameterError("give either year or years, not both")


def _vocabulary(*, level, doc_type) -> str:
    """The level (None: 省级) once it and the document type are known to the vocabulary."""
    level = level or DEFAULT_LEVEL
    if level not in LEVELS:
        raise ParameterError(f"level must be one of {'、'.join(LEVELS)}, not {level!r}")
    if doc_type is not None and doc_type not in DOC_TYPES:
        raise ParameterError(f"unknown document type {doc_type!r}; types are {'、'.join(DOC_TYPES)}")
    return level


def compared(corpus, sel: Selection):
    """The documents a report compares: sel's provinces and years, of sel's type and level (a year's
    重点工作 is not counted beside its 工作要点).

    >>> from compare.analysis.examples import example_corpus
    >>> corpus = example_corpus()
    >>> compared(corpus, select(corpus, province="河南")).documents["doc_id"].tolist()
    ['henan-2019-gzyd', 'henan-2024-gzyd']
    """
    return comparable(corpus, doc_type=sel.doc_type, level=sel.level).select(
        provinces=list(sel.provinces), years=list(sel.years))


def check_without_corpus(parameters: Mapping[str, Any], *, template: Path) -> None:
    """The checks that need no corpus, which a render makes before it starts its kernel: names the
    template declares, one of province/provinces and of year/years, a level and a document type of
    the vocabulary, a positive top_n. ParameterError otherwise (:func:`resolve_parameters` makes them too)."""
    declared = template_parameters(template)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ParameterError(
            f"{template.name} has no parameter(s) {unknown}; its parameters are {', '.join(declared)}"
        )
    _exclusive(province=parameters.get("province"), provinces=parameters.get("provinces"),
               year=parameters.get("year"), years=parameters.get("years"))
    _vocabulary(level=parameters.get("level"), doc_type=parameters.get("doc_type"))
    top_n = parameters.get("top_n", 1)
    if isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1:
        raise ParameterError(f"top_n must be a positive integer, not {top_n!r}")


def resolve_parameters(kind: str, parameters: Mapping[str, Any], corpus, *, template: Path) -> dict:
    """Check report parameters before executing anything: known names only, values valid for the corpus.

    Returns the parameters with canonical province names (河南省 -> 河南)."""
    check_without_corpus(parameters, template=template)
    out = dict(parameters)
    common = {"themes": parameters.get("themes"), "doc_type": parameters.get("doc_type"),
              "level": parameters.get("level") or DEFAULT_LEVEL}
    if kind == "province":
        sel = select(corpus, province=parameters.get("province"), years=parameters.get("years"), **common)
        out["province"] = sel.province
    else:
        common["doc_type"] = common["doc_type"] or DEFAULT_DOC_TYPE
        sel = select(corpus, provinces=parameters.get("provinces"), year=parameters.get("year"), **common)
        if parameters.get("provinces") is not None:
            out["provinces"] = list(sel.provinces)
    return out
