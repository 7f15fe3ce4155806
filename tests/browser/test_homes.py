"""Each demo role's home shows that person's next steps, each one link away, and the
link goes where it says; the home passes axe at 1280 and 390 px, and each step's page
the layout checks at both widths."""

import pytest

from mentorscheme.demo import seed
from mentorscheme.members.models import User
from tests.browser.helpers import accessibility_problems, layout_problems

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

#: What each demo account's home must offer (a heading and a step link).
EXPECTED = {
    "candidate": ("Your qualification", "Find a mentor"),
    "mentor": ("Your mentoring", "Answer the request"),
    "applicant": ("Becoming a mentor", "Book a workshop"),
    "officer": ("Your regions", "Review the allocation"),
    "staff": ("The registration team", "Review applications"),
}


def test_each_demo_home_shows_its_steps_and_each_link_works(open_page):
    seed.seed_demo(seed=2026, members=600)
    for key, (heading, step) in EXPECTED.items():
        user = User.objects.get(email=f"{key}@{seed.DEMO_DOMAIN}")
        page = open_page(key, signed_in_as=user)
        page.goto("/")
        assert page.get_by_role(
            "heading", name=heading, exact=True, level=2
        ).is_visible()
        links = page.locator("a.step-link")
        names = links.all_inner_texts()
        assert step in names, (key, names)
        targets = [(n, links.nth(i).get_attribute("href")) for i, n in enumerate(names)]
        problems = accessibility_problems(page)
        page.set_viewport_size({"width": 390, "height": 844})
        problems += accessibility_problems(page)
        assert not problems, (key, problems)
        for name, href in targets:
            response = page.goto(href)
            assert response.status == 200, (key, name, href, response.status)
            assert page.url.split("#")[0].endswith(href.split("#")[0]), (key, name)
            # Each step's page, with the demo's data in it, is in order at 390 px
            # and at 1280 px.
            problems += layout_problems(page)
            page.set_viewport_size({"width": 1280, "height": 900})
            problems += layout_problems(page)
            page.set_viewport_size({"width": 390, "height": 844})
        if key == "officer":
            # From the allocation to review, another mentor for its first pair:
            # the page that offers the engine's next suggestions.
            page.goto(dict(targets)["Review the allocation"])
            page.get_by_role("link", name="Another mentor").first.click()
            page.get_by_role("heading", level=1).wait_for()
            assert (
                page.get_by_role("heading", level=1)
                .inner_text()
                .startswith("Another mentor for ")
            )
            for width in (390, 1280):
                page.set_viewport_size({"width": width, "height": 900})
                problems += accessibility_problems(page) + layout_problems(page)
        assert not problems, (key, problems)
