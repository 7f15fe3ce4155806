"""What the apps above mentors do when a mentor stops being available.

Requests and relationships wait on mentors, but they are mentoring's (one layer up).
When a mentor is paused, delisted, lapses or steps down, ``mentoring`` closes what
waits on them and ends what they can no longer carry on (a lapse gives their
mentoring a grace period first, and a renewal within it lets it carry on); it says so here, from its
``AppConfig.ready``, so that mentors needs to know nothing of mentoring. Each action
runs inside the transaction, and under the mentor's row lock, of the change that
calls it.

What the dashboard counts of mentors and enrolments (``oversight``) is told the same
way, by mentors' services and mentoring's, once they have made their changes.
"""

from collections.abc import Callable

from django.core import checks

_UNAVAILABLE: list[Callable[..., int]] = []
_LEFT: list[Callable[..., object]] = []
_LAPSED: list[Callable[..., int]] = []
_RESTORED: list[Callable[..., object]] = []
_CHOICES: list[Callable[..., int]] = []
_COUNTED: list[Callable[..., object]] = []


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


def on_mentor_lapsed(action: Callable[..., int]) -> None:
    """``action(profile=) -> int``: the mentor's registration or membership lapsed;
    their mentoring carries on for a grace period (mentoring says so to each pair).
    Returns how many mentorings it concerned."""
    if action not in _LAPSED:
        _LAPSED.append(action)


def on_mentor_restored(action: Callable[..., object]) -> None:
    """``action(profile=)``: a lapsed mentor is current and listed again."""
    if action not in _RESTORED:
        _RESTORED.append(action)


def on_mentor_choices_changed(action: Callable[..., int]) -> None:
    """``action(profile=) -> int``: the mentor changed which qualifications they
    support; returns how many waiting requests it closed."""
    if action not in _CHOICES:
        _CHOICES.append(action)


def on_counts_changed(action: Callable[..., object]) -> None:
    """``action(mentor_ids=, enrolment_ids=)``: what is counted of these mentors
    (status, places, candidates mentored, review) or enrolments (status, mentoring)
    changed, inside the transaction that changed it."""
    if action not in _COUNTED:
        _COUNTED.append(action)


def counts_changed(*, mentor_ids=(), enrolment_ids=()) -> None:
    for action in _COUNTED:
        action(mentor_ids=mentor_ids, enrolment_ids=enrolment_ids)


def mentor_unavailable(*, profile, reason: str) -> int:
    return sum(action(profile=profile, reason=reason) for action in _UNAVAILABLE)


def mentor_left(*, profile, reason: str, ended_by: str = "scheme") -> None:
    for action in _LEFT:
        action(profile=profile, reason=reason, ended_by=ended_by)


def mentor_lapsed(*, profile) -> int:
    return sum(action(profile=profile) for action in _LAPSED)


def mentor_choices_changed(*, profile) -> int:
    return sum(action(profile=profile) for action in _CHOICES)


def mentor_restored(*, profile) -> None:
    for action in _RESTORED:
        action(profile=profile)


def check_registered(app_configs=None, **kwargs) -> list[checks.Error]:
    """A system check: without mentoring's actions, a mentor who pauses or lapses
    would leave their candidates' requests and mentoring silently open; without
    oversight's, the dashboard's figures would silently go stale."""
    return [
        checks.Error(
            f"Nothing is registered through mentors.changes.{name}: {what}",
            hint=f"Install mentorscheme.{app}; its AppConfig.ready registers it.",
            id=f"mentors.E00{number}",
        )
        for number, name, actions, what, app in [
            (1, "on_mentor_unavailable", _UNAVAILABLE, _OPEN, "mentoring"),
            (2, "on_mentor_left", _LEFT, _OPEN, "mentoring"),
            (5, "on_mentor_lapsed", _LAPSED, _UNTOLD, "mentoring"),
            (6, "on_mentor_restored", _RESTORED, _UNTOLD, "mentoring"),
            (7, "on_mentor_choices_changed", _CHOICES, _OPEN, "mentoring"),
            (4, "on_counts_changed", _COUNTED, _STALE, "oversight"),
        ]
        if not actions
    ]


_OPEN = "a mentor's change would leave what waits on them open."
_UNTOLD = "a lapsed mentor's candidates would not be told what happens to them."
_STALE = "the dashboard's figures would not follow mentors' and enrolments' changes."
