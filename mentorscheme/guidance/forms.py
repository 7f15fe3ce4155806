from django import forms

from mentorscheme.guidance.models import GuidancePage


class GuidancePageForm(forms.ModelForm):
    class Meta:
        model = GuidancePage
        fields = ["title", "summary", "body", "order", "is_published"]
        widgets = {"body": forms.Textarea(attrs={"rows": 24})}
        labels = {"order": "Position in the list", "is_published": "Published"}
        help_texts = {
            "order": "Pages are listed from the lowest number up; the shipped pages "
            "use 10, 20, 30… so a new page can go between two.",
            "is_published": "Unpublished pages are seen only by the registration team.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].required = False

    def clean_order(self):
        order = self.cleaned_data.get("order")
        return self.instance.order if order is None else order


#: Addresses under /guidance/ the site itself uses: a page there could not be read.
RESERVED_SLUGS = {"new"}


class NewGuidancePageForm(GuidancePageForm):
    class Meta(GuidancePageForm.Meta):
        fields = ["title", "slug", "summary", "body", "order", "is_published"]
        labels = {**GuidancePageForm.Meta.labels, "slug": "Web address"}
        help_texts = {
            **GuidancePageForm.Meta.help_texts,
            "slug": "The last part of the page's address: lower-case words joined "
            "by hyphens, for example finding-time-to-meet.",
        }

    def clean_slug(self):
        """One page per address, whatever the capitals (the help asks for lower
        case), and none at an address the site itself uses."""
        slug = self.cleaned_data["slug"].lower()
        taken = GuidancePage.objects.filter(slug__iexact=slug).exists()
        if taken or slug in RESERVED_SLUGS:
            raise forms.ValidationError(
                "That web address is already used: choose another."
            )
        return slug
