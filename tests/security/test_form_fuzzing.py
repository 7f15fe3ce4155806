"""Hypothesis throws arbitrary input at every form of the site.

For each form, posted by someone allowed to use it:
- the site never answers 5xx (an exception fails the example, with its traceback);
- what it writes keeps the database's constraints, checked before the example is
  rolled back (foreign keys are deferred, so a bad one would otherwise only fail at
  commit, as a 500 in production);
- when the answer is 4xx, or the form itself says the input is invalid, nothing was
  saved: no row added or removed in any of our tables, and the objects the form works
  on are unchanged.

Each example runs in a savepoint that is rolled back, so examples do not add up, and
each starts from the state taken once before the first.

Every run tries 10 new examples per form and per list. With CI set the examples are
derandomized (the same every run), so CI tries 25 and they reach the forms' rarer
checks; 10 fixed examples miss a few. FUZZ_EXAMPLES sets the number, e.g.
FUZZ_EXAMPLES=500 for a deep search.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django import forms as django_forms
from django.apps import apps
from django.db import connection, transaction
from django.forms.models import model_to_dict
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorscheme.contact.forms import FeedbackForm, FeedbackTriageForm
from mentorscheme.guidance.forms import GuidancePageForm
from mentorscheme.members.models import Region
from mentorscheme.mentoring import forms as mforms
from mentorscheme.mentors.forms import (
    EvidenceReviewForm,
    MentorApplicationForm,
    MentorProfileForm,
    ReviewForm,
)
from mentorscheme.mentors.models import EvidenceStatus, MentorStatus
from mentorscheme.training.forms import BriefingForm, EventForm
from tests import factories as f
from tests import personas
from tests.personas import login, mentor
from tests.security.world import World, build_world

CI = bool(os.environ.get("CI"))
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25" if CI else "10"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    # CI checks the same examples every run; elsewhere each run explores new ones.
    derandomize=CI,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Values that have broken web forms before: empty and blank, NUL, numbers too big for
# a database column, Unicode "digits" int() refuses, impossible dates, markup, long text.
NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "0",
    "-1",
    "1e9",
    "9" * 25,
    "-" + "9" * 25,
    "²",
    "١٢",
    "NaN",
    "2026-02-30",
    "0001-01-01",
    "9999-12-31",
    "2099-01-01T10:00",
    "0001-01-01T00:00",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "'; DROP TABLE members_member; --",
    "x" * 6000,
    "\u202e\u0301\ufeff",
]
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


@dataclass
class FuzzWorld(World):
    ivy: object = None  # interested in mentoring, not yet applied, not enrolled
    dora: object = None  # a listed mentor Alice has not asked


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup, django_db_blocker) -> FuzzWorld:
    """Built once for this module's tests, in a transaction rolled back after the
    last of them: no test keeps a change (each test's own changes are rolled back at
    its end, each example's at the example's end)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _fuzz_world()
        transaction.set_rollback(True)


def _fuzz_world() -> FuzzWorld:
    world = build_world(
        personas.alice(),
        personas.bob(),
        personas.olivia(),
        personas.oscar(),
        personas.with_totp(personas.sam()),
    )
    ivy = f.MemberFactory(first_name="Ivy", last_name="Ives", email="ivy@example.org")
    f.award(ivy, "chartership")
    f.with_account(ivy)
    f.mentor_profile(
        ivy, status=MentorStatus.INTERESTED, trained_on=None, workshop_attended_on=None
    )
    dora = mentor(first_name="Dora", last_name="Davies", level="fellowship")
    world.review_profile.external_training = "A coaching course, 2022"
    world.review_profile.external_training_status = EvidenceStatus.PENDING
    world.review_profile.save()
    return FuzzWorld(**vars(world), ivy=ivy, dora=dora)


def _rank(code: str) -> int:
    return f.level(code).rank


@dataclass
class Target:
    """A form, where it is posted, by whom, and how to ask it whether data is valid."""

    name: str
    role: str
    url: Callable[[FuzzWorld], str]
    form: Callable[[FuzzWorld, QueryDict], django_forms.Form] | None
    extra: dict[str, st.SearchStrategy] = field(default_factory=dict)
    # For forms posted to one URL with an "action": which form validates which action.
    by_action: dict[str, Callable] | None = None
    # Views written `Form(request.POST or None)` treat an empty POST as no submission.
    empty_is_unbound: bool = False


def _london(world):
    return Region.objects.filter(pk=world.event.region_id)


