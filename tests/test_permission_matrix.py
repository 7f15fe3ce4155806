"""Who may reach every page of the site: an explicit table, checked against every URL.

Every URL pattern the project serves must have a row in ``GET_ROWS`` saying what each
role gets for a GET; a pattern that only takes POST must also have a row in
``POST_ROWS`` (an empty POST, rolled back afterwards). A new page without a row fails
``test_every_url_pattern_has_a_row``, which names the patterns to add.

Outcomes: a status code (200, 400, 403, 404, 405); ``login`` for a redirect to the
sign-in page; ``>name`` for a redirect to the view called ``name``. A 5xx is never an
acceptable outcome.

The roles and the objects in the ``args`` column are those of tests/security/world.py:
everything happens in London, so ``officer`` is the officer of the objects' region and
``other`` an officer of another region. ``args`` gives each path converter an object
of the world (``pk=relationship`` means ``pk=world.relationship.pk``; a ``slug`` takes
the object's slug).
"""

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from mentorscheme.members.models import User
from tests.factories import TOTP_SECRET
from tests.personas import login
from tests.security.world import ROLES, World

# Included URL confs that are not walked by GET_ROWS, and why.
EXEMPT = {
    "admin": "Django's admin site: walked by ADMIN_ROWS below.",
    "allauth": "allauth's sign-in, sign-up, password and two-factor pages, tested by "
    "tests/accounts; they decide access themselves.",
}

