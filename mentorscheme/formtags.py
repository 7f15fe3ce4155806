"""Template filters that make Django form fields accessible."""

from django import template
from django.forms import BaseForm, BaseFormSet

register = template.Library()


@register.filter
def field_id(bound_field) -> str:
    """The id a field's hint and error are named from. Django gives a group of
    radios or tick boxes no id to label (""), which would give every group on a
    page the same "_hint": the group's own id instead."""
    return bound_field.id_for_label or bound_field.auto_id


@register.filter
def focus_id(bound_field) -> str:
    """Where the error summary's link takes the reader: the field itself, or the
    first choice of a group."""
    return bound_field.id_for_label or f"{bound_field.auto_id}_0"


@register.filter
def accessible(bound_field):
    """Render a field tied to its hint and errors (aria-describedby, aria-invalid)."""
    described_by = []
    if bound_field.help_text:
        described_by.append(f"{field_id(bound_field)}_hint")
    if bound_field.errors:
        described_by.append(f"{field_id(bound_field)}_error")
    attrs = {}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
    return bound_field.as_widget(attrs=attrs)


@register.filter
def widget_kind(bound_field) -> str:
    """ "checkbox" for a single tick box, "choices" for a group of boxes or radios."""
    widget = bound_field.field.widget
    if getattr(widget, "allow_multiple_selected", False) and getattr(
        widget, "input_type", ""
    ) in ("checkbox", "radio"):
        return "choices"
    if getattr(widget, "input_type", "") == "radio":
        return "choices"
    if getattr(widget, "input_type", "") == "checkbox":
        return "checkbox"
    return "input"


def _has_errors(value) -> bool:
    if isinstance(value, BaseFormSet):
        return value.is_bound and value.total_error_count() > 0
    return isinstance(value, BaseForm) and value.is_bound and bool(value.errors)


@register.simple_tag(takes_context=True)
def error_prefix(context) -> str:
    """ "Error: " when a form the page shows came back with errors, for the start of the
    page's title (the GOV.UK pattern), whatever the view named the form."""
    if any(_has_errors(value) for value in context.flatten().values()):
        return "Error: "
    return ""
