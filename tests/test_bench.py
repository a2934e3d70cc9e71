"""The benchmark's synthetic corpus generator (benchmarks/corpus.py): deterministic, parsed exactly as
generated, national in scope, realistic in length. The harness itself is checked by `make bench`
(benchmarks/test_harness.py), where its minutes belong."""
from __future__ import annotations

import pandas as pd
import pytest

from benchmarks import corpus as bench
from compare.ingest.run import ingest
from compare.ingest.provinces import PROVINCES


@pytest.fixture(scope="module")
def pool(raw_dir):
    return bench.seed_pool(raw_dir)


def _files(d):
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


def test_pool_comes_from_the_seeds(pool):
    # every seed section with reusable sentences, no sentence that would add structure to an item
    assert pool.n_seed_items > 50
    assert len(pool.sections) >= 10
    for sec in pool.sections:
        assert sec.headings and sec.sentences
        for s in sec.sentences:
            assert not bench._STRUCTURAL.search(s), s
    assert "组织人事部" in pool.departments


def test_generator_is_deterministic_for_a_seed(tmp_path, pool):
    a = bench.generate_corpus(12, tmp_path / "a", seed=7, pool=pool)
    b = bench.generate_corpus(12, tmp_path / "b", seed=7, pool=pool)
    bench.generate_corpus(12, tmp_path / "c", seed=8, pool=pool)
    assert a == b
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert _files(tmp_path / "a") != _files(tmp_path / "c")
    # one more document leaves the first ones unchanged (the benchmark adds one document this way)
    d = bench.generate_corpus(13, tmp_path / "d", seed=7, pool=pool)
    assert d[:12] == a
    assert {k: v for k, v in _files(tmp_path / "d").items() if k != d[-1].file_name} == _files(tmp_path / "a")


def test_loader_parses_every_generated_document(tmp_path, pool):
    docs = bench.generate_corpus(45, tmp_path / "raw", seed=0, pool=pool)
    result = ingest(tmp_path / "raw", tmp_path / "processed", strict=True)
    assert not result.failures
    assert len(result.documents) == len(docs) == 45
    parsed = result.documents.set_index("source_file")
    for doc in docs:
        row = parsed.loc[doc.file_name]
        assert (row["province"], row["year"], row["doc_type"], row["title"]) == (
            doc.province, doc.year, doc.doc_type, doc.title), doc
        assert row["n_items"] == doc.n_items, doc
        assert row["encoding"] == doc.encoding, doc
        assert pd.isna(row["issue_number"]) or str(row["issue_number"]).endswith("号")
    items = result.items
    assert items.groupby("doc_id").size().sum() == sum(d.n_items for d in docs)
    # all 31 provinces, several years and plan types, some GB18030 files, some 责任部门 notes
    assert {d.province for d in docs} == {p.short for p in PROVINCES if p.short != "全国"}
    assert len({d.year for d in docs}) >= 3 and len({d.doc_type for d in docs}) >= 3
    assert any(d.encoding == "gb18030" for d in docs)
    noted = {d.file_name for d in docs if d.departments_noted}
    with_depts = set(result.documents.loc[
        result.documents["doc_id"].isin(items.loc[items["departments"].map(len) > 0, "doc_id"]), "source_file"])
    assert noted and with_depts == noted
    # the seed provinces' names are replaced by the plan's own province
    for doc in docs:
        if doc.province not in bench.SEED_PROVINCES:
            text = (tmp_path / "raw" / doc.file_name).read_bytes().decode(doc.encoding)
            assert "河南" not in text and "湖北" not in text and "黑龙江" not in text, doc.file_name


def test_document_lengths_vary_like_real_plans(tmp_path, pool):
    docs = bench.generate_corpus(60, tmp_path / "raw", seed=1, pool=pool)
    n_items = [d.n_items for d in docs]
    chars = [d.n_chars for d in docs]
    assert min(n_items) < 12 and max(n_items) > 25
    assert max(chars) > 3 * min(chars)
    mean = sum(chars) / len(chars)
    assert 2000 < mean < 12000  # the seeds hold 2,600–9,100 characters per file


def test_cn_numeral():
    assert [bench.cn_numeral(n) for n in (1, 9, 10, 11, 20, 23, 99)] == ["一", "九", "十", "十一", "二十", "二十三", "九十九"]
    with pytest.raises(ValueError):
        bench.cn_numeral(0)
