"""One test per cleaning rule, on short Chinese snippets."""
import codecs

import pytest

from compare.core.errors import InputFileError
from compare.ingest.clean import (
    MASK,
    count_masks,
    cruft_rule,
    fullwidth_punctuation,
    html_to_text,
    join_page_breaks,
    looks_like_html,
    normalise,
    normalise_line,
    to_simplified,
)
from compare.core.encoding import decode
from compare.ingest.structure import is_heading, is_marker

PLAN = "河南省科协2019年工作要点\n一、重点工作\n1.举办学术会议。（责任部门：学会学术部）\n"


# --- decoding ---------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding, data, expected", [
    ("utf-8", PLAN.encode("utf-8"), "utf-8"),
    ("utf-8-sig", codecs.BOM_UTF8 + PLAN.encode("utf-8"), "utf-8-sig"),
    ("gb18030", PLAN.encode("gb18030"), "gb18030"),
    ("gbk", PLAN.encode("gbk"), "gb18030"),
    ("utf-16 with BOM", PLAN.encode("utf-16"), "utf-16"),
    ("utf-16-le no BOM", PLAN.encode("utf-16-le"), "utf-16-le"),
    ("utf-16-be no BOM", PLAN.encode("utf-16-be"), "utf-16-be"),
])
def test_decode_records_the_encoding(encoding, data, expected):
    text, enc = decode(data, "plan.txt")
    assert enc == expected
    assert text.lstrip("\ufeff") == PLAN


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b"  \r\n\n ", "empty"),
    (b"%PDF-1.7\n...", "PDF"),
    (b"PK\x03\x04\x14\x00", "docx"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG"),
    (bytes(range(256)) * 4, "binary"),
    (b"\x80\xff\x80\xff abc \xff", "cannot decode"),
])
def test_decode_rejects_unusable_bytes_with_a_reason(data, reason):
    with pytest.raises(InputFileError, match=reason) as exc:
        decode(data, "bad.txt")
    assert str(exc.value).startswith("bad.txt: ")


# --- html -------------------------------------------------------------------------------------

def test_html_to_text_keeps_visible_blocks_and_drops_scripts():
    page = ("<!DOCTYPE html><html><head><title>站点</title><style>p{}</style></head><body>"
            "<script>var a='1.不是条目';</script><div>一、重点工作</div><p>1.举办&nbsp;会议&amp;论坛。</p>"
            "</body></html>")
    assert looks_like_html(page)
    lines = [l.strip() for l in html_to_text(page).split("\n") if l.strip()]
    assert [l.replace("\xa0", " ") for l in lines] == ["一、重点工作", "1.举办 会议&论坛。"]
    assert not looks_like_html("一、重点工作\n1.举办会议。")


# --- traditional characters -------------------------------------------------------------------

def test_traditional_text_is_converted_simplified_text_untouched():
    text, converted = to_simplified("河南省科協2019年工作要點\n一、加強學會建設")
    assert converted and text == "河南省科协2019年工作要点\n一、加强学会建设"
    plain = "一、加强学会建设，乾坤"  # 乾 must not become 干 in a simplified text
    assert to_simplified(plain) == (plain, False)


# --- normalisation ----------------------------------------------------------------------------

def test_masks_become_one_token_each_and_are_counted():
    text = normalise("为龙江******振兴*********振兴作贡献，协同＊＊＊的模式")
    assert text == f"为龙江{MASK}振兴{MASK}振兴作贡献，协同{MASK}的模式"
    assert count_masks(text) == 3
    assert count_masks(normalise("5*3=15")) == 0  # a single * is not a mask


def test_ascii_punctuation_in_chinese_becomes_fullwidth():
    assert fullwidth_punctuation("(责任部门:调研宣传部、人才发展中心,机关各部室)") == \
        "（责任部门：调研宣传部、人才发展中心，机关各部室）"
    assert fullwidth_punctuation("试点市(园区)和示范市;推进") == "试点市（园区）和示范市；推进"
    assert fullwidth_punctuation('打造"科普中原"品牌') == "打造“科普中原”品牌"


def test_ascii_punctuation_between_digits_or_latin_stays():
    assert fullwidth_punctuation("14:41 1,000 http://x.cn (a,b)") == "14:41 1,000 http://x.cn (a,b)"


def test_spaces_around_numbers_and_punctuation_go():
    assert normalise_line("  河南省科协 2024 年重点工作 ") == "河南省科协2024年重点工作"
    assert normalise_line("全年接待公众不少于 200 万人次。") == "全年接待公众不少于200万人次。"
    assert normalise_line("各直属事业单位， 各全省学会") == "各直属事业单位，各全省学会"
    # a space between two Chinese words is a separator in titles: kept (once)
    assert normalise_line("关于深化改革   培育世界一流科技期刊的意见") == "关于深化改革 培育世界一流科技期刊的意见"


