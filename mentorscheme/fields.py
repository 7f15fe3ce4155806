"""Form fields and parsing that refuse ids a database cannot hold.

Django's model choice fields pass any integer to the database, where a value past
64 bits, or a Unicode digit such as "²", raises instead of failing validation.
"""

import html
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.safestring import mark_safe

MAX_ID = 2**63 - 1
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(value) -> int | None:
    """An id from a query string or form value, or None when it cannot be one."""
    text = str(value or "").strip()
    if not _ASCII_DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


class ModelChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and parse_id(value) is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class IdChoiceField(forms.TypedChoiceField):
    """An optional choice of one row of a small table, from rows (id, label) the
    form is given rather than a query per render; cleans to the id (or None)."""

    def __init__(self, *, empty_label: str, **kwargs):
        self.empty_label = empty_label
        kwargs.setdefault("widget", Select)
        super().__init__(coerce=int, empty_value=None, required=False, **kwargs)

    @property
    def rows(self):
        return self.choices[1:]

    @rows.setter
    def rows(self, rows):
        self.choices = [("", self.empty_label), *rows]


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for item in value:
            if parse_id(item) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
        return super()._check_values(value)


# UK dates typed as text: a browser's own date pickers follow the browser's language
# (month first in US English), whatever the page says. Django reads these formats
# from the en-GB locale (day first) and always accepts ISO dates as well.
DATE_HINT = "For example, 27/03/2027."
DATETIME_HINT = "Day, month, year and a 24-hour time, for example 27/03/2027 09:30."


class UKDateInput(forms.DateInput):
    input_type = "text"

    def __init__(self, attrs=None):
        base = {"autocomplete": "off", "spellcheck": "false", "class": "input-date"}
        super().__init__({**base, **(attrs or {})}, format="%d/%m/%Y")


class UKDateTimeInput(forms.DateTimeInput):
    input_type = "text"

    def __init__(self, attrs=None):
        base = {"autocomplete": "off", "spellcheck": "false", "class": "input-datetime"}
        super().__init__({**base, **(attrs or {})}, format="%d/%m/%Y %H:%M")


class UKDateTimeField(forms.DateTimeField):
    """A day and a time of day, typed as the hint says. Django would also take a day
    alone as midnight, which is never what someone setting up an event meant."""

    widget = UKDateTimeInput
    default_error_messages = {
        "no_time": "Give the time as well as the day, for example 27/03/2027 09:30.",
    }

    def to_python(self, value):
        if isinstance(value, str) and value.strip() and ":" not in value:
            raise ValidationError(self.error_messages["no_time"], code="no_time")
        return super().to_python(value)


class Select(forms.Select):
    """Django's select, written out in Python: the same markup as its templates give,
    without rendering a template for every option (the directory's filters and the
    dashboards' region choice render on every view)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        if any(group_name for group_name, _, _ in widget["optgroups"]):
            return super().render(name, value, attrs, renderer)
        options = "".join(
            f'  <option value="{_escaped(str(option["value"]))}"'
            f"{_attrs(option['attrs'])}>{_escaped(option['label'])}</option>\n\n"
            for _, group, _ in widget["optgroups"]
            for option in group
        )
        return mark_safe(  # noqa: S308 - every part is escaped above
            f'<select name="{_escaped(widget["name"])}"{_attrs(widget["attrs"])}>\n'
            f"{options}</select>"
        )


class _InputInPython:
    """Django's ``input.html``, written out in Python (for inputs on every view)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        value = widget["value"]
        value = f' value="{_escaped(str(value))}"' if value is not None else ""
        return mark_safe(  # noqa: S308 - every part is escaped
            f'<input type="{_escaped(widget["type"])}" name="{_escaped(widget["name"])}"'
            f"{value}{_attrs(widget['attrs'])}>"
        )


class TextInput(_InputInPython, forms.TextInput):
    pass


class CheckboxInput(_InputInPython, forms.CheckboxInput):
    pass


class Textarea(forms.Textarea):
    """Django's ``textarea.html``, written out in Python (the request page has three)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        value = _escaped(widget["value"]) if widget["value"] else ""
        return mark_safe(  # noqa: S308 - every part is escaped
            f'<textarea name="{_escaped(widget["name"])}"{_attrs(widget["attrs"])}>\n'
            f"{value}</textarea>"
        )


class RadioSelect(forms.RadioSelect):
    """Django's radio buttons, written out in Python: the same markup as its
    templates give, without rendering three templates for every choice."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        if any(group_name for group_name, _, _ in widget["optgroups"]):
            return super().render(name, value, attrs, renderer)
        options = "".join(
            f"<div>\n    {_radio(option)}\n\n</div>"
            for _, group, _ in widget["optgroups"]
            for option in group
        )
        id_ = widget["attrs"].get("id")
        css = widget["attrs"].get("class")
        return mark_safe(  # noqa: S308 - every part is escaped
            "<div"
            + (f' id="{_escaped(id_)}"' if id_ else "")
            + (f' class="{_escaped(css)}"' if css else "")
            + f">{options}\n</div>"
        )


def _radio(option: dict) -> str:
    """One choice as ``input_option.html`` writes it."""
    value = option["value"]
    value = f' value="{_escaped(str(value))}"' if value is not None else ""
    button = (
        f'<input type="{_escaped(option["type"])}" name="{_escaped(option["name"])}"'
        f"{value}{_attrs(option['attrs'])}>"
    )
    if not option["wrap_label"]:
        return button + "\n"  # input.html's own line end
    id_ = option["attrs"].get("id")
    label_for = f' for="{_escaped(id_)}"' if id_ else ""
    return f"<label{label_for}>{button}\n {_escaped(option['label'])}</label>"


def _attrs(attrs: dict) -> str:
    """HTML attributes as Django's ``attrs.html`` writes them, in the same order
    (escaped: for the markup these widgets build)."""
    return "".join(
        f" {_escaped(name)}"
        if value is True
        else f' {_escaped(name)}="{_escaped(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _escaped(value) -> str:
    """Django's ``conditional_escape``, as plain text: a page's filters escape a few
    hundred values, and the lazy-text checks of Django's own cost more than the
    escaping."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))
