"""Ids never change under the analyst: a doc_id once given is kept (the id registry doc_ids.json beside
the tables), a newcomer that collides gets the suffix; department plans titled with the department
before the year and no province (调宣部2019年工作要点) are recognised as the department's."""
from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from conftest import RAW

from compare.ingest.identity import REGISTRY_FILE, RegistryError
from compare.ingest.run import ingest
from compare.ingest.metadata import title_department

SEED_IDS = {"heilongjiang-2019-sggz", "henan-2019-gzyd", "henan-2022-xhxs", "henan-2024-zdgz", "henan-2024-gzyd",
            "hubei-2019-gzyd"}

BODY = """
2019年，{who}工作的总体思路是：以习近平新时代中国特色社会主义思想为指导，全面贯彻落实省科协全委会议精神，围绕全省科协工作大局，做好本部门工作。

一、加强科技工作者状况调查
1. 组织开展全省科技工作者状况调查，完成年度调查报告，为省委、省政府决策提供参考。
2. 建好用好科技工作者状况调查站点，提升站点调查能力。
二、做好科协宣传工作
3. 围绕湖北科协重点工作，加强与主流媒体合作，讲好科技工作者故事。
4. 办好湖北科协网站和微信公众号，提升新媒体传播力。
三、加强调研工作
5. 围绕科协深化改革开展专题调研，形成高质量调研报告。
"""

#: a department's plan as its page gives it: the department before the year, no province anywhere in the title
DEPARTMENT_PLAN = "调宣部2019年工作要点\n" + BODY.format(who="调宣部")
#: a second, different 2019 工作要点 of Hubei (a draft, say): its natural id is the seed's
OTHER_HUBEI_PLAN = "湖北省科协2019年工作要点\n" + BODY.format(who="省科协")


@pytest.fixture
def raw(tmp_path):
    d = tmp_path / "raw"
    shutil.copytree(RAW, d)
    return d


def ids(result) -> set[str]:
    return set(result.documents.doc_id)


def test_a_department_plan_without_province_keeps_the_seed_id_and_is_the_departments(raw, tmp_path):
    (raw / "hubei_2019_dept.txt").write_text(DEPARTMENT_PLAN, encoding="utf-8")
    docs = ingest(raw, tmp_path / "out").documents.set_index("doc_id")
    assert SEED_IDS <= set(docs.index)                       # hubei-2019-gzyd was renamed -8eedf1
    row = docs.loc["hubei-2019-gzyd-diaoxuanbu"]
    assert (row.province, row.year, row.department, row.level) == ("湖北", 2019, "调宣部", "省级")
    assert pd.isna(docs.loc["hubei-2019-gzyd"].department)


@pytest.mark.parametrize("title, department", [
    ("调宣部2019年工作要点", "调宣部"),
    ("科普部2023年工作计划", "科普部"),
    ("学会学术部2020年工作要点", "学会学术部"),
    ("湖北省科协调宣部2019年工作要点", "调宣部"),
    ("湖北省科协2019年工作要点", None),
    ("2019年工作要点", None),
    ("西部2019年工作要点", None),               # a region, not a department of an association
    ("省科协办公室2019年工作要点", None),
])
def test_department_from_the_title(title, department):
    assert title_department(title) == department


@pytest.mark.parametrize("signature, site, province", [
    ("河南省科协科普部\n2023年1月10日\n", "", "河南"),        # the issuer names the province
    ("科普部\n2023年1月10日\n", "河南省科学技术协会\n首页 > 通知公告\n", "河南"),  # the site line does
])
def test_a_department_plan_takes_its_province_from_the_issuer_or_the_site(tmp_path, signature, site, province):
    raw = tmp_path / "raw"
    raw.mkdir()
    text = site + "科普部2023年工作计划\n" + BODY.format(who="科普部").replace("湖北", "") + "\n" + signature
    (raw / "kepubu.txt").write_text(text, encoding="utf-8")
    row = ingest(raw, tmp_path / "out").documents.iloc[0]
    assert (row.province, row.year, row.department, row.doc_type) == (province, 2023, "科普部", "科普工作要点")
    assert row.doc_id == "henan-2023-kpgz-kepubu"


