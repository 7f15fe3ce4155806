"""Django's ``date`` filter, with each date formatted once a process.

Formatting a date is among the dearest things a template does (Django's formatter
and the month's name looked up in the active language each time, some 40
microseconds), and a page's dates come round again on every render of it: the
dashboards show a hundred. The words depend only on the value (with its time zone),
the format and the language, so they are kept under all of them. A value that
cannot be a key is formatted every time, as Django does.
"""

import functools

from django import template
from django.template import defaultfilters
from django.utils.translation import get_language

register = template.Library()


@functools.lru_cache(maxsize=4096)
def _formatted(kind: type, value, zone, fold: int, arg, language: str) -> str:
    return defaultfilters.date(value, arg)


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    """As Django's ``date`` filter (the same words), each formatted once."""
    if value in (None, ""):
        return ""
    key = (
        type(value),
        value,
        getattr(value, "tzinfo", None),
        getattr(value, "fold", 0),
        arg,
        get_language(),
    )
    try:
        hash(key)
    except TypeError:  # not a key
        return defaultfilters.date(value, arg)
    return _formatted(*key)
