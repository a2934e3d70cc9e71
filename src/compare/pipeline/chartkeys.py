"""Each chart is saved only when what it shows changed.

Saving a chart (PNG, SVG and PDF at 300 dpi) costs far more than computing its data. A chart's key is
the sha256 of everything its picture is made from: its name, the data drawn (the CSV bytes written
beside it), its caption and every text in the figure (title, subtitle, source line, notes, labels),
what of the selection it draws (scope, theme colours, top-N; the missing province-years of the
heatmap, the plans of the targets chart, the provinces of the slogan timeline), the formats
and resolution, the code version, matplotlib's version and the CJK font file. ``<figures>/.chart-keys.json``
records, per chart, the key it was last saved with and the sha256 of each file; a chart whose key is
unchanged and whose files still have those bytes is not saved again (its data CSV is still written,
only when changed). Adding a plan of another province leaves e.g. the focus province's
``change_over_time`` as it is.
"""
from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from compare.core.hashing import sha256_file
from compare.core.registry import RegistryFileError, read_registry_file, write_registry_file

log = logging.getLogger("compare.pipeline.build")

KEYS_FILE = ".chart-keys.json"
_VERSION = 1


def figure_texts(fig) -> list[str]:
    """Every text of the figure, in artist order (titles, notes, labels, annotations)."""
    from matplotlib.text import Text

    return [t.get_text() for t in fig.findobj(Text)]


def context_digest(*parts) -> str:
    """sha256 of the JSON of a chart context's parts (what every chart of one selection shares)."""
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")).hexdigest()


class ChartKeys:
    """The recorded key and file digests of every chart in one figures directory."""

    def __init__(self, out_dir: Path, *, enabled: bool = True):
        self.path = Path(out_dir) / KEYS_FILE
        self.enabled = enabled
        self.saved: dict[str, dict] = {}
        if enabled:
            try:
                self.saved = read_registry_file(self.path, version=_VERSION, entries="charts")
            except RegistryFileError as exc:
                log.warning("ignoring unreadable chart keys %s (%s): every chart is drawn", self.path, exc.reason)
        self.current: dict[str, dict] = {}
        self.reused: list[str] = []

    @staticmethod
    def key(name: str, context: str, data_bytes: list[bytes], caption: dict, formats, dpi: int) -> str:
        import matplotlib

        from compare.core.hashing import code_version
        from compare.presentation.fonts import cjk_font_info

        font = cjk_font_info()
        h = hashlib.sha256()
        for part in (name, context, json.dumps(caption, ensure_ascii=False, sort_keys=True), list(formats), int(dpi),
                     code_version(), matplotlib.__version__, str(font.path), font.face_index):
            h.update(repr(part).encode("utf-8") + b"\0")
        for blob in data_bytes:
            h.update(hashlib.sha256(blob).digest())
        return h.hexdigest()

    def fresh(self, name: str, key: str, files: list[Path]) -> bool:
        """The chart's files were saved with this key and still hold the bytes then written."""
        entry = self.saved.get(name)
        if not self.enabled or not entry or entry.get("key") != key:
            return False
        digests = entry.get("files", {})
        if sorted(digests) != sorted(p.name for p in files):
            return False
        return all(p.is_file() and sha256_file(p) == digests[p.name] for p in files)

    def record(self, name: str, key: str, files: list[Path], *, reused: bool) -> None:
        self.current[name] = {"key": key, "files": {p.name: sha256_file(p) for p in files if p.is_file()}}
        if reused:
            self.reused.append(name)

    def save(self) -> None:
        """Keep the entries of the charts drawn now (and of earlier charts still recorded)."""
        if not self.enabled:
            return
        charts = {**self.saved, **self.current}
        write_registry_file(self.path, charts, version=_VERSION, entries="charts")
