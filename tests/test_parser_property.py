"""Property: arbitrary text never crashes the parser; it either parses or raises InputFileError."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compare.ingest.departments import extract_departments
from compare.core.errors import InputFileError
from compare.ingest.load import ParsedDocument, parse_text
from compare.ingest.targets import extract_targets

# pieces that exercise the rules: markers, titles, notes, masks, numbers, cruft, HTML, punctuation
PIECES = [
    "一、", "（一）", "(二)", "1.", "2、", "10．", "（3）", "一是", "十是", "——", "●", "\n", "\n\n", "\r\n", " ",
    "河南省科协2019年工作要点", "省科协2024年重点工作", "2019年", "2024 年", "豫科协办发〔2024〕9号", "2019年3月12日",
    "（责任部门：", "(责任部门:", "）", ")", "、", "，", "。", "；", "：", "“", "”", "《", "》", "［", "］",
    "******", "＊＊", "█", "不少于", "200", "万人次", "3-5家", "1/3以上", "第33届", "“1-9-6-1”", "3+1",
    "来源：", "所在位置：", "首页 | ", "copyright", "ICP备", "<p>", "</p>", "<html>", "&amp;", "<!--", "<script>",
    "龙江", "黑龙江省", "中国科协", "学会", "科普", "開展", "協會", "\x00", "\ufeff", "\u3000", "１２",
    # real-world layouts and issuers (issue 9): tables, inline runs, chunks, notices, places, glosses
    "序号", "\t", "工作任务", "责任部门", "1、", "发布机构：", "县科协", "长治市", "临西县", "中国科协党组",
    "各省、自治区、直辖市科协：", "本报讯", "联系人：", "关于印发《", "》的通知", "实施方案（2021—2025年）",
    "学(xué)", "????", "第1页 / 共5页", "纲要办发〔2018〕3号", "科协发智字〔 2021 30",
]

MARKERS = ["一、", "二、", "（一）", "（二）", "1.", "2.", "2.", "3、", "一是", "二是", "——", "（1）"]
# plan-shaped text: a title with a year, then marker lines with arbitrary content
plans = st.tuples(
    st.sampled_from(["河南省科协2019年工作要点", "湖北省科协2020年重点工作", "2019年全省科协系统深化改革要以龙江为例。"]),
    st.lists(st.tuples(st.sampled_from(MARKERS), st.text(max_size=40)), min_size=1, max_size=15),
).map(lambda t: t[0] + "\n" + "\n".join(m + body for m, body in t[1]))

texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=60).map("".join),
    plans,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_parse_text_never_crashes(text):
    try:
        docs = parse_text(text, source_file="fuzz.txt")
    except InputFileError as exc:
        assert str(exc).startswith("fuzz.txt: ")
        return
    assert docs and all(isinstance(d, ParsedDocument) for d in docs)
    for d in docs:
        assert 1990 <= d.year <= 2099 and d.level in ("全国", "省级", "市级", "县级")
        assert d.items or not d.provenance.get("title") == "inferred"  # 0 items: a titled, truncated copy
        ids = [it["item_id"] for it in d.items]
        assert len(set(ids)) == len(ids)
        assert all(isinstance(it["departments"], list) for it in d.items)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_targets_and_departments_never_crash(text):
    for t in extract_targets(text):
        assert t.value >= 0 and t.unit and t.phrase
    cleaned, deps = extract_departments(text)
    assert isinstance(cleaned, str) and all(deps)
