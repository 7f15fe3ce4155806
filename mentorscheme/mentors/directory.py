"""The mentor directory: what a candidate (or an officer) may see, ranked.

Ranking every listed mentor for every page view would mean loading thousands of
rows a request, so each process keeps a column index of listed mentors. Every write
to what the index is built from adds a note (a ``DirectoryChange`` row) in the same
transaction: the model signals in ``mentorscheme.mentors.signals`` do it for saves and
deletes, and code that writes around the models calls ``note_change``. Each request
compares the newest notes with those the index has read (one small query on the
notes' primary key); on any difference it reads again just the mentors the new notes
name (or everything, for a change not about one mentor, a newly listed one or a new
day), so a newly listed or paused mentor shows correctly on the next request on
every app server, and a mentor changing every second costs each server one small
read a second, not a rebuild. The index only
orders and filters: every mentor actually shown is loaded live and asked of the
scheme's rules again, and a request re-checks everything under lock anyway.

The small tables the page reads besides the mentors (regions, sorts of organisation,
qualifications, the scheme's weights) are read with the index and kept with it: a
change to any of them adds a note like any other, so a render reads none of them.
"""

import datetime
import random
import threading
from dataclasses import dataclass, field, replace

import numpy as np
from django.core.paginator import Paginator
from django.db.models import Count, Max, Subquery, Sum
from django.utils import timezone

from mentorscheme.matching import engine
from mentorscheme.members.models import OrganisationType, Region
from mentorscheme.mentors import selectors
from mentorscheme.mentors.models import (
    DirectoryChange,
    MeetingMode,
    MentorProfile,
    MentorStatus,
)
from mentorscheme.scheme import eligibility, recommendations
from mentorscheme.scheme.models import Qualification, SchemeSettings
from mentorscheme.scheme.records import (
    MODE_BITS,
    NONE,
    CandidateRecord,
    MentorArrays,
    MentorRecord,
    Weights,
)
from mentorscheme.training import currency

PER_PAGE = 20
SUGGESTIONS = 5


@dataclass(frozen=True)
class Reference:
    """The small tables the directory reads besides the mentors, kept with the index.

    Regions are by id (code, name, whether active); the other lists are in the
    order the filters offer them.
    """

    regions: dict[int, tuple[str, str, bool]]
    organisation_types: tuple[tuple[int, str], ...]
    #: (id, name, whether a candidate may filter by it: active and using mentors)
    qualifications: tuple[tuple[int, str, bool], ...]
    weights: Weights
    #: The versions of the regulations, as "up to date" reads them today.
    regulations: currency.RegulationsTable

    @classmethod
    def read(cls, today=None) -> "Reference":
        return cls(
            regions={
                pk: (code, name, active)
                for pk, code, name, active in Region.objects.values_list(
                    "pk", "code", "name", "is_active"
                )
            },
            organisation_types=tuple(
                OrganisationType.objects.values_list("pk", "name")
            ),
            qualifications=tuple(
                (pk, name, active and uses_mentors)
                for pk, name, active, uses_mentors in Qualification.objects.values_list(
                    "pk", "name", "is_active", "uses_mentors"
                )
            ),
            weights=SchemeSettings.load().weights(),
            regulations=currency.regulations_table(today),
        )

    def region_choices(self) -> list[tuple[int, str]]:
        """Active regions by name, as the filter offers them."""
        active = [(pk, name) for pk, (_, name, on) in self.regions.items() if on]
        return sorted(active, key=lambda choice: (choice[1], choice[0]))

    def qualification_choices(self) -> list[tuple[int, str]]:
        return [(pk, name) for pk, name, usable in self.qualifications if usable]

    def qualification_names(self, ids) -> list[str]:
        return [name for pk, name, _ in self.qualifications if pk in ids]

    def region_name(self, pk: int | None) -> str:
        return self.regions[pk][1] if pk in self.regions else ""

    def organisation_type_name(self, pk: int | None) -> str:
        return next((name for i, name in self.organisation_types if i == pk), "")

    def region_names(self, ids) -> list[str]:
        """The names of these regions, in name order."""
        return sorted(self.regions[pk][1] for pk in ids if pk in self.regions)


_MODE_LABELS = dict(MeetingMode.choices)


