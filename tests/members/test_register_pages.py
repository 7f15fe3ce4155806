from tests.personas import login


def test_an_officer_searches_the_register_of_their_region(client, olivia, alice, oscar):
    response = login(client, olivia).get("/members/register/", {"q": "Archer"})
    assert response.status_code == 200
    assert "Alice Archer" in response.text
    assert "Oscar" not in response.text


def test_an_officer_cannot_open_a_member_of_another_region(client, oscar, alice):
    assert login(client, oscar).get(f"/members/register/{alice.pk}/").status_code == 404


def test_a_candidate_cannot_browse_the_register(client, alice):
    assert login(client, alice).get("/members/register/").status_code == 403


def test_staff_without_two_factor_are_sent_to_set_it_up(client, sam):
    response = login(client, sam).get("/members/register/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_staff_with_two_factor_see_every_region(client, sam_with_totp, alice, oscar):
    response = login(client, sam_with_totp).get("/members/register/")
    assert "Alice Archer" in response.text and "Oscar Ortiz" in response.text


def test_your_account_shows_the_current_level(client, bob):
    response = login(client, bob).get("/members/me/")
    assert "Chartership (MCLIP)" in response.text
