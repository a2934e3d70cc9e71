"""The benchmark's measurements: one corpus size timed stage by stage in this process.

:func:`run_size` generates the synthetic corpus (:mod:`benchmarks.corpus`) under a fresh project root
and times ingest, segmentation (against the plain-jieba floor), themes, every comparison, one report
render (against an empty-notebook floor) and three builds (full, no change, one document added),
each build in its own process as ``python -m compare build`` runs. Memory: the process's own peak
RSS and the peak of every descendant (segmentation workers, Jupyter kernels).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from benchmarks.corpus import SEEDS_DIR, generate_corpus, seed_pool, write_manifest
from compare.core.errors import CompareError
from compare.core.paths import project_root

#: the performance goals checked in the table (2 cores; 1,000 documents unless said otherwise)
GOALS = {
    "pipeline_s": 60.0,  # ingest + segmentation + themes + tracking + comparisons, wall seconds
    "peak_rss_mb": 1536.0,  # peak resident memory of that pipeline
    "segmentation_ratio": 0.2,  # the pipeline's segmenter (accelerated engine) / plain jieba
    "full_build_s": 45.0,
    "add_one_build_s": 10.0,
    "nochange_build_s": 1.0,
    "render_minus_floor_s": 5.0,
    "national_pipeline_s": 300.0,  # 10,000 documents: ingest -> comparisons
    "national_peak_rss_mb": 4096.0,
}
#: sizes above this run the pipeline only (ingest -> comparisons): no jieba floor, renders or builds
FULL_RUN_MAX = 2000


def _pythonpath() -> str:
    """PYTHONPATH for the benchmark's subprocesses: the checkout holding `benchmarks/` first, whatever
    their working directory (the corpus root)."""
    here = str(Path(__file__).resolve().parents[1])
    return os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH", "")) if p)


def _maxrss_mb(who: int) -> float:
    """Peak resident set size in MiB (Linux reports kilobytes) of this process or its reaped children."""
    import resource

    return resource.getrusage(who).ru_maxrss / 1024.0


class DescendantPeak:
    """Largest peak RSS (VmHWM) of any descendant process, sampled from /proc while they run.

    ru_maxrss of reaped children is not usable for Jupyter kernels: a child forked from a large
    process reports the parent's pages it had before exec. Linux only; elsewhere peak_mb stays None.
    """

    def __init__(self, interval: float = 0.25):
        import threading

        self.interval = interval
        self.peak_mb: float | None = None
        self.peak_cmd: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench-descendant-peak", daemon=True)

    def __enter__(self) -> DescendantPeak:
        if Path("/proc/self/status").is_file():
            self.peak_mb = 0.0
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    @staticmethod
    def _children_map() -> dict[int, list[int]]:
        kids: dict[int, list[int]] = {}
        for d in Path("/proc").iterdir():
            if not d.name.isdigit():
                continue
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            kids.setdefault(ppid, []).append(int(d.name))
        return kids

    def _loop(self) -> None:
        me = os.getpid()
        while not self._stop.wait(self.interval):
            kids = self._children_map()
            todo, seen = list(kids.get(me, [])), []
            while todo:
                pid = todo.pop()
                seen.append(pid)
                todo.extend(kids.get(pid, []))
            for pid in seen:
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        mb = int(line.split()[1]) / 1024.0
                        if mb > (self.peak_mb or 0.0):
                            self.peak_mb = mb
                            try:
                                self.peak_cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:120]
                            except OSError:
                                pass
                        break


def _cpu_seconds() -> float:
    """CPU seconds used so far by this process and its reaped children (user + system)."""
    import resource

    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


class _Clock:
    """Times named stages (wall and CPU seconds), logging each to stderr as it finishes."""

    def __init__(self, label: str):
        self.label = label
        self.times: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.peak_rss_mb: dict[str, float] = {}  # the process's peak RSS when each stage ended

    def run(self, name: str, fn, *args, **kwargs):
        c0, t0 = _cpu_seconds(), time.perf_counter()
        out = fn(*args, **kwargs)
        self.record(name, time.perf_counter() - t0, _cpu_seconds() - c0)
        return out

    def attempt(self, name: str, notes: list[str], fn, *args, **kwargs):
        """Like run, for stages whose failure must not end the benchmark (a report, a build): the
        failure is recorded in notes (and shown under the table) and the stage's time stays empty."""
        try:
            return self.run(name, fn, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - reported in the table's notes, never hidden
            notes.append(f"{name} failed: {type(exc).__name__}: {str(exc)[:300]}")
            self.times[name] = None
            print(f"[bench {self.label}] {name} FAILED: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            return None

    def record(self, name: str, wall: float, cpu: float | None = None) -> None:
        import resource

        self.times[name] = wall
        if cpu is not None:
            self.cpu[name] = cpu
        self.peak_rss_mb[name] = _maxrss_mb(resource.RUSAGE_SELF)
        extra = f" (cpu {cpu:.2f} s, peak RSS so far {self.peak_rss_mb[name]:.0f} MB)" if cpu is not None else ""
        print(f"[bench {self.label}] {name}: {wall:.2f} s{extra}", file=sys.stderr, flush=True)


#: (module, function) pairs timed inside a stage, to say where its time goes (CPU seconds, summed)
THEMES_STEPS = (("compare.text.themes", "_fit_anew"), ("compare.text.themes", "_score_with_saved"),
                ("compare.text.scoring", "ThemeModel.fit"), ("compare.text.scoring", "ThemeModel.predict"),
                ("compare.text.scoring", "ThemeModel._explain"), ("compare.text.clusters", "fit_item_clusters"),
                ("compare.core.io", "write_table"))
TRACKING_STEPS = (("compare.pipeline.track", "item_links"), ("compare.analysis.tracking", "_chain_vectors"),
                  ("compare.analysis.tracking", "_pair_rows"), ("compare.pipeline.track", "target_series"),
                  ("compare.pipeline.track", "item_strength"), ("compare.core.io", "write_table"))


class StepTimes:
    """CPU seconds spent in named functions while a stage runs (each wrapped for the stage only, the
    originals put back after), e.g. how much of tracking is linking, target series, strength, writing."""

    def __init__(self, steps):
        self.steps = steps
        self.cpu: dict[str, float] = {}
        self._saved: list = []

    def __enter__(self) -> StepTimes:
        import importlib

        for module_name, qualname in self.steps:
            owner = importlib.import_module(module_name)
            *outer, name = qualname.split(".")
            for part in outer:
                owner = getattr(owner, part)
            real = getattr(owner, name, None)
            if real is None:
                continue
            self._saved.append((owner, name, owner.__dict__.get(name, real) if isinstance(owner, type) else real))
            setattr(owner, name, self._timed(qualname, real))
        return self

    def _timed(self, label: str, real):
        import functools

        @functools.wraps(real)
        def timed(*args, **kwargs):
            t0 = time.process_time()
            try:
                return real(*args, **kwargs)
            finally:
                self.cpu[label] = self.cpu.get(label, 0.0) + time.process_time() - t0
        return timed

    def __exit__(self, *exc) -> None:
        for owner, name, real in reversed(self._saved):
            setattr(owner, name, real)


def jieba_floor(texts: Sequence[str], cache_dir: Path, entries=()) -> tuple[float, float, list[list[str]]]:
    """(wall, cpu) seconds of plain ``jieba.Tokenizer().lcut`` over texts in one process, and its tokens.

    The dictionary and the user dictionary `entries` ((word, freq, tag), as the segmenter loads them) are
    loaded before the clock starts; jieba keeps no token cache, so it is cold."""
    import logging

    import jieba

    tk = jieba.Tokenizer()
    tk.tmp_dir = str(cache_dir)  # its dictionary cache stays inside the benchmark directory
    logging.getLogger("jieba").setLevel(logging.WARNING)
    tk.initialize()
    for word, freq, tag in entries:
        tk.add_word(word, freq, tag)
    c0, t0 = time.process_time(), time.perf_counter()
    out = [tk.lcut(t) for t in texts]
    return time.perf_counter() - t0, time.process_time() - c0, out


def empty_notebook_floor(tmp_dir: Path) -> float:
    """Seconds for papermill to execute an empty notebook (kernel start-up and shut-down) in the kernel
    reports use (this interpreter, :mod:`compare.pipeline.kernel`)."""
    import nbformat
    import papermill

    from compare.pipeline.kernel import kernel_config, resolve_kernel

    name, dirs = resolve_kernel(None)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": name, "display_name": name, "language": "python"}
    src, dst = tmp_dir / "empty.ipynb", tmp_dir / "empty.out.ipynb"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, src)
    t0 = time.perf_counter()
    papermill.execute_notebook(
        str(src), str(dst), kernel_name=name, progress_bar=False, log_output=False, cwd=str(tmp_dir),
        config=kernel_config(tmp_dir / "kernel.log", dirs),
    )
    return time.perf_counter() - t0


def _jsonable(obj):
    """BuildSummary and friends as plain JSON values (paths as strings, long lists shortened)."""
    from dataclasses import is_dataclass

    if is_dataclass(obj) and not isinstance(obj, type):
        obj = {k: getattr(obj, k) for k in obj.__dataclass_fields__}
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        seq = sorted(obj, key=str) if isinstance(obj, (set, frozenset)) else list(obj)
        return [_jsonable(v) for v in seq]
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    return repr(obj)


def _comparisons(corpus, clock: _Clock) -> dict[str, float]:
    """Every compare.analysis comparison: cross-province ones once, per-province ones for every province."""
    from compare import analysis as A

    provinces = list(corpus.provinces)
    first = provinces[0]
    first_years = sorted(set(corpus.documents.loc[corpus.documents["province"] == first, "year"].astype(int)))
    calls = {
        "theme_shares": lambda: A.theme_shares(corpus),
        "theme_share_matrix": lambda: A.theme_share_matrix(corpus, by=("province", "year")),
        "keyness": lambda: A.keyness(corpus, by="province"),
        # documents up to 30, else provinces pooled (what the figures and the cross report show)
        "similarity": lambda: A.similarity(corpus, unit="document" if len(corpus.documents) <= 30 else "province"),
        "term_changes": lambda: [A.term_changes(corpus, p) for p in provinces],
        "theme_changes": lambda: [A.theme_changes(corpus, p) for p in provinces],
        "shared_phrases": lambda: A.shared_phrases(corpus, min_provinces=2),
        "targets_by_theme": lambda: A.targets_by_theme(corpus),
        "departments_by_theme": lambda: A.departments_by_theme(corpus),
        "similar_pairs": lambda: A.similar_pairs(corpus, top_n=15),
        "kwic": lambda: A.kwic(corpus, "科普"),
        "filter_items": lambda: [A.filter_items(corpus, provinces=p) for p in provinces],
        "validate_selection": lambda: A.validate_selection(corpus, province=first, years=first_years[-2:]),
    }
    times: dict[str, float] = {}
    for name, fn in calls.items():
        t0 = time.perf_counter()
        fn()
        times[name] = time.perf_counter() - t0
    print(f"[bench {clock.label}] comparisons: " + ", ".join(f"{k} {v:.2f}" for k, v in times.items()),
          file=sys.stderr, flush=True)
    return times


def run_size(size: int, root: str | Path, *, seed: int = 0, raw_dir: str | Path | None = None,
             project_dir: str | Path | None = None, provinces: Sequence[str] | None = None,
             build_options: dict | None = None, pipeline_only: bool = False) -> dict:
    """Generate `size` documents under root/data/raw and time every stage; returns every figure.

    root becomes the project root for the run (KEXIE_COMPARE_ROOT and the working directory), so
    every cache (jieba, tokens, build state) starts cold inside it (the report templates come with the
    package). The environment and working directory are restored afterwards.
    Meant to run in a fresh process per size (see run_benchmark), so that peak memory is per size.
    provinces restricts the corpus (generate_corpus); build_options go to compare.pipeline.build.run_build
    (e.g. formats=("png",) for a quick run). pipeline_only stops after the comparisons at any size.
    """
    project_dir = Path(project_dir) if project_dir is not None else project_root()
    raw_seeds = Path(raw_dir) if raw_dir is not None else SEEDS_DIR
    root = Path(root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    saved_env = {k: os.environ.get(k) for k in ("KEXIE_COMPARE_ROOT", "MPLBACKEND")}
    saved_cwd = os.getcwd()
    os.environ["KEXIE_COMPARE_ROOT"] = str(root)
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.chdir(root)
    try:
        with DescendantPeak() as children:
            res = _run_stages(size, root, seed=seed, raw_seeds=raw_seeds, provinces=provinces,
                              build_options=dict(build_options or {}),
                              full=size <= FULL_RUN_MAX and not pipeline_only)
        res["peak_rss_descendant_mb"] = children.peak_mb
        res["peak_rss_descendant_cmd"] = children.peak_cmd
        return res
    finally:
        os.chdir(saved_cwd)
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _run_stages(size: int, root: Path, *, seed: int, raw_seeds: Path, provinces, build_options: dict,
                full: bool = True) -> dict:
    """Every stage of one size; full=False stops after the pipeline (ingest -> comparisons) and, up to
    FULL_RUN_MAX documents, the segmentation floors."""
    import resource

    raw, processed = root / "data" / "raw", root / "data" / "processed"
    clock = _Clock(f"n={size}")
    res: dict = {"documents_requested": size, "seed": seed, "notes": [], "full_run": full,
                 "load_average_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None}
    pool = clock.run("seed pool", seed_pool, raw_seeds)
    docs = clock.run("generate", generate_corpus, size, raw, seed=seed, pool=pool, provinces=provinces)
    write_manifest(raw)
    res["documents"] = len(docs)
    res["characters"] = sum(d.n_chars for d in docs)
    res["gb18030_files"] = sum(d.encoding == "gb18030" for d in docs)
    floors = size <= FULL_RUN_MAX  # the jieba floor holds a second copy of every token: not at national scale
    result, texts, tokens_1 = _pipeline(clock, res, raw, processed, size, keep_tokens=floors)
    res["peak_rss_pipeline_mb"] = _maxrss_mb(resource.RUSAGE_SELF)
    res["load_average_after_pipeline"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    if floors:
        _segmentation_floors(clock, res, root, texts, tokens_1)
        del tokens_1
    if full:
        _renders_and_builds(clock, res, root, raw, processed, result, pool=pool, seed=seed, size=size,
                            provinces=provinces, build_options=build_options)
    res["times_s"] = clock.times
    res["cpu_s"] = clock.cpu
    res["peak_rss_after_stage_mb"] = clock.peak_rss_mb
    res["build_options"] = build_options
    res["peak_rss_mb"] = _maxrss_mb(resource.RUSAGE_SELF)
    res["peak_rss_children_mb"] = _maxrss_mb(resource.RUSAGE_CHILDREN)
    res["memory_method"] = (
        "resource.getrusage ru_maxrss (peak RSS) of the per-size benchmark process; descendants: VmHWM of "
        "every child process (segmentation workers, Jupyter kernels) sampled from /proc every 0.25 s; "
        "peak_rss_children_mb (RUSAGE_CHILDREN) is kept for reference but counts pre-exec pages of forks")
    return res


def _pipeline(clock: _Clock, res: dict, raw: Path, processed: Path, size: int, *, keep_tokens: bool = True):
    """ingest -> segmentation (cold token cache) -> themes -> tracking -> every comparison, timed.
    keep_tokens: keep the segmentation's tokens for the 2-process comparison (else they are dropped at
    once: the pipeline itself reads them from the token cache, and a national run must not hold two copies)."""
    from compare.analysis import Corpus
    from compare.ingest.run import ingest
    from compare.pipeline.track import run_track
    from compare.text.segment import default_segmenter
    from compare.text.themes import run_themes

    result = clock.run("ingest", ingest, raw, processed, strict=True)
    if result.failures or len(result.documents) != size:
        raise CompareError(f"ingest of the synthetic corpus: {len(result.documents)} of {size} documents, failures {result.failures}")
    res["items"] = len(result.items)
    # the pipeline segments each distinct text once: both sides of the ratio get exactly these texts
    texts = list(dict.fromkeys(str(t) for t in result.items["text"]))
    res["unique_item_texts"] = len(texts)
    res["item_characters"] = int(sum(len(t) for t in texts))
    seg = default_segmenter()
    seg.tokenizer  # noqa: B018 - dictionary + user words loaded before timing; token cache is empty
    res["segmenter"] = f"{seg.backend_} {_version(seg.backend_)}"
    tokens_1 = clock.run("segmentation", seg.tokenize_many, texts, n_jobs=1)
    if not keep_tokens:
        res["tokens"] = sum(len(t) for t in tokens_1)
        tokens_1 = texts = None
    with StepTimes(THEMES_STEPS) as steps:
        clock.run("themes", run_themes, processed)  # tokens now cached: TF-IDF, scoring, clustering
    res.setdefault("breakdown_cpu_s", {})["themes"] = steps.cpu
    with StepTimes(TRACKING_STEPS) as steps:
        clock.run("tracking", run_track, processed)
    res["breakdown_cpu_s"]["tracking"] = steps.cpu
    c0, t0 = _cpu_seconds(), time.perf_counter()
    corpus = Corpus.load(processed)
    _ = corpus.tokens
    res["comparison_times"] = _comparisons(corpus, clock)
    clock.record("comparisons", time.perf_counter() - t0, _cpu_seconds() - c0)
    del corpus
    res["pipeline_s"] = sum(clock.times[k] for k in ("ingest", "segmentation", "themes", "tracking", "comparisons"))
    return result, texts, tokens_1


def _version(backend: str) -> str:
    from compare.text.backends import backend_version

    return backend_version(backend) or "?"


#: cold runs of each side of the segmentation ratio (the median is tabled)
SEGMENTATION_RUNS = 3


def _median(values):
    import statistics

    return statistics.median(values)


def _segmentation_floors(clock: _Clock, res: dict, root: Path, texts, tokens_1) -> None:
    """The segmentation ratio, both sides timed the same way: the pipeline's segmenter (its engine) and
    the same segmenter on plain jieba (the floor) each cut the same distinct texts through
    ``tokenize_many(n_jobs=1)`` (normalising, the same filter, an empty token cache of its own, filled),
    SEGMENTATION_RUNS times, the two sides alternating so that other load falls on both; the medians
    (wall and CPU) are compared. Also plain ``jieba.lcut`` alone once (no normalising, filter or cache:
    the floor as earlier tables measured it), and the segmenter on 2 processes."""
    from compare.text.segment import Segmenter, default_segmenter, normalize_text

    seg = default_segmenter()
    runs: dict[str, list[tuple[float, float]]] = {seg.backend_: [], "jieba": []}
    identical = True
    for i in range(SEGMENTATION_RUNS):
        for engine in runs:
            s = Segmenter(cache_dir=root / ".cache" / f"bench-{engine}-{i}", backend=engine)
            s.tokenizer  # noqa: B018 - dictionary and user words loaded before the clock starts
            c0, t0 = _cpu_seconds(), time.perf_counter()
            tokens = s.tokenize_many(texts, n_jobs=1)
            runs[engine].append((time.perf_counter() - t0, _cpu_seconds() - c0))
            identical = identical and tokens == tokens_1
            del tokens, s
    fast, floor = runs[seg.backend_], runs["jieba"]
    res["segmentation_runs_s"], res["jieba_floor_runs_s"] = fast, floor
    clock.record("segmentation_median", _median([w for w, _ in fast]), _median([c for _, c in fast]))
    clock.record("jieba_floor", _median([w for w, _ in floor]), _median([c for _, c in floor]))
    res["segmentation_ratio"] = clock.times["segmentation_median"] / clock.times["jieba_floor"]
    res["segmentation_ratio_cpu"] = clock.cpu["segmentation_median"] / clock.cpu["jieba_floor"]
    res["segmentation_identical_to_jieba"] = identical
    lcut_s, lcut_cpu, lcut_tokens = jieba_floor([normalize_text(t) for t in texts], root / ".cache" / "jieba",
                                                seg._entries)
    clock.record("jieba_lcut", lcut_s, lcut_cpu)
    res["jieba_floor_tokens"] = sum(len(t) for t in lcut_tokens)
    keep = seg._verdict  # the segmenter's own filter, applied to the bare cut
    res["segmentation_identical_to_jieba"] = identical and [[w for w in t if keep[w]] for t in lcut_tokens] == tokens_1
    del lcut_tokens
    seg2 = Segmenter(cache_dir=root / ".cache" / "bench-2cores")  # a cold token cache of its own
    seg2.tokenizer  # noqa: B018
    tokens_2 = clock.run("segmentation_2cores", seg2.tokenize_many, texts, n_jobs=2)
    res["segmentation_2cores_identical"] = tokens_2 == tokens_1
    res["tokens"] = sum(len(t) for t in tokens_1)


def _render(clock: _Clock, res: dict, root: Path, processed: Path, result) -> str:
    """One report render against the empty-notebook floor (run before and after it)."""
    from compare.pipeline.report import render_report

    c0 = _cpu_seconds()
    floors = [empty_notebook_floor(root / "empty-notebook")]
    province = result.documents["province"].value_counts().sort_index().idxmax()
    clock.attempt("report_render", res["notes"], render_report, "province", parameters={"province": province},
                  processed_dir=processed, out_dir=root / "bench-reports", kernel_name=None)
    floors.append(empty_notebook_floor(root / "empty-notebook"))
    res["empty_notebook_runs_s"] = floors
    clock.record("empty_notebook", min(floors))
    res["report_province"] = province
    res["report_and_floors_cpu_s"] = _cpu_seconds() - c0  # kernels are children: their CPU counts once reaped
    return province


def _build(clock: _Clock, res: dict, root: Path, raw: Path, name: str, jobs: int, build_options: dict) -> dict | None:
    """One build in its own process, as `python -m compare build` runs (its time includes interpreter
    start-up and imports, and memory it keeps cannot leak into the next build)."""
    out = root / f".bench-{name}.json"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "benchmarks.run", "--build", str(raw), "--jobs", str(jobs), "--out", str(out),
           "--options", json.dumps(build_options)]
    c0, t0 = _cpu_seconds(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=root, env=dict(os.environ, KEXIE_COMPARE_ROOT=str(root), PYTHONPATH=_pythonpath()))
    wall, cpu = time.perf_counter() - t0, _cpu_seconds() - c0
    if proc.returncode != 0 or not out.is_file():
        clock.times[name] = None
        res.setdefault("failed_after_s", {})[name] = wall
        why = "see its messages"
        if out.is_file():
            crash = json.loads(out.read_text(encoding="utf-8"))
            why = f"{crash.get('crashed')} at {crash.get('where')}"
        res["notes"].append(f"{name} crashed after {wall:.0f} s (exit {proc.returncode}): {why}")
        print(f"[bench {clock.label}] {name} FAILED (exit {proc.returncode})", file=sys.stderr, flush=True)
        return None
    clock.record(name, wall, cpu)
    summary = json.loads(out.read_text(encoding="utf-8"))
    res[f"{name}_summary"] = summary
    if summary["failed"]:
        res["notes"].append(f"{name}: {len(summary['failed'])} step(s) failed: " + " | ".join(summary["failed"]))
    return summary


def _renders_and_builds(clock: _Clock, res: dict, root: Path, raw: Path, processed: Path, result, *, pool, seed: int,
                        size: int, provinces, build_options: dict) -> None:
    """A report render, then three builds (full, no change, one document added), then the render again."""
    from compare.pipeline.report import render_report

    province = _render(clock, res, root, processed, result)
    _build(clock, res, root, raw, "build_full", 2, build_options)
    _build(clock, res, root, raw, "build_nochange", 1, build_options)
    with tempfile.TemporaryDirectory(prefix="kexie-bench-plus1-") as tmp:
        added = generate_corpus(size + 1, tmp, seed=seed, pool=pool, provinces=provinces)[-1]
        (raw / added.file_name).write_bytes((Path(tmp) / added.file_name).read_bytes())
    write_manifest(raw)
    res["added_document"] = asdict(added)
    _build(clock, res, root, raw, "build_add_one", 2, build_options)
    # the same report again, now that the build has cached the corpus-wide comparisons
    clock.attempt("report_render_after_build", res["notes"], render_report, "province", parameters={"province": province},
                  processed_dir=processed, out_dir=root / "bench-reports", kernel_name=None)
