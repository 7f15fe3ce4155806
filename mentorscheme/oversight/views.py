"""Officer and staff pages: dashboard, help flags, allocation runs, reports, audit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from mentorscheme import confirm
from mentorscheme.audit import services as audit
from mentorscheme.audit.models import AuditEntry
from mentorscheme.fields import parse_id
from mentorscheme.members import officers
from mentorscheme.members.access import (
    can_act_in_region,
    regions_to_act_in,
    require,
    roles_for,
)
from mentorscheme.members.models import Region
from mentorscheme.mentoring import services as mentoring_services
from mentorscheme.mentoring.access import get_help_flag_or_404
from mentorscheme.notifications.selectors import work_waiting_too_long
from mentorscheme.oversight import reports, selectors, services
from mentorscheme.oversight.access import (
    allocation_region_ids,
    allocation_runs_visible,
    can_allocate,
    can_oversee,
    can_read_audit_log,
    candidate_side_region_ids,
    get_allocation_run_or_404,
    mentor_side_region_ids,
    oversight_region_ids,
)
from mentorscheme.oversight.forms import (
    AllocationRunForm,
    AuditSearchForm,
    RegionChoiceForm,
    ReportFilterForm,
)
from mentorscheme.oversight.models import RUN_STALLED_AFTER, RunStatus
from mentorscheme.scheme.models import AllocationMode, SchemeSettings
from mentorscheme.training import currency

RUN_PAGE_SIZE = 100
#: The run page's choice of outcomes shown: every pair, or only those not sent
#: (skipped or failed), which an officer follows up and would not find among
#: hundreds sent.
SHOWN, NOT_SENT = "shown", "not-sent"
_NOT_SENT_OUTCOMES = ("skipped", "failed")
#: The field of the publish confirmation that carries the fingerprint of the pairs
#: shown (``AllocationRun.kept_pairs_digest``).
KEPT = "kept"


def _overseer(request):
    roles = roles_for(request.user)
    require(can_oversee(roles))
    return roles


def _everything(roles) -> str:
    return "All regions" if roles.is_staff else "All your regions"


def _region_scope(request, roles):
    """The region asked for (or None), and the region ids the page covers.

    A region that is not a number, or not one this person covers, is ignored with a
    message rather than refused: a stale bookmark should still open the page.
    """
    raw = request.GET.get("region", "")
    region_id = parse_id(raw)
    if region_id is not None and not can_act_in_region(roles, region_id):
        region_id = None
    if raw and region_id is None:
        messages.info(
            request,
            "That region is not one you can look at, so the page shows "
            f"{_everything(roles).lower()}.",
        )
    return region_id, oversight_region_ids(roles, region_id)


# -- dashboard ------------------------------------------------------------------------


@login_required
def dashboard(request):
    roles = _overseer(request)
    region_id, region_ids = _region_scope(request, roles)
    regions = list(regions_to_act_in(roles))  # every active region, for staff
    help_region_ids = candidate_side_region_ids(roles, region_ids)
    mentor_region_ids = mentor_side_region_ids(roles, region_ids)
    context = selectors.dashboard(
        region_ids,
        help_region_ids=help_region_ids,
        mentor_region_ids=mentor_region_ids,
    )
    context.update(
        looks_after_candidates=help_region_ids is None or bool(help_region_ids),
        looks_after_mentors=mentor_region_ids is None or bool(mentor_region_ids),
        # The choice of region is written out in the template: a form's widget
        # renders a template for every option.
        regions=regions,
        everything=_everything(roles),
        region_id=region_id,
        covering=[r for r in regions if region_ids is None or r.pk in region_ids],
        uncovered=officers.uncovered_regions(regions=regions) if roles.is_staff else [],
        work_waiting=work_waiting_too_long() if roles.is_staff else None,
    )
    return render(request, "oversight/dashboard.html", context)


@login_required
def up_to_date(request):
    """Listed mentors who are and are not up to date with the regulations, by region."""
    roles = _overseer(request)
    region_id, region_ids = _region_scope(request, roles)
    return render(
        request,
        "oversight/up_to_date.html",
        {
            "regions": selectors.mentors_by_region(region_ids),
            "regulations": currency.in_force(),
            "grace_days": SchemeSettings.load().briefing_grace_days,
            "filter_form": RegionChoiceForm(
                initial={"region": region_id or ""},
                regions=regions_to_act_in(roles),
                everything=_everything(roles),
            ),
        },
    )


@login_required
def line_managers(request):
    roles = _overseer(request)
    _, region_ids = _region_scope(request, roles)
    members = selectors.line_manager_disagreements(region_ids)
    return render(
        request,
        "oversight/line_managers.html",
        {"members": members[:200], "more": members.count() > 200},
    )


@login_required
@require_POST
def help_flag_resolve(request, pk: int):
    roles = _overseer(request)
    flag = get_help_flag_or_404(roles, pk)
    try:
        mentoring_services.help_flag_resolve(flag=flag, by=request.user)
    except mentoring_services.MentoringError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request, f"{flag.enrolment.member.full_name} is no longer flagged for help."
        )
    region = request.POST.get("region", "")
    url = reverse("oversight:dashboard")
    return redirect(
        f"{url}?region={region}#help" if parse_id(region) else f"{url}#help"
    )


# -- allocation runs -----------------------------------------------------------------


def _allocator(request):
    roles = roles_for(request.user)
    require(can_allocate(roles))
    return roles


def _regions_to_allocate_in(roles):
    """The regions whose candidates this officer may allocate (staff: every one)."""
    regions = Region.objects.filter(is_active=True)
    if roles.is_staff:
        return regions
    return regions.filter(pk__in=roles.candidate_side_region_ids)


@login_required
def allocation_list(request):
    roles = _allocator(request)
    form = AllocationRunForm(
        request.POST or None,
        regions=_regions_to_allocate_in(roles),
        everything=_everything(roles),
    )
    if request.method == "POST" and form.is_valid():
        region_id = form.region_id()
        region_ids = allocation_region_ids(roles, region_id)
        try:
            run = services.allocation_run_start(by=request.user, region_ids=region_ids)
        except services.RunAlreadyOpen as already:
            messages.info(request, str(already))
            return redirect("oversight:allocation", pk=already.run.pk)
        messages.success(
            request,
            "The allocation is being worked out. This page shows how far it has got,"
            " and we will email you when it is ready for review. Nothing is sent to"
            " anyone until you send the matches.",
        )
        return redirect("oversight:allocation", pk=run.pk)
    runs = allocation_runs_visible(roles).prefetch_related("regions")
    page = Paginator(runs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "oversight/allocation_list.html",
        {"form": form, "page": page},
        status=400 if form.errors else 200,
    )


def _paged(items: list, request, name: str):
    return Paginator(items, RUN_PAGE_SIZE).get_page(request.GET.get(name))


@login_required
def allocation_detail(request, pk: int):
    roles = _allocator(request)
    run = get_allocation_run_or_404(roles, pk)
    if request.GET.get("progress") == "json":
        return JsonResponse(
            {
                "status": run.status,
                "running": _moving(run),
                "text": selectors.run_progress_text(run),
            }
        )
    removed = run.removed_candidate_ids
    pairs = _paged(run.proposal.get("pairs", []), request, "pairs")
    unmatched = _paged(run.proposal.get("unmatched", []), request, "unmatched")
    only_not_sent = request.GET.get(SHOWN) == NOT_SENT
    outcomes = _paged(
        [o for o in run.published if o["outcome"] in _NOT_SENT_OUTCOMES]
        if only_not_sent
        else run.published,
        request,
        "outcomes",
    )
    people = selectors.run_people([*pairs, *outcomes], list(unmatched))

    def with_people(rows):
        return [
            {
                **row,
                "enrolment": people["enrolments"].get(row["candidate_id"]),
                "mentor": people["mentors"].get(row.get("mentor_id")),
                "removed": row["candidate_id"] in removed,
            }
            for row in rows
        ]

    return render(
        request,
        "oversight/allocation_detail.html",
        {
            "run": run,
            "pairs": pairs,
            "pair_rows": with_people(pairs),
            "unmatched": unmatched,
            "unmatched_rows": with_people(unmatched),
            "outcomes": outcomes,
            "outcome_rows": with_people(outcomes),
            "only_not_sent": only_not_sent,
            "kept": len(run.kept_pairs()),
            "regions": list(run.regions.all()),
            "is_open": run.status == RunStatus.PROPOSED,
            "running": run.status == RunStatus.RUNNING,
            "sending": run.status == RunStatus.PUBLISHING,
            "sending_stopped": run.sending_stopped(),
            "not_sent": len(run.kept_pairs()) - len(run.published),
            "moving": _moving(run),
            "sent": run.outcome_counts(),
            "stalled": run.is_stalled(),
            "queued": run.is_queued(),
            "waited_too_long": run.waited_too_long(),
            "stalled_minutes": int(RUN_STALLED_AFTER.total_seconds() // 60),
            "progress_text": selectors.run_progress_text(run),
            "direct": SchemeSettings.load().allocation_mode == AllocationMode.DIRECT,
        },
    )


def _moving(run) -> bool:
    """Being worked out or sent, and not stopped: its page keeps up with it."""
    if run.status == RunStatus.PUBLISHING:
        return not run.sending_stopped()
    return run.status == RunStatus.RUNNING


def _candidate_id(request) -> int | None:
    return parse_id(request.POST.get("candidate"))


@login_required
@require_POST
def allocation_pair(request, pk: int):
    """Remove a pair from the proposal, or put it back."""
    roles = _allocator(request)
    run = get_allocation_run_or_404(roles, pk)
    candidate_id = _candidate_id(request)
    change = (
        services.allocation_run_restore_pair
        if request.POST.get("action") == "restore"
        else services.allocation_run_remove_pair
    )
    try:
        change(run=run, candidate_id=candidate_id, by=request.user)
    except services.OversightError as refusal:
        messages.error(request, str(refusal))
    page = request.POST.get("page", "")
    url = reverse("oversight:allocation", args=[pk])
    return redirect(f"{url}?pairs={parse_id(page) or 1}#pair-{candidate_id}")


@login_required
def allocation_pair_mentor(request, pk: int, candidate: int):
    """Choose another mentor for one proposed pair, from the engine's suggestions."""
    roles = _allocator(request)
    run = get_allocation_run_or_404(roles, pk)
    pair = next(
        (p for p in run.proposal.get("pairs", []) if p["candidate_id"] == candidate),
        None,
    )
    if pair is None:
        raise Http404("No such pair")
    back = reverse("oversight:allocation", args=[pk]) + f"#pair-{candidate}"
    if request.method == "POST":
        try:
            services.allocation_run_change_mentor(
                run=run,
                candidate_id=candidate,
                mentor_id=parse_id(request.POST.get("mentor")) or 0,
                by=request.user,
            )
        except services.OversightError as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request, "The pair has its new mentor. Nothing is sent yet."
            )
            return redirect(back)
    people = selectors.run_people([pair], [])
    enrolment = people["enrolments"].get(candidate)
    conflict = (
        officers.conflict_reason(request.user, enrolment.member) if enrolment else ""
    )
    return render(
        request,
        "oversight/allocation_pair.html",
        {
            "run": run,
            "pair": pair,
            "enrolment": enrolment,
            "mentor": people["mentors"].get(pair["mentor_id"]),
            "conflict": conflict,
            "alternatives": selectors.pair_alternatives(run, candidate, by=request.user)
            if run.status == RunStatus.PROPOSED and not conflict
            else [],
            "back": back,
        },
    )


