"""Django's ``{% url %}`` tag, with each address reversed once a process.

Django's own tag reverses on every render, and reversing a namespaced name costs
more than the rest of a link: a page with a few dozen links (the header and footer
alone have eight) spent a fifth of its template's time there. An address depends
only on the view's name, its arguments, the URLconf and the script prefix, so it is
kept under all of them. Arguments other than text and whole numbers (rare) are
reversed every time, as Django does.
"""

import functools

from django import template
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()


@functools.lru_cache(maxsize=10_000)
def _address(
    script_prefix: str, urlconf, view_name: str, args: tuple, kwargs: tuple, app
) -> str:
    return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=app)


def _keyable(value) -> bool:
    # Exactly str or int: True and 1 are equal keys, but reverse to "True" and "1".
    return type(value) in (str, int)


class KeptURLNode(URLNode):
    def render(self, context):
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = tuple((k, v.resolve(context)) for k, v in self.kwargs.items())
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            if all(map(_keyable, args)) and all(_keyable(v) for _, v in kwargs):
                url = _address(
                    get_script_prefix(),
                    get_urlconf(),
                    view_name,
                    args,
                    kwargs,
                    current_app,
                )
            else:
                url = reverse(
                    view_name, args=args, kwargs=dict(kwargs), current_app=current_app
                )
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    """As Django's ``{% url %}`` (same arguments, ``as`` too), the address kept."""
    node = django_url(parser, token)
    return KeptURLNode(node.view_name, node.args, node.kwargs, node.asvar)
