"""Property: arbitrary text never crashes the parser; it either parses or raises InputFileError."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compare.core.errors import InputFileError
from compare.ingest.departments import extract_departments
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
    # real-world layouts and issuers: tables, inline runs, chunks, notices, places, glosses
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
        assert d.items or d.provenance.get("title") != "inferred"  # 0 items: a titled, truncated copy
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


# --- the intake paths: any bytes under any name, any metadata.csv, any pair of documents ------

from compare.ingest.dedupe import containment, content_text, find_duplicates, shingles
from compare.ingest.readers import FORMATS, read_raw

NAMES = ["plan.txt", "plan.html", "plan.htm", "plan.docx", "plan.xlsx", "plan.pdf", "plan.doc", "plan.wps", "plan",
         "plan.csv"]
PREFIXES = [b"", b"%PDF-1.4\n", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xef\xbb\xbf", b"\xff\xfe",
            b"<html><body>", b"\x89PNG\r\n\x1a\n"]
raw_bytes = st.one_of(
    st.binary(max_size=400),
    st.tuples(st.sampled_from(PREFIXES), st.binary(max_size=200)).map(lambda t: t[0] + t[1]),
    st.tuples(texts, st.sampled_from(["utf-8", "gb18030", "big5", "utf-16", "utf-16-le"])).map(
        lambda t: t[0].encode(t[1], errors="replace")),
    st.tuples(plans, st.sampled_from(["<p>", "<div>", "<td>"])).map(
        lambda t: ("<html><body>" + "".join(f"{t[1]}{line}" for line in t[0].split("\n")) + "</body></html>").encode()),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_bytes, st.sampled_from(NAMES))
def test_read_raw_never_crashes(data, name):
    try:
        raw = read_raw(data, name)
    except InputFileError as exc:
        assert str(exc).startswith(f"{name}: ") and "\n" not in str(exc)
        return
    assert raw.format in FORMATS and isinstance(raw.text, str) and raw.encoding
    try:
        parse_text(raw.text, source_file=name, fmt=raw.format)
    except InputFileError as exc:
        assert str(exc).startswith(f"{name}: ")


@settings(max_examples=100, deadline=None)
@given(plans)
def test_docx_of_any_plan_text_reads_back_its_lines(text):
    import io

    import docx

    document = docx.Document()
    lines = [line for line in text.split("\n") if line.strip() and line.isprintable()]
    for line in lines:
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    raw = read_raw(buf.getvalue(), "plan.docx")
    assert [line for line in raw.text.split("\n") if line.strip()] == [line for line in lines]


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="file,provinceyardoc_tpelvcitysurxd河南省豫2019工作要点\n\"#,yes是", max_size=200))
def test_metadata_csv_never_crashes(tmp_path_factory, content):
    from compare.core.errors import CompareError
    from compare.ingest.overrides import read_overrides

    d = tmp_path_factory.mktemp("md")
    (d / "metadata.csv").write_text(content, encoding="utf-8")
    try:
        read_overrides(d)
    except CompareError as exc:
        assert str(exc).startswith("metadata.csv")


class _Doc:
    def __init__(self, source_file, items):
        self.source_file, self.format, self.province, self.year, self.doc_type = source_file, "txt", "河南", 2019, "工作要点"
        self.items = [{"text": t} for t in items]
        self.issuer = self.issue_number = self.issue_date = self.city = self.department = None
        self.title, self.preamble, self.provenance = "t", "", {}
        self.level, self.converted = None, False


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(max_size=30), max_size=6), min_size=1, max_size=6), st.randoms())
def test_dedupe_is_independent_of_order_and_symmetric(item_lists, rnd):
    docs = [_Doc(f"f{k}.txt", items) for k, items in enumerate(item_lists)]
    dropped = {docs[d.index].source_file for d in find_duplicates(docs)}
    shuffled = list(docs)
    rnd.shuffle(shuffled)
    assert {shuffled[d.index].source_file for d in find_duplicates(shuffled)} == dropped
    assert len(dropped) < len(docs)
    a, b = (shingles(content_text(d)) for d in docs[:2]) if len(docs) > 1 else (frozenset(), frozenset())
    assert containment(a, b) == containment(b, a)


_VALID: dict = {}


def _valid_file(kind: str) -> bytes:
    """A .docx / .pdf of a seed, made once (tests/test_readers.py's generators)."""
    if kind not in _VALID:
        from test_readers import HUBEI_2019, make_docx, make_pdf, seed_lines

        _VALID[kind] = (make_docx if kind == "docx" else make_pdf)(seed_lines(HUBEI_2019))
    return _VALID[kind]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["docx", "pdf"]), st.randoms(use_true_random=False), st.booleans())
def test_damaged_docx_and_pdf_never_crash(kind, rnd, truncate):
    data = bytearray(_valid_file(kind))
    if truncate:
        data = data[: rnd.randrange(len(data))]
    else:
        for _ in range(rnd.randrange(1, 30)):
            data[rnd.randrange(len(data))] = rnd.randrange(256)
    name = f"damaged.{kind}"
    try:
        raw = read_raw(bytes(data), name)
        parse_text(raw.text, source_file=name, fmt=raw.format)
    except InputFileError as exc:
        assert str(exc).startswith(f"{name}: ") and "\n" not in str(exc)