TARGETS = [
    Target(
        "contact",
        "anonymous",
        lambda w: "/contact/",
        lambda w, d: FeedbackForm(d),
        empty_is_unbound=True,
    ),
    Target(
        "apply to mentor",
        "ivy",
        lambda w: "/mentors/apply/",
        lambda w, d: MentorApplicationForm(
            d, level_rank=_rank("chartership"), submitting="submit" in d
        ),
        extra={
            "submit": st.sampled_from(["1", ""]),
            "draft": st.sampled_from(["1", ""]),
        },
        empty_is_unbound=True,
    ),
    Target(
        "mentor profile",
        "mentor",
        lambda w: "/mentors/profile/",
        lambda w, d: MentorProfileForm(
            d, level_rank=_rank("chartership"), submitting=True
        ),
        empty_is_unbound=True,
    ),
    Target(
        "enrol",
        "ivy",
        lambda w: "/mentoring/enrol/",
        lambda w, d: mforms.EnrolForm(d),
        empty_is_unbound=True,
    ),
    Target(
        "request a mentor",
        "candidate",
        lambda w: f"/mentoring/directory/{w.dora.mentor_profile.pk}/",
        lambda w, d: mforms.RequestForm(d),
        empty_is_unbound=True,
    ),
    Target(
        "accept a request",
        "mentor",
        lambda w: f"/mentoring/requests/{w.request.pk}/accept/",
        None,
        extra={"not_line_manager": st.sampled_from(["yes", "no", ""])},
    ),
    Target(
        "decline a request",
        "mentor",
        lambda w: f"/mentoring/requests/{w.request.pk}/decline/",
        lambda w, d: mforms.DeclineForm(d),
        extra={"confirmed": st.sampled_from(["yes", "no"])},
    ),
    Target(
        "ask the candidate for more",
        "mentor",
        lambda w: f"/mentoring/requests/{w.request.pk}/ask/",
        lambda w, d: mforms.AskMoreForm(d),
    ),
    Target(
        "reply to the mentor",
        "candidate",
        lambda w: f"/mentoring/requests/{w.request.pk}/reply/",
        lambda w, d: mforms.ReplyForm(d),
    ),
    Target(
        "withdraw a request",
        "candidate",
        lambda w: f"/mentoring/requests/{w.request.pk}/withdraw/",
        None,
        extra={"confirmed": st.sampled_from(["yes", "no"])},
    ),
    Target(
        "agreement",
        "mentee",
        lambda w: f"/mentoring/relationships/{w.relationship.pk}/agreement/",
        lambda w, d: mforms.AgreementForm(d),
        empty_is_unbound=True,
    ),
    Target(
        "meeting",
        "mentor",
        lambda w: f"/mentoring/relationships/{w.relationship.pk}/meetings/new/",
        lambda w, d: mforms.MeetingForm(d),
        empty_is_unbound=True,
    ),
    Target(
        "end early",
        "mentee",
        lambda w: f"/mentoring/relationships/{w.relationship.pk}/end/",
        lambda w, d: mforms.EndForm(d),
    ),
    Target(
        "open the notes",
        "officer",
        lambda w: f"/mentoring/relationships/{w.relationship.pk}/open-notes/",
        lambda w, d: mforms.NotesAccessForm(d),
    ),
    Target(
        "ask for help",
        "mentee",  # Alice has already asked
        lambda w: "/mentoring/help/",
        lambda w, d: mforms.HelpForm(d),
    ),
    Target(
        "review an application",
        "officer",
        lambda w: f"/mentors/review/{w.review_profile.pk}/",
        lambda w, d: ReviewForm(d),
    ),
    Target(
        "review training evidence",
        "officer",
        lambda w: f"/mentors/review/{w.review_profile.pk}/evidence/",
        lambda w, d: EvidenceReviewForm(d),
    ),
    Target(
        "create an event",
        "officer",
        lambda w: "/training/manage/new/",
        lambda w, d: EventForm(d, regions=_london(w)),
        empty_is_unbound=True,
    ),
    Target(
        "edit an event",
        "officer",
        lambda w: f"/training/manage/{w.event.pk}/",
        lambda w, d: EventForm(d, regions=_london(w)),
        empty_is_unbound=True,
    ),
    Target(
        "record attendance",
        "officer",
        lambda w: f"/training/manage/{w.event.pk}/attendance/{w.booking.pk}/",
        None,
        extra={"attended": st.sampled_from(["yes", "no", ""]) | TEXT},
    ),
    Target(
        "mark a briefing watched",
        "mentor",
        lambda w: "/mentors/briefings/watched/",
        None,
        extra={"regulations": st.sampled_from(NASTY) | TEXT},
    ),
    Target(
        "pause or resume",
        "mentor",
        lambda w: "/mentors/accepting/",
        None,
        extra={"accepting": st.sampled_from(["yes", "no"]) | TEXT},
    ),
    Target(
        "change an allocation",
        "officer",
        lambda w: f"/oversight/allocations/{w.allocation_run.pk}/pair/",
        None,
        extra={
            "candidate": st.sampled_from(NASTY) | TEXT,
            "action": st.sampled_from(["remove", "restore"]),
            "page": st.sampled_from(NASTY),
        },
    ),
    Target(
        "resolve a help flag",
        "officer",
        lambda w: f"/oversight/help/{w.help_flag.pk}/resolve/",
        None,
        extra={"region": st.sampled_from(NASTY) | TEXT},
    ),
    Target(
        "publish a briefing",
        "staff",
        lambda w: "/training/briefings/new/",
        lambda w, d: BriefingForm(d),
        empty_is_unbound=True,
    ),
    Target(
        "edit guidance",
        "staff",
        lambda w: f"/guidance/{w.guidance_page.slug}/edit/",
        lambda w, d: GuidancePageForm(d, instance=w.guidance_page),
        empty_is_unbound=True,
    ),
    Target(
        "triage feedback",
        "staff",
        lambda w: f"/contact/triage/{w.feedback.pk}/",
        lambda w, d: FeedbackTriageForm(d),
        empty_is_unbound=True,
    ),
]


