"""Filters and tags for the support officers' pages."""

from django import template
from django.template.defaultfilters import truncatewords
from django.template.defaulttags import CsrfTokenNode
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

from mentorscheme.datetags import date
from mentorscheme.scheme.recommendations import about_the_candidate
from mentorscheme.urltags import address

register = template.Library()

register.filter("about_the_candidate", about_the_candidate)

#: A candidate who needs help, as a row of the dashboard's table.
_HELP_ROW = """
    <tr><td data-label="Candidate"><a href="{record}">{name}</a> <span class="hint">({region})</span></td>
    <td data-label="Qualification">{qualification}</td>
    <td data-label="Why">{why}{message}
      {departed}
      {suggested}
      {decide}</td>
    <td data-label="Since">{since}</td>
    <td data-label="Action">{action}
      <ul class="row-actions">
        <li><a href="mailto:{email}?subject={subject}">Email {first_name}<span class="visually-hidden"> {last_name}</span></a></li>
        <li><a href="{record}">Their record<span class="visually-hidden">: {name}</span></a></li>
        {allocate}
      </ul></td></tr>
  """  # noqa: E501
_RESOLVE = """<form method="post" action="{url}" class="inline-form" novalidate>{csrf}{region}
      <button type="submit" class="button-secondary">Mark as helped<span class="visually-hidden">: {name}</span></button></form>"""  # noqa: E501
_CLOSES_BY_ITSELF = {
    "line_manager": mark_safe(  # noqa: S308 (our own words)
        '<p class="hint">Closes when the mentoring ends or the record is corrected.</p>'
    ),
    "lapsed": mark_safe(  # noqa: S308 (our own words)
        '<p class="hint">Closes when the membership is renewed, or when the scheme '
        "ends the mentoring at the end of the grace period.</p>"
    ),
}


@register.simple_tag(takes_context=True)
def help_flag_rows(context, flags, region_id=None):
    """The rows of the dashboard's candidates who need help (``help_flag_rows`` of
    the selectors), written here rather than in the template: fifty rows of twenty
    values each cost the template language more than the rest of the page."""
    csrf = CsrfTokenNode().render(context)
    region = (
        format_html('<input type="hidden" name="region" value="{}">', region_id)
        if region_id
        else ""
    )
    allocate = format_html(
        '<li><a href="{}">Include them in an allocation</a></li>',
        address("oversight:allocations"),
    )
    return mark_safe(  # noqa: S308 (every value escaped by format_html)
        "".join(_help_row(flag, csrf, region, allocate) for flag in flags)
    )


def _help_row(flag: dict, csrf: str, region: str, allocate: str) -> str:
    action = _CLOSES_BY_ITSELF.get(flag["why"]) or format_html(
        _RESOLVE,
        url=address("oversight:help_resolve", flag["pk"]),
        csrf=csrf,
        region=region,
        name=flag["name"],
    )
    return format_html(
        _HELP_ROW,
        record=address("members:detail", flag["member_id"]),
        name=flag["name"],
        region=flag["region"],
        qualification=flag["qualification"],
        why=flag["why_label"],
        message=format_html(": “{}”", truncatewords(flag["message"], 30))
        if flag["message"]
        else "",
        departed=_departed(flag),
        suggested=_suggested(flag),
        decide=format_html(
            '<p><a href="{}">Decide<span class="visually-hidden"> on {}\'s mentoring'
            "</span></a></p>",
            address("mentoring:relationship", flag["relationship_id"]),
            flag["name"],
        )
        if flag["relationship_id"]
        else "",
        since=date(template_localtime(flag["created_at"]), "j M Y"),
        action=action,
        email=flag["email"],
        subject="Your%20mentoring"
        if flag["relationship_id"]
        else "Finding%20a%20mentor",
        first_name=flag["first_name"],
        last_name=flag["last_name"],
        allocate="" if flag["relationship_id"] else allocate,
    )


def _departed(flag: dict) -> str:
    mentor = flag.get("departed_mentor")
    if not mentor:
        return ""
    return format_html("<p>Their mentor was {}.</p>", mentor.full_name)


def _suggested(flag: dict) -> str:
    if flag["why"] != "mentor_left":
        return ""
    links = format_html_join(
        ", ",
        '<a href="{}">{}</a>',
        (
            (address("mentoring:mentor", e.card.id), e.card.full_name)
            for e in flag.get("suggestions", ())
        ),
    )
    return format_html(
        "<p>Suggested new mentors: {}</p>", links or "none free at the moment"
    )
