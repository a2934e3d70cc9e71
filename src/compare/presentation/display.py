"""Display helpers for the report and exploratory notebooks, one import::

    from compare.presentation import display as show      # `display` itself is IPython's function
    display(show.table(df, caption="…"))
    display(show.figure(plots.theme_heatmap(shares)))

Generic blocks (escaped tables, headings, notes, figures) live in :mod:`compare.presentation.blocks`;
the reports' own blocks (provenance header, coverage, documents, targets, slogans, terms, items,
strength) in :mod:`compare.presentation.report_tables`. Every piece of document text is escaped.

Reports carry their provenance in a header block (:func:`header`): the parameter values, what is
compared, the sha256 of every processed table and raw file, the theme model version, the code version
and the generation time. The generation time makes two renderings of the same inputs differ
byte-wise; set ``SOURCE_DATE_EPOCH`` for reproducible output.
"""
from __future__ import annotations

from compare.presentation.blocks import (
    HTMLBlock,
    generated_at,
    heading,
    note,
    COLUMN_LABELS,
    VALUE_LABELS,
    table,
    wide,
    page_note,
    FIGURE_DPI,
    figure,
)
from compare.presentation.report_tables import (
    header,
    coverage,
    strength_table,
    theme_model_version,
    items_by_theme,
    report_title,
    documents_table,
    targets_table,
    phrase_table,
    MAX_LONG_GROUPS,
    keyness_table,
    missing_plan_rows,
    targets_by_unit,
    documents_overview,
)

__all__ = [
    "HTMLBlock",
    "generated_at",
    "heading",
    "note",
    "COLUMN_LABELS",
    "VALUE_LABELS",
    "table",
    "wide",
    "page_note",
    "FIGURE_DPI",
    "figure",
    "header",
    "coverage",
    "strength_table",
    "theme_model_version",
    "items_by_theme",
    "report_title",
    "documents_table",
    "targets_table",
    "phrase_table",
    "MAX_LONG_GROUPS",
    "keyness_table",
    "missing_plan_rows",
    "targets_by_unit",
    "documents_overview",
]
