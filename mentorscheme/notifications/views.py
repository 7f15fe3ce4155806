from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from mentorscheme.notifications.models import OutboxMessage


def _require_staff(user) -> None:
    """The outbox is for the staff who run the site (Django's staff flag)."""
    if not user.is_staff:
        raise PermissionDenied


@login_required
def outbox(request):
    _require_staff(request.user)
    messages = OutboxMessage.objects.all()
    to = request.GET.get("to", "").replace("\x00", "").strip()[:200]
    if to:
        messages = messages.filter(to__icontains=to)
    page = Paginator(messages, 50).get_page(request.GET.get("page"))
    return render(request, "notifications/outbox.html", {"page": page, "to": to})


@login_required
def outbox_message(request, pk: int):
    _require_staff(request.user)
    message = get_object_or_404(OutboxMessage, pk=pk)
    return render(request, "notifications/message.html", {"message": message})
