"""City and county plans as they are really published: one test per metadata, type and issuer rule,
each on a plan written for the tests (tests/fixtures/realworld/) that reproduces a trait met in the
city/county development set (benchmarks/devset_facts.csv, sets city-dev and the held-out city sets)."""
from pathlib import Path

import pandas as pd
import pytest

from compare.analysis.selection import DEFAULT_ISSUER_KINDS, like_with_like
from compare.core.errors import InputFileError
from compare.core.vocab import DOC_TYPES, ISSUER_KINDS, TYPE_CODES
from compare.ingest.issuers import issuer_kind
from compare.ingest.load import parse_text
from compare.ingest.metadata import classify_doc_type
from compare.ingest.metadata_year import detect_year, page_date_year, parse_date, title_year
from compare.ingest.places import customary_shorts, issuer_level

FIXTURES = Path(__file__).parent / "fixtures" / "realworld"


def parse(name: str, warnings: list | None = None):
    return parse_text((FIXTURES / name).read_text(encoding="utf-8"), source_file=name, warnings=warnings)


# file: province, level, city, year, doc_type, issuer_kind, first item heading, n items
PLANS = {
    "county_title_year_without_nian.txt": ("河南", "县级", "桐柏县", 2025, "重点工作", "科协", "深化政治引领", 3),
    "banner_short_form_site_line.txt": ("内蒙古", "县级", "莫力达瓦达斡尔族自治旗", 2026, "工作计划", "科协",
                                        "农牧民实用技术培训覆盖半数嘎查村", 3),
    "county_generic_title_site_line.txt": ("河南", "县级", "宁陵县", 2025, "工作要点", "科协",
                                           "组织科技工作者开展理论学习，全年不少于4次", 3),
    "district_page_date_only.txt": ("河南", "县级", "梁园区", 2025, "重点工作", "科协", "加强乡镇科协建设", 3),
    "laokexie_city_plan.txt": ("河南", "市级", "安阳市", 2026, "工作要点", "老科协",
                               "组织会员学习党的创新理论，办好学习讲座4次", 2),
    "party_office_reform_plan.txt": ("河南", "县级", "淇县", 2025, "深化改革工作要点", "党政机关",
                                     "到年底建成覆盖全县的基层科协组织网络", 2),
    "doc_sharing_title_year_is.txt": ("河南", "县级", "宁陵县", 2026, "工作要点", "科协", "提升全民科学素质", 2),
    "county_activity_plan.txt": ("河南", "县级", "宁陵县", 2025, "活动方案", "科协", "举办县级主场活动", 2),
    "bureau_activity_plan_org_line.txt": ("河南", "县级", "梁园区", 2025, "活动方案", "党政机关",
                                          "组织农技专家开展田间培训", 2),
    "table_cells_row_numbers_categories.txt": ("贵州", "县级", "湄潭县", 2025, "重点工作", "科协",
                                               "深化政治引领", 6),
    "table_cells_row_numbers_header.txt": ("甘肃", "市级", "张掖市", 2024, "重点工作", "科协",
                                           "开展科技工作者思想状况调查", 3),
    "table_cells_category_before_number.txt": ("江西", "市级", "赣州市", 2024, "重点工作", "科协", "院士工作站建设", 3),
    "street_plan_doc_sharing_chunks.txt": ("江苏", "县级", "鼓楼区", 2025, "科普工作要点", "党政机关",
                                           "健全街道科普工作机制", 3),
    "headline_article_plan.txt": ("云南", "县级", "宜良县", 2025, "工作要点", "科协", "强化政治引领", 3),
    "article_sections_with_paragraph_items.txt": ("浙江", "县级", "天台县", 2026, "工作要点", "科协",
                                                  "联结专家助企业", 4),
    "headline_article_dated_captions.txt": ("浙江", "县级", "德清县", 2025, "工作要点", "科协",
                                            "孵化本土特色学会品牌", 2),
    "paragraph_plan_event_captions.txt": ("浙江", "市级", "嘉兴市", 2025, "工作要点", "科协", "全面加强党的建设", 4),
    "shared_district_name_settled_by_city.txt": ("浙江", "县级", "普陀区", 2024, "工作要点", "科协",
                                                 "组织科技工作者学习党的创新理论", 2),
    "title_year_in_chinese_digits.txt": ("河南", "县级", "民权县", 2024, "工作要点", "科协",
                                         "组织科技工作者学习党的创新理论", 2),
    "county_portal_reposts_association_plan.txt": ("河南", "县级", "民权县", 2023, "工作要点", "科协",
                                                   "组织科技工作者学习党的创新理论", 2),
    "mirror_spam_header_traditional_plan.txt": ("浙江", "县级", "嘉善县", 2024, "工作要点", "科协",
                                                "组织科技工作者学习党的创新理论", 2),
    "docshare_one_line_preview.txt": ("浙江", "县级", "桐庐县", 2024, "工作要点", "科协", "组织科技工作者学习党的创新理论", 3),
    "docshare_keywords_line_flat_text.txt": ("浙江", "县级", "宁海县", 2024, "工作要点", "科协",
                                             "组织科技工作者学习党的创新理论", 2),
    "stray_pipe_before_body_year_sentence.txt": ("云南", "县级", "通海县", 2024, "工作要点", "科协",
                                                 "组织科技工作者开展理论学习", 3),
    "issue_number_opening_copy.txt": ("云南", "市级", "曲靖市", 2019, "科普工作要点", "科协", "抓好重大科普活动", 3),
    "activity_plan_inline_items.txt": ("广东", "市级", "韶关市", 2023, "活动方案", "科协", "举办全国科普日主场活动", 5),
    "cited_plan_task_division.txt": ("四川", "市级", "雅安市", 2023, "工作方案", "党政机关", "青少年科学素质提升行动", 2),
    "law_mirror_fields_page_chrome.txt": ("广东", "市级", "韶关市", 2016, "实施方案", "党政机关",
                                          "实施青少年科学素质行动", 2),
    "spam_mirror_place_from_issue_prefix.txt": ("贵州", "县级", "凯里市", 2021, "实施方案", "党政机关",
                                                "青少年科学素质提升行动", 2),
    "county_short_name_in_slogans.txt": ("云南", "县级", "华宁县", 2017, "工作要点", "科协", "组织科技工作者开展理论学习", 3),
    "title_split_after_year.txt": ("浙江", "县级", "武义县", 2024, "工作要点", "科协", "组织科技工作者开展理论学习", 2),
    "notice_title_without_yinfa.txt": ("浙江", "县级", "武义县", 2024, "重点工作", "科协", "组织科技工作者开展理论学习", 2),
    "paragraph_ordinals_di_yi.txt": ("浙江", "县级", "永康市", 2023, "工作计划", "科协", "强化政治引领", 3),
    "news_lead_above_the_plan.txt": ("陕西", "市级", "商洛市", 2022, "活动方案", "科协", "举办全国科普日主场活动", 2),
    "literacy_work_programme_page_two.txt": ("广西", "市级", "河池市", 2006, "工作方案", "党政机关", "科普基础设施工程", 4),
}


@pytest.mark.parametrize("name", sorted(PLANS))
def test_city_county_fixture_metadata(name):
    prov, level, city, year, doc_type, kind, first, n = PLANS[name]
    [doc] = parse(name)
    assert (doc.province, doc.level, doc.city, doc.year, doc.doc_type, doc.issuer_kind) == (
        prov, level, city, year, doc_type, kind)
    assert doc.items[0]["heading"].startswith(first)
    assert len(doc.items) == n


