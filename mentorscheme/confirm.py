"""A confirmation page before an action that cannot be undone.

A form posts as before; the view asks ``needs_confirmation(request)`` and, until the
person has said yes, answers with ``confirmation_page(...)``: what will happen and
who is emailed, with the same form fields posted again plus ``confirmed=yes``. It
works without JavaScript, and nothing changes until the second post.
"""

from dataclasses import dataclass

from django.shortcuts import render

CONFIRMED = "confirmed"


def needs_confirmation(request) -> bool:
    return request.POST.get(CONFIRMED) != "yes"


@dataclass(frozen=True)
class Consequence:
    text: str
    #: People named in the consequence (for example, who is emailed).
    people: tuple[str, ...] = ()


def confirmation_page(
    request,
    *,
    title: str,
    consequences: list,
    button: str,
    back_url: str,
    back_text: str = "No, go back",
    undo: str = "This cannot be undone.",
    danger: bool = False,
    hidden: dict[str, str] | None = None,
):
    """``hidden``: fields to post with the "yes" in place of any posted under the
    same names (for example, a fingerprint of what the person is shown)."""
    hidden = hidden or {}
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        for value in values
        if name not in ("csrfmiddlewaretoken", CONFIRMED, *hidden)
    ]
    fields += hidden.items()
    return render(
        request,
        "confirm.html",
        {
            "title": title,
            "consequences": [
                c if isinstance(c, Consequence) else Consequence(c)
                for c in consequences
            ],
            "button": button,
            "back_url": back_url,
            "back_text": back_text,
            "undo": undo,
            "danger": danger,
            "fields": fields,
            "action": request.get_full_path(),
        },
    )
