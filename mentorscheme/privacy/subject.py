"""The person a data-protection request is about, and finding text that names them."""

import json
from dataclasses import dataclass
from functools import cached_property

from allauth.account.models import EmailAddress
from django.db.models import CharField, JSONField, Q, TextField
from django.db.models.functions import Cast

from mentorscheme.members.models import Member, User


@dataclass(frozen=True)
class Subject:
    user: User | None
    member: Member | None

    @classmethod
    def of_user(cls, user: User) -> "Subject":
        return cls(user=user, member=Member.objects.filter(user=user).first())

    @classmethod
    def of_member(cls, member: Member) -> "Subject":
        return cls(user=member.user, member=member)

    @cached_property
    def emails(self) -> list[str]:
        """Every email address the person is known by, in lower case.

        Worked out once, so it still holds while erasure changes the records.
        """
        found = set()
        if self.member is not None:
            found.add(self.member.email)
        if self.user is not None:
            found.add(self.user.email)
            found.update(
                EmailAddress.objects.filter(user=self.user).values_list(
                    "email", flat=True
                )
            )
        return sorted({e.lower() for e in found if e})

    @cached_property
    def full_name(self) -> str:
        """Their name on the register (worked out once, before erasure)."""
        if self.member is None:
            return ""
        return f"{self.member.first_name} {self.member.last_name}".strip()

    @cached_property
    def identifiers(self) -> list[str]:
        """What identifies the person in text: their email addresses, their full
        name and their membership number (worked out once, before erasure)."""
        found = set(self.emails)
        if self.member is not None:
            found.add(self.full_name)
            found.add(self.member.membership_number)
            found.add(self.member.contact_email.lower())
        return sorted(needle for needle in found if len(needle) >= 4)


def text_fields(model) -> list[str]:
    """The model's text and JSON columns: where a person's details can be written."""
    return [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, CharField | TextField | JSONField) and not f.choices
    ]


def spellings(needle: str) -> list[str]:
    """The ways ``needle`` can be stored in a text or JSON column, read as text.

    JSON written by Python (Django's JSONField on SQLite, a JSON string in a text
    column) escapes "Zoë" as "Zo\\u00eb", and a quote as \\". SQLite compares
    only ASCII letters without regard to case, so a name with other letters is
    looked for in lower and upper case too (PostgreSQL folds every letter).
    """
    cases = {needle} if needle.isascii() else {needle, needle.lower(), needle.upper()}
    found = cases | {json.dumps(case)[1:-1] for case in cases}
    return sorted(found)


def _containing(model, needles, fields):
    condition = Q(pk__in=[])
    annotations = {f"_{name}_text": Cast(name, TextField()) for name in fields}
    for needle in needles:
        for spelling in spellings(needle):
            for name in fields:
                condition |= Q(**{f"_{name}_text__icontains": spelling})
    return model.objects.annotate(**annotations).filter(condition)


def names_them(model, subject: Subject, *fields: str):
    """Rows of ``model`` whose text or JSON (every such column unless ``fields`` are
    named) holds any of the subject's identifiers: an email address, their full
    name or their membership number, as written or escaped in JSON."""
    return _containing(model, subject.identifiers, fields or tuple(text_fields(model)))


def mentions(model, subject: Subject, *fields: str):
    """Rows of ``model`` whose text (or JSON, read as text) contains an email of the
    subject, as written or escaped in JSON."""
    return _containing(model, subject.emails, fields)


def feedback_from(subject: Subject) -> Q:
    """Feedback the person sent: signed in, or giving one of their addresses."""
    condition = Q(user=subject.user) if subject.user else Q(pk__in=[])
    for email in subject.emails:
        condition |= Q(email__iexact=email)
    return condition