# ---- year -----------------------------------------------------------------------------------

@pytest.mark.parametrize("title,year", [
    ("某县科协二〇二三年工作要点", 2023),
    ("某县科协二零二四年度工作计划", 2024),
    ("永德县科学技术协会2022重点工作", 2022),
    ("2023工作要点", 2023),
    ("某县科协2021年度工作计划", 2021),
    ("某市科协事业发展规划（2021-2025年）", 2021),
])
def test_title_year_forms(title, year):
    assert title_year(title)[0] == year


def test_title_without_year_gives_none_and_a_version_number_is_no_year():
    assert title_year("县科协重点工作谋划") is None
    assert title_year("科协工作要点V2.0") is None


def test_first_paragraph_framing_gives_the_year():
    assert detect_year(title=None, header=[], issue_number=None, first_paragraph="2024年是实施规划的关键一年。") == 2024


@pytest.mark.parametrize("line,iso", [
    ("2025年4月8日", "2025-04-08"),
    ("2 0 2 5 年 4 月 8 日", "2025-04-08"),
    ("二〇二五年四月八日", "2025-04-08"),
    ("2025-04-08", "2025-04-08"),
    ("2025/4/8", "2025-04-08"),
    ("08.04.2025", "2025-04-08"),
    ("二OO八年十二月十日", "2008-12-10"),      # the zero typed as a letter O
    ("二ＯＯ八年十二月十日", "2008-12-10"),
])
def test_signature_date_forms(line, iso):
    assert parse_date(line) == iso


def test_dates_that_are_no_date_lines():
    assert parse_date("2025-13-08") is None
    assert parse_date("2025年4月8日印发的通知") is None


def test_page_date_is_a_last_resort_with_a_warning_and_provenance():
    warnings: list[str] = []
    [doc] = parse("district_page_date_only.txt", warnings)
    assert doc.year == 2025 and doc.provenance["year"] == "page-date"
    assert any("web page's date" in w and "metadata.csv" in w for w in warnings)
    assert page_date_year(["发布时间：2021-11-19 15:31"]) == 2021
    assert page_date_year(["2021年是开局之年"]) is None


def test_signature_year_beats_the_page_date():
    [doc] = parse("party_office_reform_plan.txt")   # the title has no year; the spaced signature date does
    assert doc.year == 2025 and doc.provenance["year"] == "text" and doc.issue_date == "2025-04-08"


# ---- place ----------------------------------------------------------------------------------

def test_customary_short_forms_are_unique_and_never_a_real_division():
    shorts = customary_shorts()
    assert issuer_level("莫旗科协").city == "莫力达瓦达斡尔族自治旗"
    assert issuer_level("大理州科协").province == "云南"
    assert "德州" not in shorts            # 德州市 (山东), not 德宏州
    assert "河南县" not in shorts          # reads as a county of 河南
    assert "巴州" not in shorts            # 巴州区 (四川) and 巴音郭楞蒙古自治州 (新疆)


def test_places_of_two_provinces_ask_for_metadata_csv():
    with pytest.raises(InputFileError) as exc:
        parse("county_generic_places_of_two_provinces.txt")
    msg = str(exc.value)
    assert "河南、湖北" in msg
    assert "add: county_generic_places_of_two_provinces.txt,province=" in msg and "metadata.csv" in msg


def test_no_year_anywhere_names_the_fix(tmp_path):
    text = "县科协重点工作谋划\n（一）加强乡镇科协建设。\n（二）办好科普活动。\n宁陵县科学技术协会"
    with pytest.raises(InputFileError, match=r"no plan year .*add: x\.txt,year=… to data/raw/metadata\.csv"):
        parse_text(text, source_file="x.txt")


def test_site_line_removed_as_cruft_still_gives_the_place():
    [doc] = parse("county_generic_title_site_line.txt")   # 主办单位：宁陵县科学技术协会 is web cruft
    assert doc.city == "宁陵县" and all("主办单位" not in i["text"] for i in doc.items)


# ---- types and issuers ----------------------------------------------------------------------

@pytest.mark.parametrize("title,doc_type", [
    ("某县科协2020年工作意见", "工作意见"),
    ("某县科协2023年工作方案", "工作方案"),
    ("某县科协2025年全国科普日活动方案", "活动方案"),
    ("第二十八届科技之春宣传月活动实施方案", "活动方案"),
    ("开江县科协2019年工作重点", "重点工作"),
    ("某市科协2021年工作要点", "工作要点"),
    ("某州科协2013年工作安排", "工作计划"),                    # a year's 工作安排 is its work plan
    ("某市科协2013年度重点工作“十大项目”目标任务", "重点工作"),
])
def test_new_types(title, doc_type):
    from compare.ingest.structure import is_title_line

    assert is_title_line(title) or "科协" not in title
    assert classify_doc_type(title) == doc_type
    assert doc_type in DOC_TYPES and doc_type in TYPE_CODES


@pytest.mark.parametrize("issuer,title,kind", [
    ("佳木斯市老科学技术工作者协会", None, "老科协"),
    (None, "泉州市老科协2022年工作计划", "老科协"),
    ("中国科协科普部", None, "科协部门"),
    ("长治市科学技术协会", None, "科协"),
    ("中共淇县县委办公室", None, "党政机关"),
    ("铜川市王益区农业农村局", None, "党政机关"),
    ("某市医学会", None, "其他"),
    (None, "河南省科协2024年重点工作", "科协"),
    (None, None, "科协"),
])
def test_issuer_kind(issuer, title, kind):
    assert issuer_kind(issuer, title)[0] == kind
    assert kind in ISSUER_KINDS


def test_laokexie_and_party_office_plans_never_count_as_the_associations():
    docs = pd.DataFrame({
        "doc_id": ["anyang-a", "anyang-b", "qixian-c"], "province": ["河南"] * 3, "year": [2026, 2026, 2025],
        "doc_type": ["工作要点", "工作要点", "工作要点"], "level": ["市级", "市级", "县级"],
        "issuer_kind": ["科协", "老科协", "党政机关"]})
    assert like_with_like(docs, levels=None)["doc_id"].tolist() == ["anyang-a"]
    assert like_with_like(docs, levels=None, issuer_kinds=["科协", "老科协"])["doc_id"].tolist() == ["anyang-a", "anyang-b"]
    assert len(like_with_like(docs, levels=None, issuer_kinds="all")) == 3
    assert DEFAULT_ISSUER_KINDS == ("科协", "科协部门")


