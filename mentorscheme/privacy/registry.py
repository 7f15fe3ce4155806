"""Which models hold personal data, and the proof that each is exported and erased.

A model holds personal data when it points at a person (a Member or a User), directly
or through another model that does; when it has an email field; or when it is
declared below because its text or JSON names people without a foreign key. Every
such model must have an exporter (``export.EXPORTERS``) and an eraser
(``erasure.ERASERS``), or be exempt from one with a reason. ``coverage_problems``
lists what is missing; a test keeps it empty, so a new model with personal data
cannot land without a decision about both.
"""

from django.apps import apps
from django.db import models

PEOPLE = ("members.member", "members.user")

#: Models that hold personal data no foreign key reveals, with where it is.
DECLARED: dict[str, str] = {
    "notifications.outboxmessage": "to, subject, body: emails as sent (demo outbox)",
    "django_tasks_database.dbtaskresult": "args_kwargs: queued emails, recipients "
    "and text",
    "sessions.session": "session_data: the signed-in account's id",
}

#: Personal-data models left out of a member's export, and why.
NOT_EXPORTED: dict[str, str] = {
    "sessions.session": "A sign-in session holds a random key and the account id, "
    "nothing a person could read; erasure ends them.",
    "account.emailconfirmation": "A pending confirmation holds only a one-time key "
    "for an address already exported with the account's email addresses.",
    "privacy.erasurerecord": "Records an erasure of someone else; it names them by "
    "record id only and is kept as the registration team's audit trail.",
    "members.registerimport": "A file the staff member imported for the registration "
    "team: the team's work, about other people, not about the uploader.",
    **dict.fromkeys(
        ["oversight.mentorfigures", "oversight.enrolmentfigures"],
        "The dashboard's counting row for a mentor or an enrolment: a region and "
        "figures, derived from records the export already holds.",
    ),
}

#: Personal-data models whose rows erasure leaves as they are, and why.
NOT_ERASED: dict[str, str] = {
    "training.briefingacknowledgement": "Holds only which regulations the (now "
    "anonymous) member acknowledged and when: kept for statistics.",
    **dict.fromkeys(
        ["oversight.mentorfigures", "oversight.enrolmentfigures"],
        "Holds only a region and counts, no personal data: erasure works it out "
        "again from the withdrawn enrolments and retired profile (anonymous counts "
        "stay).",
    ),
}


def label(model) -> str:
    return model._meta.label_lower


def _points_at(model, targets: set) -> bool:
    return any(
        field.related_model in targets
        for field in model._meta.get_fields()
        if field.concrete and (field.many_to_one or field.one_to_one)
    )


def _has_email(model) -> bool:
    return any(isinstance(f, models.EmailField) for f in model._meta.concrete_fields)


def personal_models() -> list[type[models.Model]]:
    """Every installed model that holds personal data (see the module docstring)."""
    candidates = [m for m in apps.get_models() if not m._meta.proxy]
    found = {apps.get_model(name) for name in PEOPLE}
    found |= {m for m in candidates if _has_email(m) or label(m) in DECLARED}
    grew = True
    while grew:
        more = {m for m in candidates if m not in found and _points_at(m, found)}
        found |= more
        grew = bool(more)
    return sorted(found, key=label)


def coverage_problems(exporters=None, erasers=None) -> list[str]:
    """What stops export and erasure covering every model with personal data."""
    # export and erasure import this module to read the registry.
    from mentorscheme.privacy.erasure import ERASERS  # noqa: PLC0415
    from mentorscheme.privacy.export import EXPORTERS  # noqa: PLC0415

    exporters = EXPORTERS if exporters is None else exporters
    erasers = ERASERS if erasers is None else erasers
    problems = []
    personal = [label(m) for m in personal_models()]
    for name in personal:
        if name not in exporters and name not in NOT_EXPORTED:
            problems.append(f"{name} holds personal data but is not exported")
        if name not in erasers and name not in NOT_ERASED:
            problems.append(f"{name} holds personal data but is not erased")
    for registry, entries in (
        ("EXPORTERS", exporters),
        ("ERASERS", erasers),
        ("NOT_EXPORTED", NOT_EXPORTED),
        ("NOT_ERASED", NOT_ERASED),
        ("DECLARED", DECLARED),
    ):
        for name in entries:
            if name not in personal:
                problems.append(f"{registry} names {name}, not a personal-data model")
    for name, reason in {**NOT_EXPORTED, **NOT_ERASED}.items():
        if len(reason.split()) < 5:
            problems.append(f"the exemption of {name} needs a real reason")
    return problems
