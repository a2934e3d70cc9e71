"""What makes a report cheap to render, and that it never changes what the report says: a kernel kept
for several reports or started ahead, by a build or by a single render (each gives the page of a
kernel papermill starts itself, rendered once for the module), the corpus a kept kernel keeps (read
again whenever a table changes), the HTML export without nbconvert's
BeautifulSoup pass (the same page), the notebook machinery imported without its slowest optional
dependency, and the shared-phrase table built in one pass."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from compare.pipeline import export, kept
from compare.presentation import report_tables


def test_kept_corpus_is_read_once_and_again_when_a_table_changes(themed_dir, tmp_path):
    processed = tmp_path / "processed"
    shutil.copytree(themed_dir, processed)
    kept.forget()
    first = kept.corpus(processed)
    assert kept.corpus(processed) is first  # the next report of the kernel
    assert kept.corpus(str(processed) + "/") is first  # the same directory however it is written

    # a table rewritten (atomically, as every step writes): read again, and the new rows are there
    docs = pd.read_parquet(processed / "documents.parquet")
    docs.loc[0, "title"] = docs.loc[0, "title"] + "（修订）"
    tmp = processed / "documents.parquet.tmp"
    docs.to_parquet(tmp, index=False)
    os.replace(tmp, processed / "documents.parquet")
    again = kept.corpus(processed)
    assert again is not first
    assert again.documents.loc[0, "title"].endswith("（修订）")

    # a table that goes (or appears: the instruments step ran) is a change too
    assert len(again.clusters)
    (processed / "clusters.parquet").unlink()
    without = kept.corpus(processed)
    assert without is not again and len(without.clusters) == 0
    other = tmp_path / "other"
    shutil.copytree(themed_dir, other)
    assert kept.corpus(other) is not without  # another directory
    kept.forget()


def test_export_marks_what_nbconvert_marks_without_reparsing_the_page():
    """The template's output areas and markdown cells are focusable and images have alt text, as
    nbconvert's own pass makes them; a table cell that merely mentions the class is left alone."""
    page = ('<body class="jp-Notebook"><div class="jp-Cell-inputWrapper">\n<h2>一</h2></div>'
            '<div class="jp-RenderedHTMLCommon jp-RenderedHTML jp-OutputArea-output " data-mime-type="text/html">'
            '<img class="kx-figure" alt="图" src="x"><img src="y">'
            '<td>&lt;div class="jp-OutputArea-output"&gt;</td></div>'
            '<div class="jp-OutputArea-output" tabindex="0"></div>'
            '<div id="js-1" class="jp-RenderedJavaScript jp-OutputArea-output "></div></body>')
    out = export.focusable(page)
    assert out.count('tabindex="0"') == 4
    assert '<div id="js-1" class="jp-RenderedJavaScript jp-OutputArea-output " tabindex="0">' in out
    assert '<div class="jp-Cell-inputWrapper" tabindex="0">' in out
    assert 'data-mime-type="text/html" tabindex="0">' in out
    assert '<img class="kx-figure" alt="图" src="x">' in out
    assert f'<img alt="{export.MISSING_ALT}" src="y">' in out
    assert "&lt;div class=\"jp-OutputArea-output\"&gt;" in out


def test_export_is_the_page_nbconvert_makes(tmp_path):
    """The exporter without nbconvert's BeautifulSoup round trip gives the same document (compared
    after parsing both: the soup only re-serialises the markup)."""
    import nbformat
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    from compare.presentation.display import HTMLBlock, table

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("## 一、覆盖的文件"),
                nbformat.v4.new_code_cell("display(t)", outputs=[nbformat.v4.new_output(
                    "display_data", data={"text/html": table(pd.DataFrame({"province": ["河南"], "year": [2024]})).html,
                                          "text/plain": "t"})]),
                nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
                    "execute_result", data={"text/html": HTMLBlock('<img src="data:image/png;base64,AA==">').html,
                                            "text/plain": "x"}, execution_count=1)])]
    ours = export.export_html(nb, title="测试", embed_font=False)
    stock = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                         exclude_output_prompt=True, exclude_anchor_links=True,
                         extra_template_paths=[str(export.HTML_TEMPLATE_DIR)], template_file=export.HTML_TEMPLATE_FILE,
                         language_code="zh")
    theirs, _ = stock.from_notebook_node(nb, resources={"metadata": {"name": "测试"}})
    assert str(BeautifulSoup(ours, "html.parser")) == str(BeautifulSoup(theirs, "html.parser"))
    assert ours.count('tabindex="0"') == theirs.count('tabindex="0"') >= 3


