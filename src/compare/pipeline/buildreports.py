"""The build's report steps: one report per province (with a plan of the compared level) and the
cross-province report with the ``[report]`` defaults of kexie.toml, every named report, and the
reports of provinces no longer in the tables moved to ``reports/_stale/``. Called by
:func:`compare.pipeline.build.run_build`."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from compare.core.config import ProjectConfig
from compare.core.hashing import _sha256_json, sha256_file
from compare.core.vocab import DEFAULT_LEVEL
from compare.pipeline import index as index_mod
from compare.pipeline.buildstate import (
    BuildSummary,
    Progress,
    State,
    StepResult,
    describe,
)

if TYPE_CHECKING:
    from compare.pipeline.buildsteps import BuildRun

log = logging.getLogger("compare.pipeline.build")

NAMED_SUFFIX = " (kexie.toml)"


@dataclass
class ReportJob:
    """One report step: its kind, step name, parameters (or the error building them), target file,
    source ("build" or "named") and the name its index record carries."""

    kind: str
    name: str
    params: dict | Exception
    target: Path
    source: str
    record_name: str
    key: str = ""


def report_steps(run: BuildRun, *, provinces: list[str], tables: dict, beside: Callable[[], object] | None = None) -> None:
    """The build's reports (one per province + cross-province) and the named reports of kexie.toml,
    in a pool of `run.jobs` threads; the reports of provinces no longer in the tables go to _stale/.
    beside (the figures step) runs in a thread of its own while the reports render: once the
    cross-province reports are done (they compute the comparisons the figures then read from the
    cache), at once when none is rendered; it is waited for before this returns."""
    from compare.pipeline import named

    side = _Beside(beside)
    try:
        jobs = report_jobs(run, provinces)
        move_stale_reports(run.state, run.summary, jobs, provinces, run.reports_dir, run.raw_dir, run.started)
        later: list[Callable[[], object]] = []
        todo = _skip_fresh(run, jobs, tables, later=later)

        def refresh_skipped() -> None:  # once
            while later:
                later.pop(0)()

        _render_all(run, todo, done=len(jobs) - len(todo), n=len(jobs), side=side, started=refresh_skipped)
        refresh_skipped()
        named.cleanup_staging(run.reports_dir)
        side.start()  # (when no report was rendered)
    finally:
        side.join()


class _Beside:
    """A step run once in a thread of its own, beside the report renders; join() re-raises what it raised."""

    def __init__(self, work: Callable[[], object] | None):
        self._work, self._thread, self._error = work, None, None

    def start(self) -> None:
        if self._work is None or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="build-beside-reports", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._work()
        except BaseException as exc:  # noqa: BLE001 - raised again in the build's thread by join()
            self._error = exc

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error


def report_jobs(run: BuildRun, provinces: list[str]) -> list[ReportJob]:
    """One job per province report, the cross-province report and every named report of kexie.toml.
    A job whose parameters or file name cannot be made carries the error (its step fails alone)."""
    from compare.pipeline import named
    from compare.pipeline.reportnames import report_name

    config, reports_dir = run.config, run.reports_dir
    jobs: list[ReportJob] = []

    def add(kind: str, name: str, params: Callable[[], dict], target: Callable[[], Path], source: str,
            record_name: str) -> None:
        try:
            t = target()
        except Exception as exc:  # noqa: BLE001 - no file name for it (a province without pinyin): its step fails
            jobs.append(ReportJob(kind, name, exc, reports_dir / f".{record_name}.html", source, record_name))
            return
        try:
            p = params()
        except Exception as exc:  # noqa: BLE001 - a bad default or named report fails its own step only
            p = exc
        jobs.append(ReportJob(kind, name, p, t, source, record_name))

    def build_target(kind: str, province: str | None = None) -> Callable[[], Path]:
        return lambda: reports_dir / f"{report_name(kind, {'province': province})}.html"

    for prov in provinces:
        add("province", f"report {prov}",
            lambda prov=prov: named.template_ready("province", named.build_parameters("province", config, prov)),
            build_target("province", prov), "build", f"report {prov}")
    add("cross", "report cross-province", lambda: named.template_ready("cross", named.build_parameters("cross", config)),
        build_target("cross"), "build", "report cross-province")
    for entry in config.reports:
        add(entry.kind, f"report {entry.name}{NAMED_SUFFIX}",
            lambda entry=entry: named.template_ready(entry.kind, entry.parameters(config.report),
                                                     explicit=set(entry.parameters())),
            lambda entry=entry: reports_dir / f"{entry.name}.html", "named", entry.name)
    return jobs


def _skip_fresh(run: BuildRun, jobs: list[ReportJob], tables: dict,
                later: list[Callable[[], object]] | None = None) -> list[ReportJob]:
    """Record the jobs that fail before rendering and those whose key is unchanged (skipped, their
    index record refreshed: at once, or by the calls appended to `later`, which the build makes once
    the renders have started); return the jobs to render, each with its key."""
    from compare.pipeline import named

    digest = index_mod.tables_digest(run.processed_dir)
    report_key = report_keys(run.state, processed_dir=run.processed_dir, tables=tables, code=run.code,
                             kernel_name=run.kernel_name, config=run.config)
    todo, done = [], 0
    for job in jobs:
        if isinstance(job.params, Exception):
            run.state.forget(job.name)
            result = StepResult(job.name, "failed", 0.0, describe(job.params))
            if not job.target.name.startswith("."):  # the index lists it as failed
                named.record_failure(job.kind, job.target, source=job.source, name=job.record_name,
                                     reports_dir=run.reports_dir, message=result.message)
        else:
            job.key = report_key(job.kind, job.params, job.target)
            if run.force or not run.state.fresh(job.name, job.key):
                todo.append(job)
                continue
            if later is None:
                refresh_record(job.target, digest)
            else:  # a file each: written while the first reports render, not before they start
                later.append(lambda target=job.target: refresh_record(target, digest))
            result = StepResult(job.name, "skipped")
        done += 1
        run.summary.steps.append(result)
        run.prog.finish(result, f"[{done}/{len(jobs)}] ")
    return todo


def _render_all(run: BuildRun, todo: list[ReportJob], *, done: int, n: int, side: _Beside | None = None,
                started: Callable[[], object] | None = None) -> None:
    """Render the jobs in a pool of run.jobs threads sharing kept kernels; record each as it finishes.
    side starts once every cross-province job has finished (at once when there is none); started()
    is called once the renders are under way (at once when there is none)."""
    from compare.pipeline import named

    side = side if side is not None else _Beside(None)
    started = started if started is not None else (lambda: None)
    cross = {job.name for job in todo if job.kind == "cross"}
    if not cross:
        side.start()
    if not todo:
        started()
        return
    model = index_mod.model_version(run.processed_dir)
    digest = index_mod.tables_digest(run.processed_dir)

    def render(job: ReportJob) -> tuple[list[Path] | None, str, float]:
        run.prog.start(job.name)  # in the worker: the live line shows what is running, not what is queued
        t = time.perf_counter()
        try:
            path = named.render_to(
                job.kind, job.params, job.target, source=job.source, name=job.record_name,
                reports_dir=run.reports_dir, processed_dir=run.processed_dir, model_version=model, tables=digest,
                kernel_name=run.kernel_name, timeout=run.timeout, progress_bar=False, corpus=run.corpus(),
                kernel_pool=kernels,
            )
            return [path], "", time.perf_counter() - t
        except Exception as exc:  # noqa: BLE001 - one failing report must not stop the others
            return None, describe(exc), time.perf_counter() - t

    kernels = kernel_pool(run.kernel_name, len(todo))
    try:
        with ThreadPoolExecutor(max_workers=run.jobs) as pool:
            # the longest reports (every province's) first: the workers then finish together
            longest_first = sorted(todo, key=lambda job: job.kind != "cross")
            futures = {pool.submit(render, job): (job.name, job.key) for job in longest_first}
            started()

            def finished(name: str) -> None:
                cross.discard(name)
                if not cross:
                    side.start()

            _collect(futures, run.state, run.summary, run.prog, done, n, finished=finished)
    finally:
        if kernels is not None:
            kernels.close()


def kernel_pool(kernel_name: str | None, n_reports: int):
    """The build's kept kernels (one per worker thread, reused across its reports; see
    compare.pipeline.kernel.KernelPool), or None for a single report (a fresh kernel is as cheap,
    unless one was started ahead: :func:`prewarm_kernels`)."""
    from compare.pipeline.kernel import has_warm

    if n_reports < 2 and not (n_reports and has_warm()):
        return None
    from compare.core.errors import ReportError
    from compare.core.paths import cache_dir
    from compare.pipeline.kernel import KernelPool

    try:
        return KernelPool(kernel_name, cache_dir() / "kernels")
    except ReportError:  # an unknown kernel: every report fails with that message in its own step
        return None


def prewarm_kernels(run: BuildRun) -> None:
    """Start the report workers' kernels now (compare.pipeline.kernel.prewarm): their start-up and
    imports overlap the build's next steps instead of delaying the first reports. When ingest parsed
    one plan (and nothing forces a full build) one kernel: that plan's province report and perhaps the
    cross-province report render, and a second kernel's imports (2-3 CPU s) would compete with the
    steps before them on a small machine; a second report still gets its kernel, started when needed."""
    from compare.core.paths import cache_dir
    from compare.pipeline.kernel import prewarm

    one_plan = run.parsed == 1 and not (run.force or run.refit)
    prewarm(run.kernel_name, 1 if one_plan else run.jobs, cache_dir() / "kernels")


def _collect(futures, state: State, summary: BuildSummary, prog: Progress, done_count: int, n: int,
             finished: Callable[[str], None] | None = None) -> int:
    """Record each rendered report as it finishes (then calls finished(name)); returns the updated
    count of finished steps."""
    for fut in as_completed(futures):
        name, key = futures[fut]
        outputs, problem, seconds = fut.result()
        if outputs is None:
            state.forget(name)
            result = StepResult(name, "failed", seconds, problem)
        else:
            state.record(name, key, outputs)
            result = StepResult(name, "done", seconds)
        done_count += 1
        summary.steps.append(result)
        prog.finish(result, f"[{done_count}/{n}] ")
        if finished is not None:
            finished(name)
    return done_count




def report_keys(state: State, *, processed_dir: Path, tables: dict, code: str, kernel_name: str | None,
                config: ProjectConfig | None = None):
    """The key of a report step: what the report is made from. A province report shows its province's
    rows (:func:`compare.pipeline.inputs.province_digests`) and quotes the saved reference
    (:mod:`compare.pipeline.reference`), so a plan of another province leaves its key unchanged; a
    cross-province report shows the plans it compares and its coverage note
    (:func:`compare.pipeline.inputs.cross_digest`), so a plan outside its comparison that leaves the
    note as it was leaves its key unchanged; any other report keys on all the tables."""
    from compare.ingest.provinces import canonical_province
    from compare.pipeline import inputs, named, reference
    from compare.pipeline.reportnames import template_path

    ref_terms, ref_info = reference.reference_paths(processed_dir)
    ref = [sha256_file(p) if p.is_file() else None for p in (ref_terms, ref_info)]
    digests: dict = {}
    # the theme colours and instrument labels a cross report draws with (its rows carry the rest)
    dictionary, codebook = (sha256_file(p) if p is not None and p.is_file() else None
                            for p in ((config.themes, config.instruments) if config is not None else (None, None)))

    def key(kind: str, params: dict, target: Path) -> str:
        if kind == "province":
            if not digests:
                digests.update(inputs.province_digests(processed_dir) or {"": ""})
            province = canonical_province(str(params.get("province"))) or str(params.get("province"))
            data = {"province": province, "rows": digests.get(province)}
        elif kind == "cross" and (rows := inputs.cross_digest(processed_dir, named._with_defaults(kind, params))):
            data = {"rows": rows, "dictionary": dictionary, "codebook": codebook}
        else:
            data = {"tables": tables}
        return _sha256_json(
            {"step": "report", "kind": kind, "params": params, **data, "reference": ref, "code": code,
             "template": sha256_file(template_path(kind)), "out": state.rel(target), "kernel": kernel_name}
        )

    return key


def refresh_record(target: Path, digest: str) -> None:
    """A report the build found up to date was made from what the current tables hold for it: its
    record says so (the index would otherwise call it outdated when another province's plan came)."""
    record = index_mod.read_record(target)
    if record is not None and record.status == "ok" and record.tables != digest and target.is_file():
        record.tables = digest
        index_mod.write_record(target, record)


def move_stale_reports(state: State, summary: BuildSummary, jobs_list: list, provinces: list[str],
                       reports_dir: Path, raw_dir: Path, when: str) -> None:
    """Reports of provinces no longer in the tables go to reports/_stale/; the state forgets the steps
    of reports no longer built (a named report removed from kexie.toml keeps its file)."""
    wanted = {job.name for job in jobs_list}
    expected = {job.target.resolve() for job in jobs_list}
    candidates: dict[Path, str] = {}
    for name in [n for n in state.steps if n.startswith("report ") and n not in wanted]:
        if not name.endswith(NAMED_SUFFIX):
            for p in state.outputs(name):
                candidates[p] = name[len("report "):]
        state.forget(name)
    for p in reports_dir.glob("province_*.html"):  # also without a state (a fresh clone, a lost .cache)
        candidates.setdefault(p.resolve(), p.stem[len("province_"):])
    for p, province in sorted(candidates.items()):
        if p.is_file() and p.resolve() not in expected and p.parent.resolve() == reports_dir.resolve():
            reason = (f"no plan of {province}'s own association at the report level in {raw_dir} any more "
                      f"(city, county and department plans get no province report; provinces now: "
                      f"{'、'.join(provinces)})")
            index_mod.move_to_stale(p, reason, when=when, reports_dir=reports_dir)
            summary.stale.append(f"reports/{p.name}")


def report_provinces(processed_dir: Path, config: ProjectConfig) -> list[str]:
    """The provinces the build renders a report for: those with a plan of the [report] level (default
    省级) issued by the association itself (not a department's), and of the [report] doc_type when
    kexie.toml sets one. A province known only from city or county plans gets no province report.
    Kept in ``<cache>/report-provinces.json`` per documents table, so a build that changed nothing
    never reads it."""
    from compare.core.paths import cache_dir
    from compare.pipeline.inputs import _remembered

    level, doc_type = config.report.level or DEFAULT_LEVEL, config.report.doc_type
    key = _sha256_json({"documents": sha256_file(Path(processed_dir) / "documents.parquet"), "level": level,
                        "doc_type": doc_type})
    return _remembered(cache_dir() / PROVINCES_FILE, key, lambda: _provinces(processed_dir, level, doc_type))


PROVINCES_FILE = "report-provinces.json"


def _provinces(processed_dir: Path, level: str, doc_type: str | None) -> list[str]:
    from compare.core.io import read_table

    docs = read_table("documents", processed_dir)
    keep = docs["province"].notna()
    if "level" in docs.columns:
        keep &= docs["level"].fillna(DEFAULT_LEVEL) == level
    if "department" in docs.columns:
        keep &= docs["department"].isna()
    if doc_type:
        keep &= docs["doc_type"] == doc_type
    return sorted(docs.loc[keep, "province"].astype(str).unique())

