"""Document ids that depend on the document alone (never on which other files are present, or their order),
and that never change once given (the id registry `doc_ids.json` beside the tables).

    <province pinyin>-<year>-<type code>[-<city pinyin>][-<department pinyin>][-<title hash>]

- `henan-2024-gzyd`: a plan of a provincial (or the national) association itself: no suffix, so the
  seeds keep their ids;
- `henan-2023-gzyd-zhengzhou`: a city or county plan carries its city/county in pinyin (without 市/县/区);
- `henan-2023-kpgz-kepubu`: a department's plan carries the department in pinyin;
- `henan-2019-qt-3f2a`: type 其他 (an unrecognised kind of plan, of which a province may have several in
  a year) carries 4 hex digits of the sha1 of its title.

**The registry.** Two different plans (not duplicates, compare.ingest.dedupe) can still end up with the
same id, e.g. two versions of one province's 工作要点 of a year that differ too much to be duplicates.
Every ingest writes `doc_ids.json` (atomically, keys sorted: same input, identical bytes) into the
tables' directory: each id and the document holding it (its file, its title, the sha1 of its text).
The next ingest gives every document the id it holds there when its metadata still gives the same
natural id and it is the same document (same text, or same file and title: a renamed file or an edited
text keeps its id). A newcomer whose natural id is held gets `-<6 hex digits of its content hash>`
and the intake report says who holds it; the holder is never renamed. Plans that collide with nobody
holding the id (the first ingest, or after the registry was deleted) all get the suffix, so an id
never silently passes from one plan to another. An id whose document is gone, or whose metadata now
gives another id (a year corrected in metadata.csv), is dropped from the registry.

`make clean` keeps `doc_ids.json` (it holds no derived data, only who holds which id); deleting it
(or the whole `data/processed/`) makes the next ingest assign ids afresh as described above: the ids
of plans that collide with no other plan are the same, those of colliding plans all carry a suffix.
`items.item_id` is the path of numerals inside the document, so it never depended on other files.
"""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from compare.core.registry import RegistryFileError, read_registry_file, write_registry_file
from compare.core.vocab import TYPE_CODES
from compare.ingest.provinces import pinyin

#: the id registry's file name, in the tables' directory
REGISTRY_FILE = "doc_ids.json"
_REGISTRY_VERSION = 1

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
    if doc.city:
        parts.append(place_pinyin(doc.city))
    if doc.department:
        parts.append(to_pinyin(doc.department))
    if doc.doc_type == "其他":
        parts.append(hashlib.sha1((doc.title or "").encode("utf-8")).hexdigest()[:4])
    return "-".join(parts)


@dataclass(frozen=True)
class IdWarning:
    """A warning about an id, for the intake records of `files`."""
    files: tuple[str, ...]
    message: str

    def __str__(self) -> str:
        return self.message


class RegistryError(RegistryFileError):
    """doc_ids.json cannot be read: names the file and what to do."""

    what = "an id registry"
    hint = "delete it to assign ids afresh (plans that share an id then all carry a suffix)"


@dataclass(frozen=True)
class Holder:
    """The document holding an id: its natural id (`base`), file, title and the sha1 of its text."""
    base: str
    source_file: str
    title: str
    content_sha1: str

    def same_document(self, other: Holder) -> bool:
        return self.base == other.base and (
            self.content_sha1 == other.content_sha1
            or (self.source_file, self.title) == (other.source_file, other.title))


def read_registry(directory: str | Path) -> dict[str, Holder]:
    """id -> Holder from `<directory>/doc_ids.json`; {} when there is none. Raises RegistryError."""
    return read_registry_file(Path(directory) / REGISTRY_FILE, version=_REGISTRY_VERSION, entries="ids",
                              convert=lambda ids: {doc_id: Holder(**fields) for doc_id, fields in ids.items()},
                              error=RegistryError)


def write_registry(directory: str | Path, holders: dict[str, Holder]) -> Path:
    """Write the registry atomically, ids sorted (same ids, identical bytes)."""
    return write_registry_file(
        Path(directory) / REGISTRY_FILE, {k: asdict(v) for k, v in holders.items()}, version=_REGISTRY_VERSION,
        entries="ids", about="doc_id -> the document holding it; an id once given is kept (compare.ingest.identity)")


def assign_doc_ids(docs: list, content_keys: list[str] | None = None,
                   registry: dict[str, Holder] | None = None) -> list[IdWarning]:
    """Set `doc.doc_id` on every document; returns one warning per id shared by different documents.

    content_keys: a content hash per document (compare.ingest.dedupe; computed when not given).
    registry: the ids given by the previous ingest (read_registry): a document keeps the id it holds
    there; a newcomer whose natural id is held, and documents that share an id nobody holds, get
    `-<content hash>`. `holders(docs, keys)` is the registry to save afterwards."""
    from compare.ingest.dedupe import content_key, raw_content

    if content_keys is None:
        content_keys = [content_key(raw_content(d)) for d in docs]
    registry = registry or {}
    me = [Holder(doc_id(d), d.source_file, d.title or "", k) for d, k in zip(docs, content_keys)]
    given: dict[int, str] = {}
    taken: set[str] = set()
    # 1. every id of the registry goes back to its document (text first, then file and title)
    for held_id, holder in sorted(registry.items()):
        matches = [i for i, h in enumerate(me) if i not in given and holder.same_document(h)]
        matches.sort(key=lambda i: me[i].content_sha1 != holder.content_sha1)
        if matches:
            given[matches[0]] = held_id
            taken.add(held_id)
    # 2. the others take their natural id when it is free and theirs alone, else a content suffix
    groups: dict[str, list[int]] = defaultdict(list)
    for i, h in enumerate(me):
        if i not in given:
            groups[h.base].append(i)
    warnings = []
    for base, members in sorted(groups.items()):
        if len(members) == 1 and base not in taken:
            given[members[0]] = base
            taken.add(base)
            continue
        for i in members:
            n = 6
            while f"{base}-{me[i].content_sha1[:n]}" in taken:
                n += 2
            given[i] = f"{base}-{me[i].content_sha1[:n]}"
            taken.add(given[i])
        if base in taken and base in registry:
            holder = registry[base]
            for i in members:
                warnings.append(IdWarning((docs[i].source_file,), (
                    f"the id {base} is held by {holder.title} ({holder.source_file}) since an earlier ingest: "
                    f"{docs[i].title} gets {given[i]}; correct its metadata in metadata.csv if it is misread")))
        else:
            files = tuple(sorted({docs[i].source_file for i in members}))
            warnings.append(IdWarning(files, (
                f"{len(members)} different plans would share the id {base} ({', '.join(files)}): each id carries "
                "a content hash; correct their metadata in metadata.csv if one is misread")))
    for i, d in enumerate(docs):
        d.doc_id = given[i]
    return warnings


def holders(docs: list, content_keys: list[str]) -> dict[str, Holder]:
    """id -> Holder of documents whose ids are assigned: the registry to save."""
    return {d.doc_id: Holder(doc_id(d), d.source_file, d.title or "", k) for d, k in zip(docs, content_keys)}
