"""Corpus charts: text similarity, distinctive terms per province and shared slogans over time."""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import ScaledTranslation

from compare.core.deprecation import deprecate_kwarg
from compare.core.errors import ParameterError
from compare.core.vocab import DEFAULT_TOP_N
from compare.presentation.layout import (
    drew, fit_words, grid_shape, heatmap, require,
    row_pitch_pt, text_width, wrap,
)
from compare.presentation.style import (
    BAR_NEUTRAL, EMPTY_CELL, GRID, INK, LABEL_SIZE, MARGIN_IN, MAX_MARKER_PROVINCES, MAX_PANELS, MAX_SIMILARITY_UNITS, MIN_TEXT_SIZE, MUTED, PLOT_HEIGHT_IN, SLIDE, SMALL_SIZE, SUBTITLE_SIZE,
    canvas, empty, province_colors, slide, styled,
)


@deprecate_kwarg("level", "unit")
@styled
def similarity_heatmap(
    sim: pd.DataFrame,
    *,
    unit: str | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    max_units: int = MAX_SIMILARITY_UNITS,
    note: str | None = None,
    scope: str | None = None,
    ax=None,
) -> Figure:
    """Document × document (or province × province) cosine similarity (``analysis.similarity``:
    doc_a, doc_b, label_a, label_b, cosine). Pairs given once are mirrored; the diagonal is left blank.

    unit: "document" or "province" (the unit the similarities were computed for; default: province
    when every id is its own label, as ``analysis.similarity(unit="province")`` gives), for the title.
    Cells carry their value when there are few (up to 16 units), otherwise a colour bar gives the
    scale. More than max_units units cannot be read on a slide: ParameterError, pointing to the
    province level or a smaller selection."""
    what = "similarity_heatmap"
    require(sim, ["doc_a", "doc_b", "cosine"], what)
    ids_a, ids_b = sim["doc_a"].astype(str), sim["doc_b"].astype(str)
    labels_a = sim["label_a"].astype(str) if "label_a" in sim.columns else ids_a
    labels_b = sim["label_b"].astype(str) if "label_b" in sim.columns else ids_b
    if unit is None:
        unit = "province" if len(sim) and (ids_a == labels_a).all() and (ids_b == labels_b).all() else "document"
    if unit not in ("document", "province", "item"):
        raise ParameterError(f"{what}: unit must be 'document', 'province' or 'item', not {unit!r}")
    measure, noun = {"document": ("份", "文件"), "province": ("个", "省份"), "item": ("个", "条目")}[unit]
    title = title or ("各省工作要点的文本相似度" if unit == "province" else "各份工作要点的文本相似度")
    subtitle = subtitle or (
        ("每省全部文件合并为一个整体，" if unit == "province" else "")
        + "TF-IDF 词向量的余弦相似度：1 = 用词完全一致，0 = 没有共同词")
    labels = dict(zip(pd.concat([ids_a, ids_b]), pd.concat([labels_a, labels_b])))  # first-seen order
    docs = list(dict.fromkeys(pd.concat([ids_a, ids_b])))
    n = len(docs)
    if n < 2:
        return empty(title, subtitle, f"至少需要两{measure}{noun}才能比较相似度", ax=ax, note=note, scope=scope)
    if n > max_units:
        raise ParameterError(
            f"{what}: {n} {unit}s are too many for a readable matrix (at most {max_units}); draw "
            "analysis.similarity(corpus, unit='province') instead, or a corpus.select(...) of fewer documents")
    m = _square(docs, ids_a, ids_b, sim["cosine"].astype(float).to_numpy())
    col_chars = max(4, int(10.0 / max(n, 1) / 0.2))  # ~0.2 in per character at LABEL_SIZE on a 10 in wide grid
    annotate = n <= 16
    vmin, vmax = 0.0, 1.0
    if not annotate and np.isfinite(m).any():  # colours only: spread them over the range the data covers
        vmin = math.floor(float(np.nanmin(m)) * 10) / 10
        vmax = max(math.ceil(float(np.nanmax(m)) * 10) / 10, vmin + 0.1)
    short = all(len(labels[d]) <= 4 for d in docs)  # province names: written top to bottom, as in print
    fig, ax = canvas(ax, title, subtitle, note="；".join(n for n in (note, f"对角线为同一{unit}，留空") if n),
                     scope=scope)
    if n <= 8:
        col_labels = [wrap(labels[d], col_chars, 3) for d in docs]
    elif short:
        col_labels = ["\n".join(labels[d]) for d in docs]
    else:
        col_labels = [wrap(labels[d], 16, 1) for d in docs]
    heatmap(ax, m, row_labels=[wrap(labels[d], 16, 1 if n > 16 else 2) for d in docs], col_labels=col_labels,
             fmt=lambda v: f"{v:.2f}", vmin=vmin, vmax=vmax, annotate=annotate, colorbar_label="余弦相似度")
    _set_column_labels(ax, n, short=short)
    return fig


