"""The shipped guidance as a fresh site and an upgraded one read it: each paragraph
once, whichever way the site got there."""

import importlib

from django.apps import apps

from mentorscheme.guidance.models import GuidancePage

lapse_wording = importlib.import_module(
    "mentorscheme.guidance.migrations.0006_lapse_grace_wording"
)
assessors_wording = importlib.import_module(
    "mentorscheme.guidance.migrations.0007_portfolio_with_assessors"
)
LAPSE, ASSESSORS = assessors_wording.LAPSE, assessors_wording.ASSESSORS


def candidates_page() -> GuidancePage:
    return GuidancePage.objects.get(slug="candidates")


def upgrade() -> str:
    for migration in (lapse_wording, assessors_wording):
        migration.reword(apps, None)
    return candidates_page().body


def test_a_fresh_site_says_each_thing_once(db):
    body = candidates_page().body
    assert body.count(LAPSE) == 1
    assert body.count(ASSESSORS) == 1


def test_a_site_from_before_gets_both_paragraphs_once_in_order(db):
    page = candidates_page()
    page.body = page.body.replace(f"{ASSESSORS}\n\n", "").replace(f"\n\n{LAPSE}", "")
    page.save()
    assert LAPSE not in page.body and ASSESSORS not in page.body
    body = upgrade()
    assert body.count(LAPSE) == 1 and body.count(ASSESSORS) == 1
    assert body.index(ASSESSORS) < body.index(LAPSE)
    assert upgrade() == body  # running again changes nothing


def test_a_page_read_with_the_lapse_paragraph_twice_keeps_one(db):
    page = candidates_page()
    page.body = f"{page.body.rstrip()}\n\n{LAPSE}\n"
    page.save()
    assert upgrade().count(LAPSE) == 1


def test_a_page_staff_edited_is_left_as_they_wrote_it(db, sam):
    page = candidates_page()
    page.body = "Our own words."
    page.updated_by = sam
    page.save()
    assert upgrade() == "Our own words."