# pattern                     args                    anon  cand  mentor officer other staff
GET_ROWS = """
home                          -                       200   200   200   200   200   200
members:me                    -                       login 200   200   200   200   200
members:contact               -                       login 200   200   200   200   403
members:register              -                       login 403   403   200   200   200
members:detail                pk=member               login 200   404   200   404   200
members:import                -                       login 403   403   403   403   200
members:import_detail         pk=register_import      login 403   403   403   403   200
guidance:index                -                       200   200   200   200   200   200
guidance:page                 slug=guidance_page      200   200   200   200   200   200
guidance:edit                 slug=guidance_page      login 403   403   403   403   200
guidance:new                  -                       login 403   403   403   403   200
guidance:history              slug=guidance_page      login 403   403   403   403   200
mentors:home                  -                       login 200   200   200   200   403
mentors:interest              -                       login 405   405   405   405   405
mentors:apply                 -                       login >mentors:home >mentors:home >mentors:home >mentors:home 403
mentors:edit                  -                       login >mentors:home 200 >mentors:home >mentors:home 403
mentors:accepting             -                       login 405   405   405   405   405
mentors:retire                -                       login 405   405   405   405   405
mentors:availability          -                       login >mentors:home 200 >mentors:home >mentors:home 403
mentors:review_list           -                       login 403   403   200   200   200
mentors:review                pk=review_profile       login 404   404   200   404   200
mentors:review_evidence       pk=review_profile       login 405   405   405   405   405
mentors:withdraw_evidence     pk=review_profile       login 405   405   405   405   405
mentors:evidence              -                       login >mentors:home 200 >mentors:home >mentors:home 403
mentors:evidence_document     pk=evidence             login 404   404   200   404   200
training:index                -                       200   200   200   200   200   200
training:event                pk=event                200   200   200   200   200   200
training:ics                  pk=event                200   200   200   200   200   200
training:book                 pk=event                login 405   405   405   405   405
training:move_booking        pk=event                login 405   405   405   405   405
training:cancel_booking       pk=booking              login 405   405   405   405   405
mentors:briefing_watched      -                       login 405   405   405   405   405
training:briefing_new         -                       login 403   403   403   403   200
training:manage_list          -                       login 403   403   200   200   200
training:create               -                       login 403   403   200   200   200
training:manage               pk=event                login 404   404   200   404   200
training:cancel               pk=event                login 405   405   405   405   405
training:attendance           pk=event,booking_pk=booking login 405 405 405  405   405
training:walk_in              pk=event                login 405   405   405   405   405
mentoring:home                -                       login 200 >mentoring:enrol >mentoring:enrol >mentoring:enrol >mentoring:enrol
mentoring:enrol               -                       login 200   200   200   200   403
mentoring:line_manager        -                       login 200   200   200   200   403
mentoring:enrolment_withdraw  pk=request.enrolment_id login 200   404   404   404   403
mentoring:enrolment_status    pk=request.enrolment_id login 403   403   403   403   200
mentoring:help                -                       login 405   405   405   405   405
mentoring:move_regulations    -                       login 405   405   405   405   405
mentoring:directory           -                       login 200   403   200   200   200
mentoring:mentor              pk=mentor_profile       login 200   403   200   200   200
mentoring:request             pk=request              login 200   200   200   404   200
mentoring:request_accept      pk=request              login 405   405   405   405   405
mentoring:request_decline     pk=request              login 405   405   405   405   405
mentoring:request_ask         pk=request              login 405   405   405   405   405
mentoring:request_reply       pk=request              login 405   405   405   405   405
mentoring:request_withdraw    pk=request              login 405   405   405   405   405
mentoring:relationship        pk=relationship         login 404   200   200   404   200
mentoring:agreement           pk=relationship         login 404   200   403   404   403
mentoring:agreement_confirm   pk=agreement            login 405   405   405   405   405
mentoring:meeting_new         pk=relationship         login 404   200   403   404   403
mentoring:end                 pk=relationship         login 405   405   405   405   405
mentoring:end_by_officer      pk=relationship         login 405   405   405   405   405
mentoring:complete            pk=relationship         login 404   200   403   404   403
mentoring:letter              pk=relationship         login 404   403   403   404   403
mentoring:reopen              pk=relationship         login 405   405   405   405   405
mentoring:meeting_edit        pk=agreement            login 404   404   404   404   404
mentoring:meeting_remove      pk=agreement            login 404   404   404   404   404
mentoring:open_notes          pk=relationship         login 405   405   405   405   405
contact:form                  -                       200   200   200   200   200   200
contact:thanks                -                       200   200   200   200   200   200
contact:triage                -                       login 403   403   403   403   200
contact:triage_detail         pk=feedback             login 403   403   403   403   200
notifications:outbox          -                       login 403   403   403   403   200
notifications:message         pk=outbox_message       login 403   403   403   403   200
# the load balancer's health check
healthz                       -                       200   200   200   200   200   200
# oversight: officers see their regions, staff everything; scheme administration is staff's
oversight:dashboard           -                       login 403   403   200   200   200
oversight:up_to_date          -                       login 403   403   200   200   200
oversight:line_managers       -                       login 403   403   200   200   200
oversight:help_resolve        pk=help_flag            login 405   405   405   405   405
oversight:allocations         -                       login 403   403   200   200   200
oversight:allocation          pk=allocation_run       login 403   403   200   404   200
oversight:allocation_pair     pk=allocation_run       login 405   405   405   405   405
# a candidate with a mentor is in no proposal: officers and staff find no such pair
oversight:allocation_pair_mentor pk=allocation_run,candidate=relationship.enrolment_id login 403 403 404 404 404
oversight:allocation_publish  pk=allocation_run       login 405   405   405   405   405
oversight:allocation_discard  pk=allocation_run       login 405   405   405   405   405
oversight:allocation_stop     pk=allocation_run       login 405   405   405   405   405
oversight:reports             -                       login 403   403   200   200   200
oversight:report              slug=report             login 403   403   200   200   200
oversight:audit               -                       login 403   403   403   403   200
oversight:scheme              -                       login 403   403   403   403   200
oversight:regions             -                       login 403   403   403   403   200
oversight:region_merge        -                       login 403   403   403   403   200
oversight:region_edit         pk=region               login 403   403   403   403   200
oversight:organisation_types  -                       login 403   403   403   403   200
oversight:organisation_type_edit pk=organisation_type    login 403   403   403   403   200
oversight:qualifications      -                       login 403   403   403   403   200
oversight:qualification_new   -                       login 403   403   403   403   200
oversight:qualification_edit  pk=qualification        login 403   403   403   403   200
oversight:regulations         -                       login 403   403   403   403   200
oversight:appointments        -                       login 403   403   403   403   200
oversight:appointment_end     pk=appointment          login 403   403   403   403   200
oversight:settings            -                       login 403   403   403   403   200
# the API: integration tokens (staff), problem types, the schema; JSON routes answer 401 to
# anonymous callers; ninja matches the method before authenticating, hence 405 for all
api_tokens                    -                       login 403   403   403   403   200
api_token_revoke              pk=api_token            login 405   405   405   405   405
api_problems                  -                       200   200   200   200   200   200
api:openapi-json              -                       200   200   200   200   200   200
api:openapi-view              -                       200   200   200   200   200   200
api:me                        -                       401   200   200   200   200   200
api:member_get                membership_number=member.membership_number 401   403   403   403   403   200
api:member_put                membership_number=member.membership_number 401   403   403   403   403   200
api:award_put                 membership_number=member.membership_number,level='chartership' 405   405   405   405   405   405
api:enrolment_status_put      membership_number=member.membership_number,qualification='chartership' 405   405   405   405   405   405
api:directory                 -                       401   200   403   200   200   200
api:directory_entry           mentor_id=mentor_profile 401   200   403   200   200   200
api:enrolments                -                       401   200   200   200   200   403
api:enrolment_create          -                       401   200   200   200   200   403
api:enrolment_withdraw        enrolment_id=request.enrolment_id 405   405   405   405   405   405
api:enrolment_move_regulations enrolment_id=request.enrolment_id 405   405   405   405   405   405
api:requests                  -                       401   200   200   200   200   403
api:request_create            -                       401   200   200   200   200   403
api:request_get               request_id=request      401   200   200   200   404   200
api:request_accept            request_id=request      405   405   405   405   405   405
api:request_decline           request_id=request      405   405   405   405   405   405
api:request_ask_more          request_id=request      405   405   405   405   405   405
api:request_reply             request_id=request      405   405   405   405   405   405
api:request_withdraw          request_id=request      405   405   405   405   405   405
api:relationships             -                       401   200   200   200   200   403
api:relationship_get          relationship_id=relationship 401   404   200   200   404   200
api:relationship_end          relationship_id=relationship 405   405   405   405   405   405
api:relationship_complete     relationship_id=relationship 405   405   405   405   405   405
api:events                    -                       401   200   200   200   200   200
api:event_get                 event_id=event          401   200   200   200   200   200
api:bookings                  -                       401   200   200   200   200   403
api:booking_create            -                       401   200   200   200   200   403
api:booking_cancel            booking_id=booking      405   405   405   405   405   405
# ninja's root: no operation there
api:api-root                  -                       404   404   404   404   404   404
# privacy: a calendar feed is a capability URL (its token is the secret)
privacy:notice                -                       200   200   200   200   200   200
privacy:export                -                       login 200   200   200   200   200
privacy:calendar              -                       login 200   200   200   200   403
privacy:calendar_change       -                       login 405   405   405   405   405
privacy:feed                  token=calendar_feed.token 200   200   200   200   200   200
privacy:erase                 member_id=member        login 403   403   403   403   200
privacy:erasures              -                       login 403   403   403   403   200
"""

