"""Every briefing chart of a corpus, for one document type and one level: the chart registry,
:func:`write_figures` (PNG/SVG/PDF plus the data drawn as CSV) and ``python -m compare figures``.

Like with like: each chart compares the plans of one type (default 工作要点) and one level (default
省级; department plans left out), chosen with :func:`compare.analysis.like_with_like`; its subtitle
names the type and level, and its source line names the province-years that have no plan of that
type (they are missing, never replaced by another type of plan). Theme colours come from the theme
dictionary in use (``kexie.toml``'s ``themes``, else the packaged one), so a custom dictionary is
drawn in colour.

>>> charts_for()[:3]
['theme_heatmap', 'theme_shares_bar', 'change_over_time']
"""
from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from compare.core.errors import CompareError, ParameterError
from compare.core.io import csv_bytes
from compare.core.vocab import DEFAULT_DOC_TYPE, DEFAULT_LEVEL, DEFAULT_TOP_N, every_or
from compare.pipeline import instrument_figures
from compare.pipeline.cache import ComparisonCache
from compare.pipeline.chartkeys import ChartKeys, context_digest, figure_texts
from compare.presentation import plots
from compare.presentation.fonts import cjk_font_info, font_problems
from compare.presentation.style import FORMATS, save_figure, scope_label, source_line, write_if_changed

log = logging.getLogger(__name__)

#: corpora with more documents than this get the province × province similarity chart
SIMILARITY_DOCUMENT_LIMIT = 30


@dataclass
class Chart:
    """One drawn chart: its name, title, the frames behind it (CSV suffix -> frame; "" is
    <name>.csv), the figure, and what it counts."""

    name: str
    data: dict[str, pd.DataFrame]
    figure: Figure
    counts: str = ""
    caption: dict[str, str] = field(default_factory=dict)
    context: str = ""  # digest of the selection it shows (compare.pipeline.chartkeys)

    @property
    def title(self) -> str:
        return self.caption.get("title", self.name)

    @property
    def source(self) -> str:
        return self.caption.get("source", source_line())

    @property
    def table(self) -> pd.DataFrame:
        """The main data drawn (what a slide's notes or a Word table show)."""
        return self.data.get("", next(iter(self.data.values())) if self.data else pd.DataFrame())


@dataclass
class Context:
    """What every chart builder needs: the selected corpus, how to compute, and the captions."""

    corpus: object  # compare.analysis.Corpus, already like with like
    run: Callable
    top_n: int
    doc_type: str | None
    level: str | None
    scope: str
    note: str | None
    colors: dict[str, str]
    missing: list[tuple[str, int]] = field(default_factory=list)  # province-years without this type
    no_items: list[tuple[str, int]] = field(default_factory=list)  # province-years whose plan gave no items

    def call(self, func, **kwargs):
        """func(corpus, **kwargs) through the cache, passing the compared type and level (doc_types /
        levels) where func takes them."""
        params = inspect.signature(func).parameters
        for name, value in (("doc_types", self.doc_type), ("levels", self.level)):
            if name in params:
                kwargs.setdefault(name, value)
        return self.run(func, self.corpus, **kwargs)


def _direct(func, corpus, **kwargs):
    return func(corpus, **kwargs)


def similarity_unit(corpus) -> str:
    """The unit at which a corpus' similarity matrix is readable: "document" up to
    SIMILARITY_DOCUMENT_LIMIT documents, else "province" (every province's documents pooled)."""
    return "document" if len(corpus.documents) <= SIMILARITY_DOCUMENT_LIMIT else "province"


def _focus_province(corpus) -> str | None:
    """河南 when the corpus has it (the briefing's subject), else the province with most plan years."""
    if "河南" in corpus.provinces:
        return "河南"
    years = corpus.documents.groupby("province")["year"].nunique()
    if years.empty:
        return None
    return sorted(years.index, key=lambda p: (-int(years[p]), str(p)))[0]


