"""Briefing charts: every chart draws real Chinese (no missing glyph, no font fallback) in PNG, SVG and
PDF; vector files are self-contained; colours per theme agree across charts; degenerate input gives a
readable figure or a clear error; write_figures / `compare figures` write every chart + its CSV."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.colors import to_hex

from compare import analysis
from compare.core.errors import ParameterError
from compare.pipeline import figures
from compare.presentation import plots, style
from compare.presentation.fonts import font_problems
from compare.text.themes import load_theme_dictionary
from conftest import EMPTY_PLAN, corpus_with_empty_plan, keyness_frame

THEMES = list(load_theme_dictionary().themes)
GROUPS = [("河南", 2019), ("河南", 2022), ("河南", 2024), ("湖北", 2019), ("黑龙江", 2019)]
CHARTS = ["theme_heatmap", "theme_shares_bar", "change_over_time", "similarity_heatmap", "distinctive_terms",
          "slogan_timeline", "targets_chart", "departments_themes", "instrument_structure_bar",
          "instrument_theme_heatmap", "instrument_change_chart"]


# --------------------------------------------------------------------------------------------------
# hand-built comparison frames with the documented columns (compare.analysis)
# --------------------------------------------------------------------------------------------------


def _shares(rng) -> pd.DataFrame:
    rows = []
    for p, y in GROUPS:
        for t, v in zip(THEMES, rng.dirichlet(np.ones(len(THEMES)))):
            rows.append({"province": p, "year": y, "theme": t, "share": float(v)})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def frames() -> dict[str, tuple]:
    rng = np.random.default_rng(7)
    m = _shares(rng)
    m.loc[(m["province"] == "湖北") & (m["theme"] == THEMES[0]), "share"] = 0.375  # a known cell: 38%
    by_province = m.groupby(["province", "theme"], sort=False, as_index=False)["share"].mean()
    henan = m[m["province"] == "河南"].rename(columns={"share": "share_items"}).drop(columns="province")
    henan["delta"] = henan.groupby("theme")["share_items"].diff()
    henan["n_items"] = 3
    terms = pd.DataFrame(
        [(2019, 2022, "appears", "学术交流", 9), (2019, 2022, "disappears", "脱贫攻坚", 6),
         (2022, 2024, "appears", "科技馆新馆", 8), (2022, 2024, "disappears", "学术年会", 5)],
        columns=["from_year", "to_year", "change", "term", "freq"])
    docs = [("henan-2019-gzyd", "河南 2019 工作要点"), ("henan-2022-xhxs", "河南 2022 学会学术工作要点"),
            ("hubei-2019-gzyd", "湖北 2019 工作要点")]
    # every ordered pair and the diagonal, as analysis.similarity returns them
    sim = pd.DataFrame([(a, b, la, lb, 1.0 if a == b else 0.3 + 0.1 * (i + j))
                        for i, (a, la) in enumerate(docs) for j, (b, lb) in enumerate(docs)],
                       columns=["doc_a", "doc_b", "label_a", "label_b", "cosine"])
    key = pd.DataFrame([(g, t, 20 - k, 2, 30.0 - 2 * k, 0.001, 2.0, k + 1)
                        for g, words in [("河南", ["一市一品", "省会合作", "科技馆新馆"]),
                                         ("湖北", ["长江经济带", "荆楚", "光谷"]),
                                         ("黑龙江", ["龙江振兴", "冰雪", "黑土地"])]
                        for k, t in enumerate(words)],
                       columns=["group", "term", "freq_target", "freq_reference", "statistic", "p_value",
                                "log_ratio", "rank"])
    uses = {("科创中国", "quoted"): [("湖北", 2019), ("河南", 2019), ("河南", 2024)],
            ("一市一品", "quoted"): [("河南", 2022), ("河南", 2024), ("黑龙江", 2024)],
            ("全民科学素质行动规划纲要", "title"): [("黑龙江", 2019), ("河南", 2022)]}
    shared = []
    for (phrase, kind), where in uses.items():
        fy = min(y for _, y in where)
        firsts = "、".join(sorted({p for p, y in where if y == fy}))
        for p, y in where:
            shared.append((phrase, kind, p, y, f"{p}-{y}", 2, fy, firsts, len({q for q, _ in where})))
    shared = pd.DataFrame(shared, columns=["phrase", "kind", "province", "year", "doc_id", "count", "first_year",
                                           "first_province", "n_provinces"])
    targets = pd.DataFrame([(t, p, y, u, int(rng.integers(1, 4)), 100.0)
                            for p, y in GROUPS for t in THEMES[:3] for u in ("场", "人次")],
                           columns=["theme", "province", "year", "unit", "n_targets", "total_value"])
    depts = pd.DataFrame([(d, t, int(rng.integers(0, 5))) for d in ["办公室", "组织人事部", "学会学术部", "科学普及部"]
                          for t in THEMES], columns=["department", "theme", "n_items"])
    return {
        "theme_heatmap": (m,), "theme_shares_bar": (by_province,), "change_over_time": (henan, terms),
        "similarity_heatmap": (sim,), "distinctive_terms": (key,), "slogan_timeline": (shared,),
        "targets_chart": (targets,), "departments_themes": (depts,),
        **_instrument_frames(),
    }


def _instrument_frames() -> dict[str, tuple]:
    """The instrument charts' frames, computed from the example corpus (analysis.instruments)."""
    from compare import analysis

    c = analysis.example_corpus()
    return {"instrument_structure_bar": (analysis.instrument_shares(c, by=("province", "year"), unit="tool"),),
            "instrument_theme_heatmap": (analysis.instrument_theme_matrix(c, unit="tool"),),
            "instrument_change_chart": (analysis.instrument_changes(c, provinces="河南"),)}


