"""The accelerated segmentation engine (jieba-next) gives jieba's tokens byte for byte with our
dictionary, on the seeds and on the synthetic national corpus; a mismatch disables it with a warning;
the token cache never mixes engines; themes, tables and reports are the same with either engine."""
from __future__ import annotations

import hashlib
import logging
import shutil

import pytest

from benchmarks.corpus import SEEDS_DIR, generate_corpus, seed_pool
from compare.text import backends, segment
from compare.text.segment import DEFAULT_USER_DICT, Segmenter, normalize_text, read_user_dict

FAST = "jieba-next"
needs_fast = pytest.mark.skipif(backends.backend_version(FAST) is None,
                                reason="jieba-next is not installed (pip install 'kexie-compare[fast]')")
ENTRIES = read_user_dict(DEFAULT_USER_DICT)


def _lines(directory) -> list[str]:
    out = []
    for p in sorted(directory.glob("*.txt")):
        raw = p.read_bytes()
        text = raw.decode("utf-8") if not raw.startswith(b"\xef\xbb\xbf") else raw[3:].decode("utf-8")
        out += [normalize_text(ln.strip()) for ln in text.splitlines() if ln.strip()]
    return out


@pytest.fixture(scope="module")
def engine_cache(tmp_path_factory):
    """A cache directory shared by the module's tokenizers and segmenters of either engine (their
    dictionaries are parsed and the engine check runs once in it)."""
    return tmp_path_factory.mktemp("engine-cache")


def _own_cache(tmp_path, engine_cache):
    """tmp_path with the engines' parsed dictionaries of the shared cache but no engine verdict: for
    the tests that break an engine on purpose, so the check runs again."""
    for name in ("jieba", "jieba-next"):
        if (engine_cache / name).is_dir():
            shutil.copytree(engine_cache / name, tmp_path / name)
    return tmp_path


@pytest.fixture(scope="module")
def engines(engine_cache):
    return backends.make_tokenizer("jieba", ENTRIES, engine_cache), backends.make_tokenizer(FAST, ENTRIES, engine_cache)


@pytest.fixture(scope="module")
def segmenters(engine_cache):
    """(a jieba-next Segmenter, a plain jieba Segmenter) on the shared cache."""
    return Segmenter(cache_dir=engine_cache, backend=FAST), Segmenter(cache_dir=engine_cache, backend="jieba")


@pytest.fixture(scope="module")
def synthetic_lines(tmp_path_factory) -> list[str]:
    raw = tmp_path_factory.mktemp("synthetic")
    docs = generate_corpus(150, raw, seed=3, pool=seed_pool(SEEDS_DIR))
    lines = []
    for d in docs:  # about 10 % are GB18030: decode each as written
        text = (raw / d.file_name).read_bytes().decode(d.encoding)
        lines += [normalize_text(ln.strip()) for ln in text.splitlines() if ln.strip()]
    return lines


@pytest.fixture(scope="module")
def seed_lines() -> list[str]:
    return _lines(SEEDS_DIR)


class _Cut:
    """A tokenizer whose cut of the lines plain jieba has already cut is that shared cut."""

    def __init__(self, cuts: dict[str, list[str]]):
        self.cuts = cuts

    def cut(self, text: str) -> list[str]:
        return self.cuts[text]


@pytest.fixture(scope="module")
def plain_cuts(engines, seed_lines, synthetic_lines) -> dict[str, list[str]]:
    """Plain jieba's cut of every seed and synthetic line, made once for the module's tests (plain
    jieba is the slow side of every comparison here)."""
    plain, _ = engines
    return {line: list(plain.cut(line)) for line in dict.fromkeys(seed_lines + synthetic_lines)}


@needs_fast
def test_fast_engine_cuts_the_seeds_byte_identically(engines, seed_lines, plain_cuts):
    _, fast = engines
    assert len(seed_lines) > 150 and sum(map(len, seed_lines)) > 20000
    assert backends.mismatches(_Cut(plain_cuts), fast, seed_lines) == []


@needs_fast
def test_fast_engine_cuts_the_synthetic_national_corpus_byte_identically(engines, synthetic_lines, plain_cuts):
    _, fast = engines
    assert len(synthetic_lines) > 3000
    bad = backends.mismatches(_Cut(plain_cuts), fast, synthetic_lines)
    assert bad == [], f"{len(bad)} of {len(synthetic_lines)} lines differ, first: {bad[:1]}"