@dataclass(frozen=True)
class Card:
    """What the directory shows of a mentor, read live with their record: never
    their contact details."""

    id: int
    member_id: int
    first_name: str
    last_name: str
    job_title: str
    statement: str
    organisation_type: str  # empty when no organisation is recorded
    region: str
    region_code: str
    capacity: int
    meeting_modes: tuple[str, ...]
    meeting_mode_labels: tuple[str, ...]
    in_person_regions: tuple[str, ...]  # the regions they chose, by name
    qualifications: tuple[str, ...]  # the qualifications they chose to support

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def meets_in_person_in(self) -> tuple[str, ...]:
        """Their regions, when they meet in person at all."""
        return (
            self.in_person_regions
            if MeetingMode.IN_PERSON in self.meeting_modes
            else ()
        )

    @classmethod
    def from_row(cls, row: dict, record: MentorRecord, reference: Reference):
        region = reference.regions.get(row["member__region_id"], ("", "", False))
        modes = tuple(row["meeting_modes"])
        return cls(
            id=row["pk"],
            member_id=row["member_id"],
            first_name=row["member__first_name"],
            last_name=row["member__last_name"],
            job_title=row["member__job_title"],
            statement=row["statement"],
            organisation_type=row["member__organisation__organisation_type__name"]
            or "",
            region=region[1],
            region_code=region[0],
            capacity=row["capacity"],
            meeting_modes=modes,
            meeting_mode_labels=tuple(
                _MODE_LABELS[m] for m in modes if m in _MODE_LABELS
            ),
            in_person_regions=tuple(
                reference.region_names(record.in_person_region_ids)
            ),
            qualifications=tuple(
                reference.qualification_names(record.qualification_ids)
            ),
        )


@dataclass
class Entry:
    """One mentor as the directory shows them: never their contact details."""

    card: Card
    record: MentorRecord
    score: float = 0.0
    reasons: list = field(default_factory=list)
    requested: bool = False
    #: Up to date with the candidate's version of the regulations (without a
    #: candidate: the version in force).
    up_to_date: bool = False

    @property
    def warnings(self):
        return [r for r in self.reasons if r.warning]

    @property
    def recommendations(self):
        return [r for r in self.reasons if not r.warning]


#: The columns of a mentor the index reads beyond those of its record.
_TEXT_VALUES = ("member__first_name", "member__last_name", "member__job_title")


#: The mentor rows the index reads, for the day their figures are on: built once a
#: day in each process and filtered for each read (building the subqueries costs
#: more than running them).
_row_queries: dict[datetime.date, object] = {}


def _rows(reference: Reference, today=None, **where) -> list[dict]:
    """The rows of the mentor profiles the ``where`` lookups pick, by id, with their
    links (``selectors.links_from_row``); the names of their region and sort of
    organisation come from the ``reference``."""
    today = today or timezone.localdate()
    rows = _row_queries.get(today)
    if rows is None:
        _row_queries.clear()
        rows = _row_queries[today] = (
            selectors.with_links(selectors.profiles_with_record_fields(today))
            .order_by("pk")
            .values(
                *selectors.RECORD_VALUES_BUT_NAMES,
                *selectors.LINK_VALUES,
                *_TEXT_VALUES,
                "statement",
            )
        )
    rows = list(rows.filter(**where))
    for row in rows:
        row["member__region__name"] = reference.region_name(row["member__region_id"])
        row["member__organisation__organisation_type__name"] = (
            reference.organisation_type_name(
                row["member__organisation__organisation_type_id"]
            )
        )
    return rows


@dataclass(frozen=True)
class _Mentor:
    """One mentor's row in the index: the record and what search and sorting read."""

    record: MentorRecord
    name: tuple  # last name, first name (lower case), id: the order by name
    text: str
    regions: frozenset[int]
    qualifications: frozenset[int]

    @classmethod
    def from_rows(cls, rows, current) -> list["_Mentor"]:
        """``current``: the versions of the regulations each member is up to date
        with."""
        return [cls.from_row(r, current.get(r["member_id"], ())) for r in rows]

    @classmethod
    def from_row(cls, r: dict, up_to_date_for) -> "_Mentor":
        qualifications, regions = selectors.links_from_row(r)
        return cls(
            record=selectors.record_from_row(
                r, qualifications, regions, up_to_date_for
            ),
            name=(
                r["member__last_name"].lower(),
                r["member__first_name"].lower(),
                r["pk"],
            ),
            text=f"{r['member__first_name']} {r['member__last_name']} "
            f"{r['member__job_title']} {r['statement']}".lower(),
            regions=frozenset({r["member__region_id"], *regions}),
            qualifications=qualifications,
        )


def _name_order(mentors) -> np.ndarray:
    order = np.empty(len(mentors), dtype=np.int64)
    ranked = sorted(range(len(mentors)), key=lambda i: mentors[i].name)
    order[ranked] = np.arange(len(mentors))
    return order


