from django import forms
from django.db.models import F
from django.utils import timezone

from mentorscheme import fields
from mentorscheme.members.models import LineManagerDeclaration
from mentorscheme.mentoring.models import DEFAULT_CONFIDENTIALITY, DeclineReason
from mentorscheme.mentoring.services import ENROLMENT_TRANSITIONS, find_member
from mentorscheme.mentors.models import MeetingMode
from mentorscheme.scheme.models import EnrolmentStatus, Qualification


class LineManagerForm(forms.Form):
    line_manager = forms.ChoiceField(
        choices=LineManagerDeclaration.choices,
        widget=forms.RadioSelect,
        label="Who is your line manager?",
        help_text="A line manager cannot be your mentor, so the directory leaves "
        "them out.",
        error_messages={
            "required": "Say who your line manager is, or that you have none."
        },
    )
    line_manager_member = forms.CharField(
        required=False,
        max_length=200,
        label="Their membership number, or their full name",
        help_text="If they are a member of the body.",
    )
    line_manager_name = forms.CharField(
        required=False,
        max_length=200,
        label="Their name",
        help_text="If they are not a member.",
    )

    def clean(self):
        data = super().clean()
        kind = data.get("line_manager")
        data["manager"] = None
        if kind == LineManagerDeclaration.MEMBER:
            text = data.get("line_manager_member", "")
            if not text.strip():
                self.add_error(
                    "line_manager_member",
                    "Give your line manager's membership number or full name.",
                )
            else:
                data["manager"] = find_member(text)
                if data["manager"] is None:
                    self.add_error(
                        "line_manager_member",
                        "We could not find one member with that number or name. Check "
                        "the membership number, or choose “Someone who is not a "
                        "member”.",
                    )
        if (
            kind == LineManagerDeclaration.NOT_MEMBER
            and not data.get("line_manager_name", "").strip()
        ):
            self.add_error("line_manager_name", "Give your line manager's name.")
        return data

    def declaration(self) -> dict:
        data = self.cleaned_data
        return {
            "declaration": data["line_manager"],
            "manager": data["manager"],
            "name": data.get("line_manager_name", ""),
        }


class EnrolForm(LineManagerForm):
    field_order = ["qualification", "meeting_modes"]

    qualification = fields.ModelChoiceField(
        # Levels in order, then qualifications without a level (Revalidation) last.
        queryset=Qualification.objects.filter(is_active=True).order_by(
            F("level__rank").asc(nulls_last=True), "name"
        ),
        empty_label="Choose a qualification",
        error_messages={
            "required": "Choose the qualification you are working towards."
        },
    )
    meeting_modes = forms.MultipleChoiceField(
        choices=MeetingMode.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Ways you would like to meet a mentor",
        help_text="This helps us suggest mentors; you can meet in other ways too.",
    )


class DirectoryFilterForm(forms.Form):
    """The directory's filters. Regions, sorts of organisation and qualifications
    come from the directory's own copy of those tables (``reference``), so showing
    and checking them reads nothing; each cleans to an id."""

    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search names, job titles and profiles",
        widget=fields.TextInput,
    )
    region = fields.IdChoiceField(empty_label="Any region")
    organisation_type = fields.IdChoiceField(
        empty_label="Any sort of organisation", label="Sort of organisation"
    )
    mode = forms.ChoiceField(
        choices=[("", "Any way of meeting")] + MeetingMode.choices,
        required=False,
        label="Meets by",
        widget=fields.Select,
    )
    qualification = fields.IdChoiceField(empty_label="Any qualification")
    free_place = forms.BooleanField(
        required=False, label="Has a free place", widget=fields.CheckboxInput
    )
    up_to_date = forms.BooleanField(
        required=False,
        label="Up to date with the regulations",
        widget=fields.CheckboxInput,
    )

    def __init__(self, *args, reference, for_candidate=False, **kwargs):
        super().__init__(*args, **kwargs)
        if for_candidate:
            # Up to date means with the version of the candidate's own enrolment.
            self.fields["up_to_date"].label = "Up to date with your regulations"
        self.fields["region"].rows = reference.region_choices()
        self.fields["organisation_type"].rows = reference.organisation_types
        self.fields["qualification"].rows = reference.qualification_choices()


class RequestForm(forms.Form):
    message = forms.CharField(
        widget=fields.Textarea(attrs={"rows": 6}),
        max_length=3000,
        label="Your message to the mentor",
        help_text="Say who you are, what you are working towards, and what you hope for "
        "from a mentor. Many mentors like an informal first chat.",
        error_messages={
            "required": "Write a short message to the mentor about yourself."
        },
    )


class AcceptForm(forms.Form):
    not_line_manager = forms.BooleanField(
        widget=fields.CheckboxInput,
        help_text="A line manager cannot mentor someone they manage.",
        error_messages={
            "required": "Confirm that you do not line-manage this candidate: a line "
            "manager cannot mentor someone they manage."
        },
    )

    def __init__(self, *args, candidate, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "not_line_manager"
        ].label = f"I confirm that I am not {candidate.first_name}'s line manager"


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(
        choices=DeclineReason.choices,
        widget=fields.RadioSelect,
        error_messages={"required": "Choose a reason for declining."},
    )
    message = forms.CharField(
        required=False,
        max_length=2000,
        widget=fields.Textarea(attrs={"rows": 3}),
        label="A word to the candidate",
    )


