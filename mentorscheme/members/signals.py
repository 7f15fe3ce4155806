from allauth.account.signals import email_confirmed
from django.dispatch import receiver

from mentorscheme.members import services


@receiver(email_confirmed)
def link_member_on_confirmation(sender, request, email_address, **kwargs):
    services.member_link_account(user=email_address.user)