# Django's admin, which signs in through allauth (its own password-only form is gone).
# Two more personas: ``admin``, a superuser who signed in with two-factor, and the
# password-only staff session: the same superuser, whose session gave a password but
# never the code (what Django's own admin form used to make). Staff without model
# permissions get Django's 403 on a model's pages.
# pattern                     args              anon        cand        mentor      officer     other       staff       admin       password-only
ADMIN_ROWS = """
admin:index                   -                 >admin:login >admin:login >admin:login >admin:login >admin:login 200 200 >mfa_reauthenticate
admin:login                   -                 login       403         403         403         403         >admin:index >admin:index >mfa_reauthenticate
admin:members_member_changelist -               >admin:login >admin:login >admin:login >admin:login >admin:login 403 200 >mfa_reauthenticate
admin:members_member_change   object_id=member  >admin:login >admin:login >admin:login >admin:login >admin:login 403 200 >mfa_reauthenticate
admin:members_user_changelist -                 >admin:login >admin:login >admin:login >admin:login >admin:login 403 200 >mfa_reauthenticate
admin:mfa_authenticator_changelist -            >admin:login >admin:login >admin:login >admin:login >admin:login 403 200 >mfa_reauthenticate
"""

# An empty POST to each POST-only pattern (each in a savepoint that is rolled back).
# The candidate (Alice) is not a party to the relationship; the mentor (Bob) is.
# pattern                     args                    anon  cand  mentor officer other staff
POST_ROWS = """
mentors:interest              -                       login >mentors:home >mentors:home >mentors:apply >mentors:apply 403
mentors:accepting             -                       login >mentors:home >mentors:home >mentors:home >mentors:home 403
# irreversible actions answer a first POST with a confirmation page (200)
mentors:retire                -                       login >mentors:home 200 >mentors:home >mentors:home 403
mentors:review_evidence       pk=review_profile       login 404   404   400   404   400
mentors:withdraw_evidence     pk=review_profile       login 404   404   400   404   400
training:book                 pk=event                login >training:event >training:event >training:event >training:event 403
training:move_booking        pk=event                login 400   400   400   400   403
training:cancel_booking       pk=booking              login 404   404   404   404   403
mentors:briefing_watched      -                       login >mentors:home >mentors:home >mentors:home >mentors:home 403
training:cancel               pk=event                login 404   404   200   404   200
training:attendance           pk=event,booking_pk=booking login 404 404 >training:manage 404 >training:manage
training:walk_in              pk=event                login 404   404 >training:manage 404 >training:manage
mentoring:help                -                       login >mentoring:home 403 403   403   403
# The request is Alice's (candidate) to Bob (mentor); each action is for one of them.
mentoring:request_accept      pk=request              login 403   400   403   404   403
mentoring:request_decline     pk=request              login 403   400   403   404   403
mentoring:request_ask         pk=request              login 403   400   403   404   403
mentoring:request_reply       pk=request              login 400   403   403   404   403
mentoring:request_withdraw    pk=request              login 200   403   403   404   403
mentoring:move_regulations    -                       login 404   403   403   403   403
mentoring:agreement_confirm   pk=agreement            login 404 >mentoring:relationship 403 404 403
mentoring:end                 pk=relationship         login 404 >mentoring:relationship 403 404 403
mentoring:end_by_officer      pk=relationship         login 404   403 >mentoring:relationship 404 >mentoring:relationship
mentoring:complete            pk=relationship         login 404   400   403   404   403
mentoring:reopen              pk=relationship         login 404   403 >mentoring:relationship 404 >mentoring:relationship
mentoring:open_notes          pk=relationship         login 404   403 >mentoring:relationship 404 >mentoring:relationship
oversight:help_resolve        pk=help_flag            login 403   403   >oversight:dashboard 404   >oversight:dashboard
oversight:allocation_pair     pk=allocation_run       login 403   403   >oversight:allocation 404   >oversight:allocation
# the run proposes no pair, and is not being sent: nothing to send or stop, and
# the officer is told so on its page; it can be discarded (a confirmation page)
oversight:allocation_publish  pk=allocation_run       login 403   403   >oversight:allocation 404   >oversight:allocation
oversight:allocation_discard  pk=allocation_run       login 403   403   200   404   200
oversight:allocation_stop     pk=allocation_run       login 403   403   >oversight:allocation 404   >oversight:allocation
api_token_revoke              pk=api_token            login 403   403   403   403   200
api:award_put                 membership_number=member.membership_number,level='chartership' 405   405   405   405   405   405
api:enrolment_status_put      membership_number=member.membership_number,qualification='chartership' 405   405   405   405   405   405
api:enrolment_withdraw        enrolment_id=request.enrolment_id 401   400   400   400   400   400
api:enrolment_move_regulations enrolment_id=request.enrolment_id 401   400   400   400   400   400
api:request_accept            request_id=request      401   403   409   403   404   403
api:request_decline           request_id=request      401   400   400   400   400   400
api:request_ask_more          request_id=request      401   400   400   400   400   400
api:request_reply             request_id=request      401   400   400   400   400   400
api:request_withdraw          request_id=request      401   200   403   403   404   403
api:relationship_end          relationship_id=relationship 401   400   400   400   400   400
api:relationship_complete     relationship_id=relationship 401   404   409   403   404   403
api:booking_cancel            booking_id=booking      401   404   404   404   404   403
privacy:calendar_change       -                       login 400   400   400   400   403
"""


