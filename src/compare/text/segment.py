"""Chinese word segmentation for plan items: jieba behind one object with a domain dictionary.

`Segmenter` owns a private `jieba.Tokenizer` (the global jieba is never touched), keeps jieba's
dictionary cache under `compare.core.paths.cache_dir()/jieba`, silences jieba's log lines and loads the
科协 user dictionary (`data/userdict.txt`) into its own instance. When the accelerated engine
``jieba-next`` is installed (``pip install kexie-compare[fast]``) and cuts a check corpus exactly as
jieba does, its tokenizer is used instead (:mod:`compare.text.backends`; ``backend_`` names the
engine in use), and many texts are cut together by :mod:`compare.text.fastcut` (the same tokens, a
batch at a time). `tokenize` returns *content* tokens only:

* full-width letters and digits are NFKC-normalised to ASCII and, when the text contains
  traditional-only characters, it is converted to simplified Chinese with zhconv;
* dropped: stopwords (`data/stopwords.txt`, function words and policy boilerplate such as 加强,
  推进, 工作), masked words (runs of ``*``), punctuation and whitespace, numbers (2024, 3.5, 二十,
  第十次) and single characters;
* dictionary words always survive (so 3+1 and 十四五 are tokens although they look like numbers),
  unless they are also listed as stopwords.

`tokenize_many` caches the tokens of each text by content hash in a small SQLite file under the
cache directory; the file name carries a hash of the dictionary, the stop list and this module's
filtering version, and the engine with its version, so editing either file invalidates the cache
and a switch of engine never mixes tokens. With ``n_jobs > 1`` the texts that
are not cached yet are split into contiguous chunks and segmented in worker processes, each of
which builds its tokenizer once; the result is identical to ``n_jobs=1``.
"""
from __future__ import annotations

import hashlib
import logging
import math
import multiprocessing
import os
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

import jieba

from compare.core.paths import PACKAGE_DATA, cache_dir as _project_cache_dir
from compare.text import backends, fastcut

__all__ = ["Segmenter", "default_segmenter", "DEFAULT_USER_DICT", "DEFAULT_STOPWORDS"]

log = logging.getLogger(__name__)

DEFAULT_USER_DICT = PACKAGE_DATA / "userdict.txt"
DEFAULT_STOPWORDS = PACKAGE_DATA / "stopwords.txt"

#: bump when the filtering rules change, so cached tokens are recomputed
FILTER_VERSION = "1"
#: texts segmented together by the accelerated engine's batch path (memory stays bounded)
_BATCH = 4000

# a token must contain at least one letter (CJK ideographs are letters); this drops punctuation,
# whitespace, masks (***) and pure numbers (2024, 3.5, 3-5, 75%) in one test
_HAS_LETTER = re.compile(r"[^\W\d_]")
# Chinese numbers and ordinals: 二十, 第十次, 三批, 两个
_CN_NUMBER = re.compile(r"第?[零〇一二三四五六七八九十百千万亿两]+[次届个批期项条名场家点年月日号位轮]?")
# user dictionary line: word [freq] [tag]  (the same grammar as jieba's load_userdict)
_USERDICT_LINE = re.compile(r"^(.+?)(?: ([0-9]+))?(?: ([a-z]+))?$")

# characters NFKC changes in a way that matters for tokens: full-width digits, letters and the
# symbols jieba keeps inside words (+ - . % & # _), CJK compatibility ideographs, enclosed numbers.
# Other full-width characters are punctuation, dropped either way, so normalising them is skipped.
_NEEDS_NFKC = re.compile(
    "[\uff03\uff05\uff06\uff0b\uff0d\uff0e\uff10-\uff19\uff21-\uff3a\uff3f\uff41-\uff5a"
    "\uf900-\ufaff\u2460-\u24ff\u3251-\u32bf\u2f00-\u2fdf]"
)
_TRAD_ONLY: frozenset[str] | None = None


