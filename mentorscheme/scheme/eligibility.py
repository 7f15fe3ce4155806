"""Who may mentor whom: the hard rules of the scheme, and the only place they live.

The directory, a mentoring request, an acceptance, a bulk allocation and the API all
ask this module, so a rule changes in one place and every door obeys it at once. A
failed rule gives a stable ``code`` (for logs, tests and the API) and a ``reason`` a
candidate can read; ``for_reader`` words it for the mentor or an officer. Nothing here touches Django or the database: callers pass plain
records (``mentorscheme.scheme.records``).

The rules, in the order failures are reported:

1. The mentor currently holds a level of Professional Registration.
2. The candidate's qualification uses mentors, the mentor's level is at least
   the minimum that qualification asks of a mentor, and the mentor chose to support
   it (a mentor who has chosen none supports every qualification their level allows).
3. The mentor completed mentor training and attended a Professional Registration
   workshop.
4. The mentor is listed, accepting, and has a free place.
5. The mentor is not the candidate and not the candidate's line manager, as the
   register records it or as the candidate declared it.
6. The candidate's enrolment has no active mentoring relationship, and no
   completed one: mentoring an enrolment is done once for each portfolio. A
   completion the assessors sent the portfolio back after (further information
   asked) no longer counts: that portfolio is prepared again.
7. The candidate's portfolio is not with the assessors: mentoring supports
   preparing it, so a submitted portfolio has no mentor to find. Once the assessors
   ask for further information it is being prepared again, and a mentor may help.

Each rule exists twice: once for a single pair (``check``), once over numpy columns
for the engine and the directory (``failure_masks``, ``allowed_mask``,
``allowed_pairs``). The two are side by side below and a property test keeps them in
agreement; the engine never writes a rule of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from mentorscheme.scheme.records import (
    CandidateArrays,
    CandidateRecord,
    MentorArrays,
    MentorRecord,
)

#: Failure codes and the words a candidate reads, in reporting order.
RULES: Final[dict[str, str]] = {
    "not_registered": "This mentor does not currently hold Professional Registration.",
    "qualification_without_mentors": "Your qualification does not use mentors.",
    "level_too_low": (
        "This mentor's level of registration is not high enough for your qualification."
    ),
    "qualification_not_supported": (
        "This mentor has not chosen to support candidates for your qualification."
    ),
    "not_trained": "This mentor has not yet completed mentor training.",
    "no_workshop": (
        "This mentor has not yet attended a Professional Registration workshop."
    ),
    "not_listed": "This mentor is not listed in the mentor directory.",
    "paused": "This mentor is not taking on new candidates at the moment.",
    "full": "This mentor has no free place at the moment.",
    "self": "You cannot be your own mentor.",
    "line_manager": "This mentor is your line manager.",
    "already_mentored": "You already have a mentor for this enrolment.",
    "mentoring_complete": "Your mentoring for this enrolment is complete.",
    "portfolio_submitted": (
        "Your portfolio is submitted, and mentoring supports preparing it, so there "
        "is no mentor to find now. If the assessors ask for further information, "
        "you can find a mentor then."
    ),
}

#: The same failures in words for the mentor, who decides on a request.
MENTOR_WORDS: Final[dict[str, str]] = {
    "not_registered": "You do not currently hold Professional Registration.",
    "qualification_without_mentors": "The candidate's qualification does not use "
    "mentors.",
    "level_too_low": (
        "Your level of registration is not high enough for the candidate's "
        "qualification."
    ),
    "qualification_not_supported": (
        "You have not chosen to support candidates for the candidate's qualification."
    ),
    "not_trained": "You have not yet completed mentor training.",
    "no_workshop": "You have not yet attended a Professional Registration workshop.",
    "not_listed": "You are not listed in the mentor directory.",
    "paused": "You are not taking on new candidates at the moment.",
    "full": "You have no free place at the moment.",
    "self": "You cannot be your own mentor.",
    "line_manager": "You are the candidate's line manager.",
    "already_mentored": "The candidate already has a mentor for this enrolment.",
    "mentoring_complete": "The candidate's mentoring for this enrolment is complete.",
    "portfolio_submitted": (
        "The candidate's portfolio is submitted, and mentoring supports preparing "
        "it, so a new mentoring cannot start."
    ),
}

#: And for an officer, who decides for both people (an allocation, a reopening).
OFFICER_WORDS: Final[dict[str, str]] = {
    "not_registered": "The mentor does not currently hold Professional Registration.",
    "qualification_without_mentors": "The candidate's qualification does not use "
    "mentors.",
    "level_too_low": (
        "The mentor's level of registration is not high enough for the candidate's "
        "qualification."
    ),
    "qualification_not_supported": (
        "The mentor has not chosen to support candidates for the candidate's "
        "qualification."
    ),
    "not_trained": "The mentor has not yet completed mentor training.",
    "no_workshop": (
        "The mentor has not yet attended a Professional Registration workshop."
    ),
    "not_listed": "The mentor is not listed in the mentor directory.",
    "paused": "The mentor is not taking on new candidates at the moment.",
    "full": "The mentor has no free place at the moment.",
    "self": "Nobody can be their own mentor.",
    "line_manager": "The mentor is the candidate's line manager.",
    "already_mentored": "The candidate already has a mentor for this enrolment.",
    "mentoring_complete": "The candidate's mentoring for this enrolment is complete.",
    "portfolio_submitted": (
        "The candidate's portfolio is submitted, and mentoring supports preparing "
        "it, so a new mentoring cannot start."
    ),
}

#: Who reads a failure, and the words written for them.
CANDIDATE, MENTOR, OFFICER = "candidate", "mentor", "officer"
WORDS: Final[dict[str, dict[str, str]]] = {
    CANDIDATE: RULES,
    MENTOR: MENTOR_WORDS,
    OFFICER: OFFICER_WORDS,
}

#: Rules that depend on the mentor alone (1, 3 and 4).
MENTOR_CODES: Final[tuple[str, ...]] = (
    "not_registered",
    "not_trained",
    "no_workshop",
    "not_listed",
    "paused",
    "full",
)
#: Rules that depend on the candidate alone.
CANDIDATE_CODES: Final[tuple[str, ...]] = (
    "qualification_without_mentors",
    "already_mentored",
    "mentoring_complete",
    "portfolio_submitted",
)


@dataclass(frozen=True, slots=True)
class Failure:
    code: str
    reason: str


def _failures(failing: dict[str, bool]) -> list[Failure]:
    return [Failure(code, reason) for code, reason in RULES.items() if failing[code]]


def for_reader(failures: list[Failure], reader: str) -> list[Failure]:
    """The failures with their reasons in words for ``reader`` (``WORDS``)."""
    words = WORDS[reader]
    return [Failure(f.code, words[f.code]) for f in failures]


# --- One pair ------------------------------------------------------------------


def _mentor_flags(mentor: MentorRecord) -> dict[str, bool]:
    return {
        "not_registered": not (mentor.registration_current and mentor.level_rank > 0),
        "not_trained": not mentor.trained,
        "no_workshop": not mentor.workshop_attended,
        "not_listed": not mentor.listed,
        "paused": not mentor.accepting,
        "full": mentor.active_mentees >= mentor.capacity,
    }


def _candidate_flags(candidate: CandidateRecord) -> dict[str, bool]:
    return {
        "qualification_without_mentors": not candidate.qualification_uses_mentors,
        "already_mentored": candidate.has_active_relationship,
        "mentoring_complete": candidate.mentoring_complete,
        "portfolio_submitted": candidate.portfolio_submitted,
    }


def level_too_low(
    *, mentor_rank: int, uses_mentors: bool, min_mentor_rank: int
) -> bool:
    """Whether a mentor holding ``mentor_rank`` holds a level, but one too low for the
    qualification (rule 2's ``level_too_low``); a mentor holding no level at all is
    reported as not registered only."""
    return uses_mentors and 0 < mentor_rank < min_mentor_rank


def _pair_flags(candidate: CandidateRecord, mentor: MentorRecord) -> dict[str, bool]:
    uses = candidate.qualification_uses_mentors
    return {
        "level_too_low": level_too_low(
            mentor_rank=mentor.level_rank,
            uses_mentors=uses,
            min_mentor_rank=candidate.min_mentor_rank,
        ),
        "qualification_not_supported": uses
        and bool(mentor.qualification_ids)
        and candidate.qualification_id not in mentor.qualification_ids,
        "self": mentor.member_id == candidate.member_id,
        "line_manager": mentor.member_id
        in (
            candidate.line_manager_member_id,
            candidate.declared_line_manager_member_id,
        ),
    }


def mentor_failures(mentor: MentorRecord) -> list[Failure]:
    """The rules a mentor fails whoever the candidate (the "static gate")."""
    flags = dict.fromkeys(RULES, False) | _mentor_flags(mentor)
    return _failures(flags)


def can_take_anyone(mentor: MentorRecord) -> bool:
    return not mentor_failures(mentor)


def candidate_failures(candidate: CandidateRecord) -> list[Failure]:
    """The rules a candidate fails whoever the mentor."""
    flags = dict.fromkeys(RULES, False) | _candidate_flags(candidate)
    return _failures(flags)


def check(candidate: CandidateRecord, mentor: MentorRecord) -> list[Failure]:
    """Every rule this pair breaks, in ``RULES`` order; empty means allowed."""
    flags = (
        _mentor_flags(mentor)
        | _candidate_flags(candidate)
        | _pair_flags(candidate, mentor)
    )
    return _failures(flags)


def is_allowed(candidate: CandidateRecord, mentor: MentorRecord) -> bool:
    return not check(candidate, mentor)


# --- Many mentors at once --------------------------------------------------------


def mentor_gate_masks(mentors: MentorArrays) -> dict[str, np.ndarray]:
    """Per mentor-only rule, which mentors fail it."""
    return {
        "not_registered": ~(mentors.registration_current & (mentors.level_rank > 0)),
        "not_trained": ~mentors.trained,
        "no_workshop": ~mentors.workshop_attended,
        "not_listed": ~mentors.listed,
        "paused": ~mentors.accepting,
        "full": mentors.active_mentees >= mentors.capacity,
    }


def mentor_gate(mentors: MentorArrays, *, count_capacity: bool = True) -> np.ndarray:
    """Mentors who pass rules 1, 3 and 4, i.e. could take someone on.

    With ``count_capacity=False`` a full mentor still passes: callers use it to tell
    "no mentor may mentor you" from "every mentor who may is full".
    """
    masks = mentor_gate_masks(mentors)
    if not count_capacity:
        del masks["full"]
    return ~np.logical_or.reduce(list(masks.values()))


def candidate_gate(candidates: CandidateArrays) -> np.ndarray:
    """Candidates who pass the candidate-only rules (2, first half, 6 and 7)."""
    return (
        candidates.qualification_uses_mentors
        & ~candidates.has_active_relationship
        & ~candidates.mentoring_complete
        & ~candidates.portfolio_submitted
    )


def _pair_masks(
    uses: np.ndarray | bool,
    min_rank: np.ndarray | int,
    member: np.ndarray | int,
    line_managers: tuple[np.ndarray | int, np.ndarray | int],
    qualification: np.ndarray | int,
    level: np.ndarray,
    mentor_member: np.ndarray,
    supported: np.ndarray,
    supports_any: np.ndarray,
) -> dict[str, np.ndarray]:
    """``supported`` has one more (last) axis than the others: a row of ids."""
    q = np.asarray(qualification)[..., None]
    supports = supports_any | ((supported == q) & (q >= 0)).any(axis=-1)
    registered, declared = line_managers
    return {
        "level_too_low": uses & (level > 0) & (level < min_rank),
        "qualification_not_supported": uses & ~supports,
        "self": mentor_member == member,
        # -1 means "no line manager"; member ids are never negative.
        "line_manager": (mentor_member == registered) | (mentor_member == declared),
    }


def _none_is(value: int | None) -> int:
    return -1 if value is None else value


def failure_masks(
    candidate: CandidateRecord, mentors: MentorArrays
) -> dict[str, np.ndarray]:
    """For every rule (in ``RULES`` order), which mentors break it for this pair."""
    shape = mentors.ids.shape
    masks = mentor_gate_masks(mentors)
    masks |= {
        code: np.full(shape, failing)
        for code, failing in _candidate_flags(candidate).items()
    }
    masks |= _pair_masks(
        candidate.qualification_uses_mentors,
        candidate.min_mentor_rank,
        candidate.member_id,
        (
            _none_is(candidate.line_manager_member_id),
            _none_is(candidate.declared_line_manager_member_id),
        ),
        _none_is(candidate.qualification_id),
        mentors.level_rank,
        mentors.member_ids,
        mentors.qualification_ids,
        mentors.supports_any,
    )
    return {code: masks[code] for code in RULES}


def allowed_mask(candidate: CandidateRecord, mentors: MentorArrays) -> np.ndarray:
    """Which mentors may mentor this candidate (all seven rules)."""
    return ~np.logical_or.reduce(list(failure_masks(candidate, mentors).values()))


def pair_rules_pass(
    candidates: CandidateArrays,
    candidate_positions: np.ndarray,
    mentors: MentorArrays,
    mentor_positions: np.ndarray,
) -> np.ndarray:
    """Rules 2 and 5 for many pairs; positions broadcast against each other.

    The candidate-only and mentor-only rules are left out on purpose: the engine
    filters with ``candidate_gate`` and ``mentor_gate`` once, then asks this for the
    pairs. ``allowed_pairs`` is the whole rule.
    """
    c, m = candidate_positions, mentor_positions
    masks = _pair_masks(
        candidates.qualification_uses_mentors[c],
        candidates.min_mentor_rank[c],
        candidates.member_ids[c],
        (
            candidates.line_manager_member_id[c],
            candidates.declared_line_manager_member_id[c],
        ),
        candidates.qualification_id[c],
        mentors.level_rank[m],
        mentors.member_ids[m],
        mentors.qualification_ids[m],
        mentors.supports_any[m],
    )
    uses = candidates.qualification_uses_mentors[c]
    return uses & ~np.logical_or.reduce(list(masks.values()))


def allowed_pairs(
    candidates: CandidateArrays,
    candidate_positions: np.ndarray,
    mentors: MentorArrays,
    mentor_positions: np.ndarray,
) -> np.ndarray:
    """All seven rules for many pairs; positions broadcast against each other."""
    c, m = candidate_positions, mentor_positions
    return (
        candidate_gate(candidates)[c]
        & mentor_gate(mentors)[m]
        & pair_rules_pass(candidates, c, mentors, m)
    )


# --- Listing and applying ----------------------------------------------------------

#: The gates a mentor must pass to be listed at all (rules 1 and 3).
LISTING_CODES: Final[tuple[str, ...]] = ("not_registered", "not_trained", "no_workshop")


def listing_failures(mentor: MentorRecord) -> list[Failure]:
    """Why this mentor may not be listed: no current level, training or workshop."""
    return [f for f in mentor_failures(mentor) if f.code in LISTING_CODES]


def level_may_mentor(
    *, mentor_rank: int, uses_mentors: bool, min_mentor_rank: int
) -> bool:
    """Whether a mentor holding ``mentor_rank`` may support a qualification (rule 2)."""
    return uses_mentors and mentor_rank > 0 and mentor_rank >= min_mentor_rank
