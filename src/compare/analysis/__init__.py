"""Comparisons analysts ask for, each returning a tidy DataFrame with a deterministic row order.

Everything starts from a :class:`Corpus` (the processed tables in memory)::

    from compare import analysis
    corpus = analysis.Corpus.load("data/processed")
    analysis.theme_share_matrix(corpus, by=("province", "year"))  # how much of each plan is 科普, 智库, …
    analysis.keyness(corpus, by="province")                        # distinctive terms per province (G²)
    analysis.term_changes(corpus, "河南", years=[2019, 2024])       # what appeared / disappeared
    corpus.select(provinces="豫", years=2024)                      # a part of the corpus

Conventions:

* **Like with like.** Every comparison is for one document type and one level unless asked
  otherwise: ``doc_types="工作要点"``, ``levels="省级"``, department plans left out, and a year's
  重点工作 never counted beside its 工作要点 (:func:`like_with_like`). ``doc_types=None`` /
  ``levels=None`` compare every type / level.
* **Selections** are called ``provinces``, ``years``, ``doc_types``, ``levels``, ``themes`` and take
  one value or a list (:meth:`Corpus.select`, :func:`filter_items`, :func:`validate_selection`);
  size limits are ``top_n``; every comparison takes a :class:`Corpus` first. Older names
  (``doc_type=``, ``n=``, ``item_links(documents, items)`` …) still work until 0.3.0, with a
  FutureWarning (:func:`compare.core.deprecation.deprecate_kwarg`).
* **Order**: provinces sort by their Unicode code points, years ascending, themes in the theme
  dictionary's order. Grouped outputs keep the names of the `by` columns.
* **Errors** meant for a person are :class:`compare.core.errors.CompareError` subclasses:
  ParameterError for a bad value, EmptyCorpusError when nothing is left to compare.

Modules: corpus (Corpus), selection (selection parameters, like with like), shares, instruments
(policy instruments: supply / environment / demand, crossed with the themes), keyness,
similarity, change (over time, one province), slogans (shared phrases), targets, departments, kwic,
examples (a small hand-written corpus for trying things out); tracking (item continuity across
years), series (target series), strength (commitment strength), whose public names are
re-exported on first use (they import scikit-learn and scipy, which `import compare.analysis` avoids).

>>> from compare import analysis
>>> corpus = analysis.example_corpus()
>>> analysis.theme_share_matrix(corpus, by="province").query("theme == '科普'")["share"].tolist()
[0.6, 0.0]
"""
from __future__ import annotations

from compare.analysis.change import (
    TERM_CHANGE_COLUMNS,
    THEME_CHANGE_COLUMNS,
    main_doc_type,
    term_changes,
    theme_changes,
)
from compare.analysis.corpus import Corpus, comparable
from compare.analysis.departments import departments_by_theme
from compare.analysis.examples import example_corpus
from compare.analysis.instruments import (
    CODING_TABLE_COLUMNS,
    INSTRUMENT_CHANGE_COLUMNS,
    INSTRUMENT_UNITS,
    instrument_changes,
    instrument_coding_table,
    instrument_shares,
    instrument_theme_matrix,
    instrument_vocabulary,
    items_coded,
)
from compare.analysis.keyness import KEYNESS_COLUMNS, keyness, keyness_table, log_ratio
from compare.analysis.kwic import KWIC_COLUMNS, kwic
from compare.analysis.selection import (
    as_list,
    canonical_provinces,
    describe,
    filter_items,
    like_with_like,
    parse_years,
    plans_without_items,
    validate_selection,
)
from compare.analysis.shares import theme_share_matrix, theme_shares
from compare.analysis.similarity import (
    SIMILAR_PAIRS_COLUMNS,
    SIMILARITY_COLUMNS,
    UNITS,
    similar_pairs,
    similarity,
    similarity_matrix,
)
from compare.analysis.slogans import SHARED_PHRASE_COLUMNS, shared_phrases
from compare.analysis.targets import (
    NON_ADDITIVE_UNITS,
    TARGET_VALUES_COLUMNS,
    TARGETS_BY_THEME_COLUMNS,
    targets_by_theme,
)
from compare.core.vocab import DEFAULT_DOC_TYPE, DEFAULT_LEVEL
from compare.core.vocab import LEVELS as DOC_LEVELS

__all__ = [
    "CODING_TABLE_COLUMNS",
    "DEFAULT_DOC_TYPE",
    "DEFAULT_LEVEL",
    "DOC_LEVELS",
    "INSTRUMENT_CHANGE_COLUMNS",
    "INSTRUMENT_UNITS",
    "KEYNESS_COLUMNS",
    "KWIC_COLUMNS",
    "NON_ADDITIVE_UNITS",
    "SHARED_PHRASE_COLUMNS",
    "SIMILARITY_COLUMNS",
    "SIMILAR_PAIRS_COLUMNS",
    "TARGETS_BY_THEME_COLUMNS",
    "TARGET_VALUES_COLUMNS",
    "TERM_CHANGE_COLUMNS",
    "THEME_CHANGE_COLUMNS",
    "UNITS",
    "Corpus",
    "as_list",
    "canonical_provinces",
    "comparable",
    "departments_by_theme",
    "describe",
    "example_corpus",
    "filter_items",
    "instrument_changes",
    "instrument_coding_table",
    "instrument_shares",
    "instrument_theme_matrix",
    "instrument_vocabulary",
    "items_coded",
    "keyness",
    "keyness_table",
    "kwic",
    "like_with_like",
    "log_ratio",
    "main_doc_type",
    "parse_years",
    "plans_without_items",
    "shared_phrases",
    "similar_pairs",
    "similarity",
    "similarity_matrix",
    "targets_by_theme",
    "term_changes",
    "theme_changes",
    "theme_share_matrix",
    "theme_shares",
    "validate_selection",
]

# Modules whose public names are re-exported lazily (on first use), so that `import compare.analysis`
# stays light in report kernels: they import scikit-learn / scipy at module level.
_LAZY_MODULES = ("tracking", "strength", "series")


def _lazy_modules():
    """The lazily re-exported modules that exist, imported: (module, its public names)."""
    import importlib

    for mod_name in _LAZY_MODULES:
        try:
            mod = importlib.import_module(f"compare.analysis.{mod_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"compare.analysis.{mod_name}":
                raise
            continue
        yield mod, list(getattr(mod, "__all__", [n for n in vars(mod) if not n.startswith("_")]))


def __getattr__(name: str):
    if not name.startswith("__"):
        for mod, public in _lazy_modules():
            if name in public and hasattr(mod, name):
                value = getattr(mod, name)
                globals()[name] = value
                return value
    raise AttributeError(f"module 'compare.analysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *(n for _, public in _lazy_modules() for n in public)})
