import datetime

from django import forms
from django.utils import timezone

from mentorscheme import fields
from mentorscheme.audit.models import AuditAction
from mentorscheme.fields import DATE_HINT
from mentorscheme.members.models import (
    Member,
    OfficerAppointment,
    OrganisationType,
    Region,
)
from mentorscheme.scheme.models import Qualification, RegulationsVersion, SchemeSettings

DATE = fields.UKDateInput()


def _region_choices(regions, everything: str) -> list[tuple[str, str]]:
    return [("", everything), *((str(r.pk), r.name) for r in regions)]


class RegionChoiceForm(forms.Form):
    """A choice of one of the person's regions, or all of them."""

    region = forms.ChoiceField(required=False)

    def __init__(self, *args, regions, everything: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _region_choices(regions, everything)

    def region_id(self) -> int | None:
        value = self.cleaned_data.get("region") if self.is_valid() else ""
        return int(value) if value else None


class AllocationRunForm(RegionChoiceForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].label = "Candidates from"
        self.fields["region"].help_text = (
            "Candidates waiting in this region are matched with listed mentors "
            "from every region: mentoring is remote."
        )


def _default_from() -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - 1) + datetime.timedelta(days=1)


#: The scheme's records start after this; a report reaches no earlier.
REPORTS_FROM = datetime.date(2000, 1, 1)


def _latest_report_day() -> datetime.date:
    """The last day a report may reach: the end of next year (training booked ahead)."""
    return datetime.date(timezone.localdate().year + 1, 12, 31)


def _long(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


class ReportFilterForm(RegionChoiceForm):
    date_from = forms.DateField(label="From", widget=DATE, help_text=DATE_HINT)
    date_to = forms.DateField(label="To", widget=DATE, help_text=DATE_HINT)

    def _clean_in_range(self, name: str) -> datetime.date:
        # A date past year 9999's last day cannot have a day added to it (the
        # reports count up to the moment after "To"), so far dates are refused here.
        day, latest = self.cleaned_data[name], _latest_report_day()
        if not REPORTS_FROM <= day <= latest:
            raise forms.ValidationError(
                f"Enter a date from {_long(REPORTS_FROM)} to {_long(latest)}."
            )
        return day

    def clean_date_from(self):
        return self._clean_in_range("date_from")

    def clean_date_to(self):
        return self._clean_in_range("date_to")

    @staticmethod
    def with_defaults(query):
        """The query with the last twelve months filled in where no date is given."""
        data = query.copy()
        if not data.get("date_from"):
            data["date_from"] = _default_from().isoformat()
        if not data.get("date_to"):
            data["date_to"] = timezone.localdate().isoformat()
        return data

    def clean(self):
        data = super().clean()
        if (
            data.get("date_from")
            and data.get("date_to")
            and (data["date_from"] > data["date_to"])
        ):
            self.add_error("date_to", "The end date must be on or after the start.")
        return data


class AuditSearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search",
        help_text="Who acted, what they acted on, or a detail.",
    )
    action = forms.ChoiceField(
        required=False, choices=[("", "Any action"), *AuditAction.choices]
    )


# -- administration ----------------------------------------------------------------


class RegionForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = ["code", "name"]
        help_texts = {"code": "A short code: lower-case letters, digits and hyphens."}


class RegionRenameForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = ["name"]


class RegionMergeForm(forms.Form):
    source = fields.ModelChoiceField(
        queryset=Region.objects.filter(is_active=True),
        empty_label="Choose a region",
        label="Merge this region",
        help_text="It stays on record, marked as merged.",
    )
    target = fields.ModelChoiceField(
        queryset=Region.objects.filter(is_active=True),
        empty_label="Choose a region",
        label="Into this region",
        help_text="Its members, organisations, support officers and events move here.",
    )

    def clean(self):
        data = super().clean()
        if data.get("source") and data.get("source") == data.get("target"):
            self.add_error("target", "Choose a different region to merge into.")
        return data


class OrganisationTypeForm(forms.ModelForm):
    class Meta:
        model = OrganisationType
        fields = ["code", "name"]


class OrganisationTypeRenameForm(forms.ModelForm):
    class Meta:
        model = OrganisationType
        fields = ["name"]


