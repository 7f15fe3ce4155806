"""The dashboard's rows follow writes made around the services, the Django admin
above all: each save of what a row counts has the row worked out again once the
transaction commits.

The services work their rows out inside their own transaction (taking the rows'
locks last of all, see ``figures``); this is for everything else. It runs after the
commit, in a transaction of its own, so it never adds a lock to one in progress.
Bulk writes (an import) send no signals: they call ``figures`` themselves.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from mentorscheme.members.models import Member
from mentorscheme.mentoring.models import MentoringRelationship
from mentorscheme.mentors.models import MentorProfile
from mentorscheme.oversight import figures
from mentorscheme.scheme.models import Enrolment, Qualification

#: The columns each row is worked out from: a save that names only other columns
#: (``update_fields``) changes nothing the dashboard counts.
READ = {
    Member: {"region", "membership_status"},
    Enrolment: {"member", "qualification", "status", "enrolled_on"},
    MentorProfile: {"member", "status", "accepting", "capacity"},
    MentoringRelationship: {"mentor", "enrolment", "status", "ended_on"},
    Qualification: {"uses_mentors"},
}


def _counted(sender, update_fields) -> bool:
    return update_fields is None or bool(READ[sender] & set(update_fields))


def _after_commit(work) -> None:
    def run():
        with transaction.atomic():
            work()

    transaction.on_commit(run)


def _member_saved(sender, instance, update_fields=None, **kwargs):
    if _counted(sender, update_fields):
        _after_commit(lambda: figures.members_changed(member_ids=[instance.pk]))


def _enrolment_saved(sender, instance, update_fields=None, **kwargs):
    if _counted(sender, update_fields):
        _after_commit(lambda: figures.counts_changed(enrolment_ids=[instance.pk]))


def _profile_saved(sender, instance, update_fields=None, **kwargs):
    if _counted(sender, update_fields):
        _after_commit(lambda: figures.counts_changed(mentor_ids=[instance.pk]))


def _relationship_changed(sender, instance, update_fields=None, **kwargs):
    if not _counted(sender, update_fields):
        return
    mentor_id, enrolment_id = instance.mentor_id, instance.enrolment_id
    _after_commit(
        lambda: figures.counts_changed(
            mentor_ids=[mentor_id], enrolment_ids=[enrolment_id]
        )
    )


def _qualification_saved(sender, instance, update_fields=None, **kwargs):
    if not _counted(sender, update_fields):
        return
    _after_commit(
        lambda: figures.counts_changed(
            enrolment_ids=Enrolment.objects.filter(
                qualification_id=instance.pk
            ).values_list("pk", flat=True)
        )
    )


def connect() -> None:
    post_save.connect(_member_saved, sender=Member, dispatch_uid="figures-member")
    post_save.connect(
        _enrolment_saved, sender=Enrolment, dispatch_uid="figures-enrolment"
    )
    post_save.connect(
        _profile_saved, sender=MentorProfile, dispatch_uid="figures-profile"
    )
    for signal in (post_save, post_delete):
        signal.connect(
            _relationship_changed,
            sender=MentoringRelationship,
            dispatch_uid=f"figures-relationship-{signal is post_save}",
        )
    post_save.connect(
        _qualification_saved, sender=Qualification, dispatch_uid="figures-qualification"
    )
