"""Traits met in real plans (the development set, benchmarks/devset_facts.csv), each reproduced in a
plan written for the tests (tests/fixtures/realworld/) and checked through parse_text."""
from pathlib import Path

import pytest

from compare.core.errors import InputFileError
from compare.ingest.load import parse_text

FIXTURES = Path(__file__).parent / "fixtures" / "realworld"


def parse(name: str, warnings: list | None = None):
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return parse_text(text, source_file=name, warnings=warnings)


# file: province, level, city, year, doc_type, 文号, issuer, department, title, first item heading, n items
PLANS = {
    "national_recipients_bingtuan.txt": (
        "全国", "全国", None, 2026, "工作要点", "科协办发综字〔2026〕3号", "中国科协办公厅", None,
        "中国科协2026年工作要点", "深化科学家精神宣传", 3),
    "city_traditional_pinyin_split_title.txt": (
        "山西", "市级", "晋城市", 2023, "工作要点", None, "晋城市科学技术协会", None,
        "晋城市科学技术协会2023年工作要点", "开展科技工作者思想调查", 2),
    "county_generic_title_publisher.txt": (
        "河北", "县级", "威县", 2024, "重点工作", None, "威县科学技术协会", None,
        "县科协2024年重点工作谋划", "推进乡镇科协换届，年内完成8个乡镇", 6),
    "issue_number_after_title.txt": (
        "江西", "省级", None, 2025, "科普工作要点", "赣科协普〔2025〕7号", "江西省科协", None,
        "2025年江西省科协科普工作要点", "召开全省科普工作联席会议", 2),
    "table_plan_word_rows.txt": (
        "广西", "省级", None, 2024, "重点工作", None, "广西壮族自治区科协", None,
        "2024年广西壮族自治区科协重点任务清单", "建设科技工作者之家", 3),
    "table_plan_flattened_html.txt": (
        "宁夏", "省级", None, 2024, "重点工作", None, "宁夏回族自治区科协", None,
        "2024年宁夏回族自治区科协重点任务清单", "实施科普惠农行动", 2),
    "doc_sharing_page_chunks.txt": (
        "海南", "省级", None, 2023, "工作要点", None, "海南省科协", None,
        "海南省科协2023年工作要点", "开展科技工作者思想状况调查", 3),
    "untitled_national_first_paragraph.txt": (
        "全国", "全国", None, 2024, "科普工作要点", None, None, None,
        "中国科协2024年科普工作要点（标题据正文推断）", "健全科普工作协调机制", 2),
    "implementation_plan_range_framing.txt": (
        "湖南", "市级", "郴州市", 2021, "实施方案", None, None, None,
        "郴州市全民科学素质行动规划纲要实施方案（2021—2025年）", "实施青少年科学素质提升行动", 2),
    "department_issued.txt": (
        "四川", "省级", None, 2026, "学会学术工作要点", None, "四川省科协学会学术部", "学会学术部",
        "2026年四川省科协学会学术工作要点", "推进学会党建工作", 2),
    "continuous_subsections.txt": (
        "甘肃", "省级", None, 2025, "工作要点", None, "甘肃省科协", None,
        "甘肃省科协2025年工作要点", "深化科学家精神教育", 4),
    "signature_date_year_and_cruft.txt": (
        "贵州", "市级", "六盘水市", 2021, "工作要点", None, "六盘水市科学技术协会", None,
        "六盘水市科协工作要点", "推进基层科协组织全覆盖", 2),
}
FIELDS = ("province", "level", "city", "year", "doc_type", "issue_number", "issuer", "department", "title")


@pytest.mark.parametrize("name", sorted(PLANS))
def test_real_world_plan_metadata_and_first_item(name):
    (doc,) = parse(name)
    *expected, first_heading, n_items = PLANS[name]
    assert tuple(getattr(doc, f) for f in FIELDS) == tuple(expected)
    assert doc.items[0]["heading"] == first_heading
    assert len(doc.items) == n_items


def test_national_plan_naming_bingtuan_recipients_stays_national():
    (doc,) = parse("national_recipients_bingtuan.txt")
    assert doc.province == "全国" and doc.level == "全国" and doc.city is None
    assert doc.items[0]["departments"] == ["宣传文化部"]


def test_continuous_subsection_numbers_keep_their_sections():
    (doc,) = parse("continuous_subsections.txt")
    assert [it["item_id"] for it in doc.items] == ["一/（一）", "一/（二）", "二/（三）", "二/（四）"]
    assert [it["section_title"] for it in doc.items] == ["思想引领", "思想引领", "服务创新", "服务创新"]


