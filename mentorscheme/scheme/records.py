"""Plain records the scheme's rules and the matching engine work on, and their
column (numpy) form.

They live with the rules (``eligibility``, ``recommendations``) that read them; the
engine, one layer up, imports them from here.

Services load mentors and candidates from the database, turn each row into one of
these frozen records, and hand them to the engine; nothing here knows about Django.
Ids are the database primary keys, so they are non-negative integers; ``-1`` stands
for "none" inside the column arrays.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np

#: Ways of meeting, in the order they are shown, with the words a person reads.
MEETING_MODES: Final[dict[str, str]] = {
    "email": "Email",
    "phone": "Phone",
    "teams": "Microsoft Teams",
    "zoom": "Zoom",
    "in_person": "In person",
    "other": "Other",
}
MODE_BITS: Final[dict[str, int]] = {
    code: 1 << i for i, code in enumerate(MEETING_MODES)
}
ALL_MODES_MASK: Final[int] = (1 << len(MEETING_MODES)) - 1

#: Registration level ranks (a body may define others; only the order matters).
CERTIFICATION: Final[int] = 1
CHARTERSHIP: Final[int] = 2
FELLOWSHIP: Final[int] = 3

NONE: Final[int] = -1

#: Weights are given to at most this many decimal places (0.0001).
WEIGHT_DECIMALS: Final[int] = 4


@dataclass(frozen=True, slots=True)
class MentorRecord:
    """One mentor profile as the rules and the engine see it."""

    id: int
    member_id: int
    level_rank: int
    registration_current: bool
    trained: bool
    workshop_attended: bool
    listed: bool
    accepting: bool
    capacity: int
    active_mentees: int
    region_id: int | None = None
    organisation_id: int | None = None
    organisation_type_id: int | None = None
    meeting_modes: frozenset[str] = frozenset()
    #: Versions of the regulations the mentor is up to date with: briefed on them,
    #: or on the version before one within its grace period.
    up_to_date_for: frozenset[int] = frozenset()
    #: Qualifications the mentor chose to support; empty means every one their
    #: level allows (they have not chosen).
    qualification_ids: frozenset[int] = frozenset()
    #: Regions besides their own where the mentor can meet in person.
    in_person_region_ids: frozenset[int] = frozenset()
    #: Words for the reasons a candidate reads; never used by a rule or a score.
    organisation_type_name: str = ""
    region_name: str = ""

    @property
    def free_places(self) -> int:
        return max(self.capacity - self.active_mentees, 0)


@dataclass(frozen=True, slots=True)
class CandidateRecord:
    """One enrolment of a candidate who may need a mentor.

    ``choices`` are mentor profile ids in the candidate's order of preference.
    ``excluded_mentor_ids`` are mentors never to be offered again (they declined,
    or a request to them is already pending).
    """

    id: int
    member_id: int
    qualification_uses_mentors: bool
    min_mentor_rank: int
    region_id: int | None = None
    organisation_id: int | None = None
    organisation_type_id: int | None = None
    line_manager_member_id: int | None = None
    meeting_modes: frozenset[str] = frozenset()
    has_active_relationship: bool = False
    #: A mentoring of this enrolment was completed: it gets no other mentor.
    mentoring_complete: bool = False
    #: The portfolio is with the assessors (submitted, awaiting the outcome): there
    #: is no mentor to find until they ask for further information.
    portfolio_submitted: bool = False
    choices: tuple[int, ...] = ()
    excluded_mentor_ids: frozenset[int] = field(default_factory=frozenset)
    qualification_id: int | None = None
    #: The line manager the candidate declared, when it differs from the register's.
    declared_line_manager_member_id: int | None = None
    organisation_type_name: str = ""
    region_name: str = ""
    #: The version of the regulations the enrolment is under (None: not known).
    regulations_id: int | None = None
    regulations_name: str = ""


#: The weights of ``Weights`` (its other fields are the switches that turn them on).
WEIGHT_NAMES: Final[tuple[str, ...]] = (
    "different_org_type",
    "same_organisation",
    "shared_mode",
    "same_region",
    "up_to_date",
    "load_balance",
    "choice_bonus",
)


@dataclass(frozen=True, slots=True)
class Weights:
    """How much each recommendation counts; staff can change these.

    A recommendation is shown and counted while its switch is on; its weight says
    how much it counts (0 shows the reason without counting it). Weights may not be
    negative: ``same_organisation`` is a penalty and is subtracted. Weights have at
    most ``WEIGHT_DECIMALS`` decimals: the allocation compares scores exactly at that
    resolution, so a finer weight would be a difference it could not see.
    """

    different_org_type: float = 3.0
    same_organisation: float = 2.0
    shared_mode: float = 1.0
    same_region: float = 0.5
    up_to_date: float = 2.0
    load_balance: float = 1.0
    choice_bonus: float = 5.0
    prefer_different_org_type: bool = True
    flag_same_organisation: bool = True
    prefer_shared_modes: bool = True
    prefer_same_region: bool = True
    prefer_up_to_date: bool = True
    balance_load: bool = True
    honour_choices: bool = True

    def __post_init__(self) -> None:
        for name in WEIGHT_NAMES:
            value = getattr(self, name)
            # NaN fails both comparisons, so it is refused too.
            if not 0.0 <= value <= 1000.0:
                raise ValueError(f"{name} must be between 0 and 1000, not {value!r}")
            if not has_weight_resolution(value):
                raise ValueError(
                    f"{name} may have at most {WEIGHT_DECIMALS} decimal places,"
                    f" not {value!r}"
                )


def has_weight_resolution(value: float) -> bool:
    """Whether ``value`` is a whole number of ``10 ** -WEIGHT_DECIMALS``."""
    scaled = value * 10**WEIGHT_DECIMALS
    return abs(scaled - round(scaled)) <= 1e-6 * max(1.0, abs(scaled))


def modes_to_bits(modes: Iterable[str]) -> int:
    if isinstance(modes, frozenset):
        return _frozen_mode_bits(modes)
    return _mode_bits_of(modes)


@functools.lru_cache(maxsize=256)
def _frozen_mode_bits(modes: frozenset[str]) -> int:
    return _mode_bits_of(modes)


def _mode_bits_of(modes: Iterable[str]) -> int:
    bits = 0
    for mode in modes:
        try:
            bits |= MODE_BITS[mode]
        except KeyError:
            raise ValueError(f"unknown meeting mode {mode!r}") from None
    return bits


def bits_to_modes(bits: int) -> list[str]:
    """Mode codes in display order."""
    return [code for code, bit in MODE_BITS.items() if bits & bit]


def _ints(values: Iterable[int | None], count: int) -> np.ndarray:
    array = np.fromiter(
        (NONE if v is None else v for v in values), dtype=np.int64, count=count
    )
    if count and array.min() < NONE:
        raise ValueError("ids must be non-negative integers")
    return array


def _bools(values: Iterable[bool], count: int) -> np.ndarray:
    return np.fromiter(values, dtype=np.bool_, count=count)


def _id_sets(sets: Sequence[frozenset[int]], first: Sequence[int | None] = ()):
    """Sets of ids as a 2-D array padded with ``NONE``, one row per record.

    ``first`` (optional) puts one more id at the front of each row.
    """
    n = len(sets)
    rows = [
        ([] if not first or first[i] is None else [first[i]]) + sorted(ids)
        for i, ids in enumerate(sets)
    ]
    width = max((len(r) for r in rows), default=0) or 1
    out = np.full((n, width), NONE, dtype=np.int64)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out


def _mode_bits(
    records: Sequence[MentorRecord] | Sequence[CandidateRecord],
) -> np.ndarray:
    cache: dict[frozenset[str], int] = {}
    out = np.empty(len(records), dtype=np.int64)
    for i, record in enumerate(records):
        modes = record.meeting_modes
        bits = cache.get(modes)
        if bits is None:
            bits = cache[modes] = modes_to_bits(modes)
        out[i] = bits
    return out


@dataclass(frozen=True, slots=True, eq=False)
class MentorArrays:
    """Mentors as columns, position ``i`` being ``records[i]``. Built once."""

    ids: np.ndarray
    member_ids: np.ndarray
    level_rank: np.ndarray
    registration_current: np.ndarray
    trained: np.ndarray
    workshop_attended: np.ndarray
    listed: np.ndarray
    accepting: np.ndarray
    capacity: np.ndarray
    active_mentees: np.ndarray
    region_id: np.ndarray
    organisation_id: np.ndarray
    organisation_type_id: np.ndarray
    modes: np.ndarray
    #: Versions each mentor is up to date with (2-D, padded with -1).
    up_to_date_for: np.ndarray
    #: Supported qualification ids per mentor (2-D, padded with -1); a mentor who
    #: has not chosen supports every qualification (``supports_any``).
    qualification_ids: np.ndarray
    supports_any: np.ndarray
    #: Regions where each mentor meets in person: their own first (2-D, padded).
    in_person_region_ids: np.ndarray

    @classmethod
    def from_records(cls, mentors: Sequence[MentorRecord]) -> MentorArrays:
        n = len(mentors)
        arrays = cls(
            ids=_ints((m.id for m in mentors), n),
            member_ids=_ints((m.member_id for m in mentors), n),
            level_rank=_ints((m.level_rank for m in mentors), n),
            registration_current=_bools((m.registration_current for m in mentors), n),
            trained=_bools((m.trained for m in mentors), n),
            workshop_attended=_bools((m.workshop_attended for m in mentors), n),
            listed=_bools((m.listed for m in mentors), n),
            accepting=_bools((m.accepting for m in mentors), n),
            capacity=_ints((m.capacity for m in mentors), n),
            active_mentees=_ints((m.active_mentees for m in mentors), n),
            region_id=_ints((m.region_id for m in mentors), n),
            organisation_id=_ints((m.organisation_id for m in mentors), n),
            organisation_type_id=_ints((m.organisation_type_id for m in mentors), n),
            modes=_mode_bits(mentors),
            up_to_date_for=_id_sets([m.up_to_date_for for m in mentors]),
            qualification_ids=_id_sets([m.qualification_ids for m in mentors]),
            supports_any=_bools((not m.qualification_ids for m in mentors), n),
            in_person_region_ids=_id_sets(
                [m.in_person_region_ids for m in mentors],
                [m.region_id for m in mentors],
            ),
        )
        if n and (arrays.ids.min() < 0 or arrays.member_ids.min() < 0):
            raise ValueError("mentor ids and member ids are required")
        return arrays

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def free_places(self) -> np.ndarray:
        return np.maximum(self.capacity - self.active_mentees, 0)

    def take(self, positions: np.ndarray) -> MentorArrays:
        """The mentors at ``positions``, in that order."""
        return MentorArrays(
            **{name: getattr(self, name)[positions] for name in self.__slots__}
        )


@dataclass(frozen=True, slots=True, eq=False)
class CandidateArrays:
    """Candidates as columns; choices and exclusions stay with the records."""

    ids: np.ndarray
    member_ids: np.ndarray
    qualification_uses_mentors: np.ndarray
    min_mentor_rank: np.ndarray
    region_id: np.ndarray
    organisation_id: np.ndarray
    organisation_type_id: np.ndarray
    line_manager_member_id: np.ndarray
    modes: np.ndarray
    has_active_relationship: np.ndarray
    mentoring_complete: np.ndarray
    portfolio_submitted: np.ndarray
    qualification_id: np.ndarray
    declared_line_manager_member_id: np.ndarray
    regulations_id: np.ndarray

    @classmethod
    def from_records(cls, candidates: Sequence[CandidateRecord]) -> CandidateArrays:
        n = len(candidates)
        arrays = cls(
            ids=_ints((c.id for c in candidates), n),
            member_ids=_ints((c.member_id for c in candidates), n),
            qualification_uses_mentors=_bools(
                (c.qualification_uses_mentors for c in candidates), n
            ),
            min_mentor_rank=_ints((c.min_mentor_rank for c in candidates), n),
            region_id=_ints((c.region_id for c in candidates), n),
            organisation_id=_ints((c.organisation_id for c in candidates), n),
            organisation_type_id=_ints((c.organisation_type_id for c in candidates), n),
            line_manager_member_id=_ints(
                (c.line_manager_member_id for c in candidates), n
            ),
            modes=_mode_bits(candidates),
            has_active_relationship=_bools(
                (c.has_active_relationship for c in candidates), n
            ),
            mentoring_complete=_bools((c.mentoring_complete for c in candidates), n),
            portfolio_submitted=_bools((c.portfolio_submitted for c in candidates), n),
            qualification_id=_ints((c.qualification_id for c in candidates), n),
            declared_line_manager_member_id=_ints(
                (c.declared_line_manager_member_id for c in candidates), n
            ),
            regulations_id=_ints((c.regulations_id for c in candidates), n),
        )
        if n and (arrays.ids.min() < 0 or arrays.member_ids.min() < 0):
            raise ValueError("candidate ids and member ids are required")
        return arrays

    def __len__(self) -> int:
        return len(self.ids)