def _texts(fig) -> list[str]:
    out = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        out += [t.get_text() for t in ax.texts]
        out += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        out.append(ax.get_title(loc="left"))
        legend = ax.get_legend()
        if legend is not None:
            out += [t.get_text() for t in legend.get_texts()]
    return out


def _save(fig, fmt: str) -> bytes:
    buf = io.BytesIO()
    kwargs = style.save_kwargs(fmt, "t")
    fig.savefig(buf, format=fmt, dpi=40, **kwargs)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------------
# self-containedness checks
# --------------------------------------------------------------------------------------------------


def _pdf_objects(data: bytes) -> dict[int, bytes]:
    return {int(m.group(1)): m.group(2) for m in re.finditer(rb"(\d+) 0 obj\b(.*?)\bendobj", data, re.S)}


def _stream(obj: bytes) -> bytes:
    raw = re.search(rb"stream\r?\n(.*)\r?\nendstream", obj, re.S).group(1)
    return zlib.decompress(raw) if b"/FlateDecode" in obj else raw


def assert_pdf_self_contained(data: bytes) -> None:
    """Every font is a Type 3 font carrying its glyph procedures, or has its font program embedded; a
    FontFile2 (TrueType) never holds CFF data; text maps back to Unicode."""
    objs = _pdf_objects(data)
    fonts = {n: o for n, o in objs.items() if re.search(rb"/Type\s*/Font\b(?!Descriptor)", o)}
    assert fonts, "the PDF has no font at all (is there no text?)"
    for n, obj in fonts.items():
        subtype = re.search(rb"/Subtype\s*/(\w+)", obj).group(1)
        if subtype == b"Type3":
            assert b"/CharProcs" in obj and b"/ToUnicode" in obj, obj[:300]
            continue
        if subtype == b"Type0":
            assert b"/ToUnicode" in obj
            continue  # its descendant CIDFont is checked on its own
        desc = re.search(rb"/FontDescriptor\s+(\d+) 0 R", obj)
        assert desc, f"font object {n} ({subtype!r}) has no descriptor: not embedded"
        d = objs[int(desc.group(1))]
        ff = re.search(rb"/FontFile([23]?)\s+(\d+) 0 R", d)
        assert ff, f"font object {n} ({subtype!r}) is not embedded"
        program = _stream(objs[int(ff.group(2))])
        if ff.group(1) == b"2":
            assert not program.startswith(b"OTTO"), "CFF font program declared as TrueType (FontFile2)"


def assert_svg_self_contained(data: bytes) -> None:
    text = data.decode("utf-8")
    assert "<text" not in text, "SVG has <text> elements: it depends on the viewer's fonts"
    assert "<path" in text and "font-family" not in text


# --------------------------------------------------------------------------------------------------
# every chart, every format
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CHARTS)
def test_chart_draws_chinese_in_every_format_without_missing_glyphs(name, frames):
    with font_problems() as problems:
        fig = getattr(plots, name)(*frames[name])
        out = {fmt: _save(fig, fmt) for fmt in ("png", "svg", "pdf")}
    assert problems == [], problems
    assert any(t.get_text().startswith(plots.SOURCE) for t in fig.texts)  # source line
    assert re.search(r"[\u4e00-\u9fff]{4}", fig.texts[0].get_text())  # a Chinese title
    assert out["png"].startswith(b"\x89PNG")
    assert_svg_self_contained(out["svg"])
    assert_pdf_self_contained(out["pdf"])
    # 16:9 slide size
    w, h = fig.get_size_inches()
    assert abs(w / h - 16 / 9) < 0.01


def test_rc_font_resolves_to_the_cjk_face_without_fallback():
    with style.chart_style() as font:
        first = matplotlib.rcParams["font.family"][0]
        found = font_manager.findfont(font_manager.FontProperties(family=first), fallback_to_default=False)
    assert first == font.family
    assert getattr(found, "face_index", 0) == font.face_index  # the SC face of a collection, not face 0
    assert font_manager.get_font(found).family_name == font.family


