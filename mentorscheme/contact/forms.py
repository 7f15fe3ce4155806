import re

from django import forms

from mentorscheme.contact.models import FeedbackStatus, Topic

MESSAGE_MAX = 5000
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!?]|javascript:", re.IGNORECASE)


def _plain_text(value: str, what: str) -> str:
    if _MARKUP.search(value):
        raise forms.ValidationError(
            f"Please write your {what} as plain text, without HTML or script tags."
        )
    return value


class FeedbackForm(forms.Form):
    topic = forms.ChoiceField(
        choices=[("", "Choose a topic")] + Topic.choices,
        error_messages={"required": "Choose what your message is about."},
    )
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=MESSAGE_MAX,
        help_text=f"Up to {MESSAGE_MAX:,} characters. Please do not include passwords.",
        error_messages={
            "required": "Write your message.",
            "max_length": f"Your message is too long: keep it to {MESSAGE_MAX:,} "
            "characters or fewer (it has %(show_value)d).",
        },
    )
    name = forms.CharField(
        required=False,
        max_length=100,
        error_messages={"max_length": "Keep your name to 100 characters or fewer."},
    )
    email = forms.EmailField(
        required=False,
        help_text="Give an address if you would like a reply.",
        error_messages={"invalid": "Enter an email address like name@example.org."},
    )
    # A field people never see: bots fill it in.
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(
            attrs={"class": "honeypot", "tabindex": "-1", "autocomplete": "off"}
        ),
    )

    def __init__(self, *args, user=None, **kwargs):
        """For a signed-in sender, start from their name and their account's
        address, which a reply goes to if they leave the address empty."""
        super().__init__(*args, **kwargs)
        if user is None or not user.is_authenticated:
            return
        member = getattr(user, "member", None)
        self.fields["name"].initial = member.full_name if member else ""
        self.fields["email"].initial = user.email
        self.fields[
            "email"
        ].help_text = "We reply to this address; left empty, to your account's address."

    def clean_message(self):
        message = self.cleaned_data["message"].strip()
        if not message:
            raise forms.ValidationError("Write your message.")
        return _plain_text(message, "message")

    def clean_name(self):
        return _plain_text(self.cleaned_data["name"].strip(), "name")

    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("website"))


class FeedbackTriageForm(forms.Form):
    status = forms.ChoiceField(choices=[])
    staff_note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Note for the team",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = FeedbackStatus.choices


class FeedbackReplyForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=5000,
        label="Your reply",
        help_text="Emailed to the sender, with their message quoted below it.",
        error_messages={"required": "Write your reply."},
    )
