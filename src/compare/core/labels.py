"""Chinese names of the tables and their columns, for the Excel workbook, the `--lang zh` CSV copies,
slides and Word tables. Every column of every table in :mod:`compare.core.schema` has one (a test
checks), as have the columns of the comparison frames drawn by the charts.

>>> zh_column("doc_id"), zh_column("score_科普"), zh_column("no_such_column")
('文件编号', '得分：科普', 'no_such_column')
"""
from __future__ import annotations

import pandas as pd

TABLE_LABELS: dict[str, str] = {
    "documents": "文件", "intake": "收录报告", "items": "工作条目", "targets": "量化目标",
    "item_themes": "条目主题", "theme_revisions": "主题变更", "theme_shares": "主题占比", "clusters": "关键词聚类",
    "item_links": "条目跨年关联", "target_series": "目标跨年序列", "item_strength": "条目力度",
    "item_instruments": "政策工具编码表", "instrument_revisions": "政策工具变更",
}

COLUMN_LABELS: dict[str, str] = {
    "doc_id": "文件编号", "province": "省份", "level": "层级", "city": "市县", "year": "年份",
    "doc_type": "文件类型", "title": "标题", "issuer": "发文单位", "department": "发文部门", "issuer_kind": "发文机构类别",
    "issue_number": "文号", "issue_date": "发文日期", "source_file": "源文件", "source_sha256": "源文件 SHA-256",
    "format": "文件格式", "encoding": "编码", "n_items": "条目数", "n_masked": "遮蔽词数", "preamble": "前言",
    "provenance": "元数据来源", "status": "状态", "reason": "原因", "n_documents": "文件数",
    "duplicate_of": "重复于", "warnings": "提示", "item_id": "条目编号", "seq": "序号", "section_no": "部分序号",
    "section_title": "部分标题", "subsection_no": "小节序号", "subsection_title": "小节标题", "marker": "条目标记",
    "heading": "条目标题", "text": "条目全文", "departments": "责任部门", "n_chars": "字数", "phrase": "原文表述",
    "value": "数值", "value_high": "数值上限", "unit": "单位", "qualifier": "限定词", "object": "计数对象",
    "basis": "依据", "theme": "主题", "cluster": "聚类", "runner_up": "次选主题", "runner_up_score": "次选得分",
    "margin": "得分差", "low_confidence": "低置信度", "evidence": "判定依据", "model_version": "模型版本",
    "old_theme": "原主题", "new_theme": "新主题", "old_score": "原得分", "new_score": "新得分",
    "old_model_version": "原模型版本", "new_model_version": "新模型版本", "share_items": "条目占比",
    "share_chars": "字数占比", "top_terms": "高频词", "size": "规模", "year_from": "起始年份", "year_to": "结束年份",
    "doc_from": "起始文件", "doc_to": "结束文件", "item_from": "起始条目", "item_to": "结束条目",
    "similarity": "相似度", "shared_terms": "共同词", "n_years": "年数", "change": "变化", "score": "得分",
    "strength": "力度", "n_strong": "强条目数", "n_moderate": "中等条目数", "n_tentative": "弱条目数",
    "negated": "否定表述", "series": "序列",
    "code": "编码（文件-章节-条目）", "type": "工具类型", "tool": "政策工具", "method": "判定方法",
    "old_type": "原工具类型", "old_tool": "原政策工具", "new_type": "新工具类型", "new_tool": "新政策工具",
    # comparison frames (compare.analysis) drawn by the charts
    "share": "占比", "delta": "变化", "n_targets": "目标条数", "total_value": "数值合计", "group": "分组",
    "term": "词语", "freq": "次数", "freq_target": "本组次数", "freq_reference": "其他组次数", "statistic": "关键性",
    "p_value": "p 值", "log_ratio": "对数比", "rank": "排名", "doc_a": "文件甲", "doc_b": "文件乙",
    "label_a": "名称甲", "label_b": "名称乙", "cosine": "余弦相似度", "kind": "类别", "count": "次数",
    "first_year": "最早年份", "first_province": "最早使用省份", "n_provinces": "省份数",
    "n_provinces_year": "当年省份数", "provinces": "省份", "is_first": "是否最早", "from_year": "起始年份",
    "to_year": "结束年份", "share_of_theme": "占该主题条目", "share_of_instrument": "占该工具条目",
}


