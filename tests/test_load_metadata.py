"""Metadata rules (year, province, type, 文号, issuer, date) on short snippets, and parse_text."""
import pytest
import zhconv

from compare.ingest.load import parse_text
from compare.ingest.metadata import (
    INFERRED_TITLE_NOTE,
    classify_doc_type,
    classify_untitled,
    detect_province,
    find_issue_number,
    find_signature,
    notice_issuer,
    parse_date,
)
from compare.ingest.metadata_year import detect_year


@pytest.mark.parametrize("line, iso", [
    ("2019年3月12日", "2019-03-12"), ("2022年4月16日", "2022-04-16"),
    ("二〇一九年三月十二日", "2019-03-12"), ("二〇二四年十二月三十一日", "2024-12-31"),
])
def test_parse_date(line, iso):
    assert parse_date(line) == iso


@pytest.mark.parametrize("line", ["2019-03-18 14:41", "2019年13月1日", "争取9月15日前建成", "2019年"])
def test_not_a_date_line(line):
    assert parse_date(line) is None


def test_issue_number_brackets_normalised():
    assert find_issue_number(["鄂科协办〔2019〕22号"]) == "鄂科协办〔2019〕22号"
    assert find_issue_number(["豫科协办发[2024]9号"]) == "豫科协办发〔2024〕9号"
    assert find_issue_number(["黑科协发（2019）第3号"]) == "黑科协发〔2019〕3号"
    assert find_issue_number(["各市科协："]) is None


def test_signature_issuer_and_date():
    sig = find_signature(["现印发你们，请认真抓好落实。", "湖北省科学技术协会", "2019年3月12日"])
    assert (sig.issuer, sig.date, sig.lines) == ("湖北省科学技术协会", "2019-03-12", (1, 2))
    sig = find_signature(["河南省科协办公室 2024年1月10日印发"])
    assert (sig.issuer, sig.date) == ("河南省科协办公室", "2024-01-10")


def test_notice_issuer_from_notice_title_or_red_header():
    assert notice_issuer(["河南省科协办公室 关于印发河南省科协2024年重点工作 和工作要点的通知"]) == "河南省科协办公室"
    assert notice_issuer(["河南省科学技术协会办公室文件"]) == "河南省科学技术协会办公室"
    assert notice_issuer(["各市科协："]) is None


@pytest.mark.parametrize("title, doc_type", [
    ("河南省科协2019年工作要点", "工作要点"),
    ("河南省科协2024年重点工作", "重点工作"),
    ("河南省科协2022年学会学术工作要点", "学会学术工作要点"),
    ("中国科协2021年科普工作要点", "科普工作要点"),
    ("黑龙江省科协2019年深化改革工作要点", "深化改革工作要点"),
    ("湖南省科协“十四五”发展规划", "规划"),
    ("河南省科协2020年工作计划", "工作计划"),
    ("河南省科协2020年实施方案", "实施方案"),
    ("河南省科协2020年科学普及工作要点", "科普工作要点"),
])
def test_doc_type_from_title(title, doc_type):
    assert classify_doc_type(title) == doc_type


def test_doc_type_from_content_when_untitled():
    assert classify_untitled("2019年全省科协系统深化改革要以习近平新时代中国特色社会主义思想为指导，树牢") == "深化改革工作要点"
    assert classify_untitled("2020年全省科协工作的总体要求是：坚持以习近平新时代中国特色社会主义思想为指导") == "工作要点"
    assert classify_untitled("为加强学会建设，现提出以下意见。") == "其他"


def test_year_priority_title_then_notice_then_issue_number_then_first_paragraph():
    kw = dict(header=[], issue_number=None, first_paragraph="2018年是关键之年。")
    assert detect_year(title="河南省科协2019年工作要点", **kw) == 2019
    assert detect_year(title="省科协工作要点", header=["关于印发《省科协2020年工作要点》的通知"],
                       issue_number="鄂科协办〔2021〕2号", first_paragraph="") == 2020
    assert detect_year(title=None, header=[], issue_number="鄂科协办〔2021〕2号", first_paragraph="2018年") == 2021
    assert detect_year(title=None, **kw) == 2018
    assert detect_year(title=None, header=[], issue_number=None, first_paragraph="新中国成立70周年。") is None
    assert detect_year(title=None, header=[], issue_number=None,
                       first_paragraph="今年是《三年行动计划（2018-2020年）》收官之年") is None


