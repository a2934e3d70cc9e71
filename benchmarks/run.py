"""Benchmark the pipeline on a synthetic national corpus (issue 5); see benchmarks/README.md.

    python benchmarks/run.py [--sizes 100,1000] [--json FILE] [--seed 0] [--workdir DIR]

Same as `python -m compare bench`; the work is done by compare.pipeline.bench.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from compare.pipeline.bench import cli_bench
from compare.core.errors import CompareError


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="100,1000", help="comma list of corpus sizes in documents (default 100,1000)")
    p.add_argument("--json", type=Path, default=None, help="also write every figure (and the machine) as JSON")
    p.add_argument("--seed", type=int, default=0, help="seed of the synthetic corpus (default 0)")
    p.add_argument("--workdir", type=Path, default=None,
                   help="keep the generated corpora and outputs here (default: a temporary directory, removed)")
    p.add_argument("--memory-limit-gb", type=float, default=8.0,
                   help="address-space cap of each size's process and its children (default 8; 0 = none)")
    a = p.parse_args(argv)
    try:
        a.sizes = [int(s) for s in a.sizes.replace("，", ",").split(",") if s.strip()]
    except ValueError:
        p.error(f"--sizes must be a comma list of integers, got {a.sizes!r}")
    try:
        return cli_bench(a)
    except CompareError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
