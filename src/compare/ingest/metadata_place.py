"""Province and city of a plan whose province is never named: the gazetteer (compare.ingest.places).

Consulted after the title / issuer / 发布机构 / first-sentence rules of `metadata.locate` found no
place, and before giving up:

1. the site lines at the top of a web page (欢迎访问呼伦贝尔市科学技术协会, 主办单位：…, …人民政府门户网站)
   and the title and issuer: the most specific division named there (莫旗 -> 内蒙古, 莫力达瓦达斡尔族自治旗);
2. the 文号 prefix, when its first character is that of exactly one division named in the text
   (赤政办发〔2012〕3号 with 赤壁市 in the text);
3. every division named in the body: when they all lie in one province, that province (and the
   division named most often, at the level the issuer says: 县科协 -> a county);
   when they lie in several, the answer is "ambiguous" and the reason names them, so that the analyst
   sets `province` in metadata.csv instead of a guess.
A division name shared by several provinces (城关区: 甘肃, 西藏) counts only once another division
named, or the province known, settles it (兰州市 -> 甘肃); named alone, it makes the answer ambiguous.
`city_of_title` reads the title's division once the province is known from elsewhere. A 县科协 plan whose
county is named only by its short form (实力华宁, 美丽华宁: twice or more), under a prefecture the text names
(玉溪市), is that county's.
`issue_number_place` reads a 文号 whose prefix abbreviates a division named nowhere in the text (a copy
opening at its 文号, a mirror whose place names were replaced): `乐市科协[2014]2号` is 乐山市's (the one
prefecture whose name starts with 乐), `凯府办函〔2023〕1号` 凯里市's (the one division starting with 凯);
several candidates give nothing, so the file asks for its province instead of a guess.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from compare.ingest.places import Place, gazetteer, leading_run, level_of, places_in, same_named, shared_name
from compare.ingest.provinces import province_from_issue_number

_SITE_RE = re.compile(r"欢迎(?:访问|光临|来到)|主办单位|承办单位|版权所有|门户网站|政府网|网站$|党务公开网|发布机构")
_NAMED_RE = re.compile(r"[\u4e00-\u9fff]+")
_LEAD_YEAR_RE = re.compile(r"^\d{4}年(?:度)?")
_SUFFIX_RE = re.compile(r"(?:自治县|自治旗|县|市|区|旗)$")


@dataclass(frozen=True)
class PlaceGuess:
    level: str | None
    province: str | None
    city: str | None
    rule: str                 # what gave it, for `ingest --explain` and provenance
    ambiguous: tuple[str, ...] = ()   # the provinces in play when no single one is right


def _most_specific(places: list[tuple[int, Place]]) -> Place | None:
    rank = {"county": 0, "prefecture": 1, "province": 2}
    return min((p for _, p in places), key=lambda p: rank[p.kind], default=None)


def _consistent(places: list[tuple[int, Place]]) -> bool:
    return len({p.province for _, p in places}) == 1


def _settling_province(texts: list[str]) -> str | None:
    """The one province of every division named whose name no other province has, when there is one:
    兰州市 settles 城关区 (甘肃, not 西藏)."""
    provinces = {p.province for t in texts for _, p in places_in(t) if not shared_name(p.name)}
    return next(iter(provinces)) if len(provinces) == 1 else None


def city_of_title(title: str | None, province: str | None, level: str | None) -> tuple[str, str] | None:
    """(level, city) of the division opening a title once its province is known (城关区科协… in 甘肃)."""
    run = leading_run(_LEAD_YEAR_RE.sub("", (title or "").strip()), hint=province) if province else []
    place = run[-1] if run else None
    if place is None or place.kind == "province" or place.province != province:
        return None
    loc = level_of(place)
    return (loc.level, loc.city) if level in (None, loc.level) else None


def site_lines(lines: list[str]) -> list[str]:
    """The lines of a web page that name its site (the first 12 lines only)."""
    return [line for line in lines[:12] if _SITE_RE.search(line)]


def guess_place(*, title: str | None, issuer: str | None, header: list[str], body: list[str],
                issue_number: str | None, level: str | None, hint: str | None = None) -> PlaceGuess | None:
    """The gazetteer rules above, in order; None when no division is named at all. hint: the province
    already known, which settles a division name shared by several provinces (河东区: 天津 or 临沂)."""
    text = "\n".join([*header, *body])
    hint = hint or _settling_province([title or "", issuer or "", text])
    for label, texts in (("title or issuer", [title or "", issuer or ""]), ("site lines", site_lines(header + body))):
        found = [hit for t in texts for hit in places_in(t, hint=hint)]
        if hint is None:   # 城关区 alone: 甘肃 or 西藏? not a guess
            found = [(i, p) for i, p in found if not shared_name(p.name)]
        if found and _consistent(found):
            place = _most_specific(found)
            loc = level_of(place)
            return PlaceGuess(loc.level if level is None else level, place.province,
                              loc.city if level in (None, loc.level) else None, f"gazetteer: {place.name} in the {label}")
    named = places_in(text, hint=hint) or [hit for t in (title or "", issuer or "") for hit in places_in(t)]
    if not named:
        return None
    provinces = Counter(p.province for _, p in named)
    if hint is None and all(shared_name(p.name) for _, p in named):
        return PlaceGuess(level, None, None, f"gazetteer: {named[0][1].name} is the name of divisions of several "
                          "provinces", tuple(sorted({q.province for _, p in named for q in same_named(p.name)})))
    if issue_number:
        first = issue_number[0]
        same = {p.name: p for _, p in named if p.name.startswith(first) and p.kind != "province"}
        if len(same) == 1:
            place = next(iter(same.values()))
            loc = level_of(place)
            return PlaceGuess(level or loc.level, place.province, loc.city,
                              f"gazetteer: 文号 {issue_number} and {place.name} in the text")
    if len(provinces) > 1:
        return PlaceGuess(level, None, None, "gazetteer: divisions of several provinces named",
                          tuple(sorted(provinces)))
    prov = next(iter(provinces))
    want = {"县级": "county", "市级": "prefecture"}.get(level or "")
    counts = Counter(p.name for _, p in named if want is None or p.kind == want)
    city = None
    if counts:
        name, _ = counts.most_common(1)[0]
        place = next(p for _, p in named if p.name == name)
        loc = level_of(place)
        level, city = level or loc.level, loc.city
    elif want == "county":   # 县科协 of a prefecture named in the body, the county only as 实力华宁, 美丽华宁
        city = _county_by_short_name(text, {p.name for _, p in named if p.kind == "prefecture"})
    return PlaceGuess(level, prov, city, f"gazetteer: every division named in the text lies in {prov}")


def _county_by_short_name(text: str, prefectures: set[str]) -> str | None:
    """The one county of the prefectures named whose name without its suffix (华宁 of 华宁县) the text
    uses at least twice, or None (none, or several)."""
    counties = {p.name for places in gazetteer().values() for p in places
                if p.kind == "county" and p.prefecture in prefectures}
    hits = [name for name in counties
            if len(short := _SUFFIX_RE.sub("", name)) >= 2 and text.count(short) >= 2]
    return hits[0] if len(hits) == 1 else None


_TOWNSHIP_RE = re.compile(r"^(?:\d{4}年(?:度)?)?(?P<body>[\u4e00-\u9fff]{2,12}?(?:街道|镇|乡))(?:办事处|人民政府|党工委|党委)?"
                          r"(?=\d{4}|“|年度|全域|科普|科协|工作)")


@dataclass(frozen=True)
class TownshipPlan:
    issuer: str
    level: str
    city: str | None
    rule: str


def township_plan(title: str | None, province: str | None, guess) -> TownshipPlan | None:
    """A plan whose title names a street or town office (唐家口街道2024年全域科普工作计划) is a county-level
    plan of that office (issuer_kind 党政机关), not the province's or the city's (a province named in the
    body gives 省级 inferred, a city 市级): the county comes from the gazetteer with the province as the
    hint (按照河东区… with 天津 named: 河东区, 天津). guess(level, hint) runs the gazetteer."""
    m = _TOWNSHIP_RE.match(title or "")
    if m is None or province is None:
        return None
    found = guess("县级", province)
    city = found.city if found is not None and found.province == province else None
    return TownshipPlan(m.group("body"), "县级", city, f"township: {m.group('body')} in the title")


_ISSUE_PREFIX_RE = re.compile(r"^(?P<c>[\u4e00-\u9fff])(?P<s>市|县|区|州|旗|盟)?(?:科协|府|政|委|办|科)")


@lru_cache(maxsize=1)
def _by_first_char() -> dict[str, tuple[Place, ...]]:
    out: dict[str, dict[str, Place]] = {}
    for places in gazetteer().values():
        for p in places:
            if p.kind != "province":
                out.setdefault(p.name[0], {})[p.adcode] = p
    return {c: tuple(v.values()) for c, v in out.items()}


def issue_number_place(issue_number: str | None) -> Place | None:
    """The division a 文号's one-character prefix abbreviates (see the module doc), or None."""
    m = _ISSUE_PREFIX_RE.match(issue_number or "")
    if m is None or province_from_issue_number(issue_number) is not None:
        return None
    found = _by_first_char().get(m.group("c"), ())
    if m.group("s") in ("市", "州", "盟"):   # 乐市科协: the prefecture-level city's association
        found = tuple(p for p in found if p.kind == "prefecture") or found
    elif m.group("s"):                      # 某县/某区/某旗
        found = tuple(p for p in found if p.name.endswith(m.group("s")))
    return found[0] if len(found) == 1 else None