def test_notebook_machinery_imports_without_the_grammar_compiler():
    code = ("import sys\nfrom compare.pipeline import kernel\nkernel.light_jsonschema()\n"
            "import nbformat, papermill\nprint('rfc3987_syntax' in sys.modules)\n"
            "nb = nbformat.v4.new_notebook(); nbformat.validate(nb)\n"
            "import importlib.util; print(importlib.util.find_spec('jsonschema') is not None)\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["False", "True"], run.stdout + run.stderr


def _phrase_table_by_groupby(shared: pd.DataFrame, max_listed: int = 8) -> pd.DataFrame:
    """phrase_table as it was written first (a groupby per phrase and province), the reference."""
    years = (shared.groupby(["phrase", "province"], sort=False)["year"]
             .agg(lambda ys: sorted({int(y) for y in ys})).reset_index())
    years["_first"] = years["year"].str[0]
    years = years.sort_values(["_first", "province"], kind="mergesort")
    listed = {}
    for phrase, grp in years.groupby("phrase", sort=False):
        if len(grp) <= max_listed:
            listed[phrase] = "；".join(f"{p}（{'、'.join(map(str, ys))}）" for p, ys in zip(grp["province"], grp["year"]))
        else:
            firsts = "、".join(f"{p}（{y}）" for p, y in zip(grp["province"].head(max_listed), grp["_first"]))
            listed[phrase] = f"{firsts} 等 {len(grp)} 省（括号内为首次使用年份）"
    first = shared.drop_duplicates("phrase")[["phrase", "kind", "first_year", "first_province", "n_provinces"]]
    out = first.assign(provinces=first["phrase"].map(listed))
    return out[["phrase", "kind", "first_year", "first_province", "n_provinces", "provinces"]].reset_index(drop=True)


@pytest.mark.parametrize("max_listed", [2, 8])
def test_phrase_table_lists_each_province_by_first_use(max_listed):
    provinces = ["河南", "湖北", "黑龙江", "湖南", "广东"]
    rows = []
    for i, phrase in enumerate(["科创中国", "一市一品", "3+1", "科普日"]):
        for j, prov in enumerate(provinces[: 2 + i]):
            for year in sorted({2019 + (i * j) % 4, 2024 - j, 2019 + (i * j) % 4}):
                rows.append({"phrase": phrase, "kind": "quoted", "province": prov, "year": year})
    shared = pd.DataFrame(rows)
    first = shared.sort_values("year", kind="mergesort").groupby("phrase", sort=False).agg(
        first_year=("year", "min"), first_province=("province", "first"), n_provinces=("province", "nunique"))
    shared = shared.merge(first.reset_index(), on="phrase")
    got = report_tables.phrase_table(shared, max_listed=max_listed)
    pd.testing.assert_frame_equal(got, _phrase_table_by_groupby(shared, max_listed))
    listed = got.set_index("phrase")["provinces"]
    assert listed["科普日"].endswith("等 5 省（括号内为首次使用年份）") == (max_listed == 2)


HENAN_7 = {"province": "河南", "top_n": 7}


@pytest.fixture(scope="module")
def fresh_henan(themed_dir, tmp_path_factory) -> bytes:
    """河南's report (top_n 7) from a kernel papermill starts for it, as reports were rendered before
    kernels were kept or started ahead: the page every other way of rendering it must give."""
    from compare.pipeline import kernel, report

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", "1700000000")
        mp.setattr(kernel, "start_one", lambda *args, **kwargs: None)  # no kernel ahead: papermill starts its own
        path = report.render_report("province", parameters=HENAN_7, processed_dir=themed_dir,
                                    out_dir=tmp_path_factory.mktemp("fresh"))
    return path.read_bytes()


@pytest.mark.slow
def test_a_kernel_started_ahead_renders_each_report_as_a_fresh_one_would(themed_dir, fresh_henan, tmp_path,
                                                                          monkeypatch):
    """A build starts its workers' kernels while its first steps run: the pool takes the kernel started
    ahead instead of starting its own, and the report is the one a fresh kernel renders."""
    from compare.pipeline import kernel, report
    from tests.same_report import assert_same_report

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert kernel.prewarm(None, 1, tmp_path / "ahead-logs") == 1
    assert kernel.has_warm()
    pool = kernel.KernelPool(None, tmp_path / "kernels")
    ahead_km = kernel._WARM[pool.name][0][1][0]
    try:
        ahead = report.render_report("province", parameters=HENAN_7, processed_dir=themed_dir,
                                     out_dir=tmp_path / "ahead", kernel_pool=pool)
        assert pool.started == 1 and pool._managers == [ahead_km] and not kernel.has_warm()
    finally:
        pool.close()
    assert not ahead_km.has_kernel
    assert_same_report(ahead.read_bytes(), fresh_henan)


@pytest.mark.slow
def test_a_kept_kernel_renders_each_report_as_a_fresh_one_would(themed_dir, fresh_henan, tmp_path, monkeypatch):
    """A build's worker keeps one kernel for its reports: the namespace is reset between reports, so
    a report rendered after another is byte-identical to the same report from a fresh kernel, and
    papermill's parameters cell is there as usual."""
    from compare.pipeline import report
    from compare.pipeline.kernel import KernelPool
    from tests.same_report import assert_same_report

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    pool = KernelPool(None, tmp_path / "kernels")
    try:
        report.render_report("province", parameters={"province": "湖北"}, processed_dir=themed_dir,
                             out_dir=tmp_path / "kept-first", kernel_pool=pool)
        kept = report.render_report("province", parameters=HENAN_7, processed_dir=themed_dir,
                                    out_dir=tmp_path / "kept", kernel_pool=pool)
        assert pool.started == 1
    finally:
        pool.close()
    assert_same_report(kept.read_bytes(), fresh_henan)
    assert "top_n = 7" in kept.read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_single_render_starts_its_kernel_first_and_shuts_it_down(themed_dir, fresh_henan, tmp_path, monkeypatch):
    """A render without a pool starts its kernel before it reads the corpus and checks the parameters
    (they overlap the kernel's start-up); the kernel renders the report a kernel started by papermill
    renders, and is shut down afterwards, also when the parameters are refused."""
    from compare.core.errors import ParameterError
    from compare.pipeline import kernel, report
    from tests.same_report import assert_same_report

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    started, used = [], []
    start_one, take_one = kernel.start_one, kernel.take_one

    def recording_start(*args, **kwargs):
        handle = start_one(*args, **kwargs)
        started.append(handle[1][0])
        return handle

    def recording_take(handle):
        km = take_one(handle)
        used.append(km)
        return km

    monkeypatch.setattr(kernel, "start_one", recording_start)
    monkeypatch.setattr(kernel, "take_one", recording_take)
    ahead = report.render_report("province", parameters=HENAN_7, processed_dir=themed_dir,
                                 out_dir=tmp_path / "ahead")
    assert len(started) == 1 and used == started and not started[0].has_kernel
    assert_same_report(ahead.read_bytes(), fresh_henan)
    with pytest.raises(ParameterError):
        report.render_report("province", parameters={"province": "火星"}, processed_dir=themed_dir,
                             out_dir=tmp_path / "refused")
    assert len(started) == 2 and not started[1].has_kernel and len(used) == 1
    assert not (tmp_path / "refused").exists()  # nothing executed, nothing written


@pytest.mark.slow
def test_kernels_started_ahead_and_never_used_are_shut_down(tmp_path):
    from compare.pipeline import kernel

    assert kernel.prewarm(None, 1, tmp_path) == 1
    km = kernel._WARM[kernel.resolve_kernel(None)[0]][0][1][0]
    kernel.discard_warm()
    assert not kernel.has_warm() and not km.has_kernel
    assert kernel.prewarm("no-such-kernel-here", 1, tmp_path) == 0 and not kernel.has_warm()


def test_items_themed_is_merged_once_and_each_caller_gets_its_own_copy():
    from compare.analysis.examples import example_corpus

    corpus = example_corpus()
    first = corpus.items_themed
    first.loc[0, "theme"] = "改了"  # a caller changing its copy
    first["extra"] = 1
    again = corpus.items_themed
    assert again.loc[0, "theme"] != "改了" and "extra" not in again.columns
    pd.testing.assert_frame_equal(again, corpus._merge_themes().reset_index(drop=True))
    # new theme rows (another frame): merged again
    corpus.item_themes = corpus.item_themes.assign(theme="科普")
    assert set(corpus.items_themed["theme"]) == {"科普"}


def test_chart_png_has_matplotlibs_pixels_in_fewer_bytes():
    """The PNG writer's unfiltered rows decode (Pillow) to savefig's pixels, RGB or RGBA, with the
    title and resolution in the file."""
    import io

    import numpy as np
    from matplotlib.figure import Figure
    from PIL import Image

    from compare.presentation import plots, style

    shares = pd.DataFrame({"province": ["河南", "河南", "湖北"], "year": [2019, 2024, 2019], "theme": ["科普", "智库", "科普"],
                           "share": [0.6, 0.4, 1.0]})
    fig = plots.theme_heatmap(shares)
    with style._drawing():
        style.freeze_layout(fig)
    reference = io.BytesIO()
    fig.savefig(reference, format="png", dpi=50)
    ours = style.png_bytes(fig, dpi=50, text={"Title": "各省主题占比", "Software": None})
    image = Image.open(io.BytesIO(ours))
    assert image.mode == "RGB" and image.info["Title"] == "各省主题占比" and "Software" not in image.info
    assert round(image.info["dpi"][0]) == 50
    assert (np.asarray(image) == np.asarray(Image.open(reference).convert("RGB"))).all()
    assert len(ours) < len(reference.getvalue())
    assert style.png_bytes(fig, dpi=50) == style.png_bytes(fig, dpi=50)  # deterministic
    # a figure with translucent pixels keeps its alpha
    clear = Figure(figsize=(2, 1))
    clear.patch.set_alpha(0.0)
    clear.add_subplot().plot([0, 1], [0, 1])
    translucent = Image.open(io.BytesIO(style.png_bytes(clear, dpi=30, text={"Title": "plain Latin-1: café"})))
    assert translucent.mode == "RGBA" and translucent.info["Title"] == "plain Latin-1: café"
    reference = io.BytesIO()
    clear.savefig(reference, format="png", dpi=30)
    assert (np.asarray(translucent) == np.asarray(Image.open(reference).convert("RGBA"))).all()


def test_corpus_rows_are_hashed_whole_even_in_array_cells():
    """A comparison's cache key covers every element of list cells: numpy's repr would elide the
    middle of a long array, so two different rows could share a key."""
    import numpy as np

    from compare.pipeline import cache

    long = pd.DataFrame({"departments": [np.arange(2000), ["科普部", "学会部"]]})
    changed = long.copy()
    changed.at[0, "departments"] = np.r_[np.arange(1000), -1, np.arange(1001, 2000)]
    assert cache.frame_digest(long) != cache.frame_digest(changed)
    assert cache.frame_digest(long) == cache.frame_digest(long.copy())
    reordered = pd.DataFrame({"departments": [["学会部", "科普部"], np.arange(2000)]})
    assert cache.frame_digest(reordered) != cache.frame_digest(long)


def test_one_draw_gives_savefigs_pixels_and_leaves_the_figure_as_it_was():
    """rasterize.rgba lays out and draws a chart once; savefig draws it twice (a measuring pass,
    then the real one). Same bytes, at any resolution, for a chart still to be laid out; the figure's
    dpi, canvas, colours and layout engine are left as they were."""
    import io

    import matplotlib as mpl

    from compare.presentation import plots, rasterize

    shares = pd.DataFrame({"province": ["河南", "河南", "湖北"], "year": [2019, 2024, 2019], "theme": ["科普", "智库", "科普"],
                           "share": [0.6, 0.4, 1.0]})
    for dpi in (37, 120):
        ours = plots.theme_heatmap(shares, title="各省主题占比（一个很长的标题，看布局是否一样）")
        canvas, engine, face = ours.canvas, type(ours.get_layout_engine()), ours.get_facecolor()
        theirs = plots.theme_heatmap(shares, title="各省主题占比（一个很长的标题，看布局是否一样）")
        reference = io.BytesIO()
        theirs.savefig(reference, format="rgba", dpi=dpi)
        assert rasterize.rgba(ours, dpi=dpi) == reference.getvalue()
        assert ours.dpi == 100 and ours.canvas is canvas and type(ours.get_layout_engine()) is engine
        assert ours.get_facecolor() == face
    # savefig's colour wins over the figure's own, as in savefig
    fig = plots.theme_heatmap(shares)
    fig.set_facecolor("#eeeeee")
    with mpl.rc_context({"savefig.facecolor": "#ff0000"}):
        reference = io.BytesIO()
        fig.savefig(reference, format="rgba", dpi=20)
        assert rasterize.rgba(fig, dpi=20) == reference.getvalue()
    assert fig.get_facecolor() == mpl.colors.to_rgba("#eeeeee")


def test_frozen_layout_has_no_engine_and_the_same_files():
    """After freeze_layout a chart has no layout engine at all (savefig then skips its measuring
    pass); its PNG, SVG and PDF bytes are those of a chart frozen with matplotlib's placeholder engine."""
    from compare.presentation import plots, style

    shares = pd.DataFrame({"province": ["河南", "湖北"], "year": [2019, 2019], "theme": ["科普", "智库"], "share": [1.0, 1.0]})
    for fmt in ("png", "svg", "pdf"):
        ours = plots.theme_heatmap(shares)
        with style._drawing():
            style.freeze_layout(ours)
        assert ours.get_layout_engine() is None
        theirs = plots.theme_heatmap(shares)
        with style._drawing():
            theirs.draw_without_rendering()
            theirs.set_layout_engine("none")
            for ax in theirs.axes:
                ax.set_position([round(v, 6) for v in ax.get_position().bounds])
        assert theirs.get_layout_engine() is not None  # the placeholder
        assert style.figure_bytes(ours, fmt, dpi=30) == style.figure_bytes(theirs, fmt, dpi=30)


def _drawn(font_bytes: bytes) -> dict:
    """character -> (advance, the outline's drawing commands) of a font."""
    import io

    from fontTools.pens.recordingPen import RecordingPen
    from fontTools.ttLib import TTFont

    tt = TTFont(io.BytesIO(font_bytes))
    glyphs, out = tt.getGlyphSet(), {}
    for cp, name in tt.getBestCmap().items():
        pen = RecordingPen()
        glyphs[name].draw(pen)
        out[chr(cp)] = (glyphs[name].width, pen.value)
    return out


def test_a_page_cut_from_the_common_face_has_the_full_fonts_glyphs(monkeypatch, tmp_path, caplog):
    """A page's subset cut from the common face (the font cut once to the characters a page can show,
    its CFF desubroutinized, so no glyph is decompiled per page) draws every character exactly as a cut
    from the full font, mainland forms included, the same bytes every time; a page with a character
    outside the common set is cut from the full font; the common face is kept in the cache folder."""
    import dataclasses

    from fontTools.ttLib import TTCollection

    from compare.presentation import fontembed
    from compare.presentation.fonts import find_cjk_font

    # a page of a real report: hanzi, full-width and ASCII punctuation, the bars and marks the tables use
    page = "河南省科协2024年工作要点（一）学会、科普：“科创中国”。占比 12.5% █ ² · — ①"
    assert set(page) <= fontembed.common_chars()
    assert {"豫", "鄂", "黑", "龙", "江", "皖", "赣", "琼", "渝", "黔", "滇", "陇"} <= fontembed.common_chars()
    assert "\U00020000" not in fontembed.common_chars() and "😀" not in fontembed.common_chars()

    # a small common set (cutting the real one takes ~3 s): the same code path
    small = frozenset(page + fontembed.BASE_CHARS)
    monkeypatch.setattr(fontembed, "common_chars", lambda: small)
    monkeypatch.setattr(fontembed, "_COMMON", {})
    monkeypatch.setenv("KEXIE_COMPARE_ROOT", str(tmp_path))
    wanted = "".join(sorted(set(page + fontembed.BASE_CHARS) - {"\x7f"}))
    sc = find_cjk_font(system=False)
    with TTCollection(str(sc.path), lazy=True) as collection:
        tc_face = next((i for i, f in enumerate(collection.fonts) if f["name"].getDebugName(1).endswith(" TC")), None)
    fonts = [sc] + ([dataclasses.replace(sc, face_index=tc_face, family="Noto Sans CJK TC")] if tc_face is not None else [])
    for font in fonts:
        cut = fontembed.subset_cjk_font(page, font=font, cache=True)
        full = fontembed._cut(wanted, font, common=False, cache=False)
        assert cut != full  # really cut from the common face ...
        assert _drawn(cut) == _drawn(full)  # ... with the full font's glyphs, mainland forms baked in alike
        assert fontembed.subset_cjk_font(page[::-1], font=font, cache=False) == cut  # same bytes, cached or not
    assert len(list((tmp_path / ".cache" / fontembed.SUBSET_CACHE_DIR).glob("common-*.otf"))) == len(fonts)

    # the common face is read back from the cache folder; a damaged one is cut again
    monkeypatch.setattr(fontembed, "_COMMON", {})
    stored = next((tmp_path / ".cache" / fontembed.SUBSET_CACHE_DIR).glob("common-*.otf"))
    good = stored.read_bytes()
    stored.write_bytes(b"garbage")
    stored_font = next(f for f in fonts if fontembed.common_face(f, cache=False) == good)
    monkeypatch.setattr(fontembed, "_COMMON", {})
    with caplog.at_level("WARNING", logger="compare.presentation.fontembed"):
        assert fontembed.common_face(stored_font) == good
    assert "damaged" in caplog.text and stored.read_bytes() == good

    # a character outside the common set: the page is cut from the full font, the same glyphs again
    monkeypatch.setattr(fontembed, "_COMMON", {})
    beyond = fontembed.subset_cjk_font(page + "丂", font=sc, cache=False)  # U+4E02: not in GB2312
    assert not fontembed._COMMON and set(_drawn(beyond)) == set(_drawn(full)) | {"丂"}


def test_numbers_inside_cells_and_segments_are_not_measured_by_the_layout(monkeypatch):
    """A heatmap's cell numbers and a stacked bar's or column's segment labels sit inside the axes, so
    constrained layout (which measures every text of an axes twice) leaves them out: the same pixels
    as when it measures them, on charts with wide numbers in the edge cells."""
    import matplotlib.artist

    from compare.presentation import plots, rasterize

    themes = ["党建", "学会", "科普", "智库", "人才", "创新", "组织"]
    provinces = ["河南", "黑龙江", "湖北", "新疆维吾尔自治区"]
    shares = pd.DataFrame([{"province": p, "year": 2024, "theme": t, "share": (i * 7 + j + 1) / 100}
                           for i, p in enumerate(provinces) for j, t in enumerate(themes)])
    tools = pd.DataFrame([{"province": "河南", "year": y, "type": ty, "tool": tool, "n_items": n, "share": s}
                          for y, rows in ((2019, [(0.5, 10), (0.25, 5), (0.25, 5)]), (2024, [(0.94, 47), (0.06, 3), (0.0, 0)]))
                          for (ty, tool), (s, n) in zip((("供给型", "培训"), ("环境型", "目标规划"), ("需求型", "试点示范")), rows)])
    charts = [lambda: plots.theme_heatmap(shares), lambda: plots.theme_shares_bar(shares),
              lambda: plots.instrument_structure_bar(tools), lambda: plots.instrument_change_chart(tools)]
    for chart in charts:
        fig = chart()
        inside = [t for ax in fig.axes for t in ax.texts if not t.get_in_layout()]
        assert inside, fig.texts[0].get_text()
        measured = chart()
        monkeypatch.setattr(matplotlib.artist.Artist, "get_in_layout", lambda self: True)
        reference = rasterize.rgba(measured, dpi=60)
        monkeypatch.undo()
        assert rasterize.rgba(fig, dpi=60) == reference, fig.texts[0].get_text()