def test_an_id_once_given_is_kept_and_the_newcomer_gets_the_suffix(raw, tmp_path):
    out = tmp_path / "out"
    first = ingest(raw, out)
    assert ids(first) == SEED_IDS
    registry = json.loads((out / REGISTRY_FILE).read_text(encoding="utf-8"))
    assert set(registry["ids"]) == SEED_IDS
    assert registry["ids"]["hubei-2019-gzyd"]["source_file"] == "hubei_2019_work-plan.txt"

    (raw / "hubei_2019_draft.txt").write_text(OTHER_HUBEI_PLAN, encoding="utf-8")
    second = ingest(raw, out)
    new = ids(second) - SEED_IDS
    assert SEED_IDS <= ids(second) and len(new) == 1 and new.pop().startswith("hubei-2019-gzyd-")
    intake = second.intake.set_index("source_file")
    assert any("hubei-2019-gzyd is held by" in w for w in intake.loc["hubei_2019_draft.txt", "warnings"])
    assert not any("hubei-2019-gzyd" in w for w in intake.loc["hubei_2019_work-plan.txt", "warnings"])


def test_same_input_gives_identical_ids_and_an_identical_registry(raw, tmp_path):
    (raw / "hubei_2019_draft.txt").write_text(OTHER_HUBEI_PLAN, encoding="utf-8")
    out = tmp_path / "out"
    a = ingest(raw, out)
    blob = (out / REGISTRY_FILE).read_bytes()
    b = ingest(raw, out)
    assert (out / REGISTRY_FILE).read_bytes() == blob
    assert a.documents.doc_id.tolist() == b.documents.doc_id.tolist()
    other = tmp_path / "other"
    ingest(raw, other)
    assert (other / REGISTRY_FILE).read_bytes() == blob


def test_after_a_wipe_colliding_plans_both_carry_a_suffix_never_the_others_id(raw, tmp_path):
    """Without the registry (data/processed deleted) nobody holds an id: two plans that share one both
    get a content suffix, so an old id never silently names the other plan. `make clean` keeps it."""
    out = tmp_path / "out"
    ingest(raw, out)
    (raw / "hubei_2019_draft.txt").write_text(OTHER_HUBEI_PLAN, encoding="utf-8")
    kept = ids(ingest(raw, out))
    (out / REGISTRY_FILE).unlink()
    fresh = ids(ingest(raw, out))
    assert "hubei-2019-gzyd" in kept and "hubei-2019-gzyd" not in fresh
    assert len([i for i in fresh if i.startswith("hubei-2019-gzyd-")]) == 2


def test_an_id_follows_a_renamed_file_and_a_corrected_year_changes_it(raw, tmp_path):
    out = tmp_path / "out"
    ingest(raw, out)
    (raw / "hubei_2019_draft.txt").write_text(OTHER_HUBEI_PLAN, encoding="utf-8")
    (raw / "hubei_2019_work-plan.txt").rename(raw / "hubei_2019_renamed.txt")  # same text, new name
    docs = ingest(raw, out).documents.set_index("doc_id")
    assert docs.loc["hubei-2019-gzyd", "source_file"] == "hubei_2019_renamed.txt"
    (raw / "metadata.csv").write_text("file,year\nhubei_2019_renamed.txt,2020\n", encoding="utf-8")
    assert "hubei-2020-gzyd" in ids(ingest(raw, out))


def test_a_damaged_registry_stops_the_ingest_with_the_file_and_what_to_do(raw, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / REGISTRY_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(RegistryError, match=rf"{REGISTRY_FILE}: .*delete it"):
        ingest(raw, out)
