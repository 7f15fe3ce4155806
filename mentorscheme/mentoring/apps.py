from django.apps import AppConfig

from mentorscheme.members import changes
from mentorscheme.mentors import changes as mentors


class MentoringConfig(AppConfig):
    name = "mentorscheme.mentoring"

    def ready(self):
        # Models can be imported only once the app registry is ready.
        from mentorscheme.mentoring import selectors, services, signals  # noqa: PLC0415
        from mentorscheme.mentors import selectors as mentor_selectors  # noqa: PLC0415

        signals.connect()
        # Imported line managers and awards take effect at once.
        changes.on_import_committed(services.register_changed)
        # What waits on a mentor who can no longer take anyone on is closed.
        mentors.on_mentor_unavailable(services.requests_close_for_unavailable_mentor)
        mentors.on_mentor_left(services.relationships_end_for_departed_mentor)
        mentors.on_mentor_choices_changed(services.requests_no_longer_supported_close)
        # A lapsed mentor's mentoring is held for the grace period, then carries on.
        mentors.on_mentor_lapsed(services.relationships_hold_for_lapsed_mentor)
        mentors.on_mentor_restored(services.lapsed_mentor_restored)
        # A mentor's places taken, and their home page's requests and relationships.
        mentor_selectors.from_mentoring(
            places_taken=selectors.mentor_places_taken,
            home_sections=selectors.mentor_home_sections,
        )
