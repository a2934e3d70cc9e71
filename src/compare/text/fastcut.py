"""Content words of many texts at once with the accelerated engine: jieba's cut, walked by numpy.

What the segmenter keeps of jieba's cut are words of two or more characters (single characters,
punctuation and whitespace are always dropped, see :mod:`compare.text.segment`). :func:`long_words_many`
returns exactly those words of ``jieba.Tokenizer.cut(text)`` (HMM on, accurate mode) that ``keep``
accepts, for many texts in one pass:

1. each text is split into jieba's blocks (``jieba.re_han_default``, the pattern plain jieba uses);
2. jieba-next's Rust ``PrefixDict.get_dag_and_calc`` gives each block's best route (jieba's DAG and
   dynamic programme, the engine's verified core);
3. the routes of all blocks are walked at once with numpy: word starts are found by following the
   route from every block start together (one array step per word position, not one Python step per
   word); words of two or more characters are sliced out;
4. runs of two or more single-character words are what jieba hands to its HMM (``finalseg.cut``) when
   the run is not itself a dictionary word: only those (a few per text) go through Python, with the
   engine's Rust Viterbi;
5. the words ``keep`` accepts are put back in text order.

The result equals ``[w for w in jieba.Tokenizer.cut(t) if len(w) >= 2 and keep[w]]`` for every text
(tests/test_segment_backends.py checks it on the seeds and a synthetic national corpus, and
:func:`compare.text.backends.verify` on the check corpus before the engine is used). Nothing is cached
between texts: every text is cut in full.
"""
from __future__ import annotations

import gc
import re
from collections.abc import Mapping, Sequence
from itertools import chain, compress

import numpy as np

__all__ = ["long_words_many"]


