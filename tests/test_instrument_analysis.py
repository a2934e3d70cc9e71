"""Policy-instrument analysis and its presentation, checked against the item_instruments table of the
seeds: shares count like with like (one document type and level; a 重点工作 never beside its
工作要点), the instrument × theme matrix is the cross-tabulation of the coding and the themes, changes
follow one province's plans of one type, the coding table lists every compared item once, and the
charts and native slide charts carry exactly these numbers."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from compare import analysis
from compare.analysis import Corpus
from compare.core.errors import CompareError, EmptyCorpusError, ParameterError
from compare.presentation import plots

TOOLS = 13


@pytest.fixture(scope="module")
def corpus(instrumented_dir) -> Corpus:
    return Corpus.load(instrumented_dir)


@pytest.fixture(scope="module")
def coded(instrumented_dir) -> pd.DataFrame:
    """item_instruments of the provincial 工作要点 (the default comparison) with province, year, theme,
    computed from the Parquet files without compare.analysis."""
    docs = pd.read_parquet(instrumented_dir / "documents.parquet")
    items = pd.read_parquet(instrumented_dir / "items.parquet")
    inst = pd.read_parquet(instrumented_dir / "item_instruments.parquet")
    themes = pd.read_parquet(instrumented_dir / "item_themes.parquet")[["doc_id", "item_id", "theme"]]
    plans = docs[(docs["doc_type"] == "工作要点") & (docs["level"].fillna("省级") == "省级") & docs["department"].isna()]
    out = inst.merge(items[["doc_id", "item_id", "province", "year"]], on=["doc_id", "item_id"])
    out = out.merge(themes, on=["doc_id", "item_id"])
    return out[out["doc_id"].isin(set(plans["doc_id"]))].reset_index(drop=True)


def test_every_item_of_the_seeds_is_coded(corpus):
    assert corpus.has_instruments
    merged = analysis.items_coded(corpus)
    assert len(merged) == len(corpus.items) and merged["tool"].notna().all()
    assert set(merged["type"]) <= {"供给型", "环境型", "需求型"}


def test_instrument_shares_are_counts_of_the_coding_within_each_plan(corpus, coded):
    s = analysis.instrument_shares(corpus, by=("province", "year"), unit="tool")
    assert set(zip(s["province"], s["year"])) == {("河南", 2019), ("河南", 2024), ("湖北", 2019)}
    assert s.groupby(["province", "year"]).size().eq(TOOLS).all()  # every tool, zeros included
    expected = coded.groupby(["province", "year", "tool"]).size()
    got = s[s["n_items"] > 0].set_index(["province", "year", "tool"])["n_items"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)
    totals = coded.groupby(["province", "year"]).size()
    for (p, y), part in s.groupby(["province", "year"]):
        assert np.isclose(part["share"].sum(), 1.0)
        assert np.allclose(part["share"], part["n_items"] / totals[(p, y)])
    types = analysis.instrument_shares(corpus, by="province")
    assert list(types.columns) == ["province", "type", "n_items", "share"]
    assert types[types.province == "河南"]["n_items"].sum() == len(coded[coded.province == "河南"])


def test_instrument_shares_never_add_unlike_plans(corpus, instrumented_dir):
    docs = pd.read_parquet(instrumented_dir / "documents.parquet")
    # the default leaves out 黑龙江's 深化改革工作要点, 河南's 学会学术工作要点 and the 2024 重点工作
    default = analysis.instrument_shares(corpus, by=("province", "year"))
    assert ("黑龙江", 2019) not in set(zip(default["province"], default["year"]))
    assert ("河南", 2022) not in set(zip(default["province"], default["year"]))
    # every type: each type its own group, and 河南 2024's 重点工作 is not counted beside its 工作要点
    every = analysis.instrument_shares(corpus, by=("province", "year", "doc_type"), doc_types=None)
    assert set(every["doc_type"]) == set(docs["doc_type"]) - {"重点工作"}
    assert np.allclose(every.groupby(["province", "year", "doc_type"])["share"].sum(), 1.0)
    henan_2024 = every[(every.province == "河南") & (every.year == 2024)]
    n_plan = int((pd.read_parquet(instrumented_dir / "items.parquet")["doc_id"]
                  == docs.loc[(docs.province == "河南") & (docs.year == 2024) & (docs.doc_type == "工作要点"),
                              "doc_id"].iloc[0]).sum())
    assert henan_2024["n_items"].sum() == n_plan
    one = analysis.instrument_shares(corpus, by="province", doc_types="深化改革工作要点")
    assert list(dict.fromkeys(one["province"])) == ["黑龙江"]


def test_instrument_theme_matrix_is_the_crosstab_of_coding_and_themes(corpus, coded):
    m = analysis.instrument_theme_matrix(corpus, unit="tool")
    assert len(m) == TOOLS * len(corpus.themes)
    cross = pd.crosstab(coded["tool"], coded["theme"]).stack()
    got = m.set_index(["tool", "theme"])["n_items"]
    assert (got[got > 0].sort_index() == cross[cross > 0].sort_index()).all()
    assert got.sum() == len(coded) and np.isclose(m["share"].sum(), 1.0)
    used = m.groupby("theme")["n_items"].transform("sum") > 0
    assert np.allclose(m[used].groupby("theme")["share_of_theme"].sum(), 1.0)
    types = analysis.instrument_theme_matrix(corpus)
    assert types.groupby("type")["n_items"].sum().to_dict() == coded.groupby("type").size().to_dict()
    by_province = analysis.instrument_theme_matrix(corpus, by="province")
    assert np.allclose(by_province.groupby("province")["share"].sum(), 1.0)


def test_instrument_changes_follow_one_province_of_one_type(corpus, coded):
    c = analysis.instrument_changes(corpus, provinces="豫", unit="type")
    assert sorted(set(c["year"])) == [2019, 2024]  # 2022 is a 学会学术工作要点: not compared
    for t in ("供给型", "环境型", "需求型"):
        share = {y: ((coded.province == "河南") & (coded.year == y) & (coded.type == t)).sum()
                 / ((coded.province == "河南") & (coded.year == y)).sum() for y in (2019, 2024)}
        row = c[(c.type == t) & (c.year == 2024)].iloc[0]
        assert np.isclose(row["share"], share[2024]) and np.isclose(row["delta"], share[2024] - share[2019])
    assert c[c.year == 2019]["delta"].isna().all()
    tools = analysis.instrument_changes(corpus)
    assert list(tools.columns) == analysis.INSTRUMENT_CHANGE_COLUMNS
    assert set(tools["province"]) == {"河南", "湖北"}


def test_coding_table_lists_every_compared_item_once(corpus, coded, instrumented_dir):
    sub = corpus.like_with_like()
    t = analysis.instrument_coding_table(sub)
    assert list(t.columns) == analysis.CODING_TABLE_COLUMNS
    assert len(t) == len(coded) and not t.duplicated(["doc_id", "item_id"]).any()
    inst = pd.read_parquet(instrumented_dir / "item_instruments.parquet").set_index(["doc_id", "item_id"])
    first = t.iloc[0]
    assert first["code"] == inst.loc[(first["doc_id"], first["item_id"]), "code"]
    assert first["evidence"] == "、".join(inst.loc[(first["doc_id"], first["item_id"]), "evidence"])


def test_bad_input_is_named(corpus):
    with pytest.raises(ParameterError, match="unit"):
        analysis.instrument_shares(corpus, unit="tools")
    with pytest.raises(ParameterError, match="by="):
        analysis.instrument_shares(corpus, by="no_such_column")
    plain = analysis.example_corpus()
    plain.item_instruments = plain.item_instruments.iloc[0:0]
    with pytest.raises(EmptyCorpusError, match="instrument"):
        analysis.instrument_shares(plain)
    stale = analysis.example_corpus()
    stale.item_instruments = stale.item_instruments.iloc[1:]
    with pytest.raises(CompareError, match="1 items have no instrument"):
        analysis.instrument_theme_matrix(stale)


def test_themes_choose_the_items_counted(corpus, coded):
    s = analysis.instrument_shares(corpus, by="province", unit="tool", themes="科普")
    kepu = coded[coded.theme == "科普"]
    assert s["n_items"].sum() == len(kepu)
    assert s.groupby("province")["n_items"].sum().to_dict() == kepu.groupby("province").size().to_dict()


# --------------------------------------------------------------------------------------------------
# charts: what they draw is what the analysis computed
# --------------------------------------------------------------------------------------------------


def test_charts_draw_the_analysis_frames(corpus):
    shares = analysis.instrument_shares(corpus, by="province")
    fig = plots.instrument_structure_bar(shares)
    pd.testing.assert_frame_equal(plots.drawn_data(fig), shares)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    n = shares.groupby("province")["n_items"].sum()
    assert labels == [f"{p}（{int(n[p])} 条）" for p in n.index]
    matrix = analysis.instrument_theme_matrix(corpus, unit="tool")
    fig = plots.instrument_theme_heatmap(matrix)
    assert len(fig.axes[0].get_yticklabels()) == TOOLS
    with pytest.raises(ParameterError, match="several groups"):
        plots.instrument_theme_heatmap(analysis.instrument_theme_matrix(corpus, by="province"))
    changes = analysis.instrument_changes(corpus)
    with pytest.raises(ParameterError, match="several provinces"):
        plots.instrument_change_chart(changes)
    fig = plots.instrument_change_chart(changes, province="河南")
    assert set(plots.drawn_data(fig)["province"]) == {"河南"}


def test_tool_colours_are_shades_of_their_type():
    from matplotlib.colors import to_rgb

    from compare.text.codebook import load_codebook

    book = load_codebook()
    colors = plots.instrument_colors(types=book.types, tools=book.tool_type())
    for t in book.types:
        mine = [colors[x.name] for x in book.tools if x.type == t]
        assert mine[0] == colors[t] and len(set(mine)) == len(mine)
        lightness = [sum(to_rgb(c)) for c in mine]
        assert lightness == sorted(lightness)  # each further tool lighter


# --------------------------------------------------------------------------------------------------
# native PowerPoint charts
# --------------------------------------------------------------------------------------------------


def _reopen(prs):
    from pptx import Presentation

    buf = io.BytesIO()
    prs.save(buf)
    buf.seek(0)
    return Presentation(buf)


def test_native_chart_holds_the_data_and_the_east_asian_font(corpus):
    from pptx import Presentation
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.util import Inches

    from compare.presentation.fonts import cjk_font_info
    from compare.presentation.pptx_charts import add_chart, native_charts

    shares = analysis.instrument_shares(corpus, by="province")
    [spec] = native_charts("instrument_structure_bar", shares)
    prs = Presentation()
    add_chart(prs.slides.add_slide(prs.slide_layouts[6]), spec, 0, 0, Inches(8), Inches(5),
              family=cjk_font_info().family)
    chart = next(s.chart for s in _reopen(prs).slides[0].shapes if s.has_chart)
    assert chart.chart_type == XL_CHART_TYPE.BAR_STACKED_100
    assert list(chart.plots[0].categories) == ["河南", "湖北"]
    wide = shares.pivot(index="province", columns="type", values="share")
    for series in chart.plots[0].series:
        assert np.allclose(series.values, wide[series.name].to_numpy())
    xml = chart._chartSpace.xml  # noqa: SLF001
    family = cjk_font_info().family
    assert f'<a:ea typeface="{family}"/>' in xml and 'lang="zh-CN"' in xml
    # a chart whose shares are a subset of the themes is not stretched to 100 %
    part = pd.DataFrame({"province": ["河南", "湖北"], "theme": ["科普", "科普"], "share": [0.3, 0.2]})
    assert native_charts("theme_shares_bar", part)[0].kind == "BAR_STACKED"
    assert native_charts("theme_heatmap", part) is None  # heatmaps stay pictures


def test_native_term_bars_mark_terms_that_are_not_significant():
    from compare.presentation.charts_corpus import BAR_LIGHT
    from compare.presentation.pptx_charts import native_charts

    key = pd.DataFrame({"group": ["河南", "河南", "湖北"], "term": ["一市一品", "科普", "荆楚"],
                        "statistic": [13.3, 0.9, 7.7], "p_value": [0.0003, 0.33, 0.005], "log_ratio": [2.0, 0.5, 1.0],
                        "rank": [1, 2, 1]})
    henan, hubei = native_charts("distinctive_terms", key)
    assert (henan.kind, henan.title, henan.categories, henan.series) == \
        ("BAR_CLUSTERED", "河南", ["一市一品", "科普"], [("G²", [13.3, 0.9])])
    assert henan.point_colors["G²"] == [None, BAR_LIGHT] and hubei.point_colors["G²"] == [None]
    many = pd.concat([key.assign(group=f"省{i}") for i in range(9)])
    assert native_charts("distinctive_terms", many) is None  # nine panels: the picture's term table


def test_a_report_of_some_themes_codes_their_items_only(corpus):
    """A 科普 report's 政策工具 section: the structure, the matrix and the coding table of the 科普 items,
    as the rest of that report; a report of every theme keeps every item."""
    from compare.pipeline import instrument_sections, params

    whole = params.select(corpus, province="河南")
    sub = params.compared(corpus, whole)
    kepu = params.select(corpus, province="河南", themes=["科普"])
    every = instrument_sections.instruments(sub, whole, by=("year",))
    only = instrument_sections.instruments(params.compared(corpus, kepu), kepu, by=("year",))
    themed = sub.items_themed
    assert len(every.coding) == len(themed) and set(every.coding["theme"]) == set(themed["theme"])
    assert len(only.coding) == int((themed["theme"] == "科普").sum()) > 0
    assert set(only.coding["theme"]) == {"科普"} and "主题为科普的条目" in only.caption
    assert int(only.structure["n_items"].sum()) == len(only.coding)
    assert list(only.matrix_table.columns) == ["type", "tool", "科普", "合计"]
    assert int(only.matrix_table["合计"].sum()) == len(only.coding)
    for _, g in only.structure.groupby("year"):
        assert np.isclose(g["share"].sum(), 1.0)
