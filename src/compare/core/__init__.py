"""Bottom layer: errors, paths, the table contract (schema), atomic table I/O and fingerprints.

Imports nothing from the other layers of ``compare``.
"""