#: columns one table names otherwise than the rest: a column name shared by tables of different
#: things (the runner-up of item_themes is a theme, of item_instruments a tool) reads right in each
TABLE_COLUMN_LABELS: dict[str, dict[str, str]] = {
    "item_instruments": {"runner_up": "次选工具", "runner_up_score": "次选工具得分", "score": "工具得分",
                         "evidence": COLUMN_LABELS["evidence"]},
}

#: the reports' headers (compact, as a reader of a table in an HTML report wants them), over COLUMN_LABELS
#: where they differ; compare.presentation.blocks.table uses them, with TABLE_COLUMN_LABELS of the table shown
REPORT_COLUMN_LABELS: dict[str, str] = {
    "doc_id": "文件编号", "province": "省份", "year": "年份", "doc_type": "文件类型", "title": "标题",
    "issuer": "发文单位", "issue_number": "文号", "issue_date": "印发日期", "n_items": "条目数",
    "source_file": "源文件", "item_id": "条目", "heading": "条目标题", "text": "内容", "departments": "责任部门",
    "theme": "主题", "share": "占比", "share_items": "占比（按条目）", "share_chars": "占比（按字数）",
    "delta": "较上一年变化", "group": "省份", "term": "词语", "freq_target": "本省频次",
    "freq_reference": "其他省频次", "statistic": "G²", "p_value": "p 值", "log_ratio": "Log Ratio", "rank": "排名",
    "from_year": "起始年份", "to_year": "对比年份", "change": "变化", "freq": "频次",
    "phrase": "表述", "kind": "类型", "count": "次数", "first_year": "首次使用年份",
    "first_province": "首次使用省份", "n_provinces": "使用省份数", "provinces": "使用省份（年份）",
    "unit": "单位", "n_targets": "目标数", "total_value": "合计", "value": "数值", "value_high": "上限", "qualifier": "限定词",
    "department": "责任部门", "label_a": "文件甲", "label_b": "文件乙", "cosine": "余弦相似度",
    "left": "上文", "keyword": "关键词", "right": "下文", "terms": "特色词（括号内为 G²）",
    "object": "对象", "evidence": "判断依据", "level": "级别", "model_version": "主题模型版本",
    "year_from": "上一份", "item_from": "原条目", "heading_from": "原条目标题", "year_to": "下一份",
    "item_to": "新条目", "heading_to": "新条目标题", "status": "关系", "similarity": "相似度",
    "shared_terms": "共同关键词", "series": "目标（对象、单位）", "n_years": "年数",
    "mean_score": "平均强度（0 试探—1 坚定）", "share_strong": "坚定", "share_moderate": "一般",
    "share_tentative": "试探", "share_none": "无承诺词", "top_strong": "常用坚定词", "top_tentative": "常用试探词",
    "code": COLUMN_LABELS["code"], "type": COLUMN_LABELS["type"], "tool": COLUMN_LABELS["tool"],
    "low_confidence": COLUMN_LABELS["low_confidence"],
    "share_of_theme": COLUMN_LABELS["share_of_theme"], "share_of_instrument": COLUMN_LABELS["share_of_instrument"],
}


def zh_column(name: str, table: str | None = None) -> str:
    """The Chinese header of a column of `table` (score_<theme> columns: 得分：<theme>); the name itself if
    unknown. A column the table names otherwise (TABLE_COLUMN_LABELS) reads as that table says.

    >>> zh_column("runner_up", "item_themes"), zh_column("runner_up", "item_instruments")
    ('次选主题', '次选工具')
    """
    if name in TABLE_COLUMN_LABELS.get(table or "", {}):
        return TABLE_COLUMN_LABELS[table][name]
    if name.startswith("score_"):
        return f"得分：{name[len('score_'):]}"
    return COLUMN_LABELS.get(name, name)


def report_labels(table: str | None = None) -> dict[str, str]:
    """The headers of a report table showing columns of `table` (None: a comparison frame)."""
    return {**REPORT_COLUMN_LABELS, **TABLE_COLUMN_LABELS.get(table or "", {})}


def zh_table(name: str) -> str:
    return TABLE_LABELS.get(name, name)


def with_zh_headers(df: pd.DataFrame, table: str | None = None) -> pd.DataFrame:
    """A copy of df (rows of `table`, or a frame derived from them) with Chinese column headers."""
    return df.rename(columns={c: zh_column(str(c), table) for c in df.columns})
