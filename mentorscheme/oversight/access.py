"""Who may see the dashboards, reports, audit log and allocation runs, and for which
regions."""

from django.http import Http404

from mentorscheme.members.access import Roles, can_act_in_region
from mentorscheme.members.models import Region
from mentorscheme.oversight.models import AllocationRun


def can_oversee(roles: Roles) -> bool:
    """The officer dashboard, allocation runs and reports: officers and staff."""
    return roles.is_staff or roles.is_officer


def can_administer_scheme(roles: Roles) -> bool:
    return roles.is_staff


def can_read_audit_log(roles: Roles) -> bool:
    return roles.is_staff


def oversight_region_ids(roles: Roles, region_id: int | None = None):
    """The regions a page shows: None means every region (staff, unfiltered).

    A region asked for by id must be one the person may act in, else 404.
    """
    if region_id is not None:
        if not can_act_in_region(roles, region_id):
            raise Http404("No such region")
        return frozenset({region_id})
    if roles.is_staff:
        return None
    return roles.officer_region_ids


def candidate_side_region_ids(roles: Roles, region_ids):
    """Of the regions a page covers (None: every region, for staff), those where
    this person looks after candidates."""
    return _on_side(roles, region_ids, roles.candidate_side_region_ids)


def mentor_side_region_ids(roles: Roles, region_ids):
    """Of the regions a page covers (None: every region, for staff), those where
    this person looks after mentors (applications, training, events)."""
    return _on_side(roles, region_ids, roles.mentor_side_region_ids)


def _on_side(roles: Roles, region_ids, covered):
    if roles.is_staff:
        return region_ids
    return covered if region_ids is None else frozenset(region_ids) & covered


def can_allocate(roles: Roles) -> bool:
    """Bulk allocation is the candidates' side: Candidate Support Officers and staff."""
    return roles.is_staff or bool(roles.candidate_side_region_ids)


def allocation_region_ids(roles: Roles, region_id: int | None = None):
    """The regions an allocation run covers: None means every region (staff)."""
    if region_id is not None:
        if not (roles.is_staff or region_id in roles.candidate_side_region_ids):
            raise Http404("No such region")
        return frozenset({region_id})
    return None if roles.is_staff else roles.candidate_side_region_ids


def allocation_runs_visible(roles: Roles):
    """Runs this person may see: staff all; a Candidate Support Officer those within
    their regions."""
    runs = AllocationRun.objects.select_related("created_by", "published_by")
    if roles.is_staff:
        return runs
    if not roles.candidate_side_region_ids:
        return runs.none()
    elsewhere = Region.objects.exclude(pk__in=roles.candidate_side_region_ids)
    return (
        runs.filter(all_regions=False, regions__isnull=False)
        .exclude(regions__in=elsewhere)
        .distinct()
    )


def opens_only_across_regions(run: AllocationRun) -> bool:
    """Whether only someone covering several regions may open the run (staff, or
    an officer of all of them: ``allocation_runs_visible``), so that no single
    region's officer can review it. Its regions prefetched."""
    return run.all_regions or len(run.regions.all()) > 1


def get_allocation_run_or_404(roles: Roles, run_id: int):
    try:
        return allocation_runs_visible(roles).get(pk=run_id)
    except AllocationRun.DoesNotExist:
        raise Http404("No such allocation run") from None