def test_fullwidth_digits_and_ideographic_spaces():
    assert normalise("２０１９年\u3000工作要点\r\n１．举办１．５万人次") == "2019年 工作要点\n1．举办1.5万人次"


# --- cruft ------------------------------------------------------------------------------------

@pytest.mark.parametrize("line, rule", [
    ("您当前所在位置：河南省科学技术协会 综合信息 工作动态", "breadcrumb"),
    ("所在位置：首页 > 新闻中心 > 通知公告", "breadcrumb"),
    ("来源：袁宾 时间：2022-04-24", "source-or-time"),
    ("供稿人：袁宾", "source-or-time"),
    ("2019-03-18 14:41|文章来源：省科协办公室", "web-timestamp"),
    ("copyright 2001-2021 Hubei Association for Science and Technology All Rights Reserved", "footer"),
    ("湖北省科学技术协会 版权所有 2001-2021", "footer"),
    ("鄂ICP备13005063号-3 鄂公网安备 42010602001219号", "footer"),
    ("地址：武汉市武昌区八一路9号 湖北省科协综合办公大楼", "footer"),
    ("联合主办：湖北省科协办公室 湖北省科协学会信息服务中心", "footer"),
    ("技术支持：湖北省科协信息中心", "footer"),
    ("首页 | 科协微信 | 科协一家 | 科普中国", "navigation"),
    ("学习强国 | 中国科协", "navigation"),
    ("【打印本页】【关闭窗口】", "page-controls"),
    ("— 3 —", "page-number"),
    ("第2页 共5页", "page-number"),
    ("扫一扫在手机打开当前页", "page-tools"),
    ("【字体：大 中 小】", "page-controls"),
    ("分享到：微信 微博", "page-controls"),
])
def test_cruft_lines_are_recognised(line, rule):
    assert cruft_rule(normalise_line(line)) == rule


@pytest.mark.parametrize("line", [
    "河南省科协2022年学会学术工作要点",
    "一、坚持守正创新，进一步强化政治引领",
    "1.优化学会布局。推动相关领域成立新学会。",
    "湖北省科学技术协会",
    "2019年3月12日",
    "科技工作者参与度>50%",
    "时间节点：按照进度推进新馆建筑工程进展，争取9月15日前建筑工程主体建成，这是一段很长的计划正文，" * 3,
])
def test_plan_lines_are_not_cruft(line):
    assert cruft_rule(normalise_line(line)) is None


# --- page-break joins -------------------------------------------------------------------------

def _join(lines):
    return join_page_breaks(lines, is_marker=is_marker, is_heading=is_heading)


def test_page_break_inside_a_word_is_rejoined():
    lines = ["4. 丰富高端人才服务手段。举办院士沙龙系列活动，促进学科交叉融合。积极推", "", "荐我省优秀科技工作者参评中国科协奖项。"]
    assert _join(lines) == ["4. 丰富高端人才服务手段。举办院士沙龙系列活动，促进学科交叉融合。积极推荐我省优秀科技工作者参评中国科协奖项。"]


def test_page_break_after_a_comma_in_a_department_list_is_rejoined():
    lines = ["6. 健全完善科技人才成长支持链条。（责任部门：组织人事部、学会学术部、省科普中心，机关各部室、各直属事业单位，",
             "", "各全省学会，各省辖市科协）"]
    assert _join(lines)[0].endswith("各直属事业单位，各全省学会，各省辖市科协）")


def test_no_join_after_a_full_stop_a_title_or_a_heading_or_before_a_marker():
    title = ["河南省科协2024年工作要点", "2024年是中华人民共和国成立75周年。"]
    assert _join(title) == title
    heading = ["一、坚持强化引领，大力弘扬新时代科学家精神，夯实党在科技界的执政基础", "在做好各项日常工作的基础上做好工作。"]
    assert _join(heading) == heading
    full_stop = ["1.加强思想政治引领。强化理论武装，在全省科技界和科协系统深入学习宣传贯彻党的二十大精神。", "强化党建引领。"]
    assert _join(full_stop) == full_stop
    marker = ["1.加强思想政治引领。强化理论武装，在全省科技界和科协系统深入学习宣传贯彻党的二十大精神，", "2.大力弘扬科学家精神。"]
    assert _join(marker) == marker
    short = ["（一）强化党的建设", "坚决落实党对科协工作的全面领导。"]
    assert _join(short) == short
