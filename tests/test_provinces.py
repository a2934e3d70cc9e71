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


# ---------------------------------------------------------------------------------------------
# the gazetteer of prefectures and counties (compare.ingest.places)

from compare.ingest.places import Located, gazetteer, issuer_level, leading_place


def test_gazetteer_covers_every_prefecture_and_county_level_division():
    table = gazetteer()
    kinds = [p.kind for places in table.values() for p in places]
    assert kinds.count("province") == 31  # the mainland units the loader knows (台湾/香港/澳门 left out)
    assert kinds.count("prefecture") > 300 and kinds.count("county") > 2800
    (linxi,) = table["临西县"]
    assert (linxi.province, linxi.prefecture, linxi.kind) == ("河北", "邢台市", "county")
    assert "市辖区" not in table and "县" not in table


@pytest.mark.parametrize("name, expected", [
    ("临西县科学技术协会", Located("县级", "河北", "临西县")),
    ("浏阳市人民政府办公室", Located("县级", "湖南", "浏阳市")),      # a county-level city
    ("长治市科学技术协会", Located("市级", "山西", "长治市")),
    ("长治科协", Located("市级", "山西", "长治市")),                  # short name before 科协
    ("巴音郭楞蒙古自治州科协", Located("市级", "新疆", "巴音郭楞蒙古自治州")),
    ("重庆市科学技术协会", Located("省级", "重庆", None)),            # a municipality is a province
    ("河南省科协办公室", Located("省级", "河南", None)),
    ("中国科协学会学术部", Located("全国", "全国", None)),
    ("中国科协党组", Located("全国", "全国", None)),
    ("全民科学素质纲要实施工作办公室", Located("全国", "全国", None)),
    ("县科协", Located("县级", None, None)),                          # generic: level only
    ("省科协办公室", Located("省级", None, None)),
    ("关于印发通知", None),
])
def test_issuer_level(name, expected):
    assert issuer_level(name) == expected


def test_same_county_name_in_two_provinces_follows_the_province_named_first():
    assert issuer_level("北京市朝阳区科协") == Located("县级", "北京", "朝阳区")
    assert issuer_level("吉林省长春市朝阳区科协") == Located("县级", "吉林", "朝阳区")
    assert leading_place("朝阳区科协", hint="吉林").province == "吉林"