@dataclass(frozen=True, eq=False)
class DirectoryIndex:
    mentors: tuple[_Mentor, ...]  # by id
    arrays: MentorArrays
    engine_index: engine.MentorIndex
    name_order: np.ndarray  # position → rank by last name, first name, id
    position_of: dict[int, int]
    version: tuple  # the change notes' version, read before the rows
    notes: frozenset[int]  # the change notes in the window, read before the rows
    reference: Reference

    @classmethod
    def build(cls, version: tuple, today=None, notes=None) -> "DirectoryIndex":
        """Every listed mentor, read afresh (``notes``: the window's, if read)."""
        if notes is None:
            notes = frozenset(pk for pk, _ in _window_notes(version))
        reference = Reference.read(today)
        profiles = MentorProfile.objects.filter(status=MentorStatus.LISTED)
        rows = _rows(reference, today, status=MentorStatus.LISTED)
        current = currency.up_to_date_versions(
            profiles.values("member_id"), reference.regulations
        )
        mentors = tuple(_Mentor.from_rows(rows, current))
        records = [m.record for m in mentors]
        arrays = MentorArrays.from_records(records)
        return cls(
            mentors=mentors,
            arrays=arrays,
            engine_index=engine.MentorIndex.build(records, arrays=arrays),
            name_order=_name_order(mentors),
            position_of={m.record.id: i for i, m in enumerate(mentors)},
            version=version,
            notes=notes,
            reference=reference,
        )

    def patched(
        self, version: tuple, notes: frozenset[int], mentor_ids: set[int], today=None
    ) -> "DirectoryIndex | None":
        """This index with these mentors read afresh (listed or not any more), or
        None when that will not do (a mentor it does not hold: rebuild instead)."""
        if not mentor_ids <= self.position_of.keys():
            return None
        ids = sorted(mentor_ids)
        rows = _rows(self.reference, today, pk__in=ids)
        if len(rows) != len(ids):
            return None  # a mentor profile was deleted
        current = currency.up_to_date_versions(
            [r["member_id"] for r in rows], self.reference.regulations
        )
        fresh = _Mentor.from_rows(rows, current)
        positions = [self.position_of[m.record.id] for m in fresh]
        mentors = list(self.mentors)
        for position, mentor in zip(positions, fresh, strict=True):
            mentors[position] = mentor
        arrays = _with_rows(
            self.arrays, positions, MentorArrays.from_records([m.record for m in fresh])
        )
        renamed = any(
            self.mentors[p].name != m.name
            for p, m in zip(positions, fresh, strict=True)
        )
        records = [m.record for m in mentors]
        return DirectoryIndex(
            mentors=tuple(mentors),
            arrays=arrays,
            engine_index=engine.MentorIndex.build(
                records, arrays=arrays, like=self.engine_index
            ),
            name_order=_name_order(mentors) if renamed else self.name_order,
            position_of=self.position_of,
            version=version,
            notes=notes,
            reference=self.reference,
        )


def _with_rows(arrays: MentorArrays, positions, rows: MentorArrays) -> MentorArrays:
    """A copy of ``arrays`` with ``rows`` written at ``positions`` (2-D columns of
    padded ids widened to fit)."""
    columns = {}
    for name in arrays.__slots__:
        column, new = getattr(arrays, name), getattr(rows, name)
        if column.ndim == 2 and new.shape[1] != column.shape[1]:
            width = max(new.shape[1], column.shape[1])
            column, new = _widened(column, width), _widened(new, width)
        else:
            column = column.copy()
        column[positions] = new
        columns[name] = column
    return MentorArrays(**columns)


def _widened(ids: np.ndarray, width: int) -> np.ndarray:
    out = np.full((ids.shape[0], width), NONE, dtype=ids.dtype)
    out[:, : ids.shape[1]] = ids
    return out


#: How many of the newest change notes are compared. A note whose transaction
#: commits after this many newer ones have committed is missed until the next note.
WINDOW = 1000
#: Notes kept by ``prune_changes`` (well beyond the window).
KEEP = 10 * WINDOW


def note_change(mentor_id: int | None = None) -> None:
    """Tell every app server's index that something it is built from has changed.

    Call it inside the writing transaction; the note becomes visible when it commits.
    """
    DirectoryChange.objects.create(
        mentor_id=mentor_id,
        token=random.randrange(2**31),  # noqa: S311 - not for security
    )


