"""Scheme administration for staff: the scheme's reference data and settings.

All of it is data, so a change takes effect on the next request, with no restart.
Every change goes through a service that writes it to the audit log.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Count, ExpressionWrapper
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from mentorscheme import confirm
from mentorscheme.guidance.models import GuidancePage
from mentorscheme.members import officers
from mentorscheme.members.access import require, roles_for
from mentorscheme.members.models import (
    Member,
    OfficerAppointment,
    Organisation,
    OrganisationType,
    Region,
)
from mentorscheme.mentors.models import MentorProfile
from mentorscheme.oversight import services
from mentorscheme.oversight.access import can_administer_scheme
from mentorscheme.oversight.forms import (
    AppointmentEndForm,
    AppointmentForm,
    OrganisationTypeForm,
    OrganisationTypeRenameForm,
    QualificationForm,
    RegionForm,
    RegionMergeForm,
    RegionRenameForm,
    RegulationsForm,
    SchemeSettingsForm,
)
from mentorscheme.scheme.models import Qualification, RegulationsVersion, SchemeSettings


def _staff(request) -> None:
    require(can_administer_scheme(roles_for(request.user)))


def _errors(refusal) -> list[str]:
    if isinstance(refusal, ValidationError):
        return list(refusal.messages)
    return [str(refusal)]


def _form_page(
    request,
    *,
    form,
    template,
    save,
    success: str,
    then: str,
    confirmation=None,
    **context,
):
    """Show ``form``; on a valid POST call ``save(cleaned_data)`` and go to ``then``.

    With ``confirmation``, a valid first POST is answered with the page
    ``confirmation(cleaned_data)`` returns instead, and ``save`` waits for the yes.
    """
    if request.method == "POST" and form.is_valid():
        try:
            if confirmation is not None and confirm.needs_confirmation(request):
                return confirmation(form.cleaned_data)
            save(form.cleaned_data)
        except (services.OversightError, ValidationError) as refusal:
            for error in _errors(refusal):
                form.add_error(None, error)
        else:
            messages.success(request, success)
            return redirect(then)
    return render(
        request,
        template,
        {"form": form, **context},
        status=400 if form.errors else 200,
    )


@login_required
def scheme_index(request):
    _staff(request)
    return render(
        request,
        "oversight/scheme_index.html",
        {
            "settings": SchemeSettings.load(),
            "guidance_pages": GuidancePage.objects.all(),
        },
    )


# -- regions ---------------------------------------------------------------------------


@login_required
def regions(request):
    _staff(request)
    form = RegionForm(request.POST or None)
    listing = Region.objects.select_related("merged_into").annotate(
        members=Count("member", distinct=True)
    )
    return _form_page(
        request,
        form=form,
        template="oversight/regions.html",
        save=lambda data: services.region_save(by=request.user, **data),
        success="The region has been added.",
        then="oversight:regions",
        regions=listing,
        merge_form=RegionMergeForm(),
    )


@login_required
def region_edit(request, pk: int):
    _staff(request)
    region = get_object_or_404(Region, pk=pk)
    form = RegionRenameForm(request.POST or None, instance=region)
    return _form_page(
        request,
        form=form,
        template="oversight/admin_form.html",
        save=lambda data: services.region_save(by=request.user, region=region, **data),
        success="The region has been renamed.",
        then="oversight:regions",
        title=f"Rename {region.name}",
        back=("oversight:regions", "Regions"),
        submit="Rename",
    )


@login_required
def region_merge(request):
    _staff(request)
    form = RegionMergeForm(request.POST or None)

    def save(data):
        moved = services.region_merge(
            source=data["source"], target=data["target"], by=request.user
        )
        messages.info(
            request,
            f"Moved {moved['members']} members, {moved['organisations']} "
            f"organisations, {moved['appointments']} support officer appointments and "
            f"{moved['events']} events.",
        )

    return _form_page(
        request,
        form=form,
        template="oversight/admin_form.html",
        save=save,
        success="The regions have been merged.",
        then="oversight:regions",
        title="Merge two regions",
        intro="Everything in the first region moves to the second. The first "
        "region stays on record, marked as merged, so history still reads true. "
        "This cannot be undone from here.",
        back=("oversight:regions", "Regions"),
        submit="Merge the regions",
        confirmation=lambda data: _confirm_merge(request, **data),
    )


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _confirm_merge(request, *, source: Region, target: Region):
    today = timezone.localdate()
    moving = [
        _count(Member.objects.filter(region=source).count(), "member", "members"),
        _count(
            Organisation.objects.filter(region=source).count(),
            "organisation",
            "organisations",
        ),
        _count(
            OfficerAppointment.objects.filter(officers.in_office(today), region=source)
            .values("member")
            .distinct()
            .count(),
            "support officer in office",
            "support officers in office",
        ),
        _count(
            source.events.filter(starts_at__date__gte=today).count(),
            "coming event",
            "coming events",
        ),
        _count(
            MentorProfile.objects.filter(regions=source).count(),
            "mentor who meets in person there",
            "mentors who meet in person there",
        ),
    ]
    return confirm.confirmation_page(
        request,
        title=f"Merge {source} into {target}",
        consequences=[
            confirm.Consequence(f"These move to {target}:", tuple(moving)),
            f"{source} stays on record, marked as merged into {target}, and can no "
            "longer be chosen anywhere a region is chosen.",
            f"{target}'s support officers act for everyone who moves, and see them "
            "on their dashboard.",
            "Nobody is emailed.",
        ],
        button=f"Yes, merge {source} into {target}",
        back_url=reverse("oversight:region_merge"),
        danger=True,
    )


# -- organisation types ----------------------------------------------------------------


@login_required
def organisation_types(request):
    _staff(request)
    form = OrganisationTypeForm(request.POST or None)
    return _form_page(
        request,
        form=form,
        template="oversight/organisation_types.html",
        save=lambda data: services.organisation_type_save(by=request.user, **data),
        success="The sort of organisation has been added.",
        then="oversight:organisation_types",
        types=OrganisationType.objects.annotate(n=Count("organisation")),
    )


@login_required
def organisation_type_edit(request, pk: int):
    _staff(request)
    kind = get_object_or_404(OrganisationType, pk=pk)
    form = OrganisationTypeRenameForm(request.POST or None, instance=kind)
    return _form_page(
        request,
        form=form,
        template="oversight/admin_form.html",
        save=lambda data: services.organisation_type_save(
            by=request.user, organisation_type=kind, **data
        ),
        success="The sort of organisation has been renamed.",
        then="oversight:organisation_types",
        title=f"Rename “{kind.name}”",
        back=("oversight:organisation_types", "Sorts of organisation"),
        submit="Rename",
    )


# -- qualifications and regulations ------------------------------------------------------


@login_required
def qualifications(request):
    _staff(request)
    return render(
        request,
        "oversight/qualifications.html",
        {
            "qualifications": Qualification.objects.select_related(
                "level", "min_mentor_level"
            )
        },
    )


@login_required
def qualification_edit(request, pk: int | None = None):
    _staff(request)
    qualification = get_object_or_404(Qualification, pk=pk) if pk else None
    form = QualificationForm(request.POST or None, instance=qualification)
    return _form_page(
        request,
        form=form,
        template="oversight/admin_form.html",
        save=lambda data: services.qualification_save(
            by=request.user, qualification=qualification, **data
        ),
        success="The qualification has been saved.",
        then="oversight:qualifications",
        title=f"Edit {qualification.name}" if qualification else "Add a qualification",
        intro="By default a mentor may support a qualification at or below the "
        "level they hold; set a lowest level for mentors to change that. Requests "
        "waiting for an answer that a change no longer allows are closed, and both "
        "people are told; mentoring already under way carries on.",
        back=("oversight:qualifications", "Qualifications"),
        submit="Save",
    )


@login_required
def regulations(request):
    _staff(request)
    form = RegulationsForm(request.POST or None)
    return _form_page(
        request,
        form=form,
        template="oversight/regulations.html",
        save=lambda data: services.regulations_create(by=request.user, **data),
        success="The regulations version has been published; the people it "
        "concerns are being emailed.",
        confirmation=lambda data: _confirm_regulations(request, **data),
        then="oversight:regulations",
        versions=RegulationsVersion.objects.all(),
        in_force=RegulationsVersion.in_force_on(timezone.localdate()),
    )


def _confirm_regulations(request, *, name, effective_from, summary):
    services.regulations_create_check(effective_from=effective_from)
    told = services.regulations_recipients(effective_from=effective_from)
    mentors = _count(
        told["mentors"],
        "mentor, listed or on the way to listing",
        "mentors, listed or on the way to listing",
    )
    candidates = _count(
        told["candidates"],
        "candidate who has not yet submitted their portfolio",
        "candidates who have not yet submitted their portfolios",
    )
    if effective_from > timezone.localdate():
        choice = (
            f"offering the choice, from {effective_from:%-d %B %Y}, to stay under the "
            "regulations they enrolled on or move to these; they are emailed again "
            "on that day."
        )
    else:
        choice = (
            "offering the choice to stay under the regulations they enrolled on or "
            "move to these."
        )
    return confirm.confirmation_page(
        request,
        title=f"Publish {name}",
        consequences=[
            f"{name} is in force from {effective_from:%-d %B %Y}: everyone who "
            "enrols from that day enrols under it.",
            f"Emails go to {mentors}, asking them to be briefed on it within "
            f"{SchemeSettings.load().briefing_grace_days} days of that date.",
            f"Emails go to {candidates}, {choice}",
        ],
        button=f"Yes, publish and email {_count(told['people'], 'person', 'people')}",
        back_url=reverse("oversight:regulations"),
        undo="Once sent, the emails cannot be called back, and a published version "
        "cannot be removed.",
    )


# -- officer appointments -------------------------------------------------------------------


@login_required
def appointments(request):
    _staff(request)
    form = AppointmentForm(request.POST or None)
    today = timezone.localdate()
    listing = list(
        OfficerAppointment.objects.select_related("member", "region").annotate(
            in_office=ExpressionWrapper(
                officers.in_office(today), output_field=BooleanField()
            )
        )
    )

    def save(data):
        data = dict(data, member=form.member)
        data.pop("membership_number")
        services.appointment_create(by=request.user, **data)

    return _form_page(
        request,
        form=form,
        template="oversight/appointments.html",
        save=save,
        success="The appointment has been added.",
        then="oversight:appointments",
        current=[a for a in listing if a.in_office],
        other=[a for a in listing if not a.in_office],
        today=today,
    )


@login_required
def appointment_end(request, pk: int):
    _staff(request)
    appointment = get_object_or_404(
        OfficerAppointment.objects.select_related("member", "region"), pk=pk
    )
    form = AppointmentEndForm(request.POST or None)
    return _form_page(
        request,
        form=form,
        template="oversight/admin_form.html",
        save=lambda data: services.appointment_end(
            appointment=appointment, by=request.user, **data
        ),
        success="The appointment's end has been recorded.",
        then="oversight:appointments",
        title=f"End a term: {appointment}",
        intro=f"The term started on {appointment.starts_on:%d %B %Y}.",
        back=("oversight:appointments", "Support officer appointments"),
        submit="End the term",
        confirmation=lambda data: _confirm_appointment_end(
            request, appointment, **data
        ),
    )


def _confirm_appointment_end(request, appointment, *, ends_on):
    services.appointment_end_check(appointment=appointment, ends_on=ends_on)
    person, region = appointment.member, appointment.region
    day_after = ends_on + datetime.timedelta(days=1)
    consequences = [
        f"{person.full_name} is {appointment.get_role_display()} for {region} until "
        f"the end of {ends_on:%-d %B %Y}; from {day_after:%-d %B %Y} they no longer "
        "see the region's support officer pages or receive its cases.",
    ]
    for side, roles in officers.SIDE_ROLES.items():
        if appointment.role not in roles:
            continue
        others = officers.appointments(region.pk, side, on=day_after).exclude(
            pk=appointment.pk
        )
        if not others.exists():
            consequences.append(
                f"{region} then has no {officers.SIDE_TITLES[side]}: "
                + (
                    "mentor applications and training evidence"
                    if side == officers.MENTORS
                    else "candidates' requests for help"
                )
                + " go to the registration team until someone is appointed."
            )
    consequences.append(
        f"{person.full_name} is not emailed: tell them yourself, and thank them."
    )
    return confirm.confirmation_page(
        request,
        title=f"End {person.full_name}'s term as {appointment.get_role_display()}",
        consequences=consequences,
        button="Yes, end the term",
        back_url=reverse("oversight:appointments"),
        back_text="No, keep the term as it is",
        undo="A term once ended cannot be extended: add a new appointment instead.",
    )


# -- settings ----------------------------------------------------------------------------


@login_required
def scheme_settings(request):
    _staff(request)
    form = SchemeSettingsForm(request.POST or None, instance=SchemeSettings.load())
    return _form_page(
        request,
        form=form,
        template="oversight/admin_form.html",
        save=lambda data: services.scheme_settings_update(by=request.user, **data),
        success="The settings have been saved. They apply from now on.",
        then="oversight:settings",
        title="Scheme settings",
        intro="Limits, reminders and the weights used to recommend mentors. "
        "Changes apply to the next page anyone opens.",
        back=("oversight:scheme", "Scheme administration"),
        submit="Save the settings",
    )
