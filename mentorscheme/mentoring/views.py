import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST, require_safe

from mentorscheme import confirm
from mentorscheme.fields import parse_id
from mentorscheme.members import officers
from mentorscheme.members.access import can_act_in_region, is_party, require, roles_for
from mentorscheme.mentoring import forms, selectors, services
from mentorscheme.mentoring.access import (
    can_act_for_candidates,
    can_read_private_notes,
    get_relationship_or_404,
    get_request_or_404,
)
from mentorscheme.mentoring.models import (
    Agreement,
    DeclineReason,
    Meeting,
    RelationshipStatus,
    RequestStatus,
)
from mentorscheme.mentors import directory as mentor_directory
from mentorscheme.mentors.access import can_use_directory
from mentorscheme.mentors.models import MentorProfile
from mentorscheme.scheme import eligibility
from mentorscheme.scheme.access import (
    candidate_enrolment_and_others,
    candidate_enrolment_or_none,
    candidate_open_enrolments,
)
from mentorscheme.scheme.models import (
    OPEN_ENROLMENT_STATUSES,
    Enrolment,
    EnrolmentStatus,
    RegulationsVersion,
    SchemeSettings,
)


def _roles(request):
    return roles_for(request.user)


def _current_member(request):
    roles = _roles(request)
    require(roles.member is not None and roles.member.is_current)
    return roles.member


def _error_status(*forms_):
    return 400 if any(f is not None and f.errors for f in forms_) else 200


# -- the candidate's home and enrolment -----------------------------------------------


@login_required
def candidate_home(request):
    roles = _roles(request)
    enrolment, other_enrolments = candidate_enrolment_and_others(
        roles, parse_id(request.GET.get("enrolment"))
    )
    if enrolment is None:
        if roles.member is not None and not roles.member.is_current:
            return _lapsed_home(request, roles.member)
        return redirect("mentoring:enrol")
    return render(
        request,
        "mentoring/home.html",
        {
            **selectors.candidate_home(enrolment),
            "enrolment": enrolment,
            "help_form": forms.HelpForm(),
            "other_enrolments": other_enrolments,
        },
    )


def _lapsed_home(request, member):
    """A member whose membership lapsed reads their own mentoring (and may
    withdraw), though they cannot find a mentor until they renew."""
    enrolments = selectors.lapsed_candidate_enrolments(member)
    if not enrolments:
        return redirect("mentoring:enrol")
    return render(request, "mentoring/lapsed.html", {"enrolments": enrolments})


@login_required
def enrol(request):
    member = _current_member(request)
    form = forms.EnrolForm(request.POST or None, initial=_declared(member))
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = services.enrolment_create(
                member=member,
                qualification=form.cleaned_data["qualification"],
                meeting_modes=form.cleaned_data["meeting_modes"],
                line_manager=form.declaration(),
            )
        except services.MentoringError as refusal:
            form.add_error(None, str(refusal))
        else:
            qualification = enrolment.qualification
            if not qualification.uses_mentors:
                messages.success(
                    request,
                    f"You are enrolled on {qualification}. {qualification} does "
                    "not use mentors.",
                )
                return redirect(_home_of(enrolment))
            messages.success(request, "You are enrolled. Now find a mentor.")
            return redirect(
                f"{reverse('mentoring:directory')}?enrolment={enrolment.pk}"
            )
    enrolments = selectors.enrolments_with_mentoring(member)
    return render(
        request,
        "mentoring/enrol.html",
        {"form": form, "enrolments": enrolments},
        status=_error_status(form),
    )


def _declared(member) -> dict:
    manager = member.declared_line_manager
    return {
        "line_manager": member.line_manager_declaration or None,
        "line_manager_member": manager.membership_number if manager else "",
        "line_manager_name": member.declared_line_manager_name,
    }


@login_required
def line_manager(request):
    member = _current_member(request)
    form = forms.LineManagerForm(request.POST or None, initial=_declared(member))
    if request.method == "POST" and form.is_valid():
        try:
            member = services.line_manager_declare(member=member, **form.declaration())
        except services.MentoringError as refusal:
            form.add_error(None, str(refusal))
        else:
            manager = member.declared_line_manager
            what_next = (
                f" {manager.full_name} mentors you now, and a line manager cannot "
                "mentor someone they manage: your region's support officer has been "
                "asked to decide about the mentoring."
                if selectors.mentored_by(member, manager)
                else ""
            )
            messages.success(request, f"Your line manager is recorded.{what_next}")
            return redirect("mentoring:home")
    return render(
        request,
        "mentoring/line_manager.html",
        {"form": form, "member": member},
        status=_error_status(form),
    )


@login_required
@require_POST
def ask_for_help(request):
    roles = _roles(request)
    enrolment = candidate_enrolment_or_none(
        roles, parse_id(request.POST.get("enrolment"))
    )
    require(enrolment is not None)
    home = _home_of(enrolment)
    form = forms.HelpForm(request.POST)
    if not form.is_valid():
        problems = " ".join(e for errors in form.errors.values() for e in errors)
        messages.error(request, f"Your message could not be sent: {problems}")
        return redirect(home)
    try:
        services.help_request(enrolment=enrolment, message=form.cleaned_data["message"])
    except services.MentoringError as refusal:
        messages.error(request, str(refusal))
        return redirect(home)
    messages.success(
        request,
        "Your region's Candidate Support Officer (or the registration team) has "
        "been asked to help you.",
    )
    return redirect(home)


