"""Background work for the register: a staff upload is imported here, never in the
web request (a 50 MB file takes many seconds)."""

from django_tasks import task

from mentorscheme.members import changes, services
from mentorscheme.members.models import ImportStatus


@task()
def run_register_import(*, import_id: int) -> None:
    job = services.register_import_run(import_id=import_id)
    if job is not None and job.status == ImportStatus.FINISHED and not job.dry_run:
        # Imported line managers and awards take effect on requests, mentoring and
        # enrolments now (the periodic run would otherwise catch them within the hour).
        changes.import_committed()
