"""axe-core finds no serious or critical problem on any main page, for any role, and
nothing on those pages is out of place at 390 or 1280 px (helpers.layout_problems).

The bar is WCAG 2.2 AA (DESIGN.md): axe runs its WCAG 2.0/2.1/2.2 A and AA rules and
its best practices, in Chromium, on each page as each role sees it, and on forms shown
back with errors. axe-core comes from the PyPI package axe-playwright-python (pinned
in requirements-dev.txt), which ships axe.min.js.
"""

import pytest

from mentorscheme.members.models import User
from mentorscheme.mentors.models import MentorStatus
from tests import factories as f
from tests.browser.helpers import (
    accessibility_problems,
    axe_version,
    layout_problems,
    sign_in,
)
from tests.personas import mentor

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def world(world):
    """The shared world, with a listed Fellow and a member who has only registered
    an interest in mentoring."""
    world.dora = mentor(first_name="Dora", last_name="Davies", level="fellowship")
    world.ivy = f.MemberFactory(
        first_name="Ivy", last_name="Ives", email="ivy@example.org"
    )
    f.award(world.ivy, "chartership")
    f.with_account(world.ivy)
    f.mentor_profile(
        world.ivy,
        status=MentorStatus.INTERESTED,
        trained_on=None,
        workshop_attended_on=None,
    )
    return world


WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 390, "height": 844}


def wrong_password(page):
    page.get_by_label("Email").fill("nobody@example.org")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()


