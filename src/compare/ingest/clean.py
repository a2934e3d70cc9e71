"""Stage 1 of loading: raw bytes -> clean logical lines.

Each rule is a small named function with its own unit test (tests/test_clean.py):

- `decode`            bytes -> str, recording the encoding (UTF-8 ± BOM, UTF-16 ± BOM, GB18030/GBK)
- `html_to_text`      an HTML page -> its visible text, one block element per line
- `to_simplified`     traditional characters -> simplified (only when the text *is* traditional)
- `normalise`         line ends, odd spaces, full-width digits, masks, punctuation, spaces around numbers
- `cruft_rule`        is this line web cruft (breadcrumb, 来源/时间, navigation, footer, ICP, page number)?
- `join_page_breaks`  rejoin words split by page breaks (`积极推\\n\\n荐` -> `积极推荐`)

`clean_lines(text)` runs the text rules in that order and returns the logical lines of the plan.
"""
from __future__ import annotations

import codecs
import html
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import zhconv

from compare.core.errors import InputFileError

# ---------------------------------------------------------------------------------------------
# masks

#: Every run of masking asterisks (`******`, `＊＊＊`, or an existing `█` run) becomes this one token.
MASK = "██"
_MASK_RE = re.compile(r"[*＊]{2,}|█+")


def count_masks(text: str) -> int:
    """Number of masked words in already-normalised text."""
    return text.count(MASK)


# ---------------------------------------------------------------------------------------------
# decoding

_BINARY_SIGNATURES = {
    b"%PDF": "a PDF file (convert it to text first)",
    b"PK\x03\x04": "a ZIP/Office document such as .docx (save it as plain text first)",
    b"\xd0\xcf\x11\xe0": "an old Office document such as .doc (save it as plain text first)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
}


_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd]")


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


def _cjk_share(text: str) -> float:
    if not text:
        return 0.0
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff") / len(text)


def decode(data: bytes, path: str | Path = "<bytes>") -> tuple[str, str]:
    """Decode a raw file. Returns (text, encoding name).

    Order: BOM (utf-8-sig, utf-16) -> BOM-less UTF-16 (NUL-byte pattern) -> strict UTF-8 -> GB18030
    (a superset of GBK and GB2312). Raises InputFileError for empty, binary or undecodable data.
    """
    if not data or not data.strip(b" \t\r\n\x00"):
        raise InputFileError(path, "the file is empty")
    for sig, what in _BINARY_SIGNATURES.items():
        if data.startswith(sig):
            raise InputFileError(path, f"not a text file: looks like {what}")
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        utf16 = _looks_like_utf16(data)
        candidates = [utf16] if utf16 else ["utf-8", "gb18030"]
    for enc in candidates:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _control_share(text) > 0.01:
            raise InputFileError(path, f"binary data, not text (control characters after decoding as {enc})")
        return text, enc
    if b"\x00" in data:
        raise InputFileError(path, "binary data, not text (NUL bytes and no valid text encoding)")
    raise InputFileError(path, f"cannot decode: not valid {' or '.join(c.upper() for c in candidates)}")


# ---------------------------------------------------------------------------------------------
# HTML

_HTML_RE = re.compile(r"^\s*(<!doctype\s+html|<html\b|<head\b|<body\b|<meta\b|<div\b|<p\b)", re.I)
_BLOCK_TAGS = {
    "p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
    "header", "footer", "ul", "ol", "table", "blockquote", "pre", "hr", "dd", "dt", "nav", "form",
}
_SKIP_TAGS = {"script", "style", "head", "noscript", "template", "svg", "iframe", "object"}