def test_pdf_text_is_extractable_chinese(frames, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    fig = plots.theme_heatmap(*frames["theme_heatmap"])
    path = plots.save_figure(fig, tmp_path / "h.pdf")
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "各省科协工作要点的主题结构" in text.replace(" ", "")
    assert "河南" in text


def test_output_is_deterministic(frames, tmp_path):
    for fmt in ("png", "svg", "pdf"):
        a = plots.save_figure(plots.targets_chart(*frames["targets_chart"]), tmp_path / f"a.{fmt}", dpi=40)
        b = plots.save_figure(plots.targets_chart(*frames["targets_chart"]), tmp_path / f"b.{fmt}", dpi=40)
        assert a.read_bytes() == b.read_bytes(), fmt
    assert b"CreationDate" not in (tmp_path / "a.pdf").read_bytes()
    assert b"<dc:date>" not in (tmp_path / "a.svg").read_bytes()


# --------------------------------------------------------------------------------------------------
# content and colours
# --------------------------------------------------------------------------------------------------


def test_theme_colours_come_from_the_theme_dictionary():
    td = load_theme_dictionary()
    colours = plots.theme_colors(td.themes)
    assert list(colours) == list(td.themes)
    configured = dict(getattr(td, "colors", {}) or {})
    for theme in td.themes:
        if configured.get(theme):
            assert to_hex(colours[theme]) == to_hex(configured[theme])
    assert len({to_hex(c) for c in colours.values()}) == len(td.themes), "two themes share a colour"


def test_theme_colours_fall_back_to_fixed_palette_in_theme_order(monkeypatch):
    class NoColours:
        themes = ["甲", "乙", "丙"]
        colors: dict = {}

    monkeypatch.setattr(style, "_dictionary", lambda: NoColours())
    assert plots.theme_colors() == dict(zip(NoColours.themes, plots.FALLBACK_THEME_PALETTE[:3]))
    assert plots.theme_colors(["乙", "其他"]) == {"乙": plots.FALLBACK_THEME_PALETTE[1], "其他": plots.OTHER_THEME_COLOR}


def test_same_theme_same_colour_in_every_chart(frames):
    colours = {t: to_hex(c) for t, c in plots.theme_colors(THEMES).items()}
    bar = plots.theme_shares_bar(*frames["theme_shares_bar"])
    legend = bar.axes[0].get_legend()
    for handle, text in zip(legend.legend_handles, legend.get_texts()):
        assert to_hex(handle.get_facecolor()) == colours[text.get_text()]
    heat = plots.theme_heatmap(*frames["theme_heatmap"])
    for label in heat.axes[0].get_xticklabels():
        assert to_hex(label.get_bbox_patch().get_facecolor()) == colours[label.get_text()]
    line = plots.change_over_time(*frames["change_over_time"])
    assert [to_hex(l.get_color()) for l in line.axes[0].get_lines()] == [colours[t] for t in THEMES]
    targets = plots.targets_chart(*frames["targets_chart"])
    for handle, text in zip(targets.axes[0].get_legend().legend_handles, targets.axes[0].get_legend().get_texts()):
        assert to_hex(handle.get_facecolor()) == colours[text.get_text()]


def test_heatmap_shows_the_numbers(frames):
    fig = plots.theme_heatmap(*frames["theme_heatmap"])
    ax = fig.axes[0]
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert rows == [f"{p} {y}" for p, y in GROUPS]
    cols = [t.get_text() for t in ax.get_xticklabels()]
    assert cols == THEMES
    cell = [t.get_text() for t in ax.texts if t.get_position() == (0, rows.index("湖北 2019"))]
    assert cell == ["38%"]
    assert len(ax.texts) == len(GROUPS) * len(THEMES)


def test_similarity_is_a_full_matrix_with_blank_diagonal(frames):
    sim = frames["similarity_heatmap"][0]
    once = sim[sim["doc_a"] < sim["doc_b"]]  # only one triangle given: mirrored by the chart
    ax = plots.similarity_heatmap(once).axes[0]
    n = 3
    assert len(ax.texts) == n * (n - 1)
    by_pos = {t.get_position(): t.get_text() for t in ax.texts}
    assert all(by_pos[(i, j)] == by_pos[(j, i)] for i in range(n) for j in range(n) if i != j)
    assert all((i, i) not in by_pos for i in range(n))


def test_slogan_timeline_marks_every_first_use(frames):
    shared = frames["slogan_timeline"][0]
    fig = plots.slogan_timeline(shared)
    ax = fig.axes[0]
    firsts = [c for c in ax.collections if c.get_gid() == "first=True"]
    later = [c for c in ax.collections if c.get_gid() == "first=False"]
    n_first = sum(len(c.get_offsets()) for c in firsts)
    expected = shared[shared["year"] == shared["first_year"]][["phrase", "province"]].drop_duplicates()
    assert n_first == len(expected)
    assert n_first + sum(len(c.get_offsets()) for c in later) == len(shared[["phrase", "province", "year"]]
                                                                     .drop_duplicates())
    labels = [t.get_text() for t in ax.get_yticklabels()]
    # first uses sit at their phrase's first year
    first_year = dict(zip(shared["phrase"], shared["first_year"]))
    for c in firsts:
        for x, y in c.get_offsets():
            assert x == first_year[labels[int(y)].strip("“”《》")]
    assert labels[0] in ("“科创中国”", "《全民科学素质行动规划纲要》")  # earliest phrases first
    assert "《全民科学素质行动规划纲要》" in labels and "“一市一品”" in labels
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["河南", "湖北", "黑龙江", "最早使用（黑框）"]


def test_distinctive_terms_one_panel_per_province(frames):
    fig = plots.distinctive_terms(*frames["distinctive_terms"], top_n=2)
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_visible() and ax.axison]
    assert titles == ["河南", "湖北", "黑龙江"]
    assert [t.get_text() for t in fig.axes[1].get_yticklabels()] == ["长江经济带", "荆楚"]


# --------------------------------------------------------------------------------------------------
# degenerate input
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CHARTS)
def test_empty_frames_give_a_readable_figure(name, frames):
    empty = [f.iloc[0:0] for f in frames[name]]
    with font_problems() as problems:
        fig = getattr(plots, name)(*empty)
        _save(fig, "png")
    assert problems == []
    assert any("没有" in t or "至少" in t or "无" in t for t in _texts(fig)), _texts(fig)


def test_one_province_one_year(frames):
    m = frames["theme_heatmap"][0]
    one = m[(m["province"] == "湖北")]
    with font_problems() as problems:
        for fig in (plots.theme_heatmap(one), plots.theme_shares_bar(one.drop(columns="year")),
                    plots.change_over_time(frames["change_over_time"][0].query("year == 2024"), province="河南"),
                    plots.targets_chart(frames["targets_chart"][0].query("province == '湖北'"))):
            _save(fig, "png")
    assert problems == []
    sim = frames["similarity_heatmap"][0]
    only_self = sim[(sim["doc_a"] == sim["doc_b"]) & (sim["doc_a"] == "hubei-2019-gzyd")]
    assert "至少需要两份文件" in " ".join(_texts(plots.similarity_heatmap(only_self)))