# Each role's pages: (what, path, what to do first: press this button, the form left
# empty, to see the errors; or a function of the page), and the status the page is
# answered with when it is not 200 (the site's own error pages).
def pages_for(role: str, w) -> list[tuple]:
    event, relationship = f"/training/{w.event.pk}/", w.relationship.pk
    return {
        "anonymous": [
            ("home", "/", None),
            ("guidance", "/guidance/", None),
            ("a guidance page", f"/guidance/{w.guidance_page.slug}/", None),
            ("contact", "/contact/", None),
            ("contact, with errors", "/contact/", "Send your message"),
            ("sign in", "/accounts/login/", None),
            ("sign in, with errors", "/accounts/login/", wrong_password),
            ("sign up", "/accounts/signup/", None),
            ("password reset", "/accounts/password/reset/", None),
            ("training list", "/training/", None),
            ("an event", event, None),
            ("a page that is not there", "/no-such-page/", None, 404),
        ],
        "unlinked": [
            ("home, not linked to a membership", "/", None),
            ("your mentoring, not linked", "/mentoring/", None, 403),
        ],
        "candidate": [
            ("home", "/", None),
            ("your account", "/members/me/", None),
            ("find a mentor", "/mentoring/directory/", None),
            (
                "a mentor's page",
                f"/mentoring/directory/{w.dora.mentor_profile.pk}/",
                None,
            ),
            (
                "a mentor's page, with errors",
                f"/mentoring/directory/{w.dora.mentor_profile.pk}/",
                "Send my request",
            ),
            ("your mentoring", "/mentoring/", None),
            ("your line manager", "/mentoring/line-manager/", None),
            ("your line manager, with errors", "/mentoring/line-manager/", "Save"),
            ("contact details for mentoring", "/members/me/contact/", None),
            ("a request", f"/mentoring/requests/{w.request.pk}/", None),
            ("enrolments", "/mentoring/enrol/", None),
            (
                "withdraw from a qualification",
                f"/mentoring/enrolments/{w.request.enrolment.pk}/withdraw/",
                None,
            ),
            ("an event", event, None),
        ],
        "member": [
            ("become a mentor", "/mentors/", None),
            ("apply to mentor", "/mentors/apply/", None),
            ("apply to mentor, with errors", "/mentors/apply/", "Send my application"),
            ("a page for support officers", "/oversight/", None, 403),
        ],
        "mentor": [
            ("mentoring home", "/mentors/", None),
            ("a request", f"/mentoring/requests/{w.request.pk}/", None),
            (
                "a request, declined without a reason",
                f"/mentoring/requests/{w.request.pk}/",
                "Decline the request",
            ),
            (
                "a request, accepted without confirming",
                f"/mentoring/requests/{w.request.pk}/",
                "Accept Alice as my candidate",
            ),
            ("a relationship", f"/mentoring/relationships/{relationship}/", None),
            (
                "the agreement",
                f"/mentoring/relationships/{relationship}/agreement/",
                None,
            ),
            (
                "log a meeting, with errors",
                f"/mentoring/relationships/{relationship}/meetings/new/",
                "Add to the log",
            ),
            ("your profile", "/mentors/profile/", None),
            ("confirm your places", "/mentors/availability/", None),
            (
                "confirm the mentoring is complete",
                f"/mentoring/relationships/{relationship}/complete/",
                None,
            ),
        ],
        "officer": [
            ("home", "/", None),
            ("review list", "/mentors/review/", None),
            ("review page", f"/mentors/review/{w.review_profile.pk}/", None),
            (
                "review page, with errors",
                f"/mentors/review/{w.review_profile.pk}/",
                "Record decision",
            ),
            ("event management", "/training/manage/", None),
            ("an event's bookings", f"/training/manage/{w.event.pk}/", None),
            (
                "create an event, with errors",
                "/training/manage/new/",
                "Create the event",
            ),
            ("register", "/members/register/", None),
            ("a member", f"/members/register/{w.member.pk}/", None),
            ("find a mentor", "/mentoring/directory/", None),
            ("a relationship", f"/mentoring/relationships/{relationship}/", None),
            ("oversight dashboard", "/oversight/", None),
            ("allocation runs", "/oversight/allocations/", None),
            (
                "an allocation run",
                f"/oversight/allocations/{w.allocation_run.pk}/",
                None,
            ),
            ("up to date with the regulations", "/oversight/up-to-date/", None),
            ("line managers", "/oversight/line-managers/", None),
            ("reports", "/oversight/reports/", None),
            ("a report", f"/oversight/reports/{w.report}/", None),
            ("privacy notice", "/privacy/", None),
            ("calendar feed", "/privacy/calendar/", None),
        ],
        "staff": [
            ("oversight dashboard", "/oversight/", None),
            ("audit log", "/oversight/audit/", None),
            ("scheme administration", "/oversight/scheme/", None),
            ("regions", "/oversight/scheme/regions/", None),
            ("merge two regions", "/oversight/scheme/regions/merge/", None),
            ("sorts of organisation", "/oversight/scheme/organisation-types/", None),
            ("add a qualification", "/oversight/scheme/qualifications/new/", None),
            ("qualifications", "/oversight/scheme/qualifications/", None),
            ("regulations", "/oversight/scheme/regulations/", None),
            ("appointments", "/oversight/scheme/appointments/", None),
            ("scheme settings", "/oversight/scheme/settings/", None),
            ("import the member records", "/members/import/", None),
            ("an import", f"/members/import/{w.register_import.pk}/", None),
            (
                "an enrolment's next step",
                f"/mentoring/enrolments/{w.request.enrolment.pk}/status/",
                None,
            ),
            (
                "an enrolment's next step, with errors",
                f"/mentoring/enrolments/{w.request.enrolment.pk}/status/",
                "Record and tell the candidate",
            ),
            ("API tokens", "/api/tokens/", None),
            ("erase a member's data", f"/privacy/erase/{w.member.pk}/", None),
            ("erasures", "/privacy/erasures/", None),
            (
                "record an enrolment's outcome",
                f"/mentoring/enrolments/{w.request.enrolment_id}/status/",
                None,
            ),
            ("a mentor's record", f"/members/register/{w.mentor.pk}/", None),
            ("outbox", "/outbox/", None),
            ("a message", f"/outbox/{w.outbox_message.pk}/", None),
            ("feedback triage", "/contact/triage/", None),
            ("a feedback item", f"/contact/triage/{w.feedback.pk}/", None),
            ("edit guidance", f"/guidance/{w.guidance_page.slug}/edit/", None),
            ("publish a briefing", "/training/briefings/new/", None),
        ],
    }[role]


