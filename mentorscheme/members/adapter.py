from allauth.account.adapter import DefaultAccountAdapter

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
