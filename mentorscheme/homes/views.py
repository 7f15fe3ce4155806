from django.shortcuts import render

from mentorscheme.guidance.models import GuidancePage
from mentorscheme.homes import steps
from mentorscheme.members.access import roles_for


def home(request):
    """The front page: each signed-in person's next steps, a role at a time."""
    roles = roles_for(request.user)
    sections = steps.sections_for(roles) if roles.is_authenticated else []
    pages = GuidancePage.objects.filter(is_published=True)
    return render(
        request,
        "home.html",
        {
            "sections": sections,
            "pages": pages,
            "waiting": sum(1 for s in sections for step in s.steps if step.waiting),
            # Steps of the person's own roles ("What you can do" offers others).
            "next_steps": sum(len(s.steps) for s in sections if s.key != "member"),
        },
    )
