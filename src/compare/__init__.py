"""compare: tools for comparing Chinese provincial 科协 work plans across provinces and years.

Layers, as packages; imports point down only (checked by import-linter in `make test`):

    core          errors, paths, schema (the table contract), io, hashing
    ingest        raw plan files -> documents / items / targets tables
    text          item text -> tokens (an owned jieba.Tokenizer); items -> themes
    analysis      tables -> tidy comparison DataFrames
    presentation  comparisons -> charts (briefing style, CJK fonts), HTML font embedding, display tables
    pipeline      figures, papermill reports, comparison cache, the incremental build
    cli           `python -m compare ...`
"""
from __future__ import annotations

__version__ = "0.1.0"

from compare.core.errors import (  # noqa: F401
    CompareError,
    EmptyCorpusError,
    InputFileError,
    ParameterError,
    ReportError,
    ThemeFileError,
)
