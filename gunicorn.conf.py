"""gunicorn's settings for an app server, read from the directory gunicorn starts in
(run it from the project's root; command-line options still win).

The application is loaded once, in the arbiter, before it forks the workers; what it
built then is frozen out of the garbage collector's reach. A worker's collector then
walks only the objects of its requests: without that, every full collection went
over the hundred thousand or so objects of the loaded code and settings (tens of
milliseconds each), and touching them copied the arbiter's memory into every worker.
"""

import gc
import os

wsgi_app = "mentorscheme.wsgi"
preload_app = True

# One worker per core, or WEB_CONCURRENCY. The pages are work for the processor, not
# waits: with PostgreSQL on the same machine, two cores and twenty people at once,
# two workers answered a mentor's home at p95 126 ms (8.6 ms of worker CPU a page)
# where five took 143 ms (9.8 ms: more processes taking turns on two cores, each
# finding its memory gone cold). Where the database has its own machine the workers
# wait on it, and more of them (up to twice the cores and one) keep the cores busy:
# measure with bench/bench_load.py --workers N.
# The cores this process may run on (a CPU quota of a container is not seen: set
# WEB_CONCURRENCY there).
_cores = (
    len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
)
workers = int(os.environ.get("WEB_CONCURRENCY") or _cores or 1)

# No collections while the arbiter loads the application: its objects are frozen
# below as they are, without holes freed among them (Python's advice for gc.freeze).
gc.disable()


def pre_fork(server, worker):
    # Nothing loading the application opens a database connection, but a worker
    # must never share one with the arbiter: close any, should that change.
    from django.db import connections  # noqa: PLC0415  (loaded by preload_app)

    connections.close_all()
    gc.freeze()


def post_fork(server, worker):
    gc.enable()