@needs_fast
def test_batch_path_gives_plain_jiebas_words_on_the_seeds_and_the_synthetic_corpus(
        engines, seed_lines, synthetic_lines, plain_cuts, segmenters):
    """The segmenter's batch path (compare.text.fastcut: routes walked by numpy, HMM runs alone) gives
    every word of two or more characters of plain jieba's cut, and so the same content tokens."""
    _, fast = engines
    lines = seed_lines + synthetic_lines
    bad = backends.batch_mismatches(_Cut(plain_cuts), fast, lines)
    assert bad == [], f"{len(bad)} of {len(lines)} lines differ, first: {bad[:1]}"
    fast_seg, plain_seg = segmenters
    assert fast_seg.fast_path_ and not plain_seg.fast_path_
    # the plain segmenter's tokens: its own tokenize on the seeds and odd texts, and its filter on
    # plain jieba's shared cut of the synthetic lines (what its tokenize does with them: they are
    # normalised already)
    assert [plain_seg.tokenize(t) for t in seed_lines] == [
        [w for w in plain_cuts[t] if plain_seg._verdict[w]] for t in seed_lines]
    odd = ["", "。，、", "３+１试点ＡＢＣ", "鼓勵青年科技人才參與國際學術交流", "AI-2024 3.5% x", "科 普 党 建"]
    expected = [[w for w in plain_cuts[t] if plain_seg._verdict[w]] for t in lines]
    expected += [plain_seg.tokenize(t) for t in odd]
    assert all(normalize_text(t) == t for t in lines)
    assert fast_seg.tokenize_batch(lines + odd) == expected
    assert [fast_seg.tokenize(t) for t in odd] == [plain_seg.tokenize(t) for t in odd]


@needs_fast
def test_a_batch_path_mismatch_disables_the_fast_engine(tmp_path, engines, engine_cache, monkeypatch, caplog):
    cache = _own_cache(tmp_path, engine_cache)
    from compare.text import fastcut

    real = fastcut.long_words_many

    def skewed(tokenizer, texts, keep):
        out = real(tokenizer, texts, keep)
        return [w[::-1] if t == backends.CHECK_SENTENCES[2] else w for t, w in zip(texts, out)]

    monkeypatch.setattr(fastcut, "long_words_many", skewed)
    monkeypatch.delenv(backends.ENV_VAR, raising=False)
    with caplog.at_level(logging.WARNING, logger="compare.text.backends"):
        seg = Segmenter(cache_dir=cache)
    assert seg.backend_ == "jieba" and not seg.fast_path_
    assert backends.CHECK_SENTENCES[2] in caplog.text


@needs_fast
def test_auto_chooses_the_fast_engine_and_the_token_cache_keys_on_it(engine_cache, segmenters, monkeypatch):
    monkeypatch.delenv(backends.ENV_VAR, raising=False)
    auto = Segmenter(cache_dir=engine_cache)
    fast, plain = segmenters
    assert auto.backend_ == FAST and plain.backend_ == "jieba"
    assert auto.config_hash_ == fast.config_hash_ and auto.token_cache_path() == fast.token_cache_path()
    assert fast.token_cache_path() != plain.token_cache_path()
    monkeypatch.setenv(backends.ENV_VAR, "jieba")
    assert Segmenter(cache_dir=engine_cache).backend_ == "jieba"
    text = "深入推进“提升基层科协组织力行动‘3+1’试点”工作，构建吸纳“三长”长效机制"
    assert fast.tokenize(text) == plain.tokenize(text)
    assert "tokens" in fast.token_cache_path().parts


@needs_fast
def test_a_mismatch_disables_the_fast_engine_with_a_warning(tmp_path, engines, engine_cache, monkeypatch, caplog):
    cache = _own_cache(tmp_path, engine_cache)
    real = backends.make_tokenizer

    class Skewed:  # the fast engine, but it cuts one check sentence differently
        def __init__(self, tk):
            self.tk = tk

        def cut(self, text):
            words = list(self.tk.cut(text))
            return words[::-1] if text == backends.CHECK_SENTENCES[1] else words

    def make(name, entries, cache_dir):
        tk = real(name, entries, cache_dir)
        return Skewed(tk) if name == FAST else tk

    monkeypatch.setattr(backends, "make_tokenizer", make)
    monkeypatch.delenv(backends.ENV_VAR, raising=False)
    with caplog.at_level(logging.WARNING, logger="compare.text.backends"):
        seg = Segmenter(cache_dir=cache)
    assert seg.backend_ == "jieba"
    assert "segmenting with plain jieba" in caplog.text and backends.CHECK_SENTENCES[1] in caplog.text
    caplog.clear()
    assert Segmenter(cache_dir=cache).backend_ == "jieba"  # the verdict is kept: checked once