#: The newest ``WINDOW`` change notes (a query, built once: every request runs it).
_window = DirectoryChange.objects.filter(
    pk__gt=Subquery(DirectoryChange.objects.order_by("-pk").values("pk")[:1]) - WINDOW
)


def current_version(today: datetime.date | None = None) -> tuple:
    """The day and a digest of the newest change notes: equal only when no note was
    added (or committed late) since. One query on the notes' primary key."""
    found = _window.aggregate(newest=Max("pk"), count=Count("pk"), tokens=Sum("token"))
    return (
        today or timezone.localdate(),
        found["newest"],
        found["count"],
        found["tokens"],
    )


def prune_changes() -> int:
    """Delete change notes long past the compared window (periodic work)."""
    newest = DirectoryChange.objects.aggregate(newest=Max("pk"))["newest"]
    if newest is None:
        return 0
    deleted, _ = DirectoryChange.objects.filter(pk__lte=newest - KEEP).delete()
    return deleted


_cache: dict[str, DirectoryIndex] = {}
_lock = threading.Lock()


def current_index(version: tuple | None = None) -> DirectoryIndex:
    """This process's index, brought up to date first if anything has changed."""
    version = version or current_version()
    index = _cache.get("index")
    if index is None or index.version != version:
        with _lock:
            index = _cache.get("index")
            if index is None or index.version != version:
                index = _cache["index"] = _refreshed(index, version)
    return index


#: More changed mentors than this at once: the index is built again from scratch.
PATCH_LIMIT = 200


def _window_notes(version: tuple) -> list[tuple[int, int | None]]:
    """The change notes in the window ending at the version's newest: (id, mentor)."""
    newest = version[1]
    if newest is None:
        return []
    return list(
        DirectoryChange.objects.filter(pk__gt=newest - WINDOW).values_list(
            "pk", "mentor_id"
        )
    )


def _refreshed(index: DirectoryIndex | None, version: tuple) -> DirectoryIndex:
    """The index for ``version``: the mentors named by the notes it has not seen are
    read again; anything else (a new day, a change not about one mentor, a mentor it
    does not hold yet) builds it again."""
    today = version[0]
    if index is None or index.version[0] != today:
        return DirectoryIndex.build(version, today)
    notes = _window_notes(version)
    unseen = [mentor_id for pk, mentor_id in notes if pk not in index.notes]
    seen = frozenset(pk for pk, _ in notes)
    if not unseen:  # only notes it has already read
        return replace(index, version=version, notes=seen)
    if None in unseen or len(set(unseen)) > PATCH_LIMIT:
        return DirectoryIndex.build(version, today, seen)
    patched = index.patched(version, seen, set(unseen), today)
    return patched or DirectoryIndex.build(version, today, seen)


def forget_index() -> None:
    """Drop this process's index (tests, and after a shown mentor failed live)."""
    _cache.pop("index", None)


def _filter_mask(
    index: DirectoryIndex,
    mask: np.ndarray,
    filters: dict,
    candidate: CandidateRecord | None = None,
) -> np.ndarray:
    a = index.arrays
    if region := filters.get("region"):
        mask &= np.fromiter(
            (region in m.regions for m in index.mentors), bool, len(mask)
        )
    if org_type := filters.get("organisation_type"):
        mask &= a.organisation_type_id == org_type
    if mode := filters.get("mode"):
        mask &= (a.modes & MODE_BITS[mode]) != 0
    if qualification := filters.get("qualification"):
        mask &= np.fromiter(
            (qualification in m.qualifications for m in index.mentors),
            bool,
            len(mask),
        )
    if filters.get("free_place"):
        mask &= a.free_places > 0
    if filters.get("up_to_date"):
        mask &= recommendations.up_to_date_mask(_regulations_for(index, candidate), a)
    words = (filters.get("q") or "").lower().split()
    if words:
        for position in np.flatnonzero(mask):
            text = index.mentors[position].text
            if not all(word in text for word in words):
                mask[position] = False
    return mask


def _regulations_for(index: DirectoryIndex, candidate: CandidateRecord | None):
    """The version "up to date" means: the candidate's own, else the one in force."""
    if candidate is not None:
        return candidate.regulations_id
    return index.reference.regulations.in_force_id


