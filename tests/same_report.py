"""Comparing two rendered reports: every byte of the page outside its chart images, and each chart
image pixel for pixel up to a few anti-aliased pixels.

Where several lines of a chart end on the same point (four themes at 16 % in the Henan change chart),
the rasteriser occasionally blends the overlapping round markers a shade differently from one kernel
process to the next; nothing else of the page varies. A chart that differs in more than
``MAX_DIFFERENT_PIXELS`` pixels, or any other byte, is a different report.
"""
from __future__ import annotations

import base64
import io
import re

import numpy as np
from PIL import Image

PNG = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')
MAX_DIFFERENT_PIXELS = 200  # of about 1.4 million in a 1599 x 900 chart


def _pixels(b64: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(b64))).convert("RGB"), dtype=np.int16)


def assert_same_report(a: str | bytes, b: str | bytes) -> None:
    a = a.decode("utf-8") if isinstance(a, bytes) else a
    b = b.decode("utf-8") if isinstance(b, bytes) else b
    if a == b:
        return
    assert PNG.sub('src="png"', a) == PNG.sub('src="png"', b), "the pages differ outside their chart images"
    for n, (pa, pb) in enumerate(zip(PNG.findall(a), PNG.findall(b), strict=True)):
        if pa == pb:
            continue
        x, y = _pixels(pa), _pixels(pb)
        assert x.shape == y.shape, f"chart {n}: {x.shape} vs {y.shape}"
        differing = int((np.abs(x - y).max(axis=2) > 0).sum())
        assert differing <= MAX_DIFFERENT_PIXELS, f"chart {n}: {differing} pixels differ"