def user_for(role: str, world) -> User | None:
    if role == "member":
        return world.ivy.user
    if role == "unlinked":
        return User.objects.create_user(
            email="nobody-on-record@example.org", password=f.PASSWORD
        )
    return world.user(role)


@pytest.mark.parametrize(
    "role",
    ["anonymous", "unlinked", "candidate", "member", "mentor", "officer", "staff"],
)
def test_no_serious_accessibility_problem_on_any_page(open_page, world, role):
    page = open_page(role, signed_in_as=user_for(role, world))
    problems, audited = [], []
    shown = None  # the path on screen, as it loaded (nothing pressed yet)
    for what, path, press, *answered in pages_for(role, world):
        page.set_viewport_size(WIDE)
        if path != shown:  # "X, with errors" starts from X, still on screen
            response = page.goto(path)
            expected = answered[0] if answered else 200
            assert response.status == expected, (
                f"{what}: {path} answered {response.status}"
            )
        shown = None if press else path
        if callable(press):
            press(page)
        elif press:
            page.get_by_role("button", name=press, exact=True).click()
        if press:
            page.locator(".error-summary, .message-error").first.wait_for()
            page.wait_for_load_state("load")  # its stylesheet applied, as people see it
        audited.append(what)
        problems += [f"{what}: {p}" for p in accessibility_problems(page)]
        problems += [f"{what}: {p}" for p in layout_problems(page)]
        # The same page on a phone: the layout (and the menu) change, so audit again.
        page.set_viewport_size(NARROW)
        problems += [f"{what} at 390 px: {p}" for p in accessibility_problems(page)]
        problems += [f"{what} at 390 px: {p}" for p in layout_problems(page)]
    assert not problems, (
        f"axe {axe_version()} and the layout checks found problems:\n"
        + "\n".join(problems)
    )


