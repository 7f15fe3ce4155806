"""Small random instances for the engine, and an exhaustive optimum to check it."""

import functools
from dataclasses import replace

from hypothesis import strategies as st

from mentorscheme.scheme.eligibility import is_allowed
from mentorscheme.scheme.recommendations import score
from mentorscheme.scheme.records import (
    MEETING_MODES,
    CandidateRecord,
    MentorRecord,
    Weights,
)

modes = st.frozensets(
    st.sampled_from([*list(MEETING_MODES)[:4], "in_person"]), max_size=3
)
maybe_small = st.none() | st.integers(1, 3)
member = st.integers(1, 12)
mostly_true = st.sampled_from([True, True, True, False])
#: Mentor ids are given by position, out of order; 999 is a mentor since removed.
MENTOR_IDS = [10 + 7 * i for i in range(5)]
mentor_id = st.sampled_from([*MENTOR_IDS, 999])


@st.composite
def _mentor(draw):
    capacity = draw(st.integers(0, 3))
    return MentorRecord(
        id=0,
        member_id=draw(member),
        level_rank=draw(st.sampled_from([0, 1, 2, 2, 3, 3])),
        # Mostly able to mentor, so that instances are interesting.
        registration_current=draw(mostly_true),
        trained=draw(mostly_true),
        workshop_attended=draw(mostly_true),
        listed=draw(mostly_true),
        accepting=draw(mostly_true),
        capacity=capacity,
        active_mentees=draw(st.integers(0, capacity)),
        region_id=draw(maybe_small),
        organisation_id=draw(maybe_small),
        organisation_type_id=draw(maybe_small),
        meeting_modes=draw(modes),
        # Versions of the regulations (1 earlier, 2 current) they are up to date with.
        up_to_date_for=draw(
            st.sampled_from(
                [
                    frozenset(),
                    frozenset({2}),
                    frozenset({2}),
                    frozenset({1, 2}),
                    frozenset({1}),
                ]
            )
        ),
        # Mostly no choice made (every qualification), sometimes one or two.
        qualification_ids=draw(
            st.sampled_from(
                [frozenset(), frozenset(), frozenset({1}), frozenset({1, 2})]
            )
        ),
        in_person_region_ids=draw(st.frozensets(st.integers(1, 3), max_size=1)),
    )


candidate = st.builds(
    CandidateRecord,
    id=st.integers(1, 500),
    member_id=member,
    qualification_uses_mentors=mostly_true,
    min_mentor_rank=st.integers(0, 3),
    region_id=maybe_small,
    organisation_id=maybe_small,
    organisation_type_id=maybe_small,
    line_manager_member_id=st.none() | member,
    meeting_modes=modes,
    has_active_relationship=st.sampled_from([False, False, False, True]),
    mentoring_complete=st.sampled_from([False, False, False, True]),
    portfolio_submitted=st.sampled_from([False, False, False, True]),
    choices=st.lists(mentor_id, max_size=3, unique=True).map(tuple),
    excluded_mentor_ids=st.frozensets(mentor_id, max_size=1),
    qualification_id=st.sampled_from([1, 1, 2, 3]),
    declared_line_manager_member_id=st.none() | st.none() | member,
    # Mostly under the current regulations; some stayed under the earlier ones.
    regulations_id=st.sampled_from([2, 2, 2, 1, None]),
)


def mentor_lists(max_size=5):
    return st.lists(_mentor(), max_size=max_size).map(
        lambda ms: [replace(m, id=10 + 7 * i) for i, m in enumerate(ms)]
    )


def instances(max_candidates=8, max_mentors=5):
    return st.tuples(
        st.lists(candidate, max_size=max_candidates, unique_by=lambda c: c.id),
        mentor_lists(max_mentors),
    )


weight = st.sampled_from([0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 0.33])
weights = st.builds(
    Weights,
    different_org_type=weight,
    same_organisation=weight,
    shared_mode=weight,
    same_region=weight,
    up_to_date=weight,
    load_balance=weight,
    choice_bonus=weight,
    balance_load=st.booleans(),
    honour_choices=st.booleans(),
)


def offered(candidate, mentor):
    return (
        is_allowed(candidate, mentor) and mentor.id not in candidate.excluded_mentor_ids
    )


def brute_force(candidates, mentors, weights):
    """The best (matched count, total score) over every possible allocation.

    Exhaustive over candidates, memoised on the places each mentor has left; the
    place a mentor gives while ``f`` places are free scores as ``free_places=f``.
    """
    value = {
        (i, j, f): score(c, m, weights, free_places=f)[0]
        for i, c in enumerate(candidates)
        for j, m in enumerate(mentors)
        if offered(c, m)
        for f in range(1, m.free_places + 1)
    }

    @functools.cache
    def best(i, left):
        if i == len(candidates):
            return (0, 0.0)
        options = [best(i + 1, left)]
        for j, f in enumerate(left):
            if f and (i, j, f) in value:
                count, total = best(i + 1, left[:j] + (f - 1,) + left[j + 1 :])
                options.append((count + 1, total + value[i, j, f]))
        return max(options)

    return best(0, tuple(m.free_places for m in mentors))


@st.composite
def twin_instances(draw, max_kinds=3, max_copies=6, max_mentors=5):
    """Instances where candidates come in look-alike groups: copies of a few
    candidates under other ids (shuffled, so a group's ids are not adjacent),
    most of them different members. Some copies differ from their kind in one
    detail (organisation, region, ways of meeting, line manager, choices), so
    that near twins, who must not be merged, are common too."""
    plain = st.sampled_from(
        [{}, {"choices": (), "excluded_mentor_ids": frozenset()}] * 2
        + [
            {
                "choices": (),
                "excluded_mentor_ids": frozenset(),
                "line_manager_member_id": None,
            }
        ]
    )
    kinds = draw(
        st.lists(
            st.builds(lambda c, d: replace(c, **d), candidate, plain),
            min_size=1,
            max_size=max_kinds,
        )
    )
    copies = [draw(st.integers(1, max_copies)) for _ in kinds]
    ids = draw(st.permutations(range(1, sum(copies) + 1)))
    details = st.sampled_from(
        [{}, {}, {}]
        + [{"organisation_id": o} for o in (None, 1, 2, 3) for _ in range(2)]
        + [{"region_id": r} for r in (None, 1, 2)]
        + [{"meeting_modes": frozenset({"in_person"})}]
        + [{"line_manager_member_id": lm} for lm in (None, 1, 2)]
        + [{"choices": ()}, {"excluded_mentor_ids": frozenset()}]
    )
    cands = []
    for kind, k in zip(kinds, copies, strict=True):
        for _ in range(k):
            own = draw(st.sampled_from([None, None, None, None, 1, 2]))
            member_id = own if own is not None else 100 + ids[len(cands)]
            cands.append(
                replace(kind, id=ids[len(cands)], member_id=member_id, **draw(details))
            )
    return cands, draw(mentor_lists(max_mentors))
