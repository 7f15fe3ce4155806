from django import forms


class EraseForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        min_length=10,
        max_length=2000,
        label="Why",
        help_text="The request: when and how it came, and its reference (for "
        "example, “Erasure request by email on 3 May, reference DP-123”). It is "
        "kept as the record, so do not name the member.",
    )


class FeedForm(forms.Form):
    action = forms.ChoiceField(choices=[("renew", "renew"), ("off", "off")])
