"""Report rendering: both templates executed with papermill on the seeds, code-free HTML with its
provenance, escaping of document text, parameter validation before any work, failures kept aside.

Each notebook execution costs several seconds, so renders are shared per module."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from compare import analysis
from compare.cli import build_parser, main
from compare.core.errors import ParameterError, ReportError
from compare.core.hashing import sha256_file
from compare.pipeline import cache, params, report
from compare.pipeline import sections as reportsections
from compare.presentation import display as show
from conftest import keyness_frame
from compare.presentation import fontembed

ROOT = Path(__file__).resolve().parents[1]
SEED_PROVINCES = ("河南", "湖北", "黑龙江")

HOSTILE_PLAN = """湖南省科协2023年工作要点

一、加强科学普及
1. 办好全国科普日活动。组织开展科普讲解大赛<script>alert(1)</script>，全年举办科普活动不少于200场。（责任部门：科普部）
2. 建设现代科技馆体系，推进<b>流动科技馆</b>进基层 & 科普大篷车巡展。（责任部门：科技馆）
二、服务科技工作者
3. 深入实施科创中国行动，举荐院士候选人。（责任部门：组织人事部）
"""


def _visible(html_text: str) -> str:
    """The page's text as a reader sees it (no tags, no embedded images, entities decoded)."""
    import html

    body = html_text[html_text.index("<body") :]
    body = re.sub(r'src="data:[^"]+"', "", body)
    body = re.sub(r"<style.*?</style>", " ", body, flags=re.DOTALL)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


@pytest.fixture(scope="module")
def rendered(instrumented_dir, tmp_path_factory) -> dict[str, Path]:
    """The province report for 河南 (asked for as 河南省) and the cross-province report, via the CLI,
    on the seeds with themes and policy instruments (as a build writes them)."""
    out = tmp_path_factory.mktemp("reports")
    assert main(["report", "--province", "河南省", "--processed", str(instrumented_dir), "--out", str(out)]) == 0
    assert main(["report", "--cross", "--processed", str(instrumented_dir), "--out", str(out)]) == 0
    return {"province": out / "province_henan.html", "cross": out / "cross_province.html", "out": out}


@pytest.fixture(scope="module")
def seed_corpus(themed_dir):
    """The themed seeds as a corpus (read only)."""
    return analysis.Corpus.load(themed_dir)


@pytest.mark.slow
def test_province_report_on_seeds(rendered, themed_dir):
    text = rendered["province"].read_text(encoding="utf-8")
    seen = _visible(text)
    # every section, in order
    sections = ["一、覆盖的文件", "二、主题结构及其变化", "三、特色词", "四、量化目标", "五、责任部门 × 主题",
                "六、延续 / 新增 / 不再提及", "七、量化目标的延续", "八、承诺强度", "九、政策工具", "十、各主题条目"]
    positions = [seen.find(s) for s in sections]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), positions
    assert "河南省科协工作要点分析" in seen
    corpus = analysis.Corpus.load(themed_dir)
    henan = corpus.documents[corpus.documents["province"] == "河南"]
    for f in henan["source_file"]:
        assert f in seen
    assert "hubei_2019_work-plan.txt" not in seen  # another province's plan is not "covered"
    # like with like: the years of its most common type are compared; 2022 (学会学术 only) is missing, not replaced
    assert "本报告只比较工作要点（省级）（未指定文件类型，取该省年份最多的类型）：2019、2024 年" in seen
    assert "没有工作要点的：2022 年（只有学会学术工作要点），在表中留空，不以其他类型代替" in seen
    assert re.search(r"各年主题占比.*?2019 [\d.]+% .*? 2022 2024 [\d.]+%", seen), "2022 is an empty row"
    # the numbers shown are the analysis' numbers: the 2019 theme shares, as percentages
    ch = analysis.theme_changes(corpus, "河南")
    for v in ch.loc[ch["year"] == 2019, "share_items"]:
        assert f"{v * 100:.1f}%" in seen
    # every 河南 item's text is shown under its theme
    items = corpus.items_themed
    some = items[items["province"] == "河南"].iloc[0]
    assert some["text"][:30] in seen
    # charts are embedded images (change over time, distinctive terms, targets, departments, continuity,
    # target series, strength)
    figures = re.findall(r'<img alt="([^"]*)" class="kx-figure" src="data:image/png;base64,', text)
    assert len(figures) >= 7 and "河南工作要点的特色词" in figures, figures
    # its latest two 工作要点 linked item by item: the counts are analysis.tracking's
    like = params.comparable(corpus)
    track = reportsections.continuity(params.compared(corpus, params.select(corpus, province="河南")),
                                      params.select(corpus, province="河南"))
    assert track.years == (2019, 2024)
    assert track.caption in seen and "延续" in track.caption
    first = track.table.iloc[0]
    assert f"{first['heading_from']} {first['year_to']} {first['item_to']} {first['heading_to']}" in seen
    # the strength profile by theme, and the evidence behind each item's theme
    assert "各主题条目的承诺强度" in seen and "判断依据" in seen
    assert set(like.item_themes["theme"]) and "主题模型版本" in seen


@pytest.mark.slow
def test_report_has_no_code_and_no_prompts(rendered):
    for kind in ("province", "cross"):
        text = rendered[kind].read_text(encoding="utf-8")
        assert "params.select(" not in text and "from compare import" not in text
        assert not re.search(r'class="[^"]*(jp-InputPrompt|jp-OutputPrompt|jp-InputArea-editor)', text)
        body = text[text.index("<body") :]
        assert "In&nbsp;[" not in body and "Out[" not in body and "In [" not in body
        assert "cdnjs.cloudflare.com" not in text  # opens offline, no MathJax / require.js
        assert "Traceback" not in text


@pytest.mark.slow
def test_report_carries_parameters_and_data_version(rendered, themed_dir, instrumented_dir):
    seen = _visible(rendered["province"].read_text(encoding="utf-8"))
    assert "province = 河南；years = 全部；doc_type = 全部；level = 省级；themes = 全部；top_n = 15" in seen  # canonical
    assert "省份：河南；年份：2019、2022、2024" in seen and "文件类型：工作要点；级别：省级" in seen  # what "全部" resolved to
    # a province report's data version is its own rows (another province's plan does not change it),
    # and it names the saved reference its distinctive terms are measured against
    from compare.pipeline import inputs, reference

    assert f"河南在各数据表中的行 sha256 {inputs.province_digests(instrumented_dir)['河南']}" in seen
    assert reference.read_info(instrumented_dir)["fitted_at"] in seen and "特色词参照" in seen
    cross = _visible(rendered["cross"].read_text(encoding="utf-8"))
    # the cross report's data version is the digest the build keys it on: the rows it compares and its
    # coverage note (a plan outside its comparison does not change it), not whole tables' hashes
    from compare.pipeline import named

    digest = inputs.cross_digest(instrumented_dir, named._with_defaults("cross", {}))
    assert digest and f"所比较的工作要点（省级）在各数据表中的行及覆盖说明 sha256 {digest[:16]}" in cross
    assert sha256_file(themed_dir / "items.parquet")[:16] not in cross
    manifest = dict(
        reversed(line.split()) for line in (ROOT / "tests" / "fixtures" / "seeds" / "MANIFEST").read_text().splitlines() if line.strip()
    )
    assert manifest["henan_2024_key-work-and-work-plan.txt"][:16] in seen
    assert "kexie-compare 0.1.0" in seen and "生成时间" in seen
    version = show.theme_model_version(analysis.Corpus.load(themed_dir))
    assert version is None or f"主题模型版本 {version}" in seen


