"""Scheme administration for staff: the scheme's reference data and settings.

All of it is data, so a change takes effect on the next request, with no restart.
Every change goes through a service that writes it to the audit log.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from mentorscheme.guidance.models import GuidancePage
from mentorscheme.members import access
from mentorscheme.members.models import OfficerAppointment, OrganisationType, Region
from mentorscheme.oversight import services
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
    access.require(access.can_administer_scheme(access.roles_for(request.user)))


def _errors(refusal) -> list[str]:
    if isinstance(refusal, ValidationError):
        return list(refusal.messages)
    return [str(refusal)]


def _form_page(request, *, form, template, save, success: str, then: str, **context):
    """Show ``form``; on a valid POST call ``save(cleaned_data)`` and go to ``then``."""
    if request.method == "POST" and form.is_valid():
        try:
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
            f"organisations, {moved['appointments']} officer appointments and "
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
        "level they hold; set a lowest level for mentors to change that.",
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
        success="The regulations version has been added.",
        then="oversight:regulations",
        versions=RegulationsVersion.objects.all(),
        in_force=RegulationsVersion.in_force_on(timezone.localdate()),
    )


# -- officer appointments -------------------------------------------------------------------


@login_required
def appointments(request):
    _staff(request)
    form = AppointmentForm(request.POST or None)
    today = timezone.localdate()
    listing = list(OfficerAppointment.objects.select_related("member", "region"))

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
        current=[a for a in listing if a.is_in_office(today)],
        other=[a for a in listing if not a.is_in_office(today)],
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
        back=("oversight:appointments", "Officer appointments"),
        submit="End the term",
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
