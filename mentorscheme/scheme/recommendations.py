"""Recommendations: how well a mentor suits a candidate, and why. Never blocking.

A score is a sum of a few parts, each with a reason the candidate can read:

* a mentor in a different sort of organisation (organisation type) is recommended;
* a mentor in the same organisation is allowed but flagged (a penalty, a warning);
* each shared way of meeting helps, counted up to two; meeting in person is shared
  only where the mentor meets in person in the candidate's region (their own
  region, or one they list);
* a mentor in the candidate's region helps a little (remote mentoring makes
  distance matter less, so the directory still searches every region);
* a mentor up to date with the regulations the candidate's enrolment is under
  ranks higher (briefed on that version, or on the one before it within its grace
  period): a candidate who stayed under older regulations is best served by a
  mentor who knows those, and a mentor briefed only on newer ones gains nothing;
* a mentor with more free places ranks higher (load balance), the value of a place
  being ``load_balance * min(free places, LOAD_SATURATION) / LOAD_SATURATION``;
* a mentor the candidate ranked gets ``choice_bonus / rank``.

Unknown values (no region, no organisation type) never earn or lose anything.

The scalar form (``score``) and the vector form (``score_vector``) add the parts
in the same order with the same float operations, so they agree to the last bit.
The engine optimises integer *points*: each part times ``POINTS_PER_UNIT``. Weights
have at most four decimals (``records.WEIGHT_DECIMALS``), and ``POINTS_PER_UNIT``
is 10,000 times a multiple of ``LOAD_SATURATION`` and of every choice rank up to
``EXACT_CHOICE_RANKS``, so every part is a whole number of points and the engine
optimises exactly the score it reports (a choice ranked lower than that is
rounded to the nearest point, a millionth of a unit).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Final

import numpy as np

from mentorscheme.scheme.records import (
    MODE_BITS,
    CandidateArrays,
    CandidateRecord,
    MentorArrays,
    MentorRecord,
    Weights,
    bits_to_modes,
    modes_to_bits,
)

LOAD_SATURATION: Final[int] = 4
#: Choices ranked up to this are worth a whole number of points.
EXACT_CHOICE_RANKS: Final[int] = 6
#: 10,000 (four decimals) times lcm(1, ..., 6) = 60, which LOAD_SATURATION divides.
POINTS_PER_UNIT: Final[int] = 10_000 * 60
#: Shared ways of meeting count up to this many.
MAX_SHARED_MODES: Final[int] = 2

POPCOUNT: Final[np.ndarray] = np.array([bin(i).count("1") for i in range(64)])
SHARED: Final[np.ndarray] = np.minimum(POPCOUNT, MAX_SHARED_MODES)
_SHARED: Final[tuple[int, ...]] = tuple(int(x) for x in SHARED)
_DEFAULT_WEIGHTS: Final[Weights] = Weights()

_MODE_WORDS: Final[dict[str, str]] = {
    "email": "email",
    "phone": "phone",
    "teams": "Microsoft Teams",
    "zoom": "Zoom",
    "other": "other ways",
}
_IN_PERSON: Final[int] = MODE_BITS["in_person"]
_ORDINALS: Final[tuple[str, ...]] = ("first", "second", "third", "fourth", "fifth")


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    text: str
    warning: bool = False
    points: float = 0.0


@dataclass(frozen=True, slots=True)
class Scoring:
    """Weights made ready to use: switched-off parts weigh 0, points are integers."""

    weights: Weights
    different_org_type: float
    same_organisation: float
    shared_mode: float
    same_region: float
    up_to_date: float
    load_values: tuple[float, ...]
    choice_bonus: float
    different_org_type_points: int
    same_organisation_points: int
    shared_mode_points: int
    same_region_points: int
    up_to_date_points: int
    load_points: tuple[int, ...]

    def choice_value(self, rank: int) -> float:
        """Bonus for the mentor a candidate ranked ``rank`` (1 = first); 0 if none."""
        return self.choice_bonus / rank if rank > 0 else 0.0

    def choice_points(self, rank: int) -> int:
        return _points(self.choice_value(rank))

    def load_value(self, free: int) -> float:
        return self.load_values[min(max(free, 0), LOAD_SATURATION)]

    @property
    def max_pair_points(self) -> int:
        """An upper bound on the points of the candidate-dependent parts."""
        return (
            self.different_org_type_points
            + MAX_SHARED_MODES * self.shared_mode_points
            + self.same_region_points
            + self.up_to_date_points
            + self.choice_points(1)
        )


def _points(value: float) -> int:
    return round(value * POINTS_PER_UNIT)


@functools.lru_cache(maxsize=32)
def scoring(weights: Weights) -> Scoring:
    w = weights

    def on(switch: bool, value: float) -> float:
        return value if switch else 0.0

    load = on(w.balance_load, w.load_balance)
    load_values = tuple(
        load * free / LOAD_SATURATION for free in range(LOAD_SATURATION + 1)
    )
    different_org_type = on(w.prefer_different_org_type, w.different_org_type)
    same_organisation = on(w.flag_same_organisation, w.same_organisation)
    shared_mode = on(w.prefer_shared_modes, w.shared_mode)
    same_region = on(w.prefer_same_region, w.same_region)
    up_to_date = on(w.prefer_up_to_date, w.up_to_date)
    return Scoring(
        weights=w,
        different_org_type=different_org_type,
        same_organisation=same_organisation,
        shared_mode=shared_mode,
        same_region=same_region,
        up_to_date=up_to_date,
        load_values=load_values,
        choice_bonus=on(w.honour_choices, w.choice_bonus),
        different_org_type_points=_points(different_org_type),
        same_organisation_points=_points(same_organisation),
        shared_mode_points=_points(shared_mode),
        same_region_points=_points(same_region),
        up_to_date_points=_points(up_to_date),
        load_points=tuple(_points(v) for v in load_values),
    )


# --- One pair ------------------------------------------------------------------


def _known_and_equal(a: int | None, b: int | None) -> bool:
    return a is not None and a == b


def _known_and_different(a: int | None, b: int | None) -> bool:
    return a is not None and b is not None and a != b


def meets_in_person_in(mentor: MentorRecord, region_id: int | None) -> bool:
    """Whether the mentor meets in person in this region (their own, or one listed)."""
    return region_id is not None and (
        region_id == mentor.region_id or region_id in mentor.in_person_region_ids
    )


def shared_mode_bits(candidate: CandidateRecord, mentor: MentorRecord) -> int:
    """Ways of meeting both use; in person only where the mentor meets the candidate."""
    bits = modes_to_bits(candidate.meeting_modes) & modes_to_bits(mentor.meeting_modes)
    if not meets_in_person_in(mentor, candidate.region_id):
        bits &= ~_IN_PERSON
    return bits


def is_up_to_date(candidate: CandidateRecord, mentor: MentorRecord) -> bool:
    """Whether the mentor is up to date with the regulations the candidate is under."""
    return up_to_date_with(mentor, candidate.regulations_id)


def up_to_date_with(mentor: MentorRecord, regulations_id: int | None) -> bool:
    """Whether the mentor is up to date with this version (None: no version)."""
    return regulations_id is not None and regulations_id in mentor.up_to_date_for


def _choice_rank(candidate: CandidateRecord, mentor_id: int) -> int:
    try:
        return candidate.choices.index(mentor_id) + 1
    except ValueError:
        return 0


def score(
    candidate: CandidateRecord,
    mentor: MentorRecord,
    weights: Weights | None = None,
    *,
    free_places: int | None = None,
) -> tuple[float, list[Reason]]:
    """How well ``mentor`` suits ``candidate``, with the reasons, best first.

    ``free_places`` overrides the mentor's own count (the engine scores the second
    and third place a mentor gives with the places left at that point).
    """
    s = scoring(weights or _DEFAULT_WEIGHTS)
    free = mentor.free_places if free_places is None else free_places
    different_type = _known_and_different(
        candidate.organisation_type_id, mentor.organisation_type_id
    )
    same_org = _known_and_equal(candidate.organisation_id, mentor.organisation_id)
    shared_bits = shared_mode_bits(candidate, mentor)
    shared = _SHARED[shared_bits]
    same_region = _known_and_equal(candidate.region_id, mentor.region_id)
    up_to_date = is_up_to_date(candidate, mentor)
    rank = _choice_rank(candidate, mentor.id)

    # Same order of float operations as score_vector().
    total = different_type * s.different_org_type
    total = total - same_org * s.same_organisation
    total = total + shared * s.shared_mode
    total = total + same_region * s.same_region
    total = total + up_to_date * s.up_to_date
    total = total + s.load_value(free)
    total = total + s.choice_value(rank)

    w = s.weights
    reasons: list[Reason] = []
    if rank and w.honour_choices:
        reasons.append(
            Reason("choice", _choice_text(rank), points=s.choice_value(rank))
        )
    if different_type and w.prefer_different_org_type:
        reasons.append(
            Reason(
                "different_org_type",
                _types_text(candidate, mentor),
                points=s.different_org_type,
            )
        )
    if shared and w.prefer_shared_modes:
        reasons.append(
            Reason(
                "shared_modes",
                _modes_text(bits_to_modes(shared_bits), candidate.region_name),
                points=shared * s.shared_mode,
            )
        )
    if up_to_date and w.prefer_up_to_date:
        reasons.append(
            Reason("up_to_date", _up_to_date_text(candidate), points=s.up_to_date)
        )
    if same_region and w.prefer_same_region:
        where = f" ({candidate.region_name})" if candidate.region_name else ""
        reasons.append(
            Reason("same_region", f"in your region{where}", points=s.same_region)
        )
    if free > 0 and w.balance_load:
        reasons.append(
            Reason(
                "free_places",
                f"has {free} free place{'s' if free != 1 else ''}",
                points=s.load_value(free),
            )
        )
    if same_org and w.flag_same_organisation:
        reasons.append(
            Reason(
                "same_organisation",
                "works in the same organisation as you",
                warning=True,
                points=-s.same_organisation,
            )
        )
    return total, reasons


def _choice_text(rank: int) -> str:
    if rank <= len(_ORDINALS):
        return f"your {_ORDINALS[rank - 1]} choice"
    return f"your choice number {rank}"


def _join(words: list[str]) -> str:
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]


def _modes_text(codes: list[str], region_name: str = "") -> str:
    ways = [_MODE_WORDS[code] for code in codes if code != "in_person"]
    if "in_person" in codes:
        ways.append(f"in person in {region_name}" if region_name else "in person")
    return f"meets in ways you chose: {_join(ways)}"


def _up_to_date_text(candidate: CandidateRecord) -> str:
    if candidate.regulations_name:
        return f"up to date with your regulations ({candidate.regulations_name})"
    return "up to date with your regulations"


#: The reasons are written to the candidate ("you work in …"); a support officer
#: reviewing an allocation reads them about the candidate. In this order: the
#: phrases first, then any "your" left.
_ABOUT_THE_CANDIDATE = (
    ("you work in ", "the candidate works in "),
    ("ways you chose", "ways the candidate chose"),
    ("the same organisation as you", "the same organisation as the candidate"),
    ("your ", "the candidate’s "),
)


def about_the_candidate(text: str) -> str:
    """A reason's text as someone other than the candidate reads it."""
    for yours, theirs in _ABOUT_THE_CANDIDATE:
        text = text.replace(yours, theirs)
    return text


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _types_text(candidate: CandidateRecord, mentor: MentorRecord) -> str:
    """Both sorts of organisation, by name, when the records carry the names."""
    if not (mentor.organisation_type_name and candidate.organisation_type_name):
        return "works in a different sort of organisation"
    return (
        f"works in {_lower_first(mentor.organisation_type_name)}; "
        f"you work in {_lower_first(candidate.organisation_type_name)}"
    )


