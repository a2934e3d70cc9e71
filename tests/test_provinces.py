import pytest

from compare.ingest.provinces import (
    NATIONAL,
    PROVINCES,
    canonical_province,
    count_provinces,
    province_from_issue_number,
    province_in,
)


def test_thirty_one_units_plus_national_with_unique_names():
    assert len(PROVINCES) == 32
    assert sum(p.short != NATIONAL for p in PROVINCES) == 31
    for attr in ("short", "full", "pinyin"):
        values = [getattr(p, attr) for p in PROVINCES]
        assert len(set(values)) == len(values), attr
    abbrs = [a for p in PROVINCES for a in p.abbr]
    assert len(set(abbrs)) == len(abbrs)
    assert {p.pinyin for p in PROVINCES} >= {"shanxi", "shaanxi", "neimenggu", "heilongjiang"}


@pytest.mark.parametrize("name, short", [
    ("河南省", "河南"), ("河南", "河南"), ("豫", "河南"), ("中原", "河南"),
    ("湖北省科学技术协会", "湖北"), ("鄂", "湖北"), ("荆楚", "湖北"),
    ("黑龙江省科协", "黑龙江"), ("龙江", "黑龙江"), ("黑", "黑龙江"),
    ("广西壮族自治区", "广西"), ("桂", "广西"), ("内蒙古自治区", "内蒙古"), ("新疆维吾尔自治区", "新疆"),
    ("陕西", "陕西"), ("山西", "山西"), ("秦", "陕西"), ("晋", "山西"),
    ("北京市", "北京"), ("沪", "上海"), ("渝", "重庆"),
    ("中国科协", NATIONAL), ("中国科学技术协会办公厅", NATIONAL), ("全国", NATIONAL),
])
def test_canonical_province(name, short):
    assert canonical_province(name) == short


@pytest.mark.parametrize("name", ["", "省科协", "科协", "新时代", "中国", "学习强国", None])
def test_not_a_province(name):
    assert canonical_province(name) is None


def test_single_characters_are_not_searched_in_running_text():
    assert province_in("新时代科协工作再上新台阶") is None
    assert province_in("省科协2019年工作要点") is None
    assert province_in("中国科协办公厅") == NATIONAL
    assert province_in("学习强国 中国科协 湖北省科学技术协会") == "湖北"  # 中国科协 only counts at the start


def test_counting_prefers_the_longest_name():
    counts = count_provinces("黑龙江省科协为龙江振兴作贡献，与广东科协合作，黑龙江")
    assert counts == {"黑龙江": 3, "广东": 1}


def test_province_from_issue_number():
    assert province_from_issue_number("豫科协办发〔2024〕9号") == "河南"
    assert province_from_issue_number("鄂科协办〔2019〕22号") == "湖北"
    assert province_from_issue_number("科协发组字〔2019〕3号") == NATIONAL
    assert province_from_issue_number(None) is None
