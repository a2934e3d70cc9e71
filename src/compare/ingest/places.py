"""Gazetteer of every prefecture- and county-level division, and the level of an issuing body.

The table is the administrative-division list shipped with the `cpca` package
(`cpca/resources/adcodes.csv`: 12-digit adcode, name). It is read directly, once, on first use
(importing cpca itself loads a segmenter and takes seconds; only its data file is needed):

- adcode `PP0000000000`  province-level unit (河南省, 重庆市, 广西壮族自治区)
- adcode `PPCC00000000`  prefecture level (长治市, 巴音郭楞蒙古自治州); placeholders such as 市辖区,
  县 and 省直辖县级行政区划 are skipped
- adcode `PPCCXX000000`  county level (临西县, 浏阳市, 朝阳区)

Names are matched in full (长治市, 临西县). A name without its suffix (长治, 临西) is matched only when
a 科协 / 科学技术协会 follows it (长治科协), because short names are ordinary words too often.
Customary short forms of autonomous units keep a suffix and are matched like full names when they
are unique in the table: 莫旗 (莫力达瓦达斡尔族自治旗), 巴州 (巴音郭楞蒙古自治州), 大理州, 长阳县.
The same county name exists in several provinces (朝阳区: 北京, 长春); `locate` then prefers the
province given as a hint or by a division named before it (北京市朝阳区); alone, it gives only its level
(`issuer_level`), and the province comes from the rest of the text or is asked for.

`issuer_level(name)` answers the question the loader asks of an issuer or a title: who is this?
national (中国科协 and its bodies), a province, a prefecture or a county.
"""
from __future__ import annotations

import csv
import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from compare.ingest.provinces import NATIONAL, canonical_province
_SKIP_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "直辖县级行政区划"}
_SUFFIX_RE = re.compile(r"(自治县|自治州|自治旗|地区|新区|林区|特区|矿区|市|县|区|盟|旗)$")
_ORG_AFTER_SHORT = r"(?=科协|科学技术协会)"
# national bodies: 中国科协 and its 党组 / 书记处 / 办公厅 / departments, the national science-literacy office
_NATIONAL_RE = re.compile(r"^(中国科协|中国科学技术协会|中国科协党组|全民科学素质纲要实施工作办公室|全国学会)")
# a generic issuer (省科协, 市科协办公室, 县科协, 区科协) says its level but not its place
_GENERIC_RE = re.compile(r"^(?:本|全)?(省|自治区|市|州|盟|地区|县|区|旗)(?:科协|科学技术协会|人民政府|政府)")
_GENERIC_LEVEL = {"省": "省级", "自治区": "省级", "市": "市级", "州": "市级", "盟": "市级", "地区": "市级",
                  "县": "县级", "区": "县级", "旗": "县级"}


@dataclass(frozen=True)
class Place:
    name: str           # 临西县
    kind: str           # province | prefecture | county
    province: str       # canonical short name of its province (河北)
    prefecture: str | None   # 邢台市 for a county; None for a prefecture or province
    adcode: str


@dataclass(frozen=True)
class Located:
    level: str            # 全国 / 省级 / 市级 / 县级
    province: str | None  # canonical short name (全国 for national bodies)
    city: str | None      # prefecture or county name below the province level


def _adcodes_path() -> Path:
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the cpca package (administrative divisions) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"


