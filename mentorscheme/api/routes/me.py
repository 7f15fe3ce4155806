from ninja import Router

from mentorscheme.api.schemas import MeOut
from mentorscheme.members.models import Region

router = Router(tags=["about you"])


@router.get("/me", response=MeOut, summary="Who the API takes you to be")
def me(request):
    principal = request.auth
    if principal.token is not None:
        return {
            "kind": "token",
            "token_name": principal.token.name,
            "scopes": sorted(principal.scopes),
        }
    roles, member = principal.roles, principal.member
    regions = Region.objects.filter(pk__in=roles.officer_region_ids)
    return {
        "kind": "user",
        "scopes": sorted(principal.scopes),
        "membership_number": member.membership_number if member else None,
        "first_name": member.first_name if member else None,
        "last_name": member.last_name if member else None,
        "is_candidate": roles.is_candidate,
        "is_mentor": roles.is_mentor,
        "is_staff": roles.is_staff,
        "officer_regions": sorted(regions.values_list("code", flat=True)),
    }