class QualificationForm(forms.ModelForm):
    class Meta:
        model = Qualification
        fields = [
            "code",
            "name",
            "level",
            "uses_mentors",
            "min_mentor_level",
            "enrolment_fee_pence",
            "submission_fee_pence",
            "is_active",
        ]
        labels = {
            "level": "Level worked towards",
            "uses_mentors": "Candidates have mentors",
            "min_mentor_level": "Lowest level a mentor must hold",
            "enrolment_fee_pence": "Enrolment fee (pence)",
            "submission_fee_pence": "Submission fee (pence)",
            "is_active": "Open for enrolment",
        }
        help_texts = {
            "level": "The level a candidate works towards; empty for Revalidation.",
        }

    def clean(self):
        data = super().clean()
        if data.get("uses_mentors") and not (
            data.get("level") or data.get("min_mentor_level")
        ):
            self.add_error(
                "min_mentor_level",
                "A qualification with mentors needs a level, or a lowest level for "
                "its mentors.",
            )
        return data


class RegulationsForm(forms.ModelForm):
    class Meta:
        model = RegulationsVersion
        fields = ["name", "effective_from", "summary"]
        widgets = {"effective_from": DATE, "summary": forms.Textarea(attrs={"rows": 5})}
        labels = {"effective_from": "In force from"}
        help_texts = {
            "effective_from": "Candidates who enrol on or after this date enrol "
            "under this version. " + DATE_HINT
        }


class AppointmentForm(forms.ModelForm):
    membership_number = forms.CharField(max_length=20)

    class Meta:
        model = OfficerAppointment
        fields = ["region", "role", "starts_on", "ends_on"]
        widgets = {"starts_on": DATE, "ends_on": DATE}
        labels = {"starts_on": "Term starts", "ends_on": "Term ends"}
        help_texts = {
            "starts_on": DATE_HINT,
            "ends_on": "Terms are often two years. " + DATE_HINT,
        }

    field_order = ["membership_number", "region", "role", "starts_on", "ends_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.filter(is_active=True)
        self.fields["region"].empty_label = "Choose a region"

    def clean_membership_number(self):
        number = self.cleaned_data["membership_number"].strip()
        member = Member.objects.filter(membership_number__iexact=number).first()
        if member is None:
            raise forms.ValidationError("No member has that membership number.")
        self.member = member
        return number


class AppointmentEndForm(forms.Form):
    ends_on = forms.DateField(
        label="Last day in office",
        widget=DATE,
        initial=timezone.localdate,
        help_text=DATE_HINT,
    )


class SchemeSettingsForm(forms.ModelForm):
    """The settings' own checks (``SchemeSettings.clean``) give this form its errors."""

    class Meta:
        model = SchemeSettings
        fields = [
            "open_request_limit",
            "reminder_after_days",
            "expire_after_days",
            "unmatched_flag_after_days",
            "reopen_within_days",
            "contact_days_after_end",
            "briefing_grace_days",
            "availability_check_months",
            "refresher_training_months",
            "weight_different_org_type",
            "weight_same_organisation",
            "weight_shared_mode",
            "weight_same_region",
            "weight_up_to_date",
            "weight_load_balance",
            "weight_choice_bonus",
            "allocation_mode",
        ]
        labels = {
            "open_request_limit": "Open requests a candidate may have at once",
            "reminder_after_days": "Remind a mentor after (days unanswered)",
            "expire_after_days": "Expire a request after (days unanswered)",
            "unmatched_flag_after_days": "Show a candidate as needing help after "
            "(days without a mentor)",
            "reopen_within_days": "A support officer may reopen a completed "
            "mentoring within (days)",
            "contact_days_after_end": "The pair still see each other's contact "
            "details after the mentoring ends for (days)",
            "briefing_grace_days": "Grace period after new regulations take effect "
            "(days a briefing on the previous version still counts)",
            "availability_check_months": "Ask listed mentors to confirm they are "
            "available every (months)",
            "refresher_training_months": "Remind mentors to refresh their training "
            "every (months; 0 for never)",
            "weight_different_org_type": "Weight: different sort of organisation",
            "weight_same_organisation": "Penalty: same organisation",
            "weight_shared_mode": "Weight: each shared way of meeting",
            "weight_same_region": "Weight: same region",
            "weight_up_to_date": "Weight: up to date with the regulations",
            "weight_load_balance": "Weight: free places (spreads the load)",
            "weight_choice_bonus": "Weight: the candidate's own choice",
            "allocation_mode": "Sending an allocation's matches",
        }
        help_texts = {
            "allocation_mode": "What sending an allocation's matches does with "
            "each pair.",
            "expire_after_days": "A request whose mentor has been reminded keeps "
            "the expiry date the reminder gave.",
            "open_request_limit": "Requests already open stay open; a candidate "
            "over a lowered limit asks again once some are answered.",
        }
