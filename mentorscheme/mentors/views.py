from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from mentorscheme import confirm
from mentorscheme.fields import parse_id
from mentorscheme.members import officers
from mentorscheme.members.access import require, roles_for
from mentorscheme.mentors import selectors, services
from mentorscheme.mentors.access import (
    can_review_mentors,
    get_mentor_to_review_or_404,
    get_training_evidence_or_404,
    mentors_to_review,
)
from mentorscheme.mentors.forms import (
    EvidenceForm,
    EvidenceReviewForm,
    EvidenceWithdrawForm,
    MentorApplicationForm,
    MentorProfileForm,
    ReviewForm,
)
from mentorscheme.mentors.models import (
    DRAFTING_STATUSES,
    EVIDENCE_SENT,
    MOST_PLACES,
    EvidenceStatus,
    MentorProfile,
    MentorStatus,
)


def _member_or_403(request):
    roles = roles_for(request.user)
    require(roles.member is not None and roles.member.is_current)
    return roles.member


def _profile_of(member) -> MentorProfile | None:
    return MentorProfile.objects.filter(member=member).first()


@login_required
def mentor_home(request):
    roles = roles_for(request.user)
    if roles.member is not None and not roles.member.is_current:
        return render(
            request,
            "mentors/lapsed.html",
            {
                "profile": _profile_of(roles.member),
                "grace_days": settings.LAPSE_GRACE_DAYS,
            },
            status=403,
        )
    member = _member_or_403(request)
    profile = selectors.mentor_home_profile(member)
    if profile is None or profile.status in (
        MentorStatus.RETIRED,
        MentorStatus.DECLINED,
    ):
        # A declined applicant may register interest again, as their email says.
        declined = None
        if profile is not None and profile.status == MentorStatus.DECLINED:
            declined = profile.history.filter(to_status=MentorStatus.DECLINED).last()
        level = selectors.level_held(member)
        return render(
            request,
            "mentors/become.html",
            {"level": level, "profile": profile, "declined": declined},
        )
    if profile.status in DRAFTING_STATUSES:
        return redirect("mentors:apply")
    return render(request, "mentors/home.html", selectors.mentor_home_context(profile))


@login_required
@require_POST
def register_interest(request):
    member = _member_or_403(request)
    try:
        services.mentor_register_interest(member=member)
    except services.MentorError as refusal:
        messages.error(request, str(refusal))
        return redirect("mentors:home")
    messages.success(
        request, "Thank you — now tell us about yourself in the application."
    )
    return redirect("mentors:apply")


def _profile_initial(profile: MentorProfile) -> dict:
    return {
        "statement": profile.statement,
        "qualifications": list(profile.qualifications.all()),
        "meeting_modes": profile.meeting_modes,
        "regions": list(profile.regions.all()),
        "capacity": profile.capacity,
        "training_route": profile.training_route,
        "external_training": profile.external_training,
    }


