"""The site's ``{% url %}`` tag (mentorscheme.urltags) gives the addresses Django's
own tag gives, though it keeps them."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import NoReverseMatch, resolve, set_script_prefix


def render(source: str, **context) -> str:
    request = RequestFactory().get("/oversight/")
    request.resolver_match = resolve("/oversight/")
    return Template(source).render(Context({"request": request, **context}))


def test_it_gives_the_address_of_a_named_page_with_its_arguments():
    page = render(
        "{% url 'oversight:allocations' %} {% url 'members:detail' 12 %}"
        " {% url 'members:detail' pk=member %} {% url name 3 %}",
        member=5,
        name="members:detail",
    )
    assert page == (
        "/oversight/allocations/ /members/register/12/ /members/register/5/"
        " /members/register/3/"
    )


def test_it_sets_a_variable_with_as_and_gives_nothing_for_an_unknown_page():
    page = render(
        "{% url 'members:detail' 7 as there %}[{{ there }}]"
        "{% url 'no-such-page' as nowhere %}[{{ nowhere }}]"
    )
    assert page == "[/members/register/7/][]"


def test_an_unknown_page_is_an_error_without_as():
    with pytest.raises(NoReverseMatch):
        render("{% url 'no-such-page' %}")


def test_a_true_argument_is_not_taken_for_one():
    page = render("{% url 'members:detail' one %}", one=1)
    assert page == "/members/register/1/"
    with pytest.raises(NoReverseMatch):
        render("{% url 'members:detail' yes %}", yes=True)


def test_the_address_follows_the_script_prefix():
    try:
        set_script_prefix("/scheme/")
        assert render("{% url 'members:detail' 4 %}") == "/scheme/members/register/4/"
    finally:
        set_script_prefix("/")
    assert render("{% url 'members:detail' 4 %}") == "/members/register/4/"