# one builder per chart: ctx -> (frames for the CSVs, figure, what it counts)


def _theme_heatmap(ctx: Context):
    from compare import analysis

    m = ctx.call(analysis.theme_share_matrix, by=("province", "year"))
    gap_rows = sorted(set(ctx.missing) | set(ctx.no_items))
    n_rows = len(m[["province", "year"]].drop_duplicates()) + len(gap_rows)
    # a province-year without this type, or whose plan gave no items: an empty row (never another type),
    # when every row fits the slide
    if gap_rows and not m.empty and n_rows <= plots.MAX_ROWS:
        themes = list(dict.fromkeys(m["theme"]))
        gaps = pd.DataFrame([(p, y, t, float("nan")) for p, y in gap_rows for t in themes],
                            columns=["province", "year", "theme", "share"]).astype({"year": m["year"].dtype})
        m = pd.concat([m, gaps[[c for c in m.columns if c in gaps.columns]]], ignore_index=True)
        order = {t: i for i, t in enumerate(themes)}
        m = m.sort_values(["province", "year", "theme"], key=lambda c: c.map(order) if c.name == "theme" else c,
                          kind="mergesort").reset_index(drop=True)
    fig = plots.theme_heatmap(m, note=ctx.note, scope=ctx.scope, colors=ctx.colors, no_items=ctx.no_items,
                              title=f"各省科协{ctx.doc_type or '工作计划'}的主题结构")
    return {"": plots.drawn_data(fig, m)}, fig, "条目数占比（按主题）"


def _theme_shares_bar(ctx: Context):
    from compare import analysis

    m = ctx.call(analysis.theme_share_matrix, by=("province",))
    fig = plots.theme_shares_bar(m, note=ctx.note, scope=ctx.scope, colors=ctx.colors,
                                 title=f"各省{ctx.doc_type or '工作计划'}的主题构成")
    return {"": plots.drawn_data(fig, m)}, fig, "条目数占比（按主题，各年合并）"


def _change_over_time(ctx: Context):
    from compare import analysis

    focus = _focus_province(ctx.corpus)
    own = ctx.corpus.select(provinces=[focus])
    ch = _province_call(ctx, own, analysis.theme_changes, focus)
    terms = _province_call(ctx, own, analysis.term_changes, focus, top_n=ctx.top_n)
    fig = plots.change_over_time(ch, terms, province=focus, colors=ctx.colors, scope=ctx.scope,
                                 note=(f"只比较{focus}的{ctx.doc_type}，不含其他类型的文件" if ctx.doc_type
                                       else f"{focus}各类文件合并（重点工作不与同年工作要点重复计算）"))
    return {"": ch, "_terms": terms}, fig, "条目数占比（按主题、年份）"


def _province_call(ctx: Context, own, func, province, **kwargs):
    params = inspect.signature(func).parameters
    for name, value in (("doc_types", ctx.doc_type), ("levels", ctx.level)):
        if name in params:
            kwargs.setdefault(name, value)
    return func(own, province, **kwargs)


def _similarity_heatmap(ctx: Context):
    from compare import analysis

    unit = similarity_unit(ctx.corpus)
    sim = ctx.call(analysis.similarity, unit=unit)
    kind = ctx.doc_type or "工作计划"  # the compared type in the title, as the theme charts say it
    title = f"各省{kind}的文本相似度" if unit == "province" else f"各份{kind}的文本相似度"
    fig = plots.similarity_heatmap(sim, unit=unit, title=title, scope=ctx.scope, note=ctx.note)
    return {"": sim}, fig, "文本余弦相似度"


