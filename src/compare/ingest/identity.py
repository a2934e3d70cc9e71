"""Document ids that depend on the document alone (never on which other files are present, or their order).

    <province pinyin>-<year>-<type code>[-<city pinyin>][-<department pinyin>][-<title hash>]

- `henan-2024-gzyd`: a plan of a provincial (or the national) association itself: no suffix, so the
  seeds keep their ids;
- `henan-2023-gzyd-zhengzhou`: a city or county plan carries its city/county in pinyin (without 市/县/区);
- `henan-2023-kpgz-kepubu`: a department's plan carries the department in pinyin;
- `henan-2019-qt-3f2a`: type 其他 (an unrecognised kind of plan, of which a province may have several in
  a year) carries 4 hex digits of the sha1 of its title.

Two different plans (not duplicates, compare.ingest.dedupe) can still end up with the same id, e.g.
two versions of one province's 工作要点 of a year that differ too much to be duplicates: then each of
them gets `-<6 hex digits of its content hash>` and the intake report warns. That is the one case where
adding a file changes an existing id; correct the metadata of the wrong one in metadata.csv instead.
`items.item_id` is the path of numerals inside the document, so it never depended on other files.
"""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict

from compare.core.vocab import TYPE_CODES
from compare.ingest.provinces import pinyin

_PLACE_SUFFIX_RE = re.compile(r"(自治县|自治州|自治旗|地区|新区|林区|特区|矿区|市|县|区|盟|旗)$")
_NON_ASCII_ID_RE = re.compile(r"[^a-z0-9]+")


def to_pinyin(name: str) -> str:
    """Lower-case ASCII pinyin of a Chinese name, syllables joined: 郑州 -> zhengzhou, 科普部 -> kepubu."""
    from pypinyin import (
        lazy_pinyin,  # imported only when a city or department plan is present
    )

    ascii_ = "".join(lazy_pinyin(name, errors=lambda s: list(s))).lower()
    return _NON_ASCII_ID_RE.sub("", ascii_) or hashlib.sha1(name.encode("utf-8")).hexdigest()[:6]


#: readings of characters that place names read otherwise than pypinyin's default (长治 changzhi, 朝阳
#: chaoyang, 单县 shanxian, 六安 lu'an)
_PLACE_READINGS = {"长": "chang", "朝": "chao", "单": "shan", "六": "lu"}


def place_pinyin(place: str) -> str:
    """City/county pinyin without its administrative suffix: 郑州市 -> zhengzhou, 兰考县 -> lankao,
    长治市 -> changzhi."""
    from pypinyin import lazy_pinyin

    short = (_PLACE_SUFFIX_RE.sub("", place) if len(place) > 2 else place) or place
    syllables = lazy_pinyin(short, errors=lambda s: list(s))  # phrases first: 厦门 xiamen, 蚌埠 bengbu
    if len(syllables) == len(short):
        syllables = [_PLACE_READINGS.get(ch, syl) for ch, syl in zip(short, syllables)]
    ascii_ = _NON_ASCII_ID_RE.sub("", "".join(syllables).lower())
    return ascii_ or to_pinyin(short)


def doc_id(doc) -> str:
    """The id of one document, from its own metadata (province, year, doc_type, city, department, title)."""
    parts = [pinyin(doc.province), str(doc.year), TYPE_CODES[doc.doc_type]]
    if getattr(doc, "city", None):
        parts.append(place_pinyin(doc.city))
    if getattr(doc, "department", None):
        parts.append(to_pinyin(doc.department))
    if doc.doc_type == "其他":
        parts.append(hashlib.sha1((doc.title or "").encode("utf-8")).hexdigest()[:4])
    return "-".join(parts)


def assign_doc_ids(docs: list, content_keys: list[str] | None = None) -> list[str]:
    """Set `doc.doc_id` on every document; returns one warning per id shared by different documents
    (those get `-<content hash>`). content_keys: a content hash per document (compare.ingest.dedupe);
    computed here for the colliding documents when not given."""
    from compare.ingest.dedupe import content_key, raw_content

    groups: dict[str, list[int]] = defaultdict(list)
    for i, d in enumerate(docs):
        d.doc_id = doc_id(d)
        groups[d.doc_id].append(i)
    warnings = []
    for base, members in sorted(groups.items()):
        if len(members) < 2:
            continue
        for i in members:
            key = content_keys[i] if content_keys is not None else content_key(raw_content(docs[i]))
            docs[i].doc_id = f"{base}-{key[:6]}"
        files = sorted({docs[i].source_file for i in members})
        warnings.append(f"{len(members)} different plans would share the id {base} ({', '.join(files)}): each id "
                        "carries a content hash; correct their metadata in metadata.csv if one is misread")
    return warnings