def test_missing_columns_are_named():
    with pytest.raises(ParameterError, match="theme"):
        plots.theme_heatmap(pd.DataFrame({"province": ["河南"], "share": [1.0]}))
    with pytest.raises(ParameterError, match="cosine"):
        plots.similarity_heatmap(pd.DataFrame({"doc_a": ["a"], "doc_b": ["b"]}))
    with pytest.raises(ParameterError, match="top_n"):
        plots.departments_themes(pd.DataFrame({"department": ["办公室"], "theme": ["科普"], "n_items": [1]}), top_n=0)


# --------------------------------------------------------------------------------------------------
# write_figures and the command line on the seeds
# --------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_write_figures_on_the_seeds(themed_dir, tmp_path):
    from compare.analysis import Corpus

    corpus = Corpus.load(themed_dir)
    out = tmp_path / "figures"
    with font_problems() as problems:
        written = figures.write_figures(corpus, out, formats=("png", "svg", "pdf"), dpi=50)
    assert problems == [], problems
    for name in CHARTS:
        for fmt in ("png", "svg", "pdf"):
            assert (out / f"{name}.{fmt}") in written
        assert_svg_self_contained((out / f"{name}.svg").read_bytes())
        assert_pdf_self_contained((out / f"{name}.pdf").read_bytes())
        csv = out / f"{name}.csv"
        assert csv in written and csv.read_bytes().startswith(b"\xef\xbb\xbf")
        assert len(pd.read_csv(csv, encoding="utf-8-sig").columns) >= 3
    heat = pd.read_csv(out / "theme_heatmap.csv", encoding="utf-8-sig")
    assert list(heat.columns) == ["province", "year", "theme", "share"]
    # like with like: the provincial 工作要点 only; a province-year without one is an empty row
    drawn = heat.dropna(subset=["share"])
    assert set(drawn["province"]) == {"河南", "湖北"}
    missing = heat[heat["share"].isna()]
    assert set(zip(missing["province"], missing["year"])) == {("黑龙江", 2019), ("河南", 2022)}
    heat = drawn
    source = [t.get_text() for t in plots.theme_heatmap(heat, scope="省级 · 工作要点").texts][-1]
    assert source.startswith("数据来源：")
    assert np.allclose(heat.groupby(["province", "year"])["share"].sum(), 1.0)
    assert (out / "change_over_time_terms.csv").is_file()
    # unchanged files are not rewritten (mtimes stay: incremental builds see no change)
    before = {p: p.stat().st_mtime_ns for p in written}
    again = figures.write_figures(corpus, out, formats=("svg",), dpi=50)
    rewritten = [p.name for p in again if before[p] != p.stat().st_mtime_ns]
    assert rewritten == [], rewritten


@pytest.mark.slow
def test_cli_figures(themed_dir, tmp_path, capsys):
    from compare.cli import main

    out = tmp_path / "f"
    assert main(["figures", "--processed", str(themed_dir), "--out", str(out), "--formats", "png", "--dpi", "30"]) == 0
    printed = capsys.readouterr().out
    assert str(out / "theme_heatmap.png") in printed and str(out / "theme_heatmap.csv") in printed
    assert sorted(p.name for p in out.glob("*.png")) == sorted(f"{n}.png" for n in CHARTS)
    assert not list(out.glob("*.svg"))
    with pytest.raises(ParameterError, match="'tiff'"):
        figures.figures_command(processed=themed_dir, out=out, formats=["png", "tiff"], dpi=30)
    assert main(["figures", "--processed", str(themed_dir), "--out", str(out), "--formats", "gif"]) == 1
    assert "'gif'" in capsys.readouterr().err


def test_theme_subset_is_said_in_the_subtitle(frames):
    m = frames["theme_shares_bar"][0]
    full = plots.theme_shares_bar(m)
    assert "合计 100%" in full.texts[1].get_text()
    part = plots.theme_shares_bar(m, themes=THEMES[:2])
    assert "合计 100%" not in part.texts[1].get_text() and "、".join(THEMES[:2]) in part.texts[1].get_text()
    assert [t.get_text() for t in part.axes[0].get_legend().get_texts()] == THEMES[:2]


# --------------------------------------------------------------------------------------------------
# national scale: 31 provinces, many years, more documents than a matrix can show
# --------------------------------------------------------------------------------------------------

NATIONAL = [f"省{i:02d}" for i in range(31)]  # stand-in province names (sorting = numbering)


def _national_shares() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for p in NATIONAL:
        for y in range(2014, 2025):
            for t, v in zip(THEMES, rng.dirichlet(np.ones(len(THEMES)))):
                rows.append({"province": p, "year": y, "theme": t, "share": float(v)})
    return pd.DataFrame(rows)


def _sizes(fig) -> list[float]:
    return [t.get_fontsize() for ax in fig.axes for t in ax.texts + ax.get_yticklabels() if t.get_text()]


