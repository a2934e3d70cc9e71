"""Golden tests on the five seed files (tests/fixtures/seeds, the tests' own copy), ingested once per session (conftest.processed_dir)."""
import re

import pandas as pd
import pytest

from compare.core import io
from compare.ingest.clean import MASK


@pytest.fixture(scope="module")
def docs(processed_dir):
    return io.read_table("documents", processed_dir).set_index("doc_id")


@pytest.fixture(scope="module")
def items(processed_dir):
    return io.read_table("items", processed_dir)


@pytest.fixture(scope="module")
def targets(processed_dir):
    return io.read_table("targets", processed_dir)


def item(items, doc_id, item_id):
    row = items[(items.doc_id == doc_id) & (items.item_id == item_id)]
    assert len(row) == 1, (doc_id, item_id)
    return row.iloc[0]


EXPECTED_DOCS = {
    # doc_id: province, year, doc_type, n_items, title, issuer, issue_number, issue_date, source_file
    "henan-2019-gzyd": ("河南", 2019, "工作要点", 30, "河南省科协2019年工作要点", "河南省科协", None, None,
                        "henan_2019_work-plan.txt"),
    "henan-2024-zdgz": ("河南", 2024, "重点工作", 10, "河南省科协2024年重点工作", "河南省科协办公室",
                        "豫科协办发〔2024〕9号", None, "henan_2024_key-work-and-work-plan.txt"),
    "henan-2024-gzyd": ("河南", 2024, "工作要点", 19, "河南省科协2024年工作要点", "河南省科协办公室",
                        "豫科协办发〔2024〕9号", None, "henan_2024_key-work-and-work-plan.txt"),
    "henan-2022-xhxs": ("河南", 2022, "学会学术工作要点", 19, "河南省科协2022年学会学术工作要点", "河南省科协办公室",
                        None, "2022-04-16", "henan_2022_society-academic-work-plan.txt"),
    "heilongjiang-2019-sggz": ("黑龙江", 2019, "深化改革工作要点", 19, "黑龙江省科协2019年深化改革工作要点（标题据正文推断）",
                               None, None, None, "heilongjiang_2019_deepening-reform-plan.txt"),
    "hubei-2019-gzyd": ("湖北", 2019, "工作要点", 9, "省科协2019年工作要点", "湖北省科学技术协会",
                        "鄂科协办〔2019〕22号", "2019-03-12", "hubei_2019_work-plan.txt"),
}
COLS = ["province", "year", "doc_type", "n_items", "title", "issuer", "issue_number", "issue_date", "source_file"]


def _none(v):
    return None if v is None or pd.isna(v) else v  # NaN/None -> None


def test_documents_and_their_metadata(docs):
    assert sorted(docs.index) == sorted(EXPECTED_DOCS)
    for doc_id, expected in EXPECTED_DOCS.items():
        got = tuple(_none(docs.loc[doc_id, c]) for c in COLS)
        assert got == expected, doc_id
    assert set(docs.encoding) == {"utf-8"}
    assert docs.source_sha256.str.fullmatch(r"[0-9a-f]{64}").all()


def test_item_counts_per_document_match_documents_table(docs, items):
    counts = items.groupby("doc_id").size()
    assert counts.to_dict() == docs.n_items.to_dict()
    assert len(items) == 106
    for doc_id, group in items.groupby("doc_id"):
        assert group.item_id.is_unique, doc_id
        assert group.seq.tolist() == list(range(1, len(group) + 1))


def test_henan_2019_structure(items):
    h = items[items.doc_id == "henan-2019-gzyd"]
    assert (h.section_no.value_counts().to_dict()) == {"三": 8, "四": 17, "五": 5}
    assert h[h.section_no == "四"].subsection_no.value_counts().to_dict() == {"一": 5, "二": 2, "三": 10}
    assert item(items, "henan-2019-gzyd", "三/——3").heading == "全方位多层次人才服务体系进一步形成"
    seventh = item(items, "henan-2019-gzyd", "四/（三）/七")
    assert (seventh.marker, seventh.subsection_title, seventh.heading) == \
        ("七是", "抓好十件大事", "组织好科技智库课题研究和院士专家智库论坛")
    baozhang = item(items, "henan-2019-gzyd", "五/（五）")
    assert (baozhang.marker, baozhang.section_title, baozhang.heading) == ("（五）", "保障措施", "提升履职能力")