@dataclass(frozen=True)
class Row:
    name: str
    args: str
    outcomes: dict[str, str]


#: Personas beside tests/security/world.py's roles: a superuser signed in with
#: two-factor, and the same account in a session that gave only its password.
ADMIN, PASSWORD_ONLY = "admin", "password_only_staff"
ADMIN_ROLES = (*ROLES, ADMIN, PASSWORD_ONLY)


def parse(table: str, roles=ROLES) -> dict[str, Row]:
    rows = {}
    for line in table.strip().splitlines():
        if line.startswith("#"):
            continue
        name, args, *outcomes = line.split()
        assert len(outcomes) == len(roles), f"{name}: one outcome per role, please"
        assert name not in rows, f"{name} has two rows"
        rows[name] = Row(name, args, dict(zip(roles, outcomes, strict=True)))
    return rows


def url_patterns(resolver=None, prefix="", namespace=None):
    """(name, route) of every pattern, recursively, without the exempt includes."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            module = getattr(entry.urlconf_module, "__name__", "")
            if entry.namespace == "admin" or module.split(".")[0] in EXEMPT:
                continue
            inner = namespace
            if entry.namespace:
                inner = (
                    f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                )
            yield from url_patterns(entry, route, inner)
        elif isinstance(entry, URLPattern):
            if entry.name is None:
                yield route, route  # unnamed: its row is keyed by its route
            else:
                yield (f"{namespace}:{entry.name}" if namespace else entry.name), route


def url_for(row: Row, world: World) -> str:
    if row.args == "-":
        return reverse(row.name)
    kwargs = {}
    for pair in row.args.split(","):
        key, value = pair.split("=")
        kwargs[key] = argument(world, key, value)
    return reverse(row.name, kwargs=kwargs)


def argument(world: World, key: str, value: str):
    """``'text'`` is itself; ``thing.field`` a field of a world object; ``thing``
    that object's pk (its slug for a ``slug``)."""
    if value.startswith("'"):
        return value.strip("'")
    name, _, field = value.partition(".")
    obj = getattr(world, name)
    if field:
        return getattr(obj, field)
    if isinstance(obj, str):
        return obj
    return obj.slug if key == "slug" else obj.pk


