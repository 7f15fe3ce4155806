import datetime
from importlib import import_module

from django.apps import apps

from mentorscheme.guidance.models import GuidancePage
from mentorscheme.scheme.models import Qualification, RegulationsVersion, SchemeSettings
from tests.personas import login


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


def test_staff_add_a_page_preview_it_and_order_it(client, sam_with_totp):
    login(client, sam_with_totp)
    data = {
        "title": "Finding time to meet",
        "slug": "finding-time",
        "summary": "Fitting mentoring into a working week.",
        "body": "| Way | Good for |\n| --- | --- |\n| Zoom | a first chat |",
        "order": "15",
        "is_published": "on",
    }
    preview = client.post("/guidance/new/", {**data, "action": "preview"})
    assert "Preview (not saved yet)" in preview.text
    assert "<td>Zoom</td>" in preview.text  # Markdown tables render
    assert not GuidancePage.objects.filter(slug="finding-time").exists()
    response = client.post("/guidance/new/", {**data, "action": "save"})
    assert response["Location"] == "/guidance/finding-time/"
    titles = [p.title for p in GuidancePage.objects.filter(is_published=True)]
    assert titles.index("Finding time to meet") == 1  # between 10 and 20


def test_each_save_is_a_version_staff_can_read_and_go_back_to(client, sam_with_totp):
    login(client, sam_with_totp)
    url = "/guidance/choosing-a-mentor/"
    original = GuidancePage.objects.get(slug="choosing-a-mentor").body
    client.post(
        url + "edit/",
        {"title": "Choosing a mentor", "body": "Short.", "is_published": "on"},
    )
    history = client.get(url + "history/").text
    assert "2 (current)" in history and "sam@example.org" in history
    client.post(url + "history/", {"version": "1"})
    page = GuidancePage.objects.get(slug="choosing-a-mentor")
    assert page.body == original
    assert page.versions.count() == 3


def test_guidance_fills_in_values_staff_can_change(client, db):
    settings = SchemeSettings.load()
    settings.open_request_limit = 2
    settings.save()
    page = client.get("/guidance/candidates/").text
    assert "up to two requests open at once" in page
    assert "{{" not in page
    assert 'href="/mentoring/directory/"' in page


def test_guidance_says_how_long_a_mentoring_carries_on_after_a_lapse(client, db):
    mentors = client.get("/guidance/becoming-a-mentor/").text
    assert "Your current mentoring carries on for 30 days" in mentors
    candidates = client.get("/guidance/candidates/").text
    assert "If your membership lapses, your mentoring carries on for 30 days" in (
        candidates
    )


def test_a_new_page_cannot_take_an_address_the_site_already_uses(client, sam_with_totp):
    """A page at /guidance/new/ could never be read: that address is the new-page
    form. Addresses differing only in capitals would be two pages a reader cannot
    tell apart."""
    login(client, sam_with_totp)
    data = {"title": "News", "body": "Text.", "is_published": "on", "action": "save"}
    refused = client.post("/guidance/new/", {**data, "slug": "new"})
    assert refused.status_code == 400
    assert "already used" in refused.text
    assert not GuidancePage.objects.filter(slug="new").exists()
    refused = client.post("/guidance/new/", {**data, "slug": "Choosing-A-Mentor"})
    assert refused.status_code == 400
    assert GuidancePage.objects.filter(slug__iexact="choosing-a-mentor").count() == 1
    saved = client.post("/guidance/new/", {**data, "slug": "Meeting-Online"})
    assert saved["Location"] == "/guidance/meeting-online/"


def test_the_guidance_tells_the_candidates_and_mentors_real_process(client, db):
    candidates = client.get("/guidance/candidates/").text
    assert "you and your mentor each confirm it on your mentoring page" in candidates
    assert "your mentor first writes the letter of support on the site" in candidates
    assert "who your line manager is" in candidates
    assert "contact details for mentoring on your mentoring page" in candidates
    days = SchemeSettings.load().expire_after_days
    assert f"expires after {days} days" in candidates
    assert "correct or remove it for 14 days" in candidates
    assert "withdraw from a qualification at any time" in candidates
    assert "your mentor confirms that the mentoring is complete" not in candidates
    choosing = client.get("/guidance/choosing-a-mentor/").text
    assert "chosen to support your qualification" in choosing
    assert "counts only where the mentor meets in person in your region" in choosing
    mentors = client.get("/guidance/becoming-a-mentor/").text
    assert "you confirm that you do not line-manage the candidate" in mentors
    assert "you first write the letter of support on the site" in mentors


def test_a_site_migrated_earlier_gets_the_new_words_unless_staff_edited_it(sam, db):
    migration = import_module(
        "mentorscheme.guidance.migrations.0008_candidates_real_process"
    )
    old = "5. **Finish.** For Certification and Chartership your mentor confirms."
    GuidancePage.objects.filter(slug="candidates").update(body=old)
    GuidancePage.objects.filter(slug="becoming-a-mentor").update(
        body="Our own words.", updated_by=sam
    )
    migration.refresh(apps, None)
    assert "you and your mentor each confirm it" in (
        GuidancePage.objects.get(slug="candidates").body
    )
    assert GuidancePage.objects.get(slug="becoming-a-mentor").body == "Our own words."


def test_guidance_stays_true_when_newer_regulations_take_effect(client, db):
    """The choice of any level dates from 2013 and the 2014 webinar briefed mentors
    on the 2013 regulations: neither is said of whatever version is in force."""
    RegulationsVersion.objects.create(
        name="Regulations of 1 September 2026",
        effective_from=datetime.date(2026, 9, 1),
    )
    candidates = client.get("/guidance/candidates/").text
    assert "Since the regulations of 1 September 2026" not in candidates
    assert "there is no required order" in candidates
    regulations = client.get("/guidance/regulations/").text
    assert "Regulations of 1 September 2026 took effect on" in regulations
    assert "briefed on these regulations" not in regulations
    assert "28 February 2014" not in regulations


def test_the_shipped_version_keeps_the_day_it_was_saved(client, sam_with_totp):
    shipped = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)
    GuidancePage.objects.filter(slug="regulations").update(updated_at=shipped)
    login(client, sam_with_totp)
    client.post(
        "/guidance/regulations/edit/",
        {"title": "The regulations in force", "body": "New.", "is_published": "on"},
    )
    first = GuidancePage.objects.get(slug="regulations").versions.get(number=1)
    assert first.saved_at == shipped
    assert "5 January 2026" in client.get("/guidance/regulations/history/").text


def test_guidance_names_the_qualifications_without_mentors_as_staff_set_them(
    client, db
):
    page = client.get("/guidance/choosing-a-mentor/").text
    assert "Qualifications without mentors: Revalidation." in page
    Qualification.objects.filter(code="revalidation").update(uses_mentors=True)
    Qualification.objects.filter(code="chartership-km").update(uses_mentors=False)
    page = client.get("/guidance/choosing-a-mentor/").text
    assert "Revalidation" not in page
    assert "Qualifications without mentors: Chartership (Knowledge Management)." in page
