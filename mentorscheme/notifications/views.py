from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from mentorscheme.members import access
from mentorscheme.notifications.models import OutboxMessage


@login_required
def outbox(request):
    access.require(access.can_read_outbox(access.roles_for(request.user)))
    messages = OutboxMessage.objects.all()
    to = request.GET.get("to", "").replace("\x00", "").strip()[:200]
    if to:
        messages = messages.filter(to__icontains=to)
    page = Paginator(messages, 50).get_page(request.GET.get("page"))
    return render(request, "notifications/outbox.html", {"page": page, "to": to})


@login_required
def outbox_message(request, pk: int):
    access.require(access.can_read_outbox(access.roles_for(request.user)))
    message = get_object_or_404(OutboxMessage, pk=pk)
    return render(request, "notifications/message.html", {"message": message})