@login_required
@require_POST
def allocation_publish(request, pk: int):
    roles = _allocator(request)
    run = get_allocation_run_or_404(roles, pk)
    if (
        confirm.needs_confirmation(request)
        and run.status == RunStatus.PROPOSED
        and run.kept_pairs()
        and not selectors.run_conflicts(run, request.user)
    ):
        return _confirm_publish(request, run)
    try:
        run = services.allocation_run_publish(
            run=run, by=request.user, kept_digest=request.POST.get(KEPT, "")
        )
    except services.RunChanged as changed:
        messages.warning(request, str(changed))
        return _confirm_publish(request, get_allocation_run_or_404(roles, pk))
    except services.OversightError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            "The matches are being sent. This page shows how far it has got, and "
            "we will email you when every pair is sent or skipped.",
        )
    return redirect("oversight:allocation", pk=pk)


@login_required
@require_POST
def allocation_discard(request, pk: int):
    roles = _allocator(request)
    run = get_allocation_run_or_404(roles, pk)
    stalled, queued = run.is_stalled(), run.is_queued()
    if confirm.needs_confirmation(request) and (
        run.status == RunStatus.PROPOSED or stalled or queued
    ):
        if stalled:
            set_aside = "The allocation stopped being worked out;"
        elif queued:
            set_aside = "The allocation is not worked out: it will not be;"
        else:
            set_aside = f"The {len(run.kept_pairs())} proposed matches are set aside;"
        set_aside += " the allocation stays in the list, marked discarded."
        return confirm.confirmation_page(
            request,
            title=f"Discard allocation {run.pk}",
            consequences=[
                "Nothing is sent and nobody is emailed.",
                set_aside,
                "The waiting candidates stay waiting: start a new allocation "
                "whenever you are ready.",
            ],
            button="Yes, discard it",
            back_url=reverse("oversight:allocation", args=[run.pk]),
            danger=True,
        )
    try:
        services.allocation_run_discard(run=run, by=request.user)
    except services.OversightError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "The allocation was discarded; nothing was sent.")
    return redirect("oversight:allocation", pk=pk)