def test_theme_heatmap_of_31_provinces_shows_each_latest_year_and_says_so():
    m = _national_shares()
    fig = plots.theme_heatmap(m)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [f"{p} 2024" for p in NATIONAL]
    assert "每省只显示最近一年（共 341 个省份-年份）" in fig.texts[1].get_text()
    drawn = plots.drawn_data(fig)
    assert list(drawn.columns) == ["province", "year", "theme", "share"]
    pd.testing.assert_frame_equal(drawn, m[m["year"] == 2024].reset_index(drop=True))
    # still annotated (31 × 7 cells), in type no smaller than the floor
    assert len(ax.texts) == 31 * len(THEMES)
    assert min(_sizes(fig)) >= plots.MIN_TEXT_SIZE
    # a grouping without years is cut to the first rows, also said
    many = pd.DataFrame([(f"组{i:02d}", t, 1 / len(THEMES)) for i in range(40) for t in THEMES],
                        columns=["group", "theme", "share"])
    fig = plots.theme_heatmap(many)
    assert len(fig.axes[0].get_yticklabels()) == plots.MAX_ROWS
    assert f"只显示前 {plots.MAX_ROWS} 行（共 40 行）" in fig.texts[1].get_text()


def _province_similarity(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    c = rng.uniform(0.3, 0.8, (n, n))
    c = (c + c.T) / 2
    np.fill_diagonal(c, 1.0)
    names = NATIONAL[:n]
    return pd.DataFrame([(a, b, a, b, c[i, j]) for i, a in enumerate(names) for j, b in enumerate(names)],
                        columns=["doc_a", "doc_b", "label_a", "label_b", "cosine"])


def test_similarity_of_31_provinces_uses_colours_and_a_colour_bar_not_961_numbers():
    sim = _province_similarity(31)
    with font_problems() as problems:
        fig = plots.similarity_heatmap(sim)
        _save(fig, "png")
    assert problems == []
    assert fig.texts[0].get_text() == "各省工作要点的文本相似度"  # level detected: ids are their own labels
    heat, bar = fig.axes  # the matrix and its colour bar
    assert len(heat.texts) == 0
    assert [t.get_text() for t in heat.get_yticklabels()] == NATIONAL
    image = heat.get_images()[0].get_array()
    assert image.shape == (31, 31) and image.mask.diagonal().all()
    assert np.isclose(image[3, 7], sim.query("doc_a == '省03' and doc_b == '省07'")["cosine"].iloc[0])
    # the colour scale spans the data (rounded to tenths), as the colour bar says
    lo, hi = bar.get_ylim()
    assert lo <= sim["cosine"].min() and hi >= sim.loc[sim["doc_a"] != sim["doc_b"], "cosine"].max()
    # few units keep their numbers
    assert len(plots.similarity_heatmap(_province_similarity(5), unit="province").axes[0].texts) == 5 * 4


def test_similarity_of_too_many_documents_points_to_the_province_level():
    docs = [(f"d{i:03d}", f"省{i % 31:02d} {2000 + i} 工作要点") for i in range(plots.MAX_SIMILARITY_UNITS + 1)]
    sim = pd.DataFrame([(a, b, la, lb, 0.5) for a, la in docs for b, lb in docs],
                       columns=["doc_a", "doc_b", "label_a", "label_b", "cosine"])
    with pytest.raises(ParameterError, match="unit='province'"):
        plots.similarity_heatmap(sim)


def _national_keyness(top_n: int = 10) -> pd.DataFrame:
    return pd.DataFrame([(g, f"{g}词{k}", 30 - k, 3, 100.0 - 5 * k, 0.001, 2.0, k + 1)
                         for g in NATIONAL for k in range(top_n)],
                        columns=["group", "term", "freq_target", "freq_reference", "statistic", "p_value",
                                 "log_ratio", "rank"])


def test_distinctive_terms_of_31_provinces_is_a_term_table():
    key = _national_keyness()
    with font_problems() as problems:
        fig = plots.distinctive_terms(key, top_n=10)
        _save(fig, "png")
    assert problems == []
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert not any(ax.containers for ax in fig.axes)  # no bars: one line of terms per province
    drawn = plots.drawn_data(fig)
    for g in NATIONAL:
        assert g in texts
        shown = drawn.loc[drawn["group"] == g, "term"].tolist()
        # the group's best terms, in rank order, as many as fit the line (the line shows exactly those)
        assert shown and shown == [f"{g}词{k}" for k in range(len(shown))]
        assert "、".join(shown) in texts
    # up to MAX_PANELS groups stay small multiples of bars, one panel each
    few = key[key["group"].isin(NATIONAL[:plots.MAX_PANELS])]
    fig = plots.distinctive_terms(few, top_n=10)
    assert [ax.get_title(loc="left") for ax in fig.axes] == NATIONAL[:plots.MAX_PANELS]


def _national_shared() -> pd.DataFrame:
    rows = []
    for k, phrase in enumerate(["科创中国", "一市一品", "四个意识", "三长"]):
        users = NATIONAL[: 31 - 5 * k]
        for i, p in enumerate(users):
            for y in (2018 + i % 3, 2023):
                rows.append((phrase, "quoted", p, y, f"{p}-{y}", 1))
    df = pd.DataFrame(rows, columns=["phrase", "kind", "province", "year", "doc_id", "count"]).drop_duplicates()
    df["first_year"] = df.groupby("phrase")["year"].transform("min")
    df["n_provinces"] = df.groupby("phrase")["province"].transform("nunique")
    df["first_province"] = df["phrase"].map(
        df[df["year"] == df["first_year"]].groupby("phrase")["province"].agg(lambda s: "、".join(sorted(set(s)))))
    return df


def test_slogan_timeline_of_31_provinces_counts_provinces_per_year():
    shared = _national_shared()
    with font_problems() as problems:
        fig = plots.slogan_timeline(shared, top_n=3, provinces=NATIONAL)
        _save(fig, "png")
    assert problems == []
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert sorted(labels) == sorted(["“科创中国”", "“一市一品”", "“四个意识”"])  # the 3 most widely shared
    # one circle per phrase and year, the first year ringed: no per-province markers
    firsts = [c for c in ax.collections if c.get_gid() == "first=True"]
    later = [c for c in ax.collections if c.get_gid() == "first=False"]
    assert sum(len(c.get_offsets()) for c in firsts) == 3
    drawn = plots.drawn_data(fig)
    assert sum(len(c.get_offsets()) for c in firsts + later) == len(drawn)
    kcz = drawn[drawn["phrase"] == "科创中国"].set_index("year")
    expect = shared[shared["phrase"] == "科创中国"].groupby("year")["province"].nunique()
    assert kcz["n_provinces_year"].to_dict() == expect.to_dict()
    assert kcz.loc[2023, "n_provinces_year"] == 31
    assert "共 31 省 · 最早：省00等11省" in [t.get_text() for t in ax.texts]
    # a larger circle for more provinces
    sizes = dict(zip(map(tuple, np.concatenate([c.get_offsets() for c in firsts + later])),
                     np.concatenate([c.get_sizes() for c in firsts + later])))
    row = labels.index("“科创中国”")
    assert sizes[(2023, row)] > sizes[(2018, row)]


def test_targets_chart_of_many_plans_shows_each_latest_year():
    tg = pd.DataFrame([("科普", p, y, "场", 1 + y % 3, 10.0) for p in NATIONAL for y in (2022, 2023, 2024)],
                      columns=["theme", "province", "year", "unit", "n_targets", "total_value"])
    fig = plots.targets_chart(tg)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == [f"{p} 2024" for p in NATIONAL]
    assert "每省只显示最近一年（共 93 个省份-年份）" in fig.texts[1].get_text()
    assert set(plots.drawn_data(fig)["year"]) == {2024}


def test_change_over_time_lists_only_the_most_recent_term_changes():
    years = list(range(2014, 2025))
    ch = pd.DataFrame([(y, t, 1 / len(THEMES)) for y in years for t in THEMES], columns=["year", "theme", "share_items"])
    terms = pd.DataFrame([(a, b, c, f"词{a}{c[0]}", 3) for a, b in zip(years, years[1:]) for c in ("appears", "disappears")],
                         columns=["from_year", "to_year", "change", "term", "freq"])
    fig = plots.change_over_time(ch, terms, province="河南")
    panel = [t.get_text() for t in fig.axes[1].texts]
    assert "2023 → 2024" in panel and "2021 → 2022" in panel and "2020 → 2021" not in panel
    assert f"最近 {plots.MAX_TERM_PAIRS} 次" in fig.axes[1].get_title(loc="left")


@pytest.fixture(scope="module")
def national_dir(tmp_path_factory) -> Path:
    """48 synthetic plans of all 31 provinces (compare.pipeline.bench's generator), ingested and themed."""
    from benchmarks.corpus import generate_corpus, write_manifest
    from compare.ingest.run import ingest
    from compare.text.themes import run_themes

    base = tmp_path_factory.mktemp("national")
    generate_corpus(48, base / "raw", seed=0)
    write_manifest(base / "raw")
    result = ingest(base / "raw", base / "processed", strict=True)
    assert len(result.documents) == 48
    run_themes(base / "processed")
    return base / "processed"


@pytest.mark.slow
def test_write_figures_at_national_scale_draws_readable_charts_and_writes_what_they_show(national_dir, tmp_path):
    from compare.analysis import Corpus

    corpus = Corpus.load(national_dir)
    assert len(corpus.provinces) == 31 and len(corpus.documents) > figures.SIMILARITY_DOCUMENT_LIMIT
    out = tmp_path / "figures"
    with font_problems() as problems:
        figures.write_figures(corpus, out, formats=("png",), dpi=30)
    assert problems == []
    sim = pd.read_csv(out / "similarity_heatmap.csv", encoding="utf-8-sig")
    # provinces, not 48² documents; each pair once
    assert len(sim) == 31 * 30 // 2 and set(sim["doc_a"]) | set(sim["doc_b"]) == set(corpus.provinces)
    heat = pd.read_csv(out / "theme_heatmap.csv", encoding="utf-8-sig")
    from compare.analysis import like_with_like

    latest = like_with_like(corpus.documents).groupby("province")["year"].max()  # each one's latest 工作要点
    assert len(heat.groupby(["province", "year"])) == 31
    assert all(latest[p] == y for p, y in zip(heat["province"], heat["year"]))
    slogans = pd.read_csv(out / "slogan_timeline.csv", encoding="utf-8-sig")
    assert slogans["phrase"].nunique() <= 15 and "n_provinces_year" in slogans.columns
    terms = pd.read_csv(out / "distinctive_terms.csv", encoding="utf-8-sig")
    assert set(terms["group"]) == set(corpus.provinces) and terms["rank"].max() <= 10


# --------------------------------------------------------------------------------------------------
# an analyst's API: no global state, their own axes, the theme dictionary in use, one type and level
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CHARTS)
def test_charts_leave_global_matplotlib_state_alone(name, frames):
    before_rc = dict(matplotlib.rcParams)
    before_default = font_manager.findfont(font_manager.FontProperties())
    before_fonts = list(font_manager.fontManager.ttflist)
    with matplotlib.rc_context({"font.family": ["serif"], "font.size": 7}):  # the analyst's own settings
        with font_problems() as problems:
            fig = getattr(plots, name)(*frames[name])
            _save(fig, "png")  # drawn under the analyst's rcParams: still the CJK face, no fallback
        assert matplotlib.rcParams["font.size"] == 7
    assert problems == [], problems
    assert dict(matplotlib.rcParams) == before_rc
    assert font_manager.findfont(font_manager.FontProperties()) == before_default
    assert font_manager.fontManager.ttflist == before_fonts  # no font registered behind the analyst's back


