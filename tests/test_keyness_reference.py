"""Keyness statistics against their published definitions, computed here independently (never by calling
the code under test), on fixed 2×2 tables, to 1e-9; the effect size agrees in sign with the statistic;
small groups are not led by generic words.

References:
- Dunning (1993) / quanteda ``textstat_keyness`` (quanteda.textstats src/keyness.cpp): G² = 2 Σ O ln(O/E)
  over the four cells of the term × corpus table; Pearson's χ² = N (ad − bc)² / (row and column totals);
  "default"/"yates": when |ad − bc| ≥ N/2 and an expected count is below 5, χ² uses (|ad − bc| − N/2)²
  and G² moves every cell 0.5 towards its expected count; "williams" divides by
  q = 1 + (N/(a+b) + N/(c+d) − 1)(N/(a+c) + N/(b+d) − 1) / (6N); the sign is + when a exceeds its
  expected count.
- Rayson & Garside (2000), the UCREL log-likelihood wizard: LL = 2 (a ln(a/E1) + b ln(b/E2)), E1 =
  T (a+b)/(T+R), E2 = R (a+b)/(T+R), where T and R are the two corpus sizes; worked examples: 52 in 50,000
  vs 57 in 75,000 tokens gives +2.65 (Lancaster's CQPweb/llwizard tutorial); Rayson's keep/keeps/keeping/
  kept in two corpora of a million words gives 147, 0, 14, 0 and the lemma KEEP 90 (Corpora list, 2002).
- Hardie (2014), "Log Ratio – an informal introduction" (CQPweb): Log Ratio = log2((a/T) / (b/R)).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compare import analysis as an

TOL = 1e-9


def chi2_sf_1df(x: float) -> float:
    return math.erfc(math.sqrt(x / 2))


def _xlnx_over(o: float, e: float) -> float:
    return 0.0 if o == 0 else o * math.log(o / e)


def ref_g2(a, b, c, d, correction="none"):
    """Dunning's G² of the table [[a, b], [c, d]] (a: term in target), signed, quanteda's corrections."""
    n = a + b + c + d
    r1, r2, c1, c2 = a + b, c + d, a + c, b + d
    e = [r1 * c1 / n, r1 * c2 / n, r2 * c1 / n, r2 * c2 / n]
    o = [a, b, c, d]
    sign = 1.0 if a > e[0] else -1.0
    if correction in ("default", "yates") and abs(a * d - b * c) >= n / 2 and min(e) < 5:
        step = -0.5 if a * d - b * c > 0 else 0.5
        o = [a + step, b - step, c - step, d + step]
    g2 = 2 * sum(_xlnx_over(oi, ei) for oi, ei in zip(o, e))
    if correction == "williams" and a * b * c * d != 0:
        g2 /= 1 + (n / r1 + n / r2 - 1) * (n / c1 + n / c2 - 1) / (6 * n)
    return sign * g2


def ref_chi2(a, b, c, d, correction="none"):
    n = a + b + c + d
    r1, r2, c1, c2 = a + b, c + d, a + c, b + d
    e = [r1 * c1 / n, r1 * c2 / n, r2 * c1 / n, r2 * c2 / n]
    diff = abs(a * d - b * c)
    if correction in ("default", "yates") and diff >= n / 2 and min(e) < 5:
        diff -= n / 2
    chi2 = n * diff**2 / (r1 * r2 * c1 * c2)
    if correction == "williams" and a * b * c * d != 0:
        chi2 /= 1 + (n / r1 + n / r2 - 1) * (n / c1 + n / c2 - 1) / (6 * n)
    return (1.0 if a > e[0] else -1.0) * chi2


def ref_rayson_ll(a, b, t, r):
    """Rayson & Garside's log-likelihood from the word's two frequencies and the corpus sizes t, r."""
    e1, e2 = t * (a + b) / (t + r), r * (a + b) / (t + r)
    ll = 2 * (_xlnx_over(a, e1) + _xlnx_over(b, e2))
    return ll if a / t > b / r else -ll


def ref_log_ratio(a, b, t, r):
    return math.log2((a / t) / (b / r))


# fixed tables (a, b, t, r): the term's count in the target and the reference, and their sizes
TABLES = [
    (10, 2, 100, 200),        # small expected counts: the corrections apply
    (52, 57, 50_000, 75_000),  # the CQPweb tutorial's example
    (348, 99, 1_000_000, 1_000_000),
    (9, 32, 1_000_000, 1_000_000),
    (100, 20, 1000, 2000),    # large counts: the default applies no correction
    (3, 7, 40, 15),           # under-represented in the target
    (1, 1, 3, 5),
    (5, 0, 800, 120),         # absent from the reference
    (0, 6, 300, 90),          # absent from the target
]


def _cells(a, b, t, r):
    return a, b, t - a, r - b


@pytest.mark.parametrize("a,b,t,r", TABLES)
@pytest.mark.parametrize("correction", ["none", "default", "yates", "williams"])
def test_g2_and_chi2_reproduce_quanteda_definitions(a, b, t, r, correction):
    cells = _cells(a, b, t, r)
    g2, p = an.keyness_table(*cells, measure="g2", correction=correction)
    assert abs(float(g2) - ref_g2(*cells, correction)) <= TOL * max(1.0, abs(ref_g2(*cells, correction)))
    assert abs(float(p) - chi2_sf_1df(abs(ref_g2(*cells, correction)))) <= TOL
    chi, p = an.keyness_table(*cells, measure="chi2", correction=correction)
    assert abs(float(chi) - ref_chi2(*cells, correction)) <= TOL * max(1.0, abs(ref_chi2(*cells, correction)))
    assert abs(float(p) - chi2_sf_1df(abs(ref_chi2(*cells, correction)))) <= TOL


def test_yates_applies_at_exactly_half_n_as_quanteda():
    a, b, c, d = 1, 0, 1, 2  # ad − bc = 2 = N/2, expected counts below 5: quanteda corrects to a perfect fit
    assert abs(a * d - b * c) == (a + b + c + d) / 2
    assert float(an.keyness_table(a, b, c, d, measure="g2")[0]) == pytest.approx(ref_g2(a, b, c, d, "default"),
                                                                                abs=TOL)
    assert float(an.keyness_table(a, b, c, d, measure="chi2")[0]) == pytest.approx(
        ref_chi2(a, b, c, d, "default"), abs=TOL)


@pytest.mark.parametrize("a,b,t,r", [tb for tb in TABLES if tb[0] and tb[1]] + [(5, 0, 800, 120), (0, 6, 300, 90)])
def test_rayson_log_likelihood_reproduces_the_wizard(a, b, t, r):
    ll, p = an.keyness_table(*_cells(a, b, t, r), measure="ll")
    assert abs(float(ll) - ref_rayson_ll(a, b, t, r)) <= TOL * max(1.0, abs(ref_rayson_ll(a, b, t, r)))
    assert abs(float(p) - chi2_sf_1df(abs(ref_rayson_ll(a, b, t, r)))) <= TOL


def test_rayson_worked_examples_to_the_published_digits():
    def ll(a, b, t, r):
        return float(an.keyness_table(*_cells(a, b, t, r), measure="ll")[0])

    assert round(ll(52, 57, 50_000, 75_000), 2) == 2.65  # "+ 2.65": more frequent in corpus 1, not significant
    million = 1_000_000
    # Rayson's answer for keep / keeps / keeping / kept and the lemma, rounded to 0 d.p. (signs: over/under)
    assert [round(abs(ll(a, b, million, million))) for a, b in [(348, 99), (15, 14), (9, 32), (21, 25)]] == [
        147, 0, 14, 0]
    assert round(ll(392, 170, million, million)) == 90
    assert ll(348, 99, million, million) > 0 > ll(9, 32, million, million)  # keep overused, keeping underused


@pytest.mark.parametrize("a,b,t,r", [tb for tb in TABLES if tb[0] and tb[1]])
def test_log_ratio_is_hardies_definition(a, b, t, r):
    assert abs(float(an.log_ratio(a, b, t, r)) - ref_log_ratio(a, b, t, r)) <= TOL
    assert float(an.log_ratio(20, 10, 1000, 1000)) == pytest.approx(1.0, abs=TOL)  # twice as frequent: +1


def test_a_term_absent_from_the_reference_has_no_ratio():
    """Henan's 一市一品 3 vs 0 was printed with Log Ratio −0.17 (a zero replaced by 0.5 while Henan's plans
    are several times the size of the reference): a term only the group uses has no finite ratio."""
    t, r = 6000, 900  # the target's plans several times the reference's size
    g2, _ = an.keyness_table(*_cells(3, 0, t, r))
    assert float(g2) > 0
    assert math.isnan(float(an.log_ratio(3, 0, t, r)))
    assert math.isnan(float(an.log_ratio(0, 4, t, r)))


def _two_province_corpus():
    """河南's plans six times the size of 湖北's; 一市一品 3 vs 0; 推选 twice in 河南 only."""
    big = ["发展"] * 3000 + ["一市一品"] * 3 + ["创新"] * 600 + ["推选"] * 2
    small = ["发展"] * 450 + ["创新"] * 90 + ["科普"] * 40
    items = pd.DataFrame({
        "doc_id": ["henan-2019-gzyd", "hubei-2019-gzyd"], "item_id": ["1", "1"], "seq": [1, 2],
        "province": ["河南", "湖北"], "year": pd.Series([2019, 2019], dtype="int64"),
        "doc_type": ["工作要点", "工作要点"], "heading": ["t", "t"], "text": ["t", "t"],
        "departments": [[], []], "n_chars": pd.Series([1, 1], dtype="int64"),
    })
    return an.Corpus.from_frames(items=items, tokens=[big, small])


def test_keyness_rows_never_show_an_effect_against_the_statistic():
    k = an.keyness(_two_province_corpus(), by="province", min_freq=1, max_p=None, top_n=None)
    row = k[(k.group == "河南") & (k.term == "一市一品")].iloc[0]
    assert (row.freq_target, row.freq_reference) == (3, 0) and row.statistic > 0
    assert math.isnan(row.log_ratio)  # shown as 仅本组, never a negative ratio
    finite = k.dropna(subset=["log_ratio"])
    assert (np.sign(finite["log_ratio"]) == np.sign(finite["statistic"])).all()


def test_minimum_frequency_and_significance_keep_generic_words_from_leading():
    """A term a group uses twice, or whose difference is not significant, is not listed by default."""
    k = an.keyness(_two_province_corpus(), by="province", top_n=None)
    assert "推选" not in set(k["term"])  # used twice: below the minimum frequency in the group
    assert (k["freq_target"] >= 3).all() and (k["p_value"] < 0.05).all()
    everything = an.keyness(_two_province_corpus(), by="province", top_n=None, min_freq=1, max_p=None)
    assert len(everything) > len(k) and "推选" in set(everything["term"])


counts = st.integers(min_value=0, max_value=5000)


@settings(max_examples=300, deadline=None)
@given(a=counts, b=counts, c=counts, d=counts,
       measure=st.sampled_from(["g2", "chi2", "ll"]), correction=st.sampled_from(["none", "default"]))
def test_sign_agreement_and_symmetry_over_random_tables(a, b, c, d, measure, correction):
    if measure == "ll":
        correction = "none"
    if min(a + c, b + d) == 0 or a + b == 0:
        return  # an empty corpus side, or a term that occurs nowhere: no table
    stat, p = (float(x) for x in an.keyness_table(a, b, c, d, measure=measure, correction=correction))
    lr = float(an.log_ratio(a, b, a + c, b + d))
    assert 0.0 <= p <= 1.0 and math.isfinite(stat)
    over = a * (b + d) - b * (a + c)  # a/T − b/R, scaled: the direction of the difference
    assert stat * over >= 0  # the statistic points the way the relative frequencies differ
    if over == 0:
        assert stat == 0
    if a and b:
        assert lr * over > 0 or (over == 0 and lr == 0)  # the effect size agrees with the statistic
        assert stat * lr >= 0
    else:
        assert math.isnan(lr)  # absent from one side: no finite ratio (仅本组 / 仅参照组)
    # symmetry: swapping target and reference flips the sign and keeps the size and p-value
    stat_r, p_r = (float(x) for x in an.keyness_table(b, a, d, c, measure=measure, correction=correction))
    assert stat_r == pytest.approx(-stat, rel=1e-12, abs=1e-12) and p_r == pytest.approx(p, rel=1e-12, abs=1e-15)
    if a and b:
        assert float(an.log_ratio(b, a, b + d, a + c)) == pytest.approx(-lr, rel=1e-12, abs=1e-12)
    # the statistic does not depend on which row is called the term (a, b ↔ c, d) apart from its sign
    if c + d > 0:
        stat_t, _ = (float(x) for x in an.keyness_table(c, d, a, b, measure=measure, correction=correction))
        if measure != "ll":
            assert abs(stat_t) == pytest.approx(abs(stat), rel=1e-9, abs=1e-9)


def test_keyness_frame_is_symmetric_between_two_groups():
    k = an.keyness(_two_province_corpus(), by="province", min_freq=1, max_p=None, top_n=None)
    stat, _ = an.keyness_table(*_cells(600, 90, 3605, 580))  # 创新 in 河南 (3605 tokens) vs 湖北 (580)
    row = k[(k.group == "河南") & (k.term == "创新")]
    if not row.empty:
        assert row.statistic.iloc[0] == pytest.approx(float(stat), rel=TOL)
    # a term over-represented in one group is under-represented in the other: listed on one side only
    both = k.groupby("term")["group"].nunique()
    assert (both == 1).all()
    assert isinstance(k, pd.DataFrame)
