"""The demo pages to look at for review: each demo account's home and main pages.

Used by ``make screenshots`` (tools/screenshots.py).
"""

from django.urls import reverse

from mentorscheme.demo import seed
from mentorscheme.members.models import User
from mentorscheme.mentoring.models import MentoringRequest, RequestStatus
from mentorscheme.oversight.models import AllocationRun

#: Demo accounts by the key in their address, in the order they are shown.
ROLES = ("candidate", "mentor", "applicant", "officer", "staff")


def accounts() -> list[tuple[str, seed.DemoAccount]]:
    found = []
    for key in ROLES:
        email = f"{key}@{seed.DEMO_DOMAIN}"
        if User.objects.filter(email=email).exists():
            found.append(
                (
                    key,
                    seed.DemoAccount(
                        role=key,
                        email=email,
                        password=seed.DEMO_PASSWORD,
                        totp_secret=seed.DEMO_TOTP_SECRETS.get(email, ""),
                    ),
                )
            )
    return found


def pages_for(key: str) -> list[tuple[str, str]]:
    pages = [("home", reverse("home"))]
    email = f"{key}@{seed.DEMO_DOMAIN}"
    if key == "candidate":
        pages.append(("directory", reverse("mentoring:directory")))
        pages.append(("mentoring", reverse("mentoring:home")))
    if key == "mentor":
        pages.append(("mentor-home", reverse("mentors:home")))
        request = (
            MentoringRequest.objects.filter(
                mentor__member__user__email=email, status=RequestStatus.PENDING
            )
            .order_by("-created_at")
            .first()
        )
        if request is not None:
            pages.append(("request", reverse("mentoring:request", args=[request.pk])))
    if key == "applicant":
        pages.append(("mentor-home", reverse("mentors:home")))
    if key == "officer":
        pages.append(("dashboard", reverse("oversight:dashboard")))
        pages.append(("directory", reverse("mentoring:directory")))
        run = AllocationRun.objects.order_by("-pk").first()
        if run is not None:
            pages.append(("allocation", reverse("oversight:allocation", args=[run.pk])))
    if key == "staff":
        pages.append(("dashboard", reverse("oversight:dashboard")))
        pages.append(("feedback", reverse("contact:triage")))
    return pages
