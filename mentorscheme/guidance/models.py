import markdown
import nh3
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from mentorscheme.guidance import values as guidance_values


class GuidancePage(models.Model):
    """A page of guidance written by staff in Markdown, changed without a deploy."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField(help_text="Markdown: ## headings, - lists, [links](url).")
    order = models.PositiveSmallIntegerField(default=0)
    is_published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["order", "title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("guidance:page", args=[self.slug])

    def body_html(self, values: dict[str, str] | None = None):
        """The page as HTML: Markdown with tables, and today's values filled in."""
        values = guidance_values.current() if values is None else values
        html = markdown.markdown(
            guidance_values.fill(self.body, values), extensions=["sane_lists", "tables"]
        )
        return mark_safe(nh3.clean(html))  # noqa: S308 - sanitised just above


class GuidancePageVersion(models.Model):
    """A page as it was saved: the history staff can read and go back to."""

    page = models.ForeignKey(
        GuidancePage, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    saved_at = models.DateTimeField(default=timezone.now)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["page", "number"], name="guidance_version_unique"
            )
        ]

    def __str__(self):
        return f"{self.page} v{self.number}"
