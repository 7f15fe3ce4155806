"""Template filters that make Django form fields accessible."""

from django import template

register = template.Library()


@register.filter
def accessible(bound_field):
    """Render a field tied to its hint and errors (aria-describedby, aria-invalid)."""
    described_by = []
    if bound_field.help_text:
        described_by.append(f"{bound_field.id_for_label}_hint")
    if bound_field.errors:
        described_by.append(f"{bound_field.id_for_label}_error")
    attrs = {}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
    return bound_field.as_widget(attrs=attrs)