def outcome(response) -> str:
    if response.status_code != 302:
        return str(response.status_code)
    path = urlsplit(response["Location"]).path
    if path == reverse("account_login"):
        return "login"
    return ">" + resolve(path).view_name


def sign_in_as(client, world: World, role: str) -> None:
    client.logout()
    if role in (ADMIN, PASSWORD_ONLY):
        login(client, superuser(), second_factor=role == ADMIN)
        return
    user = world.user(role)
    if user is not None:
        login(client, user)


def superuser():
    """Ada, a superuser with two-factor set up."""
    ada, made = User.objects.get_or_create(
        email="ada@example.org", defaults={"is_staff": True, "is_superuser": True}
    )
    if made or not Authenticator.objects.filter(user=ada).exists():
        TOTP.activate(ada, TOTP_SECRET)
    return ada


def check(
    client, world: World, rows: dict[str, Row], method: str, roles=ROLES
) -> list[str]:
    client.raise_request_exception = False  # a 500 is reported like any other outcome
    wrong = []
    for role in roles:
        sign_in_as(client, world, role)
        for row in rows.values():
            url = url_for(row, world)
            with transaction.atomic():
                response = getattr(client, method)(url)
                transaction.set_rollback(True)
            got, expected = outcome(response), row.outcomes[role]
            if got != expected:
                wrong.append(
                    f"{method.upper()} {url} ({row.name}) as {role}: "
                    f"expected {expected}, got {got}"
                )
    return wrong