def test_every_selection_by_type_or_level_keeps_the_associations_own_issuer_kinds(tmp_path):
    """Selections are consistent: naming a level or type narrows issuer kinds as like_with_like does;
    a search by province alone keeps every issuer; issuer_kinds says otherwise explicitly."""
    import shutil

    from compare.analysis import filter_items
    from compare.analysis.corpus import Corpus
    from compare.core.errors import EmptyCorpusError
    from compare.ingest.run import ingest

    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("laokexie_city_plan.txt", "county_generic_title_site_line.txt", "party_office_reform_plan.txt"):
        shutil.copy(FIXTURES / name, raw / name)
    ingest(raw, tmp_path / "processed")
    corpus = Corpus.load(tmp_path / "processed")
    kinds = dict(zip(corpus.documents["doc_id"], corpus.documents["issuer_kind"]))
    assert sorted(kinds.values()) == ["党政机关", "科协", "老科协"]

    def kinds_of(frame):
        return sorted({kinds[d] for d in frame["doc_id"]})

    assert kinds_of(corpus.select(provinces="河南").documents) == ["党政机关", "科协", "老科协"]  # a search
    assert kinds_of(corpus.select(levels=["市级", "县级"]).documents) == ["科协"]
    assert kinds_of(corpus.select(levels="市级", issuer_kinds="老科协").documents) == ["老科协"]
    assert kinds_of(corpus.select(levels=["市级", "县级"], issuer_kinds="all").documents) == ["党政机关", "科协", "老科协"]
    with pytest.raises(EmptyCorpusError, match="issuer_kinds"):
        corpus.select(levels="市级")                      # the only 市级 plan is the 老科协's
    assert kinds_of(filter_items(corpus, provinces="河南")) == ["党政机关", "科协", "老科协"]
    assert kinds_of(filter_items(corpus, levels=["市级", "县级"])) == ["科协"]
    assert kinds_of(filter_items(corpus, levels="市级", issuer_kinds=["科协", "老科协"])) == ["老科协"]
    assert kinds_of(corpus.like_with_like(doc_types=None, levels=None).documents) == ["科协"]
    assert kinds_of(corpus.like_with_like(doc_types=None, levels=None, issuer_kinds="all").documents) == [
        "党政机关", "科协", "老科协"]


def test_issuer_kind_reaches_the_documents_table(tmp_path):
    from compare.ingest.identity import assign_doc_ids
    from compare.ingest.run import tables

    docs = parse("laokexie_city_plan.txt")
    assign_doc_ids(docs)
    documents, _items, _targets = tables(docs)
    assert documents.loc[0, "issuer_kind"] == "老科协"
    assert '"issuer_kind": "text"' in documents.loc[0, "provenance"]


# ---- ingest --explain -----------------------------------------------------------------------

def test_explain_prints_each_rule_and_the_skip_reason(tmp_path, capsys):
    from compare.cli import main

    f = tmp_path / "x.txt"
    f.write_text((FIXTURES / "county_generic_places_of_two_provinces.txt").read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["ingest", "--explain", str(f)]) == 0
    out = capsys.readouterr().out
    assert "year: title YYYY年" in out and "gazetteer: divisions of several provinces named" in out
    assert "skipped:" in out and "add: x.txt,province=" in out
    assert not (tmp_path / "processed").exists()


# ---- items without markers ------------------------------------------------------------------

def test_paragraph_plan_items_are_paragraphs_with_their_first_clause_as_heading():
    [doc] = parse("paragraph_plan_without_markers.txt")
    assert (doc.province, doc.city, doc.year, doc.doc_type) == ("河南", "睢县", 2025, "工作要点")
    assert [i["heading"] for i in doc.items] == ["加强思想政治引领", "推进全域科普工作", "服务企业创新发展", "深化科协组织建设"]
    assert [i["item_id"] for i in doc.items] == ["¶1", "¶2", "¶3", "¶4"]
    assert all("图为" not in i["text"] for i in doc.items)      # a photo caption is never an item
    assert doc.preamble.startswith("2025年，县科协将坚持")


def test_one_line_body_is_split_at_its_section_markers():
    [doc] = parse("one_line_body.txt")
    assert [(i["item_id"], i["heading"]) for i in doc.items] == [
        ("一", "加强思想政治引领"), ("二", "推进全域科普"), ("三", "服务创新发展")]
    assert doc.preamble.startswith("2025年，县科协工作的总体要求是")


def test_prose_that_does_not_read_as_a_plan_gives_no_paragraph_items():
    from compare.ingest.paragraph_items import paragraph_items

    news = ["3月5日，县科协召开全体干部会议。", "会议传达了上级会议精神。", "与会人员进行了讨论。"]
    assert paragraph_items(news) is None
    assert paragraph_items(["加强学习。全年4次。", "推进科普。建站3个。"]) is None   # fewer than three


# ---- tables flattened one cell a line, row numbers on their own lines ---------------------------

def test_table_cells_with_row_numbers_are_one_item_per_row():
    [doc] = parse("table_cells_row_numbers_categories.txt")
    assert [i["item_id"] for i in doc.items] == ["一/1", "一/2", "一/3", "二/4", "二/5", "三/6"]
    # the merged category cell (党建引领, 科普惠民, 人才服务) heads its group of rows
    assert [i["section_title"] for i in doc.items] == ["党建引领"] * 3 + ["科普惠民"] * 2 + ["人才服务"]
    assert doc.items[1]["departments"] == ["组织部", "各乡镇科协"]      # the cell listing offices
    assert "完成时限：6月底前" in doc.items[1]["text"] and "新建企业科协3家" in doc.items[1]["text"]
    # the last row ends at its own cells: the signature under the table is the signature
    assert doc.items[-1]["departments"] == ["学会部"] and "湄潭县科学技术协会" not in doc.items[-1]["text"]
    assert doc.issue_date == "2025-02-10"
    assert [t["value"] for t in doc.targets][:2] == [4.0, 3.0]


def test_table_cells_under_a_header_are_named_by_their_columns():
    [doc] = parse("table_cells_row_numbers_header.txt")
    assert [i["departments"] for i in doc.items] == [["调研宣传部"], ["学会学术部"], ["科普部"]]
    assert doc.items[2]["text"].startswith("推进基层科普行动计划。具体措施：争取上级科普惠农项目资金")
    assert doc.items[2]["text"].endswith("完成时限：全年。")   # long cells are never glued as page breaks
    assert "序号" not in doc.preamble and "工作任务" not in doc.preamble


def test_table_cells_with_the_category_column_before_the_row_number():
    [doc] = parse("table_cells_category_before_number.txt")
    assert doc.title == "赣州市科协2024年度重点工作目标任务"        # the header's 2024年… cell is no title
    assert [(i["item_id"], i["section_title"]) for i in doc.items] == [
        ("一/1", "服务创新类项目"), ("一/2", "服务创新类项目"), ("二/3", "科学普及类项目")]
    assert "具体内容：新建院士工作站2家" in doc.items[0]["text"]
    assert doc.items[0]["text"].endswith("2024年工作目标和进度：1—5月完成对接，12月前完成新建任务。")
    assert "科学普及类项目" not in doc.items[1]["text"]


def test_page_numbers_between_sections_are_still_page_numbers():
    [doc] = parse("page_numbers_between_paragraphs.txt")
    assert [i["item_id"] for i in doc.items] == ["一", "二", "三"]
    assert all(not i["text"].endswith(("1", "2", "3")) for i in doc.items)


@pytest.mark.parametrize("lines", [
    # a page of text between page numbers: too many lines for a table row
    ["1", *[f"第{k}段正文，内容较短。" for k in range(10)], "2", *[f"第{k}段。" for k in range(10)], "3", "末段。"],
    # two numbers without a 序号 header are no table
    ["1", "开展活动", "科普部", "2", "举办论坛", "学会部"],
    # a paragraph longer than a cell between the numbers
    ["1", "甲" * 130, "2", "乙", "3", "丙"],
])
def test_row_number_runs_need_a_table_shape(lines):
    from compare.ingest.cell_tables import numbered_rows

    assert numbered_rows(lines) == [line for line in lines if line]


# ---- documents without a title line ---------------------------------------------------------