def _home_of(enrolment) -> str:
    """The candidate's home, showing this enrolment."""
    return f"{reverse('mentoring:home')}?enrolment={enrolment.pk}"


def _told_of_move(enrolment) -> str:
    relationship = selectors.active_relationship(enrolment)
    if relationship is None:
        return "Nobody is emailed."
    return (
        f"Your mentor, {relationship.mentor.member.full_name}, is emailed that you "
        "moved, since what they advise on follows your regulations."
    )


@login_required
@require_POST
def move_regulations(request):
    """The candidate's choice when new regulations are published: move to them."""
    roles = _roles(request)
    enrolment = candidate_enrolment_or_none(
        roles, parse_id(request.POST.get("enrolment"))
    )
    require(enrolment is not None)
    regulations = get_object_or_404(
        RegulationsVersion, pk=parse_id(request.POST.get("regulations")) or 0
    )
    if (
        confirm.needs_confirmation(request)
        and enrolment.is_open
        and regulations in selectors.newer_regulations(enrolment)
    ):
        return confirm.confirmation_page(
            request,
            title=f"Move to {regulations}",
            consequences=[
                f"Your enrolment on {enrolment.qualification} moves from "
                f"{enrolment.regulations} to {regulations}: your portfolio is "
                f"assessed under {regulations}.",
                _told_of_move(enrolment),
                "The move is kept in your enrolment's history.",
            ],
            button=f"Yes, move to {regulations}",
            back_url=f"{reverse('mentoring:home')}?enrolment={enrolment.pk}",
            back_text=f"No, stay under {enrolment.regulations}",
            undo=f"You cannot move back to {enrolment.regulations} afterwards.",
        )
    try:
        services.enrolment_move_regulations(
            enrolment=enrolment, regulations=regulations, by=request.user
        )
    except services.MentoringError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            f"Your enrolment is now under the {regulations}. Your mentor, if you "
            "have one, has been told.",
        )
    return redirect(f"{reverse('mentoring:home')}?enrolment={enrolment.pk}")


# -- the directory ----------------------------------------------------------------------


@login_required
def directory(request):
    roles = _roles(request)
    require(can_use_directory(roles))
    # The enrolment candidate_enrolment_or_none gives (the one asked for with
    # ?enrolment=, if it is theirs), with its record, read once.
    chosen = parse_id(request.GET.get("enrolment"))
    enrolments = candidate_open_enrolments(roles)
    searched = candidate_open_enrolments(roles, selectors.CANDIDATE_ENROLMENTS)
    index = mentor_directory.current_index()
    first = functools.partial(
        selectors.first_candidate, member=roles.member, reference=index.reference
    )
    enrolment, candidate = first(searched.filter(pk=chosen)) if chosen else (None, None)
    if enrolment is None:
        chosen = None
        enrolment, candidate = first(searched)
    if candidate is not None and candidate.has_active_relationship:
        relationship = selectors.active_relationship(enrolment)
        # One mentor at a time: a list of nobody would only mislead.
        return render(
            request,
            "mentoring/directory_matched.html",
            {
                "relationship": relationship,
                "enrolment": enrolment,
                "portfolio_submitted": candidate.portfolio_submitted,
                "other_enrolments": _others_using_mentors(enrolments, enrolment),
            },
        )
    reason = candidate is not None and _why_no_mentor_to_find(enrolment, candidate)
    if reason:
        return _no_mentor_to_find(
            request, enrolment, reason, _others_using_mentors(enrolments, enrolment)
        )
    form = forms.DirectoryFilterForm(
        request.GET or None,
        reference=index.reference,
        for_candidate=candidate is not None,
    )
    filters, ignored = {}, []
    if form.is_bound and not form.is_valid():
        # A bad value (an old bookmark, a region merged away) drops that filter only.
        ignored = [form[name].label for name in form.errors if name in form.fields]
    if form.is_bound:
        filters = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    page, suggestions = mentor_directory.search(
        candidate=candidate,
        filters=filters,
        page=request.GET.get("page", 1),
        index=index,
    )
    # Each mentor's page keeps the enrolment the candidate searches for.
    for_enrolment = f"?enrolment={enrolment.pk}" if chosen else ""
    common, cards = _cards([*page, *suggestions], for_enrolment)
    return render(
        request,
        "mentoring/directory.html",
        {
            "form": form,
            "page": page,
            "cards": cards[: len(page)],
            "suggested": cards[len(page) :],
            "enrolment": enrolment,
            "candidate": candidate,
            "ignored": ignored,
            "common_reasons": common,
            "for_enrolment": for_enrolment,
        },
    )