def test_every_url_pattern_has_a_row():
    served = dict(url_patterns())
    get_rows, post_rows = parse(GET_ROWS), parse(POST_ROWS)
    missing = sorted(set(served) - set(get_rows))
    assert not missing, (
        "These URL patterns have no row in GET_ROWS of tests/test_permission_matrix.py "
        "(add one saying what each role gets):\n"
        + "\n".join(f"  {name}  (/{served[name]})" for name in missing)
    )
    post_only = {n for n, row in get_rows.items() if "405" in row.outcomes.values()}
    missing_post = sorted(post_only - set(post_rows))
    assert not missing_post, (
        f"These POST-only patterns have no row in POST_ROWS: {missing_post}"
    )
    stale = sorted((set(get_rows) | set(post_rows)) - set(served))
    assert not stale, f"Rows for patterns the site no longer has: {stale}"


def test_what_each_role_gets_for_a_get(client, world):
    rows = {n: r for n, r in parse(GET_ROWS).items() if n in dict(url_patterns())}
    wrong = check(client, world, rows, "get")
    assert not wrong, "\n".join(wrong)


def test_what_each_role_gets_for_an_empty_post(client, world):
    rows = {n: r for n, r in parse(POST_ROWS).items() if n in dict(url_patterns())}
    wrong = check(client, world, rows, "post")
    assert not wrong, "\n".join(wrong)


def test_the_admin_is_for_staff_who_gave_their_second_factor(client, world):
    rows = parse(ADMIN_ROWS, ADMIN_ROLES)
    wrong = check(client, world, rows, "get", ADMIN_ROLES)
    assert not wrong, "\n".join(wrong)


def _password_only_outcome(url: str) -> str:
    """A password-only staff session gets nothing: pages send it to give its code,
    the API answers 403."""
    return "403" if _is_api_endpoint(url) else ">mfa_reauthenticate"


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_password_only_staff_session_gets_nothing_anywhere(client, world, method):
    served = dict(url_patterns())
    table = GET_ROWS if method == "get" else POST_ROWS
    rows = {
        name: Row(name, row.args, {PASSWORD_ONLY: _password_only_outcome(url)})
        for name, row in parse(table).items()
        if name in served
        for url in [url_for(row, world)]
        if row.outcomes["staff"] not in ("405", "login")
    }
    assert len(rows) > 20
    wrong = check(client, world, rows, method, (PASSWORD_ONLY,))
    assert not wrong, "\n".join(wrong)


def test_a_password_only_staff_session_gives_its_code_then_gets_in(client, world):
    sign_in_as(client, world, PASSWORD_ONLY)
    response = client.get("/oversight/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    code = format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))
    client.post(reverse("mfa_reauthenticate"), {"code": code})
    assert client.get("/oversight/audit/").status_code == 200
    assert client.get("/admin/").status_code == 200


def _is_api_endpoint(url: str) -> bool:
    match = resolve(url.split("?")[0])
    return match.namespace == "api" and match.url_name != "openapi-view"


def test_staff_and_officers_without_two_factor_are_sent_to_set_it_up(client, world):
    Authenticator.objects.filter(user__in=[world.staff, world.officer.user]).delete()
    setup = reverse("mfa_activate_totp")
    rows = parse(GET_ROWS)
    served = dict(url_patterns())
    for role in ("officer", "staff"):
        sign_in_as(client, world, role)
        for row in rows.values():
            if row.name in served:
                url = url_for(row, world)
                response = client.get(url)
                if _is_api_endpoint(url):
                    assert response.status_code == 403, row.name
                    assert response["Content-Type"] == "application/problem+json"
                    assert setup in response.json()["detail"], row.name
                    continue
                assert (response.status_code, response.get("Location")) == (
                    302,
                    setup,
                ), f"{row.name} as {role} without two-factor"
