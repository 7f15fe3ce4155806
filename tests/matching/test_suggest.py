from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from mentorscheme.matching.engine import MentorIndex, suggest
from mentorscheme.scheme.recommendations import score

from .people import CARA, MO, candidate, mentor
from .strategies import instances, offered, weights


def ids(suggestions):
    return [s.mentor_id for s in suggestions]


def test_suggestions_come_best_first_with_reasons():
    best = mentor(1, organisation_type_id=9)
    plain = mentor(2, organisation_type_id=CARA.organisation_type_id)
    result = suggest(CARA, [plain, best])
    assert ids(result) == [1, 2]
    value, reasons = score(CARA, best)
    assert result[0].score == value
    assert result[0].reasons[0].code == "different_org_type"
    assert list(result[0].reasons) == reasons


def test_ties_go_to_the_lower_mentor_id():
    result = suggest(CARA, [mentor(5), mentor(3), mentor(4)], n=2)
    assert ids(result) == [3, 4]


def test_only_the_best_n_are_returned():
    assert len(suggest(CARA, [mentor(i) for i in range(1, 30)], n=10)) == 10
    assert suggest(CARA, [MO], n=0) == []


def test_the_line_manager_and_the_candidate_are_never_suggested():
    managed = replace(CARA, line_manager_member_id=MO.member_id)
    assert suggest(managed, [MO]) == []
    assert suggest(replace(CARA, member_id=MO.member_id), [MO]) == []


def test_mentors_who_declined_or_have_a_pending_request_are_left_out():
    cara = replace(CARA, excluded_mentor_ids=frozenset({1}))
    assert ids(suggest(cara, [mentor(1), mentor(2)])) == [2]


def test_a_full_mentor_is_not_suggested_and_the_reason_says_so():
    full = replace(MO, active_mentees=MO.capacity)
    index = MentorIndex.build([full])
    assert suggest(CARA, index) == []
    assert index.no_suggestion_reason(CARA) == "all_allowed_full"


def test_with_no_mentor_allowed_at_all_the_reason_says_so():
    index = MentorIndex.build([replace(MO, trained=False)])
    assert index.no_suggestion_reason(CARA) == "no_allowed_mentor"
    mentored = replace(CARA, has_active_relationship=True)
    assert index.no_suggestion_reason(mentored) == "already_mentored"
    assert suggest(mentored, [MO]) == []


def test_a_candidate_whose_qualification_uses_no_mentors_gets_none():
    revalidation = candidate(1, qualification_uses_mentors=False)
    assert suggest(revalidation, [MO]) == []
    reason = MentorIndex.build([MO]).no_suggestion_reason(revalidation)
    assert reason == "qualification_without_mentors"


@settings(max_examples=100, deadline=None)
@given(instances(max_candidates=3, max_mentors=8), weights, st.integers(1, 5))
def test_suggestions_are_the_top_allowed_mentors_in_order(instance, w, n):
    cands, mentors = instance
    index = MentorIndex.build(mentors)
    for c in cands:
        result = suggest(c, index, n, w)
        allowed = [m for m in mentors if offered(c, m)]
        expected = sorted(allowed, key=lambda m: (-score(c, m, w)[0], m.id))[:n]
        assert ids(result) == [m.id for m in expected]
        assert [s.score for s in result] == [score(c, m, w)[0] for m in expected]
        if not result:
            code = index.no_suggestion_reason(c)
            assert code in {
                "no_allowed_mentor",
                "all_allowed_full",
                "already_mentored",
                "mentoring_complete",
                "portfolio_submitted",
                "qualification_without_mentors",
            }
