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


# ---------------------------------------------------------------------------------------------
# layouts as plans are really published: tables, inline 一是 runs, numbering across sections, page chunks

from compare.ingest.structure import (
    drop_page_residue,
    is_heading,
    split_inline_ordinal_line,
    tables_to_items,
)


def test_inline_ordinal_run_splits_inside_an_item_line():
    line = "（一）加强会员工作。要服务会员。一是加强团体建设。吸纳人才二是重视乡镇科协建设三是发展企业科协。"
    assert split_inline_ordinal_line(line) == [
        "（一）加强会员工作。要服务会员。", "一是加强团体建设。吸纳人才", "二是重视乡镇科协建设", "三是发展企业科协。"]


@pytest.mark.parametrize("line", [
    "2019年是新中国成立70周年。一是坚持改革，二是扩大开放。",       # prose, no marker: preamble stays whole
    "（二）推进统一是前提的改革。",                                     # 统一是 is no ordinal, no run
    "1.一是开展调研。",                                                  # a run needs 二是
])
def test_lines_that_are_not_inline_ordinal_runs_stay_whole(line):
    assert split_inline_ordinal_line(line) == [line]


def test_inline_runs_become_items_under_their_heading():
    _, items = parse_items(["（一）加强基层组织。一是推进换届。二是建立联络员制度。", "（二）建设科技馆。"])
    assert [i.item_id for i in items] == ["（一）/一", "（一）/二", "（二）"]
    assert items[0].subsection_title == "加强基层组织"


def test_word_table_rows_tab_or_space_separated_become_item_lines():
    rows = ["序号\t项目名称\t目标\t责任部门", "1\t开展科技志愿服务\t服务1万人次\t科普部", "2\t举办学术年会\t\t学会学术部", "说明"]
    assert tables_to_items(rows) == [
        "1. 开展科技志愿服务。目标：服务1万人次。（责任部门：科普部）",
        "2. 举办学术年会。（责任部门：学会学术部）",
        "说明",
    ]
    assert tables_to_items(["序号 工作任务 完成时限", "1 建设科技馆 6月"]) == ["1. 建设科技馆。完成时限：6月。"]


def test_flattened_html_table_one_cell_per_line_with_or_without_row_numbers():
    numbered = ["序号", "工作任务", "责任部门", "1", "建设科技馆", "办公室", "2", "举办科普日", "科普部", "后记。"]
    assert tables_to_items(numbered) == ["1. 建设科技馆。（责任部门：办公室）", "2. 举办科普日。（责任部门：科普部）", "后记。"]
    unnumbered = ["序号", "工作任务", "责任部门", "建设科技馆", "办公室"]
    assert tables_to_items(unnumbered) == ["1. 建设科技馆。（责任部门：办公室）"]


def test_a_line_that_merely_starts_with_xuhao_is_no_table():
    assert tables_to_items(["序号为1的任务已完成。", "1. 开展调研。"]) == ["序号为1的任务已完成。", "1. 开展调研。"]


def test_page_chunk_numbers_of_doc_sharing_sites_are_dropped_and_chunks_rejoined():
    lines = [
        "1、" + "甲" * 70 + "，继续推",
        "2、进改革。" + "乙" * 70 + "形成良好",
        "3、氛围。",
        "第1页 / 共5页",
        "点击查看更多>>",
    ]
    out = drop_page_residue(lines)
    assert out == ["甲" * 70 + "，继续推进改革。" + "乙" * 70 + "形成良好氛围。"]


def test_real_numbered_items_are_not_page_chunks():
    lines = ["1、下发评选通知，完成基层推选工作；" + "甲" * 60 + "。", "2、组织志愿者进社区开展科普活动。" + "乙" * 60 + "。"]
    assert drop_page_residue(lines) == lines


@pytest.mark.parametrize("line", ["豫科协办发〔2024〕9号", "科协发智字〔2021 30", "2022年7月18日", "长治市科学技术协会",
                                  "南昌市人民政府关于印发南昌市实施方案的通知"])
def test_standalone_notice_lines_are_never_glued(line):
    assert is_heading(line)


@pytest.mark.parametrize("line, expected", [
    ("县科协2022年重点工作谋划", True),
    ("各县（市、区）科协2015年7月份重点工作完成情况及8月份重点工作计划", False),
    ("2023年区科协工作汇报", False),
])
def test_title_endings_and_reports(line, expected):
    assert is_title_line(line) is expected