def test_body_only_copy_opening_at_total_requirements_reads_as_a_plan():
    [doc] = parse("body_only_total_requirements.txt")
    assert (doc.province, doc.level, doc.city, doc.year, doc.doc_type) == ("河南", "县级", "柘城县", 2025, "工作要点")
    assert doc.title == "柘城县科协2025年工作要点（标题据正文推断）"     # named for the county, not the province
    assert doc.provenance["title"] == "inferred"
    assert doc.items[0]["item_id"] == "二/（一）/1"
    assert "总体要求" in doc.preamble


def test_body_only_copy_without_metadata_names_every_field_to_add():
    with pytest.raises(InputFileError) as err:
        parse("body_only_preface_plan.txt")
    reason = str(err.value)
    assert "a body-only copy (it opens at 序言" in reason
    assert "add: body_only_preface_plan.txt,year=…,province=…" in reason   # the type (规划) it did read


def test_body_only_copy_takes_its_metadata_from_metadata_csv():
    from compare.ingest.overrides import FileOverrides, OverrideRow

    name = "body_only_preface_plan.txt"
    row = OverrideRow(line=2, file=name, values={"title": "柘城县科协“十四五”事业发展规划", "province": "河南"})
    [doc] = parse_text((FIXTURES / name).read_text(encoding="utf-8"), source_file=name,
                       overrides=FileOverrides([row]))
    assert (doc.year, doc.doc_type, doc.province, doc.city, doc.level) == (2021, "规划", "河南", "柘城县", "县级")
    assert doc.title == "柘城县科协“十四五”事业发展规划"
    assert [i["heading"] for i in doc.items] == ["建成县科技馆并免费开放", "每个乡镇建成科普e站", "建设县级科技工作者之家"]


def test_a_two_character_county_inside_a_word_is_no_place():
    from compare.ingest.places import places_in

    assert [p.name for _, p in places_in("建成县科技馆")] == []
    assert [p.name for _, p in places_in("陇南市成县，成县科协")] == ["陇南市", "成县", "成县"]


def test_plan_title_named_in_its_own_body():
    [doc] = parse("title_named_in_body.txt")
    assert doc.title == "通许县科协2025年工作要点" and doc.provenance["title"] == "text"
    assert (doc.province, doc.level, doc.city, doc.year, doc.doc_type, doc.issuer) == (
        "河南", "县级", "通许县", 2025, "工作要点", "通许县科协")
    assert doc.items[0]["heading"].startswith("组织科技工作者开展理论学习")


@pytest.mark.parametrize("lines,title", [
    (["现制定《某市科协事业发展“十四五”规划纲要》如下。", "一、发展基础"], "某市科协事业发展“十四五”规划纲要"),
    (["根据《全民科学素质行动规划纲要（2021—2035年）》，结合实际，提出以下意见。"], None),  # cites another plan
    (["一、强化引领", "1.特制定《某县科协2025年工作要点》。"], None),                          # after the first item
    (["特制定《科普讲解员管理办法》。"], None),                                                 # no plan word
])
def test_own_title_only_for_the_plan_the_text_makes(lines, title):
    from compare.ingest.untitled import own_title

    assert own_title(lines) == title


# ---- plans published as articles or doc-sharing chunks; street and town offices ----------------

def test_headline_plan_items_are_its_verb_led_headings_without_photo_captions():
    [doc] = parse("headline_article_plan.txt")
    assert doc.title == "宜良县科协2025年工作要点（标题据正文推断）"
    assert [i["heading"] for i in doc.items] == ["强化政治引领", "推进全域科普", "服务创新发展"]
    assert "全面加强党的建设" in doc.items[0]["text"]                   # the subtitle stays
    assert all("现场" not in i["text"] and "集中学习\n" not in i["text"] for i in doc.items)  # captions go
    assert doc.preamble.startswith("2025年是全面完成")


def test_the_subject_after_a_year_framing_clause_names_the_issuer():
    from compare.ingest.metadata import classify_untitled, locate

    first = "2025年是“十四五”规划收官之年，宜良县科协将团结引领全县科技工作者。"
    assert locate(title=None, issuer=None, header=[], first_paragraph=first, issue_number=None) == (
        "县级", "云南", "宜良县")
    assert classify_untitled(first) == "工作要点"          # 规划 in the framing clause makes no 规划


def test_street_plan_is_a_county_level_plan_of_a_government_office():
    [doc] = parse("street_plan_doc_sharing_chunks.txt")
    assert doc.title == "湖南路街道2025年全域科普工作计划"        # split off the first page chunk
    assert (doc.issuer, doc.issuer_kind, doc.level, doc.city) == ("湖南路街道", "党政机关", "县级", "鼓楼区")
    assert [i["item_id"] for i in doc.items] == ["一", "二", "三"]   # 一、 after 如下： is a section too


def test_a_road_named_after_a_province_is_no_province():
    from compare.ingest.provinces import province_in

    assert province_in("湖南路街道2025年全域科普工作计划") is None
    assert province_in("北京东路社区") is None
    assert province_in("湖南省科协") == "湖南"


