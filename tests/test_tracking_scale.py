"""Tracking at national scale: chains of one issuer's plans, chain-by-chain linking, and the numpy
TF-IDF that must equal scikit-learn's bit for bit (compare.analysis.tracking, tracking_vectors, series)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from benchmarks.corpus import SEEDS_DIR, generate_corpus, seed_pool
from compare.analysis import Corpus, series, tracking
from compare.analysis.tracking_vectors import char_tfidf_matrix, runs, tfidf_matrix
from compare.core import io, schema
from compare.text.segment import default_segmenter


def _same_csr(a, b) -> bool:
    """Same shape, same stored entries in the same order, same values to the last bit."""
    return (a.shape == b.shape and np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
            and np.array_equal(a.data, b.data))


def _sklearn_chars(texts, ngram_range):
    return TfidfVectorizer(analyzer="char_wb", ngram_range=ngram_range, sublinear_tf=True, norm="l2",
                           lowercase=True, dtype=np.float64).fit_transform(texts)


def _sklearn_words(token_lists):
    return TfidfVectorizer(analyzer=lambda t: t, sublinear_tf=True, norm="l2", dtype=np.float64).fit_transform(token_lists)


@pytest.fixture(scope="module")
def synthetic_chains(tmp_path_factory) -> list[list[str]]:
    """Lines of a small synthetic national corpus (real seed sentences recombined), cut into chains of
    25 texts, plus texts with Latin letters, one-character words and traditional characters."""
    raw = tmp_path_factory.mktemp("synthetic-chains")
    docs = generate_corpus(40, raw, seed=5, pool=seed_pool(SEEDS_DIR))
    lines = []
    for d in docs:
        data = (raw / d.file_name).read_bytes()
        text = data.decode(d.encoding)
        lines += [ln.strip() for ln in text.splitlines() if ln.strip()]
    extra = ["STEAM教育 AI芯片 和 x 与 Qq群", "科 普", "鼓勵青年科技人才參與國際學術交流", "ＡＢＣ２０２４年", "",
             "3+1 一市一品 “科创中国”", "İstanbul 科协"]
    chains = [lines[i:i + 25] for i in range(0, len(lines), 25)]
    return chains + [extra, extra[:2] + lines[:5]]


def test_chain_tfidf_is_sklearns_bit_for_bit_on_the_seeds(processed_dir):
    """Every chain of the seeds (province / level / city / type / department): the word and character
    vectors tracking fits equal TfidfVectorizer's stored entries, order and bits."""
    items = io.read_table("items", processed_dir)
    docs = tracking._documents(io.read_table("documents", processed_dir))
    items = items.merge(docs[["doc_id", *[k for k in tracking.CHAIN_KEYS if k not in items.columns]]], on="doc_id")
    seg = default_segmenter()
    n = 0
    for _, chain in items.groupby(tracking.CHAIN_KEYS):
        texts = chain["text"].tolist()
        tokens = seg.tokenize_many(texts)
        assert _same_csr(tfidf_matrix(tokens), _sklearn_words(tokens))
        letters = [runs(t) for t in texts]
        assert _same_csr(char_tfidf_matrix(letters, (2, 3)), _sklearn_chars(letters, (2, 3)))
        n += 1
    assert n >= 4


@pytest.mark.parametrize("ngram_range", [(2, 3), (1, 1), (1, 3), (3, 3), (2, 4)])
def test_chain_tfidf_is_sklearns_bit_for_bit_on_a_synthetic_corpus(synthetic_chains, ngram_range):
    for texts in synthetic_chains:
        letters = [runs(t) for t in texts]
        if not any(r.strip() for r in letters):
            continue
        assert _same_csr(char_tfidf_matrix(letters, ngram_range), _sklearn_chars(letters, ngram_range)), texts[:2]
    tokens = [t.split() for t in synthetic_chains[-2]]
    assert _same_csr(tfidf_matrix(tokens), _sklearn_words(tokens))


def _city_corpus() -> Corpus:
    """Two cities of one province with three plan years each, the provincial association's two plans
    and a 科普部 plan: texts are seed-like sentences so that items link."""
    rows = [
        ("henan-2022-gzyd", "省级", None, 2022, None), ("henan-2023-gzyd", "省级", None, 2023, None),
        ("henan-2023-gzyd-kpb", "省级", None, 2023, "科普部"),
        *[(f"henan-{y}-gzyd-{c}", "市级", city, y, None)
          for c, city in (("zhengzhou", "郑州市"), ("luoyang", "洛阳市")) for y in (2021, 2022, 2024)],
    ]
    docs = pd.DataFrame(rows, columns=["doc_id", "level", "city", "year", "department"]).assign(
        province="河南", doc_type="工作要点")
    sentences = ["深入开展全国科普日活动，建设社区科普大学。", "推进院士专家工作站建设，服务企业技术创新。",
                 "加强基层科协组织建设，推动3+1试点全覆盖。", "举办青年科学家论坛，培养青年科技人才。"]
    items = []
    for d in docs.itertuples():
        for k, s in enumerate(sentences[: 2 + (d.year % 3)], 1):
            items.append((d.doc_id, str(k), k, d.province, d.year, d.doc_type, f"{d.city or ''}{s}"))
    items = pd.DataFrame(items, columns=["doc_id", "item_id", "seq", "province", "year", "doc_type", "text"])
    return Corpus.from_frames(items=items, documents=docs)