@login_required
@require_POST
def allocation_stop(request, pk: int):
    """Stop sending the rest of an allocation being sent, after a confirmation."""
    roles = _allocator(request)
    run = get_allocation_run_or_404(roles, pk)
    if confirm.needs_confirmation(request) and run.status == RunStatus.PUBLISHING:
        return _confirm_stop(request, run)
    try:
        run = services.allocation_run_stop_sending(run=run, by=request.user)
    except services.OversightError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            f"Sending was stopped. {_stopped_counts(run)} The candidates not sent "
            "are still waiting: start a new allocation for them when you are ready.",
        )
    return redirect("oversight:allocation", pk=pk)


def _stopped_counts(run) -> str:
    counts = run.outcome_counts()
    not_sent = len(run.kept_pairs()) - len(run.published)
    return (
        f"{counts['sent']} sent, {counts['skipped']} skipped, {counts['failed']} "
        f"failed; {_n(not_sent, 'pair', 'pairs')} not sent."
    )


def _confirm_stop(request, run):
    counts = run.outcome_counts()
    not_sent = len(run.kept_pairs()) - len(run.published)
    if run.mode == AllocationMode.DIRECT:
        sent = (
            f"What was sent stays as it is ({_n(counts['sent'], 'match', 'matches')}"
            " made so far): those candidates and mentors are mentoring."
        )
    else:
        sent = (
            "What was sent stays as it is "
            f"({_n(counts['sent'], 'request', 'requests')} so far): "
            + (
                "the mentor can still accept or decline it."
                if counts["sent"] == 1
                else "the mentors can still accept or decline them."
            )
        )
    return confirm.confirmation_page(
        request,
        title=f"Stop sending allocation {run.pk}",
        consequences=[
            (
                "The 1 pair not sent yet is never sent, and nobody is emailed "
                "about it. Its candidate stays waiting"
                if not_sent == 1
                else f"The {not_sent} pairs not sent yet are never sent, and "
                "nobody is emailed about them. Their candidates stay waiting"
            )
            + ": start a new allocation whenever you are ready.",
            sent,
            "Pairs being sent at this moment are finished first, and count as sent.",
        ],
        button="Yes, stop sending",
        back_url=reverse("oversight:allocation", args=[run.pk]),
        back_text="No, keep sending",
        undo="The rest cannot be sent afterwards.",
        danger=True,
    )


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _confirm_publish(request, run):
    pairs = run.kept_pairs()
    people = selectors.run_people(pairs, [])
    enrolments, mentors = people["enrolments"], people["mentors"]
    names = tuple(
        f"{enrolments[p['candidate_id']].member.full_name} with "
        f"{mentors[p['mentor_id']].member.full_name}"
        for p in pairs
        if p["candidate_id"] in enrolments and p["mentor_id"] in mentors
    )
    candidates = _n(len(pairs), "candidate", "candidates")
    mentor_words = _n(len({p["mentor_id"] for p in pairs}), "mentor", "mentors")
    matches = _n(len(pairs), "match", "matches")
    if SchemeSettings.load().allocation_mode == AllocationMode.DIRECT:
        consequences = [
            confirm.Consequence(
                f"{matches} made at once, with no request for the mentor to answer:",
                names,
            ),
            f"Emails go to {candidates} and {mentor_words}, with each other's "
            "contact details for mentoring.",
            "Each candidate's other open requests are withdrawn, and the mentors "
            "they had asked are emailed that the request was withdrawn.",
        ]
    else:
        consequences = [
            confirm.Consequence(
                f"{_n(len(pairs), 'request goes', 'requests go')} to {mentor_words}, "
                "to accept or decline:",
                names,
            ),
            f"Emails go to {mentor_words} (their requests) and to {candidates} "
            "(that a request was sent for them).",
        ]
    consequences.append(
        "Each pair is checked against the scheme's rules again as it is sent; a "
        "pair no longer allowed is skipped, with the reason shown."
    )
    return confirm.confirmation_page(
        request,
        title=f"Send {matches}",
        consequences=consequences,
        button=f"Yes, send {matches}",
        back_url=reverse("oversight:allocation", args=[run.pk]),
        undo="Once sent, the emails cannot be called back.",
        hidden={KEPT: run.kept_pairs_digest()},
    )