def _why_no_mentor_to_find(enrolment, candidate) -> str | None:
    """Why the directory has no mentor for this enrolment to find, if it has none."""
    if not candidate.qualification_uses_mentors:
        return eligibility.RULES["qualification_without_mentors"]
    if candidate.mentoring_complete:
        return (
            f"{eligibility.RULES['mentoring_complete']} "
            f"{selectors.after_mentoring(enrolment)}"
        )
    if candidate.portfolio_submitted:
        return services.SUBMITTED_NO_MENTOR
    return None


def _no_mentor_to_find(request, enrolment, reason: str, other_enrolments=()):
    return render(
        request,
        "mentoring/directory_closed.html",
        {
            "reason": reason,
            "home": _home_of(enrolment),
            "enrolment": enrolment,
            "other_enrolments": other_enrolments,
        },
    )


def _others_using_mentors(enrolments, enrolment) -> list:
    """The candidate's other open enrolments that use mentors: the directory shown
    for one with no mentor to find says where to find one for these."""
    return [
        e for e in enrolments.exclude(pk=enrolment.pk) if e.qualification.uses_mentors
    ]


@functools.lru_cache(maxsize=10_000)
def _mentor_address(script_prefix: str, urlconf, mentor_id: int) -> str:
    return reverse("mentoring:mentor", args=[mentor_id])


def _cards(entries, for_enrolment: str) -> tuple[list, list[dict]]:
    """The reasons every mentor shown shares, said once above the list, and each
    entry's card.

    A card is a dict of what it shows, worked out here: a template looks up a key of
    a dict faster than anything else, and a page shows 25 cards. Its ``reasons``
    are what sets that mentor apart, and its ``url`` is its page (reversed once a
    process for each mentor: reversing costs more than the rest of a card).
    """
    keys = None
    for entry in entries:
        mine = {(r.code, r.text) for r in entry.recommendations}
        keys = mine if keys is None else keys & mine
    keys = keys if keys and len(entries) > 1 else set()
    shared = {}
    prefix, urlconf = get_script_prefix(), get_urlconf()
    cards = []
    for entry in entries:
        reasons = []
        for r in entry.recommendations:
            if r.code == "free_places":
                continue  # the card shows its places
            if (r.code, r.text) in keys:
                shared.setdefault((r.code, r.text), r)
            else:
                reasons.append(r.text[:1].upper() + r.text[1:])  # capfirst
        card, record = entry.card, entry.record
        cards.append(
            {
                "url": _mentor_address(prefix, urlconf, card.id) + for_enrolment,
                "name": card.full_name,
                "job_title": card.job_title,
                "sector": card.organisation_type,
                "region": card.region or "Not given",
                "meets": ", ".join(card.meeting_mode_labels),
                "in_person": ", ".join(card.meets_in_person_in),
                "places": f"{record.free_places} free of {record.capacity}",
                "reasons": reasons,
                "warnings": [r.text for r in entry.warnings],
                "requested": entry.requested,
            }
        )
    return list(shared.values()), cards


@login_required
def mentor_detail(request, pk: int):
    roles = _roles(request)
    require(can_use_directory(roles))
    enrolment = candidate_enrolment_or_none(
        roles, parse_id(request.GET.get("enrolment"))
    )
    candidate = selectors.candidate_record(enrolment) if enrolment else None
    if candidate is not None and candidate.portfolio_submitted:
        return _no_mentor_to_find(request, enrolment, services.SUBMITTED_NO_MENTOR)
    entry = mentor_directory.entry_for(candidate=candidate, mentor_id=pk)
    if entry is None:
        raise Http404("This mentor is not available to you.")
    form = forms.RequestForm(request.POST or None)
    if request.method == "POST":
        require(enrolment is not None)
        if form.is_valid():
            try:
                services.request_create(
                    enrolment=enrolment,
                    mentor=MentorProfile.objects.select_related("member").get(pk=pk),
                    message=form.cleaned_data["message"],
                )
            except services.MentoringError as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(
                    request,
                    f"Your request has gone to {entry.card.first_name}. "
                    "We will email you when they answer.",
                )
                return redirect(_home_of(enrolment))
    return render(
        request,
        "mentoring/mentor.html",
        {
            "entry": entry,
            "mentor": entry.card,
            "form": form,
            "enrolment": enrolment,
        },
        status=_error_status(form),
    )


# -- requests -----------------------------------------------------------------------------


