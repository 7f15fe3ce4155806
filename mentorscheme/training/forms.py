from django import forms

from mentorscheme import fields
from mentorscheme.members.models import Region
from mentorscheme.scheme.models import RegulationsVersion
from mentorscheme.training.models import EventKind


class EventForm(forms.Form):
    kind = forms.ChoiceField(choices=EventKind.choices, label="Type of event")
    title = forms.CharField(max_length=200)
    region = fields.ModelChoiceField(
        queryset=Region.objects.none(), empty_label="Choose a region"
    )
    starts_at = fields.UKDateTimeField(
        label="Starts",
        help_text=fields.DATETIME_HINT,
    )
    ends_at = fields.UKDateTimeField(
        label="Ends",
        help_text=fields.DATETIME_HINT,
    )
    location = forms.CharField(
        max_length=300, required=False, label="Place (if in person)"
    )
    online_url = forms.URLField(
        required=False, label="Joining link (if online)", assume_scheme="https"
    )
    capacity = forms.IntegerField(min_value=1, max_value=1000, label="Places")
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    regulations = fields.ModelChoiceField(
        queryset=RegulationsVersion.objects.all(),
        required=False,
        empty_label="None: not about the regulations",
        label="Regulations explained (briefings and webinars)",
        help_text="Attending counts as being briefed on this version.",
    )
    recording_url = forms.URLField(
        required=False,
        label="Recording (webinars)",
        assume_scheme="https",
        help_text="Where to watch the webinar afterwards; add it once it is ready.",
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "The event must end after it starts.")
        if not data.get("location") and not data.get("online_url"):
            self.add_error("location", "Give a place, a joining link, or both.")
        briefing = data.get("kind") in (EventKind.BRIEFING, EventKind.WEBINAR)
        if briefing and not data.get("regulations"):
            self.add_error(
                "regulations", "Choose the regulations this briefing explains."
            )
        return data


class BriefingForm(forms.Form):
    regulations = fields.ModelChoiceField(
        queryset=RegulationsVersion.objects.all(), empty_label="Choose the regulations"
    )
    title = forms.CharField(max_length=200)
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    recording_url = forms.URLField(
        required=False, label="Link to the recorded webinar", assume_scheme="https"
    )
    recorded_on = forms.DateField(
        required=False,
        label="Date it was recorded",
        widget=fields.UKDateInput(),
        help_text=fields.DATE_HINT,
    )
