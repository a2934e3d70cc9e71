"""Segmentation: dictionary terms stay whole, stopwords/masks/numbers/punctuation never become tokens,
no global jieba state, and the token cache and the process pool do not change results."""
from __future__ import annotations

import re
import sys

import jieba
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compare.text.segment import (
    DEFAULT_STOPWORDS,
    DEFAULT_USER_DICT,
    Segmenter,
    default_segmenter,
    read_stopwords,
    read_user_dict,
)

DICT_WORDS = [w for w, _, _ in read_user_dict(DEFAULT_USER_DICT)]
STOPWORDS = read_stopwords(DEFAULT_STOPWORDS)
# sentence frames a dictionary word is embedded in: boilerplate around it must not swallow it
CONTEXTS = ["进一步做好{}有关工作。", "全省{}的", "坚持{}，推动", "在{}中", "“{}”", "（一）{}"]


@pytest.fixture(scope="module")
def seg() -> Segmenter:
    return default_segmenter()


@pytest.fixture(scope="module")
def seed_lines(raw_dir) -> list[str]:
    lines = []
    for p in sorted(raw_dir.glob("*.txt")):
        lines += [ln.strip() for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return lines


def test_packaged_files_are_sane():
    assert len(DICT_WORDS) >= 100
    assert len(DICT_WORDS) == len(set(DICT_WORDS)), "duplicate dictionary entries"
    assert not set(DICT_WORDS) & STOPWORDS, "a word cannot be both a dictionary term and a stopword"
    # the vocabulary the issue names explicitly
    for w in ["科技工作者", "省科协", "科普", "智库", "学会", "院士", "科创中国", "科创中原", "一市一品",
              "省院合作", "省会合作", "三长", "党建强会", "全国科技工作者日", "新质生产力", "3+1"]:
        assert w in DICT_WORDS, w
    for w in ["加强", "推进", "深入", "进一步", "积极", "开展", "工作", "全省"]:
        assert w in STOPWORDS, w


@pytest.mark.parametrize("context", CONTEXTS)
def test_every_dictionary_term_is_one_token(seg, context):
    broken = {w: seg.raw_tokens(context.format(w)) for w in DICT_WORDS if w not in seg.tokenize(context.format(w))}
    assert not broken, broken


def test_domain_terms_in_real_sentences(seg):
    toks = seg.tokenize("持续深化“省会合作”，落实落细“省院合作”，联合举办9场“一市一品”产业技术发展大会。")
    assert {"省会合作", "省院合作", "一市一品"} <= set(toks)
    toks = seg.tokenize("深入推进“提升基层科协组织力行动‘3+1’试点”工作，构建吸纳“三长”长效机制")
    assert "3+1" in toks and "三长" in toks and "基层科协" in toks


def test_stopwords_never_appear(seg, seed_lines):
    sentence = "，".join(sorted(STOPWORDS))
    assert not set(seg.tokenize(sentence)) & STOPWORDS
    for line in seed_lines:
        leaked = set(seg.tokenize(line)) & STOPWORDS
        assert not leaked, (line[:40], leaked)


def test_masks_numbers_and_punctuation_are_dropped(seg):
    text = ("落实省政府与中国科协“省会合作”安排，组织开展*********学会与我省相关市县对接；＊＊＊振兴。"
            "团结引领广大科技工作者为龙江██振兴██振兴作出新贡献。"  # ██ is the loader's mask token
            "2024年举办不少于20期“科创中原论坛”，新增3-5家基地，覆盖率达到90%，第十次代表大会，二十项任务。")
    toks = seg.tokenize(text)
    assert "省会合作" in toks and "科创中原论坛" in toks and "代表大会" in toks and "振兴" in toks
    for t in toks:
        assert "*" not in t and "＊" not in t and "█" not in t, t
        assert re.search(r"[^\W\d_]", t), f"number or punctuation token {t!r}"
        assert len(t) >= 2, t
    assert not {"2024", "20", "3-5", "90%", "第十次", "二十项", "，", "“"} & set(toks)


def test_full_width_and_ascii_punctuation_give_the_same_tokens(seg):
    full = "强化活动支撑，建立科学家精神挖掘整理、多彩呈现的工作机制（责任部门：调研宣传部）；组织好２０２４年ＡＩ科普活动。"
    ascii_ = "强化活动支撑,建立科学家精神挖掘整理、多彩呈现的工作机制(责任部门:调研宣传部);组织好2024年AI科普活动."
    assert seg.tokenize(full) == seg.tokenize(ascii_)
    assert "AI" in seg.tokenize(full)


def test_traditional_characters_are_accepted(seg):
    simp = "加强学会建设，推动学会党建工作，举办全国科技工作者日系列活动，发挥科技智库作用。"
    trad = "加強學會建設，推動學會黨建工作，舉辦全國科技工作者日系列活動，發揮科技智庫作用。"
    assert seg.tokenize(trad) == seg.tokenize(simp)
    assert {"学会", "学会党建", "全国科技工作者日", "科技智库"} <= set(seg.tokenize(trad))


def test_no_global_jieba_state_and_cache_inside_cache_dir(tmp_path, capfd):
    seg = Segmenter(cache_dir=tmp_path)
    toks = seg.tokenize("实施“党建强会”工程，推进“科创中原”试点城市建设")
    assert {"党建强会", "科创中原"} <= set(toks)
    assert seg.tokenizer is not jieba.dt
    assert "科创中原" not in getattr(jieba.dt, "FREQ", {}), "the global jieba dictionary was modified"
    assert (tmp_path / "jieba" / "jieba.cache").is_file()
    err = capfd.readouterr().err
    assert "prefix dict" not in err and "Loading model" not in err, err


def test_custom_dictionary_and_stopwords(tmp_path):
    ud = tmp_path / "ud.txt"
    ud.write_text("# comment\n太阳岛科技论坛\n", encoding="utf-8")
    sw = tmp_path / "sw.txt"
    sw.write_text("品牌\n", encoding="utf-8")
    seg = Segmenter(user_dict=ud, stopwords=sw, cache_dir=tmp_path)
    toks = seg.tokenize("进一步打造“太阳岛科技论坛”品牌")
    assert "太阳岛科技论坛" in toks and "品牌" not in toks
    # the default segmenter does not know the word: the dictionary lives in the instance
    assert "太阳岛科技论坛" not in default_segmenter().tokenize("进一步打造“太阳岛科技论坛”品牌")


def test_bad_user_dictionary_names_file_and_line(tmp_path):
    ud = tmp_path / "ud.txt"
    ud.write_text("科协\n科技 工作者 x\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"ud\.txt:2"):
        Segmenter(user_dict=ud)


def test_token_cache_avoids_resegmenting_and_is_invalidated_by_edits(tmp_path, seed_lines, monkeypatch):
    texts = seed_lines[:40] + seed_lines[:5]  # duplicates are segmented once
    calls = []

    def spy(seg):  # every text the segmenter cuts goes through tokenize_batch
        real = seg.tokenize_batch

        def counting(batch):
            calls.extend(batch)
            return real(batch)

        monkeypatch.setattr(seg, "tokenize_batch", counting)
        return seg

    sw = tmp_path / "sw.txt"
    sw.write_text(DEFAULT_STOPWORDS.read_text(encoding="utf-8"), encoding="utf-8")
    first = spy(Segmenter(stopwords=sw, cache_dir=tmp_path)).tokenize_many(texts)
    assert len(calls) == len(set(texts))
    assert first == [default_segmenter().tokenize(t) for t in texts]

    calls.clear()  # a new process/run with the same files: everything from the cache
    again = spy(Segmenter(stopwords=sw, cache_dir=tmp_path)).tokenize_many(texts)
    assert calls == [] and again == first

    calls.clear()  # one new text: only it is segmented
    spy(Segmenter(stopwords=sw, cache_dir=tmp_path)).tokenize_many(texts + ["新增科普中原品牌活动"])
    assert calls == ["新增科普中原品牌活动"]

    calls.clear()  # editing the stop list invalidates the cache
    sw.write_text(sw.read_text(encoding="utf-8") + "\n科协\n", encoding="utf-8")
    edited = spy(Segmenter(stopwords=sw, cache_dir=tmp_path)).tokenize_many(texts)
    assert len(calls) == len(set(texts))
    assert all("科协" not in toks for toks in edited)
    assert any("科协" in toks for toks in first)


def test_tokenize_many_returns_copies(seg):
    """Two equal texts give two lists: changing one leaves the other (and the cache) as it was."""
    a = seg.tokenize_many(["科普大篷车进校园", "科普大篷车进校园"])
    a[0].append("x")
    assert a[1] == seg.tokenize("科普大篷车进校园")
    assert seg.tokenize_many([]) == []


@pytest.mark.skipif(sys.platform == "win32", reason="spawn start-up cost only")
def test_parallel_equals_single_process(tmp_path, seed_lines):
    seg = Segmenter(cache_dir=tmp_path)
    single = seg.tokenize_many(seed_lines, use_cache=False)
    parallel = seg.tokenize_many(seed_lines, n_jobs=2)  # segmented by two worker processes, then cached
    assert parallel == single
    assert seg.tokenize_many(seed_lines) == single  # read back from what the workers produced


_ALPHABET = "科协学会党建智库科普人才创新组织省院合作一市一品十二三0123456789*＊█，。、；：“”（）() .%-+的和与加强推进工作"


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=60))
def test_property_tokens_are_content(text):
    seg = default_segmenter()
    for t in seg.tokenize(text):
        assert t not in STOPWORDS
        assert "*" not in t and "█" not in t and not t.isspace()
        assert t in seg.user_words_ or (len(t) >= 2 and re.search(r"[^\W\d_]", t))
