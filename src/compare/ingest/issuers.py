"""What kind of body issued a plan (documents.issuer_kind), so comparisons can keep or drop them.

    科协        the association itself, its 办公室/办公厅, 党组, 秘书处 (河南省科协, 临西县科学技术协会)
    科协部门    a department of an association (中国科协科普部, 省科协学会学术部)
    党政机关    a Party or government office issuing a plan about the association (赤壁市人民政府办公室,
                中共某县委办公室, 王益区农业农村局, a street or town: 唐家口街道, 某某镇人民政府)
    老科协      a retired scientists' association (佳木斯市老科协): never counted as the 科协's own plan
    其他        any other body (a society, a school, a company)

Read from the issuer (signature, notice, red header, 发布机构), else from the title's body
(佳木斯市老科协2023年工作要点). A plan that names no issuer and no other body is the association's:
the loader only takes plans, and plans without an issuer are its plans (provenance says `inferred`).
"""
from __future__ import annotations

import re

from compare.core.vocab import DEFAULT_ISSUER_KIND

_OLD_RE = re.compile(r"老科协|老科学技术工作者协会|老科技工作者协会")
_KEXIE_RE = re.compile(r"科协|科学技术协会")
_DEPT_RE = re.compile(r"(?:科协|科学技术协会)[\u4e00-\u9fff]{1,10}?部$")
_OFFICE_RE = re.compile(r"(?:党委|党工委|[省市县区旗州]委|委员会|人民政府|政府|办公室|办公厅|办事处|街道|[厅局委办镇乡])$|^中共")
_TITLE_BODY_RE = re.compile(r"^[\u4e00-\u9fff]{2,30}?(?:老科协|老科学技术工作者协会|老科技工作者协会|科协|科学技术协会)")


def issuer_kind(issuer: str | None, title: str | None = None) -> tuple[str, str]:
    """(kind, where it came from: `issuer` | `title` | `inferred`)."""
    issuer = (issuer or "").strip()
    if issuer:
        if _OLD_RE.search(issuer):
            return "老科协", "issuer"
        if _DEPT_RE.search(issuer):
            return "科协部门", "issuer"
        if _KEXIE_RE.search(issuer):
            return "科协", "issuer"
        if _OFFICE_RE.search(issuer):
            return "党政机关", "issuer"
        return "其他", "issuer"
    m = _TITLE_BODY_RE.match(title or "")
    if m:
        return ("老科协" if _OLD_RE.search(m.group(0)) else "科协"), "title"
    if title and _OLD_RE.search(title):
        return "老科协", "title"
    return DEFAULT_ISSUER_KIND, "inferred"
