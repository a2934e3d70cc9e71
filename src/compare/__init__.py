"""compare: tools for comparing Chinese provincial 科协 work plans across provinces and years.

Pipeline stages, one module each (a DAG, cookiecutter-data-science style):

    load      raw plan texts  -> documents / items / targets tables
    segment   item text       -> tokens (an owned jieba.Tokenizer)
    themes    items + tokens  -> item_themes / theme_shares / clusters tables
    analysis  tables          -> tidy comparison DataFrames
    plots     comparisons     -> matplotlib figures (briefing style, CJK fonts)
    report    notebooks       -> executed, code-free HTML reports
    build     everything      -> incremental, one command
"""
from __future__ import annotations

__version__ = "0.1.0"

from compare.errors import (  # noqa: F401
    CompareError,
    EmptyCorpusError,
    InputFileError,
    ParameterError,
    ReportError,
    ThemeFileError,
)
