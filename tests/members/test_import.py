"""Importing members and registration awards from the membership database's CSV."""

import csv
import datetime
import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.core.validators import validate_email
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorscheme.members import import_views, importing, register, services
from mentorscheme.members.models import (
    Member,
    Organisation,
    Region,
    RegisterImport,
    RegistrationAward,
)
from tests import factories as f
from tests.personas import login

MEMBER_HEADER = [column.name for column in importing.MEMBER_COLUMNS]
AWARD_HEADER = [column.name for column in importing.AWARD_COLUMNS]


def csv_bytes(header: list[str], rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # "\r\n", as spreadsheets write
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return buffer.getvalue().encode()


def member_row(n: int, **changes) -> dict:
    row = {
        "membership_number": f"M{n:05d}",
        "first_name": "Ada",
        "last_name": f"Lovelace{n}",
        "email": f"m{n}@example.org",
        "region": "london",
        "organisation": "Camden Libraries",
        "organisation_type": "public",
        "job_title": "Librarian",
        "line_manager": "",
        "membership_status": "current",
    }
    return row | changes


def members_file(*rows: dict) -> bytes:
    return csv_bytes(MEMBER_HEADER, list(rows))


def award_row(number: str, **changes) -> dict:
    row = {
        "membership_number": number,
        "level": "chartership",
        "awarded_on": "2019-05-01",
        "last_revalidated_on": "",
        "removed_on": "",
    }
    return row | changes


def awards_file(*rows: dict) -> bytes:
    return csv_bytes(AWARD_HEADER, list(rows))


def run(data: bytes, **options) -> importing.ImportResult:
    return importing.register_import(data=data, **options)


def register_snapshot() -> tuple:
    return (
        list(Member.objects.order_by("pk").values_list()),
        list(RegistrationAward.objects.order_by("pk").values_list()),
        list(Organisation.objects.order_by("pk").values_list()),
    )


def lines_rejected(result: importing.ImportResult) -> list[int]:
    return [rejection.line for rejection in result.rejections]


def counts(result: importing.ImportResult) -> tuple[int, int, int, int]:
    return (result.created, result.updated, result.unchanged, result.rejected)


# -- members -------------------------------------------------------------------


def test_a_good_members_file_creates_members_and_their_organisations(db):
    result = run(
        members_file(
            member_row(1),
            member_row(2, organisation="Leeds Uni", organisation_type="academic"),
        )
    )
    assert result.applied and counts(result) == (2, 0, 0, 0)
    assert result.organisations_created == 2
    ada = Member.objects.select_related("organisation__organisation_type").get(
        membership_number="M00001"
    )
    assert (ada.email, ada.region.code, ada.membership_status) == (
        "m1@example.org",
        "london",
        "current",
    )
    assert ada.organisation.organisation_type.code == "public"


def test_importing_the_same_file_again_changes_nothing(db):
    data = members_file(member_row(1), member_row(2, line_manager="M00001"))
    run(data)
    before = register_snapshot()
    result = run(data)
    assert result.applied and counts(result) == (0, 0, 2, 0)
    assert register_snapshot() == before


def test_a_changed_row_updates_the_member_and_the_rest_are_unchanged(db):
    run(members_file(member_row(1), member_row(2)))
    result = run(
        members_file(member_row(1, job_title="Head of Service"), member_row(2))
    )
    assert counts(result) == (0, 1, 1, 0)
    assert Member.objects.get(membership_number="M00001").job_title == (
        "Head of Service"
    )


def test_an_existing_organisation_is_reused_whatever_its_spacing_and_case(db):
    existing = f.OrganisationFactory(name="Camden  Libraries")
    result = run(members_file(member_row(1, organisation="camden libraries")))
    assert result.organisations_created == 0
    assert Member.objects.get().organisation == existing


def test_an_empty_optional_value_clears_what_the_register_holds(db):
    run(members_file(member_row(1), member_row(2, line_manager="M00001")))
    run(
        members_file(
            member_row(1),
            member_row(2, organisation="", organisation_type="", job_title=""),
        )
    )
    member = Member.objects.get(membership_number="M00002")
    assert (member.organisation, member.job_title, member.line_manager) == (
        None,
        "",
        None,
    )


def test_line_managers_in_the_same_file_work_whatever_the_order(db):
    result = run(
        members_file(
            member_row(1, line_manager="M00003"),  # managed by a later row
            member_row(2, line_manager="M00001"),
            member_row(3, line_manager=""),
            member_row(4, line_manager="M00005"),  # two who manage each other
            member_row(5, line_manager="M00004"),
        )
    )
    assert result.applied and result.rejected == 0
    managers = dict(
        Member.objects.values_list(
            "membership_number", "line_manager__membership_number"
        )
    )
    assert managers == {
        "M00001": "M00003",
        "M00002": "M00001",
        "M00003": None,
        "M00004": "M00005",
        "M00005": "M00004",
    }


def test_a_chain_of_line_managers_longer_than_the_waves_is_linked(db):
    count = importing.MAX_WAVES + 10
    rows = [member_row(n, line_manager=f"M{n + 1:05d}") for n in range(1, count)]
    run(members_file(*reversed(rows), member_row(count)))
    managers = dict(
        Member.objects.values_list(
            "membership_number", "line_manager__membership_number"
        )
    )
    assert managers == {
        f"M{n:05d}": (f"M{n + 1:05d}" if n < count else None)
        for n in range(1, count + 1)
    }


def test_the_import_says_which_line_manager_links_it_made_or_changed(db):
    run(
        members_file(member_row(1), member_row(2), member_row(3, line_manager="M00001"))
    )
    pk = dict(Member.objects.values_list("membership_number", "pk"))
    result = run(
        members_file(
            member_row(1),
            member_row(2, line_manager="M00001"),  # a new link
            member_row(3, line_manager="M00002"),  # a changed one
            member_row(4, line_manager="M00001"),  # a new member with a manager
        )
    )
    pk = dict(Member.objects.values_list("membership_number", "pk"))
    assert sorted(result.line_manager_links) == sorted(
        [
            (pk["M00002"], pk["M00001"]),
            (pk["M00003"], pk["M00002"]),
            (pk["M00004"], pk["M00001"]),
        ]
    )
    unchanged = run(members_file(member_row(3, line_manager="M00002")))
    assert unchanged.line_manager_links == []


def test_a_line_manager_already_on_the_register_is_found(db):
    boss = f.MemberFactory(membership_number="B1")
    run(members_file(member_row(1, line_manager="B1")))
    assert Member.objects.get(membership_number="M00001").line_manager == boss


def test_two_members_may_swap_email_addresses(db):
    run(members_file(member_row(1), member_row(2)))
    result = run(
        members_file(
            member_row(1, email="m2@example.org"), member_row(2, email="m1@example.org")
        )
    )
    assert counts(result) == (0, 2, 0, 0)
    emails = dict(Member.objects.values_list("membership_number", "email"))
    assert emails == {"M00001": "m2@example.org", "M00002": "m1@example.org"}


def test_a_new_member_may_take_an_address_another_member_gives_up(db):
    run(members_file(member_row(1)))
    run(
        members_file(
            member_row(1, email="new@example.org"),
            member_row(2, email="m1@example.org"),
        )
    )
    emails = dict(Member.objects.values_list("membership_number", "email"))
    assert emails == {"M00001": "new@example.org", "M00002": "m1@example.org"}


BAD_MEMBER_ROWS = [
    ({"region": "xx"}, 'unknown region code "xx"'),
    ({"email": "not-an-email"}, 'email "not-an-email" is not a valid email address'),
    ({"first_name": ""}, "first name is missing"),
    ({"first_name": "A" * 101}, "first name is longer than 100 characters"),
    ({"last_name": "Nul\x00l"}, "last name contains a control character"),
    ({"membership_number": ""}, "membership number is missing"),
    ({"membership_number": "M 9"}, 'membership number "M 9" is not a valid'),
    (
        {"line_manager": "M99999"},
        'line manager "M99999" is not on the register: they must be in this file '
        "or already on the register",
    ),
    ({"line_manager": "M00003"}, "a member may not be their own line manager"),
    ({"membership_status": "gone"}, 'membership status "gone" is not valid'),
    ({"organisation_type": "xx"}, 'unknown organisation type code "xx"'),
    ({"organisation_type": ""}, "organisation type is missing"),
    (
        {"organisation": "Camden Libraries", "organisation_type": "academic"},
        'organisation "Camden Libraries" is given as Public libraries on line 2, '
        "not Academic",
    ),
]


@pytest.mark.parametrize(("changes", "reason"), BAD_MEMBER_ROWS)
def test_each_kind_of_bad_member_row_is_reported_and_nothing_is_written(
    db, changes, reason
):
    before = register_snapshot()
    result = run(members_file(member_row(2), member_row(3, **changes), member_row(4)))
    assert not result.applied
    assert lines_rejected(result) == [3]
    assert result.rejections[0].reason.startswith(reason)
    assert (result.created, result.rejected) == (2, 1)  # what would have happened
    assert register_snapshot() == before


def test_a_line_break_inside_a_value_is_rejected_and_later_lines_still_count(db):
    result = run(
        members_file(
            member_row(1, job_title="Head of\nLibraries"), member_row(2, region="xx")
        )
    )
    assert lines_rejected(result) == [2, 4]
    assert result.rejections[0].reason == (
        "job title contains a control character (such as a tab, line break or null)"
    )


def test_every_problem_with_a_row_is_reported(db):
    result = run(members_file(member_row(1, region="xx", email="nope", first_name="")))
    assert len(result.rejections[0].reasons) == 3


def test_a_membership_number_twice_in_the_file_rejects_both_rows(db):
    result = run(
        members_file(member_row(1), member_row(2), member_row(1, email="x@example.org"))
    )
    assert lines_rejected(result) == [2, 4]
    assert result.rejections[0].reason == (
        "membership number M00001 appears more than once in the file (lines 2, 4)"
    )
    assert Member.objects.count() == 0


def test_an_email_twice_in_the_file_rejects_both_rows(db):
    result = run(members_file(member_row(1), member_row(2, email="M1@example.org")))
    assert lines_rejected(result) == [2, 3]
    assert "email m1@example.org is given to more than one member" in (
        result.rejections[0].reason
    )


def test_an_email_belonging_to_another_member_is_rejected(db):
    f.MemberFactory(membership_number="T1", email="taken@example.org")
    result = run(members_file(member_row(1, email="Taken@example.org")))
    assert result.rejections[0].reason == (
        "email taken@example.org already belongs to member T1"
    )


def test_a_row_relying_on_a_bad_row_is_rejected_too(db):
    result = run(
        members_file(member_row(1, line_manager="M00002"), member_row(2, region="xx"))
    )
    assert lines_rejected(result) == [2, 3]
    assert result.rejections[0].reason == (
        "line manager M00002 is on line 3, which cannot be imported"
    )


def test_a_merged_region_names_its_successor(db):
    london = Region.objects.get(code="london")
    Region.objects.create(
        code="greater-london",
        name="Greater London",
        is_active=False,
        merged_into=london,
    )
    result = run(members_file(member_row(1, region="greater-london")))
    assert result.rejections[0].reason == (
        'region "greater-london" has been merged into "london": use that code'
    )


def test_a_row_with_too_many_or_too_few_values_is_rejected(db):
    data = members_file(member_row(1)) + b"M00002,Ada\r\nM00003," + b"x," * 10 + b"\n"
    result = run(data)
    assert lines_rejected(result) == [3, 4]
    assert result.rejections[0].reason == (
        "the row has 2 values but the header has 10 columns"
    )


def test_blank_rows_and_trailing_empty_cells_are_ignored(db):
    data = members_file(member_row(1)).replace(b"\r\n", b",,\r\n\r\n,,,\r\n")
    result = run(data)
    assert (result.rows, result.created, result.rejected) == (1, 1, 0)


def test_apply_good_rows_imports_the_good_rows_and_reports_the_bad(db):
    result = run(
        members_file(member_row(1), member_row(2, region="xx"), member_row(3)),
        apply_good_rows=True,
    )
    assert result.applied and counts(result) == (2, 0, 0, 1)
    assert lines_rejected(result) == [3]
    assert set(Member.objects.values_list("membership_number", flat=True)) == {
        "M00001",
        "M00003",
    }


def test_a_dry_run_reports_what_would_change_and_writes_nothing(db):
    result = run(members_file(member_row(1)), dry_run=True)
    assert not result.applied and result.created == 1
    assert not Member.objects.exists()


def test_the_header_may_use_spaces_capitals_and_a_byte_order_mark(db):
    header = [name.replace("_", " ").title() for name in MEMBER_HEADER] + ["Notes"]
    data = "\ufeff".encode() + csv_bytes(header, [])
    data += members_file(member_row(1)).split(b"\n", 1)[1].replace(b"\r\n", b",hi\r\n")
    result = run(data)
    assert result.created == 1 and result.ignored_columns == ["notes"]


def test_reimporting_a_large_file_takes_a_fixed_number_of_queries(
    db, django_assert_max_num_queries
):
    data = members_file(*(member_row(n) for n in range(1, 301)))
    run(data)
    # Four of them: the dashboard's rows of figures, worked out again (oversight).
    with django_assert_max_num_queries(14):
        result = run(data)
    assert result.unchanged == 300


# -- files that cannot be read -------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (
            b"membership_number,first_name\nM1,Ada\n",
            "Line 1 (the header) is missing the columns last_name, email, region,",
        ),
        (
            members_file(member_row(1)).replace(b"job_title", b"email"),
            "Line 1 (the header) names the column email more than once.",
        ),
        (b"name,age\nAda,36\n", "Line 1 should be a header naming the columns."),
        (
            members_file(member_row(1), member_row(2, first_name="Zoë")).replace(
                "Zoë".encode(), "Zoë".encode("latin-1")
            ),
            "The file is not UTF-8 text: line 3 has a byte (0xEB)",
        ),
        (b"PK\x03\x04\x14\x00", "This is a spreadsheet workbook, not a CSV file."),
        (
            members_file(member_row(1)) + b'M2,"Ada\n',
            "Line 3 could not be read as CSV",
        ),
    ],
    ids=[
        "empty",
        "missing-columns",
        "repeated-column",
        "not-our-header",
        "not-utf8",
        "workbook",
        "open-quote",
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_reason(db, data, message):
    with pytest.raises(importing.ImportRefused) as refusal:
        run(data)
    assert str(refusal.value).startswith(message)
    assert not Member.objects.exists()


def test_a_kind_given_by_the_caller_is_checked_against_the_header(db):
    with pytest.raises(importing.ImportRefused, match="missing the columns level"):
        run(members_file(member_row(1)), kind="awards")


# -- registration awards -------------------------------------------------------


@pytest.fixture
def ada(db):
    return f.MemberFactory(membership_number="M00001")


def test_a_good_awards_file_creates_awards(ada):
    result = run(
        awards_file(
            award_row("M00001", level="certification", awarded_on="2012-01-31"),
            award_row("M00001", level="chartership", last_revalidated_on="2024-05-01"),
        )
    )
    assert result.kind == "awards" and counts(result) == (2, 0, 0, 0)
    assert ada.current_level().code == "chartership"


def test_awards_are_upserted_by_member_and_level(ada):
    run(awards_file(award_row("M00001")))
    data = awards_file(award_row("M00001", removed_on="2020-01-01"))
    result = run(data)
    assert counts(result) == (0, 1, 0, 0)
    award = RegistrationAward.objects.get()
    assert award.removed_on == datetime.date(2020, 1, 1)
    assert ada.current_level() is None
    assert counts(run(data)) == (0, 0, 1, 0)


BAD_AWARD_ROWS = [
    (
        {"membership_number": "M77777"},
        "award for an unknown member M77777: import the member first",
    ),
    (
        {"level": "wizard"},
        'unknown level code "wizard": use certification, chartership, fellowship',
    ),
    ({"awarded_on": ""}, "awarded on is missing"),
    (
        {"awarded_on": "01/05/2019"},
        'awarded on "01/05/2019" is not a date in YYYY-MM-DD form',
    ),
    ({"awarded_on": "2019-02-30"}, 'awarded on "2019-02-30" is not a real date'),
    ({"awarded_on": "2999-01-01"}, "awarded on 2999-01-01 is in the future"),
    (
        {"removed_on": "2018-01-01"},
        "removed on 2018-01-01, before it was awarded on 2019-05-01",
    ),
    (
        {"last_revalidated_on": "2018-01-01"},
        "last revalidated on 2018-01-01, before it was awarded",
    ),
]


@pytest.mark.parametrize(("changes", "reason"), BAD_AWARD_ROWS)
def test_each_kind_of_bad_award_row_is_reported_and_nothing_is_written(
    ada, changes, reason
):
    result = run(
        awards_file(
            award_row("M00001", level="certification"),
            award_row("M00001", **({"level": "chartership"} | changes)),
        )
    )
    assert lines_rejected(result) == [3]
    assert result.rejections[0].reason == reason
    assert not RegistrationAward.objects.exists()


def test_the_same_award_twice_in_the_file_rejects_both_rows(ada):
    result = run(awards_file(award_row("M00001"), award_row("M00001")))
    assert lines_rejected(result) == [2, 3]
    assert result.rejections[0].reason == (
        "the chartership award of member M00001 appears more than once in the file "
        "(lines 2, 3)"
    )


# -- property: bad rows mixed with good ones -----------------------------------

_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
_NOT_A_NUMBER = _TEXT.filter(
    lambda s: not register.MEMBERSHIP_NUMBER.fullmatch(s.strip())
)
_NOT_A_DATE = _TEXT.filter(lambda s: not register._DATE.fullmatch(s.strip()))
_REQUIRED_MEMBER_COLUMNS = [c.name for c in importing.MEMBER_COLUMNS if c.required]
# Any printable text is a good name.
_NAME = st.text(
    st.characters(exclude_categories=["Cs", "Cc"]), min_size=1, max_size=30
).filter(lambda s: s.strip())


def _bad_member_row(n: int, draw_kind: tuple) -> list[dict]:
    """One or two rows (a duplicated number spoils both) that must be rejected."""
    kind, value = draw_kind
    row = member_row(n, membership_number=f"B{n}", email=f"b{n}@example.net")
    if kind == "duplicate":
        return [row, row | {"email": f"b{n}-again@example.net"}]
    changes = {
        "email": {"email": value},
        "region": {"region": "zz" + value},
        "number": {"membership_number": value},
        "empty": {value: " "},
        "status": {"membership_status": "x" + value},
        "manager": {"line_manager": f"N{n}"},
        "self": {"line_manager": f"B{n}"},
    }[kind]
    return [row | changes]


_BAD_MEMBER = st.one_of(
    st.tuples(st.just("email"), _TEXT.filter(lambda s: "@" not in s)),
    st.tuples(st.just("region"), _TEXT),
    st.tuples(st.just("number"), _NOT_A_NUMBER),
    st.tuples(st.just("empty"), st.sampled_from(_REQUIRED_MEMBER_COLUMNS)),
    st.tuples(st.just("status"), _TEXT),
    st.tuples(st.sampled_from(["manager", "self", "duplicate"]), st.just("")),
)


def _start_lines(header: list[str], rows: list[dict]) -> list[int]:
    """The line each row starts on once written (a value may hold line breaks)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # "\r\n", as spreadsheets write
    writer.writerow(header)
    starts = []
    for row in rows:
        starts.append(len(io.StringIO(buffer.getvalue(), newline="").readlines()) + 1)
        writer.writerow([row.get(name, "") for name in header])
    return starts


@settings(
    max_examples=30,
    deadline=None,
    # The database fixture is shared by every example; each one runs in a savepoint
    # that is rolled back, so the examples cannot see each other's writes.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    names=st.lists(_NAME, min_size=6, max_size=6),
    good_count=st.integers(0, 6),
    managers=st.lists(st.integers(0, 5), max_size=6),
    bad_kinds=st.lists(_BAD_MEMBER, min_size=1, max_size=6),
    shuffle=st.randoms(use_true_random=False),
    apply_good_rows=st.booleans(),
)
@pytest.mark.django_db
def test_bad_member_rows_among_good_ones_are_each_reported_by_line(
    names, good_count, managers, bad_kinds, shuffle, apply_good_rows
):
    good = [member_row(n, first_name=names[n - 1]) for n in range(1, good_count + 1)]
    for row, manager in zip(good, managers, strict=False):
        if manager < good_count and good[manager] is not row:
            row["line_manager"] = good[manager]["membership_number"]
    bad = [_bad_member_row(n, kind) for n, kind in enumerate(bad_kinds, 1)]
    rows = good + [row for group in bad for row in group]
    flags = [False] * len(good) + [True] * (len(rows) - len(good))
    paired = list(zip(rows, flags, strict=True))
    shuffle.shuffle(paired)
    rows, flags = [p[0] for p in paired], [p[1] for p in paired]
    starts = _start_lines(MEMBER_HEADER, rows)

    with transaction.atomic():
        before = register_snapshot()
        result = run(csv_bytes(MEMBER_HEADER, rows), apply_good_rows=apply_good_rows)
        assert set(lines_rejected(result)) == {
            line for line, bad_row in zip(starts, flags, strict=True) if bad_row
        }
        assert all(rejection.reasons for rejection in result.rejections)
        if apply_good_rows:
            stored = sorted(Member.objects.values_list("first_name", flat=True))
            assert stored == sorted(row["first_name"].strip() for row in good)
        else:
            assert not result.applied and register_snapshot() == before
        transaction.set_rollback(True)


@settings(max_examples=100, deadline=None)
@given(
    st.from_regex(register._PLAIN_EMAIL, fullmatch=True).filter(
        lambda email: len(email) <= 254  # longer ones are refused before the check
    )
)
def test_an_address_taken_by_the_quick_email_check_is_valid_to_django(email):
    validate_email(email)


_BAD_AWARD = st.one_of(
    st.tuples(st.just("awarded_on"), _NOT_A_DATE),
    st.tuples(st.just("removed_on"), _NOT_A_DATE.filter(lambda s: s.strip())),
    st.tuples(st.just("last_revalidated_on"), st.just("2021-02-29")),
    st.tuples(st.just("removed_on"), st.just("2001-01-01")),  # before awarded
    st.tuples(st.just("membership_number"), _NOT_A_NUMBER | st.just("U1")),
    st.tuples(st.just("level"), _TEXT.map(lambda s: "x" + s)),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    good_pairs=st.sets(
        st.tuples(
            st.integers(1, 3),
            st.sampled_from(["certification", "chartership", "fellowship"]),
        )
    ),
    bad_kinds=st.lists(_BAD_AWARD, min_size=1, max_size=6),
    shuffle=st.randoms(use_true_random=False),
)
@pytest.mark.django_db
def test_bad_award_rows_among_good_ones_are_each_reported_by_line(
    good_pairs, bad_kinds, shuffle
):
    for number in ("G1", "G2", "G3", "B1"):
        Member.objects.get_or_create(
            membership_number=number,
            defaults={
                "first_name": "T",
                "last_name": number,
                "email": f"{number}@x.org",
                "region": Region.objects.get(code="london"),
            },
        )
    good = [award_row(f"G{n}", level=level) for n, level in sorted(good_pairs)]
    bad = [
        award_row("B1", **{"level": "fellowship", column: value})
        for column, value in bad_kinds
    ]
    paired = [(row, False) for row in good] + [(row, True) for row in bad]
    shuffle.shuffle(paired)
    rows, flags = [p[0] for p in paired], [p[1] for p in paired]
    starts = _start_lines(AWARD_HEADER, rows)

    with transaction.atomic():
        before = register_snapshot()
        result = run(csv_bytes(AWARD_HEADER, rows))
        assert set(lines_rejected(result)) == {
            line for line, bad_row in zip(starts, flags, strict=True) if bad_row
        }
        assert register_snapshot() == before
        transaction.set_rollback(True)


# -- the staff page ------------------------------------------------------------


@pytest.fixture
def url():
    return "/members/import/"


def upload(name: str, data: bytes):
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_staff_see_the_upload_form_and_the_columns(client, sam_with_totp, url):
    response = login(client, sam_with_totp).get(url)
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.text
    assert "<caption>Columns of a members file</caption>" in response.text
    assert "<code>line_manager</code>" in response.text


def send(client, url, capture, data: bytes, name="members.csv", **fields):
    """Upload a file as the signed-in person and let the background import run."""
    with capture(execute=True):
        response = client.post(url, {"file": upload(name, data), **fields})
    assert response.status_code == 302, response.content
    job = RegisterImport.objects.get()
    assert response["Location"] == f"/members/import/{job.pk}/"
    return client.get(response["Location"]), job


def test_staff_upload_a_file_and_see_the_results(
    client, sam_with_totp, url, django_capture_on_commit_callbacks
):
    login(client, sam_with_totp)
    data = members_file(member_row(1), member_row(2))
    page, job = send(client, url, django_capture_on_commit_callbacks, data)
    assert page.status_code == 200
    assert "The file was imported." in page.text
    assert "<dt>Created</dt><dd>2</dd>" in page.text
    assert (
        Member.objects.filter(membership_number__in=["M00001", "M00002"]).count() == 2
    )
    [email] = mail.outbox
    assert email.to == ["sam@example.org"]
    assert email.subject == "[Mentor Scheme] members.csv was imported"
    assert f"/members/import/{job.pk}/" in email.body
    assert "Created: 2" in email.body
    job.refresh_from_db()
    assert (job.status, bytes(job.data)) == ("finished", b"")  # the file is gone


def test_staff_see_every_rejected_row_with_its_line_and_reason(
    client, sam_with_totp, url, django_capture_on_commit_callbacks
):
    login(client, sam_with_totp)
    data = members_file(member_row(1), member_row(2, region="xx"))
    page, _ = send(
        client, url, django_capture_on_commit_callbacks, data, kind="members"
    )
    assert 'class="error-summary"' in page.text
    assert "Nothing was imported" in page.text
    assert "<caption>1 row that cannot be imported" in page.text
    assert '<td data-label="Line">3</td>' in page.text
    assert "Unknown region code &quot;xx&quot;" in page.text
    assert not Member.objects.filter(membership_number="M00001").exists()
    assert "members.csv was not imported: 1 row with problems" in mail.outbox[0].subject


def test_staff_may_import_the_good_rows_from_the_page(
    client, sam_with_totp, url, django_capture_on_commit_callbacks
):
    login(client, sam_with_totp)
    data = members_file(member_row(1), member_row(2, region="xx"))
    page, _ = send(
        client, url, django_capture_on_commit_callbacks, data, apply_good_rows="on"
    )
    assert "1 row was not imported" in page.text
    assert Member.objects.filter(membership_number="M00001").exists()


def test_while_a_file_waits_its_page_says_so_and_keeps_itself_current(
    client, sam_with_totp, url
):
    login(client, sam_with_totp)
    response = client.post(url, {"file": upload("members.csv", members_file())})
    page = client.get(response["Location"])  # the task has not run yet
    assert "Waiting to start" in page.text
    assert "we will email you at sam@example.org" in page.text
    assert "data-progress-url" in page.text
    progress = client.get(response["Location"] + "?progress=json").json()
    assert progress == {
        "running": True,
        "text": "Waiting to start: the file is queued and will be imported shortly.",
    }
    assert "members.csv" in client.get(url).text  # listed under recent imports


def test_a_file_that_breaks_further_down_is_refused_and_the_uploader_told(
    client, sam_with_totp, url, django_capture_on_commit_callbacks
):
    login(client, sam_with_totp)
    data = members_file(member_row(1)) + b'M9,"Ada,unclosed\n'
    page, job = send(client, url, django_capture_on_commit_callbacks, data)
    assert "The file could not be imported" in page.text
    assert "Line 3 could not be read as CSV" in page.text
    assert not Member.objects.exists()
    assert mail.outbox[0].subject == (
        "[Mentor Scheme] members.csv could not be imported"
    )
    assert "Line 3 could not be read as CSV" in mail.outbox[0].body


def test_an_upload_is_imported_once(
    client, sam_with_totp, url, django_capture_on_commit_callbacks
):
    login(client, sam_with_totp)
    _, job = send(
        client, url, django_capture_on_commit_callbacks, members_file(member_row(1))
    )
    Member.objects.all().delete()
    services.register_import_run(import_id=job.pk)  # a task delivered twice
    assert not Member.objects.exists()
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("members.xlsx", b"PK\x03\x04", "The file must be a CSV file"),
        ("members.csv", b"\xff\xfe", "The file is saved as UTF-16 text."),
        ("members.csv", b"email\nada\xe9@example.org\n", "The file is not UTF-8 text"),
        ("members.csv", b"", "The file is empty."),
    ],
)
def test_a_bad_upload_says_what_is_wrong(
    client, sam_with_totp, url, name, data, message
):
    response = login(client, sam_with_totp).post(url, {"file": upload(name, data)})
    assert response.status_code == 400
    assert 'class="error-summary"' in response.text
    assert message in response.text


def test_an_upload_without_a_file_asks_for_one(client, sam_with_totp, url):
    response = login(client, sam_with_totp).post(url, {"kind": "members"})
    assert response.status_code == 400
    assert "Choose a CSV file to upload." in response.text


def test_a_file_over_the_size_limit_is_refused(client, sam_with_totp, url, monkeypatch):
    monkeypatch.setattr(import_views, "MAX_UPLOAD_BYTES", 100)
    data = members_file(member_row(1))
    response = login(client, sam_with_totp).post(url, {"file": upload("m.csv", data)})
    assert response.status_code == 400
    assert "larger than the 50 MB limit" in response.text


def test_a_member_who_is_not_staff_is_forbidden(db, client, url):
    member = f.MemberFactory()
    f.with_account(member)
    assert login(client, member).get(url).status_code == 403
    data = members_file(member_row(1))
    response = client.post(url, {"file": upload("members.csv", data)})
    assert response.status_code == 403
    assert not Member.objects.filter(membership_number="M00001").exists()


def test_an_anonymous_visitor_is_asked_to_sign_in(db, client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/members/import/")


# -- the management command ----------------------------------------------------


def test_the_command_imports_a_file_and_reports_counts(db, tmp_path, capsys):
    path_ = tmp_path / "members.csv"
    path_.write_bytes(members_file(member_row(1), member_row(2)))
    call_command("import_members", str(path_), "--kind", "members", verbosity=1)
    out, err = capsys.readouterr()
    assert "Created 2, updated 0, unchanged 0, rejected 0." in out
    assert "checking rows: 2/2" in err
    assert Member.objects.count() == 2


def test_the_command_lists_bad_rows_and_fails_without_writing(db, tmp_path, capsys):
    path_ = tmp_path / "members.csv"
    path_.write_bytes(members_file(member_row(1), member_row(2, email="nope")))
    with pytest.raises(CommandError, match="Nothing was imported: 1 row"):
        call_command("import_members", str(path_))
    out, _ = capsys.readouterr()
    assert 'Line 3 (M00002): email "nope" is not a valid email address' in out
    assert not Member.objects.exists()


def test_the_command_can_apply_the_good_rows(db, tmp_path):
    path_ = tmp_path / "members.csv"
    path_.write_bytes(members_file(member_row(1), member_row(2, email="nope")))
    call_command("import_members", str(path_), "--apply-good-rows", verbosity=0)
    assert list(Member.objects.values_list("membership_number", flat=True)) == [
        "M00001"
    ]


def test_the_command_refuses_a_file_it_cannot_read(db, tmp_path):
    path_ = tmp_path / "members.csv"
    path_.write_bytes(b"\xff\xfe")
    with pytest.raises(CommandError, match="UTF-16"):
        call_command("import_members", str(path_))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_members", str(tmp_path / "missing.csv"))