def _square(docs: list[str], ids_a: pd.Series, ids_b: pd.Series, cosine: np.ndarray) -> np.ndarray:
    """The units × units matrix of the pairs; pairs given once are mirrored, the diagonal left blank
    (a unit against itself says nothing; the colour scale is kept for pairs)."""
    n = len(docs)
    index = pd.Index(docs)
    ia, ib = index.get_indexer(ids_a), index.get_indexer(ids_b)
    m = np.full((n, n), np.nan)
    m[ia, ib] = cosine
    m = np.where(np.isnan(m), m.T, m)
    np.fill_diagonal(m, np.nan)
    return m


def _set_column_labels(ax, n: int, *, short: bool) -> None:
    """Beyond 8 columns: long labels tilted 45°, short ones (written top to bottom) set close."""
    if n > 8 and not short:
        ax.tick_params(axis="x", labelrotation=45)
        for label in ax.get_xticklabels():
            label.set_ha("left")
            label.set_rotation_mode("anchor")
    elif n > 8:
        for label in ax.get_xticklabels():
            label.set_linespacing(1.0)


#: significance level of the keyness marks (charts and report tables)
ALPHA = 0.05
#: bars of terms whose keyness is not significant: BAR_NEUTRAL, light
BAR_LIGHT = "#b9c6d6"
#: the χ² (1 degree of freedom) critical value at ALPHA, for keyness frames without a p_value column
CRITICAL_0_05 = 3.841458820694124


