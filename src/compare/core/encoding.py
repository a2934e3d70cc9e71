"""Raw bytes of a text file -> str and the encoding's name: the one detection for plan text
(compare.ingest.readers) and for the files the analyst writes (compare.core.textfile: metadata.csv,
kexie.toml, the TOML lexicons).

BOM (UTF-8, UTF-16) -> BOM-less UTF-16 -> strict UTF-8 -> GB18030 or Big5 (whichever decodes strictly and
reads as common Chinese characters; GB18030 on a tie, as mainland Excel and Notepad save it) ->
charset-normalizer's guess. Text that still looks like mojibake is refused with a reason, never loaded;
a short text (fewer than 20 Han characters, e.g. a one-row metadata.csv) is judged by a looser share,
see `looks_like_mojibake`.
"""
from __future__ import annotations

import codecs
import re
from pathlib import Path

import zhconv

from compare.core.errors import InputFileError

# ---------------------------------------------------------------------------------------------
# decoding

_BINARY_SIGNATURES = {
    b"%PDF": "a PDF file (name it .pdf)",
    b"PK\x03\x04": "a ZIP/Office document such as .docx (name it .docx)",
    b"\xd0\xcf\x11\xe0": "an old Office document such as .doc (save it as .docx in Word/WPS)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
}


_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f]")


def _control_share(text: str) -> float:
    """Share of characters that never occur in a text file (C0 controls other than tab/newline/FF/CR)."""
    if not text:
        return 0.0
    return len(_CONTROL_RE.findall(text)) / len(text)


def _plausible_share(text: str) -> float:
    """Share of characters a Chinese plan is made of: CJK, ASCII, CJK/full-width punctuation, spaces."""
    if not text:
        return 0.0
    ok = sum(1 for ch in text if ("\u4e00" <= ch <= "\u9fff") or (" " <= ch <= "~") or ch in "\n\r\t"
             or ("\u3000" <= ch <= "\u303f") or ("\uff00" <= ch <= "\uffef") or ("\u2010" <= ch <= "\u2027"))
    return ok / len(text)


