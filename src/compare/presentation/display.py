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
    COLUMN_LABELS,
    FIGURE_DPI,
    VALUE_LABELS,
    HTMLBlock,
    figure,
    generated_at,
    heading,
    note,
    page_note,
    table,
    wide,
)
from compare.presentation.report_tables import (
    MAX_LONG_GROUPS,
    coverage,
    documents_overview,
    documents_table,
    header,
    items_by_theme,
    keyness_rows,
    keyness_table,
    missing_plan_rows,
    no_items_plans,
    phrase_table,
    report_subject,
    report_title,
    strength_table,
    targets_by_unit,
    targets_table,
    theme_model_version,
)

__all__ = [
    "COLUMN_LABELS",
    "FIGURE_DPI",
    "MAX_LONG_GROUPS",
    "VALUE_LABELS",
    "HTMLBlock",
    "coverage",
    "documents_overview",
    "documents_table",
    "figure",
    "generated_at",
    "header",
    "heading",
    "items_by_theme",
    "keyness_rows",
    "keyness_table",
    "missing_plan_rows",
    "no_items_plans",
    "note",
    "page_note",
    "phrase_table",
    "report_subject",
    "report_title",
    "strength_table",
    "table",
    "targets_by_unit",
    "targets_table",
    "theme_model_version",
    "wide",
]