def test_inline_ordinal_runs_become_sub_items():
    (doc,) = parse("county_generic_title_publisher.txt")
    ids = [it["item_id"] for it in doc.items]
    assert ids == ["（一）/一", "（一）/二", "（一）/三", "（二）/一", "（二）/二", "（三）"]
    assert doc.items[0]["subsection_title"] == "加强基层组织建设"


def test_table_rows_are_items_with_their_departments():
    (doc,) = parse("table_plan_word_rows.txt")
    assert [it["departments"] for it in doc.items] == [["组织人事部"], ["科普部"], ["学会学术部"]]
    assert "新建20家" in doc.items[0]["text"]
    (flat,) = parse("table_plan_flattened_html.txt")
    assert [it["departments"] for it in flat.items] == [["科普部"], ["学会学术部"]]


def test_framing_headings_are_preamble_not_items():
    (doc,) = parse("implementation_plan_range_framing.txt")
    assert "指导思想" in doc.preamble and "主要目标" in doc.preamble
    assert all("指导思想" not in it["heading"] for it in doc.items)


def test_year_from_signature_never_from_site_cruft():
    (doc,) = parse("signature_date_year_and_cruft.txt")
    assert doc.year == 2021 and doc.issue_date == "2021-02-03"


def test_a_notice_whose_plan_is_only_its_attachment_is_refused_naming_the_attachment():
    with pytest.raises(InputFileError, match=r"only named as an attachment \(吉林省科协2024年工作要点\.doc\)"):
        parse("truncated_notice_only.txt")


def test_truncated_copy_loads_with_no_items_and_a_warning():
    warnings: list[str] = []
    text = (FIXTURES / "truncated_notice_only.txt").read_text(encoding="utf-8").replace(
        "附件：吉林省科协2024年工作要点.doc\n", "")   # the copy stops after the notice, naming no attachment
    (doc,) = parse_text(text, source_file="truncated.txt", warnings=warnings)
    assert (doc.province, doc.level, doc.year, doc.doc_type) == ("吉林", "省级", 2024, "工作要点")
    assert doc.title == "吉林省科协2024年工作要点" and doc.issue_number == "吉科协发〔2024〕11号"
    assert doc.items == []
    assert any("no plan items recognised" in w for w in warnings)


@pytest.mark.parametrize("name, reason", [
    ("news_story.txt", "news story"),
    ("work_summary.txt", "report or summary"),
    ("notice_about_something_else.txt", "notice about something else"),
])
def test_texts_that_are_not_plans_are_skipped_with_the_reason(name, reason):
    with pytest.raises(InputFileError, match=f"not a plan: .*{reason}"):
        parse(name)


def test_provenance_marks_text_and_inferred_fields():
    (doc,) = parse("untitled_national_first_paragraph.txt")
    assert doc.provenance["title"] == "inferred"
    assert doc.provenance["year"] == "text" and doc.provenance["province"] == "text"


def test_word_table_plan_gives_one_item_per_row(tmp_path):
    """A plan laid out as a Word table (the docx reader gives one tab-separated line per row)."""
    import docx

    from compare.ingest.load import load_file

    document = docx.Document()
    document.add_paragraph("2024年广西壮族自治区科协重点任务清单")
    rows = [["序号", "工作任务", "目标", "责任部门"], ["1", "建设科技工作者之家", "新建20家", "组织人事部"],
            ["2", "举办八桂科普大讲堂", "全年10场", "科普部"]]
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    path = tmp_path / "guangxi_2024_tasks.docx"
    document.save(path)
    (doc,) = load_file(path)
    assert (doc.province, doc.year, doc.doc_type) == ("广西", 2024, "重点工作")
    assert [(it["heading"], it["departments"]) for it in doc.items] == [
        ("建设科技工作者之家", ["组织人事部"]), ("举办八桂科普大讲堂", ["科普部"])]


def test_summary_and_plan_document_loads_only_its_plan_part():
    (doc,) = parse("summary_and_plan.txt")
    assert (doc.province, doc.level, doc.city, doc.year) == ("贵州", "市级", "遵义市", 2026)
    assert [it["heading"] for it in doc.items] == ["实施科普惠民行动", "建设院士专家工作站"]


def test_summary_whose_plan_part_is_missing_is_not_a_plan():
    with pytest.raises(InputFileError, match="not a plan: .*summary of work done"):
        parse("summary_without_plan_part.txt")