def test_year_from_title_ranges_and_five_year_plans():
    kw = dict(header=[], issue_number=None, first_paragraph="")
    assert detect_year(title="湖南省科协事业发展规划（2021-2025年）", **kw) == 2021
    assert detect_year(title="湖南省科协“十四五”发展规划", **kw) == 2021
    assert detect_year(title="湖南省科协“十三五”发展规划", **kw) == 2016


def test_province_priority():
    text = "中国科协……黑龙江……龙江……广东"
    assert detect_province(title="河南省科协2019年工作要点", issuer="湖北省科协", issue_number=None, text=text) == "河南"
    assert detect_province(title="省科协2019年工作要点", issuer="湖北省科学技术协会", issue_number=None, text=text) == "湖北"
    assert detect_province(title="省科协2019年工作要点", issuer=None, issue_number="鄂科协办〔2019〕22号", text=text) == "湖北"
    assert detect_province(title=None, issuer=None, issue_number=None, text=text) == "黑龙江"
    assert detect_province(title="中国科协2019年工作要点", issuer=None, issue_number=None, text=text) == "全国"
    assert detect_province(title="2019年河南省科协工作要点", issuer=None, issue_number=None, text=text) == "河南"
    assert detect_province(title=None, issuer=None, issue_number=None, text="中国科协 全国学会") is None


def test_parse_text_untitled_plan_gets_an_inferred_title_from_its_content():
    text = "2019年全省科协系统深化改革要以习近平新时代中国特色社会主义思想为指导，为龙江振兴作贡献。\n一、加强引领\n1.推进宣讲。\n2.弘扬科学家精神。"
    (doc,) = parse_text(text)
    assert (doc.province, doc.year, doc.doc_type) == ("黑龙江", 2019, "深化改革工作要点")
    assert doc.title == "黑龙江省科协2019年深化改革工作要点" + INFERRED_TITLE_NOTE
    assert doc.issue_number is None and len(doc.items) == 2


def test_parse_text_cited_document_number_inside_an_item_is_not_the_issue_number():
    text = ("河南省科协2022年学会学术工作要点\n一、重点\n"
            "1.做好提名工作。根据《关于2022年度河南省科学技术奖提名工作的通知》（豫科〔2022〕56号）要求开展推荐。")
    (doc,) = parse_text(text)
    assert doc.issue_number is None
    assert doc.targets == []


def test_parse_text_web_breadcrumb_does_not_make_a_provincial_plan_national():
    text = ("学习强国 | 中国科协\n所在位置: 首页 > 新闻中心 > 通知公告\n关于印发《省科协2019年工作要点》的通知\n"
            "2019-03-18 14:41|文章来源:省科协办公室\n鄂科协办〔2019〕22号\n湖北省科学技术协会\n2019年3月12日\n"
            "省科协2019年工作要点\n一、强化引领\n1、加强政治建设。\n"
            "copyright 2001-2021 Hubei Association for Science and Technology All Rights Reserved\n")
    (doc,) = parse_text(text)
    assert (doc.province, doc.year, doc.issue_date, doc.issuer) == ("湖北", 2019, "2019-03-12", "湖北省科学技术协会")
    assert [i["text"] for i in doc.items] == ["加强政治建设。"]


def test_parse_text_traditional_characters():
    simp = "河南省科协2019年工作要点\n一、重点工作\n1.举办学术会议。联合举办9场会议。（责任部门：学会学术部、科普部）"
    (doc,) = parse_text(zhconv.convert(simp, "zh-tw"))
    assert (doc.province, doc.year, doc.doc_type, doc.title) == ("河南", 2019, "工作要点", "河南省科协2019年工作要点")
    assert doc.items[0]["departments"] == ["学会学术部", "科普部"]
    assert doc.items[0]["text"] == "举办学术会议。联合举办9场会议。"
    assert doc.targets[0]["phrase"] == "9场"


def test_parse_text_signature_after_the_plan_is_metadata_not_item_text():
    text = "河南省科协2019年工作要点\n一、重点\n1.举办学术会议。\n河南省科学技术协会\n2019年1月20日"
    (doc,) = parse_text(text)
    assert doc.issue_date == "2019-01-20" and doc.issuer == "河南省科学技术协会"
    assert doc.items[0]["text"] == "举办学术会议。"


# ---------------------------------------------------------------------------------------------
# metadata for any issuer: national, provincial, city and county associations and their departments

