"""Benchmark the pipeline on a synthetic national corpus; see benchmarks/README.md.

    make bench                       # = python -m benchmarks.run --sizes 100 1000
    python -m benchmarks.run [--sizes 1000 10000] [--json FILE] [--seed 0] [--workdir DIR]
                             [--pipeline-only] [--write-tables]

``--write-tables`` rewrites the latest-results table of benchmarks/README.md and the README's speed rows
from this one run (:mod:`benchmarks.table`), so one command regenerates both.

Every size runs in a fresh subprocess (so peak memory is per size): :mod:`benchmarks.harness` times
each stage, :mod:`benchmarks.table` prints one table (``--json FILE`` also writes every figure).
The synthetic corpus is :mod:`benchmarks.corpus`. Not part of the installed package.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
if __package__ in (None, ""):  # `python benchmarks/run.py`: make `benchmarks` importable
    sys.path.insert(0, str(HERE.parent))

from benchmarks.corpus import SEEDS_DIR
from benchmarks.harness import GOALS, _jsonable, _pythonpath, run_size
from benchmarks.table import _build_summary, format_table, machine_info, write_tables
from compare.core.errors import CompareError
from compare.core.paths import project_root


def _worker_main(argv: list[str] | None = None) -> int:
    """`python -m benchmarks.run --worker SIZE --root DIR --out FILE`: one size in this (fresh) process;
    `python -m benchmarks.run --build RAW --jobs N --out FILE`: one build, its summary as JSON."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m benchmarks.run")
    p.add_argument("--worker", type=int, default=None, help="benchmark this many documents under --root")
    p.add_argument("--build", type=Path, default=None, help="run one build of this raw directory")
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--options", default="{}", help="JSON of extra run_build keyword arguments")
    p.add_argument("--root", type=Path, default=None)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--raw", type=Path, default=None)
    p.add_argument("--project", type=Path, default=None)
    p.add_argument("--pipeline-only", action="store_true")
    p.add_argument("--memory-limit-gb", type=float, default=None)
    a = p.parse_args(argv)
    if a.memory_limit_gb:
        # address-space cap for this process and everything it starts (kernels, segmentation workers):
        # a runaway stage fails with MemoryError instead of swapping the machine to a halt
        import resource

        cap = int(a.memory_limit_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    if a.build is not None:
        from compare.pipeline.build import run_build

        options = json.loads(a.options)
        if "formats" in options:
            options["formats"] = tuple(options["formats"])
        try:
            summary = run_build(raw_dir=a.build, jobs=a.jobs, progress=False, **options)
        except BaseException as exc:  # the build itself crashed: say where, for the table's notes
            import gc
            import traceback

            # after a MemoryError the failed frames' locals still hold the memory: free it first
            traceback.clear_frames(exc.__traceback__)
            gc.collect()
            frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/compare/" in f.filename
                      and "benchmarks" not in f.filename]
            where = " ← ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames[-3:]))
            a.out.write_text(json.dumps({"crashed": f"{type(exc).__name__}: {str(exc)[:200]}", "where": where},
                                        ensure_ascii=False), encoding="utf-8")
            raise
        res = _build_summary(summary)
    elif a.worker is not None and a.root is not None:
        res = run_size(a.worker, a.root, seed=a.seed, raw_dir=a.raw, project_dir=a.project,
                       pipeline_only=a.pipeline_only)
    else:
        p.error("give --worker N --root DIR, or --build RAW_DIR")
    a.out.write_text(json.dumps(_jsonable(res), ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


def run_benchmark(sizes: Sequence[int], *, seed: int = 0, workdir: str | Path | None = None,
                  raw_dir: str | Path | None = None, memory_limit_gb: float | None = 8.0,
                  pipeline_only: bool = False) -> dict:
    """Run every size in a fresh subprocess (`python -m benchmarks.run --worker N`); returns
    {"machine", "goals", "runs"}. workdir keeps the generated corpora (default: a temporary directory)."""
    project = project_root()
    raw_dir = Path(raw_dir) if raw_dir is not None else SEEDS_DIR
    own_tmp = workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="kexie-bench-")) if own_tmp else Path(workdir).resolve()
    runs = []
    try:
        for size in sizes:
            root = workdir / f"n{size}"
            if root.exists():
                raise CompareError(f"{root} already exists: give an empty --workdir")
            root.mkdir(parents=True)
            out = workdir / f"result-{size}.json"
            # the workers import benchmarks.* from the project checkout, whatever their working directory
            env = dict(os.environ, KEXIE_COMPARE_ROOT=str(root), MPLBACKEND="Agg", PYTHONPATH=_pythonpath())
            cmd = [sys.executable, "-m", "benchmarks.run", "--worker", str(size), "--root", str(root),
                   "--out", str(out), "--seed", str(seed), "--raw", str(raw_dir.resolve()),
                   "--project", str(project)]
            if memory_limit_gb:
                cmd += ["--memory-limit-gb", str(memory_limit_gb)]
            if pipeline_only:
                cmd.append("--pipeline-only")
            print(f"[bench] {size} documents in {root}", file=sys.stderr, flush=True)
            proc = subprocess.run(cmd, env=env, cwd=root)
            if proc.returncode != 0:
                raise CompareError(f"the benchmark of {size} documents failed (exit {proc.returncode}); see the messages above")
            runs.append(json.loads(out.read_text(encoding="utf-8")))
    finally:
        if own_tmp:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
    return {"machine": machine_info(), "goals": GOALS, "memory_limit_gb": memory_limit_gb, "runs": runs}