def _distinctive_terms(ctx: Context):
    from compare import analysis

    # every term ranked (top_n=None) is the computation the reports share; the chart needs the top 10
    key = ctx.call(analysis.keyness, by="province", top_n=None)
    key = key[key["rank"] <= 10].reset_index(drop=True)
    fig = plots.distinctive_terms(key, top_n=10, title=f"各省{ctx.doc_type or '工作计划'}的特色词", scope=ctx.scope,
                                  note=ctx.note)
    return {"": plots.drawn_data(fig, key)}, fig, "词频关键性（G²）"


def _slogan_timeline(ctx: Context):
    from compare import analysis

    shared = ctx.call(analysis.shared_phrases, min_provinces=2)
    fig = plots.slogan_timeline(shared, provinces=ctx.corpus.provinces, scope=ctx.scope, note=ctx.note)
    return {"": plots.drawn_data(fig, shared)}, fig, "使用某提法的省份和年份"


def _targets_chart(ctx: Context):
    from compare import analysis

    tg = ctx.call(analysis.targets_by_theme)
    if "total_value" in tg.columns and "object" not in tg.columns:
        tg = tg.drop(columns="total_value")  # values of different things are never added up
    plans = ctx.corpus.documents[["province", "year"]].drop_duplicates().itertuples(index=False)
    fig = plots.targets_chart(tg, plans=list(plans), note=ctx.note, scope=ctx.scope, colors=ctx.colors,
                              subtitle=f"各份{ctx.doc_type or '文件'}中带具体数字的目标条数（计条数，不加总数值），按主题分色")
    return {"": plots.drawn_data(fig, tg)}, fig, "量化目标条数（不加总不同单位的数值）"


def _departments_themes(ctx: Context):
    from compare import analysis

    # the named offices that carry the work, not classes of recipients (各全省学会, 机关各部室, …)
    dp = ctx.call(analysis.departments_by_theme, top_n=ctx.top_n, collective=False)
    fig = plots.departments_themes(
        dp, top_n=ctx.top_n, colors=ctx.colors, scope=ctx.scope, note=ctx.note,
        subtitle=f"各部门承担的工作条目数（按主题；条目最多的 {ctx.top_n} 个部门，不含“各全省学会”等泛指的落实对象）")
    return {"": dp}, fig, "工作条目数（按责任部门、主题）"


def _instrument_years(ctx: Context):
    return instrument_figures.instrument_years(ctx, _focus_province(ctx.corpus))


#: every chart of `python -m compare figures`, in order
CHARTS: dict[str, Callable] = {
    "theme_heatmap": _theme_heatmap,
    "theme_shares_bar": _theme_shares_bar,
    "change_over_time": _change_over_time,
    "similarity_heatmap": _similarity_heatmap,
    "distinctive_terms": _distinctive_terms,
    "slogan_timeline": _slogan_timeline,
    "targets_chart": _targets_chart,
    "departments_themes": _departments_themes,
    "instrument_structure_bar": instrument_figures.instrument_structure,
    "instrument_theme_heatmap": instrument_figures.instrument_theme,
    "instrument_change_chart": _instrument_years,
}


def charts_for(names: Sequence[str] | str | None = None) -> list[str]:
    """The chart names to draw (default: all of CHARTS, in order); ParameterError for an unknown one."""
    names = [names] if isinstance(names, str) else (list(names) if names is not None else list(CHARTS))
    for name in names:
        if name not in CHARTS:
            raise ParameterError(f"unknown chart {name!r}; choose from {', '.join(CHARTS)}")
    return names


# --------------------------------------------------------------------------------------------------
# selection: one type, one level; missing province-years named
# --------------------------------------------------------------------------------------------------


def theme_palette(corpus, dictionary=None) -> dict[str, str]:
    """Theme -> colour for the corpus' themes, from the theme dictionary in use (`dictionary`, else the
    one kexie.toml names, else the packaged one)."""
    from compare.presentation.style import theme_colors

    if dictionary is None:
        dictionary = _configured_dictionary()
    themes = list(corpus.themes)
    return theme_colors(list(dictionary.themes) + [t for t in themes if t not in dictionary.themes],
                        dictionary=dictionary)