@pytest.mark.parametrize("name", CHARTS)
def test_charts_draw_into_the_analysts_axes(name, frames):
    from matplotlib.figure import Figure

    own = Figure(figsize=(12, 5))
    mine, ax = own.subplots(1, 2)
    mine.plot([1, 2], [3, 4])
    mine_font = mine.xaxis.get_major_ticks()[0].label1.get_fontfamily()
    with font_problems() as problems:
        fig = getattr(plots, name)(*frames[name], ax=ax)
        _save(fig, "png")
    assert problems == []
    assert fig is own and ax.get_title(loc="left")  # the chart's title on the analyst's axes
    assert mine.xaxis.get_major_ticks()[0].label1.get_fontfamily() == mine_font  # their other axes untouched
    assert style.chart_caption(ax)["source"].startswith(plots.SOURCE)


def test_a_chart_carries_its_metadata_as_a_typed_object(frames):
    """Title, subtitle, source and the rows drawn travel with the figure as one ChartInfo, read by the
    files, reports and slides; nothing is hung on matplotlib's objects as private attributes."""
    m = frames["theme_heatmap"][0]
    fig = plots.theme_heatmap(m, scope="省级 · 工作要点")
    assert isinstance(fig, plots.ChartFigure) and isinstance(fig.info, plots.ChartInfo)
    assert fig.info.title == fig.texts[0].get_text() and fig.info.subtitle.startswith("省级 · 工作要点｜")
    assert fig.info.source.startswith("数据来源：") and plots.chart_caption(fig) == fig.info.caption()
    assert plots.drawn_data(fig) is fig.info.data and len(fig.info.data)
    assert not [a for a in vars(fig) if a.startswith("_kexie")]
    # the file's Title metadata is the chart's title; a plain figure's is the name it is saved under
    assert f"<dc:title>{fig.info.title}</dc:title>".encode() in style.figure_bytes(fig, "svg", dpi=30)
    from matplotlib.figure import Figure

    plain = Figure()
    assert plots.chart_info(plain) is None and plots.chart_caption(plain) == {} and plots.drawn_data(plain, m) is m


