from mentorscheme.mentoring import services
from tests import factories as f
from tests.api.conftest import Api, assert_problem
from tests.personas import mentor


def test_a_candidate_sees_only_mentors_the_rules_allow(api_as, alice, bob, dora):
    full = mentor(first_name="Fay", last_name="Full", profile={"capacity": 0})
    body = api_as(alice).get("/directory").json()
    ids = {m["id"] for m in body["items"]}
    assert bob.mentor_profile.pk in ids
    assert dora.mentor_profile.pk in ids
    assert full.mentor_profile.pk not in ids
    assert body["count"] == len(ids) == 2


def test_the_directory_never_gives_contact_details(api_as, alice, bob):
    response = api_as(alice).get("/directory")
    assert bob.email not in response.content.decode()
    assert "email" not in response.json()["items"][0]


def test_it_filters_like_the_site(api_as, alice, bob, dora):
    api = api_as(alice)
    by_mode = api.get("/directory", {"mode": "teams"}).json()["items"]
    assert [m["id"] for m in by_mode] == [dora.mentor_profile.pk]
    by_region = api.get("/directory", {"region": "wales"}).json()["items"]
    assert [m["id"] for m in by_region] == [dora.mentor_profile.pk]
    assert_problem(api.get("/directory", {"region": "atlantis"}), 422, "invalid")


def test_it_pages_with_a_maximum(api_as, alice, bob, dora):
    api = api_as(alice)
    page = api.get("/directory", {"limit": 1, "offset": 1}).json()
    assert page["count"] == 2 and len(page["items"]) == 1
    assert (page["limit"], page["offset"]) == (1, 1)
    assert_problem(api.get("/directory", {"limit": 101}), 422, "invalid")


def test_one_entry_is_found_only_if_allowed(api_as, alice, bob):
    full = mentor(profile={"capacity": 0})
    api = api_as(alice)
    assert api.get(f"/directory/{bob.mentor_profile.pk}").json()["first_name"] == "Bob"
    assert_problem(api.get(f"/directory/{full.mentor_profile.pk}"), 404, "not-found")


def test_a_token_with_the_scope_sees_the_listing(client, make_token, bob):
    body = Api(client, make_token("directory:read")).get("/directory").json()
    assert [m["id"] for m in body["items"]] == [bob.mentor_profile.pk]
    assert body["items"][0]["score"] == 0
    assert_problem(Api(client, make_token("read")).get("/directory"), 403, "forbidden")


def test_a_member_who_is_not_a_candidate_cannot_use_it(api_as, bob):
    assert_problem(api_as(bob).get("/directory"), 403, "forbidden")


def test_an_officer_sees_every_listed_mentor(api_as, olivia, bob):
    items = api_as(olivia).get("/directory").json()["items"]
    assert bob.mentor_profile.pk in {m["id"] for m in items}


def test_an_officer_who_is_also_a_candidate_sees_their_own_allowed_mentors(
    api_as, olivia, bob
):
    f.enrol(olivia, "fellowship")  # Bob, Chartered, may not mentor a Fellowship
    assert api_as(olivia).get("/directory").json()["items"] == []


def test_a_candidate_whose_portfolio_is_submitted_has_no_mentor_to_ask(
    api_as, alice, bob, sam
):
    services.enrolment_set_status(
        enrolment=alice.enrolments.get(), status="submitted", by=sam
    )
    api = api_as(alice)
    body = api.get("/directory").json()
    assert body["items"] == [] and body["count"] == 0
    entry = api.get(f"/directory/{bob.mentor_profile.pk}")
    problem = assert_problem(entry, 404, "not-found")
    assert "Your portfolio is submitted" in problem["detail"]


def test_a_candidate_asked_for_further_information_sees_the_mentors_to_ask(
    api_as, alice, bob, sam
):
    enrolment = alice.enrolments.get()
    services.enrolment_set_status(enrolment=enrolment, status="submitted", by=sam)
    services.enrolment_set_status(enrolment=enrolment, status="further_info", by=sam)
    items = api_as(alice).get("/directory").json()["items"]
    assert bob.mentor_profile.pk in {m["id"] for m in items}


def test_a_candidate_with_two_enrolments_chooses_which_one_the_mentors_are_for(
    api_as, alice, bob, dora, sam
):
    chartership = alice.enrolments.get()
    newest = f.enrol(alice, "certification")
    services.enrolment_set_status(enrolment=newest, status="submitted", by=sam)
    api = api_as(alice)
    assert api.get("/directory").json()["items"] == []  # the newest is submitted
    items = api.get(f"/directory?enrolment_id={chartership.pk}").json()["items"]
    assert bob.mentor_profile.pk in {m["id"] for m in items}
    entry = api.get(f"/directory/{bob.mentor_profile.pk}?enrolment_id={chartership.pk}")
    assert entry.status_code == 200
    someone_elses = f.enrol(f.MemberFactory())
    problem = assert_problem(
        api.get(f"/directory?enrolment_id={someone_elses.pk}"), 404, "not-found"
    )
    assert problem["detail"] == "You have no open enrolment with that id."
