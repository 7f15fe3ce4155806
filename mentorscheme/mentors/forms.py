import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from mentorscheme import fields
from mentorscheme.members.models import Region
from mentorscheme.mentors import documents
from mentorscheme.mentors.models import MOST_PLACES, MeetingMode, TrainingRoute
from mentorscheme.scheme import eligibility
from mentorscheme.scheme.models import Qualification


def qualifications_allowed(level_rank: int):
    """Qualifications a mentor holding this level may support (from the scheme's rules)."""
    return Qualification.objects.filter(
        pk__in=[
            q.pk
            for q in Qualification.objects.filter(is_active=True).select_related(
                "level", "min_mentor_level"
            )
            if eligibility.level_may_mentor(
                mentor_rank=level_rank,
                uses_mentors=q.uses_mentors,
                min_mentor_rank=q.min_mentor_rank,
            )
        ]
    )


class MentorProfileForm(forms.Form):
    statement = forms.CharField(
        label="Your experience",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=3000,
        required=False,
        help_text="What you have done that will help a candidate, in a few sentences. "
        "Candidates read this in the directory.",
    )
    qualifications = fields.ModelMultipleChoiceField(
        queryset=Qualification.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Qualifications you would support",
        help_text="Only those your level of registration allows are offered. "
        "Requests waiting for one you untick are closed, and those candidates told.",
    )
    meeting_modes = forms.MultipleChoiceField(
        choices=MeetingMode.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Ways you can meet",
    )
    regions = fields.ModelMultipleChoiceField(
        queryset=Region.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Regions where you can meet in person",
        help_text="Only if you meet in person.",
    )
    capacity = forms.IntegerField(
        min_value=1,
        max_value=MOST_PLACES,
        initial=2,
        label="How many candidates you can mentor at once",
        help_text="Most mentors support one to three.",
        error_messages={
            "min_value": "You need room for at least one candidate.",
            "max_value": "Ten is the most we allow at once.",
            "required": "Say how many candidates you can mentor at once.",
        },
    )
    #: What a profile must say before it is sent or saved (a draft may leave it out),
    #: with what the mentor reads when it is left empty.
    submit_checks = {
        "statement": "Tell candidates about your experience.",
        "qualifications": "Choose at least one qualification you would support.",
        "meeting_modes": "Choose at least one way of meeting.",
    }

    def __init__(self, *args, level_rank: int, submitting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["qualifications"].queryset = qualifications_allowed(level_rank)
        self.submitting = submitting
        drafting = self.is_bound and not submitting
        for name, message in self.submit_checks.items():
            field = self.fields[name]
            field.required = not drafting
            field.error_messages["required"] = message

    def clean(self):
        data = super().clean()
        drafting = self.is_bound and not self.submitting
        meets_in_person = MeetingMode.IN_PERSON in data.get("meeting_modes", [])
        if meets_in_person and not drafting and not data.get("regions"):
            self.add_error(
                "regions", "Choose at least one region where you can meet in person."
            )
        return data


def _training_date_field():
    return forms.DateField(
        required=False,
        label="When you did the training",
        help_text="The day the course ended. " + fields.DATE_HINT,
        widget=fields.UKDateInput(),
        error_messages={"invalid": "Give a real date, for example 14/03/2024."},
    )


def _document_field():
    return forms.FileField(
        required=False,
        label="Certificate or other proof",
        help_text=f"Upload {documents.ALLOWED_TEXT}, up to "
        f"{documents.MAX_BYTES // 1024 // 1024} MB. Only you, your "
        "region's Mentor Support Officers and the registration team can see it.",
    )


class EvidenceFieldsMixin:
    """Checks shared by the application and a later submission of evidence."""

    def clean_external_training_date(self):
        day = self.cleaned_data.get("external_training_date")
        if day and day > timezone.localdate():
            raise ValidationError("The training must already have taken place.")
        if day and day < datetime.date(1950, 1, 1):
            raise ValidationError("Give the date the training was done.")
        return day

    def clean_external_training_document(self):
        upload = self.cleaned_data.get("external_training_document")
        return documents.checked(upload) if upload else None

    def require_evidence(self, data) -> None:
        if not data.get("external_training", "").strip():
            self.add_error(
                "external_training", "Describe the training you have done elsewhere."
            )
        if not data.get("external_training_date") and (
            "external_training_date" not in self.errors
        ):
            self.add_error(
                "external_training_date", "Give the date you did the training."
            )
        if not data.get("external_training_document") and (
            "external_training_document" not in self.errors
        ):
            self.add_error(
                "external_training_document",
                "Upload a certificate or other proof of the training.",
            )


class MentorApplicationForm(EvidenceFieldsMixin, MentorProfileForm):
    training_route = forms.ChoiceField(
        choices=TrainingRoute.choices,
        widget=forms.RadioSelect,
        initial=TrainingRoute.BOOK,
        label="Mentor training",
    )
    external_training = forms.CharField(
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Mentor training you have done elsewhere",
        help_text="Who ran it and what it covered. Your region's Mentor Support Officer will "
        "consider it.",
    )
    external_training_date = _training_date_field()
    external_training_document = _document_field()

    def __init__(self, *args, evidence_needed: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.evidence_needed = evidence_needed
        self.fields[
            "external_training_document"
        ].help_text += " It is sent with your application (not kept with a draft)."

    def clean(self):
        data = super().clean()
        if (
            self.submitting
            and self.evidence_needed
            and data.get("training_route") == TrainingRoute.EXTERNAL
        ):
            self.require_evidence(data)
        return data


class EvidenceForm(EvidenceFieldsMixin, forms.Form):
    external_training = forms.CharField(
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="The training you did",
        help_text="Who ran it and what it covered.",
    )
    external_training_date = _training_date_field()
    external_training_document = _document_field()

    def clean(self):
        data = super().clean()
        self.require_evidence(data)
        return data


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("approved", "Approve"),
            ("more_info", "Ask for more information"),
            ("declined", "Decline"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a decision."},
    )
    reason = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Message to the applicant",
        help_text="Required when you decline or ask for more information.",
    )


class EvidenceReviewForm(forms.Form):
    accept = forms.TypedChoiceField(
        choices=[("yes", "Accept the training"), ("no", "Do not accept it")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        label="Training done elsewhere",
        error_messages={"required": "Choose whether to accept the training."},
    )
    reason = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Message to the applicant",
    )


class EvidenceWithdrawForm(forms.Form):
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why the acceptance is withdrawn",
        help_text="The mentor reads this.",
        error_messages={"required": "Give the mentor a reason: they will read it."},
    )
