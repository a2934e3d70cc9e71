"""Quantitative targets: one test per rule, on phrases from the seeds and made-up snippets; the
object counted, and its precision on the hand-checked seed targets (tests/fixtures/target_objects.csv)."""
from pathlib import Path

import pandas as pd
import pytest

from compare.core import io

from compare.ingest.clean import normalise_line
from compare.ingest.targets import extract_targets


def one(text):
    found = extract_targets(normalise_line(text))
    assert len(found) == 1, found
    t = found[0]
    return t.phrase, t.value, t.value_high, t.unit, t.qualifier


@pytest.mark.parametrize("text, expected", [
    ("联合举办9场产业技术大会", ("9场", 9, None, "场", None)),
    ("全年接待公众不少于 200 万人次。", ("不少于200万人次", 2_000_000, None, "人次", "不少于")),
    ("新培训农村电商技能人才3万人", ("3万人", 30_000, None, "人", None)),
    ("择优支持全省学会开展30场次左右的小型前沿高水平专题交流活动", ("30场次左右", 30, None, "场次", "左右")),
    ("全年力争报送50条以上科技智库成果", ("50条以上", 50, None, "条", "以上")),
    ("力争新增3-5家全国科学家精神教育基地", ("力争新增3-5家", 3, 5, "家", "力争")),
    ("举办不少于20期“科创中原论坛”", ("不少于20期", 20, None, "期", "不少于")),
    ("以组织举办10多场产业技术发展大会为基础", ("10多场", 10, None, "场", "多")),
    ("确保实现累计完成90%改革任务的目标", ("90%", 90, None, "%", None)),
    ("每个市（地）确定至少1个“3+1”县级试点", ("至少1个", 1, None, "个", "至少")),
    ("全年新增智库专家不少于20名", ("不少于20名", 20, None, "名", "不少于")),
    ("发布包含50场左右的“科创中原论坛”年度重要学术会议指南", ("50场左右", 50, None, "场", "左右")),
    ("科技传播网络县域覆盖面达到1/3以上", ("1/3以上", 33.33, None, "%", "以上")),
    ("投入1.5亿元", ("1.5亿元", 150_000_000, None, "元", None)),
    ("建设10余个示范基地", ("10余个", 10, None, "个", "余")),
    ("提高2个百分点", ("2个百分点", 2, None, "个百分点", None)),
])
def test_targets(text, expected):
    phrase, value, high, unit, qual = one(text)
    assert (phrase, unit, qual) == expected[:1] + expected[3:]
    assert value == pytest.approx(expected[1])
    assert high == (None if expected[2] is None else pytest.approx(expected[2]))


def test_several_targets_in_order():
    text = "建设好20个现代农业科普示范园和20个社区科普基地，新建省属高校科协5个以上、医疗卫生机构科协10个以上"
    assert [(t.phrase, t.value, t.qualifier) for t in extract_targets(text)] == [
        ("20个", 20, None), ("20个", 20, None), ("5个以上", 5, "以上"), ("10个以上", 10, "以上")]


@pytest.mark.parametrize("text", [
    "2019年是新中国成立70周年",                       # years, anniversaries
    "加强对2021、2022年度青年人才托举项目的管理",        # year lists
    "举办好第33届河南省青少年科技创新大赛",              # ordinal with 第
    "精心筹办第21届中国科协年会",
    "认真做好第十四届河南省青年科技奖评选",
    "深入贯彻省委十一届四次全会精神",
    "争取9月15日前建筑工程主体建成",                   # date / deadline
    "根据《关于2022年度河南省科学技术奖提名工作的通知》（豫科〔2022〕56号）要求",  # 文号, titles
    "确定了“1-9-6-1”工作布局",                        # codes in quotes
    "落实中国科协“1—9—6—1”战略布局",
    "确定了1-9-6-1工作布局",                          # codes without quotes
    "持续推进“5610”总体安排",
    "深入推进“提升基层科协组织力行动‘3+1’试点”工作",
    "鼓励独立建制的县级科协普遍开展N+1工作",
    "组织开展“5·30全国科技工作者日”系列活动",
    "树牢“四个意识”，坚定“四个自信”，落实“两个维护”",
    "持续深化“六个一”联系服务工作机制",
    "构建“一主两翼”工作格局",
    "抓好十件大事，实施好“两项攻坚行动”",            # Chinese numerals are never targets
    "组织百家全省学会对接全省千家企业",
    "着重从以下六个方面做好全省科协工作",
    "建设5G网络和G20峰会服务",
    "《中国科协事业发展三年行动计划（2018-2020年）》",
])
def test_never_targets(text):
    assert extract_targets(normalise_line(text)) == []