def _han_blocks(texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """jieba's blocks (runs of CJK, Latin letters, digits and +#&._%-) of every text, and how many each
    text has. re.split with a capturing group puts the blocks at the odd positions."""
    import jieba

    split = jieba.re_han_default.split
    blocks: list[str] = []
    counts = np.zeros(len(texts), dtype=np.int64)
    for k, text in enumerate(texts):
        parts = split(text)[1::2]
        blocks.extend(parts)
        counts[k] = len(parts)
    return blocks, counts


def _word_starts(blocks: list[str], route_of) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
    """(the blocks joined, each followed by one NUL; where each block starts in that string; start and
    end of every word of jieba's route in it, in order)."""
    lengths = np.fromiter((len(b) for b in blocks), dtype=np.int64, count=len(blocks))
    offsets = np.zeros(len(blocks), dtype=np.int64)
    np.cumsum(lengths[:-1] + 1, out=offsets[1:])
    total = int(lengths.sum()) + len(blocks)  # a route has len(b) + 1 entries: each character's and the NUL's
    route = np.fromiter(chain.from_iterable(map(route_of, blocks)), dtype=np.int64, count=total)
    block_of_pos = np.repeat(np.arange(len(blocks), dtype=np.int64), lengths + 1)
    nxt = route + 1 + offsets[block_of_pos]  # where the word at each position ends
    end_of_pos = (offsets + lengths)[block_of_pos]
    is_start = np.zeros(len(nxt), dtype=bool)
    frontier = offsets
    while frontier.size:  # every block's route followed at once, one word further at each step
        is_start[frontier] = True
        step = nxt[frontier]
        frontier = step[step < end_of_pos[frontier]]
    starts = np.flatnonzero(is_start)
    return "\x00".join(blocks) + "\x00", offsets, starts, nxt[starts]


def _single_runs(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) of every run of two or more adjacent one-character words (never across blocks:
    the NUL between blocks is no word)."""
    single = (ends - starts) == 1
    joined = np.zeros(len(single), dtype=bool)
    joined[1:] = single[1:] & single[:-1] & (ends[:-1] == starts[1:])
    first = single & ~joined
    run = np.cumsum(first) - 1
    size = np.bincount(run[single], minlength=int(first.sum()))
    begin = starts[first]
    long_run = size >= 2
    return begin[long_run], begin[long_run] + size[long_run]


_HAN = re.compile("[\u4e00-\u9fd5]+")  # what jieba's HMM (finalseg) cuts with its Viterbi


def _hmm_words(tokenizer, joined: str, run_begin: np.ndarray, run_end: np.ndarray,
               keep: Mapping[str, bool]) -> tuple[list[str], list[int]]:
    """The words of two or more characters that jieba's HMM makes of each run of single characters
    (when the run is not itself a dictionary word) and keep accepts, with the run's start. A run of CJK
    characters only goes straight to the engine's Viterbi (what finalseg.cut does with it); any other
    run through finalseg.cut itself."""
    from jieba_next import finalseg
    from jieba_next.finalseg import emit_P, start_P, trans_P

    viterbi, force_split = finalseg.viterbi_hmm, finalseg.Force_Split_Words
    freq, han = tokenizer.FREQ, _HAN.fullmatch
    words: list[str] = []
    where: list[int] = []
    for a, b in zip(run_begin.tolist(), run_end.tolist()):
        buf = joined[a:b]
        if freq.get(buf):
            continue  # jieba yields its characters one by one: all single characters
        if han(buf) is None:
            found = [w for w in finalseg.cut(buf) if len(w) >= 2]
        else:  # finalseg.__cut: B opens a word, E closes it, S is a character alone
            states = "".join(viterbi(buf, "BMES", start_P, trans_P, emit_P)[1])
            if states.count("S") == len(states):
                continue  # characters alone
            found, begin, after = [], 0, 0
            for i, state in enumerate(states):
                if state == "B":
                    begin = i
                elif state == "E":
                    found.append(buf[begin:i + 1])
                    after = i + 1
                elif state == "S":
                    after = i + 1
            if after < len(buf):
                found.append(buf[after:])
            found = [w for w in found if len(w) >= 2 and w not in force_split]
        for w in found:
            if keep[w]:
                words.append(w)
                where.append(a)
    return words, where


def long_words_many(tokenizer, texts: Sequence[str], keep: Mapping[str, bool]) -> list[list[str]]:
    """For every text, the words of two or more characters of jieba's cut that ``keep[word]`` accepts,
    in order. `tokenizer` is an initialised jieba-next Tokenizer (its route, dictionary and HMM)."""
    if not texts:
        return []
    enabled = gc.isenabled()
    gc.disable()  # millions of short-lived strings and lists, no cycles: collections would only cost time
    try:
        return _long_words_many(tokenizer, texts, keep)
    finally:
        if enabled:
            gc.enable()


def _long_words_many(tokenizer, texts: Sequence[str], keep: Mapping[str, bool]) -> list[list[str]]:
    blocks, per_text = _han_blocks(texts)
    if not blocks:
        return [[] for _ in texts]
    tokenizer.check_initialized()
    if tokenizer._rust_prefix is None:
        tokenizer._ensure_rust_prefix()
    joined, offsets, starts, ends = _word_starts(blocks, tokenizer._rust_prefix.get_dag_and_calc)
    text_of_block = np.repeat(np.arange(len(texts), dtype=np.int64), per_text)
    long = (ends - starts) > 1
    words = [joined[a:b] for a, b in zip(starts[long].tolist(), ends[long].tolist())]
    kept = list(map(keep.__getitem__, words))
    out_words = list(compress(words, kept))
    out_pos = starts[long][np.asarray(kept, dtype=bool)]
    hmm_words, hmm_pos = _hmm_words(tokenizer, joined, *_single_runs(starts, ends), keep)
    if hmm_words:  # put them in place: by position, a run's words in their order (stable sort)
        out_words += hmm_words
        out_pos = np.concatenate([out_pos, np.asarray(hmm_pos, dtype=np.int64)])
        order = np.argsort(out_pos, kind="stable")
        out_words = [out_words[i] for i in order.tolist()]
        out_pos = out_pos[order]
    # each word's text: the block it lies in, then that block's text
    text_of_word = text_of_block[np.searchsorted(offsets, out_pos, side="right") - 1]
    bounds = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.bincount(text_of_word, minlength=len(texts)), out=bounds[1:])
    return [out_words[lo:hi] for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist())]
