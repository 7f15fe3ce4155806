"""The directory's filter widgets, written out in Python, are exactly Django's."""

import pytest
from django import forms

from mentorscheme.fields import CheckboxInput, Select, TextInput
from mentorscheme.mentoring.forms import DirectoryFilterForm
from mentorscheme.mentors.directory import Reference
from tests import factories as f


@pytest.mark.parametrize(
    "data",
    [{}, {"mode": "zoom"}, {"region": "x", "qualification": "99999"}],
    ids=["blank", "chosen", "invalid"],
)
def test_each_select_renders_as_djangos_own(data):
    if data:
        data = {**data, "region": data.get("region") or str(f.region("wales").pk)}
    form = DirectoryFilterForm(data or None, reference=Reference.read())
    form.is_valid()
    selects = [b for b in form if isinstance(b.field.widget, Select)]
    assert {b.name for b in selects} == {
        "region",
        "organisation_type",
        "mode",
        "qualification",
    }
    for bound in selects:
        ours = str(bound)
        widget = bound.field.widget
        django_widget = forms.Select(choices=widget.choices)
        theirs = bound.as_widget(widget=django_widget)
        assert ours == theirs, bound.name
        assert "<option" in ours


@pytest.mark.parametrize(
    "data",
    [{}, {"q": 'a "quoted" <name> & more', "free_place": "on"}, {"up_to_date": "x"}],
    ids=["blank", "given", "odd"],
)
def test_each_input_renders_as_djangos_own(data):
    form = DirectoryFilterForm(data or None, reference=Reference.read())
    form.is_valid()
    inputs = {
        b.name: b for b in form if isinstance(b.field.widget, TextInput | CheckboxInput)
    }
    assert set(inputs) == {"q", "free_place", "up_to_date"}
    for bound in inputs.values():
        ours = str(bound)
        widget = bound.field.widget
        django_widget = (
            forms.CheckboxInput()
            if isinstance(widget, CheckboxInput)
            else forms.TextInput(attrs=widget.attrs)
        )
        theirs = bound.as_widget(widget=django_widget)
        assert ours == theirs, bound.name
        assert "<input" in ours
