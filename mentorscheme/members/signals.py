from allauth.account.internal.flows.login import record_authentication
from allauth.account.signals import email_confirmed
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from django.dispatch import receiver

from mentorscheme.members import services


@receiver(email_confirmed)
def link_member_on_confirmation(sender, request, email_address, **kwargs):
    services.member_link_account(user=email_address.user)


@receiver(authenticator_added)
def second_factor_given_on_set_up(sender, request, user, authenticator, **kwargs):
    """Setting up TOTP takes a valid code from the new authenticator, so the session
    that did it has given its second factor (recorded as allauth records a sign-in)."""
    if request is None or authenticator.type != Authenticator.Type.TOTP:
        return
    record_authentication(
        request, user, "mfa", id=authenticator.pk, type=authenticator.type
    )
