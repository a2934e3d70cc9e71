"""Benchmark the pipeline on a synthetic national corpus (issue 5).

Two parts:

* :func:`generate_corpus` writes a deterministic synthetic corpus: the real seeds' items
  (as the loader parses them) are cut into sentences and recombined into plan documents for all
  31 provinces, several years and plan types, with proper titles, ``一、`` sections, ``1.`` items
  and ``（责任部门：…）`` notes, so that ``compare.ingest.load`` parses every one of them.
* :func:`cli_bench` runs every size in a fresh subprocess (so peak memory is per size), times each
  pipeline stage, measures the two floors (plain jieba, an empty papermill notebook) in the same
  run and prints one table (``--json FILE`` also writes every figure as JSON).
"""
from __future__ import annotations

import json
import math
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from compare.core.errors import CompareError
from compare.core.paths import RAW_DIR, project_root

# --------------------------------------------------------------------------------------------------
# Synthetic corpus
# --------------------------------------------------------------------------------------------------

#: plan types with their relative frequency, item-count range and doc_id-ish file code
DOC_TYPES: tuple[tuple[str, float, tuple[int, int], str], ...] = (
    ("工作要点", 5.0, (12, 45), "work-plan"),
    ("科普工作要点", 1.5, (10, 28), "popular-science-plan"),
    ("学会学术工作要点", 1.5, (10, 28), "society-academic-plan"),
    ("深化改革工作要点", 1.0, (10, 24), "deepening-reform-plan"),
    ("重点工作", 1.0, (6, 14), "key-work"),
)
YEARS: tuple[int, ...] = tuple(range(2014, 2025))
SEED_PROVINCES = ("河南", "湖北", "黑龙江")  # provinces of the real seeds, replaced by the target's names

_CN_NUM = "一二三四五六七八九十"
_SENT_END = re.compile(r"(?<=[。；！？])")
_QUANTITY = re.compile(r"(?<![\d.])(\d{1,5})(?=\s*(?:万|亿)?(?:场|个|人次|人|家|项|名|期|所|条|次|%|余|多|套|部))")
_YEAR = re.compile(r"(?<!\d)20[12]\d(?=\s*年)")
# sentences that would change the item structure when re-emitted inside a numbered item
_STRUCTURAL = re.compile(r"[一二三四五六七八九十]是|——|^（[一二三四五六七八九十]+）|^\d+[.、．]|责任部门|\n")


def cn_numeral(n: int) -> str:
    """1..99 as Chinese numerals (一, 十, 十一, 二十三)."""
    if not 1 <= n <= 99:
        raise ValueError(f"cn_numeral: {n} is outside 1..99")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CN_NUM[tens - 1] + "十")
    return head + ("" if ones == 0 else _CN_NUM[ones - 1])


@dataclass(frozen=True)
class SeedSection:
    """One section of a seed plan: its title and the sentences of its items."""

    title: str
    headings: tuple[str, ...]  # first sentence of each item (its short title)
    sentences: tuple[str, ...]  # every later sentence of every item
    sentences_per_item: tuple[int, ...]  # body length of each seed item, to keep lengths realistic


@dataclass(frozen=True)
class SeedPool:
    """What the generator recombines: seed sections, preambles and department names."""

    sections: tuple[SeedSection, ...]
    preamble_sentences: tuple[str, ...]
    departments: tuple[str, ...]
    n_seed_items: int


@dataclass(frozen=True)
class SyntheticDocument:
    """One generated document, as the loader should see it."""

    file_name: str
    province: str
    year: int
    doc_type: str
    title: str
    n_items: int
    n_chars: int  # characters of the whole file text
    encoding: str
    departments_noted: bool


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT_END.split(text) if s.strip()]