def _configured_dictionary():
    from compare.text.themes import load_theme_dictionary

    try:
        from compare.core.config import load_config
        from compare.core.paths import project_root

        path = load_config(project_root()).themes
    except (CompareError, OSError):
        path = None
    return load_theme_dictionary(path)


def dictionary_in_use(processed_dir: str | Path | None = None):
    """The theme dictionary that scored the tables: the one embedded in the processed directory's
    current saved theme model, else the one kexie.toml names, else the packaged one."""
    if processed_dir is not None:
        try:
            import json

            from compare.text import model as theme_model
            from compare.text.dictionary import ThemeDictionary

            version = theme_model.current_version(processed_dir)
            if version:
                meta = json.loads((Path(processed_dir) / theme_model.MODEL_DIR / version / "model.json")
                                  .read_text(encoding="utf-8"))
                return ThemeDictionary.from_json(meta["dictionary"])
        except (ImportError, OSError, ValueError, KeyError, AttributeError) as exc:
            log.debug("theme dictionary of the saved model not readable (%s); using the configured one", exc)
    return _configured_dictionary()


def missing_plans(all_documents: pd.DataFrame, selected: pd.DataFrame) -> list[tuple[str, int]]:
    """(province, year) pairs that have plans (of the level compared) but none in the selection, sorted."""
    have = set(zip(selected["province"].astype(str), selected["year"].astype(int)))
    others = {(str(p), int(y)) for p, y in zip(all_documents["province"], all_documents["year"])} - have
    return sorted(others)


def _names(pairs, limit: int) -> str:
    listed = sorted(set(pairs), key=lambda py: (py[1], py[0]))
    return "、".join(f"{p} {y}" for p, y in listed[:limit]) + ("等" if len(listed) > limit else "")


def missing_note(all_documents: pd.DataFrame, selected: pd.DataFrame, doc_type: str | None, *, limit: int = 6,
                 no_items: Sequence[tuple[str, int]] = ()) -> str | None:
    """Names the province-years (of the level compared) that have plans but none of `doc_type`:
    "无工作要点：黑龙江 2019、河南 2022（缺失，未用其他类型的文件代替）", and those whose plan gave no
    items ("全国 2022 的文件未识别出条目（截断的副本？），按缺失处理"); None when there are none."""
    notes = []
    if doc_type is not None and not all_documents.empty:
        others = missing_plans(all_documents, selected)
        if others:
            notes.append(f"无{doc_type}：{_names(others, limit)}（缺失，未用其他类型的文件代替）")
    if no_items:
        notes.append(f"{_names(no_items, limit)} 的文件未识别出条目（截断的副本？），按缺失处理")
    return "；".join(notes) or None


def select_like_with_like(corpus, *, doc_type: str | None = DEFAULT_DOC_TYPE, level: str | None = DEFAULT_LEVEL,
                          provinces: Sequence[str] | str | None = None):
    """(sub-corpus of one type and level, note naming the missing province-years, those province-years)."""
    from compare.analysis import like_with_like

    if provinces:
        corpus = corpus.select(provinces=provinces)
    docs = corpus.documents
    level_docs = like_with_like(docs, doc_types=None, levels=level) if level else docs
    chosen = like_with_like(docs, doc_types=doc_type, levels=level)
    if chosen.empty:
        from compare.core.errors import EmptyCorpusError

        raise EmptyCorpusError(f"no {level or ''}{doc_type or ''} plans in the corpus to compare "
                               f"(it holds {'、'.join(sorted(set(docs['doc_type'].astype(str))))})")
    sub = corpus.select(doc_ids=list(chosen["doc_id"]))
    return sub, missing_note(level_docs, chosen, doc_type, no_items=no_items_plans(sub)), \
        missing_plans(level_docs, chosen) if doc_type else []


