"""What the apps above do when an import rewrites the register.

An import writes members, organisations and awards in bulk, around the models, and
other apps keep state that follows from them: the mentor directory's index
(``mentors``), line-manager links and enrolments an award completes (``mentoring``).
Each of those apps says here, from its ``AppConfig.ready``, what it does, so the
register needs to know none of them.
"""

from collections.abc import Callable

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