def seed_pool(raw_dir: str | Path = RAW_DIR) -> SeedPool:
    """Parse the real seeds with compare.ingest.load and cut their items into reusable sentences.

    Sentences that carry structure (``一是``, ``——``, markers, 责任部门) are dropped so that a
    recombined item is exactly one item for the loader.
    """
    from compare.ingest.load import ingest

    raw_dir = Path(raw_dir)
    with tempfile.TemporaryDirectory(prefix="kexie-bench-seeds-") as tmp:
        result = ingest(raw_dir, Path(tmp))
    if result.failures:
        raise CompareError(f"the seeds in {raw_dir} do not all parse: {result.failures}")
    items, docs = result.items, result.documents
    if len(items) == 0:
        raise CompareError(f"no items parsed from the seeds in {raw_dir}")
    sections: list[SeedSection] = []
    keys = items["section_title"].fillna(items["doc_type"]).astype(str)
    for (doc_id, title), grp in items.groupby([items["doc_id"], keys], sort=True):
        headings, body, per_item = [], [], []
        for text in grp["text"]:
            sents = [s for s in _sentences(str(text)) if not _STRUCTURAL.search(s)]
            if not sents:
                continue
            first, rest = sents[0], sents[1:]
            if len(first) <= 40 and first.endswith("。"):
                headings.append(first)
            body.extend(s for s in rest if 8 <= len(s) <= 260)
            per_item.append(len(rest))
        if headings and body:
            clean_title = re.sub(r"^[一二三四五六七八九十]+[、.．]\s*", "", title).strip()
            sections.append(SeedSection(clean_title, tuple(headings), tuple(body), tuple(per_item)))
    preamble: list[str] = []
    for text in docs["preamble"]:
        preamble.extend(s for s in _sentences(str(text)) if 15 <= len(s) <= 200 and not _STRUCTURAL.search(s))
    depts = sorted({d for ds in items["departments"] for d in ds if 2 <= len(d) <= 20})
    if not sections:
        raise CompareError(f"the seeds in {raw_dir} yielded no reusable sections")
    return SeedPool(tuple(sections), tuple(preamble), tuple(depts), len(items))


_FALLBACK_DEPARTMENTS = (
    "办公室", "组织人事部", "学会学术部", "科学技术普及部", "调研宣传部", "机关党委", "科技馆",
    "科普中心", "学会服务中心", "人才发展中心",
)


def _localiser(province, seed_provinces):
    """A function replacing the seed provinces' names (full, short, nicknames) with province's, in one pass."""
    nick = next((n for n in province.nicknames if len(n) >= 2), province.short)
    mapping: dict[str, str] = {}
    for p in seed_provinces:
        mapping[p.full] = province.full
        mapping[p.short] = province.short
        for n in p.nicknames:
            if len(n) >= 2:
                mapping.setdefault(n, nick)
    pattern = re.compile("|".join(re.escape(k) for k in sorted(mapping, key=len, reverse=True)))
    return lambda text: pattern.sub(lambda m: mapping[m.group(0)], text)


def _vary_numbers(text: str, rng: random.Random, year: int) -> str:
    text = _YEAR.sub(lambda m: str(year if rng.random() < 0.8 else year - 1), text)

    def qty(m: re.Match) -> str:
        v = int(m.group(1))
        return str(max(1, round(v * rng.uniform(0.5, 2.0))))

    return _QUANTITY.sub(qty, text)


def _choose_documents(n: int, rng: random.Random, provinces) -> list[tuple[object, int, str]]:
    """n distinct (province, year, doc_type): first a 工作要点 for every province, then weighted draws."""
    combos = [(p, y, t) for p in provinces for y in YEARS for t, *_ in DOC_TYPES]
    weight = {t: w for t, w, *_ in DOC_TYPES}
    if n > len(combos):
        raise CompareError(
            f"at most {len(combos)} distinct synthetic documents ({len(provinces)} provinces × {len(YEARS)} years "
            f"× {len(DOC_TYPES)} types); asked for {n}")
    # every draw is made whatever n is, so the first n documents of n+1 are the n documents of n
    chosen = [(p, rng.choice(YEARS[-5:]), "工作要点") for p in provinces][:n]
    taken = set((p.short, y, t) for p, y, t in chosen)
    # weighted sampling without replacement (Efraimidis–Spirakis keys), deterministic for the rng
    keyed = sorted(
        ((rng.random() ** (1.0 / weight[t]), i) for i, (p, y, t) in enumerate(combos)), reverse=True
    )
    for _, i in keyed:
        if len(chosen) >= n:
            break
        p, y, t = combos[i]
        if (p.short, y, t) not in taken:
            taken.add((p.short, y, t))
            chosen.append((p, y, t))
    return chosen