class AskMoreForm(forms.Form):
    message = forms.CharField(
        max_length=2000,
        widget=fields.Textarea(attrs={"rows": 3}),
        label="What would you like to know?",
        error_messages={"required": "Say what you would like to know."},
    )


class ReplyForm(forms.Form):
    reply = forms.CharField(
        max_length=3000,
        widget=fields.Textarea(attrs={"rows": 4}),
        label="Your reply",
        error_messages={"required": "Write your reply to the mentor."},
    )


class AgreementForm(forms.Form):
    goals = forms.CharField(
        widget=fields.Textarea(attrs={"rows": 5}),
        max_length=5000,
        help_text="What the candidate wants to achieve with the mentor's help.",
        error_messages={"required": "Write down the goals you agreed."},
    )
    frequency = forms.CharField(
        max_length=200,
        label="How often you will meet",
        help_text="For example: an hour every month, and by email in between.",
        error_messages={"required": "Say how often you will meet."},
    )
    meeting_modes = forms.MultipleChoiceField(
        choices=MeetingMode.choices,
        widget=forms.CheckboxSelectMultiple,
        label="How you will meet",
        error_messages={"required": "Choose at least one way of meeting."},
    )
    confidentiality = forms.CharField(
        widget=fields.Textarea(attrs={"rows": 4}),
        initial=DEFAULT_CONFIDENTIALITY,
        label="Confidentiality",
        error_messages={
            "required": "Every agreement needs a confidentiality statement."
        },
    )


class MeetingForm(forms.Form):
    held_on = forms.DateField(
        label="Date",
        widget=fields.UKDateInput(),
        help_text=fields.DATE_HINT,
        initial=timezone.localdate,
        error_messages={"invalid": "Enter a date like 28/11/2026."},
    )
    mode = forms.ChoiceField(choices=MeetingMode.choices, label="How you met")
    duration_minutes = forms.IntegerField(
        min_value=5,
        max_value=600,
        label="Length in minutes",
        error_messages={
            "min_value": "A meeting lasts at least 5 minutes.",
            "max_value": "Record meetings of up to 10 hours.",
        },
    )
    notes = forms.CharField(
        required=False, max_length=10000, widget=fields.Textarea(attrs={"rows": 5})
    )
    action_points = forms.CharField(
        required=False,
        max_length=5000,
        widget=fields.Textarea(attrs={"rows": 3}),
        label="Action points",
    )


class EndForm(forms.Form):
    reason = forms.CharField(
        max_length=2000,
        widget=fields.Textarea(attrs={"rows": 3}),
        label="Why is the mentoring ending?",
        help_text="The other person will read this.",
        error_messages={"required": "Give a reason; the other person will read it."},
    )


class NotesAccessForm(forms.Form):
    reason = forms.CharField(
        min_length=10,
        max_length=2000,
        widget=fields.Textarea(attrs={"rows": 3}),
        label="Why do you need to read this pair's private notes?",
        help_text="Your reason is recorded and shown to the candidate and the mentor.",
        error_messages={
            "min_length": "Give a reason of at least a few words.",
            "required": "Give a reason; it is shown to the pair.",
        },
    )


class HelpForm(forms.Form):
    message = forms.CharField(
        required=False,
        max_length=2000,
        widget=fields.Textarea(attrs={"rows": 3}),
        label="Anything your Candidate Support Officer should know",
    )


class EnrolmentStatusForm(forms.Form):
    status = forms.ChoiceField(
        label="What has happened",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what has happened."},
    )
    note = forms.CharField(
        required=False,
        max_length=3000,
        widget=fields.Textarea(attrs={"rows": 3}),
        label="A note for the candidate (optional)",
        help_text="For further information, say what the assessors need.",
    )

    def __init__(self, *args, enrolment, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = ENROLMENT_TRANSITIONS.get(enrolment.status, set())
        self.fields["status"].choices = [
            (value, label)
            for value, label in EnrolmentStatus.choices
            if value in allowed
        ]


class CompletionForm(forms.Form):
    reason = forms.CharField(
        max_length=3000,
        widget=fields.Textarea(attrs={"rows": 4}),
        label="Why mentoring is complete without a logged meeting",
        help_text="No meeting is logged. Say how you worked together instead (for "
        "example, by email), or log your meetings first.",
        error_messages={
            "required": "Say why mentoring is complete without a logged meeting."
        },
    )

    def __init__(self, *args, reason_needed: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not reason_needed:
            del self.fields["reason"]


class LetterForm(forms.Form):
    letter = forms.CharField(
        max_length=10000,
        widget=fields.Textarea(attrs={"rows": 14}),
        label="Your letter of support",
        help_text="How you have seen the candidate meet the Fellowship criteria; the "
        "candidate downloads it for their portfolio.",
        error_messages={"required": "Write your letter of support."},
    )