def test_custom_theme_dictionary_is_drawn_in_colour_not_grey(frames):
    from compare.text.themes import ThemeDictionary

    td = ThemeDictionary(themes=["基层组织", "科学传播", "决策咨询"], keywords={}, colors={"科学传播": "#123456"})
    colours = style.theme_colors(dictionary=td)
    assert colours["科学传播"] == "#123456"
    assert plots.OTHER_THEME_COLOR not in colours.values() and len(set(colours.values())) == 3
    # themes no dictionary knows (an analyst's frame) are told apart too; only 其他 is grey
    assert style.theme_colors(["甲", "乙", "其他"])["其他"] == plots.OTHER_THEME_COLOR
    assert len({style.theme_colors(["甲", "乙"])[t] for t in ("甲", "乙")}) == 2
    m = pd.DataFrame([("河南", 2024, t, 1 / 3) for t in td.themes], columns=["province", "year", "theme", "share"])
    fig = plots.theme_heatmap(m, colors=colours)
    chips = {t.get_text(): to_hex(t.get_bbox_patch().get_facecolor()) for t in fig.axes[0].get_xticklabels()}
    assert chips == colours


def test_scope_is_said_in_subtitle_and_source(frames):
    fig = plots.theme_heatmap(*frames["theme_heatmap"], scope=plots.scope_label(doc_type="工作要点", level="省级"))
    texts = [t.get_text() for t in fig.texts]
    assert texts[1].startswith("省级 · 工作要点｜")
    assert texts[-1].startswith("数据来源：各省科协工作计划（省级 · 工作要点）")


def test_figures_for_another_doc_type_never_substitute_the_plain_plan(themed_dir, tmp_path):
    from compare.analysis import Corpus

    corpus = Corpus.load(themed_dir)
    charts = list(figures.draw_charts(corpus, doc_type="深化改革工作要点", level="省级", names=["theme_heatmap"]))
    heat = charts[0].table
    # the only province with that type; the others' plan years are empty rows, never their 工作要点
    assert set(heat.dropna(subset=["share"])["province"]) == {"黑龙江"}
    assert heat.loc[heat["province"] != "黑龙江", "share"].isna().all()
    assert "深化改革工作要点" in charts[0].caption["subtitle"]
    assert "无深化改革工作要点：" in charts[0].caption["source"] and "河南" in charts[0].caption["source"]
    default = list(figures.draw_charts(corpus, names=["theme_heatmap"]))[0]
    assert "无工作要点：黑龙江 2019" in default.caption["source"]


def test_public_api_examples_run():
    """The charts' and figures' documented examples (doctests) run as written."""
    import doctest
    import importlib

    for module in ("compare.presentation.plots", "compare.presentation.style", "compare.pipeline.figures",
                   "compare.core.labels"):
        result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0, module