@lru_cache(maxsize=1)
def gazetteer() -> dict[str, tuple[Place, ...]]:
    """name (full, and short + 科协 form keys) -> the places of that name, in adcode order."""
    rows = []
    with open(_adcodes_path(), encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code, name = row["adcode"].strip(), row["name"].strip()
            if len(code) == 12 and name and name not in _SKIP_NAMES:
                rows.append((code, name))
    rows.sort()
    province_of: dict[str, str] = {}
    prefecture_of: dict[str, str] = {}
    for code, name in rows:
        if code[2:] == "0" * 10 and canonical_province(name):
            province_of[code[:2]] = canonical_province(name)  # the 31 mainland units (not 台湾/香港/澳门)
        elif code[4:] == "0" * 8:
            prefecture_of[code[:4]] = name
    table: dict[str, list[Place]] = {}
    for code, name in rows:
        if code[6:] != "0" * 6 or code[:2] not in province_of:
            continue
        if code[2:] == "0" * 10:
            kind, pref = "province", None
        elif code[4:] == "0" * 8:
            kind, pref = "prefecture", None
        else:
            kind, pref = "county", prefecture_of.get(code[:4])
        table.setdefault(name, []).append(Place(name, kind, province_of[code[:2]], pref, code))
    return {k: tuple(v) for k, v in table.items()}


_AUTONOMOUS_RE = re.compile(r"自治(旗|州|县)$")
# the place part of an autonomous unit's name ends where its peoples' names begin
_PEOPLES_RE = re.compile(
    r"^(苗|布依|土家|藏|彝|傣|哈尼|壮|侗|白|回|蒙古|朝鲜|黎|瑶|羌|景颇|傈僳|哈萨克|柯尔克孜|达斡尔|鄂伦春|鄂温克|满|畲"
    r"|仡佬|水|纳西|拉祜|佤|普米|怒|独龙|裕固|撒拉|保安|东乡|土|各族|锡伯|塔吉克|毛南|仫佬|京|哈萨克)")


# one-character short forms in customary use (the others are too ambiguous to guess)
_FIRST_CHAR_PREFECTURES = {"巴州": "巴音郭楞蒙古自治州", "克州": "克孜勒苏柯尔克孜自治州", "博州": "博尔塔拉蒙古自治州"}


@lru_cache(maxsize=1)
def customary_shorts() -> dict[str, tuple[Place, ...]]:
    """Customary short forms of autonomous banners, prefectures and counties, kept only when one unit
    has them and no real division is so named: 莫旗, 巴州, 大理州, 黔东南州, 长阳县."""
    table = gazetteer()
    cands: dict[str, set[str]] = {}
    for name in table:
        m = _AUTONOMOUS_RE.search(name)
        if not m:
            continue
        suffix = m.group(1)
        if suffix == "旗" and len(name) >= 7 and sum(n[0] == name[0] and n.endswith("旗") for n in table) == 1:
            cands.setdefault(name[0] + suffix, set()).add(name)   # 莫旗: the only banner of its first character
        for k in (2, 3):  # 大理州, 黔东南州, 长阳县: the place part before the peoples' names
            if _PEOPLES_RE.match(name[k:]):
                cands.setdefault(name[:k] + suffix, set()).add(name)
    for short, full in _FIRST_CHAR_PREFECTURES.items():
        cands.setdefault(short, set()).add(full)
    plain: dict[str, set[str]] = {}   # 德州 is 德州市 (山东), not 德宏州 (云南); 大理州 is 大理市's prefecture
    for n, places in table.items():
        plain.setdefault(_SUFFIX_RE.sub("", n), set()).update(p.province for p in places)
    out = {}
    for short, full in sorted(cands.items()):
        places = table.get(next(iter(full)), ())
        if len(full) != 1 or len(places) != 1 or short in table:
            continue
        clash = plain.get(short, set()) | plain.get(short[:-1], set())
        if clash - {places[0].province} or canonical_province(short[:-1]):
            continue   # 河南县 (青海) reads as a county of 河南
        out[short] = places
    return out


@lru_cache(maxsize=1)
def _all_names() -> dict[str, tuple[Place, ...]]:
    return {**customary_shorts(), **gazetteer()}


@lru_cache(maxsize=1)
def _name_re() -> re.Pattern:
    names = [n for n in _all_names() if len(n) >= 2]
    shorts = sorted({_SUFFIX_RE.sub("", n) for n in gazetteer() if len(_SUFFIX_RE.sub("", n)) >= 2} - set(names))
    full = "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n)))
    short = "|".join(re.escape(n) for n in sorted(shorts, key=lambda n: (-len(n), n)))
    return re.compile(f"(?P<full>{full})|(?P<short>{short}){_ORG_AFTER_SHORT}")


@lru_cache(maxsize=1)
def _short_index() -> dict[str, tuple[Place, ...]]:
    out: dict[str, list[Place]] = {}
    for name, places in gazetteer().items():
        short = _SUFFIX_RE.sub("", name)
        if len(short) >= 2 and short != name:
            out.setdefault(short, []).extend(places)
    return {k: tuple(v) for k, v in out.items()}


def _pick(places: tuple[Place, ...], hint: str | None) -> Place:
    if hint:
        for p in places:
            if p.province == hint:
                return p
    return places[0]


@lru_cache(maxsize=8)    # the texts of one document's place rules, not a corpus
def _named(text: str) -> tuple[tuple[int, tuple[Place, ...]], ...]:
    """(position, the places of that name) of every division named in text: one scan, kept for the
    next rule asking about the same text (with or without a province hint)."""
    out = []
    prev_end = -1
    for m in _name_re().finditer(text):
        if m.group("full"):
            if len(m.group("full")) == 2 and m.start() > 0 and m.start() != prev_end \
                    and "\u4e00" <= text[m.start() - 1] <= "\u9fff":
                continue
            cands = _all_names()[m.group("full")]
        else:
            cands = _short_index()[m.group("short")]
        out.append((m.start(), cands))
        prev_end = m.end()
    return tuple(out)


def places_in(text: str, *, hint: str | None = None) -> list[tuple[int, Place]]:
    """Every division named in text, as (position, place), in text order (longest name wins). A
    two-character name (成县, 沙县, 徽县) counts only where a word can start: not right after another
    CJK character (建成县科技馆 names no county) unless that character ends a division (陇南市成县)."""
    return [(pos, _pick(cands, hint)) for pos, cands in _named(text or "")]


def _match_at(text: str, pos: int, hint: str | None) -> tuple[int, Place] | None:
    m = _name_re().match(text, pos)
    if not m:
        return None
    cands = _all_names()[m.group("full")] if m.group("full") else _short_index()[m.group("short")]
    return m.end(), _pick(cands, hint)


def leading_run(text: str, *, hint: str | None = None) -> list[Place]:
    """The run of place names opening text, each read with the province of the one before as the hint:
    兰州市城关区科协 -> [兰州市, 城关区 (甘肃)]; 关于… -> []."""
    text = (text or "").strip()
    run: list[Place] = []
    pos = 0
    while True:
        hit = _match_at(text, pos, run[-1].province if run else hint)
        if hit is None:
            return run
        pos, place = hit
        run.append(place)


def leading_place(text: str, *, hint: str | None = None) -> Place | None:
    """The most specific division in the run of place names opening text:
    河南省郑州市科协 -> 郑州市; 临西县科学技术协会 -> 临西县; 山东省科协 -> 山东省; 关于… -> None."""
    run = leading_run(text, hint=hint)
    return run[-1] if run else None


def same_named(name: str) -> tuple[Place, ...]:
    """Every division of that name (or customary short form)."""
    return _all_names().get(name, ())


def shared_name(name: str) -> bool:
    """A division name several provinces have (城关区: 兰州 and 拉萨; 江北区: 重庆 and 宁波)."""
    return len({p.province for p in _all_names().get(name, ())}) > 1


def level_of(place: Place) -> Located:
    if place.kind == "province":
        return Located("省级", place.province, None)
    if place.kind == "prefecture":
        return Located("市级", place.province, place.name)
    return Located("县级", place.province, place.name)


def is_national(name: str | None) -> bool:
    """中国科协, 中国科协党组, 中国科协办公厅, 中国科协学会学术部, 全民科学素质纲要实施工作办公室 …"""
    return bool(name) and bool(_NATIONAL_RE.match(name.strip()))


def issuer_level(name: str | None, *, hint: str | None = None) -> Located | None:
    """Level, province and city of the body that opens `name` (an issuer, a title, a notice line).

    >>> issuer_level("临西县科学技术协会")
    Located(level='县级', province='河北', city='临西县')

    National bodies -> 全国; a province name (河南省科协, 重庆市科协) -> 省级; a prefecture (长治市科协)
    -> 市级; a county-level unit (临西县, 浏阳市, 朝阳区) -> 县级. A generic name (省科协, 县科协)
    gives its level with no place. None when name opens with no body at all.
    """
    if not name:
        return None
    name = name.strip()
    if is_national(name):
        return Located(NATIONAL, NATIONAL, None)
    run = leading_run(name, hint=hint)
    if run and hint is None and len(run) == 1 and run[0].kind != "province" and shared_name(run[0].name):
        return Located(level_of(run[0]).level, None, None)   # 城关区科协 alone: its level, not a guess of its province
    if run:
        return level_of(run[-1])
    m = _GENERIC_RE.match(name)
    if m:
        return Located(_GENERIC_LEVEL[m.group(1)], None, None)
    return None
