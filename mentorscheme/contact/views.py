from allauth.account.adapter import get_adapter
from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from mentorscheme.contact import services
from mentorscheme.contact.access import can_triage_feedback
from mentorscheme.contact.forms import (
    FeedbackForm,
    FeedbackReplyForm,
    FeedbackTriageForm,
)
from mentorscheme.contact.models import Feedback, FeedbackStatus
from mentorscheme.members.access import require, roles_for


def _within_limit(request) -> bool:
    """Count this message against its sender's address (allauth's rate limits: the
    check and the count are one step under a lock, so simultaneous posts cannot all
    slip under the limit; the address is read as TRUSTED_PROXY_COUNT says)."""
    return ratelimit.consume(request, action="contact")


def feedback_form(request):
    form = FeedbackForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        if form.is_spam():
            # Look like success to a bot; store nothing.
            return redirect("contact:thanks")
        data = form.cleaned_data
        address = get_adapter().get_client_ip(request)
        sender = services.sender_of(
            user=request.user, email=data["email"], address=address
        )
        try:
            services.feedback_check_allowed(message=data["message"], sender=sender)
            if not _within_limit(request):
                raise services.FeedbackRefused(services.TOO_MANY)
            services.feedback_submit(
                topic=data["topic"],
                message=data["message"],
                name=data["name"],
                email=data["email"],
                user=request.user,
                address=address,
            )
        except services.FeedbackRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            return redirect("contact:thanks")
    return render(
        request, "contact/form.html", {"form": form}, status=400 if form.errors else 200
    )


def feedback_thanks(request):
    return render(request, "contact/thanks.html")


@login_required
def feedback_triage_list(request):
    require(can_triage_feedback(roles_for(request.user)))
    status = request.GET.get("status", "")
    items = Feedback.objects.all()
    if status in FeedbackStatus.values:
        items = items.filter(status=status)
    page = Paginator(items, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "contact/triage_list.html",
        {"page": page, "status": status, "statuses": FeedbackStatus.choices},
    )


@login_required
def feedback_triage_detail(request, pk: int):
    require(can_triage_feedback(roles_for(request.user)))
    feedback = get_object_or_404(Feedback.objects.select_related("user__member"), pk=pk)
    replying = request.method == "POST" and request.POST.get("action") == "reply"
    form = FeedbackTriageForm(
        request.POST if request.method == "POST" and not replying else None,
        initial={"status": feedback.status, "staff_note": feedback.staff_note},
    )
    reply_form = FeedbackReplyForm(request.POST if replying else None)
    if replying and reply_form.is_valid():
        try:
            services.feedback_reply(
                feedback=feedback, body=reply_form.cleaned_data["body"], by=request.user
            )
        except services.FeedbackRefused as refusal:
            reply_form.add_error(None, str(refusal))
        else:
            messages.success(
                request, f"Your reply has been emailed to {feedback.reply_to}."
            )
            return redirect("contact:triage_detail", pk=pk)
    elif request.method == "POST" and not replying and form.is_valid():
        services.feedback_triage(feedback=feedback, **form.cleaned_data)
        messages.success(request, "Feedback updated.")
        return redirect("contact:triage")
    return render(
        request,
        "contact/triage_detail.html",
        {
            "feedback": feedback,
            "form": form,
            "reply_form": reply_form,
            "replies": feedback.replies.select_related("sent_by"),
        },
        status=400 if form.errors or reply_form.errors else 200,
    )
