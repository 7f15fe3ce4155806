from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from mentorscheme.fields import parse_id
from mentorscheme.members import forms, selectors, services
from mentorscheme.members.access import (
    can_browse_register,
    get_member_or_404,
    require,
    roles_for,
    visible_members,
)
from mentorscheme.members.models import Region


@login_required
def my_account(request):
    roles = roles_for(request.user)
    member = roles.member
    awards = member.awards.select_related("level") if member else []
    return render(
        request,
        "members/me.html",
        {
            "member": member,
            "awards": awards,
            "current_level": member.current_level(awards) if member else None,
        },
    )


@login_required
def contact_details(request):
    member = roles_for(request.user).member
    require(member is not None)
    initial = {
        "contact_email": member.contact_email,
        "contact_phone": member.contact_phone,
    }
    form = forms.ContactDetailsForm(
        request.POST or None, initial=initial, record_email=member.email
    )
    if request.method == "POST" and form.is_valid():
        services.member_contact_update(member=member, **form.cleaned_data)
        messages.success(request, "Your contact details for mentoring are saved.")
        return redirect("members:me")
    return render(
        request,
        "members/contact.html",
        {"form": form, "member": member},
        status=400 if form.errors else 200,
    )


@login_required
def register_list(request):
    roles = roles_for(request.user)
    require(can_browse_register(roles))
    regions = Region.objects.filter(is_active=True)
    if not roles.is_staff:
        regions = regions.filter(pk__in=roles.officer_region_ids)
    region_id = parse_id(request.GET.get("region"))
    text = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    members = selectors.member_search(
        members=visible_members(roles), text=text, region_id=region_id
    )
    page = Paginator(members, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "members/register.html",
        {"page": page, "regions": regions, "region_id": region_id, "q": text},
    )


@login_required
def member_detail(request, pk: int):
    roles = roles_for(request.user)
    member = get_member_or_404(roles, pk)
    awards = list(member.awards.select_related("level"))
    return render(
        request,
        "members/detail.html",
        {
            "member": member,
            "awards": awards,
            "current_level": member.current_level(awards),
        },
    )