def no_items_plans(corpus) -> list[tuple[str, int]]:
    """(province, year) of the corpus's plans that have no items (see analysis.plans_without_items)."""
    from compare.presentation.report_tables import no_items_plans as of_corpus

    return of_corpus(corpus)


def draw_charts(corpus, *, doc_type: str | None = DEFAULT_DOC_TYPE, level: str | None = DEFAULT_LEVEL,
                provinces=None, top_n: int = DEFAULT_TOP_N, names: Sequence[str] | None = None, compute=None,
                dictionary=None) -> Iterator[Chart]:
    """Each chart in turn, for one type and level (computed and drawn only when the previous one has
    been consumed). compute(func, corpus, **kwargs): how analysis functions run (default directly)."""
    todo = charts_for(names)
    sub, note, missing = select_like_with_like(corpus, doc_type=doc_type, level=level, provinces=provinces)
    if dictionary is None:  # the build's and the CLI's comparison cache knows the tables' directory
        dictionary = dictionary_in_use(compute.processed_dir if isinstance(compute, ComparisonCache) else None)
    ctx = Context(sub, compute or _direct, top_n, doc_type, level, scope_label(doc_type, level), note,
                  theme_palette(corpus, dictionary), missing, no_items_plans(sub))
    # what a chart's picture is made from besides its data and its texts (compare.pipeline.chartkeys)
    shared = (ctx.scope, ctx.colors, ctx.top_n, doc_type, level)
    extra = {"theme_heatmap": (ctx.missing, ctx.no_items), "slogan_timeline": list(sub.provinces),
             "targets_chart": sub.documents[["province", "year"]].astype(str).values.tolist()}
    for name in todo:
        data, fig, counts = CHARTS[name](ctx)
        yield Chart(name, data, fig, counts, plots.chart_caption(fig),
                    context_digest(shared, extra.get(name), figure_texts(fig)))


def _check_formats(formats: Iterable[str]) -> list[str]:
    if isinstance(formats, str):
        formats = [formats]
    out = []
    for f in formats:
        f = str(f).strip().lower().lstrip(".")
        if f not in FORMATS:
            raise ParameterError(f"unknown figure format {f!r}; choose from {', '.join(FORMATS)}")
        if f not in out:
            out.append(f)
    if not out:
        raise ParameterError(f"no figure format given; choose from {', '.join(FORMATS)}")
    return out


