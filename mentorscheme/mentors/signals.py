"""Change notes for the directory's ranking index, written with every save or delete
of what the index is built from (see ``mentorscheme.mentors.directory``).

Relationships, which take and free mentors' places, are noted by
``mentorscheme.mentoring.signals`` (mentoring sits above mentors). Code that writes
around the models (``QuerySet.update``, bulk inserts, raw SQL) to
any of these calls ``directory.note_change`` itself.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save

from mentorscheme.members.models import (
    Level,
    Member,
    Organisation,
    OrganisationType,
    Region,
    RegistrationAward,
)
from mentorscheme.mentors import directory
from mentorscheme.mentors.models import MentorProfile
from mentorscheme.scheme.models import (
    Qualification,
    RegulationsVersion,
    SchemeSettings,
)
from mentorscheme.training.models import BriefingAcknowledgement

#: Columns of a mentor profile the index does not read: saving only these is no change.
UNREAD_PROFILE_FIELDS = frozenset({"last_active_at", "submitted_at"})


def _profile_saved(sender, instance, update_fields=None, **kwargs):
    if update_fields is not None and set(update_fields) <= UNREAD_PROFILE_FIELDS:
        return
    directory.note_change(instance.pk)


def _profile_deleted(sender, instance, **kwargs):
    directory.note_change(instance.pk)


def _links_changed(sender, instance, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        directory.note_change(
            instance.pk if isinstance(instance, MentorProfile) else None
        )


def _mentor_of_member(member_id) -> int | None:
    return (
        MentorProfile.objects.filter(member_id=member_id)
        .values_list("pk", flat=True)
        .first()
    )


def _member_changed(sender, instance, **kwargs):
    if (mentor_id := _mentor_of_member(instance.pk)) is not None:
        directory.note_change(mentor_id)


def _of_member_changed(sender, instance, **kwargs):
    """An award or a briefing acknowledgement: counts only for a mentor."""
    if (mentor_id := _mentor_of_member(instance.member_id)) is not None:
        directory.note_change(mentor_id)


def _anything_changed(sender, instance, **kwargs):
    directory.note_change()


def connect() -> None:
    uid = "mentorscheme.mentors.directory"
    post_save.connect(_profile_saved, sender=MentorProfile, dispatch_uid=uid)
    post_delete.connect(_profile_deleted, sender=MentorProfile, dispatch_uid=uid)
    for through in (
        MentorProfile.regions.through,
        MentorProfile.qualifications.through,
    ):
        m2m_changed.connect(_links_changed, sender=through, dispatch_uid=uid)
    for signal in (post_save, post_delete):
        signal.connect(_member_changed, sender=Member, dispatch_uid=uid)
        for model in (RegistrationAward, BriefingAcknowledgement):
            signal.connect(_of_member_changed, sender=model, dispatch_uid=uid)
        # The small tables the directory keeps with its index (filter choices,
        # names shown, the scheme's weights) count as a change to everything.
        for model in (
            Organisation,
            RegulationsVersion,
            Region,
            OrganisationType,
            Qualification,
            Level,
            SchemeSettings,
        ):
            signal.connect(_anything_changed, sender=model, dispatch_uid=uid)
