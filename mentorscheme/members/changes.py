"""What the apps above do when an import rewrites the register.

An import writes members, organisations and awards in bulk, around the models, and
other apps keep state that follows from them: the mentor directory's index
(``mentors``), line-manager links and enrolments an award completes (``mentoring``).
Each of those apps says here, from its ``AppConfig.ready``, what it does, so the
register needs to know none of them.
"""

from collections.abc import Callable

from django.core import checks

#: Run inside the import's transaction, once it has written its rows.
_WRITTEN: list[Callable[[], object]] = []
#: Run once an import's rows are committed (a separate transaction each).
_COMMITTED: list[Callable[[], object]] = []


def on_import_written(action: Callable[[], object]) -> None:
    if action not in _WRITTEN:
        _WRITTEN.append(action)


def on_import_committed(action: Callable[[], object]) -> None:
    if action not in _COMMITTED:
        _COMMITTED.append(action)


def import_written() -> None:
    for action in _WRITTEN:
        action()


def import_committed() -> None:
    for action in _COMMITTED:
        action()


def check_registered(app_configs=None, **kwargs) -> list[checks.Error]:
    """A system check: without the other apps' actions, an import would leave the
    directory, line-manager links and awarded enrolments silently stale."""
    return [
        checks.Error(
            f"Nothing is registered through members.changes.{name}: an import "
            "would leave what follows from the register stale.",
            hint="Install mentorscheme.mentors and mentorscheme.mentoring; their "
            "AppConfig.ready registers it.",
            id=f"members.E00{number}",
        )
        for number, (name, actions) in enumerate(
            [("on_import_written", _WRITTEN), ("on_import_committed", _COMMITTED)],
            start=1,
        )
        if not actions
    ]
