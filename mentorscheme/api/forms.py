from django import forms

from mentorscheme.api.models import Scope


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label="Name",
        help_text="What will use this token, for example “Membership database sync”.",
    )
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        label="What it may do",
        help_text="Give only what the integration needs.",
        error_messages={"required": "Choose at least one thing the token may do."},
    )