# ---------------------------------------------------------------------------------------------
# the object counted and the basis (rules 6 and 7 of compare.ingest.targets)


@pytest.mark.parametrize("text, obj, basis", [
    ("举办科普活动不少于50场", "科普活动", None),                       # verb + object before the number
    ("新建企业科协20家", "企业科协", "新增"),
    ("培训基层科技人员3000人次", "基层科技人员", None),
    ("联合举办9场产业技术大会，在做好前期需求调研", "产业技术大会", None),  # measure word + noun after it
    ("择优支持全省学会开展30场次左右的小型前沿高水平专题交流活动", "小型前沿高水平专题交流活动", None),
    ("每个市（地）确定至少1个“3+1”县级试点", "3+1县级试点", None),     # quote marks dropped
    ("发挥20个科技资源科普化项目带动作用", "科技资源科普化项目", None),  # ends before a predicate word
    ("动员不少于200个实验室、研究中心、科研基地等在全国科普日期间开放", "实验室、研究中心、科研基地", None),
    ("加强对2021、2022年度共110个青年人才托举项目的过程管理", "青年人才托举项目", "总量"),
    ("全年开展“银龄跨越数字鸿沟”科普专项行动活动数量不少于200场", "银龄跨越数字鸿沟科普专项行动活动", None),
    ("全年新增智库专家不少于20名。", "智库专家", "新增"),
    ("科技传播网络县域覆盖面达到1/3以上。", "科技传播网络县域覆盖面", "总量"),
    ("力争新增3-5家全国科学家精神教育基地。", "全国科学家精神教育基地", "新增"),
    ("提高2个百分点", None, None),                                    # nothing counted: null
])
def test_target_object(text, obj, basis):
    (t,) = extract_targets(normalise_line(text))
    assert (t.object, t.basis) == (obj, basis)


def test_object_of_a_list_and_of_a_stock():
    text = ("启动新建18个科普信息化试点县（市、区），总量达到55个，"
            "新建省属高校科协5个以上、医疗卫生机构科协10个以上，建设好20个现代农业科普示范园和20个社区科普基地")
    got = [(t.phrase, t.object, t.basis) for t in extract_targets(text)]
    assert got == [
        ("18个", "科普信息化试点县", "新增"),
        ("55个", "科普信息化试点县", "总量"),  # a bare stock takes the previous target's object
        ("5个以上", "省属高校科协", "新增"),
        ("10个以上", "医疗卫生机构科协", "新增"),  # 新建 covers the whole clause
        ("20个", "现代农业科普示范园", None),
        ("20个", "社区科普基地", None),
    ]


OBJECTS = Path(__file__).parent / "fixtures" / "target_objects.csv"
MIN_OBJECT_PRECISION = 0.95


def test_object_precision_on_hand_checked_seed_targets(processed_dir):
    """Every seed target was read and its object written by hand in tests/fixtures/target_objects.csv."""
    labels = pd.read_csv(OBJECTS, dtype=str, keep_default_na=False)
    labels["occurrence"] = labels["occurrence"].astype(int)
    got = io.read_table("targets", processed_dir)
    got = got.assign(occurrence=got.groupby(["doc_id", "item_id", "phrase"]).cumcount() + 1)
    m = labels.merge(got, on=["doc_id", "item_id", "phrase", "occurrence"], how="outer",
                     suffixes=("", "_model"), indicator=True)
    assert (m["_merge"] == "both").all(), m.loc[m["_merge"] != "both", ["doc_id", "item_id", "phrase", "_merge"]]
    found = m["object_model"].notna()
    right = m["object"] == m["object_model"].fillna("")
    precision = right[found].mean()
    basis_right = (m["basis"] == m["basis_model"].fillna("")).mean()
    lines = [f"target objects on {len(m)} hand-checked seed targets: {int(found.sum())} found, "
             f"{int(right.sum())} right, precision {precision:.1%}, basis right {basis_right:.1%}"]
    lines += [f"  {r.doc_id} {r.item_id} {r.phrase}: expected {r.object!r}, got {r.object_model!r}"
              for r in m[~right].itertuples()]
    print("\n" + "\n".join(lines))
    assert precision >= MIN_OBJECT_PRECISION, "\n".join(lines)
    assert basis_right >= MIN_OBJECT_PRECISION, "\n".join(lines)