from compare.core.vocab import PLAN_TITLE_WORDS
from compare.ingest.clean import strip_annotations
from compare.ingest.metadata import (
    complete_title,
    department_of,
    handed_out_title,
    locate,
    not_a_plan,
)
from compare.ingest.structure import is_title_line


@pytest.mark.parametrize("title, doc_type", [
    ("浏阳市全民科学素质行动规划纲要实施方案（2021—2025年）", "实施方案"),
    ("某县科协2023年工作计划", "工作计划"),
    ("县科协2022年重点工作谋划", "重点工作"),
    ("2018年全民科学素质行动工作要点", "科普工作要点"),
    ("中国科学技术协会事业发展“十四五”规划（2021—2025年）", "规划"),
    ("深化科协系统改革实施方案", "深化改革工作要点"),
    ("河南省科协2024年工作要点", "工作要点"),
])
def test_doc_type_from_the_titles_last_plan_word(title, doc_type):
    assert classify_doc_type(title) == doc_type


@pytest.mark.parametrize("lines, number", [
    (["科协普函综字〔2020〕5号"], "科协普函综字〔2020〕5号"),
    (["发文文号：穗府办[2016]29号"], "穗府办〔2016〕29号"),
    (["科协发智字〔 2021 30"], "科协发智字〔2021〕30号"),      # PDF lost 〕 and 号
    (["豫科协办发﹝2024﹞9号"], "豫科协办发〔2024〕9号"),        # small brackets of government templates
    (["新科协办发〔2022〕14號"], "新科协办发〔2022〕14号"),       # a lone traditional 號 in simplified text
    (["南昌市人民政府关于印发实施方案的通知洪府发〔2021〕27号"], "洪府发〔2021〕27号"),
])
def test_issue_number_forms(lines, number):
    assert find_issue_number(lines) == number


def test_traditional_issue_number_after_simplification():
    assert find_issue_number([zhconv.convert("科協普函綜字〔2020〕5號", "zh-cn")]) == "科协普函综字〔2020〕5号"


@pytest.mark.parametrize("issuer, dept", [
    ("中国科协学会学术部", "学会学术部"), ("中国科协科普部", "科普部"), ("四川省科协学会学术部", "学会学术部"),
    ("中国科协办公厅", None), ("河南省科协办公室", None), ("中国科协党组", None), ("南昌市人民政府", None), (None, None),
])
def test_department_of_the_issuer(issuer, dept):
    assert department_of(issuer) == dept


def _locate(**kw):
    args = {"title": None, "issuer": None, "header": [], "first_paragraph": "", "issue_number": None}
    args.update(kw)
    return locate(**args)


def test_locate_national_bodies_whatever_the_recipients():
    header = ["各省、自治区、直辖市科协，新疆生产建设兵团科协："]
    assert _locate(title="中国科协党组2022年工作要点", header=header) == ("全国", "全国", None)
    assert _locate(title="2020年中国科协学会学术工作要点") == ("全国", "全国", None)
    assert _locate(title="2018年全民科学素质行动工作要点", header=header) == ("全国", "全国", None)
    assert _locate(title="2018年全民科学素质行动工作要点", issue_number="纲要办发〔2018〕3号") == ("全国", "全国", None)
    assert _locate(first_paragraph="2023年，中国科协将坚持稳中求进。") == ("全国", "全国", None)


def test_locate_city_county_and_generic_titles():
    assert _locate(title="长治市科学技术协会2022年工作要点") == ("市级", "山西", "长治市")
    assert _locate(title="县科协2022年重点工作谋划", header=["发布机构：临西县科学技术协会"]) == ("县级", "河北", "临西县")
    assert _locate(title="县科协2022年重点工作谋划") == ("县级", None, None)
    assert _locate(title="县科协2022年重点工作谋划", issuer="临西县科学技术协会") == ("县级", "河北", "临西县")
    assert _locate(title="省科协2019年工作要点", issuer="湖北省科学技术协会") == ("省级", "湖北", None)
    assert _locate(title="2024年广东省科协科普工作要点") == ("省级", "广东", None)
    assert _locate(title="重庆市科协2023年工作要点") == ("省级", "重庆", None)