def test_devset_stream_knows_a_text_again_whatever_its_place_in_the_stream():
    """The last text of a stream ends with the stream's final newline; fed again in the middle of a
    stream (or the other way round) it is the same text, not a changed one."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("devset", Path(__file__).parents[1] / "benchmarks" / "devset.py")
    devset = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(devset)
    head = "@@@ file={}|kind=nonplan|set=city-dev\n"
    first = devset.read_stream(head.format("a") + "甲文\n" + head.format("b") + "乙文\n")
    facts: list[dict] = []
    devset.record_stream(first, facts)
    again = devset.read_stream(head.format("b") + "乙文\n" + head.format("a") + "甲文\n")
    rows = devset.record_stream(again, facts)
    assert [r["file"] for r in rows] == ["b", "a"] and len(facts) == 2
    changed = devset.read_stream(head.format("a") + "甲文改\n")
    with pytest.raises(SystemExit, match="differs"):
        devset.record_stream(changed, facts)
    # a text already recorded is never renamed or moved into another set (a held-out set must not
    # silently take over a development row)
    renamed = devset.read_stream(head.format("c") + "甲文\n")
    moved = devset.read_stream("@@@ file=a|kind=nonplan|set=city-heldout4\n甲文\n")
    for stream in (renamed, moved):
        with pytest.raises(SystemExit, match="already recorded as a in set city-dev"):
            devset.record_stream(stream, facts)
    assert [(f["file"], f["set"]) for f in facts] == [("a", "city-dev"), ("b", "city-dev")]


# ---- articles: image placeholders, sections of paragraph items, dated captions; 前言 ----------------

def test_image_placeholders_are_cruft_and_the_first_paragraph_is_the_prose_below_them():
    from compare.ingest.clean import cruft_rule

    assert cruft_rule("![]()") == cruft_rule("![图1](https://x/a.jpg)") == "image-placeholder"
    assert cruft_rule("![]()![]()") == "image-placeholder"
    assert cruft_rule("如图所示，组织开展活动。") is None
    [doc] = parse("article_sections_with_paragraph_items.txt")
    assert doc.preamble.startswith("2026年，台州市天台县科协将")


def test_a_section_of_paragraphs_led_by_short_sentences_gives_one_item_per_paragraph():
    [doc] = parse("article_sections_with_paragraph_items.txt")
    assert [i["item_id"] for i in doc.items] == ["一/¶1", "一/¶2", "二/¶1", "二/¶2"]
    assert [i["heading"] for i in doc.items] == ["联结专家助企业", "建强平台聚人才", "品牌活动惠民生", "阵地建设强基础"]
    assert doc.items[1]["section_title"] == "服务产业创新，培育发展新动能"
    assert all("机器人科普展示" not in i["text"] for i in doc.items)      # the dated photo caption goes


@pytest.mark.parametrize("line,caption", [
    ("2025年6月12日，天台县科协在县科技馆举办机器人科普展示活动。", True),
    ("2024年7月，德清县举办青少年科技创新夏令营活动", True),
    ("2025年6月底前，举办全县科普讲解大赛。", False),          # a deadline is a task
    ("2025年，全县科协将开展科普活动40场次。", False),         # no event date
])
def test_dated_photo_captions(line, caption):
    from compare.ingest.section_paragraphs import is_dated_caption

    assert is_dated_caption(line) is caption


def test_a_section_with_one_paragraph_stays_one_item():
    from compare.ingest.section_paragraphs import split_section_paragraphs
    from compare.ingest.structure import parse_items

    _pre, items = parse_items(["一、加强党的建设", "强化政治引领。组织全体干部学习党的创新理论，全年不少于12次。",
                               "二、推进全域科普", "办好科普日活动，全年开展科普活动30场。"])
    assert [i.item_id for i in split_section_paragraphs(items)] == ["一", "二"]


def test_headline_article_with_dated_captions_and_a_slogan_list_above():
    [doc] = parse("headline_article_dated_captions.txt")
    assert [i["heading"] for i in doc.items] == ["孵化本土特色学会品牌", "开展全域体系化科普行动"]
    assert all("夏令营" not in i["text"] and "学术交流会在" not in i["text"] for i in doc.items)
    assert "一个目标" in doc.preamble


def test_a_preface_section_is_preamble_and_a_copy_cut_inside_it_has_no_items():
    warnings: list = []
    [doc] = parse("literacy_plan_preface_section.txt", warnings)
    assert (doc.province, doc.level, doc.city, doc.year, doc.doc_type, doc.issuer_kind, doc.issue_number) == (
        "北京", "县级", "丰台区", 2021, "实施方案", "党政机关", "丰政办发〔2022〕18号")
    assert doc.items == [] and any("0 items" in w for w in warnings)
    assert doc.preamble.startswith("一、前言")


def test_event_captions_between_paragraph_items_are_no_paragraphs():
    from compare.ingest.paragraph_items import is_caption

    assert is_caption("“科学家精神进校园”宣讲活动在南湖区举办") and is_caption("院士专家嘉兴行活动现场")
    from compare.ingest.clean import join_page_breaks
    caption = "“科学家精神进校园”系列宣讲活动暨院士专家进企业交流会在南湖区举办"     # 30+ characters, no 。
    assert join_page_breaks([caption, "全面加强党的建设，完善闭环机制。"], is_marker=lambda s: False,
                            is_heading=lambda s: False) == [caption, "全面加强党的建设，完善闭环机制。"]
    assert not is_caption("办好全国科普日活动，组织主场活动在市科技馆举行。")
    [doc] = parse("paragraph_plan_event_captions.txt")
    assert [i["item_id"] for i in doc.items] == ["¶1", "¶2", "¶3", "¶4"]
    assert all("举办" not in i["text"] and "现场" not in i["text"] for i in doc.items)


def test_a_doc_sharing_uploaders_location_is_no_province():
    from compare.ingest.clean import cruft_rule

    assert cruft_rule("  • 2026-02-03 发布于山西") == cruft_rule("IP属地：河北") == "uploader-location"
    with pytest.raises(InputFileError, match="no province"):
        parse("docshare_template_uploader_location.txt")


# ---- division names several provinces share; more titles of a year's plan ---------------------------

def test_a_shared_district_name_alone_gives_its_level_but_no_province():
    from compare.ingest.metadata import locate

    assert locate(title="城关区科协2023年工作要点", issuer=None, header=[], first_paragraph="",
                  issue_number=None) == ("县级", None, None)
    assert locate(title="兰州市城关区科协2023年工作要点", issuer=None, header=[], first_paragraph="",
                  issue_number=None) == ("县级", "甘肃", "城关区")
    assert locate(title="北京市朝阳区科协2023年工作要点", issuer=None, header=[], first_paragraph="",
                  issue_number=None) == ("县级", "北京", "朝阳区")


def test_a_shared_district_name_is_settled_by_a_city_the_body_names():
    [doc] = parse("shared_district_name_settled_by_city.txt")
    assert (doc.province, doc.level, doc.city) == ("浙江", "县级", "普陀区")     # 舟山市 settles it: not 上海


def test_a_shared_district_name_named_alone_asks_for_the_province():
    with pytest.raises(InputFileError, match="江苏、河南、福建; add: shared_district_name_alone.txt,province="):
        parse("shared_district_name_alone.txt")


@pytest.mark.parametrize("title", ["某市科协2023年工作计划安排", "某县科协2020年工作打算", "某县科协2022年工作思路",
                                   "某县科协2023年工作谋划", "某县科协2019年工作目标任务"])
def test_a_years_thoughts_plans_and_targets_are_its_work_plan(title):
    assert classify_doc_type(title) == "工作计划"


# ---- doc-sharing previews flattened onto one line ----------------------------------------------------

def test_a_one_line_preview_gets_its_title_sections_and_items_back():
    [doc] = parse("docshare_one_line_preview.txt")
    assert doc.title == "桐庐县科协2024年工作要点"
    assert [i["item_id"] for i in doc.items] == ["一/1", "一/2", "二/3"]
    assert doc.items[1]["section_title"] == "强化政治引领"


def test_a_section_heading_run_into_its_first_item_is_split():
    [doc] = parse("docshare_keywords_line_flat_text.txt")
    assert doc.title == "宁海县科协2024年工作要点"                     # not the keyword line above it
    assert [(i["section_title"], i["heading"][:6]) for i in doc.items] == [("强化政治引领", "组织科技工作"),
                                                                        ("推进全域科普", "开展科普活动")]


@pytest.mark.parametrize("line,flat", [
    ("某县科协2024年工作要点 2024年，县科协将团结全县科技工作者。一、强化政治引领 1.组织学习。二、推进全域科普 2.开展活动。", True),
    ("组织科技工作者学习党的创新理论，落实“1.5万人次”培训目标，全年开展集中学习4次，覆盖全县各乡镇科协和县直学会的全体会员。", False),
])
def test_only_a_line_holding_several_markers_is_a_flattened_page(line, flat):
    from compare.ingest.flat_pages import split_flat_pages

    assert (len(split_flat_pages([line])) > 1) is flat


def test_doc_sharing_residue_is_cruft():
    from compare.ingest.clean import cruft_rule

    for line in ("版权说明：本文档由用户提供并上传，收益归属内容提供方", "文档简介", "已阅读2页，还剩3页未读 继续免费阅读",
                 "某县科协2024年工作要点.doc_第1页"):
        assert cruft_rule(line) == "doc-sharing", line


# ---- untitled summaries ------------------------------------------------------------------------------

def test_an_untitled_text_opening_with_work_done_is_a_summary_not_a_plan():
    with pytest.raises(InputFileError, match="a summary of work done"):
        parse("untitled_summary_with_markers.txt")


@pytest.mark.parametrize("line,done", [
    ("今年以来，某县科协紧紧围绕县委中心工作，扎实推进各项工作。", True),
    ("一年来，某县科协团结全县科技工作者，圆满完成了全年各项目标任务。", True),
    ("2025年，县科协将紧扣中心工作，推动科协工作取得新成效。", False),      # what it will do: a plan
    ("2025年是“十四五”规划收官之年，某县科协将团结引领全县科技工作者。", False),
])
def test_work_done_openings(line, done):
    from compare.ingest.untitled import work_done_opening

    assert (work_done_opening([line]) is not None) is done


def test_a_county_portals_name_above_an_associations_plan_is_not_its_issuer():
    [doc] = parse("county_portal_reposts_association_plan.txt")
    assert doc.issuer != "民权县人民政府" and doc.issuer_kind == "科协"
    [doc] = parse("bureau_activity_plan_org_line.txt")                  # a title naming no association
    assert doc.issuer_kind == "党政机关"


# ---- government information pages; news about a plan ------------------------------------------------

def test_a_bulleted_information_table_gives_fields_not_items():
    [doc] = parse("govinfo_bulleted_table.txt")
    assert (doc.province, doc.level, doc.city, doc.year, doc.doc_type, doc.issue_number, doc.issuer_kind) == (
        "浙江", "市级", "嘉兴市", 2021, "实施方案", "嘉政发〔2022〕9号", "党政机关")
    assert [i["heading"] for i in doc.items] == ["青少年科学素质提升行动"]       # no 索引号 / 主题分类 items


def test_news_that_a_plan_was_issued_is_no_notice_handing_it_out():
    from compare.ingest.metadata import handed_out_title

    assert handed_out_title(["《某市实施方案（2021-2025年）》于日前印发实施。"]) is None
    assert handed_out_title(["现将《某市实施方案（2021-2025年）》印发给你们。"]) == "某市实施方案（2021-2025年）"
    with pytest.raises(InputFileError, match="news story"):
        parse("news_about_a_plan_being_issued.txt")


def test_a_background_section_is_preamble_like_the_guiding_thought():
    from compare.ingest.structure import parse_items

    _pre, items = parse_items(["一、发展基础和面临形势", "“十三五”时期，全市科普工作取得显著成效。"])
    assert items == []
    _pre, items = parse_items(["一、总体要求", "（一）指导方针。全面贯彻党的十八大精神，坚持“政府推动、全民参与”的工作方针。"])
    assert items == []


def test_a_simplified_spam_header_does_not_make_a_traditional_plan_simplified():
    from compare.ingest.clean import is_traditional

    assert is_traditional("欢乐在线观看_精品一区\n嘉善縣科協2024年工作要點\n一、強化政治引領\n1.組織學習黨的創新理論")
    assert not is_traditional("宁陵县科协2024年工作要点\n一、强化政治引领，學習")   # one traditional character


# ---- traits of the fourth collection's misses -------------------------------------------------------

def test_a_punctuation_only_line_before_the_body_does_not_hide_the_first_paragraphs_year():
    from compare.ingest.clean import cruft_rule

    assert cruft_rule("|") == cruft_rule("——") == cruft_rule("……") == "punctuation-only"
    assert cruft_rule("██") is None and cruft_rule("一、加强") is None   # a masked line is text
    [doc] = parse("stray_pipe_before_body_year_sentence.txt")
    assert doc.year == 2024 and doc.provenance["title"] == "inferred" and doc.title.startswith("通海县科协2024年")


def test_a_copy_opening_at_its_issue_number_and_addressee_reads_as_a_plan():
    [doc] = parse("issue_number_opening_copy.txt")
    assert doc.issue_number == "曲市科协〔2019〕2号"
    assert doc.title == "曲靖市科协2019年科普工作要点（标题据正文推断）" and doc.provenance["title"] == "inferred"
    assert [it["heading"] for it in doc.items][:2] == ["抓好重大科普活动", "加强科普阵地建设"]


@pytest.mark.parametrize("number,place", [
    ("乐市科协〔2014〕2号", "乐山市"),     # the one prefecture starting with 乐
    ("凯府办函〔2023〕1号", "凯里市"),     # the one division starting with 凯
    ("曲府办〔2020〕3号", None),          # 曲周县, 曲阜市, 曲靖市 …: several, no guess
    ("豫科协发〔2024〕9号", None),        # a province's abbreviation, read by the province rules
    (None, None),
])
def test_issue_number_prefix_places(number, place):
    from compare.ingest.metadata_place import issue_number_place

    found = issue_number_place(number)
    assert (found.name if found else None) == place


def test_inline_numbered_items_after_a_colon_are_items():
    from compare.ingest.flat_pages import split_inline_numbers

    [doc] = parse("activity_plan_inline_items.txt")
    assert [it["item_id"] for it in doc.items] == ["2/（1）", "2/（2）", "2/（3）", "2/（4）", "3"]
    assert "时间" in doc.preamble   # 1、时间：… frames the activity, no task
    one = "为做好工作，特制定本方案：1、时间：9月。2、内容：（1）举办展览；（2）开展讲座。"
    assert split_inline_numbers([one]) == ["为做好工作，特制定本方案：", "1、时间：9月。", "2、内容：",
                                           "（1）举办展览；", "（2）开展讲座。"]
    cited = "按照《纲要》第（1）项的要求：1、开展科普活动。"   # one number, no run: prose stays whole
    assert split_inline_numbers([cited]) == [cited]


@pytest.mark.parametrize("title", [
    "某区全民科学素质行动规划纲要实施方案（2021―2025年）", "某区全民科学素质行动规划纲要实施方案（2021——2025年）",
    "某区全民科学素质行动规划纲要实施方案（2021～2025年）", "某区全民科学素质行动规划纲要实施方案（2021年至2025年）",
    "某区全民科学素质行动规划纲要实施方案（2021-2025年）",
])
def test_year_ranges_with_every_dash_give_their_first_year(title):
    assert title_year(title) == (2021, "title range")


def test_a_range_written_with_two_em_dashes_is_a_range_in_a_plan():
    [doc] = parse("range_dashes_title.txt")
    assert (doc.year, doc.province, doc.level, doc.city) == (2021, "重庆", "县级", "大渡口区")


def test_a_cited_plans_issue_number_and_year_are_not_the_documents():
    from compare.ingest.metadata import find_issue_number

    cited = "为贯彻落实省政府印发的《某省全民科学素质行动规划纲要实施方案（2021—2025年）》（川府发〔2022〕28号），制定本方案。"
    assert find_issue_number([cited]) is None
    assert find_issue_number(["川府发〔2022〕28号"]) == "川府发〔2022〕28号"
    assert classify_doc_type("某市贯彻落实全民科学素质行动规划纲要实施方案任务分工方案") == "工作方案"
    [doc] = parse("cited_plan_task_division.txt")
    assert doc.issue_number is None and doc.year == 2023 and doc.title.endswith("任务分工方案")


def test_a_flattened_task_division_plan_keeps_its_signature_year_and_no_cited_issue_number():
    flat = ("雅安市贯彻落实四川省全民科学素质行动规划纲要实施方案任务分工方案 为贯彻落实省政府印发的《四川省全民科学素质行动"
            "规划纲要实施方案（2021—2025年）》（川府发〔2022〕28号），结合我市实际，制定本任务分工方案。一、指导思想坚持以"
            "习近平新时代中国特色社会主义思想为指导，全面提升公民科学素质。二、重点任务分工。（一）青少年科学素质提升行动。"
            "开展科学教育进校园活动。牵头单位：市教育局、市科协。雅安市全民科学素质工作领导小组办公室 2023年3月23日")
    [doc] = parse_text(flat, source_file="flat.txt")
    assert (doc.year, doc.doc_type, doc.issue_number, doc.issue_date) == (2023, "工作方案", None, "2023-03-23")
    assert doc.items[0]["heading"] == "青少年科学素质提升行动"   # 一、指导思想坚持… is framing


def test_framing_compounds_and_framing_run_into_its_text_are_not_the_first_item():
    [doc] = parse("framing_sections_first.txt")
    assert doc.items[0]["heading"] == "青少年科学素质提升行动" and "指导思想和原则" in doc.preamble
    cut = ("儋州市全民科学素质行动实施方案（2021—2025年）\n一、总体要求\n（一）指导思想和原则。坚持党的全面领导。\n"
           "（二）工作目标。到2025年，全市公民具备科学素质的比例达到12%，")
    [doc] = parse_text(cut, source_file="cut.txt")
    assert doc.items == []   # a copy cut inside the framing: no task yet


def test_page_functions_and_a_law_mirrors_fields():
    from compare.ingest.clean import cruft_rule

    for line in ("页面功能： 【加入收藏】 【关闭】 【打印本页】", "• 加入收藏", "• 关闭", "【打印本页】"):
        assert cruft_rule(line) == "page-controls", line
    [doc] = parse("law_mirror_fields_page_chrome.txt")
    assert doc.issuer == "韶关市人民政府办公室" and doc.issue_number == "韶府办〔2016〕12号"
    assert all("收藏" not in it["heading"] for it in doc.items)


def test_a_spam_mirror_takes_its_place_from_the_issue_number_and_never_guesses_the_province_level():
    [doc] = parse("spam_mirror_place_from_issue_prefix.txt")
    assert (doc.level, doc.city, doc.issuer_kind) == ("县级", "凯里市", "党政机关")
    unsure = ("全民科学素质行动规划纲要实施方案（2021—2025年）\n各镇人民政府、街道办事处，市政府各部门：\n"
              "《全民科学素质行动规划纲要实施方案（2021—2025年）》已经市人民政府同意，现印发给你们。\n"
              "一、主要目标\n到2025年，全市公民具备科学素质的比例达到贵州省平均水平。\n二、重点任务\n"
              "（一）青少年科学素质提升行动。落实贵州省青少年科技教育计划。")
    with pytest.raises(InputFileError, match="no province: a city or county government's text .*province=…,level=…,city=…"):
        parse_text(unsure, source_file="unsure.txt")


@pytest.mark.parametrize("name,reason", [
    ("news_laokexie_carries_out_arrangements.txt", "a news story about a meeting carrying out a plan"),
    ("news_headline_plan_issued.txt", "a news story about a plan being issued"),
    ("news_headline_printed_plan.txt", "a news story about a plan being issued"),
])
def test_news_about_a_plan_is_refused(name, reason):
    with pytest.raises(InputFileError, match=f"not a plan: {reason}"):
        parse(name)


def test_a_plan_title_carrying_out_a_cited_plan_is_no_news():
    from compare.ingest.plan_news import plan_news

    assert plan_news(["某市贯彻落实全民科学素质行动规划纲要实施方案任务分工方案", "为贯彻落实省政府印发的《…》，制定本方案。"]) is None
    assert plan_news(["某县印发《科协2024年工作要点》", "近日，某县科协印发了《…》。"]) is not None


def test_a_notice_whose_plan_is_only_an_attachment_is_refused_naming_it():
    with pytest.raises(InputFileError, match=r"only named as an attachment \(宜宾市全民科学素质行动计划纲要实施方案\.doc\)"):
        parse("notice_plan_only_attachment.txt")


def test_a_county_named_only_by_its_short_name_under_a_prefecture_the_text_names():
    from compare.ingest.metadata_place import _county_by_short_name

    assert _county_by_short_name("建设实力华宁、美丽华宁", {"玉溪市"}) == "华宁县"
    assert _county_by_short_name("建设实力华宁", {"玉溪市"}) is None        # once is no name
    assert _county_by_short_name("华宁华宁", {"昆明市"}) is None              # not a county of that prefecture


def test_a_title_split_after_its_year_is_joined_back():
    from compare.ingest.flat_pages import join_split_title

    assert join_split_title(["2024年", "某县科协工作要点", "一、强化政治引领"]) == ["2024年某县科协工作要点", "一、强化政治引领"]
    assert join_split_title(["2024年", "2024年某县科协工作要点"]) == ["2024年", "2024年某县科协工作要点"]
    assert join_split_title(["2024年", "全县科协系统要抓好以下工作。"]) == ["2024年", "全县科协系统要抓好以下工作。"]


def test_a_notice_title_naming_an_associations_dated_plan_without_yinfa():
    from compare.ingest.metadata import handed_out_title

    assert handed_out_title(["关于武义县科协2024年工作要点的通知"]) == "武义县科协2024年工作要点"
    assert handed_out_title(["关于报送县科协2024年工作要点的通知"]) is None   # a call for material
    [doc] = parse("notice_title_without_yinfa.txt")
    assert doc.title == "武义县科协2024年工作任务清单" and classify_doc_type(doc.title) == "重点工作"


@pytest.mark.parametrize("line,marker", [
    ("第一，强化政治引领。组织学习。", "第一，"), ("第二、深化全域科普。", "第二、"),
    ("第一次全体会议审议通过。", None), ("第一，", None), ("第一书记驻村工作。", None),
])
def test_di_yi_ordinals_are_item_markers(line, marker):
    from compare.ingest.structure import match_marker

    m = match_marker(line)
    assert (m.written if m else None) == marker


def _devset_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("devset", Path(__file__).parents[1] / "benchmarks" / "devset.py")
    devset = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(devset)
    return devset


def test_devset_scores_a_stream_without_recording_it(monkeypatch, tmp_path, capsys):
    devset = _devset_module()
    monkeypatch.setattr(devset, "FACTS", tmp_path / "never.csv")
    plan = (FIXTURES / "title_split_after_year.txt").read_text(encoding="utf-8")
    news = (FIXTURES / "news_headline_plan_issued.txt").read_text(encoding="utf-8")
    stream = ("@@@ file=p|kind=plan|province=浙江|level=县级|city=武义县|year=2024|doc_type=工作要点|issue_number="
              "|first_heading=组织科技工作者|department=|issuer_kind=科协|set=city-dev\n" + plan
              + "@@@ file=n|kind=nonplan|set=city-dev\n" + news)
    assert devset._score_only(stream, verbose=False) == 0
    out = capsys.readouterr().out
    assert "city-dev (not recorded): 1 plans, 1 non-plans" in out and "non-plans loaded as plans: 0" in out
    assert not (tmp_path / "never.csv").exists()


def test_every_held_out_set_is_frozen_once_run():
    devset = _devset_module()
    assert all(devset._held_out({"set": s}) for s in ("heldout", "city-heldout", "city-heldout2", "city-heldout4"))
    assert "city-heldout4" in devset.SETS
    assert not devset._held_out({"set": "city-dev"})


def test_devset_compares_issue_numbers_in_the_loaders_form():
    devset = _devset_module()
    assert devset._right("issue_number", "穗府办[2016]29号", "穗府办〔2016〕29号")
    assert devset._right("issue_number", "乐市科协[2014] 2 号", "乐市科协〔2014〕2号")
    assert not devset._right("issue_number", "穗府办[2016]29号", "穗府办〔2016〕30号")
    assert devset._right("issue_number", "", "") and not devset._right("issue_number", "", "穗府办〔2016〕29号")


# ---- interpretations, news quoting a plan, outline ranges, five-year plans, joint notices -------------

@pytest.mark.parametrize("name,reason", [
    ("interpretation_fields_quoted_plan.txt", "an interpretation of a plan \\(解读单位\\)"),
    ("interpretation_title_basis_goals.txt", "an interpretation of a plan \\(房县全民科学素质行动规划纲要实施方案政策解读\\)"),
    ("interpretation_traditional_spam_mirror.txt", "an interpretation of a plan"),
    ("news_meeting_quotes_plan_title.txt", "a news story quoting a plan \\(传达了石首市委办公室印发的《"),
    ("news_county_issued_plan_recently.txt", "a news story about a plan being issued"),
    ("news_meeting_reads_out_draft_plan.txt", "a news story quoting a plan \\(宣读了《朝阳市科协"),   # headline under a menu
])
def test_interpretations_and_news_quoting_a_plan_are_refused(name, reason):
    with pytest.raises(InputFileError, match=f"not a plan: {reason}"):
        parse(name)


@pytest.mark.parametrize("lines", [
    ["某县科协2024年工作要点", "【相关解读】", "一、强化政治引领", "（一）做好政策解读"],   # a plan page's link
    ["政策解读", "某县科协2024年工作要点", "一、强化政治引领"],                      # a menu item above the title
    ["各乡镇科协：", "现将《某县科协2024年工作要点》印发给你们。", "一、强化政治引领", "（三）加强政策宣传解读"],
])
def test_a_plan_naming_interpretation_is_no_interpretation(lines):
    from compare.ingest.plan_news import interpretation

    assert interpretation(lines) is None


def test_a_report_quoting_a_plan_with_its_own_sections_is_no_news():
    from compare.ingest.plan_news import plan_news

    lines = ["某县科协组织建设工作扎实推进", "3月5日，县科协传达了县委办公室印发的《某县科协组织建设实施方案》。",
             "一、建强乡镇科协", "二、配齐三长"]
    assert plan_news(lines) is None


# file: province, level, city, year, doc_type, issuer_kind, 文号 (copies cut before their first task: 0 items)
TRUNCATED = {
    "literacy_work_programme_outline_range.txt": ("内蒙古", "市级", "通辽市", 2008, "工作方案", "党政机关", "通政发〔2008〕45号"),
    "joint_party_government_notice_html_remnants.txt": ("河北", "市级", "邢台市", 2011, "规划", "党政机关", None),
    "five_year_plan_name_docshare.txt": ("江苏", "市级", "扬州市", 2006, "规划", "科协", None),
}


@pytest.mark.parametrize("name", sorted(TRUNCATED))
def test_truncated_programmes_load_their_metadata_with_no_items(name):
    [doc] = parse(name)
    assert (doc.province, doc.level, doc.city, doc.year, doc.doc_type, doc.issuer_kind, doc.issue_number) == TRUNCATED[name]
    assert doc.items == []


@pytest.mark.parametrize("title,year", [
    ("某市实施全民科学素质行动计划纲要（2006-2010-2020年）工作方案", None),    # the outline's name: no plan year
    ("某市实施纲要（2006年—2010年—2020年）2009年工作方案", 2009),
    ("某市科普事业发展“十一五”规划", 2006),
    ("某市科普工作“十五”规划", 2001),
    ("某市十二五科普规划", 2011),
    ("某市“十五五”科协事业发展规划", 2026),
    ("第十五届科技活动周活动方案", None),
])
def test_five_year_plan_names_and_the_outline_name(title, year):
    hit = title_year(title)
    assert (hit[0] if hit else None) == year


def test_the_outline_name_in_a_notice_gives_way_to_the_issue_number():
    header = ["某市人民政府关于印发《某市实施全民科学素质行动计划纲要(2006-2010-2020年)工作方案》的通知"]
    assert detect_year(title="某市实施全民科学素质行动计划纲要（2006-2010-2020年）工作方案", header=header,
                       issue_number="某政发〔2008〕45号", first_paragraph="") == 2008


@pytest.mark.parametrize("title,doc_type", [
    ("某市实施全民科学素质行动计划纲要（2006—2010年）工作方案", "工作方案"),
    ("某市全民科学素质行动计划纲要“十二五”规划", "规划"),
    ("某市科协2024年科普工作计划", "科普工作要点"),
    ("某县科普工作要点", "科普工作要点"),
])
def test_the_titles_own_plan_word_gives_the_type(title, doc_type):
    assert classify_doc_type(title) == doc_type


@pytest.mark.parametrize("line,rule", [
    ('1. <ul id="fwlom"></ul>', "html-remnant"),
    ('<span id="x"></span><dfn id="x"></dfn>', "html-remnant"),
    ("葫芦岛科协1_看图王.jpg", "image-placeholder"),
    ("2.png", "image-placeholder"),
    ("<正>2014年，某市科普工作取得成效。", None),
    ("1.开展科普活动。", None),
])
def test_markup_remnants_and_image_file_names_are_cruft(line, rule):
    from compare.ingest.clean import cruft_rule

    assert cruft_rule(line) == rule


def test_a_joint_party_and_government_notice_is_a_party_government_plan():
    from compare.ingest.metadata import find_signature, notice_issuer

    sig = find_signature(["中共某市委办公厅 某市人民政府办公厅2011年11月25日"])
    assert (sig.issuer, sig.date) == ("中共某市委办公厅 某市人民政府办公厅", "2011-11-25")
    assert notice_issuer(["中共某市委办公厅 某市人民政府办公厅"]) == "中共某市委办公厅 某市人民政府办公厅"
    assert issuer_kind("中共某市委办公厅 某市人民政府办公厅")[0] == "党政机关"
    sig = find_signature(["中共某县委 某县人民政府 二OO九年三月一日"])
    assert (sig.issuer, sig.date, issuer_kind(sig.issuer)[0]) == ("中共某县委 某县人民政府", "2009-03-01", "党政机关")
    [doc] = parse("literacy_work_programme_outline_range.txt")   # 二OO八年十一月二十日 under the notice
    assert doc.issue_date == "2008-11-20"


def test_a_review_sections_headings_are_no_tasks():
    from compare.ingest.structure import parse_items

    _pre, items = parse_items(["一、发展基础", "（一）科普政策环境得到改善", "（二）科普能力明显加强",
                               "二、主要任务", "（一）建设科普阵地", "（二）培育科普队伍"])
    assert [i.item_id for i in items] == ["二/（一）", "二/（二）"]


def test_devset_records_the_class_of_a_refusal():
    devset = _devset_module()
    assert devset.outcome({"kind": "nonplan"}, [], "x.txt: not a plan: an interpretation of a plan (…)") \
        == "refused (interpretation)"
    assert devset.refusal_class("x: not a plan: a news story quoting a plan (…)") == "news"
    assert devset.refusal_class("x: no recognisable plan: no plan year (…)") == "no-year"
    assert devset.refusal_class("something new") == "other"


def test_guiding_thought_and_guiding_principles_frame_the_plan():
    from compare.ingest.structure import parse_items

    _pre, items = parse_items(["一、指导思想和指导原则", "（一）指导思想", "坚持党的领导。", "二、主要任务", "（一）建设科普阵地"])
    assert [i.item_id for i in items] == ["二/（一）"]


def test_an_untitled_plan_with_numbered_items_citing_a_plan_is_no_news():
    from compare.ingest.plan_news import plan_news

    lines = ["2024年3月1日，县委办公室印发了《某县科协组织建设实施方案》，县科协今年重点做好以下工作：",
             "1.建强乡镇科协组织。", "2.配齐三长。", "3.办好科普日活动。"]
    assert plan_news(lines) is None
