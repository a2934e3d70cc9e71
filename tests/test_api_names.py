"""One dialect for the analyst's API: selections are named in the plural (doc_types, provinces, years,
levels, themes; one value or a list), size limits are called top_n, and every comparison takes a
Corpus first. The old names keep working for a release, with a FutureWarning naming the new name and
the release that removes the old one."""
from __future__ import annotations

import inspect
import warnings

import pandas as pd
import pytest

from compare import analysis
from compare.analysis import Corpus, example_corpus, series, strength, tracking
from compare.core.deprecation import REMOVAL, deprecate_kwarg

#: singular or ad-hoc names that have a plural or `top_n` spelling
OLD_NAMES = {"doc_type": "doc_types", "level": "levels", "year": "years", "theme": "themes",
             "n": "top_n", "max_phrases": "top_n"}
#: a pair of plans is of one type and one level: latest_pair names them in the singular
SINGLE_BY_DEFINITION = {"latest_pair": {"doc_type", "level"}}
#: functions whose first argument is not the corpus: arithmetic on counts, helpers on values, and
#: functions that take a table computed by another function (links, strength scores)
NOT_ON_A_CORPUS = {"keyness_table", "log_ratio", "as_list", "canonical_provinces", "parse_years", "describe",
                   "like_with_like", "documents_view", "example_corpus", "example_frames", "object_overlap",
                   "score_text", "load_lexicon", "strength_profile", "strength_agreement", "continuity_summary",
                   "link_table", "link_scores", "link_items", "item_similarity", "similarity_matrix",
                   "validate_filters"}  # a command's filters, checked against the documents table it reads


def _public_functions():
    names = set(analysis.__all__) | {n for _, public in analysis._lazy_modules() for n in public}
    for name in sorted(names):
        obj = getattr(analysis, name)
        if inspect.isfunction(obj):
            yield name, obj


def test_selection_and_size_parameters_have_one_name():
    wrong = {}
    for name, func in _public_functions():
        params = inspect.signature(func).parameters
        old = {p for p in params if p in OLD_NAMES} - SINGLE_BY_DEFINITION.get(name, set())
        if old:
            wrong[name] = sorted(old)
    assert not wrong, f"old parameter names (use {OLD_NAMES}): {wrong}"


def test_every_comparison_takes_a_corpus_first():
    tables_first = {}
    for name, func in _public_functions():
        if name in NOT_ON_A_CORPUS:
            continue
        first = next(iter(inspect.signature(func).parameters))
        if first != "corpus":
            tables_first[name] = first
    assert not tables_first, f"functions not taking a Corpus first: {tables_first}"


def test_the_deprecation_warning_names_the_new_name_and_the_removal_release():
    @deprecate_kwarg("n", "top_n")
    def ranked(corpus=None, *, top_n=3):
        return top_n

    with pytest.warns(FutureWarning, match=rf"ranked\(\): the keyword n is deprecated and will be removed "
                                           rf"in kexie-compare {REMOVAL}; use top_n"):
        assert ranked(n=5) == 5
    with pytest.raises(TypeError, match="got both n .* and top_n"):
        ranked(n=5, top_n=6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ranked(top_n=7) == 7  # the new name: no warning


@pytest.mark.parametrize("call, old, new", [
    (lambda c, **kw: analysis.theme_shares(c, **kw), {"doc_type": None}, {"doc_types": None}),
    (lambda c, **kw: analysis.theme_share_matrix(c, **kw), {"level": "省级"}, {"levels": "省级"}),
    (lambda c, **kw: analysis.keyness(c, min_freq=1, **kw), {"doc_type": "工作要点"}, {"doc_types": "工作要点"}),
    (lambda c, **kw: analysis.term_changes(c, "河南", **kw), {"doc_type": None}, {"doc_types": None}),
    (lambda c, **kw: analysis.similar_pairs(c, **kw), {"n": 1}, {"top_n": 1}),
    (lambda c, **kw: analysis.shared_phrases(c, min_provinces=1, **kw), {"max_phrases": 2}, {"top_n": 2}),
    (lambda c, **kw: analysis.similarity(c, **kw), {"level": "province"}, {"unit": "province"}),
    (lambda c, **kw: analysis.filter_items(c, **kw), {"province": "豫", "year": 2024}, {"provinces": "豫", "years": 2024}),
    (lambda c, **kw: c.select(**kw).documents, {"doc_type": "工作要点", "theme": "科普"},
     {"doc_types": "工作要点", "themes": "科普"}),
    (lambda c, **kw: c.like_with_like(**kw).documents, {"level": None}, {"levels": None}),
    (lambda c, **kw: analysis.like_with_like(c.documents, **kw), {"doc_type": None}, {"doc_types": None}),
])
def test_old_names_still_work_with_a_warning(call, old, new):
    corpus = example_corpus()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expected = call(corpus, **new)
    with pytest.warns(FutureWarning, match=rf"deprecated and will be removed in kexie-compare {REMOVAL}") as caught:
        got = call(corpus, **old)
    pd.testing.assert_frame_equal(got, expected)
    said = " ".join(str(w.message) for w in caught)
    assert all(f"use {name}" in said or f"use {name}=" in said for name in new), said


def test_tables_first_calls_still_work_with_a_warning():
    c = example_corpus()
    cases = [
        (lambda: tracking.item_links(c), lambda: tracking.item_links(c.documents, c.items)),
        (lambda: tracking.plan_pairs(c), lambda: tracking.plan_pairs(c.documents)),
        (lambda: tracking.latest_pair(c, "河南"), lambda: tracking.latest_pair(c.documents, "河南")),
        (lambda: series.target_series(c), lambda: series.target_series(c.targets, c.documents, c.items)),
        (lambda: strength.item_strength(c), lambda: strength.item_strength(c.items, c.documents)),
        (lambda: analysis.plans_without_items(c), lambda: analysis.plans_without_items(c.documents, c.items)),
    ]
    for new, old in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            expected = new()
        with pytest.warns(FutureWarning, match=r"with tables first is deprecated .* use \w+\(corpus, …\) with a Corpus"):
            got = old()
        if isinstance(expected, pd.DataFrame):
            pd.testing.assert_frame_equal(got, expected)
        else:
            assert got == expected
    assert isinstance(c, Corpus)
