"""Segmentation engines behind :class:`compare.text.segment.Segmenter`: plain jieba, or an accelerated
jieba-compatible engine when it is installed and gives the same tokens.

``jieba`` (0.42.1, pure Python) is always there. ``jieba-next`` (MIT; a maintained fork of jieba_fast
whose DAG, route and HMM run in Rust; wheels for Linux, macOS and Windows on Python 3.9-3.14) is the
accelerated engine: ``pip install kexie-compare[fast]`` (``make install`` does it). It ships jieba's
own ``dict.txt`` and HMM tables, so its cut is jieba's cut, about 4-5 times faster.

An engine is used only when it is byte-identical to plain jieba with our dictionary: before its
first use in an environment, :func:`verify` segments a check corpus (every user-dictionary word in
several sentence frames, plus sentences with digits, Latin letters, full-width and traditional
characters written for this check) with both engines, the accelerated one through its tokenizer and
through the batch path the segmenter uses (:mod:`compare.text.fastcut`). A mismatch logs a warning naming the first
differing sentence and falls back to plain jieba. The verdict is kept in the cache directory, keyed by
both engines' versions and the dictionary, so the check runs once per environment and dictionary.

``KEXIE_SEGMENTER=jieba`` (or ``jieba-next``) in the environment chooses an engine explicitly; the
default ``auto`` takes the fastest verified one.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from compare.core.io import atomic_write_text

__all__ = ["BACKENDS", "ENV_VAR", "backend_version", "batch_mismatches", "choose_backend", "make_tokenizer", "verify"]

log = logging.getLogger(__name__)

ENV_VAR = "KEXIE_SEGMENTER"
#: engines in order of preference for ``auto``; plain jieba last (always available)
BACKENDS = ("jieba-next", "jieba")
_MODULES = {"jieba": "jieba", "jieba-next": "jieba_next"}

# sentences of our own (not taken from any plan) exercising what jieba treats specially: runs of
# Latin letters and digits, percentages, full-width forms, HMM-cut unknown words, punctuation
CHECK_SENTENCES = (
    "全年组织科技志愿者开展科普进社区活动120场次，受众达到3.5万人次，覆盖率提高到85%以上。",
    "围绕新能源汽车、生物医药和AI芯片等产业，建设10个院士专家工作站和3家海智基地。",
    "推动“科创中国”试点城市建设，举办第五届青年科学家论坛，评选表彰优秀科技工作者。",
    "加快构建现代化科普体系，实施全民科学素质提升行动，办好全国科普日和科技活动周。",
    "深化学会治理改革，开展一流学会建设，支持学会承接政府转移职能和团体标准研制。",
    "围绕乡村振兴发挥农技协作用，组织专家服务团深入田间地头，推广良种良法20余项。",
    "健全科技智库决策咨询机制，形成高质量研究报告，报送省委省政府领导批示参阅。",
    "ＡＢＣ２０２４年度计划：１２３项任务，完成率９８．５％。",
    "鼓勵青年科技人才參與國際學術交流，支持舉辦高端學術會議。",
    "嫦娥探月、天问火星、奋斗者号深潜等重大成果进校园，激发青少年好奇心和想象力。",
    "完善“3+1”试点工作，推广“一市一品”和“省会合作”经验，推进科协组织全覆盖。",
    "xx市科协联合yy区教育局举办STEAM教育研讨会，qq群与微信公众号同步直播。",
)
# frames every user-dictionary word is embedded in (boilerplate around it must not change the cut)
CHECK_FRAMES = ("{}", "进一步做好{}有关工作。", "全省{}的", "坚持{}，推动", "在{}中", "“{}”")


def backend_version(name: str) -> str | None:
    """The installed version of an engine, or None when it is not installed."""
    from importlib import metadata

    dist = {"jieba": "jieba", "jieba-next": "jieba-next"}[name]
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _silence(name: str) -> None:
    # both engines log "Building prefix dict ..." lines through their own loggers
    logging.getLogger(_MODULES[name]).setLevel(logging.WARNING)
    logging.getLogger("jieba_next").setLevel(logging.WARNING)


def make_tokenizer(name: str, entries: Sequence[tuple[str, int | None, str | None]], cache_dir: Path):
    """An initialised tokenizer of engine `name` with the user dictionary entries added, its
    dictionary cache under cache_dir (``jieba/`` or ``jieba-next/``)."""
    _silence(name)
    if name == "jieba":
        import jieba

        tk = jieba.Tokenizer()
        d = cache_dir / "jieba"
        d.mkdir(parents=True, exist_ok=True)
        tk.tmp_dir, tk.cache_file = str(d), "jieba.cache"
        tk.initialize()
        for word, freq, tag in entries:
            tk.add_word(word, freq, tag)
        return tk
    import jieba_next

    tk = jieba_next.Tokenizer(cache_dir=cache_dir / "jieba-next")
    tk.initialize()
    # add_word drops the Rust prefix index and suggest_freq's cut rebuilds it (0.2 s a word): while
    # the words go in, its cut uses the engine's own index-free route over the same FREQ table
    tk._ensure_rust_prefix = lambda: None
    try:
        for word, freq, tag in entries:
            tk.add_word(word, freq, tag)
    finally:
        del tk._ensure_rust_prefix
    tk._ensure_rust_prefix()
    return tk


def _check_texts(entries) -> list[str]:
    words = [w for w, _, _ in entries]
    return [*CHECK_SENTENCES, *(frame.format(w) for w in words for frame in CHECK_FRAMES)]


def mismatches(a, b, texts: Sequence[str]) -> list[tuple[str, list[str], list[str]]]:
    """(text, cut by a, cut by b) for every text the two tokenizers cut differently."""
    out = []
    for t in texts:
        x, y = list(a.cut(t)), list(b.cut(t))
        if x != y:
            out.append((t, x, y))
    return out


#: bump when compare.text.fastcut changes, so that every environment checks it again
BATCH_PATH_VERSION = "2"


class _Everything(dict):
    def __missing__(self, word: str) -> bool:
        return True


def batch_mismatches(a, b, texts: Sequence[str]) -> list[tuple[str, list[str], list[str]]]:
    """(text, words of two or more characters of a's cut, those of engine b's batch path
    (:func:`compare.text.fastcut.long_words_many`)) for every text where they differ."""
    from compare.text.fastcut import long_words_many

    batch = long_words_many(b, list(texts), _Everything())
    out = []
    for t, y in zip(texts, batch):
        x = [w for w in a.cut(t) if len(w) >= 2]
        if x != y:
            out.append((t, x, y))
    return out


def verify(name: str, entries, cache_dir: Path, config_hash: str) -> bool:
    """True when engine `name` cuts the check corpus exactly as plain jieba does (with the user
    dictionary); the verdict is cached per engine versions and dictionary. A mismatch is logged."""
    if name == "jieba":
        return True
    ident = json.dumps([name, backend_version(name), backend_version("jieba"), config_hash,
                        CHECK_SENTENCES, CHECK_FRAMES, f"batch={BATCH_PATH_VERSION}"], ensure_ascii=False)
    path = cache_dir / "tokens" / f"engine-check-{hashlib.sha256(ident.encode()).hexdigest()[:16]}.json"
    try:
        return bool(json.loads(path.read_text(encoding="utf-8"))["identical"])
    except (OSError, ValueError, KeyError):
        pass
    texts = _check_texts(entries)
    plain, fast = make_tokenizer("jieba", entries, cache_dir), make_tokenizer(name, entries, cache_dir)
    bad = mismatches(plain, fast, texts) or batch_mismatches(plain, fast, texts)
    if bad:
        text, x, y = bad[0]
        log.warning("%s %s cuts %d of %d check sentences differently from jieba %s (first: %r: %s vs %s); "
                    "segmenting with plain jieba", name, backend_version(name), len(bad), len(texts),
                    backend_version("jieba"), text, "/".join(y), "/".join(x))
    atomic_write_text(path, json.dumps({"engine": name, "version": backend_version(name),
                                        "identical": not bad, "checked": len(texts)}) + "\n")
    return not bad


def choose_backend(requested: str | None, entries, cache_dir: Path, config_hash: str) -> str:
    """The engine to segment with: `requested` (or $KEXIE_SEGMENTER, default ``auto``) if installed
    and verified identical to jieba, else plain jieba (with a warning when one was asked for)."""
    requested = requested or os.environ.get(ENV_VAR) or "auto"
    if requested not in ("auto", *BACKENDS):
        raise ValueError(f"unknown segmenter {requested!r}: choose from auto, {', '.join(BACKENDS)}")
    for name in BACKENDS if requested == "auto" else (requested,):
        if name == "jieba":
            return name
        if backend_version(name) is None:
            if requested != "auto":
                log.warning("segmenter %s is not installed (pip install 'kexie-compare[fast]'); using plain jieba", name)
            continue
        if verify(name, entries, cache_dir, config_hash):
            return name
    return "jieba"
