from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal.httpkit import clean_client_ip
from django.core.exceptions import ImproperlyConfigured

from mentorscheme.notifications import emails


class AccountAdapter(DefaultAccountAdapter):
    """Sends allauth's messages (verification, password reset) through our queue."""

    def send_mail(self, template_prefix, email, context):
        message = self.render_mail(template_prefix, email, context)
        html = next(
            (
                c
                for c, mime in getattr(message, "alternatives", [])
                if mime == "text/html"
            ),
            "",
        )
        emails.queue(
            to=message.to, subject=message.subject, text=message.body, html=html
        )

    def get_client_ip(self, request) -> str:
        """The client's address, as ``TRUSTED_PROXY_COUNT`` says to read it.

        A request that carries fewer forwarded addresses than there are trusted
        proxies did not come through them all: its socket address is used rather
        than failing the request.
        """
        try:
            return super().get_client_ip(request)
        except ImproperlyConfigured:
            return clean_client_ip(request.META.get("REMOTE_ADDR", "")) or "unknown"

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """Failed sign-ins count per account *and client address*: guessing from one
        place slows down that place only, never the owner signing in from another.
        (Each address is also held to allauth's per-address limit on all accounts.)
        """
        account = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{self.get_client_ip(request)}:{account}"
