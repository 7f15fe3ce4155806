"""A form sent twice at once (a double click), or one step run several times at
once (overlapping schedulers), for PostgreSQL tests.

The first send pauses before its transaction commits, until the second is waiting
on a lock the first holds (or has finished without waiting): the moment a check
made before writing lets both through, every time rather than now and then.
"""

import threading
import time

from django.db import connection, connections

FIRST, SECOND = "first", "second"


def _someone_waits_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        # Inside a transaction PostgreSQL keeps showing the activity it first read.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def twice_at_once(monkeypatch, sends, *, pause_in, name: str) -> list:
    """Call the two ``sends`` in two threads (each with its own signed-in client,
    say); the first pauses in ``pause_in.<name>``, a step after its writes and
    before its commit. Returns what each returned, or the exception it raised."""
    first_inside, second_done = threading.Event(), threading.Event()
    real = getattr(pause_in, name)

    def pausing(*args, **kwargs):
        if threading.current_thread().name == FIRST:
            first_inside.set()
            deadline = time.monotonic() + 10
            while not (second_done.is_set() or _someone_waits_on_a_lock()):
                assert time.monotonic() < deadline, "the second send never ran"
                time.sleep(0.01)
        return real(*args, **kwargs)

    monkeypatch.setattr(pause_in, name, pausing)
    results = {}

    def run(send):
        me = threading.current_thread().name
        try:
            if me == SECOND:
                assert first_inside.wait(timeout=10)
            results[me] = send()
        except Exception as error:  # noqa: BLE001 — the test looks at it
            results[me] = error
        finally:
            if me == SECOND:
                second_done.set()
            connections.close_all()

    threads = [
        threading.Thread(target=run, name=n, args=(send,))
        for n, send in zip((FIRST, SECOND), sends, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [results[FIRST], results[SECOND]]


def together(*calls) -> list:
    """Call each of ``calls`` in a thread of its own, all starting at once; what
    each returned, or the exception it raised (the test looks at it), in the order
    they finished."""
    barrier = threading.Barrier(len(calls))
    results = []

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except Exception as error:  # noqa: BLE001 — the test looks at it
            results.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def all_at_once(step, times: int) -> list:
    """Call ``step`` in ``times`` threads at once (as ``together``)."""
    return together(*[step] * times)