# --- Many mentors at once --------------------------------------------------------


def _known_equal(a: np.ndarray | int, b: np.ndarray) -> np.ndarray:
    return (a == b) & (b >= 0)


def _known_different(a: np.ndarray | int, b: np.ndarray) -> np.ndarray:
    return (a != b) & (a >= 0) & (b >= 0)


def _in_id_sets(value: np.ndarray | int, sets: np.ndarray) -> np.ndarray:
    """Per pair, whether a known ``value`` is in the row of ``sets``.

    ``sets`` has one more (last) axis: a row of ids per mentor, padded -1.
    """
    value = np.asarray(value)[..., None]
    return ((sets == value) & (value >= 0)).any(axis=-1)


def _in_person_ok(region: np.ndarray | int, mentor_regions: np.ndarray) -> np.ndarray:
    """Per pair, whether the mentor meets in person in the candidate's region."""
    return _in_id_sets(region, mentor_regions)


def up_to_date_mask(regulations_id: int | None, mentors: MentorArrays) -> np.ndarray:
    """``up_to_date_with()`` for every mentor at once."""
    return _in_id_sets(
        -1 if regulations_id is None else regulations_id, mentors.up_to_date_for
    )


def score_vector(
    candidate: CandidateRecord,
    mentors: MentorArrays,
    weights: Weights | None = None,
    *,
    free_places: np.ndarray | None = None,
) -> np.ndarray:
    """``score()`` for every mentor at once (float64, same values)."""
    s = scoring(weights or _DEFAULT_WEIGHTS)
    free = mentors.free_places if free_places is None else free_places

    def known(value: int | None) -> int:
        return -1 if value is None else value

    different_type = _known_different(
        known(candidate.organisation_type_id), mentors.organisation_type_id
    )
    same_org = _known_equal(known(candidate.organisation_id), mentors.organisation_id)
    bits = modes_to_bits(candidate.meeting_modes) & mentors.modes
    in_region = _in_person_ok(known(candidate.region_id), mentors.in_person_region_ids)
    shared = SHARED[np.where(in_region, bits, bits & ~_IN_PERSON)]
    same_region = _known_equal(known(candidate.region_id), mentors.region_id)
    up_to_date = up_to_date_mask(candidate.regulations_id, mentors)
    choice = np.zeros(len(mentors))
    for rank, mentor_id in enumerate(candidate.choices, start=1):
        choice[(mentors.ids == mentor_id) & (choice == 0)] = s.choice_value(rank)

    total = different_type * s.different_org_type
    total = total - same_org * s.same_organisation
    total = total + shared * s.shared_mode
    total = total + same_region * s.same_region
    total = total + up_to_date * s.up_to_date
    total = total + np.asarray(s.load_values)[np.clip(free, 0, LOAD_SATURATION)]
    total = total + choice
    return total