# -- reports ----------------------------------------------------------------------------


@login_required
def report_index(request):
    roles = _overseer(request)
    kinds = [k for k in reports.REPORTS.values() if roles.is_staff or not k.staff_only]
    return render(request, "oversight/report_index.html", {"kinds": kinds})


@login_required
def report(request, slug: str):
    roles = _overseer(request)
    kind = reports.REPORTS.get(slug)
    if kind is None:
        raise Http404("No such report")
    require(roles.is_staff or not kind.staff_only)
    region_id, region_ids = _region_scope(request, roles)
    query = ReportFilterForm.with_defaults(request.GET)
    query["region"] = str(region_id or "")
    form = ReportFilterForm(
        query,
        regions=regions_to_act_in(roles),
        everything=_everything(roles),
    )
    if not form.is_valid():
        return render(
            request,
            "oversight/report.html",
            {"kind": kind, "form": form, "report": None},
            status=400,
        )
    data = form.cleaned_data
    filters = reports.Filters(region_ids, data["date_from"], data["date_to"])
    result = kind.build(filters)
    if request.GET.get("format") == "csv":
        return _csv(request, kind, filters, result, region_id)
    return render(
        request,
        "oversight/report.html",
        {"kind": kind, "form": form, "report": result, "filters": filters},
    )