def _request_page(
    request,
    roles,
    mentoring_request,
    *,
    accept_form=None,
    decline_form=None,
    ask_form=None,
    reply_form=None,
):
    """The request as its mentor, its candidate or an officer reads it, with the form
    the person just posted when it came back with errors."""
    is_mentor = is_party(roles, mentoring_request.mentor.member_id)
    is_candidate = is_party(roles, mentoring_request.enrolment.member_id)
    failures, withdrawn = [], []
    if is_mentor and mentoring_request.is_open:
        failures = eligibility.for_reader(
            selectors.rule_failures(
                mentoring_request.enrolment, mentoring_request.mentor
            ),
            eligibility.MENTOR,
        )
        # What accepting does to the candidate's other requests, said beside it.
        withdrawn = [
            r.mentor.member.full_name
            for r in selectors.open_requests(mentoring_request.enrolment)
            if r.pk != mentoring_request.pk
        ]
    return render(
        request,
        "mentoring/request.html",
        {
            "req": mentoring_request,
            "is_mentor": is_mentor,
            "is_candidate": is_candidate,
            "accept_form": accept_form
            or forms.AcceptForm(candidate=mentoring_request.enrolment.member),
            "decline_form": decline_form or forms.DeclineForm(),
            "ask_form": ask_form or forms.AskMoreForm(),
            "reply_form": reply_form or forms.ReplyForm(),
            "failures": failures,
            "withdrawn": withdrawn,
            "more_info": mentoring_request.status == RequestStatus.MORE_INFO,
            "may_ask": mentoring_request.status == RequestStatus.PENDING,
        },
        status=_error_status(accept_form, decline_form, ask_form, reply_form),
    )


@login_required
@require_safe
def request_detail(request, pk: int):
    roles = _roles(request)
    return _request_page(request, roles, get_request_or_404(roles, pk))


def _request_as(request, pk: int, side: str):
    """The request, provided the person signed in is its ``side`` ("mentor" or
    "candidate")."""
    roles = _roles(request)
    mentoring_request = get_request_or_404(roles, pk)
    if side == "mentor":
        require(is_party(roles, mentoring_request.mentor.member_id))
    else:
        require(is_party(roles, mentoring_request.enrolment.member_id))
    return roles, mentoring_request


def _back_to_request(request, mentoring_request, refusal):
    messages.error(request, str(refusal))
    return redirect("mentoring:request", pk=mentoring_request.pk)


@login_required
@require_POST
def request_accept(request, pk: int):
    roles, mentoring_request = _request_as(request, pk, "mentor")
    form = forms.AcceptForm(request.POST, candidate=mentoring_request.enrolment.member)
    if not form.is_valid():
        return _request_page(request, roles, mentoring_request, accept_form=form)
    try:
        relationship = services.request_accept(
            request=mentoring_request,
            mentor=mentoring_request.mentor,
            confirms_not_line_manager=form.cleaned_data["not_line_manager"],
        )
    except services.MentoringError as refusal:
        return _back_to_request(request, mentoring_request, refusal)
    messages.success(
        request, "You have accepted. Next, agree how you will work together."
    )
    return redirect("mentoring:relationship", pk=relationship.pk)


@login_required
@require_POST
def request_decline(request, pk: int):
    roles, mentoring_request = _request_as(request, pk, "mentor")
    form = forms.DeclineForm(request.POST)
    if not form.is_valid():
        return _request_page(request, roles, mentoring_request, decline_form=form)
    if confirm.needs_confirmation(request):
        return _confirm_decline(request, mentoring_request, form.cleaned_data)
    try:
        services.request_decline(
            request=mentoring_request,
            mentor=mentoring_request.mentor,
            **form.cleaned_data,
        )
    except services.MentoringError as refusal:
        return _back_to_request(request, mentoring_request, refusal)
    messages.success(request, "You have declined; the candidate has been told.")
    return redirect("mentors:home")


def _confirm_decline(request, mentoring_request, answer: dict):
    candidate = mentoring_request.enrolment.member
    reason = dict(DeclineReason.choices)[answer["reason"]]
    with_message = " and your message" if answer.get("message", "").strip() else ""
    return confirm.confirmation_page(
        request,
        title=f"Decline {candidate.full_name}’s request",
        consequences=[
            confirm.Consequence(
                f"{candidate.first_name} is emailed that you have declined, with "
                f"your reason (“{reason}”){with_message}:",
                people=(candidate.full_name,),
            ),
            "The request closes; it cannot be reopened.",
            f"{candidate.first_name} can go on to ask other mentors.",
        ],
        button="Yes, decline the request",
        back_url=reverse("mentoring:request", args=[mentoring_request.pk]),
        danger=True,
    )


@login_required
@require_POST
def request_ask(request, pk: int):
    """The mentor asks the candidate for more information before answering."""
    roles, mentoring_request = _request_as(request, pk, "mentor")
    form = forms.AskMoreForm(request.POST)
    if not form.is_valid():
        return _request_page(request, roles, mentoring_request, ask_form=form)
    try:
        services.request_ask_more(
            request=mentoring_request,
            mentor=mentoring_request.mentor,
            message=form.cleaned_data["message"],
        )
    except services.MentoringError as refusal:
        return _back_to_request(request, mentoring_request, refusal)
    messages.success(request, "Your question has been sent to the candidate.")
    return redirect("mentors:home")


@login_required
@require_POST
def request_reply(request, pk: int):
    """The candidate answers the mentor's question."""
    roles, mentoring_request = _request_as(request, pk, "candidate")
    form = forms.ReplyForm(request.POST)
    if not form.is_valid():
        return _request_page(request, roles, mentoring_request, reply_form=form)
    try:
        services.request_reply(
            request=mentoring_request,
            candidate=roles.member,
            reply=form.cleaned_data["reply"],
        )
    except services.MentoringError as refusal:
        return _back_to_request(request, mentoring_request, refusal)
    messages.success(request, "Your reply has been sent to the mentor.")
    return redirect("mentoring:home")