def pair_points(
    candidates: CandidateArrays,
    candidate_positions: np.ndarray,
    mentors: MentorArrays,
    mentor_positions: np.ndarray,
    s: Scoring,
) -> np.ndarray:
    """Integer points of the candidate-dependent parts, choices left out.

    Positions broadcast against each other. With ``place_points`` (load) and
    ``Scoring.choice_points`` this is the score in points.
    """
    c, m = candidate_positions, mentor_positions
    different_type = _known_different(
        candidates.organisation_type_id[c], mentors.organisation_type_id[m]
    )
    same_org = _known_equal(candidates.organisation_id[c], mentors.organisation_id[m])
    shared = SHARED[shared_mode_bits_vector(candidates, c, mentors, m)]
    same_region = _known_equal(candidates.region_id[c], mentors.region_id[m])
    up_to_date = up_to_date_vector(candidates, c, mentors, m)
    return (
        different_type * s.different_org_type_points
        - same_org * s.same_organisation_points
        + shared * s.shared_mode_points
        + same_region * s.same_region_points
        + up_to_date * s.up_to_date_points
    )


def shared_mode_bits_vector(
    candidates: CandidateArrays,
    candidate_positions: np.ndarray,
    mentors: MentorArrays,
    mentor_positions: np.ndarray,
) -> np.ndarray:
    """``shared_mode_bits`` for many pairs; positions broadcast."""
    c, m = candidate_positions, mentor_positions
    bits = candidates.modes[c] & mentors.modes[m]
    in_region = _in_person_ok(candidates.region_id[c], mentors.in_person_region_ids[m])
    return np.where(in_region, bits, bits & ~_IN_PERSON)


def up_to_date_vector(
    candidates: CandidateArrays,
    candidate_positions: np.ndarray,
    mentors: MentorArrays,
    mentor_positions: np.ndarray,
) -> np.ndarray:
    """``is_up_to_date`` for many pairs; positions broadcast."""
    c, m = candidate_positions, mentor_positions
    return _in_id_sets(candidates.regulations_id[c], mentors.up_to_date_for[m])


def place_points(free: np.ndarray, s: Scoring) -> np.ndarray:
    """Points of the mentor-only part (load) for the place taken with ``free`` left."""
    loads = np.asarray(s.load_points, dtype=np.int64)
    return loads[np.clip(free, 0, LOAD_SATURATION)]