def looks_like_html(text: str) -> bool:
    return bool(_HTML_RE.match(text[:2000])) or "<html" in text[:2000].lower()


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """The visible text of an HTML page: scripts/styles/head dropped, one block element per line."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    text = html.unescape(text)  # stray entities in malformed markup
    return re.sub(r"[ \t]*\n[ \t\n]*", "\n\n", text)


# ---------------------------------------------------------------------------------------------
# traditional -> simplified


def is_traditional(text: str) -> bool:
    """True when the text is written in traditional characters (zhconv's judgement)."""
    return zhconv.issimp(text) is False


def to_simplified(text: str) -> tuple[str, bool]:
    """(simplified text, converted?). Simplified text is returned untouched: zhconv's phrase tables are
    only applied to text that is traditional, so an already-simplified plan never changes."""
    if is_traditional(text):
        return zhconv.convert(text, "zh-cn"), True
    return text, False


def simplified(s: str | None) -> str | None:
    """Metadata values are always simplified."""
    return zhconv.convert(s, "zh-cn") if s else s


# ---------------------------------------------------------------------------------------------
# normalisation

_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65“”‘’《》〈〉【】…—█"
_CJK_CH = f"[{_CJK}]"
_ZERO_WIDTH_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACE_RE = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t\x0b\x0c]")
_FULLWIDTH_ALNUM = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}  # ０-９
_FULLWIDTH_ALNUM.update({c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_FULLWIDTH_ALNUM.update({c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)})  # ａ-ｚ
_FULLWIDTH_ALNUM[0xFF05] = ord("%")  # ％
_PUNCT_MAP = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}
_ASCII_PUNCT_RE = re.compile(r"[,:;?!]")
_PAREN_PAIR_RE = re.compile(r"\(([^()\n]*)\)")
_QUOTE_PAIR_RE = re.compile(r'"([^"\n]*)"')
_SPACE_NUM_RE = re.compile(rf"(?<={_CJK_CH}) +(?=[0-9A-Za-z%])|(?<=[0-9A-Za-z%]) +(?={_CJK_CH})")
_SPACE_PUNCT_RE = re.compile(r" +(?=[，。、；：！？（）“”《》【】])|(?<=[，。、；：！？（）“”《》【】]) +")
_CJK_RE = re.compile(_CJK_CH)
_NEEDS_PUNCT_RE = re.compile(r"[,:;?!()\"]")
_OPEN_NEAR_CJK_RE = re.compile(rf"\((?={_CJK_CH})|(?<={_CJK_CH})\(")
_CLOSE_AFTER_CJK_RE = re.compile(rf"(?<={_CJK_CH})\)")
_MULTI_SPACE_RE = re.compile(" {2,}")
_FULLWIDTH_ALNUM_RE = re.compile("[\uff05\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_FULLWIDTH_DECIMAL_RE = re.compile(r"(?<=\d)．(?=\d)")  # 1．5万 -> 1.5万; the marker 1．stays as written
_NON_TEXT_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _is_cjk(ch: str) -> bool:
    return bool(ch) and _CJK_RE.match(ch) is not None


def fullwidth_punctuation(line: str) -> str:
    """ASCII punctuation used in Chinese text -> full-width, so web copies (often NFKC-folded) compare
    equal to the originals: `(责任部门:调研宣传部)` -> `（责任部门：调研宣传部）`.

    `, : ; ? !` change when a CJK character is next to them (so 1,000 and 14:41 and URLs stay);
    a pair of parentheses or double quotes changes when its content or a neighbour is CJK.
    """

    def paren(m: re.Match) -> str:
        before = line[m.start() - 1] if m.start() else ""
        after = line[m.end()] if m.end() < len(line) else ""
        if _CJK_RE.search(m.group(1)) or _is_cjk(before) or _is_cjk(after):
            return f"（{m.group(1)}）"
        return m.group(0)

    # innermost pairs first, repeatedly, so nested brackets are handled
    for _ in range(5):
        new = _PAREN_PAIR_RE.sub(paren, line)
        if new == line:
            break
        line = new
    line = _QUOTE_PAIR_RE.sub(lambda m: f"“{m.group(1)}”" if _CJK_RE.search(m.group(1)) else m.group(0), line)

    def punct(m: re.Match) -> str:
        i = m.start()
        before = line[i - 1] if i else ""
        j = i + 1
        while j < len(line) and line[j] == " ":
            j += 1
        after = line[j] if j < len(line) else ""
        if _is_cjk(before) or _is_cjk(after):
            return _PUNCT_MAP[m.group(0)]
        return m.group(0)

    line = _ASCII_PUNCT_RE.sub(punct, line)
    # unpaired brackets next to CJK
    line = _OPEN_NEAR_CJK_RE.sub("（", line)
    line = _CLOSE_AFTER_CJK_RE.sub("）", line)
    return line


def normalise_line(line: str) -> str:
    """One line: spaces collapsed and trimmed, no spaces between CJK and digits (`2024 年` -> `2024年`)
    or around full-width punctuation, ASCII punctuation in Chinese text made full-width."""
    line = _SPACE_RE.sub(" ", line)
    line = _MULTI_SPACE_RE.sub(" ", line).strip()
    if not line:
        return ""
    if _NEEDS_PUNCT_RE.search(line):
        line = fullwidth_punctuation(line)
    if " " in line:
        line = _SPACE_NUM_RE.sub("", line)
        line = _SPACE_PUNCT_RE.sub("", line)
    return line.strip()


# pinyin glosses after characters (山(shān)東(dōng), 学（xué）) as reposting sites add them, and runs of
# `?` left where a page's non-breaking spaces were lost in a bad re-encoding
_PINYIN_GLOSS_RE = re.compile(
    r"(?<=[\u3400-\u9fff])[(（]\s*[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]*\s*[)）]")
_QUESTION_RUN_RE = re.compile(r"[?？]{3,}")


def strip_annotations(text: str) -> str:
    """`学(xué)习(xí)` -> `学习`; `????长治市科学技术协会` -> `长治市科学技术协会`."""
    if "(" in text or "（" in text:
        text = _PINYIN_GLOSS_RE.sub("", text)
    if "??" in text or "？？" in text:
        text = _QUESTION_RUN_RE.sub(" ", text)
    return text


def normalise(text: str) -> str:
    """Whole-text normalisation: line ends, zero-width characters, full-width digits/letters/％ (and ．
    between digits),
    masks (`******` -> MASK), then `normalise_line` on every line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = _ZERO_WIDTH_RE.sub("", text)
    if _FULLWIDTH_ALNUM_RE.search(text):
        text = text.translate(_FULLWIDTH_ALNUM)
    if "．" in text:
        text = _FULLWIDTH_DECIMAL_RE.sub(".", text)
    text = _MASK_RE.sub(MASK, text)
    text = strip_annotations(text)
    # characters that are never text (NUL and other C0 controls) -> space
    text = _NON_TEXT_RE.sub(" ", text)
    text = unicodedata.normalize("NFC", text)
    return "\n".join(normalise_line(line) for line in text.split("\n"))


# ---------------------------------------------------------------------------------------------
# web cruft

_MAX_CRUFT_LEN = 120
_CRUFT_RULES: tuple[tuple[str, re.Pattern], ...] = (
    ("breadcrumb", re.compile(r"(您?(当前|现在)?所在(的)?位置|当前位置)\s*[：:]")),
    ("source-or-time", re.compile(
        r"^(文章)?(来源|出处|作者|发布者|发布人|发布时间|发布日期|时间|日期|编辑|责任编辑|审核|审校|校对"
        r"|浏览次数|浏览量|点击数|点击量|阅读数|阅读量|字号|供稿|供稿人|撰稿|撰稿人|摄影|稿源)\s*[：:]")),
    ("web-timestamp", re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(\s*\d{1,2}:\d{2}(:\d{2})?)?\s*([|｜].*)?$")),
    ("footer", re.compile(
        r"copyright|©|版权所有|all rights reserved|ICP备|ICP证|公网安备|网站标识码|^网站地图|^联系我们"
        r"|^技术支持|^(联合)?主办(单位)?\s*[：:]|^承办(单位)?\s*[：:]|^协办(单位)?\s*[：:]"
        r"|^(地址|邮编|电话|传真|邮箱|E-?mail)\s*[：:]", re.I)),
    ("page-controls", re.compile(
        r"^[【\[]?(打印本页|打印|关闭窗口|关闭|返回顶部|返回|收藏|分享到?|字体|上一篇|下一篇)[】\]]?"
        r"(\s*[：:].*|\s*[【\[]?(打印本页|打印|关闭窗口|关闭|返回顶部|收藏)?[】\]]?)*$")),
    ("page-tools", re.compile(r"扫一扫|在手机(上)?打开|手机扫码|微信扫|分享到|^相关(链接|文章|阅读|新闻)|^附件下载"
                              r"|^【?字体[：:]?\s*[【\[]?大|^字号[：:]?\s*大|^(浏览|阅读)(次数|量)")),
    ("page-number", re.compile(r"^[-—–－\s]*(第\s*\d+\s*页(\s*[，,/]?\s*共\s*\d+\s*页)?|\d{1,3})[-—–－\s]*$")),
    ("cc-line", re.compile(r"^抄送[：:]")),
)
_NAV_SPLIT_RE = re.compile(r"\s*[|｜>＞»›]\s*")


def _is_navigation(line: str) -> bool:
    """`首页 | 科协微信 | 科普中国`, `首页 > 新闻中心 > 通知公告`: short parts separated by `|`, or by two or
    more `>` (one `>` alone may be a comparison), none of them a sentence."""
    parts = [p for p in _NAV_SPLIT_RE.split(line) if p]
    if len(parts) < 2:
        return False
    if not re.search(r"[|｜]", line) and len(parts) < 3 and "首页" not in line:
        return False
    return all(len(p) <= 12 and not re.search(r"[，。；！？]", p) for p in parts)


def cruft_rule(line: str) -> str | None:
    """The name of the web-cruft rule this line matches, or None for plan text.

    Only short lines (<= 120 characters) can be cruft: plan paragraphs are never removed.
    """
    if not line or len(line) > _MAX_CRUFT_LEN:
        return None
    if line in {"首页", "打印", "关闭", "返回顶部"}:
        return "page-controls"
    for name, rx in _CRUFT_RULES:
        if rx.search(line):
            return name
    if _is_navigation(line):
        return "navigation"
    return None


def remove_cruft(lines: list[str]) -> list[str]:
    return [line for line in lines if cruft_rule(line) is None]


# ---------------------------------------------------------------------------------------------
# page-break joins

_MID_SENTENCE_END_RE = re.compile(rf"[\u3400-\u9fff\uf900-\ufaff，、“《（0-9A-Za-z{MASK[0]}]$")
_MIN_PROSE_LEN = 30


def join_page_breaks(lines: list[str], *, is_marker, is_heading) -> list[str]:
    """Rejoin paragraphs split by page breaks (`积极推` + `荐我省…` -> `积极推荐我省…`).

    A line is glued to the previous one when the previous line is prose (>= 30 characters, not a
    heading), ends mid-sentence (a CJK character, digit, `，`, `、`, or an opening bracket/quote), and
    the line itself does not start a new item, section or title. Blank lines are ignored (page breaks
    leave them behind). `is_marker(line)` / `is_heading(line)` come from compare.ingest.structure.
    """
    out: list[str] = []
    for line in lines:
        if not line:
            continue
        if out:
            prev = out[-1]
            if (
                len(prev) >= _MIN_PROSE_LEN
                and _MID_SENTENCE_END_RE.search(prev)
                and not is_heading(prev)
                and not is_marker(line)
                and not is_heading(line)
            ):
                out[-1] = prev + line
                continue
        out.append(line)
    return out


def prepare_text(text: str) -> tuple[str, bool]:
    """HTML -> text, traditional -> simplified, normalise. Returns (text, converted_from_traditional)."""
    if looks_like_html(text):
        text = html_to_text(text)
    text, converted = to_simplified(text)
    return normalise(text), converted


def clean_lines(text: str) -> tuple[list[str], bool]:
    """Text -> (logical lines, converted_from_traditional): HTML stripped, simplified, normalised, web
    cruft removed, page breaks rejoined, blank lines dropped."""
    from compare.ingest.structure import is_heading, is_marker

    text, converted = prepare_text(text)
    lines = remove_cruft(text.split("\n"))
    return join_page_breaks(lines, is_marker=is_marker, is_heading=is_heading), converted
