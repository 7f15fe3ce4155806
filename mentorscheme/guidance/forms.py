from django import forms

from mentorscheme.guidance.models import GuidancePage


class GuidancePageForm(forms.ModelForm):
    class Meta:
        model = GuidancePage
        fields = ["title", "summary", "body", "is_published"]
        widgets = {"body": forms.Textarea(attrs={"rows": 24})}
