from django import forms


class EraseForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        min_length=10,
        max_length=2000,
        label="Why",
        help_text="The request: who made it, when and how (for example, “Erasure "
        "request by email on 3 May, reference DP-123”). It is kept as the record.",
    )
    confirm = forms.BooleanField(
        label="I understand this cannot be undone",
        error_messages={"required": "Confirm that you understand it cannot be undone."},
    )


class FeedForm(forms.Form):
    action = forms.ChoiceField(choices=[("renew", "renew"), ("off", "off")])
