"""The plan hierarchy: markers, titles, document splitting, leaf items, preamble."""
import pytest

from compare.ingest.structure import heading_of, is_title_line, match_marker, parse_items, split_documents


@pytest.mark.parametrize("line, kind, numeral, written", [
    ("一、指导思想", "section", "一", "一、"),
    ("十二、其他", "section", "十二", "十二、"),
    ("（三）抓好十件大事", "subsection", "三", "（三）"),
    ("1.持续完善学会党建工作机制。", "item", "1", "1."),
    ("10. 着力夯实党在科技界的执政基础。", "item", "10", "10."),
    ("5、加强科学普及工作。", "item", "5", "5、"),
    ("6．加强学术引领。", "item", "6", "6．"),
    ("二．加强学会建设", "section", "二", "二．"),
    ("（2）开展培训。", "subitem", "2", "（2）"),
    ("七是组织好科技智库课题研究。", "ordinal", "七", "七是"),
    ("——联系科技工作者范围进一步拓展。", "bullet", "", "——"),
])
def test_markers(line, kind, numeral, written):
    m = match_marker(line)
    assert (m.kind, m.numeral, m.written) == (kind, numeral, written)


@pytest.mark.parametrize("line", [
    "2019年是新中国成立70周年。",     # a year is not an item number
    "5.30全国科技工作者日",           # decimal-looking code
    "3、4月份开展活动",               # 3、4 is a list of numbers
    "一批各具特色的试点城市。",        # 一批 is no marker
    "一是否开展由各地决定。",          # 一是否
    "1.",                              # a bare marker
])
def test_not_markers(line):
    assert match_marker(line) is None


@pytest.mark.parametrize("line", [
    "河南省科协2019年工作要点", "河南省科协2024年重点工作", "省科协2019年工作要点",
    "河南省科协2022年学会学术工作要点", "中国科协2021年科普工作要点", "黑龙江省科协2019年深化改革工作要点（试行）",
])
def test_title_lines(line):
    assert is_title_line(line)


@pytest.mark.parametrize("line", [
    "关于印发《省科协2019年工作要点》的通知",
    "河南省科协办公室 关于印发河南省科协2024年重点工作 和工作要点的通知",
    "河南省科学技术协会办公室文件",
    "一、2019年工作要点",
    "2019年全省科协系统深化改革要以习近平新时代中国特色社会主义思想为指导，树牢“四个意识”",
    "工作要点",
])
def test_not_title_lines(line):
    assert not is_title_line(line)


def test_heading_is_text_up_to_the_first_full_stop():
    assert heading_of("筹备召开河南省科协第十次代表大会。（责任部门：办公室）") == "筹备召开河南省科协第十次代表大会"
    assert heading_of("加强学会建设；推进改革") == "加强学会建设"
    assert heading_of("加强学会建设，") == "加强学会建设"


def test_two_documents_in_one_file_and_the_notice_header():
    lines = ["豫科协办发〔2024〕9号", "关于印发《河南省科协2024年重点工作》和《河南省科协2024年工作要点》的通知",
             "河南省科协2024年重点工作", "1. 筹备召开代表大会。", "2. 建成新馆。",
             "河南省科协2024年工作要点", "2024年是关键一年。", "一、强化引领", "1. 加强思想政治引领。"]
    header, docs = split_documents(lines)
    assert header == lines[:2]
    assert [d.title for d in docs] == ["河南省科协2024年重点工作", "河南省科协2024年工作要点"]
    assert docs[0].lines == ["1. 筹备召开代表大会。", "2. 建成新馆。"]


def test_a_title_without_items_after_it_starts_no_document():
    header, docs = split_documents(["河南省科协2019年工作要点", "河南省科协2019年工作要点", "1.举办会议。"])
    assert header == ["河南省科协2019年工作要点"] and len(docs) == 1


def test_untitled_text_is_one_document():
    header, docs = split_documents(["2019年全省科协系统深化改革要以…为指导。", "一、加强引领", "1.推进宣讲。"])
    assert header == [] and docs[0].title is None and len(docs[0].lines) == 3


def test_title_split_over_two_lines_is_rejoined():
    header, docs = split_documents(["河南省科学技术协会", "2019年工作要点", "1.举办会议。"])
    assert docs[0].title == "河南省科学技术协会2019年工作要点" and header == []


PLAN = """2019年是新中国成立70周年。
一、指导思想
坚持以习近平新时代中国特色社会主义思想为指导。
二、主要目标
——联系科技工作者范围进一步拓展。巩固渠道。
——学会学术交流层次与质量进一步提高。
三、重点工作任务
（一）加强“五大品牌”建设
一是打造“一市一品”产业技术大会品牌。联合举办9场大会。
二是打造“科普信息化工程”品牌。
（二）抓好十件大事
一是强化思想政治引领。
四、保障措施
（一）强化党的建设。坚决落实党的领导。
（二）加强改革创新。
五、工作要求
各单位要抓好落实。""".split("\n")


def test_leaf_items_ids_and_levels():
    preamble, items = parse_items(PLAN)
    assert [i.item_id for i in items] == ["二/——1", "二/——2", "三/（一）/一", "三/（一）/二", "三/（二）/一",
                                         "四/（一）", "四/（二）", "五"]
    first = items[2]
    assert (first.section_no, first.section_title, first.subsection_no, first.subsection_title, first.marker) == \
        ("三", "重点工作任务", "一", "加强“五大品牌”建设", "一是")
    assert first.text == "打造“一市一品”产业技术大会品牌。联合举办9场大会。"
    保障 = items[5]
    assert (保障.marker, 保障.subsection_no, 保障.subsection_title, 保障.text) == \
        ("（一）", "一", "强化党的建设", "强化党的建设。坚决落实党的领导。")


def test_prose_sections_before_the_first_item_are_preamble_and_after_it_an_item():
    preamble, items = parse_items(PLAN)
    assert preamble == "2019年是新中国成立70周年。\n一、指导思想\n坚持以习近平新时代中国特色社会主义思想为指导。"
    assert items[-1].marker == "五、" and items[-1].text == "工作要求\n各单位要抓好落实。"


def test_only_sections_means_sections_are_the_items():
    preamble, items = parse_items(["一、加强学会建设。推进改革。", "二、加强科普工作。"])
    assert preamble == "" and [i.item_id for i in items] == ["一", "二"]


def test_flat_numbered_list_and_repeated_numbers_stay_unique():
    preamble, items = parse_items(["1. 筹备召开大会。", "2. 建成新馆。", "2. 重复的编号。"])
    assert [i.item_id for i in items] == ["1", "2", "2#2"]
    assert items[0].section_no is None


def test_continuation_lines_belong_to_the_open_item():
    preamble, items = parse_items(["一、重点", "1.加强建设。", "继续推进改革。", "2.开展活动。"])
    assert items[0].text == "加强建设。\n继续推进改革。"
