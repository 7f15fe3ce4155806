"""Django's ``{% url %}`` tag, with each address reversed once a process.

Django's own tag reverses on every render, and reversing a namespaced name costs
more than the rest of a link: a page with a few dozen links (the header and footer
alone have eight) spent a fifth of its template's time there. An address depends
only on the view's name, its arguments, the URLconf, the script prefix and the
current application namespace, so it is kept under all of them; the last three are
read once for each template rendered, not for each link (the dashboards have some
250). Arguments other than text and whole numbers (rare) are reversed every time,
as Django does.
"""

import functools

from django import template
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()


@functools.lru_cache(maxsize=10_000)
def _address(scope: tuple, view_name: str, args: tuple, kwargs: tuple) -> tuple:
    """The address, and the address escaped for HTML."""
    url = reverse(view_name, args=args, kwargs=dict(kwargs), current_app=scope[2])
    return url, conditional_escape(url)


def address(view_name: str, *args) -> str:
    """The address of a page of the site's own URLconf, kept as the tag keeps it:
    for code that writes many links itself."""
    return _address((get_script_prefix(), get_urlconf(), None), view_name, args, ())[0]


def _keyable(value) -> bool:
    # Exactly str or int: True and 1 are equal keys, but reverse to "True" and "1".
    return type(value) in (str, int)


def _current_app(context):
    """The application namespace links resolve in, as Django's tag finds it."""
    try:
        return context.request.current_app
    except AttributeError:
        try:
            return context.request.resolver_match.namespace
        except AttributeError:
            return None


class KeptURLNode(URLNode):
    def __init__(self, view_name, args, kwargs, asvar):
        super().__init__(view_name, args, kwargs, asvar)
        # A view name written in the tag ('app:page'), not read from a variable.
        self.written_name = (
            view_name.var if not view_name.is_var and not view_name.filters else None
        )

    def render(self, context):
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = tuple((k, v.resolve(context)) for k, v in self.kwargs.items())
        view_name = self.written_name or self.view_name.resolve(context)
        scope = context.render_context.get(KeptURLNode)
        if scope is None:
            scope = context.render_context[KeptURLNode] = (
                get_script_prefix(),
                get_urlconf(),
                _current_app(context),
            )
        url = escaped = ""
        try:
            if all(map(_keyable, args)) and all(_keyable(v) for _, v in kwargs):
                url, escaped = _address(scope, view_name, args, kwargs)
            else:
                url = reverse(
                    view_name, args=args, kwargs=dict(kwargs), current_app=scope[2]
                )
                escaped = conditional_escape(url)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return escaped if context.autoescape else url


@register.tag
def url(parser, token):
    """As Django's ``{% url %}`` (same arguments, ``as`` too), the address kept."""
    node = django_url(parser, token)
    return KeptURLNode(node.view_name, node.args, node.kwargs, node.asvar)