def test_preambles(docs):
    assert docs.loc["henan-2019-gzyd", "preamble"].startswith("2019年是新中国成立70周年")
    assert "一、指导思想" in docs.loc["henan-2019-gzyd", "preamble"]
    assert "二、总体要求" in docs.loc["henan-2019-gzyd", "preamble"]
    assert docs.loc["henan-2024-zdgz", "preamble"] == ""
    p24 = docs.loc["henan-2024-gzyd", "preamble"]
    assert p24.startswith("2024年是中华人民共和国成立75周年") and p24.endswith("着重从以下六个方面做好全省科协工作：")
    assert "思想政治引领实现新提升" in p24  # page break joined
    assert docs.loc["heilongjiang-2019-sggz", "preamble"].startswith("2019年全省科协系统深化改革要以")


def test_headings_text_and_ascii_web_punctuation(items):
    it = item(items, "henan-2024-gzyd", "二/5")
    assert it.marker == "5." and it.heading == "健全青年人才支持链条"
    assert it.text.startswith("健全青年人才支持链条。加大对青年科技人才的支持，实施好50个")
    assert "责任部门" not in it.text and "(" not in it.text and ":" not in it.text
    assert item(items, "henan-2024-zdgz", "3").text == "持续深化“省会合作”。"
    assert item(items, "hubei-2019-gzyd", "二/4").section_title == "进一步深化科协改革，强化基层基础"


def test_page_break_joins(items):
    text = "\n".join(items.text)
    for joined in ["积极推荐我省优秀科技工作者", "引导科协组织创新资源下沉", "以科普专项、重大活动为牵引",
                   "各项措施，常态化排查", "第九届委员会工作报告", "推动青少年科技创新赛事高质量发展", "培育一批各具特色"]:
        assert joined in text, joined
    assert not any("\n" in t for t in items.text)


@pytest.mark.parametrize("cruft", ["供稿人", "ICP", "版权所有", "来源:", "来源：", "所在位置", "copyright", "首页",
                                   "公网安备", "技术支持", "2001-2021", "2022-04-24", "学习强国 |"])
def test_no_cruft_in_items_or_preambles(items, docs, cruft):
    assert not items.text.str.contains(cruft, regex=False).any()
    assert not docs.preamble.str.contains(cruft, regex=False).any()


def test_masks_are_single_tokens_and_counted(docs, items):
    assert docs.loc["heilongjiang-2019-sggz", "n_masked"] == 7
    assert docs.n_masked.drop("heilongjiang-2019-sggz").eq(0).all()
    hl = items[items.doc_id == "heilongjiang-2019-sggz"]
    assert hl.n_masked.sum() == 5  # the other two are in the preamble
    third = item(items, "heilongjiang-2019-sggz", "一/3")
    assert third.heading == f"挖掘、举荐和宣传我省科技工作者{MASK}典型" and third.n_masked == 2
    assert not items.text.str.contains("*", regex=False).any()
    assert "“高端智库咨询服务龙江专题调研活动”和“黑龙江省党政领导" in item(items, "heilongjiang-2019-sggz", "三/12").text


DEPARTMENTS = {
    ("henan-2019-gzyd", "三/——6"): ["科普部", "省科普中心［省素质办］", "河南科技报社", "农家参谋杂志社", "各省辖市科协",
                                  "各全省学会", "各高校科协", "企业科协", "医疗卫生机构科协"],
    ("henan-2019-gzyd", "三/——4"): ["学会学术部", "相关全省学会"],
    ("henan-2019-gzyd", "四/（一）/四"): ["调研宣传部", "各智库课题组"],
    ("henan-2019-gzyd", "四/（三）/二"): ["省科协九大筹备工作领导小组各工作组"],
    ("henan-2019-gzyd", "四/（三）/四"): ["院士专家工作部"],
    ("henan-2019-gzyd", "五/（三）"): ["办公室", "信息中心", "相关部室和单位"],
    ("henan-2024-zdgz", "2"): ["省科技馆", "机关各部室"],
    ("henan-2024-zdgz", "6"): ["组织人事部", "学会学术部", "省科普中心", "机关各部室", "各直属事业单位", "各全省学会",
                               "各省辖市和济源示范区科协", "各高校科协", "企业科协", "医疗卫生机构科协"],
    ("henan-2024-zdgz", "7"): ["学会学术部", "学会服务中心", "各全省学会"],
    ("henan-2024-gzyd", "一/2"): ["调研宣传部", "人才发展中心", "机关各部室", "各直属事业单位", "各省辖市和济源示范区科协",
                                 "各高校科协", "企业科协", "医疗卫生机构科协"],
    ("henan-2024-gzyd", "四/11"): ["科学技术普及部", "省科普中心", "机关各部室", "各直属事业单位"],
    ("henan-2024-gzyd", "四/13"): ["省科技馆", "机关各部室", "各直属事业单位"],
    ("henan-2024-gzyd", "二/6"): ["省科普中心", "机关各部室", "各直属事业单位", "各全省学会", "各省辖市和济源示范区科协"],
}