# -- input -------------------------------------------------------------------------------


def valid_values(form_field) -> st.SearchStrategy:
    """Values the field could accept, so some examples get past validation."""
    if isinstance(form_field, django_forms.ModelMultipleChoiceField):
        pks = [str(pk) for pk in form_field.queryset.values_list("pk", flat=True)]
        return st.lists(st.sampled_from(pks), max_size=3) if pks else st.just([])
    if isinstance(form_field, django_forms.ModelChoiceField):
        pks = [str(pk) for pk in form_field.queryset.values_list("pk", flat=True)]
        return st.sampled_from(pks or [""])
    if isinstance(form_field, django_forms.MultipleChoiceField):
        values = [str(v) for v, _ in form_field.choices if v != ""]
        return st.lists(st.sampled_from(values), min_size=1, max_size=3, unique=True)
    if isinstance(form_field, django_forms.ChoiceField):
        return st.sampled_from([str(v) for v, _ in form_field.choices if v != ""])
    if isinstance(form_field, django_forms.BooleanField):
        return st.sampled_from(["on", ""])
    if isinstance(form_field, django_forms.IntegerField):
        low = form_field.min_value if form_field.min_value is not None else -5
        high = form_field.max_value if form_field.max_value is not None else 1000
        return st.integers(low - 2, high + 2).map(str)
    if isinstance(form_field, django_forms.DateTimeField):
        return st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M"))
    if isinstance(form_field, django_forms.DateField):
        return st.dates().map(lambda d: d.isoformat())
    if isinstance(form_field, django_forms.URLField):
        return st.sampled_from(["https://example.org/watch", "example.org", "ftp://x"])
    if isinstance(form_field, django_forms.EmailField):
        return st.sampled_from(["ann@example.org", "not-an-email", "a@b"])
    return st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=80)


def field_values(form_field, mostly_valid: bool) -> st.SearchStrategy:
    valid = valid_values(form_field)
    wild = st.sampled_from(NASTY) | TEXT | st.lists(st.sampled_from(NASTY), max_size=3)
    if mostly_valid:
        return st.integers(0, 9).flatmap(lambda n: wild if n == 0 else valid)
    return valid | wild


@st.composite
def post_data(draw, target: Target, world: FuzzWorld) -> dict:
    data = {}
    for name, strategy in target.extra.items():
        if draw(st.booleans()) or name == "action":
            data[name] = draw(strategy)
    form = _oracle(target, world, data)
    fields = form.fields if form is not None else {}
    mostly_valid = draw(st.booleans())
    for name, form_field in fields.items():
        if draw(st.integers(0, 9)) > 0:  # now and then a field is missing altogether
            data[name] = draw(field_values(form_field, mostly_valid))
    if draw(st.integers(0, 9)) == 0:
        data[draw(TEXT)] = draw(st.sampled_from(NASTY))
    return data


