"""The mentoring pages' widgets, written out in Python, are exactly Django's."""

from types import SimpleNamespace

import pytest
from django import forms

from mentorscheme.fields import CheckboxInput, RadioSelect, Textarea
from mentorscheme.mentoring.forms import (
    AcceptForm,
    AskMoreForm,
    DeclineForm,
    EndForm,
    HelpForm,
    NotesAccessForm,
    ReplyForm,
)


def djangos_own(widget):
    if isinstance(widget, RadioSelect):
        return forms.RadioSelect(attrs=widget.attrs, choices=widget.choices)
    if isinstance(widget, Textarea):
        return forms.Textarea(attrs=widget.attrs)
    return forms.CheckboxInput(attrs=widget.attrs)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"reason": "busy", "message": 'a "quoted" <word> & more\nand a line'},
        {"reason": "no such reason", "reply": "x", "not_line_manager": "on"},
    ],
    ids=["blank", "empty", "given", "odd"],
)
def test_each_widget_renders_as_djangos_own(data):
    candidate = SimpleNamespace(first_name="Alice")
    bound_forms = [
        AcceptForm(data, candidate=candidate),
        DeclineForm(data),
        AskMoreForm(data),
        ReplyForm(data),
        EndForm(data),
        NotesAccessForm(data),
        HelpForm(data),
    ]
    seen = set()
    for form in bound_forms:
        form.is_valid()
        for bound in form:
            widget = bound.field.widget
            assert isinstance(widget, CheckboxInput | RadioSelect | Textarea)
            seen.add(type(widget))
            assert str(bound) == bound.as_widget(widget=djangos_own(widget)), bound.name
    assert seen == {CheckboxInput, RadioSelect, Textarea}


def test_radio_buttons_keep_their_class_and_choices_in_groups_as_django_does():
    widget = RadioSelect(attrs={"class": "choices"}, choices=[("a", "A"), ("b", "B")])
    theirs = forms.RadioSelect(attrs={"class": "choices"}, choices=widget.choices)
    assert widget.render("r", "b", {"id": "id_r"}) == theirs.render(
        "r", "b", {"id": "id_r"}
    )
    grouped = [("Group", [("a", "A")]), ("b", "B")]
    assert RadioSelect(choices=grouped).render("r", None) == forms.RadioSelect(
        choices=grouped
    ).render("r", None)