def test_departments(items):
    for (doc_id, item_id), expected in DEPARTMENTS.items():
        assert item(items, doc_id, item_id).departments == expected, (doc_id, item_id)
    for doc_id in ("henan-2022-xhxs", "heilongjiang-2019-sggz", "hubei-2019-gzyd"):
        assert items[items.doc_id == doc_id].departments.map(len).eq(0).all()
    assert items[items.doc_id.str.startswith("henan-20") & (items.doc_id != "henan-2022-xhxs")] \
        .departments.map(len).gt(0).all()


TARGETS = [
    # doc_id, item_id, phrase, value, value_high, unit, qualifier
    ("henan-2019-gzyd", "四/（一）/一", "9场", 9, None, "场", None),
    ("henan-2019-gzyd", "四/（一）/二", "18个", 18, None, "个", None),
    ("henan-2019-gzyd", "四/（一）/二", "55个", 55, None, "个", None),
    ("henan-2019-gzyd", "四/（一）/二", "1/3以上", 33.33, None, "%", "以上"),
    ("henan-2019-gzyd", "三/——4", "30场次左右", 30, None, "场次", "左右"),
    ("henan-2019-gzyd", "四/（一）/四", "50条以上", 50, None, "条", "以上"),
    ("henan-2019-gzyd", "四/（二）/二", "3万人", 30000, None, "人", None),
    ("henan-2019-gzyd", "四/（二）/二", "20万人", 200000, None, "人", None),
    ("henan-2019-gzyd", "四/（三）/十", "5个以上", 5, None, "个", "以上"),
    ("henan-2024-gzyd", "一/2", "力争新增3-5家", 3, 5, "家", "力争"),
    ("henan-2024-gzyd", "四/13", "不少于200万人次", 2_000_000, None, "人次", "不少于"),
    ("henan-2024-gzyd", "三/9", "不少于20期", 20, None, "期", "不少于"),
    ("henan-2024-gzyd", "五/16", "10场以上", 10, None, "场", "以上"),
    ("henan-2022-xhxs", "五/16", "10多场", 10, None, "场", "多"),
    ("henan-2022-xhxs", "四/10", "110个", 110, None, "个", None),
    ("henan-2022-xhxs", "三/7", "50场左右", 50, None, "场", "左右"),
    ("heilongjiang-2019-sggz", "二/7", "不少于20个", 20, None, "个", "不少于"),
    ("heilongjiang-2019-sggz", "四/18", "至少1个", 1, None, "个", "至少"),
]


def test_targets_exact(targets):
    rows = {(r.doc_id, r.item_id, r.phrase): r for r in targets.itertuples()}
    for doc_id, item_id, phrase, value, high, unit, qual in TARGETS:
        r = rows[(doc_id, item_id, phrase)]
        assert r.value == pytest.approx(value) and r.unit == unit, phrase
        assert (None if r.value_high != r.value_high else r.value_high) == high, phrase
        assert _none(r.qualifier) == qual, phrase


def test_target_counts_and_no_false_targets(targets):
    assert targets.groupby("doc_id").size().to_dict() == {
        "henan-2019-gzyd": 17, "henan-2022-xhxs": 11, "henan-2024-gzyd": 12, "heilongjiang-2019-sggz": 2}
    phrases = "|".join(targets.phrase)
    for bad in ["年", "届", "周年", "月", "日", "号", "1-9", "5610", "3+1", "5·30", "十件", "两项", "百家"]:
        assert bad not in phrases, bad
    assert not targets.phrase.str.match(r"^20\d\d").any()
    assert targets.unit.notna().all() and (targets.value > 0).all()


def test_item_ids_are_paths(items):
    for item_id in items.item_id:
        assert re.fullmatch(r"(([一二三四五六七八九十]+|（[一二三四五六七八九十]+）|\d+|——\d+)/?)+", item_id), item_id