@login_required
def apply(request):
    member = _member_or_403(request)
    profile = _profile_of(member)
    if profile is None or profile.status not in DRAFTING_STATUSES:
        return redirect("mentors:home")
    level = selectors.level_held(member)
    if level is None:
        messages.error(request, "You no longer hold a current level of registration.")
        return redirect("mentors:home")
    submitting = "submit" in request.POST
    form = MentorApplicationForm(
        request.POST or None,
        request.FILES or None,
        initial=_profile_initial(profile),
        level_rank=level.rank,
        submitting=submitting,
        evidence_needed=profile.external_training_status not in EVIDENCE_SENT,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.mentor_application_save(
                profile=profile,
                submit=submitting,
                qualifications=data.pop("qualifications"),
                regions=data.pop("regions"),
                **data,
            )
        except services.MentorError as refusal:
            form.add_error(None, str(refusal))
        else:
            if submitting:
                messages.success(
                    request,
                    "Your application has been sent. We have emailed you a copy.",
                )
                return redirect("mentors:home")
            messages.success(request, "Your draft has been saved. Come back any time.")
            return redirect("mentors:apply")
    last_request = profile.history.filter(to_status=MentorStatus.MORE_INFO).last()
    return render(
        request,
        "mentors/apply.html",
        {"form": form, "profile": profile, "level": level, "more_info": last_request},
        status=400 if form.errors else 200,
    )


@login_required
def edit_profile(request):
    member = _member_or_403(request)
    profile = _profile_of(member)
    level = selectors.level_held(member)
    # Before approval the application form is the profile, and once sent it is
    # what the officer decides on: it changes only when they ask for more.
    if (
        profile is None
        or profile.status
        in (
            MentorStatus.INTERESTED,
            MentorStatus.APPLIED,
            MentorStatus.MORE_INFO,
            MentorStatus.DECLINED,
            MentorStatus.RETIRED,
        )
        or level is None
    ):
        return redirect("mentors:home")
    form = MentorProfileForm(
        request.POST or None,
        initial=_profile_initial(profile),
        level_rank=level.rank,
        submitting=True,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.mentor_profile_update(
                profile=profile,
                qualifications=data.pop("qualifications"),
                regions=data.pop("regions"),
                **data,
            )
        except services.MentorError as refusal:
            form.add_error("capacity", str(refusal))
        else:
            messages.success(request, "Your mentor profile has been updated.")
            return redirect("mentors:home")
    return render(
        request,
        "mentors/edit.html",
        {"form": form, "profile": profile},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def set_accepting(request):
    member = _member_or_403(request)
    profile = _profile_of(member)
    if profile is None:
        return redirect("mentors:home")
    accepting = request.POST.get("accepting") == "yes"
    services.mentor_set_accepting(profile=profile, accepting=accepting)
    messages.success(
        request,
        "You are accepting new candidates again."
        if accepting
        else "You are paused: no new requests will reach you until you resume.",
    )
    return redirect("mentors:home")


@login_required
@require_POST
def briefing_watched(request):
    member = _member_or_403(request)
    regulations_id = parse_id(request.POST.get("regulations"))
    try:
        services.briefing_watched(member=member, regulations_id=regulations_id or 0)
    except services.MentorError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request, "Thank you: you are shown as up to date with the regulations."
        )
    return redirect("mentors:home")


@login_required
@require_POST
def retire(request):
    member = _member_or_403(request)
    profile = _profile_of(member)
    if profile is None:
        messages.error(request, "You cannot step down from here.")
        return redirect("mentors:home")
    mentored = selectors.has_mentored(profile)
    if confirm.needs_confirmation(request):
        return _confirm_retire(request, member, profile, mentored=mentored)
    try:
        services.mentor_retire(profile=profile, by=request.user)
    except services.MentorError:
        messages.error(request, "You cannot step down from here.")
    else:
        messages.success(
            request,
            "You have stepped down as a mentor. Thank you for mentoring."
            if mentored
            else "You have withdrawn your application to mentor.",
        )
    return redirect("mentors:home")


def _confirm_retire(request, member, profile, *, mentored: bool):
    current = [r["name"] for r in selectors.mentor_home_context(profile)["current"]]
    consequences = [
        "You are taken off the list at once: no new requests reach you, and "
        "requests waiting for your answer are closed (each candidate is "
        "emailed)."
        if mentored
        else "Your application to mentor stops here: it is not decided, and "
        "you are not listed.",
    ]
    if current:
        consequences.append(
            confirm.Consequence(
                "Your current candidates are each emailed that their mentoring "
                "has ended, and what comes next for them:",
                tuple(current),
            )
        )
    places = [
        f"{b.event.title}, {timezone.localtime(b.event.starts_at):%-d %B %Y}"
        for b in selectors.mentor_training_places(member)
    ]
    if places:
        consequences.append(
            confirm.Consequence(
                "Your place on mentor training is cancelled (you are emailed), "
                "and goes to the first on the waiting list:"
                if len(places) == 1
                else "Your places on mentor training are cancelled (you are "
                "emailed), and go to the first on each waiting list:",
                tuple(places),
            )
        )
    consequences.append(
        "Your history is kept, and you can register your interest again later."
    )
    return confirm.confirmation_page(
        request,
        title="Step down as a mentor"
        if mentored
        else "Withdraw your application to mentor",
        consequences=consequences,
        button="Yes, step down" if mentored else "Yes, withdraw",
        back_url=reverse("mentors:home"),
        danger=True,
    )


# -- the officer's side ------------------------------------------------------------


@login_required
def review_list(request):
    roles = roles_for(request.user)
    require(can_review_mentors(roles))
    profiles = (
        mentors_to_review(roles)
        .filter(selectors.waiting_for_review())
        .select_related("member__organisation")
        .order_by("submitted_at", "pk")
    )
    pipeline = selectors.pipeline_counts(mentors_to_review(roles))
    profiles = list(profiles)
    decider = officers.decider_of(request.user)
    for profile in profiles:
        profile.conflict = officers.conflict_reason(
            request.user, profile.member, decider=decider
        )
    return render(
        request,
        "mentors/review_list.html",
        {"profiles": profiles, "pipeline": pipeline},
    )


def _review_page(
    request, profile, *, form=None, evidence_form=None, withdraw_form=None
):
    context = selectors.review_context(profile)
    context.update(
        form=form or ReviewForm(),
        evidence_form=evidence_form or EvidenceReviewForm(),
        withdraw_form=withdraw_form or EvidenceWithdrawForm(),
        conflict=officers.conflict_reason(request.user, profile.member),
    )
    invalid = any(f and f.errors for f in (form, evidence_form, withdraw_form))
    return render(
        request, "mentors/review.html", context, status=400 if invalid else 200
    )


#: The refusals an officer confirms first: (title, what the applicant is told, button).
_REFUSALS = {
    "application": (
        "Decline {name}'s mentor application",
        "{name} is emailed that their application is declined, with your message:",
        "Yes, decline the application",
    ),
    "withdraw": (
        "Withdraw the acceptance of {name}'s training",
        "{name} is emailed that their training done elsewhere no longer counts, "
        "with your message; without other training they are taken off the list "
        "(they may send evidence again, or book the training):",
        "Yes, withdraw the acceptance",
    ),
    "evidence": (
        "Refuse {name}'s training evidence",
        "{name} is emailed that their training done elsewhere is not accepted, "
        "with your message (they may send evidence again):",
        "Yes, refuse the evidence",
    ),
}


def _decide(request, profile, form, decide, form_name: str, refusal=None):
    """Record an officer's decision through ``decide``, or show the form's errors.

    A refusal (``refusal(cleaned_data)`` names its kind in ``_REFUSALS``) is
    confirmed first: the applicant is emailed the reason, which cannot be unsent.
    """
    if (
        form.is_valid()
        and refusal is not None
        and (kind := refusal(form.cleaned_data))
        and form.cleaned_data.get("reason", "").strip()
        and not officers.conflict_reason(request.user, profile.member)
        and confirm.needs_confirmation(request)
    ):
        title, told, button = (
            text.format(name=profile.member.full_name) for text in _REFUSALS[kind]
        )
        return confirm.confirmation_page(
            request,
            title=title,
            consequences=[
                confirm.Consequence(told, (form.cleaned_data["reason"].strip(),)),
                "The decision and your message are kept in their mentor history.",
            ],
            button=button,
            back_url=reverse("mentors:review", args=[profile.pk]),
            undo="Once emailed, the decision cannot be taken back.",
            danger=True,
        )
    if form.is_valid():
        try:
            decide(profile=profile, by=request.user, **form.cleaned_data)
        except services.MentorError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request, "Decision recorded; the applicant has been emailed."
            )
            return redirect("mentors:review_list")
    return _review_page(request, profile, **{form_name: form})


@login_required
def review(request, pk: int):
    roles = roles_for(request.user)
    profile = get_mentor_to_review_or_404(roles, pk)
    if request.method != "POST":
        return _review_page(request, profile)
    return _decide(
        request,
        profile,
        ReviewForm(request.POST),
        services.mentor_application_review,
        "form",
        refusal=lambda data: (
            "application" if data["decision"] == MentorStatus.DECLINED else ""
        ),
    )


@login_required
@require_POST
def review_evidence(request, pk: int):
    roles = roles_for(request.user)
    profile = get_mentor_to_review_or_404(roles, pk)
    return _decide(
        request,
        profile,
        EvidenceReviewForm(request.POST),
        services.mentor_external_training_review,
        "evidence_form",
        refusal=lambda data: "" if data["accept"] else "evidence",
    )


@login_required
@require_POST
def withdraw_evidence(request, pk: int):
    roles = roles_for(request.user)
    profile = get_mentor_to_review_or_404(roles, pk)
    return _decide(
        request,
        profile,
        EvidenceWithdrawForm(request.POST),
        services.mentor_external_training_withdraw,
        "withdraw_form",
        refusal=lambda data: "withdraw",
    )


# -- evidence of training done elsewhere ------------------------------------------------


@login_required
def evidence(request):
    """Send evidence of training done elsewhere, or send it again after a refusal."""
    member = _member_or_403(request)
    profile = _profile_of(member)
    if profile is None:
        return redirect("mentors:home")
    may_send = (
        profile.status in services.EVIDENCE_STATES
        and profile.trained_on is None
        and profile.external_training_status
        in (EvidenceStatus.NONE, EvidenceStatus.REJECTED)
    )
    form = EvidenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and may_send and form.is_valid():
        data = form.cleaned_data
        try:
            services.mentor_evidence_submit(
                profile=profile,
                description=data["external_training"],
                trained_on=data["external_training_date"],
                document=data["external_training_document"],
            )
        except services.MentorError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request, "Your evidence has been sent for review. We will email you."
            )
            return redirect("mentors:evidence")
    return render(
        request,
        "mentors/evidence.html",
        {
            "profile": profile,
            "form": form,
            "may_send": may_send,
            "submissions": profile.evidence.defer("document").select_related(
                "decided_by"
            ),
        },
        status=400 if form.errors else 200,
    )


