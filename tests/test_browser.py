"""A rendered report in a real browser (Debian's headless Chromium): it loads without console errors,
the embedded CJK font subset is loaded and usable for the page's Chinese, and the charts and tables
are there. Skipped, saying why, where chromium is not installed (`.ci/run` installs it)."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = next((p for p in (shutil.which("chromium"), "/usr/bin/chromium", shutil.which("chromium-browser"))
                 if p and Path(p).is_file()), None)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed "
                       "(apt-get install chromium; .ci/run installs it): the browser check of a report is skipped"),
]

#: injected first in <head>: records errors (console.error, uncaught, failed resources), then after the
#: fonts are ready writes what the page shows into <pre id="kx-browser-check"> for --dump-dom
PROBE = """<script>
window.__kx = {errors: []};
const _err = console.error;
console.error = function (...a) { window.__kx.errors.push(a.map(String).join(' ')); _err.apply(console, a); };
window.addEventListener('error', e => window.__kx.errors.push('error: ' + (e.message || (e.target && (e.target.src || e.target.href)) || e.type)), true);
window.addEventListener('unhandledrejection', e => window.__kx.errors.push('rejection: ' + e.reason));
window.addEventListener('load', () => document.fonts.load('16px "FAMILY"', '河南省科协工作要点').then(() => document.fonts.ready).then(() => {
  const faces = []; document.fonts.forEach(f => faces.push({family: f.family.replace(/["']/g, ''), status: f.status}));
  const out = {
    errors: window.__kx.errors, faces: faces,
    check: document.fonts.check('16px "FAMILY"', '河南省科协工作要点'),
    bodyFont: getComputedStyle(document.body).fontFamily,
    images: document.querySelectorAll('img').length, svgs: document.querySelectorAll('svg').length,
    tables: document.querySelectorAll('table').length,
    brokenImages: Array.from(document.querySelectorAll('img')).filter(i => !(i.complete && i.naturalWidth > 0)).length,
  };
  const pre = document.createElement('pre'); pre.id = 'kx-browser-check'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
}, e => { window.__kx.errors.push('font load: ' + e); const pre = document.createElement('pre');
  pre.id = 'kx-browser-check'; pre.textContent = JSON.stringify({errors: window.__kx.errors, faces: []});
  document.body.appendChild(pre); }));
</script>"""


@pytest.fixture(scope="module")
def report_html(themed_dir, tmp_path_factory) -> Path:
    from compare.pipeline import report

    out = tmp_path_factory.mktemp("browser")
    return report.render_report("cross", parameters={}, processed_dir=themed_dir, out_dir=out)


def test_report_in_headless_chromium(report_html, tmp_path):
    from compare.presentation.fontembed import EMBEDDED_FONT_FAMILY

    html = report_html.read_text(encoding="utf-8")
    assert EMBEDDED_FONT_FAMILY in html
    probe = PROBE.replace("FAMILY", EMBEDDED_FONT_FAMILY)
    page = tmp_path / "page.html"
    page.write_text(re.sub(r"<head([^>]*)>", lambda m: m.group(0) + probe, html, count=1), encoding="utf-8")
    profile = tmp_path / "profile"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", "--virtual-time-budget=15000", "--dump-dom", page.as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    found = re.search(r'<pre id="kx-browser-check">(.*?)</pre>', done.stdout, re.S)
    assert found, f"the page did not finish loading in Chromium: {done.stderr[-2000:]}"
    result = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<")
                        .replace("&gt;", ">"))
    assert result["errors"] == [], result["errors"]
    faces = [f for f in result["faces"] if f["family"] == EMBEDDED_FONT_FAMILY]
    assert faces and all(f["status"] == "loaded" for f in faces), result["faces"]
    assert result["check"] is True  # the embedded subset renders the page's Chinese
    # the page's font stack ends with the embedded subset (a machine's own SC font may come first)
    assert EMBEDDED_FONT_FAMILY in result["bodyFont"] or "--kx-cjk-fonts" in html
    assert result["images"] + result["svgs"] > 0 and result["brokenImages"] == 0, result
    assert result["tables"] > 0, result
