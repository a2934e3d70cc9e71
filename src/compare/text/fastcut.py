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
5. each distinct word of two or more characters is sliced out and judged by ``keep`` once (copies are
   found by a hash of their code points and then compared with the word standing for them, code point
   by code point: the grouping is exact, or given up and every word sliced), and the words ``keep``
   accepts are put back in text order.

The result equals ``[w for w in jieba.Tokenizer.cut(t) if len(w) >= 2 and keep[w]]`` for every text
(tests/test_segment_backends.py checks it on the seeds and a synthetic national corpus, and
:func:`compare.text.backends.verify` on the check corpus before the engine is used). Nothing of the
cut is cached between texts: every text's route and HMM runs are computed in full; only the slicing
and judging of words (our filter's work, not the engine's) is done once per distinct word of a batch.
"""
from __future__ import annotations

import gc
import re
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from itertools import chain

import numpy as np

__all__ = ["long_words_many", "paused_gc"]


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


@contextmanager
def paused_gc():
    """The cyclic garbage collector paused for the block: cutting makes millions of short-lived strings
    and lists and no cycles, so its collections (which walk every live token list) only cost time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def long_words_many(tokenizer, texts: Sequence[str], keep: Mapping[str, bool]) -> list[list[str]]:
    """For every text, the words of two or more characters of jieba's cut that ``keep[word]`` accepts,
    in order. `tokenizer` is an initialised jieba-next Tokenizer (its route, dictionary and HMM)."""
    if not texts:
        return []
    with paused_gc():
        return _long_words_many(tokenizer, texts, keep)


#: odd 64-bit multipliers: one for the words' polynomial hash, then one per bucketing round
_HASH_MUL = np.uint64(0x9E3779B97F4A7C15)
_ROUND_MUL = tuple(np.uint64(m) for m in (0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0xD6E8FEB86659FD93,
                                          0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5))
_BUCKET_BITS = 20


def _same_word_as(codes: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray | None:
    """For every word (``lengths[i]`` code points of `codes` from ``starts[i]``), the index of one word
    equal to it that stands for all its copies (a word equal to no earlier one stands for itself), or
    None when that could not be settled (then the caller slices every word itself).

    Words are grouped by a 64-bit polynomial hash of their code points and length, in a few bucketing
    rounds (a bucket takes one hash; words whose hash lost it try again with another bucket function);
    then every word is compared with the word standing for it, code point by code point, so the grouping
    is exact whatever the hash does."""
    n = len(starts)
    h = lengths.astype(np.uint64)
    idx, j = np.arange(n), 0
    while idx.size:  # one step per character position, over the words that long
        h[idx] = h[idx] * _HASH_MUL + codes[starts[idx] + j]
        j += 1
        idx = idx[lengths[idx] > j]
    rep = np.full(n, -1, dtype=np.int64)
    todo = np.arange(n)
    shift = np.uint64(64 - _BUCKET_BITS)
    for mul in _ROUND_MUL:
        if not todo.size:
            break
        bucket = ((h[todo] * mul) >> shift).astype(np.int64)
        holder = np.full(1 << _BUCKET_BITS, -1, dtype=np.int64)
        holder[bucket] = todo  # one word per bucket (whichever): it stands for the words of its hash
        cand = holder[bucket]
        won = h[cand] == h[todo]
        rep[todo[won]] = cand[won]
        todo = todo[~won]
    if todo.size:
        return None
    other = np.flatnonzero(rep != np.arange(n))
    a, b = starts[other], starts[rep[other]]
    if not np.array_equal(lengths[other], lengths[rep[other]]):
        return None
    left, j = lengths[other], 0
    live = np.arange(len(other))
    while live.size:  # the words themselves, code point by code point
        if not np.array_equal(codes[a[live] + j], codes[b[live] + j]):
            return None
        j += 1
        live = live[left[live] > j]
    return rep


def _kept_long_words(joined: str, starts: np.ndarray, ends: np.ndarray,
                     keep: Mapping[str, bool]) -> tuple[np.ndarray, np.ndarray]:
    """(the words ``joined[starts[i]:ends[i]]`` that keep accepts, as an object array; their starts).
    Each distinct word is sliced and judged once: its copies share that string."""
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    rep = _same_word_as(codes, starts, ends - starts)
    if rep is None:
        words = [joined[a:b] for a, b in zip(starts.tolist(), ends.tolist())]
        kept = np.fromiter(map(keep.__getitem__, words), dtype=bool, count=len(words))
        return np.array(words, dtype=object)[kept], starts[kept]
    distinct = np.flatnonzero(rep == np.arange(len(rep)))
    strings = [joined[a:b] for a, b in zip(starts[distinct].tolist(), ends[distinct].tolist())]
    verdict = np.zeros(len(rep), dtype=bool)
    verdict[distinct] = np.fromiter(map(keep.__getitem__, strings), dtype=bool, count=len(strings))
    word = np.empty(len(rep), dtype=object)
    word[distinct] = strings
    kept = verdict[rep]
    return word[rep[kept]], starts[kept]


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
    out_words, out_pos = _kept_long_words(joined, starts[long], ends[long], keep)
    hmm_words, hmm_pos = _hmm_words(tokenizer, joined, *_single_runs(starts, ends), keep)
    if hmm_words:  # put them in place: by position, a run's words in their order (stable sort)
        extra = np.empty(len(hmm_words), dtype=object)
        extra[:] = hmm_words
        out_words = np.concatenate([out_words, extra])
        out_pos = np.concatenate([out_pos, np.asarray(hmm_pos, dtype=np.int64)])
        order = np.argsort(out_pos, kind="stable")
        out_words, out_pos = out_words[order], out_pos[order]
    # each word's text: the block it lies in, then that block's text
    text_of_word = text_of_block[np.searchsorted(offsets, out_pos, side="right") - 1]
    bounds = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.bincount(text_of_word, minlength=len(texts)), out=bounds[1:])
    out_words = out_words.tolist()
    return [out_words[lo:hi] for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist())]