@login_required
@require_POST
def request_withdraw(request, pk: int):
    roles, mentoring_request = _request_as(request, pk, "candidate")
    if mentoring_request.is_open and confirm.needs_confirmation(request):
        return _confirm_withdraw(request, mentoring_request)
    try:
        services.request_withdraw(request=mentoring_request, candidate=roles.member)
    except services.MentoringError as refusal:
        return _back_to_request(request, mentoring_request, refusal)
    messages.success(request, "Your request has been withdrawn.")
    return redirect("mentoring:home")


def _confirm_withdraw(request, mentoring_request):
    mentor = mentoring_request.mentor.member
    limit = SchemeSettings.load().open_request_limit
    return confirm.confirmation_page(
        request,
        title=f"Withdraw your request to {mentor.full_name}",
        consequences=[
            confirm.Consequence(
                f"{mentor.first_name} is emailed that you have withdrawn it:",
                people=(mentor.full_name,),
            ),
            "The request closes; it cannot be reopened. To ask "
            f"{mentor.first_name} again, you would send a new request.",
            f"One of the {limit} requests you may have open at once is free for "
            "another mentor.",
        ],
        button="Yes, withdraw my request",
        back_url=reverse("mentoring:request", args=[mentoring_request.pk]),
        danger=True,
    )


# -- relationships ----------------------------------------------------------------------


@login_required
def relationship_detail(request, pk: int):
    roles = _roles(request)
    relationship = get_relationship_or_404(roles, pk)
    accesses = list(relationship.notes_accesses.select_related("officer"))
    may_read = can_read_private_notes(roles, relationship, request.user, accesses)
    in_pair = is_party(
        roles, relationship.enrolment.member_id, relationship.mentor.member_id
    )
    agreements = list(relationship.agreements.select_related("created_by"))
    return render(
        request,
        "mentoring/relationship.html",
        {
            "relationship": relationship,
            "agreement": agreements[0] if agreements else None,
            "earlier_agreements": agreements[1:],
            "meetings": relationship.meetings.filter(
                removed_at__isnull=True
            ).prefetch_related("revisions")
            if may_read
            else None,
            "removed_meetings": relationship.meetings.filter(removed_at__isnull=False)
            if may_read
            else None,
            "completion": services.completion_needs(relationship),
            "may_reopen": relationship.status == RelationshipStatus.COMPLETED
            and can_act_for_candidates(roles, relationship.enrolment.member.region_id),
            "may_read": may_read,
            "is_party": in_pair,
            "is_mentor": is_party(roles, relationship.mentor.member_id),
            "is_candidate": is_party(roles, relationship.enrolment.member_id),
            "portfolio_submitted": selectors.portfolio_submitted(
                relationship.enrolment
            ),
            "accesses": accesses,
            "open_flags": relationship.flags.filter(resolved_at__isnull=True),
            "may_end_as_officer": relationship.is_active
            and can_act_for_candidates(roles, relationship.enrolment.member.region_id),
            "officer_end_form": forms.NotesAccessForm(),
            "contact": selectors.contact_for(
                relationship, roles.member.pk if roles.member else None
            ),
            "end_form": forms.EndForm(),
            "notes_form": forms.NotesAccessForm(),
        },
    )


def _party_relationship(request, pk):
    roles = _roles(request)
    relationship = get_relationship_or_404(roles, pk)
    require(
        is_party(roles, relationship.enrolment.member_id, relationship.mentor.member_id)
    )
    return roles.member, relationship


@login_required
def agreement_edit(request, pk: int):
    member, relationship = _party_relationship(request, pk)
    current = relationship.agreements.first()
    initial = {}
    if current:
        initial = {
            f: getattr(current, f)
            for f in ("goals", "frequency", "meeting_modes", "confidentiality")
        }
    form = forms.AgreementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.agreement_save(
                relationship=relationship, member=member, **form.cleaned_data
            )
        except services.MentoringError as refusal:
            form.add_error(None, str(refusal))
        else:
            if current is not None and agreement.pk == current.pk:
                messages.info(
                    request,
                    "Nothing has changed in the agreement, so no new version was "
                    "saved and nobody has been asked to confirm it again.",
                )
            else:
                messages.success(
                    request, "Saved. The other person has been asked to confirm it."
                )
            return redirect("mentoring:relationship", pk=pk)
    return render(
        request,
        "mentoring/agreement_form.html",
        {"form": form, "relationship": relationship, "current": current},
        status=_error_status(form),
    )


@login_required
@require_POST
def agreement_confirm(request, pk: int):
    agreement = get_object_or_404(Agreement, pk=pk)
    member, relationship = _party_relationship(request, agreement.relationship_id)
    try:
        services.agreement_confirm(agreement=agreement, member=member)
    except services.MentoringError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "You have confirmed the agreement.")
    return redirect("mentoring:relationship", pk=relationship.pk)