def _trad_only() -> frozenset[str]:
    """Traditional-only characters (zhconv's table) outside GB2312, loaded on first use.

    GB2312 is the simplified character set, so a text that encodes to it needs no conversion; the
    handful of zhconv traditional-only characters inside GB2312 (於, 後, 乾, 覆, ...) also occur
    in simplified text and are left alone.
    """
    global _TRAD_ONLY
    if _TRAD_ONLY is None:
        from zhconv import zhconv

        if zhconv.zhcdicts is None:
            zhconv.loaddict(zhconv.DICTIONARY)
        trad = set()
        for ch in zhconv.zhcdicts["TRADONLY"]:
            try:
                ch.encode("gb2312")
            except UnicodeEncodeError:
                trad.add(ch)
        _TRAD_ONLY = frozenset(trad)
    return _TRAD_ONLY


def _has_traditional(text: str) -> bool:
    try:
        text.encode("gb2312")  # fast path: pure simplified text (and ASCII)
        return False
    except UnicodeEncodeError:
        return not _trad_only().isdisjoint(text)


def normalize_text(text: str) -> str:
    """Full-width letters/digits -> ASCII (NFKC) and traditional -> simplified (zhconv), when present."""
    if _NEEDS_NFKC.search(text) is not None:
        text = unicodedata.normalize("NFKC", text)
    if _has_traditional(text):
        from zhconv import convert

        text = convert(text, "zh-cn")
    return text


def _silence_jieba() -> None:
    # jieba attaches its own stderr handler and logs "Building prefix dict ..." at DEBUG
    logging.getLogger("jieba").setLevel(logging.WARNING)


