"""Presentation layer: chart style, charts, CJK fonts, HTML font embedding and display tables.
Depends on ``compare.analysis`` and below; never on ``compare.pipeline``."""