@login_required
def meeting_new(request, pk: int):
    member, relationship = _party_relationship(request, pk)
    # Once the mentoring has ended, the last day a meeting can have been held.
    initial = {"held_on": relationship.ended_on} if relationship.ended_on else None
    form = forms.MeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_log(
                relationship=relationship, member=member, **form.cleaned_data
            )
        except services.MentoringError as refusal:
            form.add_error("held_on", str(refusal))
        else:
            messages.success(request, "The meeting has been added to your log.")
            return redirect("mentoring:relationship", pk=pk)
    return render(
        request,
        "mentoring/meeting_form.html",
        {"form": form, "relationship": relationship},
        status=_error_status(form),
    )


@login_required
@require_POST
def relationship_end(request, pk: int):
    member, relationship = _party_relationship(request, pk)
    form = forms.EndForm(request.POST)
    if form.is_valid() and confirm.needs_confirmation(request):
        other = (
            relationship.enrolment.member
            if member.pk == relationship.mentor.member_id
            else relationship.mentor.member
        )
        return confirm.confirmation_page(
            request,
            title=f"End your mentoring with {other.full_name}",
            consequences=[
                f"{other.full_name} is emailed that the mentoring has ended, with "
                "the reason you gave.",
                "The meeting log and agreement stay in both your histories.",
                (
                    _next_mentor(relationship, other.first_name)
                    if other == relationship.enrolment.member
                    else _your_next_mentor(relationship)
                )
                + "; a change of mentor starts a new mentoring relationship.",
            ],
            button="Yes, end the mentoring",
            back_url=reverse("mentoring:relationship", args=[pk]),
            danger=True,
        )
    if form.is_valid():
        try:
            services.relationship_end(
                relationship=relationship, member=member, **form.cleaned_data
            )
        except services.MentoringError as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request, "The mentoring has ended and the other person has been told."
            )
    else:
        messages.error(request, "Give a reason; the other person will read it.")
    return redirect("mentoring:relationship", pk=pk)


@login_required
def relationship_complete(request, pk: int):
    """Confirming completion: a page that says what it means, then the confirmation."""
    member, relationship = _party_relationship(request, pk)
    needs = services.completion_needs(relationship)
    form = forms.CompletionForm(
        request.POST if request.method == "POST" else None,
        reason_needed=needs["reason_needed"],
    )
    if request.method == "POST" and form.is_valid():
        try:
            relationship = services.relationship_confirm_completion(
                relationship=relationship,
                member=member,
                reason=form.cleaned_data.get("reason", ""),
            )
        except services.MentoringError as refusal:
            form.add_error(None, str(refusal))
        else:
            if relationship.status == RelationshipStatus.COMPLETED:
                messages.success(
                    request, "You have both confirmed: mentoring is complete."
                )
            else:
                messages.success(
                    request, "You have confirmed; the other person has been asked to."
                )
            return redirect("mentoring:relationship", pk=pk)
    return render(
        request,
        "mentoring/complete.html",
        {
            "relationship": relationship,
            "form": form,
            "needs": needs,
            "is_mentor": relationship.mentor.member_id == member.pk,
        },
        status=_error_status(form),
    )


@login_required
def letter_of_support(request, pk: int):
    member, relationship = _party_relationship(request, pk)
    require(relationship.enrolment.qualification.mentor_writes_letter)
    is_mentor = relationship.mentor.member_id == member.pk
    if request.GET.get("download") or not is_mentor:
        if not relationship.letter_of_support:
            raise Http404("The letter of support has not been written yet.")
        return _letter_download(relationship)
    form = forms.LetterForm(
        request.POST or None, initial={"letter": relationship.letter_of_support}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.letter_of_support_save(
                relationship=relationship, member=member, **form.cleaned_data
            )
        except services.MentoringError as refusal:
            form.add_error("letter", str(refusal))
        else:
            messages.success(
                request, "Your letter is saved; the candidate can download it."
            )
            return redirect("mentoring:relationship", pk=pk)
    return render(
        request,
        "mentoring/letter_form.html",
        {"relationship": relationship, "form": form},
        status=_error_status(form),
    )


def _letter_download(relationship):
    candidate = relationship.enrolment.member
    mentor = relationship.mentor.member
    body = (
        f"Letter of support for {candidate.full_name}\n"
        f"{relationship.enrolment.qualification}, membership number "
        f"{candidate.membership_number}\n"
        f"From {mentor.full_name}, mentor"
        f"{', ' + mentor.job_title if mentor.job_title else ''}\n"
        f"Written {relationship.letter_written_at:%-d %B %Y}\n\n"
        f"{relationship.letter_of_support}\n"
    )
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    name = slugify(f"letter of support {candidate.full_name}")
    response["Content-Disposition"] = f'attachment; filename="{name}.txt"'
    return response


def _confirm_reopen(request, relationship, reason: str):
    candidate = relationship.enrolment.member.full_name
    mentor = relationship.mentor.member.full_name
    return confirm.confirmation_page(
        request,
        title=f"Reopen the mentoring of {candidate} by {mentor}",
        consequences=[
            confirm.Consequence(
                f"{candidate} and {mentor} are each emailed that their mentoring is "
                "open again, with your reason:",
                (reason,),
            ),
            "Both confirmations of completion are cleared: they confirm again when "
            "the mentoring is done.",
        ],
        button="Yes, reopen the mentoring",
        back_url=reverse("mentoring:relationship", args=[relationship.pk]),
        undo="Once sent, the emails cannot be called back.",
    )


@login_required
@require_POST
def relationship_reopen(request, pk: int):
    roles = _roles(request)
    relationship = get_relationship_or_404(roles, pk)
    require(can_act_for_candidates(roles, relationship.enrolment.member.region_id))
    reason = request.POST.get("reason", "")[:2000]
    try:
        if confirm.needs_confirmation(request):
            services.relationship_reopen_check(
                relationship=relationship, officer=request.user, reason=reason
            )
            return _confirm_reopen(request, relationship, reason.strip())
        services.relationship_reopen(
            relationship=relationship, officer=request.user, reason=reason
        )
    except services.MentoringError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "The mentoring is open again; both have been told.")
    return redirect("mentoring:relationship", pk=pk)


