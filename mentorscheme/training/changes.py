"""What the apps above training do when its records change under them.

A mentor's gates rest on the register of mentor training and workshops, and listed
mentors are the ones told of a new briefing or a briefing's recording. ``mentors`` says so here, from its
``AppConfig.ready``, so that training needs to know nothing of mentors. Each action
runs inside the transaction of the change that calls it.
"""

import datetime
from collections.abc import Callable

from django.core import checks

_ATTENDANCE_CHANGED: list[Callable[..., object]] = []
_BRIEFING_PUBLISHED: list[Callable[..., object]] = []
_RECORDING_ADDED: list[Callable[..., object]] = []


def on_attendance_changed(action: Callable[..., object]) -> None:
    """``action(member=, kind=, on=, attended=, by=)``: the register of a mentor
    training or workshop now says ``member`` did (or did not) attend on ``on``."""
    if action not in _ATTENDANCE_CHANGED:
        _ATTENDANCE_CHANGED.append(action)


def on_briefing_published(action: Callable[..., object]) -> None:
    """``action(briefing=)``: a briefing on a version of the regulations is out."""
    if action not in _BRIEFING_PUBLISHED:
        _BRIEFING_PUBLISHED.append(action)


def on_recording_added(action: Callable[..., object]) -> None:
    """``action(event=)``: a briefing or webinar now has its recording to watch."""
    if action not in _RECORDING_ADDED:
        _RECORDING_ADDED.append(action)


def attendance_changed(
    *, member, kind: str, on: datetime.date, attended: bool, by
) -> None:
    for action in _ATTENDANCE_CHANGED:
        action(member=member, kind=kind, on=on, attended=attended, by=by)


def briefing_published(*, briefing) -> None:
    for action in _BRIEFING_PUBLISHED:
        action(briefing=briefing)


def recording_added(*, event) -> None:
    for action in _RECORDING_ADDED:
        action(event=event)


def check_registered(app_configs=None, **kwargs) -> list[checks.Error]:
    """A system check: without mentors' actions, attendance would open no mentor's
    gates and a briefing would reach nobody, silently."""
    return [
        checks.Error(
            f"Nothing is registered through training.changes.{name}: training "
            "records would change no mentor.",
            hint="Install mentorscheme.mentors; its AppConfig.ready registers it.",
            id=f"training.E00{number}",
        )
        for number, (name, actions) in enumerate(
            [
                ("on_attendance_changed", _ATTENDANCE_CHANGED),
                ("on_briefing_published", _BRIEFING_PUBLISHED),
                ("on_recording_added", _RECORDING_ADDED),
            ],
            start=1,
        )
        if not actions
    ]