@pytest.mark.slow
def test_cross_report_on_seeds(rendered, themed_dir):
    text = rendered["cross"].read_text(encoding="utf-8")
    seen = _visible(text)
    sections = ["二、主题结构", "三、文本相似度", "四、各省特色词", "五、共同口号及其首次使用", "六、量化目标对照",
                "七、承诺强度", "八、政策工具"]
    positions = [seen.find(s) for s in sections]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), positions
    for p in SEED_PROVINCES:
        assert p in seen
    # one type and level: 黑龙江's 2019 plan is a 深化改革工作要点, shown as missing, not compared
    assert "doc_type = 工作要点；level = 省级" in seen and "本报告只比较工作要点（省级）" in seen
    assert "黑龙江 2019 年（只有深化改革工作要点）" in seen
    assert "河南 2022 河南 2024" in seen  # the theme table keeps 2022 as an empty row (the heatmap: 缺失)
    assert "heilongjiang_2019_deepening-reform-plan.txt" not in seen
    corpus = analysis.Corpus.load(themed_dir)
    # a slogan shared by all three seed provinces is listed with its first use
    shared = analysis.shared_phrases(corpus, min_provinces=2)  # of the 工作要点 (河南, 湖北)
    assert len(shared) and shared["phrase"].iloc[0] in seen
    # the top keyness term of each province is shown
    key = analysis.keyness(corpus, by="province", top_n=1)
    for term in key["term"]:
        assert term in seen
    assert len(re.findall(r'class="kx-figure" src="data:image/png;base64,', text)) >= 8
    assert "各省各主题的承诺强度" in text and "各省工作要点（省级）条目的承诺强度" in seen  # strength by theme and province


@pytest.mark.slow
def test_document_text_is_escaped(tmp_path):
    """A plan containing <script> shows it as text; it never reaches the page as markup."""
    from compare.ingest.run import ingest
    from compare.text.themes import run_themes

    raw = tmp_path / "raw"
    raw.mkdir()
    for f in (ROOT / "tests" / "fixtures" / "seeds").glob("*.txt"):
        shutil.copy(f, raw / f.name)
    (raw / "hunan_2023_work-plan.txt").write_text(HOSTILE_PLAN, encoding="utf-8")
    processed = tmp_path / "processed"
    assert not ingest(raw, processed).failures
    run_themes(processed)
    path = report.render_report(
        "province", parameters={"province": "湖南"}, processed_dir=processed, out_dir=tmp_path / "out"
    )
    assert path.name == "province_hunan.html"
    text = path.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script>alert" not in text
    assert "&lt;b&gt;流动科技馆&lt;/b&gt;" in text and "<b>流动科技馆" not in text
    assert "进基层 &amp; 科普大篷车" in text