def test_city_plans_are_paired_only_within_their_own_city():
    pairs = tracking.plan_pairs(_city_corpus())
    got = list(zip(pairs["doc_from"], pairs["doc_to"]))
    assert got == [  # chains in order of level (市级 before 省级), city, type, department
        ("henan-2021-gzyd-luoyang", "henan-2022-gzyd-luoyang"), ("henan-2022-gzyd-luoyang", "henan-2024-gzyd-luoyang"),
        ("henan-2021-gzyd-zhengzhou", "henan-2022-gzyd-zhengzhou"),
        ("henan-2022-gzyd-zhengzhou", "henan-2024-gzyd-zhengzhou"),
        ("henan-2022-gzyd", "henan-2023-gzyd"),
    ]
    assert pairs["city"].tolist() == ["洛阳市", "洛阳市", "郑州市", "郑州市", ""]
    named = tracking.plan_pairs(_city_corpus(), years=[2021, 2024])
    assert set(zip(named["doc_from"], named["doc_to"])) == {
        ("henan-2021-gzyd-luoyang", "henan-2024-gzyd-luoyang"), ("henan-2021-gzyd-zhengzhou", "henan-2024-gzyd-zhengzhou")}


def test_plan_pairs_grow_with_the_plans_not_their_square():
    """50 cities x 10 years: 450 pairs (one per consecutive pair of a city's years), not 50 x 50 per year."""
    docs = pd.DataFrame([(f"c{c}-{y}", "湖南", "市级", f"城{c}", y, "工作要点")
                         for c in range(50) for y in range(2015, 2025)],
                        columns=["doc_id", "province", "level", "city", "year", "doc_type"])
    pairs = tracking._plan_pairs(docs)
    assert len(pairs) == 50 * 9
    assert (pairs["doc_from"].str.split("-").str[0] == pairs["doc_to"].str.split("-").str[0]).all()


def test_item_links_chain_by_chain_equal_each_pair_linked_on_its_own():
    """The streamed table equals link_items of each pair with IDF fitted on the pair's chain."""
    corpus = _city_corpus()
    links = tracking.item_links(corpus)
    schema.validate(links, "item_links")
    assert set(links.loc[links["level"] == "市级", "city"]) == {"郑州市", "洛阳市"}
    assert links.loc[links["level"] == "省级", "city"].isna().all()
    items, docs = corpus.items, tracking._documents(corpus.documents)
    for pair in tracking.plan_pairs(corpus).itertuples():
        chain = docs.loc[(docs["city"] == pair.city) & (docs["level"] == pair.level)
                         & (docs["department"] == pair.department), "doc_id"]
        want = tracking.link_items(items[items["doc_id"] == pair.doc_from], items[items["doc_id"] == pair.doc_to],
                                   fit_on=items[items["doc_id"].isin(chain)])
        got = links[(links["doc_from"] == pair.doc_from) & (links["doc_to"] == pair.doc_to)].reset_index(drop=True)
        assert not got.empty
        pd.testing.assert_frame_equal(got[["item_from", "item_to", "status", "shared_terms"]],
                                      want[["item_from", "item_to", "status", "shared_terms"]])
        assert np.allclose(got["similarity"], want["similarity"], atol=1e-6)


def test_target_series_follow_a_promise_within_one_city():
    corpus = _city_corpus()
    targets = pd.DataFrame([(d, "1", "10场", 10.0 + k, None, "场", None, "科普活动")
                            for k, d in enumerate(corpus.documents["doc_id"])],
                           columns=["doc_id", "item_id", "phrase", "value", "value_high", "unit", "qualifier", "object"])
    corpus = Corpus.from_frames(items=corpus.items, documents=corpus.documents, targets=targets)
    out = series.target_series(corpus)
    schema.validate(out, "target_series")
    for city in ("郑州市", "洛阳市"):
        one = out[out["city"] == city]
        assert one["year"].tolist() == [2021, 2022, 2024] and set(one["doc_id"].str.split("-").str[-1]) == {
            "zhengzhou" if city == "郑州市" else "luoyang"}
    assert out.loc[out["level"] == "省级", "city"].isna().all()
