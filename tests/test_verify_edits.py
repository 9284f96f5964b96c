"""The errors newsdesk must never publish, planted by editing the demo week's sentences.

Each cited sentence is edited one way at a time (a changed number, person, organisation, place,
day or date, weapon or outcome, an added negation, an altered quote word); the checker must
catch at least 95% of each kind and reject at most 5% of the unedited sentences and of
meaning-preserving rewrites. ``benchmarks/verify_edits.py`` prints the full table.
"""

from __future__ import annotations

import pytest

from newsdesk.evaluation.verify_demo import CORPUS, EDIT_TYPES, build_edit_set, evaluate_edits

pytestmark = pytest.mark.skipif(not (CORPUS / "articles.jsonl").is_file(),
                                reason="demo corpus absent")


def test_edits_are_what_they_claim_to_be():
    cases, sources = build_edit_set(per_event=4)
    kinds = {c.kind for c in cases}
    assert set(EDIT_TYPES) <= kinds
    for case in cases:
        if case.kind == "unedited":
            assert case.text == case.original
        else:
            assert case.text != case.original
        number = case.citations[0]
        assert case.original in " ".join(sources[case.event][number - 1].text.split())


@pytest.fixture(scope="module")
def result():
    # A sample of 60 edits per type keeps this test short; the benchmark runs all of them.
    return evaluate_edits(limit_per_type=60)


@pytest.mark.parametrize("kind", EDIT_TYPES)
def test_each_kind_of_edit_is_caught(result, kind):
    assert result.counts.get(kind, 0) >= 20, f"too few {kind} edits to measure"
    misses = [c.text for c, _ in result.misses if c.kind == kind][:5]
    assert result.recall[kind] >= 0.95, misses


def test_unedited_and_reworded_sentences_pass(result):
    assert result.unedited >= 50
    assert result.false_rejection <= 0.05, result.rejections[:5]
    assert result.reworded_rejection <= 0.05, result.rejections[:5]
