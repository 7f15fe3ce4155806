from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from mentorscheme.fields import parse_id
from mentorscheme.members import access, selectors
from mentorscheme.members.models import Region


@login_required
def my_account(request):
    roles = access.roles_for(request.user)
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
def register_list(request):
    roles = access.roles_for(request.user)
    access.require(access.can_browse_register(roles))
    regions = Region.objects.filter(is_active=True)
    if not roles.is_staff:
        regions = regions.filter(pk__in=roles.officer_region_ids)
    region_id = parse_id(request.GET.get("region"))
    text = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    members = selectors.member_search(
        members=access.visible_members(roles), text=text, region_id=region_id
    )
    page = Paginator(members, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "members/register.html",
        {"page": page, "regions": regions, "region_id": region_id, "q": text},
    )


@login_required
def member_detail(request, pk: int):
    roles = access.roles_for(request.user)
    member = access.get_member_or_404(roles, pk)
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