def cli_bench(args) -> int:
    """`make bench` / `python -m benchmarks.run [--sizes 100,1000] [--json FILE]`: print the table,
    optionally write JSON."""
    sizes = list(getattr(args, "sizes", None) or [100, 1000])
    if any(s < 1 for s in sizes):
        raise CompareError(f"--sizes must be positive document counts, got {sizes}")
    report = run_benchmark(sizes, seed=getattr(args, "seed", 0), workdir=getattr(args, "workdir", None),
                           memory_limit_gb=getattr(args, "memory_limit_gb", 8.0),
                           pipeline_only=getattr(args, "pipeline_only", False))
    report["command"] = _command_line(sys.argv[1:])
    report["timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    print(format_table(report["runs"], report["machine"]))
    path = getattr(args, "json", None)
    if path is not None:
        from compare.core.io import atomic_write_text

        atomic_write_text(Path(path), json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        print(f"figures written to {path}", file=sys.stderr)
    if getattr(args, "write_tables", False):
        for written in write_tables(report, project_root()):
            print(f"table written to {written}", file=sys.stderr)
    return 0


def _command_line(argv: list[str]) -> str:
    """The command as a reader would type it again: the module form, without the machine's own paths
    (--workdir, --json)."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in ("--workdir", "--json"):
            skip = True
            continue
        if arg.startswith(("--workdir=", "--json=")):
            continue
        kept.append(arg)
    return " ".join(["python -m benchmarks.run", *kept])


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("--worker", "--build"):
        return _worker_main(argv)
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    p.add_argument("--sizes", nargs="+", default=["100", "1000"],
                   help="corpus sizes in documents, e.g. --sizes 1000 10000 (or 1000,10000; default 100 1000)")
    p.add_argument("--json", type=Path, default=None, help="also write every figure (and the machine) as JSON")
    p.add_argument("--seed", type=int, default=0, help="seed of the synthetic corpus (default 0)")
    p.add_argument("--workdir", type=Path, default=None,
                   help="keep the generated corpora and outputs here (default: a temporary directory, removed)")
    p.add_argument("--memory-limit-gb", type=float, default=8.0,
                   help="address-space cap of each size's process and its children (default 8; 0 = none)")
    p.add_argument("--pipeline-only", action="store_true",
                   help="every size: ingest -> comparisons and the segmentation floors only (no renders, no builds)")
    p.add_argument("--write-tables", action="store_true",
                   help="rewrite benchmarks/README.md's latest table and the README's speed rows from this run")
    a = p.parse_args(argv)
    try:
        a.sizes = [int(s) for part in a.sizes for s in part.replace("，", ",").split(",") if s.strip()]
    except ValueError:
        p.error(f"--sizes must be a comma list of integers, got {a.sizes!r}")
    try:
        return cli_bench(a)
    except CompareError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
