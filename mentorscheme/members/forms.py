import re

from allauth.account import forms as allauth_forms
from django import forms

_PHONE = re.compile(r"\+?[0-9 ()\-]{6,30}")


class ContactDetailsForm(forms.Form):
    contact_email = forms.EmailField(
        required=False,
        label="Email for mentoring",
        error_messages={"invalid": "Enter an email address like name@example.org."},
    )
    contact_phone = forms.CharField(
        required=False,
        max_length=40,
        label="Phone for mentoring (optional)",
        help_text="Only the person you are matched with sees it.",
    )

    def __init__(self, *args, record_email: str, **kwargs):
        super().__init__(*args, **kwargs)
        # The address the scheme writes to (the membership record's), which may
        # differ from the one the member signs in with.
        self.fields[
            "contact_email"
        ].help_text = (
            f"Leave empty to use the email on your membership record, {record_email}."
        )

    def clean_contact_phone(self):
        phone = " ".join(self.cleaned_data["contact_phone"].split())
        if phone and not _PHONE.fullmatch(phone):
            raise forms.ValidationError(
                "Enter a phone number using digits, spaces and an optional leading +."
            )
        return phone


class SignupForm(allauth_forms.SignupForm):
    """allauth's sign-up, telling people which email address links them to the register."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = (
            "Use the email address on your membership record. We link your account "
            "to your membership when you confirm that address."
        )