@styled
def distinctive_terms(
    key: pd.DataFrame,
    *,
    top_n: int = 10,
    measure: str = "G²",
    provinces: Sequence[str] | None = None,
    title: str = "各省工作要点的特色词",
    subtitle: str | None = None,
    max_panels: int = MAX_PANELS,
    alpha: float = ALPHA,
    note: str | None = None,
    scope: str | None = None,
    ax=None,
) -> Figure:
    """Small multiples, one panel per group (province): its most distinctive terms by keyness
    (``analysis.keyness``: group, term, freq_target, statistic, log_ratio, rank). Only terms a group
    uses *more* than the others (statistic > 0) are shown, whatever their Log Ratio (NaN for a term
    only the group uses); bar labels give the frequency.

    Terms are ranked by the statistic, not filtered by it: a small corpus has terms used a little
    more (G² 0.9, p 0.33) among the top_n. Those not significant (p_value ≥ ``alpha``, or without a
    p_value column |statistic| < 3.84, the χ²(1) critical value at 0.05) are drawn in a light bar (a
    ° after the term in the term table), and the subtitle says what the ranking and the marks mean.

    More than max_panels groups (a national corpus: 31 provinces) would make panels too small to
    read: the chart becomes a term table instead, one line per province with its most distinctive
    terms in order (as many of the top_n as fit the line); :func:`drawn_data` gives the terms shown."""
    what = "distinctive_terms"
    require(key, ["group", "term", "statistic"], what)
    if top_n < 1:
        raise ParameterError(f"{what}: top_n must be at least 1, not {top_n}")
    df = key.copy()
    df = df[df["statistic"].astype(float) > 0]
    sort = ["group", "rank"] if "rank" in df.columns else ["group"]
    df = df.sort_values(sort + ["statistic"], ascending=[True] * len(sort) + [False], kind="mergesort")
    groups = list(dict.fromkeys(df["group"].astype(str))) if provinces is None else [str(p) for p in provinces]
    as_table = len(groups) > max_panels
    df["_significant"] = significant(df, alpha)
    below = f"p ≥ {alpha:g}"
    if as_table:
        subtitle = subtitle or (f"每省与其他省份相比用得较多的词，按关键性（{measure}）从高到低排列；"
                                f"带 ° 的词差异未达显著（{below}）")
    else:
        subtitle = subtitle or (f"与其他省份相比用得较多的词，按关键性（{measure}）从高到低排列，越长越独特；"
                                f"浅色：差异未达显著（{below}）；括号内为出现次数")
    if df.empty:
        return empty(title, subtitle, "没有足够的数据计算特色词（至少需要两个省份）", ax=ax, note=note, scope=scope)
    if ax is not None:  # the analyst's axes: the term table (one line per group) fits any number of groups
        fig, ax = canvas(ax, title, subtitle, note=note, scope=scope)
        return drew(fig, _terms_table(fig, df, groups, top_n=top_n, axes=[ax]).drop(columns="_significant"), ax)
    fig = slide(title, subtitle, note=note, scope=scope)
    if as_table:
        return drew(fig, _terms_table(fig, df, groups, top_n=top_n).drop(columns="_significant"))
    rows, cols = grid_shape(len(groups))
    per_panel = min(top_n, 15 if rows == 1 else 10)  # bars a panel has room for
    axes = fig.subplots(rows, cols, squeeze=False)
    vmax = float(df.groupby("group")["statistic"].max().max())
    drawn = []
    for k, ax in enumerate(axes.flat):
        if k >= len(groups):
            ax.set_axis_off()
            continue
        part = df[df["group"].astype(str) == groups[k]].head(per_panel)
        drawn.append(part)
        _keyness_panel(ax, part, groups[k], vmax=vmax, big_labels=per_panel <= 12 and rows == 1)
    return drew(fig, (pd.concat(drawn) if drawn else df.iloc[0:0]).drop(columns="_significant"))


def _keyness_panel(ax, part: pd.DataFrame, group: str, *, vmax: float, big_labels: bool) -> None:
    """One group's panel: its terms' keyness as bars (light where not significant), the frequency after
    each bar; vmax: the largest statistic of all panels, so that the panels share a scale."""
    y = np.arange(len(part))
    # one neutral colour (the panel title says which province), light where not significant
    color = [BAR_NEUTRAL if sig else BAR_LIGHT for sig in part["_significant"]]
    ax.barh(y, part["statistic"].to_numpy(dtype=float), color=color, height=0.7)
    freq = part["freq_target"].tolist() if "freq_target" in part.columns else [None] * len(part)
    ax.set_yticks(y, labels=[f"{t}" for t in part["term"].astype(str)])
    for yi, (s, f) in enumerate(zip(part["statistic"].astype(float), freq)):
        if f is not None:
            ax.text(s + vmax * 0.02, yi, f"({int(f)})", va="center", ha="left", fontsize=SMALL_SIZE - 1,
                    color=MUTED)
    ax.invert_yaxis()
    ax.set_xlim(0, vmax * 1.25)
    ax.set_title(group, fontsize=SUBTITLE_SIZE + 2, color=INK, loc="left")
    ax.tick_params(axis="y", length=0, labelsize=LABEL_SIZE if big_labels else SMALL_SIZE)
    ax.tick_params(axis="x", labelsize=SMALL_SIZE)
    ax.spines["left"].set_visible(False)
    ax.xaxis.set_major_locator(MaxNLocator(3))
    if part.empty:
        ax.text(0.5, 0.5, "（无）", transform=ax.transAxes, ha="center", color=MUTED)


def significant(key: pd.DataFrame, alpha: float = ALPHA) -> pd.Series:
    """Which keyness rows are significant at alpha: p_value < alpha, or (no p_value column, alpha 0.05)
    |statistic| ≥ 3.84.

    >>> significant(pd.DataFrame({"statistic": [13.3, 0.93], "p_value": [0.0003, 0.33]})).tolist()
    [True, False]
    """
    if "p_value" in key.columns:
        return key["p_value"].astype(float) < alpha
    if alpha != ALPHA:
        raise ParameterError(f"significance at alpha={alpha} needs a p_value column")
    return key["statistic"].astype(float).abs() >= CRITICAL_0_05