def _csv(request, kind, filters, result, region_id) -> HttpResponse:
    audit.record_data_export(
        actor=request.user,
        what=f"Report: {kind.title} (CSV)",
        details={
            "report": kind.slug,
            "region_id": region_id,
            "from": filters.date_from.isoformat(),
            "to": filters.date_to.isoformat(),
            "rows": len(result.rows),
        },
    )
    response = HttpResponse(
        reports.csv_text(result.columns, result.rows),
        content_type="text/csv; charset=utf-8",
    )
    name = f"{kind.slug}-{filters.date_from:%Y%m%d}-{filters.date_to:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# -- audit log ------------------------------------------------------------------------


@login_required
def audit_log(request):
    require(can_read_audit_log(roles_for(request.user)))
    form = AuditSearchForm(request.GET or None)
    entries = AuditEntry.objects.all()
    if form.is_valid():
        text = form.cleaned_data["q"].strip()
        if text:
            entries = entries.annotate(details_text=Cast("details", TextField()))
            entries = entries.filter(
                Q(actor_label__icontains=text)
                | Q(target_description__icontains=text)
                | Q(target_type__icontains=text)
                | Q(details_text__icontains=text)
            )
        if form.cleaned_data["action"]:
            entries = entries.filter(action=form.cleaned_data["action"])
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "oversight/audit.html", {"form": form, "page": page})