@pytest.mark.slow
def test_failed_report_is_kept_aside_and_old_html_survives(rendered, themed_dir, tmp_path):
    out = tmp_path / "reports"
    out.mkdir()
    good = out / "province_henan.html"
    shutil.copy(rendered["province"], good)
    before = good.read_bytes()
    # a template whose cell after the validation fails
    nb = nbformat.read(report.template_path("province"), as_version=4)
    i = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(i + 2, nbformat.v4.new_code_cell("analysis.theme_changes(corpus, '没有这个省')"))
    broken = tmp_path / "province_report.ipynb"
    nbformat.write(nb, broken)
    with pytest.raises(ReportError) as err:
        report.render_report(
            "province", parameters={"province": "河南"}, processed_dir=themed_dir, out_dir=out, template=broken
        )
    msg = str(err.value)
    assert "province_report.ipynb" in msg and "ParameterError" in msg and "没有这个省" in msg
    kept = out / "_failed" / "province_henan.ipynb"
    assert kept.is_file() and str(kept) in msg
    executed = nbformat.read(kept, as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors and errors[0].ename == "ParameterError"
    assert good.read_bytes() == before  # the last good report is untouched
    assert sorted(p.name for p in out.iterdir()) == ["_failed", "province_henan.html"]  # no stray temp files


@pytest.mark.parametrize(
    "kind, parameters, expected",
    [
        ("province", {"province": "河南", "yeras": [2019]}, r"no parameter\(s\) \['yeras'\].*province, years"),
        ("province", {"province": "河南", "top_n": 0}, r"top_n must be a positive integer"),
        ("cross", {"doc_type": "年度计划"}, r"unknown document type '年度计划'"),
        ("cross", {"level": "乡级"}, r"level must be one of 全国、省级、市级、县级"),
    ],
)
def test_misspelt_parameters_are_refused_before_a_kernel_starts(themed_dir, tmp_path, monkeypatch, kind, parameters,
                                                                expected):
    """A name the template does not declare, or a value outside the vocabulary, needs no corpus: it is
    refused before the render starts its kernel (a typo costs the analyst no kernel start-up)."""
    from compare.pipeline import kernel

    started = []
    real_start = kernel.start_one
    monkeypatch.setattr(kernel, "start_one", lambda *a, **kw: started.append(a) or real_start(*a, **kw))
    out = tmp_path / "out"
    with pytest.raises(ParameterError, match=expected):
        report.render_report(kind, parameters=parameters, processed_dir=themed_dir, out_dir=out)
    assert not out.exists() and started == []  # nothing written, no kernel started


@pytest.mark.parametrize(
    "kind, parameters, expected",
    [
        ("province", {"province": "火星"}, r"火星.*known provinces: 河南、湖北、黑龙江"),
        ("province", {"province": "河南", "themes": ["航天"]}, r"航天.*known themes: 党建、学会、科普"),
        ("province", {"province": "河南", "years": [2030]}, r"河南 has no plan for 2030; its years: 2019、2022、2024"),
        ("province", {"province": "湖北", "years": [2024]}, r"湖北 has no plan for 2024; its years: 2019"),
        ("province", {"province": "河南", "yeras": [2019]}, r"no parameter\(s\) \['yeras'\].*province, years"),
        ("province", {"province": "河南", "top_n": 0}, r"top_n must be a positive integer"),
        ("cross", {"provinces": ["河南", "火星"]}, r"火星.*known provinces"),
        ("cross", {"year": 2030}, r"2030.*known years"),
        ("cross", {"doc_type": "年度计划"}, r"unknown document type '年度计划'"),
        ("cross", {"level": "乡级"}, r"level must be one of 全国、省级、市级、县级"),
    ],
)
def test_parameters_are_checked_against_the_corpus(seed_corpus, kind, parameters, expected):
    """The check a render makes before executing anything (resolve_parameters) names the known values;
    a render refusing them is test_parameters_are_validated_before_any_work."""
    with pytest.raises(ParameterError, match=expected):
        params.resolve_parameters(kind, parameters, seed_corpus, template=report.template_path(kind))


def test_parameters_are_validated_before_any_work(themed_dir, tmp_path, monkeypatch):
    """A value only the corpus can refuse (a year without a plan) is refused by the render before
    anything executes or is written; the kernel it started ahead is shut down (the province report's
    refusal: test_render_cost)."""
    from compare.pipeline import kernel

    started = []
    real_start = kernel.start_one

    def recording_start(*args, **kwargs):
        handle = real_start(*args, **kwargs)
        started.append(handle[1][0])
        return handle

    monkeypatch.setattr(kernel, "start_one", recording_start)
    out = tmp_path / "out"
    with pytest.raises(ParameterError, match=r"2030.*known years"):
        report.render_report("cross", parameters={"year": 2030}, processed_dir=themed_dir, out_dir=out)
    assert not out.exists()  # nothing executed, nothing written
    assert len(started) == 1 and not started[0].has_kernel


def test_cli_report_error_is_one_readable_line(themed_dir, tmp_path, capsys):
    rc = main(["report", "--province", "火星", "--processed", str(themed_dir), "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1 and len(err) == 1 and "河南、湖北、黑龙江" in err[0]


def test_missing_kernel_tells_how_to_fix(themed_dir, tmp_path):
    with pytest.raises(ReportError, match=r"no-such-kernel-x.*make install"):
        report.render_report(
            "cross", parameters={}, processed_dir=themed_dir, out_dir=tmp_path, kernel_name="no-such-kernel-x"
        )


def test_reports_run_this_interpreter_without_a_registered_kernel(tmp_path, monkeypatch):
    """The runtime kernelspec (reports render with the interpreter that runs them): written into the project cache, running sys.executable;
    rewritten only when it changes; one per interpreter; the name `kexie-compare` means it too."""
    import sys

    from jupyter_client.kernelspec import KernelSpecManager

    from compare.pipeline import kernel

    monkeypatch.setenv("KEXIE_COMPARE_ROOT", str(tmp_path))
    name, kernels = kernel.runtime_kernel()
    assert kernels == tmp_path / ".cache" / "jupyter" / "kernels"
    path = kernels / name / "kernel.json"
    assert json.loads(path.read_text(encoding="utf-8"))["argv"] == [
        sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    before = path.stat().st_mtime_ns
    assert kernel.runtime_kernel() == (name, kernels) and path.stat().st_mtime_ns == before
    other, _ = kernel.runtime_kernel("/opt/conda/envs/analyst/bin/python")
    assert other != name  # environments sharing a project keep their own spec
    assert kernel.resolve_kernel(None) == kernel.resolve_kernel("kexie-compare") == (name, [str(kernels)])
    spec = KernelSpecManager(kernel_dirs=[str(kernels)]).get_kernel_spec(name)
    assert spec.argv[0] == sys.executable and spec.language == "python"
    with pytest.raises(ReportError, match=r"'no-such-kernel-x' is not installed"):
        kernel.resolve_kernel("no-such-kernel-x")


def test_report_names():
    assert report.report_name("province", {"province": "黑龙江"}) == "province_heilongjiang"
    assert report.report_name("province", {"province": "豫"}) == "province_henan"
    assert report.report_name("cross", {}) == "cross_province"
    with pytest.raises(ParameterError):
        report.report_name("bogus", {})


def test_select_fills_defaults_and_canonicalises(themed_dir):
    corpus = analysis.Corpus.load(themed_dir)
    sel = params.select(corpus, province="鄂")
    assert sel.province == "湖北" and sel.years == (2019,) and sel.themes == tuple(corpus.themes)
    sel = params.select(corpus, provinces=["黑龙江省", "河南"], year=2019, themes=["智库", "党建"])
    assert sel.provinces == ("黑龙江", "河南") and sel.years == (2019,)
    assert sel.themes == ("党建", "智库")  # dictionary order


def test_display_helpers_escape():
    df = pd.DataFrame({"<i>col</i>": ["<script>x()</script>"], "share": [0.1234], "departments": [["办公室", "<b>"]]})
    html_text = show.table(df, percent=["share"], caption="<u>c</u>").html
    assert "<script>" not in html_text and "&lt;script&gt;x()&lt;/script&gt;" in html_text
    assert "&lt;i&gt;col&lt;/i&gt;" in html_text and "&lt;u&gt;c&lt;/u&gt;" in html_text
    assert "12.3%" in html_text and "办公室、&lt;b&gt;" in html_text
    assert show.heading("<x>", 3).html == "<h3>&lt;x&gt;</h3>"
    assert "&lt;y&gt;" in show.note("<y>").html
    many = show.table(pd.DataFrame({"a": range(10)}), max_rows=3).html
    assert "仅显示前 3 行，共 10 行" in many


def test_generation_time_honours_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert show.generated_at() == "2023-11-14 22:13 UTC"


@pytest.mark.slow
def test_exploratory_notebook_runs_in_the_lab_kernel(themed_dir, tmp_path):
    """The notebook analysts open with `make lab`, executed in the kernel `make install` registers for
    JupyterLab; its keyword search honours the province / year / theme filters."""
    import papermill

    from compare.pipeline.kernel import DEFAULT_KERNEL, installed_kernel

    if installed_kernel(DEFAULT_KERNEL) is None:
        pytest.skip(f"the JupyterLab kernel {DEFAULT_KERNEL!r} is not installed here (`make install` registers it)")
    nb = papermill.execute_notebook(
        str(ROOT / "notebooks" / "exploratory" / "01-explore.ipynb"),
        str(tmp_path / "explore.ipynb"),
        parameters={"processed_dir": str(themed_dir), "keyword": "科协", "province": "河南", "theme": "科普"},
        kernel_name=DEFAULT_KERNEL,
        execution_timeout=300,
        progress_bar=False,
        resources={"metadata": {"path": str(ROOT)}},
    )
    assert nb.metadata["kernelspec"]["name"] == DEFAULT_KERNEL
    cells = [c for c in nb.cells if c.cell_type == "code"]
    outputs = [o for c in cells for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    kwic = next(c for c in cells if c.source.startswith("analysis.kwic"))
    shown = "".join(o.get("data", {}).get("text/html", "") for o in kwic.outputs)
    corpus = analysis.Corpus.load(themed_dir)
    hits = analysis.kwic(corpus, "科协", provinces="河南", themes="科普")
    assert len(hits) and set(hits["province"]) == {"河南"}
    assert "河南" in shown and "湖北" not in shown and "黑龙江" not in shown  # only the filtered items


# --------------------------------------------------------------------------------------------------
# the embedded CJK font subset
# --------------------------------------------------------------------------------------------------

FONT_FACE = re.compile(
    r'@font-face\s*\{[^}]*font-family:\s*"(?P<family>[^"]+)";[^}]*src:\s*url\(data:font/woff;base64,(?P<data>[A-Za-z0-9+/=]+)\)'
)


def _embedded_font(html_text: str):
    """The fontTools font of the page's (single) embedded @font-face, and its CSS family name."""
    import base64
    import io

    from fontTools.ttLib import TTFont

    head = html_text[: html_text.index("</head>")]
    faces = FONT_FACE.findall(head)
    assert len(faces) == 1, [f for f, _ in faces]
    family, data = faces[0]
    return TTFont(io.BytesIO(base64.b64decode(data))), family


@pytest.fixture(scope="module")
def packaged_font():
    """The OFL font shipped with the pip dependency (its Simplified-Chinese face), whatever the machine has."""
    from compare.presentation.fonts import find_cjk_font

    return find_cjk_font(system=False)


@pytest.mark.slow
def test_reports_embed_a_font_covering_every_character_on_the_page(rendered):
    from fontTools.ttLib import TTFont

    from compare.presentation.fonts import cjk_font_info

    source = TTFont(cjk_font_info().path, lazy=True, fontNumber=cjk_font_info().face_index)
    source_names = {(n.nameID, n.toUnicode()) for n in source["name"].names if n.platformID == 3 and n.langID == 0x409}
    for kind in ("province", "cross"):
        text = rendered[kind].read_text(encoding="utf-8")
        font, family = _embedded_font(text)
        assert font.flavor == "woff"
        cmap = font.getBestCmap()
        seen = set(_visible(text)) | set("".join(re.findall(r'alt="([^"]*)"', text)))
        cjk = {c for c in seen if ord(c) > 0x7F and not c.isspace()}
        assert len(cjk) > 200, len(cjk)  # real Chinese pages
        assert not sorted(c for c in cjk if ord(c) not in cmap)
        assert all(ord(c) in cmap for c in "0123456789%，。、（）")  # the base set, even if unused
        # a subset, not the 65k-glyph font: about one glyph per character
        assert font["maxp"].numGlyphs <= len(cmap) + 1 < source["maxp"].numGlyphs // 20
        # the font's own copyright and licence records travel with it (OFL)
        names = {(n.nameID, n.toUnicode()) for n in font["name"].names if n.platformID == 3}
        for name_id in (0, 1, 13, 14):
            kept = {v for i, v in source_names if i == name_id}
            assert kept and kept <= {v for i, v in names if i == name_id}, name_id
        # the embedded family is the last named font of the stack every text uses, after the system CJK fonts
        stack = re.search(r"--kx-cjk-fonts:([^;]+);", text).group(1)
        fonts = [f.strip().strip('"') for f in stack.split(",")]
        assert fonts[-1] == family == fontembed.EMBEDDED_FONT_FAMILY
        assert fonts.index("Noto Sans CJK SC") < fonts.index("Microsoft YaHei") < len(fonts) - 1
        for var in ("--jp-ui-font-family", "--jp-content-font-family", "--jp-code-font-family"):
            assert re.search(rf"{var}:[^;]*var\(--kx-cjk-fonts\)", text), var
        assert fontembed.FONT_FACE_MARKER not in text


def test_font_subset_is_deterministic_cached_and_mainland_shaped(packaged_font, tmp_path, monkeypatch, caplog):
    import io

    from fontTools.pens.boundsPen import BoundsPen
    from fontTools.ttLib import TTFont

    monkeypatch.setenv("KEXIE_COMPARE_ROOT", str(tmp_path))  # cache_dir() -> tmp_path/.cache
    chars = "河南省科协，。、：“科普”😀"
    with caplog.at_level("WARNING", logger="compare.presentation.fontembed"):
        first = fontembed.subset_cjk_font(chars, font=packaged_font, cache=False)
    assert "U+1F600" in caplog.text  # a character the font lacks is named, not silently dropped
    assert fontembed.subset_cjk_font(chars, font=packaged_font, cache=False) == first  # no timestamps inside
    assert fontembed.subset_cjk_font(chars[::-1], font=packaged_font, cache=True) == first  # order does not matter
    cached = list((tmp_path / ".cache" / fontembed.SUBSET_CACHE_DIR).glob("*.woff"))
    assert len(cached) == 1 and cached[0].read_bytes() == first
    cached[0].write_bytes(b"wOFF from the cache")  # a cache hit is served from disk, not recomputed
    assert fontembed.subset_cjk_font(chars, font=packaged_font) == b"wOFF from the cache"
    cached[0].write_bytes(b"garbage")  # a damaged entry is recomputed and replaced
    assert fontembed.subset_cjk_font(chars, font=packaged_font) == first and cached[0].read_bytes() == first

    sub = TTFont(io.BytesIO(first))
    source = TTFont(packaged_font.path, lazy=True, fontNumber=packaged_font.face_index)
    assert sub["head"].modified == source["head"].modified
    cmap = sub.getBestCmap()
    assert {ord(c) for c in "河南省科协：“”"} <= set(cmap) and ord("😀") not in cmap

    def ink(font, ch):
        glyphs = font.getGlyphSet()
        pen = BoundsPen(glyphs)
        glyphs[font.getBestCmap()[ord(ch)]].draw(pen)
        return pen.bounds

    # the subset carries the mainland (ZHS) forms of ，。、, sitting in the lower left of the em square,
    # even when cut from a face that centres them (the collection's Traditional-Chinese face): the
    # font's `locl` forms for ZHS are baked into the subset's character map
    import dataclasses

    from fontTools.ttLib import TTCollection

    with TTCollection(packaged_font.path, lazy=True) as collection:
        tc_face = next((i for i, f in enumerate(collection.fonts) if f["name"].getDebugName(1).endswith(" TC")), None)
    if tc_face is None:
        pytest.skip("the packaged font has no Traditional-Chinese face to cut from")
    tc = dataclasses.replace(packaged_font, face_index=tc_face, family="Noto Sans CJK TC")
    tc_source = TTFont(tc.path, lazy=True, fontNumber=tc_face)
    tc_sub = TTFont(io.BytesIO(fontembed.subset_cjk_font(chars, font=tc, cache=False)))
    for ch in "，。、":
        x_min, _, _, _ = ink(tc_source, ch)
        assert x_min > 250, (ch, ink(tc_source, ch))  # centred in the TC face
        for font in (sub, tc_sub):
            _, _, x_max, y_max = ink(font, ch)
            assert x_max < 400 and y_max < 300, (ch, ink(font, ch))


def test_font_subset_cache_keeps_the_most_recent(packaged_font, tmp_path, monkeypatch):
    import os

    monkeypatch.setenv("KEXIE_COMPARE_ROOT", str(tmp_path))
    monkeypatch.setattr(fontembed, "SUBSET_CACHE_KEEP", 2)
    folder = tmp_path / ".cache" / fontembed.SUBSET_CACHE_DIR
    folder.mkdir(parents=True)
    for i, name in enumerate(["old.woff", "older.woff", "oldest.woff"]):
        (folder / name).write_bytes(b"wOFF")
        os.utime(folder / name, ns=(10**18 - i * 10**12,) * 2)
    fontembed.subset_cjk_font("科协", font=packaged_font)
    left = {p.name for p in folder.glob("*.woff")}
    assert len(left) == 2 and "old.woff" in left and not {"older.woff", "oldest.woff"} & left


def test_page_text_is_what_a_reader_sees():
    page = (
        '<html><head><title>河南报告</title><style>body { font-family: "某字体"; }</style></head><body>'
        '<h1>科协 &amp; 学会</h1><script>var x = "脚本";</script>'
        '<img alt="特色词图" src="data:image/png;base64,QUJD"><p title="提示">正文&#x4E2D;</p></body></html>'
    )
    text = fontembed.page_text(page)
    for shown in ("河南报告", "科协 & 学会", "特色词图", "提示", "正文中"):
        assert shown in text
    for hidden in ("某字体", "脚本", "QUJD", "font-family", "&amp;"):
        assert hidden not in text


def test_embedding_needs_the_templates_marker():
    with pytest.raises(ReportError, match=r"kx-embedded-cjk-font-face.*report\.html\.j2"):
        fontembed.embed_cjk_font("<html><head><style>p {}</style></head><body>科协</body></html>")


def test_a_reserved_font_name_is_not_carried_by_the_subset(packaged_font):
    """OFL: a subset is a Modified Version, which may not use a Reserved Font Name (Source Han Sans reserves
    'Source'); the packaged Noto Sans CJK reserves none and keeps its name."""
    import io

    from fontTools.ttLib import TTFont

    sub = TTFont(io.BytesIO(fontembed.subset_cjk_font("科协", font=packaged_font, cache=False)))
    assert fontembed.reserved_font_names(sub) == [] and not fontembed.rename_reserved(sub)
    assert sub["name"].getDebugName(1).startswith("Noto Sans CJK")

    name = sub["name"]
    name.setName("Copyright 2014-2021 Adobe (http://www.adobe.com/), with Reserved Font Name 'Noto'.", 0, 3, 1, 0x409)
    notices = {i: name.getDebugName(i) for i in (0, 7, 13, 14)}
    assert fontembed.reserved_font_names(sub) == ["Noto"]
    assert fontembed.rename_reserved(sub)
    for record in name.names:
        if record.nameID in (1, 3, 4, 6, 16, 18, 20, 21, 25):  # the records naming the font
            assert "noto" not in record.toUnicode().lower(), (record.nameID, record.toUnicode())
    assert {i: name.getDebugName(i) for i in (0, 7, 13, 14)} == notices  # copyright, trademark, licence stay
    assert name.getDebugName(1) == fontembed.RENAMED_FAMILY
    cff = sub["CFF "].cff
    top = cff.topDictIndex[0]
    names = [*cff.fontNames, top.FullName, top.FamilyName, *(fd.FontName for fd in top.FDArray)]
    assert not [n for n in names if "noto" in n.lower()], names
    buf = io.BytesIO()
    sub.save(buf)  # still a valid font
    assert TTFont(io.BytesIO(buf.getvalue()))["name"].getDebugName(6) == "KXEmbeddedCJK-Regular"


# --------------------------------------------------------------------------------------------------
# shared comparisons and national-scale tables
# --------------------------------------------------------------------------------------------------


def test_comparison_cache_returns_the_same_frame_and_never_a_stale_one(themed_dir, tmp_path):
    from compare.core import io as tables

    processed = tmp_path / "processed"
    shutil.copytree(themed_dir, processed)
    corpus = analysis.Corpus.load(processed)
    store = cache.ComparisonCache(processed, directory=tmp_path / "cache")
    first = store(analysis.keyness, corpus, by="province", top_n=None)
    again = store(analysis.keyness, corpus, by="province", top_n=None)
    assert (store.misses, store.hits) == (1, 1)
    pd.testing.assert_frame_equal(again, first)
    pd.testing.assert_frame_equal(first, analysis.keyness(corpus, by="province", top_n=None))
    # stored as Parquet plus a JSON description of the call: nothing is ever unpickled
    stored = sorted(p.suffix for p in (tmp_path / "cache").iterdir())
    assert stored == [".json", ".parquet"]
    meta = json.loads(next((tmp_path / "cache").glob("*.json")).read_text(encoding="utf-8"))
    assert meta["function"].endswith("keyness") and meta["rows"] == len(first)
    # other arguments, another selection of documents: other results
    store(analysis.keyness, corpus, by="province", top_n=3)
    store(analysis.keyness, corpus.select(provinces=["河南", "湖北"]), by="province", top_n=None)
    assert (store.misses, store.hits) == (3, 1)
    # the same documents selected another way share the result
    store(analysis.keyness, cache.against_others(corpus, corpus.select(provinces=["河南"])), by="province", top_n=None)
    assert store.hits == 2
    # changed rows: a new key, even for a fresh cache object on the same directory
    targets = tables.read_table("targets", processed)
    tables.write_table(targets.iloc[1:], "targets", processed)
    changed = analysis.Corpus.load(processed)
    fresh = cache.ComparisonCache(processed, directory=tmp_path / "cache")
    fresh(analysis.keyness, changed, by="province", top_n=None)
    assert (fresh.misses, fresh.hits) == (1, 0)
    # ... and so are changed rows of any other frame of the corpus (a theme, a document's title)
    themes = changed.item_themes.copy()
    themes.loc[0, "theme"] = next(t for t in changed.themes if t != themes.loc[0, "theme"])
    retitled = changed.documents.copy()
    retitled.loc[0, "title"] += "（修订）"
    for other in (analysis.Corpus.from_frames(items=changed.items, documents=changed.documents, targets=changed.targets,
                                              item_themes=themes, clusters=changed.clusters),
                  analysis.Corpus.from_frames(items=changed.items, documents=retitled, targets=changed.targets,
                                              item_themes=changed.item_themes, clusters=changed.clusters)):
        assert fresh.lookup(analysis.keyness, other, by="province", top_n=None) is None
    # rows outside the selection changed: the selection's result is still the one cached
    henan = changed.select(provinces=["河南"])
    fresh(analysis.keyness, henan, by="province", top_n=None)
    others = tables.read_table("items", processed)
    others.loc[others["province"] != "河南", "text"] += "。"
    tables.write_table(others, "items", processed)
    later = analysis.Corpus.load(processed)
    assert fresh.lookup(analysis.keyness, later.select(provinces=["河南"]), by="province", top_n=None) is not None
    assert fresh.lookup(analysis.keyness, later, by="province", top_n=None) is None
    # a damaged entry is recomputed, not trusted
    for p in (tmp_path / "cache").glob("*.parquet"):
        p.write_bytes(b"PAR1 not really")
    fresh = cache.ComparisonCache(processed, directory=tmp_path / "cache")
    pd.testing.assert_frame_equal(fresh(analysis.keyness, corpus, by="province", top_n=None), first)
    assert fresh.misses == 1


def test_comparison_cache_keeps_the_most_recently_used(themed_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "COMPARISONS_CACHE_KEEP", 2)
    corpus = analysis.Corpus.load(themed_dir)
    store = cache.ComparisonCache(themed_dir, directory=tmp_path / "cache")
    for n in (1, 2, 3):
        store(analysis.keyness, corpus, by="province", top_n=n)
    assert len(list((tmp_path / "cache").glob("*.parquet"))) == 2
    assert len(list((tmp_path / "cache").glob("*.json"))) == 2  # descriptions go with their results
    assert store.lookup(analysis.keyness, corpus, by="province", top_n=1) is None  # the oldest went


def test_one_keyness_serves_every_top_n_and_every_province(themed_dir):
    corpus = analysis.Corpus.load(themed_dir)
    every = analysis.keyness(corpus, by="province", top_n=None)
    for n in (1, 5, 15):
        pd.testing.assert_frame_equal(cache.top_terms(every, n), analysis.keyness(corpus, by="province", top_n=n))
    # a province's terms against the other provinces' plans of the same type: analysis.keyness' own rows
    like = params.comparable(corpus)
    sub = like.select(provinces=["河南"], years=[2019, 2024])
    before = analysis.keyness(cache.against_others(like, sub), by="province", top_n=7)
    expected = before[before["group"] == "河南"].reset_index(drop=True)
    pd.testing.assert_frame_equal(cache.province_keyness(like, sub, top_n=7), expected)


def test_province_keyness_reads_the_builds_result_or_computes_its_own(themed_dir, tmp_path):
    corpus = analysis.Corpus.load(themed_dir)
    like = params.comparable(corpus)
    sub = like.select(provinces=["湖北"])
    expected = analysis.keyness(like, by="province", top_n=5)
    expected = expected[expected["group"] == "湖北"].reset_index(drop=True)
    cold = cache.ComparisonCache(themed_dir, directory=tmp_path / "cold")
    pd.testing.assert_frame_equal(cache.province_keyness(like, sub, top_n=5, compute=cold), expected)
    assert cold.misses == 1 and cold.lookup(analysis.keyness, like, by="province", top_n=None) is None  # own rows only
    warm = cache.ComparisonCache(themed_dir, directory=tmp_path / "warm")
    cache.shared_keyness(corpus, warm)  # as a build prepares it, once for every province report
    pd.testing.assert_frame_equal(cache.province_keyness(like, sub, top_n=5, compute=warm), expected)
    assert (warm.hits, warm.misses) == (1, 1)


def test_select_compares_one_type_and_level(themed_dir):
    corpus = analysis.Corpus.load(themed_dir)
    henan = params.select(corpus, province="豫")
    assert (henan.doc_type, henan.level, henan.years) == ("工作要点", "省级", (2019, 2022, 2024))
    assert henan.scope == "工作要点（省级）"
    compared = params.compared(corpus, henan)
    assert sorted(compared.documents["year"]) == [2019, 2024]  # 2022 has no 工作要点: missing, not replaced
    assert "重点工作" not in set(compared.documents["doc_type"])  # 2024's key items are not counted twice
    heilongjiang = params.select(corpus, province="黑龙江")
    assert heilongjiang.doc_type == "深化改革工作要点"  # its only (most common) type
    cross = params.select(corpus, provinces=["河南", "黑龙江"], year=2019)
    assert cross.doc_type == "工作要点"
    assert set(params.compared(corpus, cross).documents["province"]) == {"河南"}
    note = show.coverage(corpus.select(provinces=["河南", "黑龙江"], years=[2019]), params.compared(corpus, cross),
                         cross).html
    assert "黑龙江 2019 年（只有深化改革工作要点）" in note and "不以其他类型代替" in note
    with pytest.raises(ParameterError, match=r"湖北 has no 深化改革工作要点 \(省级\).*its types: 工作要点"):
        params.select(corpus, province="湖北", doc_type="深化改革工作要点")
    with pytest.raises(ParameterError, match="unknown document type"):
        params.select(corpus, province="湖北", doc_type="年度计划")
    with pytest.raises(ParameterError, match="level must be one of"):
        params.select(corpus, province="湖北", level="乡级")


def test_cli_and_templates_take_doc_type_and_level():
    args = build_parser().parse_args(["report", "--cross", "--doc-type", "深化改革工作要点", "--level", "省级"])
    assert (args.doc_type, args.level) == ("深化改革工作要点", "省级")
    for kind in ("province", "cross"):
        declared = params.template_parameters(report.template_path(kind))
        assert {"doc_type", "level"} <= set(declared), kind
    assert params.template_parameters(report.template_path("cross"))["doc_type"]["default"] == '"工作要点"'


def test_tracking_sections_compare_the_latest_two_plans_of_one_type(themed_dir):
    corpus = analysis.Corpus.load(themed_dir)
    henan = params.select(corpus, province="河南")
    track = reportsections.continuity(params.compared(corpus, henan), henan)
    assert track.years == (2019, 2024)  # 2022 is a 学会学术工作要点: not a 工作要点 to link
    assert set(track.links["doc_from"]) == {"henan-2019-gzyd"} and set(track.links["doc_to"]) == {"henan-2024-gzyd"}
    counts = track.summary.groupby("change")["n_items"].sum()
    assert counts.sum() and f"延续 {int(counts.get('延续', 0))} 条" in track.caption
    # one plan of its type: said, not compared with another type
    hubei = params.select(corpus, province="湖北")
    alone = reportsections.continuity(params.compared(corpus, hubei), hubei)
    assert alone.years is None and alone.links.empty and "只有一年" in alone.caption
    profile = reportsections.strength_profile(params.compared(corpus, henan), by="theme")
    assert profile["n_items"].sum() == len(params.compared(corpus, henan).items)
    html_text = show.strength_table(profile).html
    assert "平均强度" in html_text and "%" in html_text


def test_tables_stay_readable_for_31_provinces():
    names = [f"省{i:02d}" for i in range(31)]
    key = pd.DataFrame([(g, f"{g}词{k}", 9, 1, 50.0 - k, 0.01, 1.5, k + 1) for g in names for k in range(3)],
                       columns=["group", "term", "freq_target", "freq_reference", "statistic", "p_value", "log_ratio",
                                "rank"])
    wide_key = show.keyness_table(key)
    assert list(wide_key.columns) == ["group", "terms"] and len(wide_key) == 31
    assert wide_key.set_index("group").loc["省04", "terms"] == "省04词0（50）、省04词1（49）、省04词2（48）"
    assert len(show.keyness_table(key[key["group"].isin(names[:3])])) == 9  # few provinces: one row per term
    # a slogan of every province: its first users and how many, not 31 × years
    shared = pd.DataFrame([("科创中国", "quoted", p, y, f"{p}-{y}", 1, 2018, "省00", 31)
                           for i, p in enumerate(names) for y in (2018 + i % 4, 2024)])
    shared.columns = ["phrase", "kind", "province", "year", "doc_id", "count", "first_year", "first_province",
                      "n_provinces"]
    cell = show.phrase_table(shared).loc[0, "provinces"]
    assert cell.startswith("省00（2018）、省04（2018）、") and cell.endswith("等 31 省（括号内为首次使用年份）")
    assert cell.count("（") == 8 + 1
    few = show.phrase_table(shared[shared["province"].isin(names[:2])]).loc[0, "provinces"]
    assert few == "省00（2018、2024）；省01（2019、2024）"
    # targets: totals per theme, object and unit instead of every province-year row; values of
    # different objects are never added, rates never
    tg = pd.DataFrame([("科普", p, y, o, u, 2, 10.0 if u == "场" else np.nan) for p in names for y in (2023, 2024)
                       for o, u in (("科普活动", "场"), ("科普讲座", "场"), ("覆盖率", "%"))],
                      columns=["theme", "province", "year", "object", "unit", "n_targets", "total_value"])
    text = show.targets_by_unit(tg).html
    assert "共 186 个组合" in text and text.count("<tr>") == 3  # body rows: 科普活动 场, 科普讲座 场, 覆盖率 %
    assert "<td>科普活动</td>\n      <td>场</td>\n      <td>31</td>\n      <td>124</td>\n      <td>620</td>" in text
    assert "<td>覆盖率</td>\n      <td>%</td>\n      <td>31</td>\n      <td>124</td>\n      <td></td>" in text


def test_documents_are_summarised_per_province_when_there_are_many():
    items = pd.DataFrame([{"doc_id": f"{p}-{y}", "item_id": "1", "seq": 1, "province": p, "year": y,
                           "doc_type": "工作要点" if y % 2 else "重点工作", "text": "加强科普工作"}
                          for p in ("河南", "湖北", "黑龙江") for y in range(2010, 2024)])
    corpus = analysis.Corpus.from_frames(items=items, tokens=[["科普"]] * len(items))
    text = show.documents_overview(corpus).html
    assert "共 42 份文件，按省份汇总" in text and text.count("<tr>") == 3
    assert "2010—2023（14 年）" in text and "工作要点 7、重点工作 7" in text
    few = show.documents_overview(corpus.select(provinces=["河南"])).html
    assert few.count("<tr>") == 14 and "按省份汇总" not in few


@pytest.fixture(scope="module")
def national_dir(tmp_path_factory) -> Path:
    """48 synthetic plans of all 31 provinces (the benchmark's generator), ingested and themed."""
    from benchmarks.corpus import generate_corpus, seed_pool, write_manifest
    from compare.ingest.run import ingest
    from compare.text.themes import run_themes

    base = tmp_path_factory.mktemp("national")
    generate_corpus(48, base / "raw", seed=0, pool=seed_pool(ROOT / "tests" / "fixtures" / "seeds"))
    write_manifest(base / "raw")
    assert len(ingest(base / "raw", base / "processed", strict=True).documents) == 48
    run_themes(base / "processed")
    return base / "processed"


@pytest.mark.slow
def test_cross_report_of_31_provinces_stays_readable(national_dir, tmp_path):
    path = report.render_report("cross", parameters={}, processed_dir=national_dir, out_dir=tmp_path)
    text = path.read_text(encoding="utf-8")
    seen = _visible(text)
    figures = re.findall(r'<img alt="([^"]*)" class="kx-figure"', text)
    assert any("文本相似度" in f and "各省" in f for f in figures), figures  # provinces, not documents
    assert "本报告只比较工作要点（省级）：31 个省份" in seen and "没有工作要点的：" in seen  # other types: missing
    assert "特色词（括号内为 G²）" in seen  # one line per province
    n_rows = [len(re.findall(r"<tr>", t)) for t in re.findall(r"<table.*?</table>", text, flags=re.DOTALL)]
    assert max(n_rows) <= 45, n_rows  # no table longer than its cap (3 × top_n slogans)


def test_province_keyness_against_the_saved_reference(themed_dir, tmp_path):
    """With the corpus the reference was fitted on, a province's distinctive terms equal
    analysis.keyness on the live corpus; the reference is what later plans are measured against."""
    from compare.pipeline import reference

    processed = tmp_path / "processed"
    shutil.copytree(themed_dir, processed)
    reference.fit_reference(processed)
    corpus = analysis.Corpus.load(processed)
    like = params.comparable(corpus)
    for province, years in (("湖北", [2019]), ("河南", [2019, 2024])):
        sub = like.select(provinces=[province], years=years)
        live = cache.province_keyness(like, sub, top_n=10)
        saved = reference.province_keyness(sub, processed_dir=processed, top_n=10, doc_type="工作要点", level="省级")
        pd.testing.assert_frame_equal(saved, live)
    info = reference.read_info(processed)
    assert info["provinces"] == ["河南", "湖北", "黑龙江"] and info["documents"] == len(corpus.documents)
    line = reference.describe_reference(processed, doc_type="工作要点", level="省级")
    assert info["fitted_at"] in line and info["model_version"] in line


@pytest.mark.parametrize("module", ["compare.pipeline.params", "compare.presentation.blocks",
                                    "compare.presentation.report_tables"])
def test_documented_examples_run(module):
    """The report helpers' documented examples (doctests) run as written."""
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0, result


@pytest.mark.slow
def test_reports_show_the_policy_instruments_of_the_compared_plans(rendered, instrumented_dir):
    """The instrument sections give the analysis' numbers for exactly the plans compared (工作要点, 省级)."""
    corpus = analysis.Corpus.load(instrumented_dir)
    province = _visible(rendered["province"].read_text(encoding="utf-8"))
    section = province[province.index("九、政策工具"):province.index("十、各主题条目")]
    henan = corpus.select(provinces="河南")
    types = analysis.instrument_shares(henan, by="province")
    n = int(types["n_items"].sum())
    said = "，".join(f"{t} {int(k)} 条（{k / n:.0%}）" for t, k in zip(types["type"], types["n_items"]))
    assert f"共 {n} 个条目编码：{said}" in section
    for v in analysis.instrument_shares(henan, by="year", unit="tool").query("year == 2024 and n_items > 0")["share"]:
        assert f"{v * 100:.1f}%" in section
    sub = henan.like_with_like()
    first = analysis.instrument_coding_table(sub).iloc[0]
    assert f"{first['code']} 2019 工作要点" in section and "政策工具编码表" in section
    cross = _visible(rendered["cross"].read_text(encoding="utf-8"))
    part = cross[cross.index("八、政策工具"):]
    for (p, y), s in analysis.instrument_shares(corpus, by=("province", "year")).groupby(["province", "year"]):
        assert f"{p} {y} " + " ".join(f"{v * 100:.1f}%" for v in s["share"]) in part
    assert "黑龙江" not in part.split("政策工具编码表")[0]  # its 深化改革工作要点 is not a 工作要点


# --------------------------------------------------------------------------------------------------
# report details: stale reports, default provinces, chart titles, the keyness table
# --------------------------------------------------------------------------------------------------


def test_stale_province_report_says_a_provincial_plan_is_missing_not_every_plan(tmp_path):
    """广东 with only a 广州 city plan left in data/raw: the stale reason said "no plan of 广东 in data/raw",
    which the analyst sees contradicted by the city plan still there."""
    from compare.pipeline import index
    from compare.pipeline.buildreports import move_stale_reports
    from compare.pipeline.buildstate import BuildSummary, State

    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "province_guangdong.html").write_text("<html></html>", encoding="utf-8")
    summary = BuildSummary()
    move_stale_reports(State(tmp_path / "state.json"), summary, [], ["河南"], reports, tmp_path / "raw", "2026-12-01")
    record = index.read_record(reports / "_stale" / "province_guangdong.html")
    assert record.status == "stale" and "own association" in record.message and "city" in record.message


def test_cross_report_default_provinces_are_those_with_a_plan_of_the_level(raw_dir, tmp_path):
    """Seeds + a 晋城 city plan + a 威县 county plan: the 省级 cross report listed 山西 and 河北 (no 省级 plan)
    as missing rows "山西 2023（只有工作要点）" of its heatmap and as "(无)" panels of its distinctive terms."""
    import shutil

    from compare.analysis import Corpus
    from compare.ingest.run import ingest
    from compare.pipeline import params
    from compare.text.themes import run_themes

    raw = tmp_path / "raw"
    shutil.copytree(raw_dir, raw)
    realworld = raw_dir.parent / "realworld"
    for name in ("city_traditional_pinyin_split_title.txt", "county_generic_title_publisher.txt"):
        shutil.copy(realworld / name, raw / name)
    ingest(raw, tmp_path / "p")
    run_themes(tmp_path / "p")
    corpus = Corpus.load(tmp_path / "p")
    assert {"山西", "河北"} <= set(corpus.provinces)
    sel = params.select(corpus, level="省级")
    assert set(sel.provinces) == {"河南", "湖北", "黑龙江"}
    assert set(params.select(corpus, provinces=["河南", "湖北"]).provinces) == {"河南", "湖北"}
    assert params.select(corpus, level="市级").provinces == ("山西",)


@pytest.mark.slow
def test_cross_report_chart_titles_name_the_compared_type(themed_dir, tmp_path):
    """`report --cross --doc-type 学会学术工作要点` titled its similarity and distinctive-terms charts
    "…工作要点的…" (the default type) under a 学会学术工作要点 scope."""
    from compare.cli import main

    assert main(["report", "--cross", "--doc-type", "学会学术工作要点", "--processed", str(themed_dir),
                 "--out", str(tmp_path)]) == 0
    html = next(tmp_path.rglob("cross_province*.html")).read_text(encoding="utf-8")
    alts = re.findall(r'<img alt="([^"]*)" class="kx-figure"', html)
    assert "各省学会学术工作要点的特色词" in alts and any("学会学术工作要点的文本相似度" in a for a in alts), alts


def test_keyness_report_table_keeps_p_and_marks_terms_not_significant():
    from compare.presentation import display as show

    assert "p_value" in show.keyness_table(keyness_frame()).columns
    listed = show.keyness_table(keyness_frame(), max_groups=1).set_index("group")["terms"]
    assert listed["河南"] == "科普日（15）、一市一品（1°）、三长（1°）"
    assert listed["湖北"] == "荆楚（11）"


def test_items_by_theme_takes_its_headers_from_the_labels(themed_dir):
    """The items-by-theme tables read their headers from compare.core.labels (the reports' names of
    item_themes' columns), as every other report table does: no second list of header names."""
    from compare.core.labels import report_labels
    from compare.presentation.report_tables import items_by_theme

    corpus = analysis.Corpus.load(themed_dir)
    html = items_by_theme(corpus, ["科普"]).html
    names = report_labels("item_themes")
    headers = re.findall(r"<th>([^<]*)</th>", html.split("</thead>")[0])
    assert headers == [names[c] for c in ("year", "doc_type", "item_id", "text", "departments", "evidence")]
    assert headers == ["年份", "文件类型", "条目", "内容", "责任部门", "判断依据"]
    n = int(corpus.items_themed["theme"].eq("科普").sum())
    assert f"科普（{n} 条）" in html and html.count("<tr") == n + 1  # one row per item, one header row