def _n_items(rng: random.Random, lo: int, hi: int) -> int:
    """A log-normal-ish item count inside [lo, hi] (most plans are short, a few are long)."""
    mid = math.sqrt(lo * hi)
    v = int(round(rng.lognormvariate(math.log(mid), 0.35)))
    return min(hi, max(lo, v))


def render_document(
    pool: SeedPool, province, year: int, doc_type: str, lo_hi: tuple[int, int], rng: random.Random, seed_provinces
) -> tuple[str, str, int, bool]:
    """(text, title, n_items, has_department_notes) of one synthetic plan document."""
    title = f"{province.full}科协{year}年{doc_type}"
    n_items = _n_items(rng, *lo_hi)
    n_sections = max(1, min(len(pool.sections), min(8, round(n_items / rng.uniform(3.5, 6.0)))))
    sections = rng.sample(pool.sections, n_sections)
    sizes = [1] * n_sections
    for _ in range(n_items - n_sections):
        sizes[rng.randrange(n_sections)] += 1
    marker = rng.choice(("{}.", "{}、", "{}. ", "{}．"))
    notes = rng.random() < 0.5
    depts = pool.departments or _FALLBACK_DEPARTMENTS
    all_body = [s for sec in pool.sections for s in sec.sentences]
    all_headings = [h for sec in pool.sections for h in sec.headings]
    subsections = rng.random() < 0.25
    localise = _localiser(province, seed_provinces)

    lines: list[str] = []
    if rng.random() < 0.6:
        lines += [f"{province.full}科学技术协会办公室文件", ""]
        lines += [f"{province.abbr[0]}科协办发〔{year}〕{rng.randint(1, 60)}号", ""]
    lines += [title, ""]
    pre = rng.sample(pool.preamble_sentences, min(len(pool.preamble_sentences), rng.randint(2, 6))) if pool.preamble_sentences else []
    if pre:
        lines += [_vary_numbers(localise("".join(pre)), rng, year), ""]
    k = 0
    for si, (sec, size) in enumerate(zip(sections, sizes), start=1):
        lines.append(f"{cn_numeral(si)}、{localise(sec.title)}")
        headings = rng.sample(sec.headings, len(sec.headings))  # no repeated heading inside a section
        # some plans group a section's items under （一） sub-sections titled like an item heading
        sub_at = set(range(0, size, max(2, math.ceil(size / 3)))) if subsections and size >= 4 else set()
        for j in range(size):
            if j in sub_at:
                sub_title = localise(rng.choice(all_headings).rstrip("。"))
                lines.append(f"（{cn_numeral(sorted(sub_at).index(j) + 1)}）{sub_title}")
            k += 1
            heading = headings[j % len(headings)]
            n_body = max(1, rng.choice(sec.sentences_per_item))
            # mostly sentences of the same seed section (a coherent item), some from anywhere
            body = rng.sample(sec.sentences, min(n_body, len(sec.sentences)))
            body = [s if rng.random() < 0.75 else rng.choice(all_body) for s in body]
            text = _vary_numbers(localise(heading + "".join(body)), rng, year)
            if notes:
                chosen = rng.sample(depts, min(len(depts), rng.randint(1, 3)))
                text += "（责任部门：" + localise("、".join(chosen)) + "）"
            lines.append(marker.format(k) + text)
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n", title, k, notes


