"""Responsible departments from （责任部门：…） notes."""
import pytest

from compare.ingest.clean import normalise_line
from compare.ingest.departments import extract_departments, split_departments


def test_note_removed_from_text_and_split_on_commas():
    text, deps = extract_departments("筹备召开大会。（责任部门：办公室、组织人事部，机关各部室）")
    assert text == "筹备召开大会。"
    assert deps == ["办公室", "组织人事部", "机关各部室"]


def test_square_brackets_stay_inside_one_department():
    assert split_departments("科普部，省科普中心［省素质办］，河南科技报社") == ["科普部", "省科普中心［省素质办］", "河南科技报社"]


def test_ascii_web_copy_after_normalisation():
    text, deps = extract_departments(normalise_line("大力弘扬科学家精神。(责任部门:调研宣传部、人才发展中心,机关各部室)"))
    assert text == "大力弘扬科学家精神。" and deps == ["调研宣传部", "人才发展中心", "机关各部室"]


@pytest.mark.parametrize("label", ["牵头部门", "责任单位", "牵头单位"])
def test_other_labels(label):
    assert extract_departments(f"开展活动。（{label}：学会学术部）")[1] == ["学会学术部"]


def test_lead_and_partner_departments_in_one_note():
    assert extract_departments("开展活动。（牵头部门：学会学术部；配合部门：科普部、办公室）")[1] == \
        ["学会学术部", "科普部", "办公室"]


def test_nested_brackets_stay_inside_one_department():
    text, deps = extract_departments("推进工作。（责任部门：办公室（党办）、科普部，省科协（筹））后续")
    assert deps == ["办公室（党办）", "科普部", "省科协（筹）"]
    assert text == "推进工作。后续"


def test_duplicates_kept_once_first_wins():
    assert extract_departments("推进工作。（责任部门：办公室、科普部、办公室）")[1] == ["办公室", "科普部"]


def test_no_note_no_departments_and_other_brackets_kept():
    text, deps = extract_departments("试点市（园区）建设。")
    assert (text, deps) == ("试点市（园区）建设。", [])


def test_unbalanced_note_takes_the_rest():
    text, deps = extract_departments("推进工作。（责任部门：办公室、科普部")
    assert text == "推进工作。" and deps == ["办公室", "科普部"]


def test_shared_suffix_names_each_body():
    assert split_departments("各全省学会，各高校、企业、医疗卫生机构科协") == \
        ["各全省学会", "各高校科协", "企业科协", "医疗卫生机构科协"]
    assert split_departments("高校、企业、医疗卫生机构科协") == ["高校科协", "企业科协", "医疗卫生机构科协"]


def test_no_suffix_sharing_between_bodies_that_are_complete():
    assert split_departments("办公室、组织人事部、省科技馆、省科普中心") == ["办公室", "组织人事部", "省科技馆", "省科普中心"]
    assert split_departments("各省辖市科协、各全省学会") == ["各省辖市科协", "各全省学会"]
    assert split_departments("省科技馆、机关各部室") == ["省科技馆", "机关各部室"]


@pytest.mark.parametrize("name", ["各全省学会", "机关各部室", "各直属事业单位", "相关省辖市科协", "企业科协",
                                  "医疗卫生机构科协", "全省学会", "各省辖市和济源示范区科协", "科普信息化试点县市区"])
def test_collective_recipients(name):
    from compare.ingest.departments import is_collective
    assert is_collective(name)


@pytest.mark.parametrize("name", ["办公室", "学会学术部", "省科技馆", "省老科协", "河南科技报社", "省科普中心［省素质办］",
                                  "人才发展中心", "机关党委", "省科技社团党委", "省反邪教协会秘书处"])
def test_named_offices(name):
    from compare.ingest.departments import is_collective
    assert not is_collective(name)
