"""The vocabularies and defaults every layer shares, each defined here and nowhere else.

* ``DOC_TYPES`` / ``TYPE_CODES``: the document types (documents.doc_type) and the code each has in
  a doc_id (``henan-2024-gzyd``).
* ``LEVELS``: the levels of an issuing association (documents.level); a documents table without
  the column is all ``DEFAULT_LEVEL``.
* ``DEFAULT_DOC_TYPE`` / ``DEFAULT_LEVEL``: what a comparison looks at unless asked otherwise
  (like with like: the general annual plan of provincial associations).
* ``ISSUER_KINDS`` / ``DEFAULT_ISSUER_KINDS``: the kinds of issuing body (documents.issuer_kind) and
  the ones a comparison keeps unless asked (the association itself and its departments);
  ``DEFAULT_ISSUER_KIND``: the kind of a plan whose issuer is not known to be another body.
* ``EVERY``: the words an analyst writes for "every type / every level" (``--doc-type 全部``).
* ``KEY_WORK`` / ``WORK_PLAN``: the two annual plan types a province-year may have both of.
* ``DEPARTMENT_LABELS``: the labels of a responsible-department note (``（责任部门：…）``) and of a
  plan table's department column.
* ``PLAN_TITLE_WORDS``: the words a plan's title ends with (…2024年工作要点, …工作思路); the loader's
  title lines, the plan a notice hands out and a notice about something else all use this one list.
* ``DEFAULT_TOP_N``: rows in a ranking (reports, charts) unless the analyst asks for another number.

Checked by a test: no other module of ``compare`` defines these values a second time.
"""
from __future__ import annotations

__all__ = [
    "DEFAULT_DOC_TYPE",
    "DEFAULT_ISSUER_KIND",
    "DEFAULT_ISSUER_KINDS",
    "DEFAULT_LEVEL",
    "DEFAULT_TOP_N",
    "DEPARTMENT_LABELS",
    "DOC_TYPES",
    "EVERY",
    "ISSUER_KINDS",
    "KEY_WORK",
    "LEVELS",
    "PLAN_TITLE_WORDS",
    "TYPE_CODES",
    "WORK_PLAN",
    "every_or",
]

#: document types (documents.doc_type) and the code each has in doc_id
TYPE_CODES: dict[str, str] = {
    "工作要点": "gzyd",
    "重点工作": "zdgz",
    "学会学术工作要点": "xhxs",
    "科普工作要点": "kpgz",
    "深化改革工作要点": "sggz",
    "规划": "gh",
    "工作计划": "gzjh",
    "实施方案": "ssfa",
    "工作意见": "gzyj",
    "工作方案": "gzfa",
    "活动方案": "hdfa",
    "其他": "qt",
}
DOC_TYPES: tuple[str, ...] = tuple(TYPE_CODES)

#: levels of the issuing association (documents.level), national first
LEVELS: tuple[str, ...] = ("全国", "省级", "市级", "县级")

#: default document type of a comparison (the general annual plan)
DEFAULT_DOC_TYPE = "工作要点"
#: default level of a comparison (a provincial association's own plans); also the level of a
#: document whose table has no level column (tables written before levels were recorded)
DEFAULT_LEVEL = "省级"

#: who issued a plan (documents.issuer_kind): the association, one of its departments, a Party or
#: government office, a retired scientists' association (老科协), anything else
ISSUER_KINDS: tuple[str, ...] = ("科协", "科协部门", "党政机关", "老科协", "其他")
#: the issuing bodies a comparison keeps unless asked: the association and its departments (a
#: department's plan is still left out unless include_departments=True); a 老科协's plan is never
#: counted as the association's
DEFAULT_ISSUER_KINDS: tuple[str, ...] = ("科协", "科协部门")
#: the kind of a plan whose issuer is not known to be another body: the loader only takes plans, and a
#: plan that names no other issuer is the association's
DEFAULT_ISSUER_KIND = ISSUER_KINDS[0]

#: what an analyst writes for "every document type / every level"
EVERY: tuple[str, ...] = ("全部", "all")

#: 重点工作 of a province-year is left out when its 工作要点 is in the same selection
KEY_WORK, WORK_PLAN = "重点工作", "工作要点"

#: labels of a responsible-department note after an item and of a plan table's department column
DEPARTMENT_LABELS: tuple[str, ...] = ("责任部门", "牵头部门", "责任单位", "牵头单位", "配合部门", "配合单位", "参与部门",
                                      "责任处室", "牵头处室")

#: words a plan's title ends with (a longer word before the shorter one it ends with, for readers;
#: a title may end with either); a title may add a bracket after it: …实施方案（2021—2025年）
PLAN_TITLE_WORDS: tuple[str, ...] = (
    "工作要点", "要点", "重点工作", "工作重点", "工作计划", "计划", "规划", "纲要", "实施方案", "方案", "重点任务",
    "任务清单", "目标任务", "工作安排", "安排", "谋划", "工作思路", "打算", "工作意见")

#: rows in a ranking (distinctive terms, slogans, similar documents …) unless asked otherwise
DEFAULT_TOP_N = 15


def every_or(value: str | None) -> str | None:
    """None for "every" (全部 / all, any case and spacing; None), else the value itself.

    >>> every_or("全部"), every_or(" All "), every_or(None), every_or("工作要点")
    (None, None, None, '工作要点')
    """
    return None if value is None or str(value).strip().lower() in EVERY else value