def _own_meeting(request, pk: int):
    meeting = get_object_or_404(Meeting, pk=pk, removed_at__isnull=True)
    member, relationship = _party_relationship(request, meeting.relationship_id)
    require(meeting.may_change(request.user))
    return member, relationship, meeting


@login_required
def meeting_edit(request, pk: int):
    member, relationship, meeting = _own_meeting(request, pk)
    initial = {
        f: getattr(meeting, f)
        for f in ("held_on", "mode", "duration_minutes", "notes", "action_points")
    }
    form = forms.MeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_correct(
                meeting=meeting, member=member, **form.cleaned_data
            )
        except services.MentoringError as refusal:
            form.add_error("held_on", str(refusal))
        else:
            messages.success(
                request, "The meeting is corrected; the earlier version is kept."
            )
            return redirect("mentoring:relationship", pk=relationship.pk)
    return render(
        request,
        "mentoring/meeting_form.html",
        {"form": form, "relationship": relationship, "meeting": meeting},
        status=_error_status(form),
    )


@login_required
def meeting_remove(request, pk: int):
    member, relationship, meeting = _own_meeting(request, pk)
    if request.method == "POST":
        try:
            services.meeting_remove(meeting=meeting, member=member)
        except services.MentoringError as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request, "The meeting is removed from the log; its history is kept."
            )
        return redirect("mentoring:relationship", pk=relationship.pk)
    return render(
        request,
        "mentoring/meeting_remove.html",
        {
            "relationship": relationship,
            "meeting": meeting,
            "refusal": services.meeting_remove_refusal(meeting),
        },
    )


@login_required
@require_POST
def open_notes(request, pk: int):
    roles = _roles(request)
    relationship = get_relationship_or_404(roles, pk)
    require(can_act_in_region(roles, relationship.enrolment.member.region_id))
    form = forms.NotesAccessForm(request.POST)
    if form.is_valid() and confirm.needs_confirmation(request):
        candidate = relationship.enrolment.member.full_name
        mentor = relationship.mentor.member.full_name
        return confirm.confirmation_page(
            request,
            title=f"Open the meeting notes of {candidate} and {mentor}",
            consequences=[
                confirm.Consequence(
                    f"{candidate} and {mentor} are each emailed that you opened "
                    "their notes, with your reason:",
                    (form.cleaned_data["reason"],),
                ),
                "Your name and reason are kept in the audit log and shown on "
                "their mentoring page.",
            ],
            button="Yes, open the notes",
            back_url=reverse("mentoring:relationship", args=[pk]),
            undo="This cannot be undone: the pair are told at once.",
        )
    if form.is_valid():
        services.notes_access_open(
            relationship=relationship,
            officer=request.user,
            reason=form.cleaned_data["reason"],
        )
        messages.success(
            request, "Your reason has been recorded and shown to the pair."
        )
    else:
        messages.error(
            request, "Give a reason of at least a few words; the pair will see it."
        )
    return redirect("mentoring:relationship", pk=pk)


def _next_mentor(relationship, candidate: str) -> str:
    """What ending this mentoring leaves ``candidate`` (their name) to do next."""
    if selectors.portfolio_submitted(relationship.enrolment):
        return (
            f"{candidate}'s portfolio is with the assessors, so there is no mentor "
            "to find now; if the assessors ask for further information, they can "
            "then ask another mentor"
        )
    return f"{candidate} can then ask another mentor"


def _your_next_mentor(relationship) -> str:
    """``_next_mentor`` as the candidate reads it of themselves."""
    if selectors.portfolio_submitted(relationship.enrolment):
        return (
            "Your portfolio is with the assessors, so there is no mentor to find "
            "now; if the assessors ask for further information, you can then ask "
            "another mentor"
        )
    return "You can then ask another mentor"


