"""The 31 provincial-level units of mainland China (+ 全国 for the national 中国科协), and name matching.

Every name form a plan may use maps to one canonical short name:

- full name  河南省, 广西壮族自治区, 北京市
- short name 河南, 广西, 北京
- abbreviation (简称, one character, used in 文号 such as 豫科协办发〔2024〕9号): 豫, 桂, 京
- nicknames used in plan prose: 中原 (河南), 龙江 (黑龙江), 荆楚 (湖北), 齐鲁 (山东), …

Single-character abbreviations are ambiguous in running text (新, 宁, 青, 云, 吉, 黑 are ordinary
words), so `canonical_province` accepts them only as the whole input, and `count_provinces` (used to
guess the province of an untitled plan) counts full names, short names and nicknames only.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

NATIONAL = "全国"


@dataclass(frozen=True)
class Province:
    short: str
    full: str
    abbr: tuple[str, ...]
    nicknames: tuple[str, ...]
    pinyin: str


PROVINCES: tuple[Province, ...] = (
    Province("北京", "北京市", ("京",), (), "beijing"),
    Province("天津", "天津市", ("津",), (), "tianjin"),
    Province("河北", "河北省", ("冀",), ("燕赵",), "hebei"),
    Province("山西", "山西省", ("晋",), ("三晋",), "shanxi"),
    Province("内蒙古", "内蒙古自治区", ("蒙",), (), "neimenggu"),
    Province("辽宁", "辽宁省", ("辽",), (), "liaoning"),
    Province("吉林", "吉林省", ("吉",), (), "jilin"),
    Province("黑龙江", "黑龙江省", ("黑",), ("龙江",), "heilongjiang"),
    Province("上海", "上海市", ("沪",), ("申城",), "shanghai"),
    Province("江苏", "江苏省", ("苏",), (), "jiangsu"),
    Province("浙江", "浙江省", ("浙",), ("之江",), "zhejiang"),
    Province("安徽", "安徽省", ("皖",), ("江淮",), "anhui"),
    Province("福建", "福建省", ("闽",), ("八闽",), "fujian"),
    Province("江西", "江西省", ("赣",), ("赣鄱",), "jiangxi"),
    Province("山东", "山东省", ("鲁",), ("齐鲁",), "shandong"),
    Province("河南", "河南省", ("豫",), ("中原",), "henan"),
    Province("湖北", "湖北省", ("鄂",), ("荆楚",), "hubei"),
    Province("湖南", "湖南省", ("湘",), ("三湘", "湖湘"), "hunan"),
    Province("广东", "广东省", ("粤",), ("岭南",), "guangdong"),
    Province("广西", "广西壮族自治区", ("桂",), ("八桂",), "guangxi"),
    Province("海南", "海南省", ("琼",), (), "hainan"),
    Province("重庆", "重庆市", ("渝",), ("巴渝",), "chongqing"),
    Province("四川", "四川省", ("川", "蜀"), ("巴蜀", "天府"), "sichuan"),
    Province("贵州", "贵州省", ("贵", "黔"), (), "guizhou"),
    Province("云南", "云南省", ("云", "滇"), ("彩云之南",), "yunnan"),
    Province("西藏", "西藏自治区", ("藏",), (), "xizang"),
    Province("陕西", "陕西省", ("陕", "秦"), ("三秦",), "shaanxi"),
    Province("甘肃", "甘肃省", ("甘", "陇"), ("陇原",), "gansu"),
    Province("青海", "青海省", ("青",), (), "qinghai"),
    Province("宁夏", "宁夏回族自治区", ("宁",), (), "ningxia"),
    Province("新疆", "新疆维吾尔自治区", ("新",), (), "xinjiang"),
    Province(NATIONAL, "中国科学技术协会", (), ("中国科协",), "quanguo"),
)

_BY_SHORT = {p.short: p for p in PROVINCES}

# multi-character names (full, short, nicknames) -> short; used for searching running text
_NAMES: dict[str, str] = {}
for _p in PROVINCES:
    if _p.short == NATIONAL:
        continue  # 全国 / 中国科协 occur in every provincial plan: never evidence in running text
    for _n in (_p.full, _p.short, *_p.nicknames):
        _NAMES[_n] = _p.short
_ABBR: dict[str, str] = {a: p.short for p in PROVINCES for a in p.abbr}
_NATIONAL_NAMES = ("中国科学技术协会", "中国科协")

# longest names first, so 黑龙江 is matched before 龙江 and 内蒙古自治区 before 内蒙古
# a province's name followed by 路 / 街 / 大道 names a road (湖南路街道, 北京东路), not the province
_NAME_RE = re.compile("(?:" + "|".join(re.escape(n) for n in sorted(_NAMES, key=lambda n: (-len(n), n)))
                      + ")(?![东西南北中]?路|街|大道|大街)")


def province(short: str) -> Province:
    """The Province record of a canonical short name (KeyError if unknown)."""
    return _BY_SHORT[short]


def canonical_province(name: str) -> str | None:
    """The canonical short name for any form of a province name, or None.

    >>> canonical_province("河南省"), canonical_province("豫"), canonical_province("龙江")
    ('河南', '河南', '黑龙江')

    Accepts a full/short name or nickname at the start of `name` (河南省科协 -> 河南), a
    one-character abbreviation as the whole input (鄂 -> 湖北), and 中国科协/中国科学技术协会/全国 -> 全国.
    """
    if not isinstance(name, str):
        return None
    name = name.strip()
    if not name:
        return None
    if name == NATIONAL or name.startswith(_NATIONAL_NAMES):
        return NATIONAL
    if name in _ABBR:
        return _ABBR[name]
    m = _NAME_RE.match(name)
    if m:
        return _NAMES[m.group(0)]
    return None


def province_in(text: str) -> str | None:
    """The first province named anywhere in text (full/short name or nickname), or None.

    中国科协 counts as 全国 only when it opens the text (an issuer such as 中国科协办公厅), because
    every provincial plan mentions 中国科协 in passing.
    """
    if not text:
        return None
    text = text.strip()
    if text.startswith(_NATIONAL_NAMES):
        return NATIONAL
    m = _NAME_RE.search(text)
    return _NAMES[m.group(0)] if m else None


def count_provinces(text: str) -> Counter:
    """How often each province is named in text (full/short names and nicknames; longest match wins)."""
    return Counter(_NAMES[m.group(0)] for m in _NAME_RE.finditer(text or ""))


def province_from_issue_number(issue_number: str | None) -> str | None:
    """Province from the abbreviation opening a 文号: 豫科协办发〔2024〕9号 -> 河南, 科协发〔2019〕1号 -> 全国."""
    if not issue_number:
        return None
    head = issue_number.strip()
    if head.startswith("科协"):
        return NATIONAL
    return _ABBR.get(head[:1])


def pinyin(short: str) -> str:
    return _BY_SHORT[short].pinyin