@login_required
def evidence_document(request, pk: int):
    """The uploaded document, for its member and the officers who review mentors."""
    roles = roles_for(request.user)
    item = get_training_evidence_or_404(roles, pk)
    if not item.has_document:
        raise Http404("No document")
    response = HttpResponse(bytes(item.document), content_type=item.document_type)
    response["Content-Disposition"] = _attachment(item.document_name)
    response["Cache-Control"] = "private, no-store"
    return response


def _attachment(name: str) -> str:
    return content_disposition_header(True, name)


@login_required
def availability(request):
    """One click: still available to mentor, with this many places."""
    member = _member_or_403(request)
    profile = _profile_of(member)
    if profile is None or profile.status != MentorStatus.LISTED:
        return redirect("mentors:home")
    error = ""
    if request.method == "POST":
        capacity = parse_id(request.POST.get("capacity"))
        try:
            services.mentor_availability_confirm(
                profile=profile, capacity=capacity or 0
            )
        except services.MentorError as refusal:
            error = str(refusal)
        else:
            messages.success(
                request, "Thank you: you are listed as available. We will ask again."
            )
            return redirect("mentors:home")
    return render(
        request,
        "mentors/availability.html",
        {
            "profile": profile,
            "error": error,
            "places": range(1, MOST_PLACES + 1),
        },
        status=400 if error else 200,
    )
