from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render

from mentorscheme.guidance import services
from mentorscheme.guidance.forms import GuidancePageForm
from mentorscheme.guidance.models import GuidancePage
from mentorscheme.members import access


def guidance_index(request):
    pages = GuidancePage.objects.filter(is_published=True)
    return render(request, "guidance/index.html", {"pages": pages})


def guidance_page(request, slug: str):
    roles = access.roles_for(request.user)
    pages = GuidancePage.objects.all()
    if not access.can_edit_guidance(roles):
        pages = pages.filter(is_published=True)
    page = get_object_or_404(pages, slug=slug)
    return render(
        request,
        "guidance/page.html",
        {"page": page, "can_edit": access.can_edit_guidance(roles)},
    )


@login_required
def guidance_edit(request, slug: str):
    access.require(access.can_edit_guidance(access.roles_for(request.user)))
    page = get_object_or_404(GuidancePage, slug=slug)
    form = GuidancePageForm(request.POST or None, instance=page)
    if request.method == "POST" and form.is_valid():
        services.guidance_page_update(page=page, user=request.user, **form.cleaned_data)
        messages.success(request, f"“{page.title}” has been updated.")
        return redirect(page)
    return render(
        request,
        "guidance/edit.html",
        {"page": page, "form": form, "value_names": _value_names()},
    )


def _value_names():
    from mentorscheme.guidance import values

    now = values.current()
    return [(name, meaning, now.get(name)) for name, meaning in values.NAMES.items()]