def _terms_table(fig: Figure, df: pd.DataFrame, groups: Sequence[str], *, top_n: int, axes=None) -> pd.DataFrame:
    """One line per group: its name, then its top terms joined with 、 (as many as fit); in one or two
    columns of lines (or the given axes), alternate lines shaded. Returns the rows of df whose terms are shown."""
    if axes is None:
        n_cols = 1 if len(groups) <= 16 else 2
        col_width_pt = ((SLIDE[0] - 2 * MARGIN_IN) / n_cols - 0.25) * 72
        height_in = PLOT_HEIGHT_IN + 0.4
        axes = fig.subplots(1, n_cols, squeeze=False)[0]
    else:
        n_cols = len(axes)
        box = axes[0].get_position()
        width_in, height_in = fig.get_size_inches()
        col_width_pt, height_in = box.width * width_in * 72, box.height * height_in
    per_col = math.ceil(len(groups) / n_cols)
    size = min(LABEL_SIZE + 1, max(MIN_TEXT_SIZE, 0.5 * row_pitch_pt(per_col, height_in)))
    name_em = max(text_width(g) for g in groups) + 1.0
    terms_em = col_width_pt / size - name_em - 0.5
    shown = []
    for c, ax in enumerate(axes):
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(per_col - 0.5, -0.5)
        for r, g in enumerate(groups[c * per_col:(c + 1) * per_col]):
            part = df[df["group"].astype(str) == g].head(top_n)
            marked = [t if sig else f"{t}°" for t, sig in zip(part["term"].astype(str), part["_significant"])]
            words = fit_words(marked, terms_em) if len(part) else []
            shown.append(part.head(len(words)))
            if r % 2 == 0:
                ax.axhspan(r - 0.5, r + 0.5, color=EMPTY_CELL, zorder=0, linewidth=0)
            ax.text(0.01, r, g, fontsize=size, color=INK, va="center", ha="left")
            ax.text(name_em * size / col_width_pt, r, "、".join(words) if words else "（无）", fontsize=size,
                    color=INK if words else MUTED, va="center", ha="left")
    return pd.concat(shown) if shown else df.iloc[0:0]


_KIND_ORDER = {"quoted": 0, "title": 1, "ngram": 2}


def _phrase_label(phrase: str, kind: str) -> str:
    if kind == "quoted":
        return f"“{phrase}”"
    if kind == "title":
        return f"《{phrase}》"
    return str(phrase)


