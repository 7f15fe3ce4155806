"""Writes to the member register. One transaction each, keyword-only arguments."""

from django.db import transaction

from mentorscheme.members.models import Member, User


@transaction.atomic
def member_link_account(*, user: User) -> Member | None:
    """Link a verified sign-in account to the register entry with the same email."""
    member = (
        Member.objects.select_for_update(of=("self",))
        .filter(email__iexact=user.email, user__isnull=True)
        .first()
    )
    if member is None or Member.objects.filter(user=user).exists():
        return None
    member.user = user
    member.save(update_fields=["user"])
    return member


@transaction.atomic
def member_contact_update(
    *, member: Member, contact_email: str, contact_phone: str
) -> Member:
    """The contact details a matched mentor or candidate sees."""
    member = Member.objects.select_for_update(of=("self",)).get(pk=member.pk)
    member.contact_email = contact_email.strip().lower()
    member.contact_phone = contact_phone.strip()
    member.save(update_fields=["contact_email", "contact_phone"])
    return member
