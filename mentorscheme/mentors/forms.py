from django import forms

from mentorscheme import fields
from mentorscheme.members.models import Region
from mentorscheme.mentors.models import MeetingMode, TrainingRoute
from mentorscheme.scheme.models import Qualification


def qualifications_allowed(level_rank: int):
    """Qualifications a mentor holding this level may support (from the scheme's rules)."""
    from mentorscheme.scheme import eligibility

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
        help_text="Only those your level of registration allows are offered.",
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
    )
    capacity = forms.IntegerField(
        min_value=1,
        max_value=10,
        initial=2,
        label="How many candidates you can mentor at once",
        help_text="Most mentors support one to three.",
        error_messages={
            "min_value": "You need room for at least one candidate.",
            "max_value": "Ten is the most we allow at once.",
            "required": "Say how many candidates you can mentor at once.",
        },
    )
    submit_checks = ("statement", "qualifications", "meeting_modes", "regions")

    def __init__(self, *args, level_rank: int, submitting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["qualifications"].queryset = qualifications_allowed(level_rank)
        self.submitting = submitting

    def clean(self):
        data = super().clean()
        if self.submitting:
            messages = {
                "statement": "Tell candidates about your experience.",
                "qualifications": "Choose at least one qualification you would support.",
                "meeting_modes": "Choose at least one way of meeting.",
                "regions": "Choose at least one region.",
            }
            for name in self.submit_checks:
                if not data.get(name):
                    self.add_error(name, messages[name])
        return data


class MentorApplicationForm(MentorProfileForm):
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
        help_text="Who ran it, when, and what it covered. Your officer will consider it.",
    )

    def clean(self):
        data = super().clean()
        if (
            self.submitting
            and data.get("training_route") == TrainingRoute.EXTERNAL
            and not data.get("external_training", "").strip()
        ):
            self.add_error(
                "external_training", "Describe the training you have done elsewhere."
            )
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