def test_unknown_or_missing_engine(tmp_path, monkeypatch, caplog):
    with pytest.raises(ValueError, match="unknown segmenter"):
        Segmenter(cache_dir=tmp_path, backend="rjieba")
    monkeypatch.setattr(backends, "backend_version", lambda name: None if name == FAST else "0.42.1")
    with caplog.at_level(logging.WARNING, logger="compare.text.backends"):
        assert Segmenter(cache_dir=tmp_path, backend=FAST).backend_ == "jieba"
    assert "not installed" in caplog.text


def _digests(directory, pattern: str) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.glob(pattern))}


@needs_fast
@pytest.mark.slow
def test_themes_tables_and_reports_are_identical_with_either_engine(tmp_path, monkeypatch):
    """The same project built with plain jieba and with jieba-next (each from empty caches) gives
    the same tables and the same report, byte for byte."""
    from compare.ingest.run import ingest
    from compare.pipeline.report import render_report
    from compare.text.themes import run_themes

    monkeypatch.setenv("KEXIE_COMPARE_ROOT", str(tmp_path))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    processed, reports = tmp_path / "data" / "processed", tmp_path / "reports"
    results, pages = {}, {}
    for engine in ("jieba", FAST):
        monkeypatch.setenv(backends.ENV_VAR, engine)  # the report kernel inherits it
        monkeypatch.setattr(segment, "_DEFAULT", None)
        for d in (tmp_path / ".cache", processed, reports):
            shutil.rmtree(d, ignore_errors=True)
        ingest(SEEDS_DIR, processed)
        run_themes(processed)
        assert segment.default_segmenter().backend_ == engine
        render_report("province", parameters={"province": "河南"}, processed_dir=processed, out_dir=reports)
        results[engine] = (_digests(processed, "*.parquet"), _digests(processed, "*.csv"), _digests(reports, "*.html"))
        pages[engine] = (reports / "province_henan.html").read_bytes()
    assert results["jieba"][0] and results["jieba"][2]
    assert results["jieba"][:2] == results[FAST][:2]  # every table, byte for byte
    from tests.same_report import assert_same_report

    assert_same_report(*pages.values())


def _grouping(words: list[str]):
    import numpy as np

    from compare.text import fastcut

    joined = "\x00".join(words) + "\x00"
    starts = np.cumsum([0] + [len(w) + 1 for w in words[:-1]]).astype(np.int64)
    lengths = np.array([len(w) for w in words], dtype=np.int64)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    return fastcut._same_word_as(codes, starts, lengths)


def test_words_are_grouped_exactly_or_not_at_all(monkeypatch):
    """The batch path slices and judges each distinct word once: copies are found by a hash, then
    compared with the word standing for them code point by code point, so a hash collision never
    merges two words (the grouping is given up and every word is sliced)."""
    from compare.text import fastcut

    words = ["科普", "党建", "科普", "科普工作", "党普", "AI", "党建", "𠀀𠀁", "𠀀𠀁", "科协"]
    rep = _grouping(words)
    assert rep is not None
    assert all(words[r] == w for r, w in zip(rep.tolist(), words))
    assert len(set(rep.tolist())) == len(set(words))
    assert all(rep[r] == r for r in rep.tolist())  # a word standing for others stands for itself
    monkeypatch.setattr(fastcut, "_HASH_MUL", fastcut.np.uint64(0))  # the hash keeps the last character only
    assert _grouping(words) is None  # 科普 and 党普 collide: found out, not merged
    assert _grouping(["科普", "科普", "党建"]) is not None


@needs_fast
@pytest.mark.parametrize("patch", [{"_HASH_MUL": 0}, {"_BUCKET_BITS": 1}])
def test_batch_path_is_exact_whatever_the_word_hash_does(engines, seed_lines, plain_cuts, monkeypatch, patch):
    """Colliding hashes (only the last character hashed) and crowded buckets (two) change no token."""
    from compare.text import fastcut

    for name, value in patch.items():
        monkeypatch.setattr(fastcut, name, fastcut.np.uint64(value) if name == "_HASH_MUL" else value)
    _, fast = engines
    got = fastcut.long_words_many(fast, seed_lines, backends._Everything())
    assert got == [[w for w in plain_cuts[t] if len(w) >= 2] for t in seed_lines]