def write_figures(corpus, out_dir: str | Path, *, formats: Sequence[str] = FORMATS, dpi: int = 300,
                  top_n: int = DEFAULT_TOP_N, charts: Sequence[str] | None = None, compute=None,
                  doc_type: str | None = DEFAULT_DOC_TYPE, level: str | None = DEFAULT_LEVEL,
                  provinces=None, dictionary=None, reuse: bool = True, counts: dict | None = None) -> list[Path]:
    """Draw every briefing chart of the corpus' `doc_type` plans of `level` and write it to
    ``out_dir/<chart>.<format>`` for each format, with the data drawn as ``<chart>.csv`` (UTF-8
    with BOM, for Excel) beside it; ``change_over_time`` also writes ``change_over_time_terms.csv``.
    Files are written atomically and deterministically (unchanged files are not rewritten).
    Returns the paths written (figures and CSVs), in chart order.

    At national scale every chart stays readable: the similarity matrix compares provinces when the
    selection has more than SIMILARITY_DOCUMENT_LIMIT documents, and the other charts reduce themselves
    (latest year per province, top-N phrases, a term table), saying so in their subtitles; the CSV
    holds what was drawn. charts: names from CHARTS (default all). compute(func, corpus, **kwargs):
    how analysis functions are run (default: called directly; the build passes a cache shared with
    the reports). dictionary: the theme dictionary whose colours are used (default
    :func:`dictionary_in_use` of the cache's directory). reuse: a chart whose key (the data and
    caption it shows, :mod:`compare.pipeline.chartkeys`) is unchanged is not saved again; counts, when
    given, receives the number of charts drawn ("charts") and saved ("saved")."""
    formats = _check_formats(formats)
    if int(dpi) < 10:
        raise ParameterError(f"dpi must be at least 10, not {dpi}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    keys = ChartKeys(out_dir, enabled=reuse)
    for chart in draw_charts(corpus, doc_type=doc_type, level=level, provinces=provinces, top_n=top_n,
                             names=charts, compute=compute, dictionary=dictionary):
        tables = {out_dir / f"{chart.name}{suffix}.csv": csv_bytes(frame, float_format="%.6g")
                  for suffix, frame in chart.data.items()}
        pictures = [out_dir / f"{chart.name}.{fmt}" for fmt in formats]
        key = keys.key(chart.name, chart.context, list(tables.values()), chart.caption, formats, dpi)
        same = keys.fresh(chart.name, key, pictures)
        try:
            for path in ([] if same else pictures):
                save_figure(chart.figure, path, dpi=int(dpi))
        finally:
            chart.figure.clear()
        keys.record(chart.name, key, pictures, reused=same)
        written += pictures
        for fmt in FORMATS:  # another format left by an earlier run may show another selection than the CSV
            if fmt not in formats:
                (out_dir / f"{chart.name}.{fmt}").unlink(missing_ok=True)
        for path, data in tables.items():
            write_if_changed(path, data)
            written.append(path)
        log.debug("%s %s (%s)", "kept" if same else "wrote", chart.name, ", ".join(formats))
    keys.save()
    if counts is not None:
        counts.update(charts=len(keys.current), saved=len(keys.current) - len(keys.reused))
    return written


def figures_command(*, processed: str | Path, out: str | Path | None = None, formats: Sequence[str] = FORMATS,
                    dpi: int = 300, doc_type: str | None = DEFAULT_DOC_TYPE, level: str | None = DEFAULT_LEVEL) -> int:
    """`python -m compare figures [--formats png,svg,pdf] [--dpi 300] [--doc-type 工作要点] [--level 省级]
    [--processed DIR] [--out DIR]`: write every chart and print the files. doc_type / level 全部 (or
    None): every type / level.

    out None: `figures/` for the selection the build draws (kexie.toml's [report] doc_type and level,
    else 工作要点 and 省级), else `figures/<type>_<level>/` (e.g. figures/重点工作_省级): another
    selection never replaces the build's charts, which the reports and exports show."""
    from compare.analysis import Corpus
    from compare.core.config import load_config
    from compare.core.paths import FIGURES_DIR, project_root, selection_dir
    formats = _check_formats(formats)
    corpus = Corpus.load(processed)
    doc_type, level = every_or(doc_type), every_or(level)
    if out is None:
        report = load_config(project_root()).report
        built = (report.doc_type or DEFAULT_DOC_TYPE, report.level or DEFAULT_LEVEL)
        out = FIGURES_DIR if (doc_type, level) == built else selection_dir(
            FIGURES_DIR, doc_type or "全部类型", level or "全部级别")
    font = cjk_font_info()
    print(f"font: {font.family} ({font.source}: {font.path}, face {font.face_index}); "
          f"PDF glyphs as Type {font.pdf_fonttype}")
    print(f"charts of {scope_label(doc_type, level) or 'every document type and level'} -> {out}")
    with font_problems() as problems:  # comparisons cached: the reports (and the next run) reuse them
        paths = write_figures(corpus, out, formats=formats, dpi=dpi, compute=ComparisonCache(processed),
                              doc_type=doc_type, level=level)
    for p in paths:
        print(p)
    print(f"{len(paths)} files in {out}")
    if problems:
        for message in dict.fromkeys(problems):
            log.warning("font problem while drawing: %s", message)
        raise CompareError(f"{len(set(problems))} missing glyph / font fallback problem(s) while drawing the charts "
                           f"(files were written; see the warnings above)")
    return 0