@login_required
@require_POST
def relationship_end_by_officer(request, pk: int):
    roles = _roles(request)
    relationship = get_relationship_or_404(roles, pk)
    require(can_act_for_candidates(roles, relationship.enrolment.member.region_id))
    reason = request.POST.get("reason", "").strip()
    if (
        confirm.needs_confirmation(request)
        and relationship.is_active
        and len(reason) >= 10
        and not any(
            officers.conflict_reason(request.user, member)
            for member in (relationship.mentor.member, relationship.enrolment.member)
        )
    ):
        candidate = relationship.enrolment.member.full_name
        mentor = relationship.mentor.member.full_name
        return confirm.confirmation_page(
            request,
            title=f"End the mentoring of {candidate} by {mentor}",
            consequences=[
                confirm.Consequence(
                    f"{candidate} and {mentor} are each emailed that the scheme "
                    "has ended their mentoring, with your reason:",
                    (reason,),
                ),
                "They no longer show among the candidates who need help on your dashboard.",
                _next_mentor(relationship, candidate)
                + "; the meeting log and agreement stay in both histories.",
            ],
            button="Yes, end the mentoring",
            back_url=reverse("mentoring:relationship", args=[pk]),
            danger=True,
        )
    try:
        services.relationship_end_by_officer(
            relationship=relationship,
            officer=request.user,
            reason=request.POST.get("reason", ""),
        )
    except services.MentoringError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "The mentoring has ended; both have been told why.")
    return redirect("mentoring:relationship", pk=pk)


# -- the enrolment lifecycle ------------------------------------------------------------


def _own_enrolment(request, pk: int):
    """One of the member's enrolments: withdrawing stays open to a member whose
    membership lapsed, as their enrolment does."""
    member = _roles(request).member
    require(member is not None)
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("qualification", "regulations"),
        pk=pk,
        member=member,
    )
    return member, enrolment


@login_required
def enrolment_withdraw(request, pk: int):
    member, enrolment = _own_enrolment(request, pk)
    if request.method == "POST":
        try:
            services.enrolment_withdraw(
                enrolment=enrolment,
                member=member,
                reason=request.POST.get("reason", "")[:2000],
            )
        except services.MentoringError as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request, f"You have withdrawn from {enrolment.qualification}."
            )
            return redirect("mentoring:enrol" if member.is_current else "home")
    enrolment.member = member
    return render(
        request,
        "mentoring/withdraw.html",
        {
            "enrolment": enrolment,
            "relationship": selectors.active_relationship(enrolment),
            "open_requests": selectors.open_requests(enrolment),
        },
    )


def _confirm_outcome(request, enrolment, *, status: str, note: str):
    name = enrolment.member.full_name
    outcome = EnrolmentStatus(status).label.lower()
    told = (
        f"they are awarded {enrolment.qualification}"
        if status == EnrolmentStatus.AWARDED
        else f"their {enrolment.qualification} submission was {outcome}"
    )
    consequences = [
        confirm.Consequence(
            f"{name} is emailed that {told}"
            + (", with your note:" if note.strip() else "."),
            (note.strip(),) if note.strip() else (),
        ),
        "The enrolment closes; any mentoring requests still open are withdrawn and "
        "those mentors are emailed.",
    ]
    relationship = selectors.active_relationship(enrolment)
    completed = (
        selectors.completed_relationship(enrolment)
        if relationship is None and status == EnrolmentStatus.AWARDED
        else None
    )
    if relationship is not None:
        mentor = relationship.mentor.member.full_name
        consequences.append(
            f"The mentoring with {mentor} is completed, and {mentor} is emailed thanks."
            if status == EnrolmentStatus.AWARDED
            else f"The mentoring with {mentor} ends, and {mentor} is emailed why."
        )
    elif completed is not None:
        consequences.append(
            f"{completed.mentor.member.full_name} is emailed thanks for the "
            f"mentoring, completed on {completed.ended_on:%-d %B %Y}."
        )
    return confirm.confirmation_page(
        request,
        title=f"Record the outcome for {name}: {outcome}",
        consequences=consequences,
        button=f"Yes, record it as {outcome}",
        back_url=reverse("mentoring:enrolment_status", args=[enrolment.pk]),
        undo="An outcome, once recorded, cannot be changed here.",
    )


@login_required
def enrolment_status(request, pk: int):
    roles = _roles(request)
    require(roles.is_staff)
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("member", "qualification", "regulations"),
        pk=pk,
    )
    form = forms.EnrolmentStatusForm(request.POST or None, enrolment=enrolment)
    conflict = officers.conflict_reason(request.user, enrolment.member)
    if (
        request.method == "POST"
        and form.is_valid()
        and form.cleaned_data["status"] not in OPEN_ENROLMENT_STATUSES
        and not conflict
        and confirm.needs_confirmation(request)
    ):
        return _confirm_outcome(request, enrolment, **form.cleaned_data)
    if request.method == "POST" and form.is_valid():
        try:
            services.enrolment_set_status(
                enrolment=enrolment, by=request.user, **form.cleaned_data
            )
        except services.MentoringError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "Recorded; the candidate has been told.")
            return redirect("mentoring:enrolment_status", pk=pk)
    return render(
        request,
        "mentoring/enrolment_status.html",
        {
            "enrolment": enrolment,
            "form": form,
            "conflict": conflict,
            "changes": selectors.enrolment_changes(enrolment),
        },
        status=_error_status(form),
    )
