"""The benchmark's synthetic national corpus: deterministic plan documents for all 31 provinces.

:func:`generate_corpus` writes a deterministic synthetic corpus: the real seeds' items (as the loader
parses them) are cut into sentences and recombined into plan documents for all 31 provinces, several
years and plan types, with proper titles, ``一、`` sections, ``1.`` items and ``（责任部门：…）`` notes,
so that ``compare.ingest.load`` parses every one of them. Not part of the installed package: it is
used by the benchmark (``make bench``) and by tests of national-scale behaviour.
"""
from __future__ import annotations

import math
import random
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from compare.core.errors import CompareError

#: the five seed plans, byte for byte (the tests' copy): the corpus is generated from them, not from
#: data/raw, so an analyst's new plan never changes the benchmark or a test built on it
SEEDS_DIR = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "seeds"

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
    level: str = "省级"  # 市级 for a city association's plan


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT_END.split(text) if s.strip()]


def seed_pool(raw_dir: str | Path = SEEDS_DIR) -> SeedPool:
    """Parse the real seeds with compare.ingest.load and cut their items into reusable sentences.

    Sentences that carry structure (``一是``, ``——``, markers, 责任部门) are dropped so that a
    recombined item is exactly one item for the loader.
    """
    from compare.ingest.run import ingest

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
    """n distinct (province, year, doc_type): first a 工作要点 for every province, then weighted draws;
    beyond every province combination, plans of city associations (:func:`_city_documents`)."""
    combos = [(p, y, t) for p in provinces for y in YEARS for t, *_ in DOC_TYPES]
    weight = {t: w for t, w, *_ in DOC_TYPES}
    # every draw is made whatever n is, so the first n documents of n+1 are the n documents of n
    chosen = [(p, rng.choice(YEARS[-5:]), "工作要点") for p in provinces][:n]
    taken = set((p.short, y, t) for p, y, t in chosen)
    for p, y, t in _weighted(combos, weight, rng):
        if len(chosen) >= n:
            break
        if (p.short, y, t) not in taken:
            taken.add((p.short, y, t))
            chosen.append((p, y, t))
    if len(chosen) < n:
        chosen += _city_documents(n - len(chosen), provinces, weight)
    return chosen


def _weighted(combos: list, weight: dict, rng: random.Random) -> list:
    """combos in a weighted random order (Efraimidis–Spirakis keys), deterministic for the rng."""
    keyed = sorted(((rng.random() ** (1.0 / weight[t]), i) for i, (_, _, t) in enumerate(combos)), reverse=True)
    return [combos[i] for _, i in keyed]


@dataclass(frozen=True)
class City:
    """A city association issuing plans: its name (郑州市) and its province (the PROVINCES entry)."""

    full: str
    province: object
    adcode: str

    @property
    def short(self) -> str:
        return self.full


def cities_of(provinces, per_province: int = 10) -> list[City]:
    """Up to per_province prefecture-level cities of each province (adcode order, from cpca)."""
    from compare.ingest.places import gazetteer

    by_province: dict[str, list] = {}
    for places in gazetteer().values():
        for place in places:
            if place.kind == "prefecture" and place.name.endswith("市"):
                by_province.setdefault(place.province, []).append(place)
    out = []
    for p in provinces:
        for place in sorted(by_province.get(p.short, []), key=lambda pl: pl.adcode)[:per_province]:
            out.append(City(place.name, p, place.adcode))
    return out


def _city_documents(n: int, provinces, weight: dict) -> list[tuple[object, int, str]]:
    """n distinct (city, year, doc_type) plans of city associations, weighted like the provinces' (own
    rng, so adding cities never changes the province documents or their text)."""
    combos = [(c, y, t) for c in cities_of(provinces) for y in YEARS for t, *_ in DOC_TYPES]
    if n > len(combos):
        raise CompareError(f"at most {len(combos)} synthetic city plans (beyond the provinces' own); asked for {n}")
    return _weighted(combos, weight, random.Random(7919))[:n]


def _n_items(rng: random.Random, lo: int, hi: int) -> int:
    """A log-normal-ish item count inside [lo, hi] (most plans are short, a few are long)."""
    mid = math.sqrt(lo * hi)
    v = int(round(rng.lognormvariate(math.log(mid), 0.35)))
    return min(hi, max(lo, v))


def render_document(
    pool: SeedPool, province, year: int, doc_type: str, lo_hi: tuple[int, int], rng: random.Random, seed_provinces
) -> tuple[str, str, int, bool]:
    """(text, title, n_items, has_department_notes) of one synthetic plan document; province may be a
    City (a city association's plan: its name in the title, its province's names in the text)."""
    issuer = province.full
    province = getattr(province, "province", province)
    title = f"{issuer}科协{year}年{doc_type}"
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
        lines += [f"{issuer}科学技术协会办公室文件", ""]
        lines += [f"{province.abbr[0] if issuer == province.full else issuer[:2]}科协办发〔{year}〕{rng.randint(1, 60)}号", ""]
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
    n_documents: int, out_dir: str | Path, *, raw_dir: str | Path = SEEDS_DIR, seed: int = 0,
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
        home = getattr(province, "province", province)
        city = home is not province
        name = f"{home.pinyin}{'-' + province.adcode[:6] if city else ''}_{year}_{code[doc_type]}.txt"
        (out_dir / name).write_bytes(text.encode(encoding))
        docs.append(SyntheticDocument(name, home.short, year, doc_type, title, n_items, len(text), encoding, notes,
                                      "市级" if city else "省级"))
    return docs