def test_chart_colours_come_from_the_dictionary_that_scored_the_tables(tmp_path):
    import json

    from compare.text.dictionary import ThemeDictionary

    custom = ThemeDictionary(themes=["基层组织", "科学传播"], keywords={"基层组织": ["基层"], "科学传播": ["科普"]},
                             colors={"基层组织": "#aa3300", "科学传播": "#0033aa"})
    model_dir = tmp_path / "theme_model" / "v1"
    model_dir.mkdir(parents=True)
    (tmp_path / "theme_model" / "CURRENT").write_text("v1\n", encoding="utf-8")
    (model_dir / "model.json").write_text(json.dumps({"dictionary": custom.to_json()}, ensure_ascii=False),
                                          encoding="utf-8")
    used = figures.dictionary_in_use(tmp_path)
    assert used.themes == custom.themes and used.colors == custom.colors

    class Scored:
        themes = ["基层组织", "科学传播"]

    assert figures.theme_palette(Scored(), used) == {"基层组织": "#aa3300", "科学传播": "#0033aa"}
    assert figures.dictionary_in_use(tmp_path / "nothing").themes  # no saved model: the configured one


# --------------------------------------------------------------------------------------------------
# what a chart says: the compared type in its titles, terms not significant, a plan without items
# --------------------------------------------------------------------------------------------------


def test_figures_in_fewer_formats_leave_no_chart_of_an_earlier_selection(themed_dir, tmp_path):
    """`figures --formats png --doc-type 重点工作` after a build must not leave the build's 工作要点
    theme_heatmap.svg beside the new 重点工作 theme_heatmap.png and .csv (two selections under one name)."""
    from compare.analysis import Corpus
    from compare.pipeline.figures import write_figures

    corpus = Corpus.load(themed_dir)
    out = tmp_path / "figures"
    write_figures(corpus, out, formats=("png", "svg"), dpi=20, charts=["theme_heatmap"])
    assert (out / "theme_heatmap.svg").is_file()
    write_figures(corpus, out, formats=("png",), dpi=20, charts=["theme_heatmap"], doc_type="重点工作")
    assert (out / "theme_heatmap.png").is_file()
    assert not (out / "theme_heatmap.svg").exists()


def test_figure_titles_name_the_compared_document_type(themed_dir):
    """`figures --doc-type 重点工作` (and `export --pptx --doc-type 重点工作`) titled two charts
    "各份工作要点的文本相似度" / "各省工作要点的特色词" under a "省级 · 重点工作" subtitle."""
    from compare.analysis import Corpus
    from compare.pipeline.figures import draw_charts

    corpus = Corpus.load(themed_dir)
    titles = {}
    for chart in draw_charts(corpus, doc_type="学会学术工作要点", level="省级",
                             names=["similarity_heatmap", "distinctive_terms"]):
        titles[chart.name] = " ".join(t.get_text() for t in chart.figure.texts)
        chart.figure.clear()
    assert set(titles) == {"similarity_heatmap", "distinctive_terms"}
    for name, text in titles.items():
        assert "学会学术工作要点的文本相似度" in text or "各省学会学术工作要点的特色词" in text, (name, text)
        assert "各份工作要点" not in text and "各省工作要点" not in text, (name, text)


def test_distinctive_terms_say_the_ranking_and_mark_terms_not_significant():
    from matplotlib.colors import to_hex

    from compare.presentation import plots

    fig = plots.distinctive_terms(keyness_frame(), top_n=5)
    subtitle = plots.chart_caption(fig)["subtitle"]
    assert "明显更多" not in subtitle
    assert "按关键性（G²）从高到低排列" in subtitle and "未达显著（p ≥ 0.05）" in subtitle
    henan = fig.axes[0]
    colors = [to_hex(p.get_facecolor()) for p in henan.patches]
    assert colors[0] != colors[1] and colors[1] == colors[2]  # 一市一品 and 三长 are drawn light
    table = plots.distinctive_terms(keyness_frame(), top_n=5, max_panels=1)  # the term-table form
    texts = [t.get_text() for ax in table.axes for t in ax.texts]
    assert "科普日、一市一品°、三长°" in texts
    assert "带 ° 的词差异未达显著" in plots.chart_caption(table)["subtitle"]


def test_a_plan_without_items_is_named_as_such_not_as_no_plan():
    from compare.pipeline import figures, params
    from compare.presentation import display as show
    from compare.presentation import plots

    c = corpus_with_empty_plan()
    assert analysis.plans_without_items(c)["doc_id"].tolist() == [EMPTY_PLAN]
    # figures / export: the note under every chart
    sub, note, missing = figures.select_like_with_like(c)
    assert missing == [] and note == "河南 2022 的文件未识别出条目（截断的副本？），按缺失处理"
    # the heatmap row of 河南 2022 says why it is empty
    m = analysis.theme_share_matrix(sub, by=("province", "year"))
    rows = show.missing_plan_rows(m, c.select(levels="省级"), sub)
    assert rows[rows["year"] == 2022]["share"].isna().all() and len(rows[rows["year"] == 2022]) == 3
    fig = plots.theme_heatmap(rows, no_items=show.no_items_plans(sub))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "缺失：该文件未识别出条目（截断的副本？）" in texts
    assert "缺失：该年没有此类文件" not in texts  # 河南 has a 2022 工作要点: not "no such document"
    chart = next(figures.draw_charts(c, names=["theme_heatmap"]))
    assert "缺失：该文件未识别出条目（截断的副本？）" in [t.get_text() for t in chart.figure.axes[0].texts]
    # the province report's coverage note
    sel = params.select(c, province="河南")
    text = show.page_note(show.coverage(c.select(provinces="河南"), params.compared(c, sel), sel))
    assert "未识别出条目的工作要点：2022 年（该文件未识别出条目，可能是截断的副本），按缺失处理" in text
    # the years compared are the years with items: 2022 is not listed among them
    assert "本报告只比较工作要点（省级）：2019、2024 年。" in text
