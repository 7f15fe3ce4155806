"""The site's ``date`` filter (mentorscheme.datetags) gives Django's words, though it
keeps them."""

import datetime
import zoneinfo

from django.template import Context, Template, defaultfilters
from django.utils import timezone, translation


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def test_it_formats_as_djangos_filter():
    moment = datetime.datetime(2026, 3, 29, 0, 30, tzinfo=datetime.UTC)
    day = datetime.date(2026, 2, 1)
    for value, forms in (
        (moment, ("j M Y", "j F Y, H:i", "l j F Y", None)),
        (day, ("j M Y", "l j F Y", None)),
    ):
        for form in forms:
            shown = render("{{ value|date:form }}", value=value, form=form)
            expected = defaultfilters.date(
                timezone.localtime(value) if value is moment else value, form
            )
            assert shown == expected
    assert render('{{ value|date:"j M Y H:i" }}', value=moment) == "29 Mar 2026 00:30"


def test_the_same_moment_is_shown_in_each_time_zone():
    moment = datetime.datetime(2026, 7, 1, 23, 30, tzinfo=datetime.UTC)
    assert render('{{ value|date:"j M H:i" }}', value=moment) == "2 Jul 00:30"
    with timezone.override(zoneinfo.ZoneInfo("America/New_York")):
        assert render('{{ value|date:"j M H:i" }}', value=moment) == "1 Jul 19:30"


def test_the_words_follow_the_language():
    day = datetime.date(2026, 5, 4)
    assert render('{{ value|date:"l j F" }}', value=day) == "Monday 4 May"
    with translation.override("fr"):
        assert render('{{ value|date:"l j F" }}', value=day) == "lundi 4 mai"


def test_nothing_and_what_is_not_a_date_give_what_djangos_filter_gives():
    assert render('[{{ value|date:"j M Y" }}]', value=None) == "[]"
    assert render('[{{ value|date:"j M Y" }}]', value="") == "[]"
    assert render('[{{ value|date:"j M Y" }}]', value=[1]) == "[]"
