"""The staff page that imports members and registration awards from CSV files."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.views.decorators.http import require_http_methods

from mentorscheme.members import access, importing
from mentorscheme.members.models import Level, OrganisationType, Region

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
    access.require(access.roles_for(request.user).is_staff)


def _import(form: ImportForm) -> importing.ImportResult | None:
    data = form.cleaned_data
    try:
        return importing.register_import(
            data=data["file"].read(),
            kind=data["kind"] or None,
            apply_good_rows=data["apply_good_rows"],
            dry_run=data["dry_run"],
        )
    except importing.ImportRefused as refusal:
        form.add_error("file", str(refusal))
        return None


@login_required
@require_http_methods(["GET", "POST"])
def import_register(request):
    _require_staff(request)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        result = _import(form) if form.is_valid() else None
        if result is not None:
            return render(request, "members/import_results.html", {"result": result})
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
    status = 400 if form.errors else 200
    return render(request, "members/import.html", context, status=status)
