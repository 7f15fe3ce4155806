from django.apps import AppConfig


class MentorsConfig(AppConfig):
    name = "mentorscheme.mentors"

    def ready(self):
        # Models can be imported only once the app registry is ready.
        from mentorscheme.members import changes  # noqa: PLC0415
        from mentorscheme.mentors import access, directory, signals  # noqa: PLC0415

        access.register_mentor_role()
        signals.connect()
        # An import writes names, regions and awards the directory ranks by.
        changes.on_import_written(directory.note_change)
