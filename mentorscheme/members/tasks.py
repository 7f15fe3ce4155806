"""Background work for the register: a staff upload is imported here, never in the
web request (a 50 MB file takes many seconds)."""

from django_tasks import task

from mentorscheme.members import services


@task()
def run_register_import(*, import_id: int) -> None:
    services.register_import_run(import_id=import_id)