def _looks_like_utf16(data: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' for BOM-less UTF-16. Text files in UTF-8 or GB18030 never contain NUL
    bytes, UTF-16 text almost always does (digits, newlines, 一 = U+4E00): decode both byte orders and
    keep the one that reads as Chinese/ASCII text."""
    if len(data) < 4 or len(data) % 2 or b"\x00" not in data:
        return None
    best, best_score = None, 0.0
    for enc in ("utf-16-le", "utf-16-be"):
        try:
            score = _plausible_share(data.decode(enc))
        except UnicodeDecodeError:
            continue
        if score > best_score:
            best, best_score = enc, score
    return best if best_score >= 0.9 else None


_COMMON: frozenset[str] | None = None


def _common_chars() -> frozenset[str]:
    """The 3,755 level-1 characters of GB2312 (the most frequent simplified characters) and their
    traditional forms: real plan text is made of them (>= 99 % on the seeds, simplified or traditional),
    text decoded with the wrong encoding is not (20-56 % on every mix-up tried: UTF-8 read as GBK or
    Big5, GBK read as Big5, Big5 read as GBK)."""
    global _COMMON
    if _COMMON is None:
        chars = set()
        for hi in range(0xB0, 0xD8):
            for lo in range(0xA1, 0xFF):
                try:
                    chars.add(bytes([hi, lo]).decode("gb2312"))
                except UnicodeDecodeError:
                    pass
        chars |= set(zhconv.convert("".join(sorted(chars)), "zh-tw"))
        chars |= set(zhconv.convert("".join(sorted(chars)), "zh-hk"))
        _COMMON = frozenset(chars)
    return _COMMON


_HAN_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ue000-\uf8ff]")
MOJIBAKE_COMMON_SHARE = 0.85  # below this share of common characters, Chinese text is mojibake
_MOJIBAKE_MIN_HAN = 20
#: a text of 4-19 Han characters (a one-row metadata.csv, a small lexicon) is mojibake below this share:
#: a real short text may hold a rare place name (濮阳, 亳州), mojibake of a title reads 10-40 %
SHORT_MOJIBAKE_SHARE = 0.6
_SHORT_MIN_HAN = 4
_SAMPLE = 200


def common_share(text: str, *, min_han: int = _MOJIBAKE_MIN_HAN) -> float | None:
    """Share of Han characters (private-use characters counted as not common) that are common ones;
    None when the text has fewer than min_han (20) Han characters. Looks at 3 x 200 characters (start,
    middle, end): mojibake is never local, and a 1,000-document ingest should not pay for reading every one."""
    if len(text) > 3 * _SAMPLE:
        mid = len(text) // 2
        text = text[:_SAMPLE] + text[mid:mid + _SAMPLE] + text[-_SAMPLE:]
    han = _HAN_RE.findall(text)
    if len(han) < max(1, min_han):
        return None
    common = _common_chars()
    return sum(map(common.__contains__, han)) / len(han)


def looks_like_mojibake(text: str) -> bool:
    """Too few common characters (under 85 % of 20 or more Han characters, under 60 % of 4-19),
    锟斤拷 (U+FFFD bytes read as GBK), or U+FFFD replacement characters (bytes an earlier program could
    not decode) in more than 0.5 % of the text."""
    share = common_share(text)
    if share is None:
        short = common_share(text, min_han=_SHORT_MIN_HAN)
        if short is not None and short < SHORT_MOJIBAKE_SHARE:
            return True
    return ((share is not None and share < MOJIBAKE_COMMON_SHARE) or "锟斤拷" in text
            or text.count("\ufffd") > 0.005 * len(text))


def _strict(data: bytes, enc: str) -> str | None:
    try:
        return data.decode(enc)
    except (UnicodeDecodeError, LookupError):
        return None


def _guess_cjk_encoding(data: bytes) -> list[str]:
    """Candidate encodings for non-UTF-8 bytes: GB18030 and Big5 when they decode strictly (best first by
    share of common characters, counted on however few Han characters there are; GB18030 first on a
    tie), then charset-normalizer's guess for anything else."""
    scored = []
    for rank, enc in enumerate(("gb18030", "big5")):
        text = _strict(data, enc)
        if text is not None:
            scored.append((-(common_share(text, min_han=1) or 0.0), rank, enc))
    candidates = [enc for _, _, enc in sorted(scored)]
    if not candidates or -min(scored)[0] < MOJIBAKE_COMMON_SHARE:
        # charset-normalizer only for files that are neither UTF-8 nor GB/Big5
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None and best.encoding not in candidates:
            candidates.append(best.encoding)
    return candidates


#: files shorter than this may be valid UTF-8 by chance while being GBK (a one-row metadata.csv)
_SHORT_BYTES = 2048


def _gbk_reads_better(data: bytes, utf8: str) -> bool:
    """True when bytes that happen to be valid UTF-8 hold characters no Chinese text is made of (IPA,
    Latin extensions: 十 saved as GBK reads ʮ) while GB18030 reads them as common Chinese characters."""
    plausible = _plausible_share(utf8)
    if plausible >= 1.0:
        return False
    gb = _strict(data, "gb18030")
    return (gb is not None and _plausible_share(gb) > plausible
            and (common_share(gb, min_han=1) or 0.0) >= MOJIBAKE_COMMON_SHARE)


def decode(data: bytes, path: str | Path = "<bytes>") -> tuple[str, str]:
    """Decode a raw text file. Returns (text, encoding name). See decode_with_warnings."""
    text, encoding, _warnings = decode_with_warnings(data, path)
    return text, encoding


#: at most this many undecodable bytes (and at most 1 in 1,000) are replaced rather than refusing the file
MAX_REPLACED = 10


def _nearly_decodable(data: bytes) -> tuple[str, str, int] | None:
    """(text, encoding, bytes replaced) for a file that is UTF-8, GB18030 or Big5 but for a few bad bytes
    (a download cut mid-character, a stray byte), or None."""
    best = None
    for enc in ("utf-8", "gb18030", "big5"):
        text = data.decode(enc, errors="replace")
        bad = text.count("\ufffd")
        if bad <= min(MAX_REPLACED, max(1, len(text) // 1000)) and (best is None or bad < best[2]):
            share = common_share(text.replace("\ufffd", ""))
            if share is not None and share >= MOJIBAKE_COMMON_SHARE:
                best = (text, enc, bad)
    return best


def decode_with_warnings(data: bytes, path: str | Path = "<bytes>") -> tuple[str, str, list[str]]:
    """Decode a raw text file. Returns (text, encoding name, warnings).

    Order: BOM (utf-8-sig, utf-16) -> BOM-less UTF-16 (NUL-byte pattern) -> strict UTF-8 -> GB18030
    (a superset of GBK and GB2312) or Big5, whichever decodes strictly and reads as common Chinese
    characters -> charset-normalizer's guess. Text that still looks like mojibake (fewer than 85 % common
    characters, see `common_share`) is refused. A file that is UTF-8, GB18030 or Big5 but for at most 10
    bad bytes (and 1 in 1,000) is decoded with those replaced by U+FFFD and a warning. Raises
    InputFileError for empty, binary, undecodable or garbled data.
    """
    if not data or not data.strip(b" \t\r\n\x00"):
        raise InputFileError(path, "the file is empty")
    for sig, what in _BINARY_SIGNATURES.items():
        if data.startswith(sig):
            raise InputFileError(path, f"not a text file: looks like {what}")
    utf8 = None
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        utf16 = _looks_like_utf16(data)
        utf8 = None if utf16 else _strict(data, "utf-8")
        if utf8 is not None and len(data) < _SHORT_BYTES and _gbk_reads_better(data, utf8):
            utf8 = None  # 十 in GBK (CA AE) is also valid UTF-8 (ʮ): a short file is read as what reads as Chinese
        candidates = [utf16] if utf16 else (["utf-8"] if utf8 is not None else _guess_cjk_encoding(data))
    garbled = None
    for enc in candidates:
        text = utf8 if enc == "utf-8" and utf8 is not None else _strict(data, enc)
        if text is None:
            continue
        if _control_share(text) > 0.01:
            raise InputFileError(path, f"binary data, not text (control characters after decoding as {enc})")
        if looks_like_mojibake(text):
            garbled = garbled or enc
            continue
        if enc not in _KNOWN and common_share(text) is None:
            continue  # charset-normalizer's guess for a plan must at least read as Chinese
        return text, _CODEC_NAMES.get(enc, enc), []
    if garbled:
        raise InputFileError(path, f"garbled text (mojibake) after decoding as {garbled}: the file was saved with "
                                   "the wrong encoding; open the original and save it again as UTF-8")
    nearly = _nearly_decodable(data) if b"\x00" not in data else None
    if nearly is not None:
        text, enc, bad = nearly
        return text, enc, [f"{bad} undecodable byte(s) in {enc} text replaced by �"]
    if b"\x00" in data:
        raise InputFileError(path, "binary data, not text (NUL bytes and no valid text encoding)")
    tried = candidates or ["utf-8", "gb18030", "big5"]
    raise InputFileError(path, f"cannot decode: not valid {' or '.join(c.upper() for c in tried)}")


_KNOWN = {"utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "gb18030", "big5"}
_CODEC_NAMES = {"big5hkscs": "big5", "cp950": "big5", "gbk": "gb18030", "gb2312": "gb18030"}


