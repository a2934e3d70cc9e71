"""Duplicates: a plan present twice is loaded once, the copy kept is chosen by a rule on the
documents (never load order), and the threshold has its margin measured on the seeds."""
from __future__ import annotations

import io as _io
import itertools
import random
import re
import shutil

import pytest
import zhconv
from conftest import RAW

from compare.core import io
from compare.ingest.dedupe import (
    NEAR_DUPLICATE_CONTAINMENT,
    containment,
    content_text,
    find_duplicates,
    shingles,
)
from compare.ingest.load import load_file, parse_text
from compare.ingest.run import ingest

HENAN_2019 = RAW / "henan_2019_work-plan.txt"
HUBEI_2019 = RAW / "hubei_2019_work-plan.txt"
SEEDS = sorted(RAW.glob("*.txt"))


def grams(doc):
    return shingles(content_text(doc))


def edited_copy(text: str, seed: int = 0) -> str:
    """Another site's copy: a tenth of the item lines missing, target numbers changed, other cruft."""
    rnd = random.Random(seed)
    lines = text.split("\n")
    item_lines = [i for i, line in enumerate(lines)
                  if re.match(r"^\s*(\d+[.、．]|（[一二三四五六七八九十]+）|[一二三四五六七八九十]是)", line)]
    drop = set(rnd.sample(item_lines, max(1, len(item_lines) // 10)))
    text = "\n".join(line for i, line in enumerate(lines) if i not in drop)
    text = re.sub(r"\d+(?=[个场人家项期名])", lambda m: str(int(m.group(0)) + 7), text)
    return "首页 | 新闻中心 | 通知公告\n来源：某某网 时间：2024-01-01\n" + text + "\n版权所有 某某网 京ICP备00000000号\n"


def test_threshold_margin_on_the_seeds(capsys):
    docs = [d for p in SEEDS for d in load_file(p)]
    distinct = max(containment(grams(a), grams(b)) for a, b in itertools.combinations(docs, 2)
                   if a.source_file != b.source_file or a.doc_type == b.doc_type)
    copies = []
    for p in SEEDS:
        text = p.read_text("utf-8")
        for variant in (edited_copy(text), zhconv.convert(text, "zh-hk"), text.replace("\n", "\r\n")):
            vs = parse_text(variant, source_file="copy.txt")
            copies += [max(containment(grams(b), grams(v)) for v in vs) for b in load_file(p)]
    with capsys.disabled():
        print(f"\nnear-duplicate containment: distinct seed plans max {distinct:.3f}; "
              f"copies min {min(copies):.3f}; threshold {NEAR_DUPLICATE_CONTAINMENT}")
    assert distinct < 0.15 and 0.5 < NEAR_DUPLICATE_CONTAINMENT < 0.95 < min(copies)


def docx_bytes(text: str) -> bytes:
    import docx

    document = docx.Document()
    for line in text.split("\n"):
        if line.strip():
            document.add_paragraph(line.strip())
    buf = _io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_every_kind_of_copy_loads_once(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    text = HENAN_2019.read_text("utf-8")
    shutil.copy(HENAN_2019, raw / "henan_2019.txt")
    (raw / "henan_2019_same_bytes.txt").write_bytes(HENAN_2019.read_bytes())
    (raw / "henan_2019_gbk_crlf.txt").write_bytes(text.replace("\n", "\r\n").replace("\xa0", " ").encode("gb18030"))
    (raw / "henan_2019_mirror.txt").write_text(edited_copy(text), encoding="utf-8")
    (raw / "henan_2019_traditional.txt").write_text(zhconv.convert(text, "zh-tw"), encoding="utf-8")
    (raw / "henan_2019.docx").write_bytes(docx_bytes(text))
    shutil.copy(HUBEI_2019, raw / "hubei_2019.txt")
    result = ingest(raw, tmp_path / "out")
    assert sorted(result.documents.doc_id) == ["henan-2019-gzyd", "hubei-2019-gzyd"]
    kept = result.documents.set_index("doc_id").loc["henan-2019-gzyd", "source_file"]
    assert kept == "henan_2019.docx"  # all complete copies with the same metadata: docx ranks with txt, name decides
    intake = io.read_table("intake", tmp_path / "out").set_index("source_file")
    dups = intake[intake.status == "duplicate"]
    assert sorted(dups.index) == ["henan_2019.txt", "henan_2019_gbk_crlf.txt", "henan_2019_mirror.txt",
                                  "henan_2019_same_bytes.txt", "henan_2019_traditional.txt"]
    assert set(dups.duplicate_of) == {"henan_2019.docx"}
    # the mirror lost a tenth of its items: the complete copy is kept, the mirror is its duplicate
    assert intake.loc["henan_2019_mirror.txt", "status"] == "duplicate"
    assert intake.loc["henan_2019.docx", "status"] == "loaded" and intake.loc["henan_2019.docx", "n_items"] == 30


class Doc:
    def __init__(self, source_file, items, *, fmt="txt", province="河南", year=2019, doc_type="工作要点",
                 issuer=None, issue_number=None, title="河南省科协2019年工作要点"):
        self.source_file, self.format, self.province, self.year, self.doc_type = source_file, fmt, province, year, doc_type
        self.items = [{"text": t} for t in items]
        self.issuer, self.issue_number, self.issue_date, self.city, self.department = issuer, issue_number, None, None, None
        self.title, self.preamble, self.provenance = title, "", {}
        self.level, self.converted = None, False


ITEMS = [f"第{n}项工作：加强科协组织建设，推进学会改革，服务科技工作者，开展科普活动{n}场。" for n in range(1, 21)]


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_the_copy_kept_does_not_depend_on_order(order):
    docs = [Doc("b.html", ITEMS, fmt="html"), Doc("c.pdf", ITEMS, fmt="pdf"),
            Doc("z.txt", ITEMS, issue_number="豫科协办发〔2019〕1号")]
    shuffled = [docs[i] for i in order]
    dropped = {shuffled[d.index].source_file: shuffled[d.kept].source_file for d in find_duplicates(shuffled)}
    # richest metadata (a 文号) beats the format; among equals txt/docx > html > pdf
    assert dropped == {"b.html": "z.txt", "c.pdf": "z.txt"}


def test_truncated_copy_is_a_duplicate_of_the_complete_one_and_different_plans_are_not():
    full, truncated = Doc("full.txt", ITEMS), Doc("a_part.txt", ITEMS[:8], issuer="河南省科协")
    other_year = Doc("other.txt", [t.replace("工作", "任务") + "2020" for t in ITEMS[:8]] + ITEMS[8:12], year=2020)
    other_type = Doc("kp.txt", ITEMS[:5], doc_type="重点工作")  # a 重点工作 repeating the 工作要点's items
    dups = find_duplicates([truncated, full, other_year, other_type])
    assert [(d.index, d.kept, d.how) for d in dups] == [(0, 1, "near")]  # most items wins over the issuer
    assert dups[0].similarity >= NEAR_DUPLICATE_CONTAINMENT


def test_a_simplified_original_is_kept_over_a_converted_traditional_copy():
    trad, simp = Doc("a_trad.txt", ITEMS), Doc("b_simp.txt", ITEMS)
    trad.converted = True
    (dup,) = find_duplicates([trad, simp])
    assert (dup.index, dup.kept) == (0, 1)


def test_a_city_plan_copying_its_province_is_not_a_duplicate():
    province, city = Doc("henan.txt", ITEMS), Doc("zhengzhou.txt", ITEMS[:15] + ["郑州市科协：建设国家中心城市科普基地。"])
    province.level, city.level, city.city = "省级", "市级", "郑州市"
    assert find_duplicates([province, city]) == []


def test_documents_of_one_file_are_never_duplicates_of_each_other():
    a, b = Doc("same.txt", ITEMS), Doc("same.txt", ITEMS, title="河南省科协2019年工作要点（摘要）")
    assert find_duplicates([a, b]) == []


def test_exact_duplicates_are_found_whatever_the_metadata():
    a, b = Doc("a.txt", ITEMS), Doc("b.txt", ITEMS, province="湖北", year=2021)
    (dup,) = find_duplicates([a, b])
    assert dup.how == "exact" and dup.similarity == 1.0


def test_a_clean_copy_is_kept_over_one_with_an_undecodable_byte(tmp_path):
    """Same plan twice: GB18030 with one stray byte (decoded with a U+FFFD and a warning) and clean UTF-16.
    The tie on items and metadata must not fall to the file name: the clean copy is kept."""
    raw = tmp_path / "raw"
    raw.mkdir()
    text = HUBEI_2019.read_text("utf-8").replace("\xa0", " ")
    gb = text.encode("gb18030")
    cut = gb.index("科普".encode("gb18030"))
    (raw / "a_damaged_gb.txt").write_bytes(gb[:cut] + b"\xff" + gb[cut:])
    (raw / "b_clean_utf16.txt").write_bytes(text.encode("utf-16"))
    result = ingest(raw, tmp_path / "out")
    assert list(result.documents.source_file) == ["b_clean_utf16.txt"]
    intake = io.read_table("intake", tmp_path / "out").set_index("source_file")
    assert intake.loc["a_damaged_gb.txt", "status"] == "duplicate"
    assert intake.loc["a_damaged_gb.txt", "duplicate_of"] == "b_clean_utf16.txt"
