"""Line managers the rules can see: declared, imported or sent by the API."""

import re

from django.core import mail

from mentorscheme.api import services as api_services
from mentorscheme.mentoring import services
from mentorscheme.mentoring.models import (
    HelpFlag,
    MentoringRelationship,
    MentoringRequest,
)
from tests import factories as f
from tests.api.conftest import ALL_SCOPES, Api
from tests.mentoring.test_requests import ask
from tests.personas import login


def accept(client, mentor_member, request, confirm=True):
    login(client, mentor_member)
    data = {"not_line_manager": "yes"} if confirm else {}
    return client.post(f"/mentoring/requests/{request.pk}/accept/", data, follow=True)


def test_a_candidate_declares_a_member_line_manager_at_enrolment(client, dora, db):
    member = f.MemberFactory(first_name="Ned", last_name="North")
    f.with_account(member)
    login(client, member)
    response = client.post(
        "/mentoring/enrol/",
        {
            "qualification": f.qualification("chartership").pk,
            "line_manager": "member",
            "line_manager_member": dora.membership_number,
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.declared_line_manager == dora
    assert "Dora Davies" not in client.get("/mentoring/directory/").text
    page = client.get(f"/mentoring/directory/{dora.mentor_profile.pk}/")
    assert page.status_code == 404


def test_an_unknown_member_line_manager_is_refused_with_what_to_do(client, db):
    member = f.MemberFactory()
    f.with_account(member)
    login(client, member)
    response = client.post(
        "/mentoring/enrol/",
        {
            "qualification": f.qualification("chartership").pk,
            "line_manager": "member",
            "line_manager_member": "Nobody Atall",
        },
    )
    assert response.status_code == 400
    assert "We could not find one member" in response.text
    assert not member.enrolments.exists()


def test_declaring_later_closes_the_pending_request_and_the_candidate_reads_why(
    client, alice, dora, django_capture_on_commit_callbacks
):
    ask(client, alice, dora)
    request = MentoringRequest.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/mentoring/line-manager/",
            {"line_manager": "member", "line_manager_member": "Dora Davies"},
        )
    request.refresh_from_db()
    assert request.status == "closed"
    page = client.get(f"/mentoring/requests/{request.pk}/")
    assert "Why this request was closed" in page.text
    assert "Dora Davies is recorded as your line manager" in page.text
    assert sorted(m.to[0] for m in mail.outbox) == [
        "alice@example.org",
        "dora@example.org",
    ]


def record_line_manager_by_api(client, candidate, manager):
    """The membership database sends the candidate's record naming their manager."""
    _, token = api_services.token_create(
        name="Membership database", scopes=ALL_SCOPES, created_by=None
    )
    client.logout()
    response = Api(client, token).put(
        f"/members/{candidate.membership_number}",
        {
            "first_name": candidate.first_name,
            "last_name": candidate.last_name,
            "email": candidate.email,
            "region": candidate.region.code,
            "membership_status": "current",
            "line_manager": manager.membership_number,
        },
    )
    assert response.status_code == 200, response.content


def test_a_line_manager_sent_by_the_api_closes_the_pending_request(client, alice, dora):
    ask(client, alice, dora)
    record_line_manager_by_api(client, alice, dora)
    request = MentoringRequest.objects.get()
    assert request.status == "closed"
    assert "on the membership register" in request.closed_reason


def test_the_mentor_confirms_they_do_not_manage_the_candidate(client, alice, dora):
    ask(client, alice, dora)
    request = MentoringRequest.objects.get()
    page = accept(client, dora, request, confirm=False)
    # Shown as any form's error: on the box itself, and the page says so first.
    assert page.status_code == 400
    assert "<title>Error: " in page.text
    box = re.search(r'<input type="checkbox" name="not_line_manager"[^>]*>', page.text)
    assert 'aria-invalid="true"' in box[0]
    box_id = re.search(r' id="([^"]+)"', box[0])[1]
    assert re.search(
        rf'<a href="#{box_id}">[^<]*Confirm that you do not line-manage this '
        "candidate",
        page.text,
    )
    assert not MentoringRelationship.objects.exists()
    accept(client, dora, request)
    assert MentoringRelationship.objects.exists()


def test_a_link_found_during_mentoring_is_flagged_and_an_officer_ends_it(
    client, alice, dora, olivia, django_capture_on_commit_callbacks
):
    ask(client, alice, dora)
    accept(client, dora, MentoringRequest.objects.get())
    relationship = MentoringRelationship.objects.get()
    alice.line_manager = dora  # as the import or the admin records it
    alice.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.register_changed()["flagged"] == 1
    assert services.register_changed()["flagged"] == 0
    flag = HelpFlag.objects.get(why="line_manager")
    assert flag.relationship == relationship
    assert mail.outbox and "olivia@example.org" in mail.outbox[0].to
    assert "Dora Davies mentors Alice Archer for Chartership." in mail.outbox[0].body
    # What the email asks of the officer is what the site lets them do.
    assert "the flag then closes by itself" in mail.outbox[0].body
    assert "mark the flag resolved" not in mail.outbox[0].body
    relationship.refresh_from_db()
    assert relationship.is_active  # never silently ended
    login(client, olivia)
    assert "Decide" in client.get("/oversight/").text
    page = client.get(f"/mentoring/relationships/{relationship.pk}/")
    assert "Needs a support officer" in page.text
    # The dashboard offers no button for this: it closes when the record changes.
    assert (
        "If the record is wrong, have the member records or the candidate's "
        "declaration corrected: this then closes by itself." in page.text
    )
    assert "mark the flag resolved" not in page.text
    mail.outbox.clear()
    end = f"/mentoring/relationships/{relationship.pk}/end-by-officer/"
    why = {"reason": "Dora is Alice's line manager on the register."}
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(end, why).text
    assert "End the mentoring of Alice Archer by Dora Davies?" in asked
    assert "Alice Archer and Dora Davies are each emailed" in asked
    relationship.refresh_from_db()
    assert relationship.is_active and not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        client.post(end, why | {"confirmed": "yes"})
    relationship.refresh_from_db()
    assert relationship.status == "ended_early"
    assert relationship.ended_by == "scheme"
    flag.refresh_from_db()
    assert flag.resolved_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == [
        "alice@example.org",
        "dora@example.org",
    ]


def test_officers_see_where_the_register_and_a_declaration_disagree(
    client, alice, dora, bob, olivia
):
    alice.line_manager = bob
    alice.save()
    services.line_manager_declare(member=alice, declaration="member", manager=dora)
    login(client, olivia)
    page = client.get("/oversight/line-managers/")
    assert "Alice Archer" in page.text
    assert "Bob Baker" in page.text and "Dora Davies" in page.text


def _flag_line_manager(client, alice, dora, django_capture_on_commit_callbacks):
    ask(client, alice, dora)
    accept(client, dora, MentoringRequest.objects.get())
    alice.line_manager = dora
    alice.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.register_changed()
    return MentoringRelationship.objects.get()


def officers_told():
    """Who was emailed about a flagged pair, less the pair themselves."""
    pair = {"alice@example.org", "dora@example.org"}
    return [m.to for m in mail.outbox if not pair & set(m.to)]


def test_a_flagged_pair_goes_to_the_candidates_side_of_the_candidates_region(
    client, alice, dora, django_capture_on_commit_callbacks
):
    # London (Alice's region) has a Mentor Support Officer and a Candidate Support
    # Officer; Wales (Dora's) has a support officer. The candidate's side decides.
    mso = f.MemberFactory(first_name="Mona", email="mona@example.org")
    cso = f.MemberFactory(first_name="Cyril", email="cyril@example.org")
    welsh = f.MemberFactory(email="wyn@example.org", region=f.region("wales"))
    for officer, region, role in (
        (mso, "london", "mso"),
        (cso, "london", "cso"),
        (welsh, "wales", "support"),
    ):
        f.award(officer, "chartership")
        f.with_account(officer, totp=True)
        f.appoint(officer, region, role=role)
    relationship = _flag_line_manager(
        client, alice, dora, django_capture_on_commit_callbacks
    )
    assert officers_told() == [["cyril@example.org"]]
    url = f"/mentoring/relationships/{relationship.pk}/"
    login(client, mso)
    assert "Decide" not in client.get("/oversight/").text
    assert "End this mentoring" not in client.get(url).text
    response = client.post(f"{url}end-by-officer/", {"reason": "Her line manager."})
    assert response.status_code == 403
    relationship.refresh_from_db()
    assert relationship.is_active
    login(client, cso)
    assert "Decide" in client.get("/oversight/").text
    assert "End this mentoring" in client.get(url).text
    client.post(
        f"{url}end-by-officer/", {"reason": "Her line manager.", "confirmed": "yes"}
    )
    relationship.refresh_from_db()
    assert relationship.status == "ended_early"


def test_a_flagged_pair_in_a_region_without_a_candidate_support_officer_goes_to_staff(
    client, alice, dora, sam, django_capture_on_commit_callbacks
):
    mso = f.MemberFactory(email="mona@example.org")
    f.award(mso, "chartership")
    f.appoint(mso, "london", role="mso")
    _flag_line_manager(client, alice, dora, django_capture_on_commit_callbacks)
    assert officers_told() == [["sam@example.org"]]


def test_the_enrolment_forms_line_manager_choices_read_out_their_own_hint(client, db):
    # Two groups of choices on one form (ways of meeting, the line manager): each
    # is described by its own hint and error, and the error summary takes the
    # reader to the group's first choice.
    member = f.MemberFactory()
    f.with_account(member)
    login(client, member)
    page = client.post("/mentoring/enrol/", {"qualification": ""}).text
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "an id is used twice"
    choice = re.search(
        r'<input type="radio" name="line_manager" value="member"[^>]*>', page
    )[0]
    described = re.search(r'aria-describedby="([^"]+)"', choice)[1].split()
    words = [
        re.search(rf'id="{name}">(.*?)</(p|div)>', page, re.S)[1] for name in described
    ]
    assert "A line manager cannot be your mentor" in words[0]
    assert "Say who your line manager is" in words[1]
    first = re.search(r' id="([^"]+)"', choice)[1]
    assert re.search(rf'<a href="#{first}">Who is your line manager', page)


def test_declaring_your_mentor_as_line_manager_says_what_happens_next(
    client, alice, dora
):
    ask(client, alice, dora)
    accept(client, dora, MentoringRequest.objects.get())
    login(client, alice)
    page = client.post(
        "/mentoring/line-manager/",
        {"line_manager": "member", "line_manager_member": dora.membership_number},
        follow=True,
    ).text
    assert "Dora Davies mentors you now" in page
    assert "support officer has been asked to decide" in page


def test_the_pair_hear_what_happens_next_when_a_link_is_found_during_mentoring(
    client, alice, dora, olivia, django_capture_on_commit_callbacks
):
    ask(client, alice, dora)
    accept(client, dora, MentoringRequest.objects.get())
    relationship = MentoringRelationship.objects.get()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        record_line_manager_by_api(client, alice, dora)
    told = {m.to[0]: m for m in mail.outbox}
    assert "olivia@example.org" in told
    to_dora, to_alice = told["dora@example.org"], told["alice@example.org"]
    assert "you as Alice Archer's line manager, on the membership register" in (
        to_dora.body
    )
    assert "Dora Davies as your line manager, on the membership register" in (
        to_alice.body
    )
    assert "your region's support officer has been asked to decide" in to_alice.body
    assert "the support officer for Alice's region has been asked" in to_dora.body
    for email in (to_dora, to_alice):
        assert "a line manager does not mentor someone they manage" in email.body
        assert "not a concern about how the mentoring has gone" in email.body
        assert "carries on until then" in email.body
        assert f"/mentoring/relationships/{relationship.pk}/" in email.body
    assert "tell the registration team" in to_dora.body
    assert "correct it on your mentoring page" not in to_alice.body  # the register's
    # Found again by the next run: nobody is told twice.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.register_changed()
    assert not mail.outbox


def test_a_pair_in_a_region_without_a_candidate_support_officer_hear_staff_decide(
    client, alice, dora, sam, django_capture_on_commit_callbacks
):
    _flag_line_manager(client, alice, dora, django_capture_on_commit_callbacks)
    told = {m.to[0]: m for m in mail.outbox}
    assert "the registration team has been asked to decide" in (
        told["dora@example.org"].body
    )
