"""Background work for oversight: bulk allocations are worked out and sent here,
never in a web request (a national run takes seconds and a good deal of memory to
work out, and many seconds to send)."""

from django_tasks import task

from mentorscheme.oversight import services


@task()
def compute_allocation_run(*, run_id: int) -> None:
    services.allocation_run_compute(run_id=run_id)


@task()
def send_allocation_run(*, run_id: int) -> None:
    services.allocation_run_send(run_id=run_id)
