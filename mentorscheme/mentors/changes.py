"""What the apps above mentors do when a mentor stops being available.

Requests and relationships wait on mentors, but they are mentoring's (one layer up).
When a mentor is paused, delisted, lapses or steps down, ``mentoring`` closes what
waits on them and ends what they can no longer carry on; it says so here, from its
``AppConfig.ready``, so that mentors needs to know nothing of mentoring. Each action
runs inside the transaction, and under the mentor's row lock, of the change that
calls it.
"""

from collections.abc import Callable

from django.core import checks

_UNAVAILABLE: list[Callable[..., int]] = []
_LEFT: list[Callable[..., object]] = []


def on_mentor_unavailable(action: Callable[..., int]) -> None:
    """``action(profile=, reason=) -> int``: the mentor can take nobody on now;
    returns how many waiting requests it closed."""
    if action not in _UNAVAILABLE:
        _UNAVAILABLE.append(action)


def on_mentor_left(action: Callable[..., object]) -> None:
    """``action(profile=, reason=, ended_by=)``: the mentor can no longer mentor
    anyone (lapsed, stepped down)."""
    if action not in _LEFT:
        _LEFT.append(action)


def mentor_unavailable(*, profile, reason: str) -> int:
    return sum(action(profile=profile, reason=reason) for action in _UNAVAILABLE)


def mentor_left(*, profile, reason: str, ended_by: str = "scheme") -> None:
    for action in _LEFT:
        action(profile=profile, reason=reason, ended_by=ended_by)


def check_registered(app_configs=None, **kwargs) -> list[checks.Error]:
    """A system check: without mentoring's actions, a mentor who pauses or lapses
    would leave their candidates' requests and mentoring silently open."""
    return [
        checks.Error(
            f"Nothing is registered through mentors.changes.{name}: a mentor's "
            "change would leave what waits on them open.",
            hint="Install mentorscheme.mentoring; its AppConfig.ready registers it.",
            id=f"mentors.E00{number}",
        )
        for number, (name, actions) in enumerate(
            [("on_mentor_unavailable", _UNAVAILABLE), ("on_mentor_left", _LEFT)],
            start=1,
        )
        if not actions
    ]
