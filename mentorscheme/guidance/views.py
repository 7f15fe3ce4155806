from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render

from mentorscheme.fields import parse_id
from mentorscheme.guidance import services, values
from mentorscheme.guidance.access import can_edit_guidance
from mentorscheme.guidance.forms import GuidancePageForm, NewGuidancePageForm
from mentorscheme.guidance.models import GuidancePage
from mentorscheme.members.access import require, roles_for


def guidance_index(request):
    can_edit = can_edit_guidance(roles_for(request.user))
    pages = GuidancePage.objects.all()
    if not can_edit:
        pages = pages.filter(is_published=True)
    return render(
        request, "guidance/index.html", {"pages": pages, "can_edit": can_edit}
    )


def guidance_page(request, slug: str):
    roles = roles_for(request.user)
    pages = GuidancePage.objects.all()
    if not can_edit_guidance(roles):
        pages = pages.filter(is_published=True)
    page = get_object_or_404(pages, slug=slug)
    return render(
        request,
        "guidance/page.html",
        {"page": page, "can_edit": can_edit_guidance(roles)},
    )


def _editor(request):
    require(can_edit_guidance(roles_for(request.user)))


def _edit_page(request, form, *, page=None, template="guidance/edit.html"):
    preview = None
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") == "preview":
            preview = GuidancePage(**{
                k: v for k, v in form.cleaned_data.items() if k != "slug"
            })  # fmt: skip
        elif page is None:
            page = services.guidance_page_create(user=request.user, **form.cleaned_data)
            messages.success(request, f"“{page.title}” has been added.")
            return redirect(page)
        else:
            services.guidance_page_update(
                page=page, user=request.user, **form.cleaned_data
            )
            messages.success(request, f"“{page.title}” has been updated.")
            return redirect(page)
    return render(
        request,
        template,
        {
            "page": page,
            "form": form,
            "preview": preview,
            "value_names": _value_names(),
        },
        status=400 if form.errors else 200,
    )


@login_required
def guidance_edit(request, slug: str):
    _editor(request)
    page = get_object_or_404(GuidancePage, slug=slug)
    form = GuidancePageForm(request.POST or None, instance=page)
    return _edit_page(request, form, page=page)


@login_required
def guidance_new(request):
    _editor(request)
    form = NewGuidancePageForm(request.POST or None)
    return _edit_page(request, form)


@login_required
def guidance_history(request, slug: str):
    _editor(request)
    page = get_object_or_404(GuidancePage, slug=slug)
    if request.method == "POST":
        version = get_object_or_404(
            page.versions, number=parse_id(request.POST.get("version")) or 0
        )
        services.guidance_page_restore(page=page, version=version, user=request.user)
        messages.success(
            request, f"Version {version.number} is back, saved as the newest version."
        )
        return redirect("guidance:history", slug=slug)
    versions = list(page.versions.select_related("saved_by"))
    shown = parse_id(request.GET.get("version"))
    chosen = next((v for v in versions if v.number == shown), None)
    return render(
        request,
        "guidance/history.html",
        {"page": page, "versions": versions, "chosen": chosen},
    )


def _value_names():
    now = values.current()
    return [(name, meaning, now.get(name)) for name, meaning in values.NAMES.items()]
