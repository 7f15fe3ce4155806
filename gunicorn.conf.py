"""gunicorn's settings for an app server, read from the directory gunicorn starts in
(run it from the project's root; command-line options still win).

The application is loaded once, in the arbiter, before it forks the workers; what it
built then is frozen out of the garbage collector's reach. A worker's collector then
walks only the objects of its requests: without that, every full collection went
over the hundred thousand or so objects of the loaded code and settings (tens of
milliseconds each), and touching them copied the arbiter's memory into every worker.
"""

import gc

wsgi_app = "mentorscheme.wsgi"
preload_app = True

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