def test_handed_out_title_and_title_completion():
    assert handed_out_title(["中国科协办公厅关于印发《中国科协2025年工作要点》的通知"]) == "中国科协2025年工作要点"
    assert handed_out_title(["现将《长治市科学技术协会2022年工作要点》印制下发，请抓好落实。"]) == \
        "长治市科学技术协会2022年工作要点"
    assert handed_out_title(["关于印发广州市实施方案[2016—2020年]的通知"]) == "广州市实施方案（2016—2020年）"
    assert handed_out_title(["讨论了《宿州市科协2023年工作要点（征求意见稿）》。"]) is None  # mentioned, not handed out
    assert complete_title("2022年工作要点", "长治市科学技术协会2022年工作要点") == "长治市科学技术协会2022年工作要点"
    assert complete_title("河南省科协2024年工作要点", "河南省科协2024年重点工作") == "河南省科协2024年工作要点"


def test_a_handed_out_plan_may_end_with_any_plan_title_word():
    # 工作思路 ends a plan's title line (the loader splits documents at it); the notice that hands the plan
    # out names that plan too (the handed-out rule once had a shorter word list and found no plan here)
    assert handed_out_title(["现将《某县科协2025年工作思路》印发给你们，请认真贯彻落实。"]) == "某县科协2025年工作思路"
    assert handed_out_title(["关于印发《某市科协2024年工作意见》的通知"]) == "某市科协2024年工作意见"


@pytest.mark.parametrize("word", PLAN_TITLE_WORDS)
def test_title_lines_and_handed_out_plans_share_the_plan_words(word):
    title = f"某县科协2025年{word}"
    assert is_title_line(title)
    assert handed_out_title([f"关于印发《{title}》的通知"]) == title
    assert not_a_plan([f"关于做好{title}的通知", "一、总体要求"]) is None  # a notice about a plan may be one
    assert not is_title_line(f"某县科协2025年{word}宣讲")  # the word ends the title


@pytest.mark.parametrize("lines, reason", [
    (["本报讯（记者 王明）3月8日，市科协召开工作会议。"], "news story"),
    (["某市科协召开全市科协工作会议。", "会议指出，要强化引领。", "会议强调，要服务大局。"], "news story"),
    (["2月12日，县科协召开全体干部会议，就做好科协工作进行了安排部署。", "一是加强学习。", "二是强化作风。"],
     "news story"),
    (["2022市科学技术协会年度工作总结", "一、主要成绩"], "report or summary"),
    (["关于进一步加强信息报送工作的通知", "一、总体要求"], "notice about something else"),
    (["请各市科协于12月19日前报送材料。", "联系人：王明"], "asking for material"),
    (["各位委员、同志们：我受常务委员会的委托，向全国委员会报告工作。"], "speech or report"),
    (["◎ 某省科协党组书记 王明", "2017年是深化改革之年。", "一是加大学会培育力度。", "二是推进治理改革。"],
     "signed article"),
])
def test_not_a_plan(lines, reason):
    assert reason in not_a_plan(lines)


def test_a_plan_is_not_refused():
    assert not_a_plan(["2019年全省科协系统深化改革工作要坚持问题导向。", "一、加强党的建设", "1.落实党组责任。"]) is None
    # a plan's opening may cite a meeting's work report; a plan may end with one contact
    assert not_a_plan(["2021年全省科协工作的总体要求是：深入贯彻省科协全委会议工作报告精神。", "一、强化引领",
                       "1.开展学习。", "联系人：王明"]) is None


def test_pinyin_glosses_and_question_mark_runs_are_cleaned():
    assert strip_annotations("山(shān)東(dōng)省科协 学（xué）会 ????长治") == "山東省科协 学会  长治"
    assert strip_annotations("实施方案（2021—2025年） 附件(a)") == "实施方案（2021—2025年） 附件(a)"


def test_title_issuer_publisher_and_national_issue_numbers():
    from compare.ingest.metadata import is_national_issue_number, publisher, title_issuer

    assert title_issuer("河南省科协2019年工作要点") == "河南省科协"
    assert title_issuer("2021年度丽水市科学技术协会重点工作") == "丽水市科学技术协会"
    assert title_issuer("省科协2019年工作要点") is None            # generic: no named body
    assert title_issuer("中国科学技术协会事业发展“十四五”规划（2021—2025年）") is None
    assert publisher(["体裁分类：其他 发布时间：2021-11-19发布机构：临西县科学技术协会 浏览次数：44"]) == "临西县科学技术协会"
    assert is_national_issue_number("科协发智字〔2022〕2号") and is_national_issue_number("纲要办发〔2018〕3号")
    assert not is_national_issue_number("豫科协办发〔2024〕9号") and not is_national_issue_number(None)
    assert department_of("河南省科协调研宣传部") == "调研宣传部"
