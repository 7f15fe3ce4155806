from django.apps import AppConfig
from django.core import checks

from mentorscheme.members import changes
from mentorscheme.mentors import changes as mentors
from mentorscheme.training import changes as training


class MentorsConfig(AppConfig):
    name = "mentorscheme.mentors"

    def ready(self):
        # Models can be imported only once the app registry is ready.
        from mentorscheme.mentors import (  # noqa: PLC0415
            access,
            directory,
            selectors,
            services,
            signals,
        )

        # mentoring registers into these from its ready(): checked after setup.
        checks.register(mentors.check_registered)
        checks.register(selectors.check_from_mentoring)
        access.register_mentor_role()
        signals.connect()
        # An import writes names, regions and awards the directory ranks by.
        changes.on_import_written(directory.note_change)
        # A mentor's gates rest on training and workshop attendance.
        training.on_attendance_changed(services.mentor_attendance_changed)
        training.on_briefing_published(services.briefing_tell_mentors)
        training.on_recording_added(services.recording_tell_mentors)