@styled
def slogan_timeline(
    shared: pd.DataFrame,
    *,
    top_n: int = DEFAULT_TOP_N,
    provinces: Sequence[str] | None = None,
    title: str = "标语口号的扩散",
    subtitle: str | None = None,
    max_marker_provinces: int = MAX_MARKER_PROVINCES,
    note: str | None = None,
    scope: str | None = None,
    ax=None,
) -> Figure:
    """Which shared phrases (slogans) appear where and when (``analysis.shared_phrases``: phrase,
    kind, province, year, doc_id, count, first_year, first_province, n_provinces): one row per phrase
    (the top_n most widely shared, earliest first), the earliest use ringed.

    Up to max_marker_provinces provinces, one marker per province and year, each province in its own
    colour and shape. With more (a national corpus), markers per province would pile up: each year
    gets one circle sized by how many provinces used the phrase that year, the first users are named
    and the right margin gives the total. :func:`drawn_data` gives what was drawn."""
    what = "slogan_timeline"
    require(shared, ["phrase", "province", "year"], what)
    if top_n < 1:
        raise ParameterError(f"{what}: top_n must be at least 1, not {top_n}")
    provs = ([str(p) for p in provinces] if provinces is not None
             else sorted(shared["province"].astype(str).unique()))
    counted = len(provs) > max_marker_provinces
    if counted:
        subtitle = subtitle or (f"多个省份共用最广的 {top_n} 个提法：圆越大，当年使用的省份越多；"
                                "黑框为最早使用，右侧为使用省份总数")
    else:
        subtitle = subtitle or "多个省份共用的提法：每个标记表示该省当年的文件中出现了这一提法，黑框大标记为最早使用"
    if shared.empty:
        return empty(title, subtitle, "没有多个省份共用的提法（至少需要两个省份的文件）", ax=ax, note=note, scope=scope)
    per, stats = _slogan_rows(shared, top_n)
    rows = stats["phrase"].tolist()
    per = per[per["phrase"].isin(rows)]
    years = sorted(per["year"].unique())
    row_of = {p: i for i, p in enumerate(rows)}
    first_year = dict(zip(stats["phrase"], stats["first_year"].astype(int)))

    fig, ax = canvas(ax, title, subtitle, note=note, scope=scope)
    for phrase, grp in per.groupby("phrase", sort=False):
        i = row_of[phrase]
        ax.plot([grp["year"].min(), grp["year"].max()], [i, i], color=GRID, linewidth=2, zorder=1)
    if counted:
        drawn = _slogan_counts(ax, per, stats, row_of, n_all=len(provs))
    else:
        drawn = _slogan_markers(fig, ax, per, stats, row_of, provs, years, first_year)
    labels = [_phrase_label(p, k) for p, k in zip(stats["phrase"], stats["kind"])]
    ax.set_yticks(range(len(rows)), labels=[wrap(t, 16) for t in labels])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    pad = 0.6 if len(years) > 1 else 0.8
    ax.set_xlim(min(years) - pad, max(years) + pad)
    ax.set_xticks(years, labels=[str(y) for y in years])
    ax.grid(axis="x")
    ax.tick_params(axis="y", length=0, labelsize=LABEL_SIZE if len(rows) <= 15 else SMALL_SIZE)
    ax.tick_params(axis="x", labelsize=LABEL_SIZE if len(years) <= 12 else SMALL_SIZE)
    ax.spines["left"].set_visible(False)
    return drew(fig, drawn, ax)


