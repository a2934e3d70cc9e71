"""Commitment strength (compare.analysis.strength, data/commitment.toml)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from compare.analysis import Corpus
from compare.analysis import strength as st
from compare.core import io, schema

LABELS = Path(__file__).parent / "fixtures" / "strength_labels.csv"


@pytest.fixture(scope="module")
def scored(processed_dir) -> pd.DataFrame:
    return st.item_strength(Corpus.load(processed_dir))


def test_agreement_with_hand_labels(scored):
    labels = pd.read_csv(LABELS)
    assert len(labels) >= 40 and set(labels["label"]) == {"strong", "moderate", "tentative"}
    res = st.strength_agreement(scored, labels)
    print(f"\nstrength vs hand labels: n={res['n']} accuracy={res['accuracy']:.3f} kappa={res['kappa']:.3f}")
    print(res["confusion"])
    assert res["n"] == len(labels)  # every labelled item exists
    assert res["accuracy"] >= 0.7
    assert res["kappa"] >= 0.5


def test_table_contract_and_evidence(scored, processed_dir):
    items = io.read_table("items", processed_dir)
    assert len(scored) == len(items)
    schema.validate(scored, "item_strength")
    assert set(scored["strength"]) <= {"strong", "moderate", "tentative", "none"}
    assert scored["score"].dropna().between(0, 1).all()
    row = scored[(scored["doc_id"] == "henan-2024-gzyd") & (scored["item_id"] == "四/13")].iloc[0]
    assert "确保" in row["evidence"] and row["strength"] == "strong"  # 确保年内全面建成、全面开放
    row = scored[(scored["doc_id"] == "heilongjiang-2019-sggz") & (scored["item_id"] == "三/11")].iloc[0]
    assert {"探索", "鼓励"} <= set(row["evidence"])
    assert (scored["n_strong"] + scored["n_moderate"] + scored["n_tentative"]
            == scored["evidence"].map(len)).all()


def test_longest_match_ignore_and_negation():
    lex = st.load_lexicon()
    s = st.score_text("坚定不移推进理论学习。", lexicon=lex)
    assert s.evidence == ["坚定不移", "推进"]
    assert st.score_text("推动经济社会可持续发展，依托研究院开展工作。", lexicon=lex).evidence == ["推动"]
    s = st.score_text("不再探索新的模式，不断加强服务。", lexicon=lex)
    assert s.negated == ["探索"] and s.evidence == ["不断", "加强"]
    assert st.score_text("落实全面从严治党责任。", lexicon=lex).evidence == ["落实"]
    none = st.score_text("召开代表大会。", lexicon=lex)
    assert none.strength == "none" and none.score is None


def test_heading_words_weigh_more():
    lex = st.load_lexicon()
    heading = "探索建立人才评价机制"
    text = heading + "。持续做好人才服务。"
    with_heading = st.score_text(text, heading, lexicon=lex)
    without = st.score_text(text, None, lexicon=lex)
    assert with_heading.score < without.score


def test_lexicon_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[strong]\nwords = [\"确保\"\n", encoding="utf-8")
    with pytest.raises(st.LexiconError, match="bad.toml"):
        st.load_lexicon(bad)
    dup = tmp_path / "dup.toml"
    dup.write_text('[strong]\nwords = ["确保"]\n[moderate]\nwords = ["确保"]\n[tentative]\nwords = ["探索"]\n',
                   encoding="utf-8")
    with pytest.raises(st.LexiconError, match="both strong and moderate"):
        st.load_lexicon(dup)
    custom = tmp_path / "custom.toml"
    custom.write_text('[strong]\nwords = ["务必"]\n[moderate]\nwords = ["持续"]\n[tentative]\nwords = ["探索"]\n',
                      encoding="utf-8")
    assert st.score_text("务必办好。", lexicon=st.load_lexicon(custom)).strength == "strong"


def test_profile_by_province_theme_and_year(themed_dir):
    corpus = Corpus.load(themed_dir)
    items, themes = corpus.items, corpus.item_themes
    scored = st.item_strength(corpus)
    by_theme = st.strength_profile(scored, themes, by="theme")
    assert set(by_theme["theme"]) == set(themes["theme"])
    assert by_theme["n_items"].sum() == len(items)
    shares = by_theme[["share_strong", "share_moderate", "share_tentative", "share_none"]].sum(axis=1)
    assert shares.round(9).eq(1).all()
    grid = st.strength_profile(scored, themes, by=("province", "theme"))
    assert {"河南", "湖北", "黑龙江"} <= set(grid["province"])
    by_year = st.strength_profile(scored, by="year")
    assert list(by_year["year"]) == sorted(set(items["year"]))


def test_strength_charts_write_png_and_csv(themed_dir, tmp_path):
    from compare.presentation import tracking_charts as charts

    scored = st.item_strength(Corpus.load(themed_dir))
    themes = io.read_table("item_themes", themed_dir)
    paths = charts.save_chart(charts.strength_profile_chart(st.strength_profile(scored, themes, by="theme")),
                              tmp_path / "strength_theme.png", dpi=60)
    assert [p.suffix for p in paths] == [".png", ".csv"] and all(p.stat().st_size for p in paths)
    csv = pd.read_csv(paths[1], encoding="utf-8-sig")
    assert set(csv["theme"]) == set(themes["theme"])
    fig = charts.strength_heatmap(st.strength_profile(scored, themes, by=("province", "theme")))
    charts.save_chart(fig, tmp_path / "heat.svg")
    assert (tmp_path / "heat.csv").is_file()