def write_manifest(raw_dir: str | Path) -> Path:
    """data/raw/MANIFEST for a generated corpus: `<sha256>  <file name>` per file, as sha256sum writes."""
    import hashlib

    raw_dir = Path(raw_dir)
    lines = [
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}"
        for p in sorted(raw_dir.iterdir())
        if p.is_file() and p.name != "MANIFEST" and not p.name.startswith(".")
    ]
    path = raw_dir / "MANIFEST"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def generate_corpus(
    n_documents: int, out_dir: str | Path, *, raw_dir: str | Path = RAW_DIR, seed: int = 0,
    pool: SeedPool | None = None, provinces: Sequence[str] | None = None,
) -> list[SyntheticDocument]:
    """Write n_documents synthetic plan files into out_dir (deterministic for seed) and describe them.

    provinces: short names to draw from (default all 31). One document per file, mostly UTF-8 with
    some GB18030 files (as found on provincial sites). The first n documents of n + 1 are those of n.
    """
    from compare.ingest.provinces import PROVINCES

    if n_documents < 1:
        raise CompareError(f"n_documents must be at least 1, got {n_documents}")
    known = [p for p in PROVINCES if p.short != "全国"]
    if provinces is not None:
        unknown = sorted(set(provinces) - {p.short for p in known})
        if unknown:
            raise CompareError(f"unknown provinces {unknown}; use short names such as 河南, 内蒙古")
        known = [p for p in known if p.short in set(provinces)]
    pool = pool if pool is not None else seed_pool(raw_dir)
    provinces = known
    seed_provs = [p for p in PROVINCES if p.short in SEED_PROVINCES]
    rng = random.Random(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lo_hi = {t: r for t, _, r, _ in DOC_TYPES}
    code = {t: c for t, _, _, c in DOC_TYPES}
    docs: list[SyntheticDocument] = []
    for province, year, doc_type in _choose_documents(n_documents, rng, provinces):
        text, title, n_items, notes = render_document(pool, province, year, doc_type, lo_hi[doc_type], rng, seed_provs)
        encoding = "gb18030" if rng.random() < 0.1 else "utf-8"
        name = f"{province.pinyin}_{year}_{code[doc_type]}.txt"
        (out_dir / name).write_bytes(text.encode(encoding))
        docs.append(SyntheticDocument(name, province.short, year, doc_type, title, n_items, len(text), encoding, notes))
    return docs


# --------------------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------------------

#: the goals of issue 5, checked in the table
GOALS = {
    "pipeline_s": 60.0,  # 1,000 documents: ingest + segmentation + themes + comparisons, wall seconds
    "peak_rss_mb": 1536.0,  # 1,000 documents: peak resident memory of the pipeline process
    "nochange_build_s": 2.0,
    "render_minus_floor_s": 5.0,
    "segmentation_ratio": 1.2,
}


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
        self.times[name] = wall
        if cpu is not None:
            self.cpu[name] = cpu
        extra = f" (cpu {cpu:.2f} s)" if cpu is not None else ""
        print(f"[bench {self.label}] {name}: {wall:.2f} s{extra}", file=sys.stderr, flush=True)


def jieba_floor(texts: Sequence[str], cache_dir: Path) -> tuple[float, float, list[list[str]]]:
    """(wall, cpu) seconds of plain ``jieba.Tokenizer().lcut`` over texts in one process, and its tokens.

    The dictionary is loaded before the clock starts; jieba keeps no token cache, so it is cold."""
    import logging

    import jieba

    tk = jieba.Tokenizer()
    tk.tmp_dir = str(cache_dir)  # its dictionary cache stays inside the benchmark directory
    logging.getLogger("jieba").setLevel(logging.WARNING)
    tk.initialize()
    c0, t0 = time.process_time(), time.perf_counter()
    out = [tk.lcut(t) for t in texts]
    return time.perf_counter() - t0, time.process_time() - c0, out


def empty_notebook_floor(tmp_dir: Path, kernel_name: str = "kexie-compare") -> float:
    """Seconds for papermill to execute an empty notebook (kernel start-up and shut-down)."""
    import nbformat
    import papermill

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": kernel_name, "display_name": kernel_name, "language": "python"}
    src, dst = tmp_dir / "empty.ipynb", tmp_dir / "empty.out.ipynb"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, src)
    t0 = time.perf_counter()
    papermill.execute_notebook(
        str(src), str(dst), kernel_name=kernel_name, progress_bar=False, log_output=False, cwd=str(tmp_dir)
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
    years = list(corpus.years)
    first = provinces[0]
    calls = {
        "theme_shares": lambda: A.theme_shares(corpus),
        "theme_share_matrix": lambda: A.theme_share_matrix(corpus, by=("province", "year")),
        "keyness": lambda: A.keyness(corpus, by="province"),
        "similarity": lambda: A.similarity(corpus, level="document"),
        "term_changes": lambda: [A.term_changes(corpus, p) for p in provinces],
        "theme_changes": lambda: [A.theme_changes(corpus, p) for p in provinces],
        "shared_phrases": lambda: A.shared_phrases(corpus, min_provinces=2),
        "targets_by_theme": lambda: A.targets_by_theme(corpus),
        "departments_by_theme": lambda: A.departments_by_theme(corpus),
        "kwic": lambda: A.kwic(corpus, "科普"),
        "filter_items": lambda: [A.filter_items(corpus, province=p) for p in provinces],
        "validate_selection": lambda: A.validate_selection(corpus, province=first, years=years[-2:]),
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
             build_options: dict | None = None) -> dict:
    """Generate `size` documents under root/data/raw and time every stage; returns every figure.

    root becomes the project root for the run (KEXIE_COMPARE_ROOT and the working directory), so
    every cache (jieba, tokens, build state) starts cold inside it; its notebooks/ links to the real
    project's report templates. The environment and working directory are restored afterwards.
    Meant to run in a fresh process per size (see run_benchmark), so that peak memory is per size.
    provinces restricts the corpus (generate_corpus); build_options go to compare.pipeline.build.run_build
    (e.g. formats=("png",) for a quick run).
    """
    project_dir = Path(project_dir) if project_dir is not None else project_root()
    raw_seeds = Path(raw_dir) if raw_dir is not None else project_dir / RAW_DIR
    root = Path(root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    if not (root / "notebooks").exists():
        (root / "notebooks").symlink_to((project_dir / "notebooks").resolve(), target_is_directory=True)
    saved_env = {k: os.environ.get(k) for k in ("KEXIE_COMPARE_ROOT", "MPLBACKEND")}
    saved_cwd = os.getcwd()
    os.environ["KEXIE_COMPARE_ROOT"] = str(root)
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.chdir(root)
    try:
        with DescendantPeak() as children:
            res = _run_stages(size, root, seed=seed, raw_seeds=raw_seeds, provinces=provinces,
                              build_options=dict(build_options or {}))
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


def _run_stages(size: int, root: Path, *, seed: int, raw_seeds: Path, provinces, build_options: dict) -> dict:
    import resource

    raw, processed = root / "data" / "raw", root / "data" / "processed"
    clock = _Clock(f"n={size}")
    res: dict = {"documents_requested": size, "seed": seed, "notes": [],
                 "load_average_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None}

    pool = clock.run("seed pool", seed_pool, raw_seeds)
    docs = clock.run("generate", generate_corpus, size, raw, seed=seed, pool=pool, provinces=provinces)
    write_manifest(raw)
    res["documents"] = len(docs)
    res["characters"] = sum(d.n_chars for d in docs)
    res["gb18030_files"] = sum(d.encoding == "gb18030" for d in docs)

    # ---- ingest ----------------------------------------------------------------------------------
    from compare.ingest.load import ingest

    result = clock.run("ingest", ingest, raw, processed, strict=True)
    if result.failures or len(result.documents) != len(docs):
        raise CompareError(f"ingest of the synthetic corpus: {len(result.documents)} of {len(docs)} documents, failures {result.failures}")
    texts = [str(t) for t in result.items["text"]]
    res["items"] = len(texts)
    res["item_characters"] = int(sum(len(t) for t in texts))

    # ---- segmentation (the pipeline's own segmenter, cold token cache) -------------------------
    from compare.text.segment import Segmenter, default_segmenter

    seg = default_segmenter()
    seg.tokenizer  # noqa: B018 - jieba dictionary + user words loaded before timing; token cache is empty
    tokens_1 = clock.run("segmentation", seg.tokenize_many, texts, n_jobs=1)

    # ---- themes (tokens now cached: TF-IDF, scoring, clustering) -------------------------------
    from compare.text.themes import run_themes

    clock.run("themes", run_themes, processed)

    # ---- comparisons ------------------------------------------------------------------------------
    from compare.analysis import Corpus

    c0, t0 = _cpu_seconds(), time.perf_counter()
    corpus = Corpus.load(processed)
    _ = corpus.tokens
    res["comparison_times"] = _comparisons(corpus, clock)
    clock.record("comparisons", time.perf_counter() - t0, _cpu_seconds() - c0)
    res["pipeline_s"] = sum(clock.times[k] for k in ("ingest", "segmentation", "themes", "comparisons"))
    res["peak_rss_pipeline_mb"] = _maxrss_mb(resource.RUSAGE_SELF)
    del corpus

    # ---- segmentation floor and both cores ---------------------------------------------------------
    floor_s, floor_cpu, floor_tokens = jieba_floor(texts, root / ".cache" / "jieba")
    clock.record("jieba_floor", floor_s, floor_cpu)
    res["segmentation_ratio"] = clock.times["segmentation"] / floor_s
    res["segmentation_ratio_cpu"] = clock.cpu["segmentation"] / floor_cpu
    res["jieba_floor_tokens"] = sum(len(t) for t in floor_tokens)
    del floor_tokens
    seg2 = Segmenter(cache_dir=root / ".cache" / "bench-2cores")  # a cold token cache of its own
    seg2.tokenizer  # noqa: B018
    tokens_2 = clock.run("segmentation_2cores", seg2.tokenize_many, texts, n_jobs=2)
    res["segmentation_2cores_identical"] = tokens_2 == tokens_1
    res["tokens"] = sum(len(t) for t in tokens_1)
    del tokens_1, tokens_2

    # ---- one report render vs an empty notebook -----------------------------------------------------
    from compare.pipeline.report import render_report

    c0 = _cpu_seconds()
    floors = [empty_notebook_floor(root / "empty-notebook")]
    province = result.documents["province"].value_counts().sort_index().idxmax()
    clock.attempt("report_render", res["notes"], render_report, "province", parameters={"province": province},
                  processed_dir=processed, out_dir=root / "bench-reports", kernel_name="kexie-compare")
    floors.append(empty_notebook_floor(root / "empty-notebook"))
    res["empty_notebook_runs_s"] = floors
    clock.record("empty_notebook", min(floors))
    res["report_province"] = province
    res["report_and_floors_cpu_s"] = _cpu_seconds() - c0  # kernels are children: their CPU counts once reaped

    # ---- build: full, no change, one added document -----------------------------------------------
    # each build runs in its own process, as `python -m compare build` does: its time includes
    # interpreter start-up and imports, and memory it keeps cannot leak into the next build

    def build(name: str, jobs: int) -> dict | None:
        out = root / f".bench-{name}.json"
        out.unlink(missing_ok=True)
        cmd = [sys.executable, "-m", "compare.pipeline.bench", "--build", str(raw), "--jobs", str(jobs), "--out", str(out),
               "--options", json.dumps(build_options)]
        c0, t0 = _cpu_seconds(), time.perf_counter()
        proc = subprocess.run(cmd, cwd=root, env=dict(os.environ, KEXIE_COMPARE_ROOT=str(root)))
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

    build("build_full", 2)
    build("build_nochange", 1)
    with tempfile.TemporaryDirectory(prefix="kexie-bench-plus1-") as tmp:
        added = generate_corpus(size + 1, tmp, seed=seed, pool=pool, provinces=provinces)[-1]
        (raw / added.file_name).write_bytes((Path(tmp) / added.file_name).read_bytes())
    write_manifest(raw)
    res["added_document"] = asdict(added)
    build("build_add_one", 2)

    # ---- the same report again, now that the build has cached the corpus-wide comparisons --------
    clock.attempt("report_render_after_build", res["notes"], render_report, "province", parameters={"province": province},
                  processed_dir=processed, out_dir=root / "bench-reports", kernel_name="kexie-compare")

    res["times_s"] = clock.times
    res["cpu_s"] = clock.cpu
    res["build_options"] = build_options
    res["peak_rss_mb"] = _maxrss_mb(resource.RUSAGE_SELF)
    res["peak_rss_children_mb"] = _maxrss_mb(resource.RUSAGE_CHILDREN)
    res["memory_method"] = (
        "resource.getrusage ru_maxrss (peak RSS) of the per-size benchmark process; descendants: VmHWM of "
        "every child process (segmentation workers, Jupyter kernels) sampled from /proc every 0.25 s; "
        "peak_rss_children_mb (RUSAGE_CHILDREN) is kept for reference but counts pre-exec pages of forks")
    return res


# --------------------------------------------------------------------------------------------------
# Machine, table, command line
# --------------------------------------------------------------------------------------------------


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
    for dist in ("kexie-compare", "jieba", "numpy", "pandas", "pyarrow", "scikit-learn", "scipy",
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


def format_table(runs: list[dict], machine: dict) -> str:
    """The benchmark table (Markdown), one column per corpus size, goals beside the figures."""

    def t(r, k):
        return r.get("times_s", {}).get(k)

    def c(r, k):
        times = r.get("times_s", {})
        if k in times and times[k] is None:
            after = r.get("failed_after_s", {}).get(k)
            return f"failed after {after:.0f} s" if after is not None else "failed"
        return _fmt(times.get(k))

    rows: list[tuple[str, str, list[str]]] = [
        ("load average before the run (1 min)", "quiet", [_fmt((r.get("load_average_at_start") or [None])[0]) for r in runs]),
        ("documents", "", [_fmt(r.get("documents")) for r in runs]),
        ("items", "", [_fmt(r.get("items")) for r in runs]),
        ("characters (files)", "", [f"{r['characters']:,}" if r.get("characters") else "—" for r in runs]),
        ("characters (items, segmented)", "", [f"{r['item_characters']:,}" if r.get("item_characters") else "—" for r in runs]),
        ("ingest (s)", "", [c(r, "ingest") for r in runs]),
        ("segmentation, 1 process (s)", "", [c(r, "segmentation") for r in runs]),
        ("plain jieba floor (s)", "", [c(r, "jieba_floor") for r in runs]),
        ("segmentation / jieba floor", f"≤ {GOALS['segmentation_ratio']}", [_fmt(r.get("segmentation_ratio")) for r in runs]),
        ("  same ratio in CPU seconds", "", [_fmt(r.get("segmentation_ratio_cpu")) for r in runs]),
        ("segmentation, 2 processes (s)", "", [c(r, "segmentation_2cores") for r in runs]),
        ("2 processes identical to 1", "yes", [_fmt(r.get("segmentation_2cores_identical")) for r in runs]),
        ("themes / TF-IDF / clustering (s)", "", [c(r, "themes") for r in runs]),
        ("comparisons, all analysis functions (s)", "", [c(r, "comparisons") for r in runs]),
        ("ingest + segmentation + themes + comparisons (s)", f"< {GOALS['pipeline_s']:.0f} at 1,000", [_fmt(r.get("pipeline_s")) for r in runs]),
        ("peak RSS of that pipeline (MB)", f"< {GOALS['peak_rss_mb']:.0f} at 1,000", [_fmt(r.get("peak_rss_pipeline_mb"), ".0f") for r in runs]),
        ("one report render, before any build (s)", "", [c(r, "report_render") for r in runs]),
        ("empty notebook, papermill (s)", "", [c(r, "empty_notebook") for r in runs]),
        ("report render − empty notebook (s)", f"≤ {GOALS['render_minus_floor_s']:.0f}",
         [_fmt(t(r, "report_render") - t(r, "empty_notebook")) if t(r, "report_render") is not None and t(r, "empty_notebook") is not None else "—" for r in runs]),
        ("report render / empty notebook", "", [_fmt(t(r, "report_render") / t(r, "empty_notebook")) if t(r, "report_render") is not None and t(r, "empty_notebook") else "—" for r in runs]),
        ("same report after a build (comparisons cached) (s)", "", [c(r, "report_render_after_build") for r in runs]),
        ("  … − empty notebook (s)", f"≤ {GOALS['render_minus_floor_s']:.0f}",
         [_fmt(t(r, "report_render_after_build") - t(r, "empty_notebook")) if t(r, "report_render_after_build") is not None and t(r, "empty_notebook") is not None else "—" for r in runs]),
        ("full build, jobs=2 (s)", "", [c(r, "build_full") for r in runs]),
        ("no-change build (s)", f"< {GOALS['nochange_build_s']:.0f}", [c(r, "build_nochange") for r in runs]),
        ("  … what it re-did", "nothing", [_what_redid(r.get("build_nochange_summary")) for r in runs]),
        ("build after adding one document (s)", "", [c(r, "build_add_one") for r in runs]),
        ("  … what it re-did", "", [_what_redid(r.get("build_add_one_summary")) for r in runs]),
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
        f"jieba {m['versions'].get('jieba')}, pandas {m['versions'].get('pandas')}, scikit-learn {m['versions'].get('scikit-learn')}."
    )
    for r in runs:
        for note in r.get("notes", []):
            lines.append(f"Note ({r.get('documents_requested')} docs): {note}")
    return "\n".join(lines)


def _worker_main(argv: list[str] | None = None) -> int:
    """`python -m compare.pipeline.bench --worker SIZE --root DIR --out FILE`: one size in this (fresh) process;
    `python -m compare.pipeline.bench --build RAW --jobs N --out FILE`: one build, its summary as JSON."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m compare.pipeline.bench")
    p.add_argument("--worker", type=int, default=None, help="benchmark this many documents under --root")
    p.add_argument("--build", type=Path, default=None, help="run one build of this raw directory")
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--options", default="{}", help="JSON of extra run_build keyword arguments")
    p.add_argument("--root", type=Path, default=None)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--raw", type=Path, default=None)
    p.add_argument("--project", type=Path, default=None)
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
                      and not f.filename.endswith("bench.py")]
            where = " ← ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames[-3:]))
            a.out.write_text(json.dumps({"crashed": f"{type(exc).__name__}: {str(exc)[:200]}", "where": where},
                                        ensure_ascii=False), encoding="utf-8")
            raise
        res = _build_summary(summary)
    elif a.worker is not None and a.root is not None:
        res = run_size(a.worker, a.root, seed=a.seed, raw_dir=a.raw, project_dir=a.project)
    else:
        p.error("give --worker N --root DIR, or --build RAW_DIR")
    a.out.write_text(json.dumps(_jsonable(res), ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


def run_benchmark(sizes: Sequence[int], *, seed: int = 0, workdir: str | Path | None = None,
                  raw_dir: str | Path | None = None, memory_limit_gb: float | None = 8.0) -> dict:
    """Run every size in a fresh subprocess (`python -m compare.pipeline.bench --worker N`); returns
    {"machine", "goals", "runs"}. workdir keeps the generated corpora (default: a temporary directory)."""
    project = project_root()
    raw_dir = Path(raw_dir) if raw_dir is not None else project / RAW_DIR
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
            env = dict(os.environ, KEXIE_COMPARE_ROOT=str(root), MPLBACKEND="Agg")
            cmd = [sys.executable, "-m", "compare.pipeline.bench", "--worker", str(size), "--root", str(root),
                   "--out", str(out), "--seed", str(seed), "--raw", str(raw_dir.resolve()),
                   "--project", str(project)]
            if memory_limit_gb:
                cmd += ["--memory-limit-gb", str(memory_limit_gb)]
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
    """`python -m compare bench [--sizes 100,1000] [--json FILE]`: print the table, optionally write JSON."""
    sizes = list(getattr(args, "sizes", None) or [100, 1000])
    if any(s < 1 for s in sizes):
        raise CompareError(f"--sizes must be positive document counts, got {sizes}")
    report = run_benchmark(sizes, seed=getattr(args, "seed", 0), workdir=getattr(args, "workdir", None),
                           memory_limit_gb=getattr(args, "memory_limit_gb", 8.0))
    report["command"] = " ".join(sys.argv)
    report["timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    print(format_table(report["runs"], report["machine"]))
    path = getattr(args, "json", None)
    if path is not None:
        from compare.core.io import atomic_write_text

        atomic_write_text(Path(path), json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        print(f"figures written to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(_worker_main())