def test_the_two_factor_step_is_accessible(open_page, olivia):
    page = open_page("olivia")
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("olivia@example.org")
    page.get_by_label("Password").fill(f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/2fa/authenticate/")
    assert accessibility_problems(page) == []
    page.get_by_label("Code").fill("000000")
    # The page that says the code was wrong, once loaded (its stylesheet applied).
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Sign in").click()
    assert accessibility_problems(page) == []


def test_signing_in_with_two_factor_works_with_the_real_code(open_page, olivia):
    page = open_page("olivia")
    sign_in(page, "olivia@example.org", totp_secret=f.TOTP_SECRET)
    assert page.url.endswith("/")


def test_axe_does_report_a_problem_when_there_is_one(open_page, db):
    # The negative control: a field that has lost its label.
    page = open_page()
    page.goto("/contact/")
    page.evaluate("() => document.querySelector('label[for=id_message]').remove()")
    problems = accessibility_problems(page)
    assert any("label" in problem for problem in problems), problems


def test_the_layout_checks_do_report_a_problem_when_there_is_one(open_page, db):
    # The negative control: a box to tick above its words, a link broken over two
    # lines beside a button, a line wider than a phone, a chart's labels on top of
    # each other, a chart wider than a phone, words cut off at a chart's edge and
    # words too small to read. (The site's CSP refuses style attributes: the markup does it.)
    page = open_page()
    page.set_viewport_size(NARROW)
    page.goto("/contact/")
    page.evaluate(
        """() => document.querySelector("main").insertAdjacentHTML("beforeend",
            '<p><input type="checkbox" id="tick"></p><p><label for="tick">Tick me'
            + '</label></p><p><button>Go</button><a href="/">a link long enough to'
            + ' break over two lines on a narrow phone screen</a></p>'
            + '<pre>' + 'a line that does not wrap '.repeat(4) + '</pre>'
            + '<svg viewBox="0 0 100 20"><text x="0" y="15">181–365 days</text>'
            + '<text x="30" y="15">Over 365 days</text></svg>'
            + '<svg role="img" viewBox="0 0 1200 40" width="1200"><title>Wide</title>'
            + '<text x="1150" y="30" font-size="15">Nov 2026</text></svg>'
            + '<svg role="img" viewBox="0 0 600 40" width="300"><title>Tiny</title>'
            + '<text x="0" y="30" font-size="14">Dec</text></svg>'
            + '<div><button>Send</button></div><div><button>Discard</button></div>'
            + '<table><tr><td><label><strong>Verified</strong></label></td><td>'
            + 'a wide cell '.repeat(40) + '</td></tr></table>'
            + '<table><tr><td><button>Take out this pair from the proposal</button>'
            + '</td><td>' + 'a wide cell '.repeat(20) + '</td></tr></table>')"""
    )
    problems = "\n".join(layout_problems(page))
    assert '"Tick me" is not beside its words' in problems, problems
    assert "beside a button breaks over lines" in problems, problems
    assert "px wide on a 390 px screen" in problems, problems
    assert '"181–365 days" and "Over 365 days" of a chart overlap' in problems
    assert 'the chart "Wide" runs off the screen' in problems, problems
    assert 'the words "Nov 2026" of a chart are cut off' in problems, problems
    assert 'the words "Dec" of a chart are 7.0 px high' in problems, problems
    assert 'the buttons "Send" and "Discard" touch' in problems, problems
    assert 'the words "Verified" in a label break over lines' in problems, problems
    assert 'the button "Take out this pair from the proposal" in a table breaks' in (
        problems
    ), problems


def test_the_password_rules_are_read_out_with_the_password_field(open_page, db):
    # The rules are a list: in a paragraph the browser would end the paragraph
    # before the list, and the field would be described by nothing.
    page = open_page()
    page.goto("/accounts/signup/")
    described = page.get_by_label("Password", exact=True).evaluate(
        """field => field.getAttribute("aria-describedby").split(" ")
            .map(id => document.getElementById(id).innerText).join(" ")"""
    )
    assert "at least 8 characters" in described, described


def test_the_officer_pages_show_which_one_you_are_on(open_page, olivia):
    page = open_page("olivia", signed_in_as=olivia.user)
    page.goto("/oversight/allocations/")
    links = page.get_by_role("navigation", name="Dashboard pages")
    weight = "element => getComputedStyle(element).fontWeight"
    here = links.get_by_role("link", name="Allocations")
    assert here.get_attribute("aria-current") == "page"
    assert here.evaluate(weight) == "700"
    assert links.get_by_role("link", name="Reports").evaluate(weight) == "400"


def test_a_long_email_address_fits_the_narrowest_phone(open_page, db):
    # WCAG's reflow width: 320 px, without scrolling sideways.
    member = f.MemberFactory(
        first_name="Bartholomew",
        last_name="Featherstonehaugh",
        email="bartholomew.featherstonehaugh.100316@members.example",
    )
    f.with_account(member)
    page = open_page("bartholomew", signed_in_as=member.user)
    page.set_viewport_size({"width": 320, "height": 800})
    problems = []
    for path in ("/members/me/", "/accounts/email/", "/accounts/password/reset/"):
        page.goto(path)
        problems += layout_problems(page)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("path", "button"),
    [("/accounts/login/", "Sign in"), ("/accounts/signup/", "Sign up")],
)
def test_an_empty_sign_in_or_sign_up_shows_the_sites_error_summary(
    open_page, db, path, button
):
    # Without novalidate the browser would keep the form back with its own bubble.
    page = open_page()
    page.goto(path)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name=button, exact=True).click()
    assert page.title().startswith("Error: ")
    summary = page.get_by_role("alert")
    assert "There is a problem" in summary.inner_text()
    assert accessibility_problems(page) == []