def _live_mentors(mentor_ids, index: DirectoryIndex) -> list[tuple[MentorRecord, Card]]:
    """Read these mentors now, in order (those still there).

    Plain rows with their links (one query), as the index reads them: no model
    instances for a page that only shows them. Which versions of the regulations a
    mentor is up to date with (a score, never a rule) comes from the index, which
    a briefing acknowledged brings up to date like any other change.
    """
    reference = index.reference
    ids = list(dict.fromkeys(mentor_ids))
    rows = {r["pk"]: r for r in _rows(reference, pk__in=ids)}
    found = []
    for mentor_id in ids:
        row = rows.get(mentor_id)
        if row is None:
            continue
        position = index.position_of.get(mentor_id)
        record = selectors.record_from_row(
            row,
            *selectors.links_from_row(row),
            () if position is None else index.mentors[position].record.up_to_date_for,
        )
        found.append((record, Card.from_row(row, record, reference)))
    return found


def _allowed(candidate, mentors, index: DirectoryIndex) -> list[Entry]:
    """Entries for the mentors the rules allow for this candidate (or, without one,
    who can take someone on), scored and with reasons."""
    entries = []
    regulations_id = _regulations_for(index, candidate)
    for record, card in mentors:
        up_to_date = recommendations.up_to_date_with(record, regulations_id)
        if candidate is None:
            if not eligibility.mentor_failures(record):
                entries.append(Entry(card, record, up_to_date=up_to_date))
            continue
        if eligibility.check(candidate, record):
            continue
        weights = index.reference.weights
        score, reasons = recommendations.score(candidate, record, weights)
        requested = record.id in candidate.excluded_mentor_ids
        entries.append(Entry(card, record, score, reasons, requested, up_to_date))
    return entries


def _live_entries(candidate, mentor_ids, index: DirectoryIndex) -> list[Entry]:
    """Read these mentors now and keep those the rules still allow, in order."""
    return _allowed(candidate, _live_mentors(mentor_ids, index), index)


def search(
    *,
    candidate: CandidateRecord | None,
    filters: dict | None = None,
    page: int | str = 1,
    index: DirectoryIndex | None = None,
):
    """A page of the directory (a Django Page of entries) and the suggestions.

    With a candidate, only mentors the scheme's rules allow for them, best first;
    without one (an officer browsing), every listed mentor who can take someone on,
    by name. Suggestions come from the matching engine, with reasons. ``filters``
    name regions, sorts of organisation and qualifications by id. ``index``: the
    one this request has already brought up to date, if any.
    """
    index = index or current_index()
    weights = index.reference.weights
    if candidate is not None:
        mask = eligibility.allowed_mask(candidate, index.arrays)
    else:
        mask = eligibility.mentor_gate(index.arrays)
    mask = _filter_mask(index, mask.copy(), filters or {}, candidate)
    positions = np.flatnonzero(mask)
    if candidate is not None:
        scores = recommendations.score_vector(candidate, index.arrays, weights)[
            positions
        ]
        order = np.lexsort((index.name_order[positions], -scores))
    else:
        order = np.argsort(index.name_order[positions], kind="stable")
    ordered_ids = index.arrays.ids[positions[order]].tolist()
    result = Paginator(ordered_ids, PER_PAGE).get_page(page)
    shown = list(result.object_list)
    suggested = []
    if candidate is not None and not any((filters or {}).values()):
        suggested = [
            s.mentor_id
            for s in engine.suggest(
                candidate, index.engine_index, n=SUGGESTIONS, weights=weights
            )
        ]
    # One live read for the page and the suggestions together.
    live = {
        entry.card.id: entry
        for entry in _live_entries(candidate, [*shown, *suggested], index)
    }
    result.object_list = [live[i] for i in shown if i in live]
    if len(result.object_list) < len(shown):
        forget_index()  # someone changed since the index was built
    return result, [live[i] for i in suggested if i in live]


def suggestions_for(candidates: list[CandidateRecord]) -> dict[int, list[Entry]]:
    """The engine's suggested mentors for each of these candidates, by candidate id:
    one index and one live read for them all, however many there are."""
    index = current_index()
    weights = index.reference.weights
    suggested = {
        c.id: [
            s.mentor_id
            for s in engine.suggest(
                c, index.engine_index, n=SUGGESTIONS, weights=weights
            )
        ]
        for c in candidates
    }
    wanted = [i for ids in suggested.values() for i in ids]
    mentors = {r.id: (r, card) for r, card in _live_mentors(wanted, index)}
    return {
        c.id: _allowed(c, [mentors[i] for i in suggested[c.id] if i in mentors], index)
        for c in candidates
    }


def entry_for(*, candidate: CandidateRecord | None, mentor_id: int) -> Entry | None:
    """One mentor's directory entry, if this candidate (or officer) may see them."""
    entries = _live_entries(candidate, [mentor_id], current_index())
    return entries[0] if entries else None
