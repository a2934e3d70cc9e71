"""Loader layer: raw plan files -> documents / items / targets tables (decode, clean, structure,
metadata, departments, targets). Depends on ``compare.core`` only."""
