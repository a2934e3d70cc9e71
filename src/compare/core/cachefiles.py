"""Small on-disk caches under compare.core.paths.cache_dir(): least-recently-used pruning.

Entries are marked as used by touching them (:func:`touch`); :func:`prune` keeps the most recently
used ones. Safe when several processes share a cache: an entry that another process removed first
is simply skipped."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path


def touch(path: Path) -> None:
    """Mark a cache entry as just used (pruned last); a vanished entry is ignored."""
    with contextlib.suppress(OSError):
        os.utime(path)


def prune(directory: Path, pattern: str, keep: int) -> None:
    """Keep the `keep` most recently used files matching pattern in a cache directory."""
    entries = []
    for p in Path(directory).glob(pattern):
        with contextlib.suppress(FileNotFoundError):  # another process pruned it first
            entries.append((p.stat().st_mtime_ns, p.name, p))
    for _, _, old in sorted(entries, reverse=True)[keep:]:
        old.unlink(missing_ok=True)