def _slogan_rows(shared: pd.DataFrame, top_n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(uses per phrase, province and year; the top_n phrases' first year, reach, total and kind, earliest
    first): the most widely shared phrases, quoted slogans and titles before plain n-grams at equal reach."""
    df = shared.copy()
    df["year"] = df["year"].astype(int)
    df["province"] = df["province"].astype(str)
    if "count" not in df.columns:
        df["count"] = 1
    per = df.groupby(["phrase", "province", "year"], as_index=False, sort=True)["count"].sum()
    stats = per.groupby("phrase").agg(first_year=("year", "min"), n_provinces=("province", "nunique"),
                                      total=("count", "sum")).reset_index()
    if "kind" in df.columns:
        stats = stats.merge(df.groupby("phrase", as_index=False)["kind"].first(), on="phrase")
    else:
        stats["kind"] = "ngram"
    # the most widely shared phrases; quoted slogans and titles before plain n-grams at equal reach
    stats["_kind"] = stats["kind"].map(_KIND_ORDER).fillna(len(_KIND_ORDER))
    stats = stats.sort_values(["n_provinces", "_kind", "total", "first_year", "phrase"],
                              ascending=[False, True, False, True, True], kind="mergesort").head(top_n)
    stats = stats.sort_values(["first_year", "n_provinces", "phrase"], ascending=[True, False, True],
                              kind="mergesort").reset_index(drop=True)
    return per, stats


def _slogan_markers(fig, ax, per, stats, row_of, provs, years, first_year) -> pd.DataFrame:
    """One marker per province and year, side by side within the year; legend of provinces."""
    look = province_colors(provs)
    # markers of different provinces in the same year sit side by side, a fixed distance apart
    # (narrower when many years leave less room per year)
    span = (max(years) - min(years)) + 1.2
    step_pt = min(17.0, 0.8 * 8.5 * 72 / span / max(len(provs), 1))
    offsets = {p: (i - (len(provs) - 1) / 2) * step_pt for i, p in enumerate(provs)}
    for prov in provs:
        part = per[per["province"] == prov]
        color, marker = look[prov]
        shift = ax.transData + ScaledTranslation(offsets[prov] / 72, 0, fig.dpi_scale_trans)
        # earliest use: every province that used the phrase in its first year (ties are all "first"),
        # drawn larger with a dark outline; later uses smaller with a white outline
        is_first = (part["year"] == part["phrase"].map(first_year)).to_numpy()
        for mask, size, edge, lw in ((~is_first, 90, "white", 0.8), (is_first, 200, INK, 2.0)):
            sub = part[mask]
            if len(sub):
                ax.scatter(sub["year"], sub["phrase"].map(row_of), s=size, color=color, marker=marker,
                           zorder=3, edgecolors=edge, linewidths=lw, transform=shift, gid=f"first={bool(lw > 1)}")
    handles = [Line2D([], [], linestyle="none", marker=look[p][1], color=look[p][0], markersize=11, label=p)
               for p in provs]
    handles.append(Line2D([], [], linestyle="none", marker="o", markerfacecolor="#c8ced6", markeredgecolor=INK,
                          markersize=14, markeredgewidth=2.0, label="最早使用（黑框）"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
              labelspacing=1.0)
    drawn = per[per["province"].isin(provs)].merge(stats[["phrase", "kind", "first_year", "n_provinces"]], on="phrase")
    return drawn.sort_values(["phrase", "year", "province"], key=lambda c: c.map(row_of) if c.name == "phrase" else c,
                             kind="mergesort")


def _slogan_counts(ax, per, stats, row_of, *, n_all: int) -> pd.DataFrame:
    """One circle per phrase and year, its area proportional to the provinces using the phrase that
    year; the first year ringed and its provinces named; the total of provinces on the right."""
    by_year = (per.groupby(["phrase", "year"], sort=True)["province"]
               .agg(n_provinces_year="nunique", provinces=lambda s: "、".join(sorted(set(s)))).reset_index())
    by_year = by_year.merge(stats[["phrase", "kind", "first_year", "n_provinces"]], on="phrase")
    by_year["is_first"] = by_year["year"] == by_year["first_year"]
    by_year["_row"] = by_year["phrase"].map(row_of)
    by_year = by_year.sort_values(["_row", "year"], kind="mergesort")
    area = 25 + 475 * by_year["n_provinces_year"].to_numpy(dtype=float) / max(n_all, 1)  # points²
    for first, edge, lw, color in ((False, "white", 0.8, "#8da9c4"), (True, INK, 2.0, BAR_NEUTRAL)):
        mask = (by_year["is_first"] == first).to_numpy()
        if mask.any():
            ax.scatter(by_year.loc[mask, "year"], by_year.loc[mask, "_row"], s=area[mask], color=color, zorder=3,
                       edgecolors=edge, linewidths=lw, gid=f"first={first}")
    side = ax.get_yaxis_transform()  # x in axes fraction, y in data
    firsts = by_year[by_year["is_first"]].set_index("phrase")["provinces"]
    for phrase, i in row_of.items():
        n = int(stats.loc[stats["phrase"] == phrase, "n_provinces"].iloc[0])
        names = str(firsts.get(phrase, "")).split("、")
        who = "、".join(names) if len(names) <= 2 else f"{names[0]}等{len(names)}省"
        ax.text(1.01, i, f"共 {n} 省 · 最早：{who}", transform=side, va="center", ha="left", fontsize=SMALL_SIZE,
                color=INK)
    keys = sorted({1, max(n_all // 2, 1), n_all})
    handles = [Line2D([], [], linestyle="none", marker="o", color="#8da9c4", markeredgecolor="white",
                      markersize=math.sqrt(25 + 475 * k / max(n_all, 1)), label=f"{k} 省") for k in keys]
    handles.append(Line2D([], [], linestyle="none", marker="o", color=BAR_NEUTRAL, markeredgecolor=INK,
                          markeredgewidth=2.0, markersize=12, label="最早使用（黑框）"))
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.01), ncol=len(handles), borderaxespad=0.2,
              columnspacing=1.5, fontsize=SMALL_SIZE, title="当年使用的省份：", title_fontsize=SMALL_SIZE,
              alignment="left")
    return by_year.drop(columns="_row")

