"""Change notes for the directory's ranking index when a mentoring relationship is
saved or deleted: it takes or frees one of the mentor's places (see
``mentorscheme.mentors.signals`` for the rest of what the index is built from).
"""

from django.db.models.signals import post_delete, post_save

from mentorscheme.mentoring.models import MentoringRelationship
from mentorscheme.mentors import directory


def _relationship_changed(sender, instance, **kwargs):
    directory.note_change(instance.mentor_id)  # a place taken or freed


def connect() -> None:
    uid = "mentorscheme.mentors.directory"
    for signal in (post_save, post_delete):
        signal.connect(
            _relationship_changed, sender=MentoringRelationship, dispatch_uid=uid
        )