def as_query_dict(data: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return query


def _oracle(target: Target, world, data) -> django_forms.Form | None:
    build = target.form
    if target.by_action is not None:
        build = target.by_action.get(data.get("action"))
    return build(world, as_query_dict(data)) if build else None


def says_invalid(target: Target, world, data) -> bool:
    """Whether the form itself refuses this input (so nothing may be saved)."""
    if target.by_action is not None and data.get("action") not in target.by_action:
        return True  # an unknown action does nothing
    if not data and target.empty_is_unbound:
        return True
    form = _oracle(target, world, data)
    return form is not None and not form.is_valid()


# -- what is saved -----------------------------------------------------------------------


def _count_rows_sql() -> tuple[list[str], str]:
    """One query counting the rows of every table of ours (a query per table is slow)."""
    models = [m for m in apps.get_models() if m.__module__.startswith("mentorscheme.")]
    quote = connection.ops.quote_name
    counts = ", ".join(
        f"(SELECT COUNT(*) FROM {quote(m._meta.db_table)})"  # noqa: S608 - our tables
        for m in models
    )
    return [m._meta.label for m in models], f"SELECT {counts}"


def snapshot(world) -> dict:
    labels, sql = _count_rows_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        state = dict(zip(labels, cursor.fetchone(), strict=True))
    for name in (
        "review_profile",
        "mentor_profile",
        "request",
        "relationship",
        "agreement",
        "event",
        "booking",
        "feedback",
        "guidance_page",
    ):
        obj = getattr(world, name)
        fresh = type(obj)._default_manager.get(pk=obj.pk)
        state[name] = model_to_dict(fresh)
    return state


def sign_in_as(client, world, role: str) -> None:
    client.logout()
    person = getattr(world, role, None) if role != "anonymous" else None
    if person is not None:
        login(client, person)


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_no_input_breaks_a_form_or_saves_when_refused(client, fuzz_world, target):
    world = fuzz_world
    sign_in_as(client, world, target.role)
    url = target.url(world)
    # The person can use this form at all (else the test would prove nothing):
    assert client.get(url).status_code in (200, 302, 405)

    # Every example is rolled back, so each one starts from this state.
    before = snapshot(world)

    def check(payload: dict) -> None:
        with transaction.atomic():
            response = client.post(url, payload)
            assert response.status_code < 500
            connection.check_constraints()
            if response.status_code >= 400 or says_invalid(target, world, payload):
                after = snapshot(world)
                assert after == before, f"saved from refused input ({response})"
            transaction.set_rollback(True)

    # For certain, not by chance: every known-bad value in each field the view reads
    # by hand, one at a time (a view may stop at the first it refuses); NUL and
    # overlong text in every field of the form at once, and ids no column can hold
    # in every field that names rows (a form cleans each of its fields, whatever
    # the others hold).
    certain = [{name: value} for name in target.extra for value in NASTY]
    form = _oracle(target, world, {"action": next(iter(target.by_action or {"": 0}))})
    fields = form.fields if form else {}
    if fields:
        certain += [dict.fromkeys(fields, "\x00"), dict.fromkeys(fields, "x" * 6000)]
    naming_rows = [
        name
        for name, form_field in fields.items()
        if isinstance(form_field, django_forms.ModelChoiceField)
    ]
    if naming_rows:
        for value in ("9" * 25, "²", "-1", "1.5"):
            certain.append(dict.fromkeys(naming_rows, value))
    for payload in certain:
        try:
            check(payload)
        except Exception as error:
            raise AssertionError(f"POST {url} {payload!r:.300}") from error

    @FUZZ
    @given(data=st.data())
    def fuzz(data):
        check(data.draw(post_data(target, world), label="POST"))

    fuzz()


# -- query strings --------------------------------------------------------------------------

SEARCHES = [
    ("candidate", "/mentoring/directory/", [*mforms.DirectoryFilterForm.base_fields]),
    ("officer", "/mentoring/directory/", ["page", "q", "region"]),
    ("officer", "/members/register/", ["q", "region", "page"]),
    ("anonymous", "/training/", ["kind", "region"]),
    ("staff", "/contact/triage/", ["status", "page"]),
    ("staff", "/outbox/", ["to", "page"]),
    ("officer", "/oversight/", ["region"]),
    ("officer", "/oversight/allocations/", ["page"]),
    ("officer", "/oversight/allocations/{allocation_run.pk}/", ["pairs", "unmatched"]),
    ("officer", "/oversight/reports/{report}/", ["region", "date_from", "format"]),
    ("staff", "/oversight/audit/", ["q", "action", "page"]),
]


@pytest.mark.parametrize(
    ("role", "url", "names"), SEARCHES, ids=[f"{r} {u}" for r, u, _ in SEARCHES]
)
def test_no_query_string_breaks_a_list(client, fuzz_world, role, url, names):
    sign_in_as(client, fuzz_world, role)
    url = url.format_map(vars(fuzz_world))
    for name in names:  # every known-bad value in each parameter, for certain
        for value in NASTY:
            try:
                response = client.get(url, {name: value})
            except Exception as error:
                raise AssertionError(f"GET {url}?{name}={value!r}") from error
            assert response.status_code in (200, 400, 404), f"{url}?{name}={value!r}"

    @FUZZ
    @given(
        query=st.dictionaries(
            st.sampled_from(names),
            st.sampled_from(NASTY) | TEXT | st.integers(-5, 10**6).map(str),
        )
    )
    def fuzz(query):
        assert client.get(url, query).status_code in (200, 400, 404)

    fuzz()
