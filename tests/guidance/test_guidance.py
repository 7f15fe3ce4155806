from mentorscheme.guidance.models import GuidancePage
from tests.conftest import login


def test_guidance_pages_are_published_for_everyone(client, db):
    index = client.get("/guidance/")
    assert index.status_code == 200
    for title in (
        "How the scheme works for candidates",
        "Choosing a mentor",
        "Becoming a mentor",
        "The regulations in force",
    ):
        assert title in index.text
    page = client.get("/guidance/choosing-a-mentor/")
    assert "not your line manager" in page.text
    assert "<h2>Meeting remotely</h2>" in page.text


def test_staff_edit_guidance_without_a_deploy(client, sam_with_totp):
    login(client, sam_with_totp)
    response = client.post(
        "/guidance/becoming-a-mentor/edit/",
        {
            "title": "Becoming a mentor",
            "summary": "New",
            "body": "## Steps\n\nApply.",
            "is_published": "on",
        },
    )
    assert response.status_code == 302
    assert "<h2>Steps</h2>" in client.get("/guidance/becoming-a-mentor/").text
    assert (
        GuidancePage.objects.get(slug="becoming-a-mentor").updated_by == sam_with_totp
    )


def test_script_written_into_guidance_is_not_served(client, sam_with_totp):
    login(client, sam_with_totp)
    client.post(
        "/guidance/becoming-a-mentor/edit/",
        {
            "title": "Becoming a mentor",
            "body": "Hi <script>alert(1)</script>",
            "is_published": "on",
        },
    )
    assert "<script>alert" not in client.get("/guidance/becoming-a-mentor/").text


def test_members_cannot_edit_guidance(client, alice):
    assert (
        login(client, alice).get("/guidance/becoming-a-mentor/edit/").status_code == 403
    )


def test_an_unpublished_page_is_hidden_from_visitors(client, db):
    GuidancePage.objects.filter(slug="regulations").update(is_published=False)
    assert client.get("/guidance/regulations/").status_code == 404
