"""The staff pages that import members and registration awards from CSV files.

An upload is checked at the door (encoding and header) and then imported by a
background task; its page shows how far the import has got, then what it found, and
the staff member is emailed when it has run.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.views.decorators.http import require_http_methods

from mentorscheme.members import importing, services
from mentorscheme.members.access import require, roles_for
from mentorscheme.members.models import (
    ImportStatus,
    Level,
    OrganisationType,
    Region,
    RegisterImport,
)

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="A UTF-8 CSV file (“CSV UTF-8” in Excel) with a header row, up to "
        "50 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages={
            "required": "Choose a CSV file to upload.",
            "empty": "The file is empty. Choose the CSV file exported from the "
            "membership database.",
            "invalid": "No file was received. Choose the CSV file again.",
        },
    )
    kind = forms.ChoiceField(
        label="What the file holds",
        choices=[("", "Work it out from the header")] + importing.ImportKind.choices,
        required=False,
    )
    apply_good_rows = forms.BooleanField(
        label="Import the good rows even if some rows have problems",
        help_text="Rows with problems are skipped and listed. Without this, nothing "
        "is imported until every row is good.",
        required=False,
    )
    dry_run = forms.BooleanField(
        label="Only check the file: change nothing", required=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}, larger than the 50 MB "
                "limit. Split it into smaller files and import each one."
            )
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(
                "The file must be a CSV file (its name ending .csv). If it is a "
                "spreadsheet, save it as “CSV UTF-8” first."
            )
        return upload


def _require_staff(request) -> None:
    require(roles_for(request.user).is_staff)


def _start(form: ImportForm, user) -> RegisterImport | None:
    """Queue the file for import, unless its encoding or header already say it
    cannot be imported (said on the form at once)."""
    data = form.cleaned_data
    content = data["file"].read()
    try:
        importing.preflight(data=content, kind=data["kind"] or None)
    except importing.ImportRefused as refusal:
        form.add_error("file", str(refusal))
        return None
    return services.register_import_start(
        data=content,
        file_name=data["file"].name,
        by=user,
        kind=data["kind"],
        apply_good_rows=data["apply_good_rows"],
        dry_run=data["dry_run"],
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_register(request):
    _require_staff(request)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        job = _start(form, request.user) if form.is_valid() else None
        if job is not None:
            return redirect("members:import_detail", pk=job.pk)
    else:
        form = ImportForm()
    context = {
        "form": form,
        "member_columns": importing.MEMBER_COLUMNS,
        "award_columns": importing.AWARD_COLUMNS,
        "regions": Region.objects.filter(is_active=True),
        "organisation_types": OrganisationType.objects.all(),
        "levels": Level.objects.all(),
    }
    context["recent"] = RegisterImport.objects.select_related("created_by")[:10]
    status = 400 if form.errors else 200
    return render(request, "members/import.html", context, status=status)


def progress_text(job: RegisterImport) -> str:
    """How far an import has got, in words (the page's live progress line)."""
    if job.status == ImportStatus.QUEUED:
        return "Waiting to start: the file is queued and will be imported shortly."
    if job.total:
        percent = 100 * job.done // job.total
        return f"{job.stage.capitalize()}: {job.done:,} of {job.total:,} ({percent}%)."
    return f"{(job.stage or 'importing').capitalize()}…"


@login_required
@require_http_methods(["GET"])
def import_detail(request, pk: int):
    """An upload: how far its import has got, then what it found."""
    _require_staff(request)
    job = get_object_or_404(RegisterImport.objects.defer("data"), pk=pk)
    if request.GET.get("progress") == "json":
        return JsonResponse({"running": job.is_running, "text": progress_text(job)})
    result = importing.ImportResult.from_json(job.outcome) if job.outcome else None
    context = {"job": job, "result": result, "progress_text": progress_text(job)}
    return render(request, "members/import_detail.html", context)
