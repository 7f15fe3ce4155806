"""The directory's filter selects, written out in Python, are exactly Django's."""

import pytest
from django import forms

from mentorscheme.fields import Select
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