def _read_lines(path: Path) -> list[tuple[int, str]]:
    """Non-blank, non-comment lines (``#`` starts a comment line) with their 1-based numbers."""
    out = []
    with open(path, encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.strip()
            if line and not line.startswith("#"):
                out.append((lineno, line))
    return out


def read_user_dict(path: str | Path) -> list[tuple[str, int | None, str | None]]:
    """Entries ``(word, freq, tag)`` of a jieba-style user dictionary; ``#`` lines are comments."""
    entries = []
    for lineno, line in _read_lines(Path(path)):
        m = _USERDICT_LINE.match(line)
        word, freq, tag = m.group(1).strip(), m.group(2), m.group(3)
        if not word or any(ch.isspace() for ch in word):
            raise ValueError(f"{path}:{lineno}: a dictionary word cannot contain spaces: {line!r}")
        entries.append((normalize_text(word), int(freq) if freq else None, tag))
    return entries


def read_stopwords(path: str | Path) -> frozenset[str]:
    """One stopword per line; ``#`` lines are comments."""
    return frozenset(normalize_text(w) for _, w in _read_lines(Path(path)))


class _Verdicts(dict):
    """Memo of keep (True) / drop (False) per raw jieba token, computed on first sight."""

    def __init__(self, judge):
        super().__init__()
        self._judge = judge

    def __missing__(self, word: str) -> bool:
        keep = self[word] = self._judge(word)
        return keep


class Segmenter:
    """Tokenizer for plan text: jieba with the domain dictionary, minus stopwords, masks and numbers.

    Parameters
    ----------
    user_dict : path or iterable of words, optional
        jieba-style user dictionary (``word [freq] [tag]`` per line); default the packaged one.
    stopwords : path or iterable of words, optional
        Stop list; default the packaged one (function words and policy boilerplate).
    cache_dir : path, optional
        Where jieba's dictionary cache (``jieba/``) and the token cache (``tokens/``) live;
        default ``compare.core.paths.cache_dir()`` (``.cache/`` in the project).
    backend : {"auto", "jieba-next", "jieba"}, optional
        Segmentation engine (default: $KEXIE_SEGMENTER, else ``auto``: jieba-next when installed and
        verified identical to jieba, else jieba); see :mod:`compare.text.backends`.
    """

    def __init__(self, *, user_dict=None, stopwords=None, cache_dir=None, backend=None):
        if user_dict is None:
            user_dict = DEFAULT_USER_DICT
        if isinstance(user_dict, (str, Path)):
            self.user_dict_path_ = Path(user_dict)
            entries = read_user_dict(user_dict)
        else:
            self.user_dict_path_ = None
            entries = [(normalize_text(str(w)), None, None) for w in user_dict]
        if stopwords is None:
            stopwords = DEFAULT_STOPWORDS
        if isinstance(stopwords, (str, Path)):
            self.stopwords_path_ = Path(stopwords)
            stop = read_stopwords(stopwords)
        else:
            self.stopwords_path_ = None
            stop = frozenset(normalize_text(str(w)) for w in stopwords)
        self._entries = entries
        self.stopwords_ = stop
        self.user_words_ = frozenset(w for w, _, _ in entries) - stop
        self.cache_dir_ = Path(cache_dir) if cache_dir is not None else None
        h = hashlib.sha256()
        h.update(f"filter={FILTER_VERSION};jieba={jieba.__version__}\n".encode())
        for w, f, t in entries:
            h.update(f"{w}\t{f}\t{t}\n".encode())
        h.update(b"--stop--\n")
        for w in sorted(stop):
            h.update(f"{w}\n".encode())
        self.dictionary_hash_ = h.hexdigest()[:16]
        self.backend_ = backends.choose_backend(backend, entries, self._base_cache_dir(), self.dictionary_hash_)
        h.update(f"--engine--\n{self.backend_}={backends.backend_version(self.backend_)}\n".encode())
        self.config_hash_ = h.hexdigest()[:16]
        # the accelerated engine's batch path (compare.text.fastcut) returns words of two or more
        # characters: exactly what the filter keeps unless a one-character word is a dictionary word
        self.fast_path_ = self.backend_ == "jieba-next" and all(len(w) >= 2 for w in self.user_words_)
        self._tokenizer: jieba.Tokenizer | None = None
        self._lock = threading.Lock()
        # memo of the keep/drop verdict per raw token: the vocabulary is small, the corpus is not
        self._verdict = _Verdicts(self._keep)

    # -- state that must not travel to worker processes -------------------------------------
    def __getstate__(self):
        state = self.__dict__.copy()
        state["_tokenizer"] = None
        state["_lock"] = None
        state["_verdict"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self._verdict = _Verdicts(self._keep)

    def __repr__(self) -> str:
        src = self.user_dict_path_.name if self.user_dict_path_ else f"{len(self._entries)} words"
        return (f"Segmenter(user_dict={src!r}, stopwords={len(self.stopwords_)}, backend={self.backend_!r}, "
                f"config={self.config_hash_})")

    # -- jieba ------------------------------------------------------------------------------
    def _base_cache_dir(self) -> Path:
        d = self.cache_dir_ if self.cache_dir_ is not None else _project_cache_dir()
        d.mkdir(parents=True, exist_ok=True)
        return d

    @property
    def tokenizer(self):
        """The private tokenizer of the engine in use (a jieba.Tokenizer or its jieba-next twin),
        initialised (with the user dictionary) on first use."""
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    _silence_jieba()
                    self._tokenizer = backends.make_tokenizer(self.backend_, self._entries, self._base_cache_dir())
        return self._tokenizer

    def raw_tokens(self, text: str) -> list[str]:
        """jieba's cut of the normalised text with our dictionary, before filtering (whitespace dropped)."""
        return [w for w in self.tokenizer.cut(normalize_text(text)) if not w.isspace()]

    def _keep(self, word: str) -> bool:
        if word in self.user_words_:
            return True
        if word in self.stopwords_ or len(word) < 2:
            return False
        if _HAS_LETTER.search(word) is None:
            return False
        return _CN_NUMBER.fullmatch(word) is None

    def tokenize(self, text: str) -> list[str]:
        """Content tokens of one text, in order (see the module docstring for what is dropped)."""
        if self.fast_path_:
            return fastcut.long_words_many(self.tokenizer, [normalize_text(text)], self._verdict)[0]
        verdict = self._verdict
        return [w for w in self.tokenizer.cut(normalize_text(text)) if verdict[w]]

    def tokenize_batch(self, texts: Sequence[str]) -> list[list[str]]:
        """Content tokens of every text (no cache): with the accelerated engine a batch at a time
        (:mod:`compare.text.fastcut`), else text by text; the same tokens either way."""
        if not self.fast_path_:
            return [self.tokenize(t) for t in texts]
        tokenizer, out = self.tokenizer, []
        with fastcut.paused_gc():
            for i in range(0, len(texts), _BATCH):  # bounded memory whatever the corpus
                batch = [normalize_text(t) for t in texts[i:i + _BATCH]]
                out.extend(fastcut.long_words_many(tokenizer, batch, self._verdict))
        return out

    # -- many texts, cached -----------------------------------------------------------------
    def token_cache_path(self) -> Path:
        """The SQLite file holding cached tokens for this dictionary + stop list."""
        d = self._base_cache_dir() / "tokens"
        d.mkdir(parents=True, exist_ok=True)
        return d / f"tokens-{self.config_hash_}.sqlite3"

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.token_cache_path(), timeout=60)
        # a cache: write-ahead log, synced at checkpoints (a crash may lose the last writes, never the file)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute("CREATE TABLE IF NOT EXISTS tokens (key TEXT PRIMARY KEY, tokens TEXT NOT NULL)")
        return con

    def tokenize_many(
        self, texts: Iterable[str], *, n_jobs: int = 1, use_cache: bool = True
    ) -> list[list[str]]:
        """Tokens of every text, in order. Cached per text (content hash); see the module docstring.

        n_jobs : processes for the texts not in the cache (-1 = all cores); the result does not
            depend on it.
        use_cache : read and write the token cache (False: always segment, e.g. for benchmarks).
        """
        texts = [t if isinstance(t, str) else str(t) for t in texts]
        if not texts:
            return []
        with fastcut.paused_gc():
            return self._tokenize_many(texts, n_jobs=n_jobs, use_cache=use_cache)

    def _tokenize_many(self, texts: list[str], *, n_jobs: int, use_cache: bool) -> list[list[str]]:
        keys = [hashlib.blake2b(t.encode("utf-8"), digest_size=16).hexdigest() for t in texts]
        found: dict[str, list[str]] = {}
        con = self._connect() if use_cache else None
        try:
            if con is not None:
                unique = sorted(set(keys))
                for i in range(0, len(unique), 500):
                    batch = unique[i : i + 500]
                    q = f"SELECT key, tokens FROM tokens WHERE key IN ({','.join('?' * len(batch))})"
                    for k, joined in con.execute(q, batch):
                        found[k] = joined.split("\x1f") if joined else []
            todo: dict[str, str] = {}
            for k, t in zip(keys, texts):
                if k not in found and k not in todo:
                    todo[k] = t
            if todo:
                todo_keys = list(todo)
                results = self._segment(list(todo.values()), n_jobs=n_jobs)
                new = dict(zip(todo_keys, results))
                found.update(new)
                if con is not None:
                    with con:
                        con.executemany(
                            "INSERT OR REPLACE INTO tokens (key, tokens) VALUES (?, ?)",
                            [(k, "\x1f".join(v)) for k, v in new.items()],
                        )
        finally:
            if con is not None:
                con.close()
        if len(found) == len(keys):  # every text once: its token list is its own (nothing else holds it)
            return [found[k] for k in keys]
        return [list(found[k]) for k in keys]  # a repeated text gets a list of its own for each copy

    def _segment(self, texts: Sequence[str], *, n_jobs: int) -> list[list[str]]:
        n_jobs = _resolve_jobs(n_jobs)
        if n_jobs <= 1 or len(texts) < 2 * n_jobs:
            return self.tokenize_batch(texts)
        n_chunks = min(len(texts), n_jobs * 4)
        size = math.ceil(len(texts) / n_chunks)
        chunks = [list(texts[i : i + size]) for i in range(0, len(texts), size)]
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(n_jobs, initializer=_init_worker, initargs=(self,)) as pool:
            parts = pool.map(_work, chunks)
        return [tokens for part in parts for tokens in part]


def _resolve_jobs(n_jobs: int) -> int:
    if n_jobs is None or n_jobs == 0:
        return 1
    if n_jobs < 0:
        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return int(n_jobs)


_WORKER: Segmenter | None = None


def _init_worker(segmenter: Segmenter) -> None:
    """Runs once per worker process: keep the segmenter and build its jieba tokenizer now."""
    global _WORKER
    _WORKER = segmenter
    _WORKER.tokenizer  # noqa: B018 - initialise jieba once per worker


def _work(chunk: list[str]) -> list[list[str]]:
    return _WORKER.tokenize_batch(chunk)


_DEFAULT: Segmenter | None = None
_DEFAULT_LOCK = threading.Lock()


def default_segmenter() -> Segmenter:
    """One shared Segmenter (packaged dictionary and stop list) per process, built on first call."""
    global _DEFAULT
    if _DEFAULT is None:
        with _DEFAULT_LOCK:
            if _DEFAULT is None:
                _DEFAULT = Segmenter()
    return _DEFAULT
