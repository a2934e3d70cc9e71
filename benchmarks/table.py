"""The benchmark's table: the machine it ran on and every figure of each size, against the goals."""
from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

from benchmarks.harness import GOALS
from compare.core.paths import project_root


def machine_info() -> dict:
    """Cores, memory, CPU, OS, Python and the versions of the libraries that matter for speed."""
    from importlib import metadata

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        mem = None
    versions = {}
    for dist in ("kexie-compare", "jieba", "jieba-next", "numpy", "pandas", "pyarrow", "scikit-learn", "scipy",
                 "matplotlib", "papermill", "nbclient", "nbconvert", "ipykernel"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    commit = None
    try:
        commit = subprocess.run(["git", "-C", str(project_root()), "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        pass
    return {
        "commit": commit or os.environ.get("KEXIE_BENCH_COMMIT"),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gb": round(mem / 2**30, 1) if mem else None,
        "cpu": cpu,
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
    }


def _fmt(v, spec: str = ".2f") -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "NO"
    if isinstance(v, float):
        return format(v, spec)
    return str(v)


def _build_summary(summary) -> dict:
    """A BuildSummary as JSON: seconds and the names of the steps done, skipped and failed."""
    steps = list(summary.steps)
    return {
        "seconds": summary.seconds,
        "done": [s.name for s in steps if s.status == "done"],
        "skipped": [s.name for s in steps if s.status == "skipped"],
        "failed": [f"{s.name}: {s.message}" for s in steps if s.status == "failed"],
        "step_seconds": {s.name: round(s.seconds, 3) for s in steps if s.status != "skipped"},
    }


def _what_redid(summary) -> str:
    """'ingest, themes, figures, 31 reports (3 skipped)' from a _build_summary dict."""
    if not isinstance(summary, dict):
        return "—"
    done = summary.get("done", [])
    reports = [d for d in done if d.startswith("report")]
    parts = [d for d in done if not d.startswith("report")]
    if reports:
        parts.append(f"{len(reports)} report{'s' if len(reports) != 1 else ''}")
    text = ", ".join(parts) or "nothing"
    if summary.get("skipped"):
        text += f" ({len(summary['skipped'])} skipped)"
    if summary.get("failed"):
        text += f"; FAILED: {len(summary['failed'])}"
    return text


def _cpu_total(r: dict) -> float | None:
    """CPU seconds of ingest -> comparisons: the figure that a busy machine distorts least."""
    cpu = r.get("cpu_s") or {}
    parts = [cpu.get(k) for k in ("ingest", "segmentation", "themes", "tracking", "comparisons")]
    return sum(parts) if parts and all(v is not None for v in parts) else None


def _slowest(times, n: int = 3) -> str:
    """'figures 12.1, report 河南 6.0, themes 3.2': where the time of a stage went."""
    if not isinstance(times, dict) or not times:
        return "—"
    top = sorted(times.items(), key=lambda kv: -(kv[1] or 0))[:n]
    return ", ".join(f"{k} {v:.1f}" for k, v in top)


PIPELINE_STAGES = ("ingest", "segmentation", "themes", "tracking", "comparisons")


def _by_stage(values, spec: str = ".1f") -> str:
    """'ingest 4.3, segmentation 1.0, …' for the pipeline's stages."""
    if not isinstance(values, dict) or not any(values.get(k) is not None for k in PIPELINE_STAGES):
        return "—"
    return ", ".join(f"{k} {format(values[k], spec)}" for k in PIPELINE_STAGES if values.get(k) is not None)


def format_table(runs: list[dict], machine: dict) -> str:
    """The benchmark table (Markdown), one column per corpus size, goals beside the figures."""

    def t(r, k):
        return r.get("times_s", {}).get(k)

    def c(r, k):
        times = r.get("times_s", {})
        if k not in times and r.get("full_run") is False and k not in PIPELINE_STAGES:
            return "not run"
        if k in times and times[k] is None:
            after = r.get("failed_after_s", {}).get(k)
            return f"failed after {after:.0f} s" if after is not None else "failed"
        return _fmt(times.get(k))

    def wc(r, k):
        wall, cpu = r.get("times_s", {}).get(k), r.get("cpu_s", {}).get(k)
        return f"{wall:.2f} ({cpu:.2f})" if wall is not None and cpu is not None else c(r, k)

    rows: list[tuple[str, str, list[str]]] = [
        ("load average before the run (1 min)", "quiet", [_fmt((r.get("load_average_at_start") or [None])[0]) for r in runs]),
        ("load average after the pipeline (1 min)", "", [_fmt((r.get("load_average_after_pipeline") or [None])[0]) for r in runs]),
        ("documents", "", [_fmt(r.get("documents")) for r in runs]),
        ("items", "", [_fmt(r.get("items")) for r in runs]),
        ("characters (files)", "", [f"{r['characters']:,}" if r.get("characters") else "—" for r in runs]),
        ("distinct item texts (segmented once each)", "", [_fmt(r.get("unique_item_texts")) for r in runs]),
        ("characters (items, segmented)", "", [f"{r['item_characters']:,}" if r.get("item_characters") else "—" for r in runs]),
        ("ingest (s)", "", [c(r, "ingest") for r in runs]),
        ("segmenter (engine)", "", [str(r.get("segmenter") or "—") for r in runs]),
        ("segmentation in the pipeline, 1 process, 1 run (s)", "", [c(r, "segmentation") for r in runs]),
        ("segmentation, median of 3 cold runs: wall (CPU) s", "", [wc(r, "segmentation_median") for r in runs]),
        ("plain jieba floor: the same segmenter on jieba, median of 3: wall (CPU) s", "", [wc(r, "jieba_floor") for r in runs]),
        ("  … jieba.lcut alone, 1 run (no normalising, filter or token cache): wall (CPU) s", "",
         [wc(r, "jieba_lcut") for r in runs]),
        ("segmentation / plain jieba", f"≤ {GOALS['segmentation_ratio']}", [_fmt(r.get("segmentation_ratio"), ".3f") for r in runs]),
        ("  same ratio in CPU seconds", "", [_fmt(r.get("segmentation_ratio_cpu"), ".3f") for r in runs]),
        ("tokens identical to plain jieba's (same filter)", "yes", [_fmt(r.get("segmentation_identical_to_jieba")) for r in runs]),
        ("segmentation, 2 processes (s)", "", [c(r, "segmentation_2cores") for r in runs]),
        ("2 processes identical to 1", "yes", [_fmt(r.get("segmentation_2cores_identical")) for r in runs]),
        ("themes / TF-IDF / clustering (s)", "", [c(r, "themes") for r in runs]),
        ("  … themes: CPU s in (nested steps)", "", [_slowest((r.get("breakdown_cpu_s") or {}).get("themes"), 4) for r in runs]),
        ("tracking: item links, target series, strength (s)", "", [c(r, "tracking") for r in runs]),
        ("  … tracking: CPU s in (nested steps)", "", [_slowest((r.get("breakdown_cpu_s") or {}).get("tracking"), 5) for r in runs]),
        ("comparisons, all analysis functions (s)", "", [c(r, "comparisons") for r in runs]),
        ("  … slowest", "", [_slowest(r.get("comparison_times")) for r in runs]),
        ("ingest → comparisons (s)", f"< {GOALS['pipeline_s']:.0f} at 1,000; ≤ {GOALS['national_pipeline_s']:.0f} at 10,000",
         [_fmt(r.get("pipeline_s")) for r in runs]),
        ("  … in CPU seconds (this process and its children)", "", [_fmt(_cpu_total(r)) for r in runs]),
        ("  … CPU s by stage", "", [_by_stage(r.get("cpu_s")) for r in runs]),
        ("peak RSS of that pipeline (MB)", f"< {GOALS['peak_rss_mb']:.0f} at 1,000; ≤ {GOALS['national_peak_rss_mb']:.0f} at 10,000",
         [_fmt(r.get("peak_rss_pipeline_mb"), ".0f") for r in runs]),
        ("  … peak RSS when each stage ended (MB)", "", [_by_stage(r.get("peak_rss_after_stage_mb"), ".0f") for r in runs]),
        ("one report render, before any build (s)", "", [c(r, "report_render") for r in runs]),
        ("empty notebook, papermill (s)", "", [c(r, "empty_notebook") for r in runs]),
        ("report render − empty notebook (s)", f"≤ {GOALS['render_minus_floor_s']:.0f}",
         [_fmt(t(r, "report_render") - t(r, "empty_notebook")) if t(r, "report_render") is not None and t(r, "empty_notebook") is not None else "—" for r in runs]),
        ("report render / empty notebook", "", [_fmt(t(r, "report_render") / t(r, "empty_notebook")) if t(r, "report_render") is not None and t(r, "empty_notebook") else "—" for r in runs]),
        ("same report after a build (comparisons cached) (s)", "", [c(r, "report_render_after_build") for r in runs]),
        ("  … − empty notebook (s)", f"≤ {GOALS['render_minus_floor_s']:.0f}",
         [_fmt(t(r, "report_render_after_build") - t(r, "empty_notebook")) if t(r, "report_render_after_build") is not None and t(r, "empty_notebook") is not None else "—" for r in runs]),
        ("full build, jobs=2 (s)", f"≤ {GOALS['full_build_s']:.0f} at 1,000", [c(r, "build_full") for r in runs]),
        ("  … slowest steps", "", [_slowest((r.get("build_full_summary") or {}).get("step_seconds")) for r in runs]),
        ("no-change build (s)", f"≤ {GOALS['nochange_build_s']:.0f}", [c(r, "build_nochange") for r in runs]),
        ("  … what it re-did", "nothing", [_what_redid(r.get("build_nochange_summary")) for r in runs]),
        ("build after adding one document (s)", f"≤ {GOALS['add_one_build_s']:.0f} at 1,000", [c(r, "build_add_one") for r in runs]),
        ("  … what it re-did", "other provinces' reports untouched", [_what_redid(r.get("build_add_one_summary")) for r in runs]),
        ("  … slowest steps", "", [_slowest((r.get("build_add_one_summary") or {}).get("step_seconds")) for r in runs]),
        ("peak RSS of the benchmark process, whole run (MB)", "", [_fmt(r.get("peak_rss_mb"), ".0f") for r in runs]),
        ("peak RSS of a child: build, kernel, worker (MB)", "", [_fmt(r.get("peak_rss_descendant_mb"), ".0f") for r in runs]),
    ]
    head = ["measure", "goal"] + [f"{r.get('documents_requested')} docs" for r in runs]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * len(runs)) + "|"]
    for name, goal, vals in rows:
        lines.append("| " + " | ".join([name, goal, *vals]) + " |")
    m = machine
    lines.append("")
    lines.append(
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory_gb']} GB RAM, {m['os']}, Python {m['python']}, "
        f"jieba {m['versions'].get('jieba')}, jieba-next {m['versions'].get('jieba-next')}, pandas {m['versions'].get('pandas')}, scikit-learn {m['versions'].get('scikit-learn')}."
    )
    for r in runs:
        for note in r.get("notes", []):
            lines.append(f"Note ({r.get('documents_requested')} docs): {note}")
    return "\n".join(lines)




#: the rows of the benchmark table the README quotes (tests/test_docs.py keeps them equal)
README_ROWS = (
    "load average before the run (1 min)",
    "segmenter (engine)",
    "segmentation / plain jieba",
    "same ratio in CPU seconds",
    "tokens identical to plain jieba's (same filter)",
    "ingest → comparisons (s)",
    "… in CPU seconds (this process and its children)",
    "peak RSS of that pipeline (MB)",
    "full build, jobs=2 (s)",
    "no-change build (s)",
    "build after adding one document (s)",
)
_BENCH_MARK = "<!-- benchmark table: written by `python -m benchmarks.run --write-tables`, do not edit by hand -->"
_README_BEGIN = "<!-- speed rows: written by `python -m benchmarks.run --write-tables` -->"
_README_END = "<!-- end of speed rows -->"


def _run_line(report: dict) -> str:
    m = report["machine"]
    loads = ", ".join(
        f"{r.get('documents_requested')} docs: load {_fmt((r.get('load_average_at_start') or [None])[0], '.1f')} at the start, "
        f"{_fmt((r.get('load_average_after_pipeline') or [None])[0], '.1f')} after the pipeline" for r in report["runs"])
    return (f"`{report.get('command', 'python -m benchmarks.run')}` at {report.get('timestamp', '?')}, commit "
            f"{(m.get('commit') or '?')[:10]}; segmenter {report['runs'][0].get('segmenter') or '?'}; {loads} "
            f"(2 cores: a load above 2 means other work shared them, so compare the CPU seconds).")


def write_tables(report: dict, root: Path) -> list[Path]:
    """Rewrite benchmarks/README.md's latest results and the README's speed rows from one run."""
    from compare.core.io import atomic_write_text

    table = format_table(report["runs"], report["machine"])
    bench_path = root / "benchmarks" / "README.md"
    text = bench_path.read_text(encoding="utf-8")
    head = text.split("\n## Latest results", 1)[0].rstrip("\n")
    atomic_write_text(bench_path, f"{head}\n\n## Latest results\n\n{_BENCH_MARK}\n\nOne run: {_run_line(report)}\n\n{table}\n")
    rows = {line.split("|")[1].strip(): line for line in table.splitlines()[2:] if line.startswith("| ")}
    quoted = [table.splitlines()[0], table.splitlines()[1]] + [rows[m] for m in README_ROWS if m in rows]
    readme_path = root / "README.md"
    text = readme_path.read_text(encoding="utf-8")
    before, rest = text.split(_README_BEGIN, 1)
    after = rest.split(_README_END, 1)[1]
    block = (f"{_README_BEGIN}\nOne run of the benchmark: {_run_line(report)} Wall seconds; the CPU-seconds rows "
             f"are what load distorts least. Rows as in [benchmarks/README.md](benchmarks/README.md) (a test keeps "
             f"them equal).\n\n" + "\n".join(quoted) + f"\n{_README_END}")
    atomic_write_text(readme_path, before + block + after)
    return [bench_path, readme_path]
