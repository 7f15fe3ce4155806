import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from mentorscheme import confirm
from mentorscheme.audit import services as audit
from mentorscheme.members.access import get_member_or_404, require, roles_for
from mentorscheme.members.middleware import mark_private
from mentorscheme.privacy import erasure, export, feeds, services
from mentorscheme.privacy.access import can_erase_members
from mentorscheme.privacy.forms import EraseForm, FeedForm
from mentorscheme.privacy.models import CalendarFeed, ErasureRecord
from mentorscheme.privacy.registry import NOT_EXPORTED
from mentorscheme.privacy.subject import Subject


def notice(request):
    return render(request, "privacy/notice.html", {"not_exported": NOT_EXPORTED})


@login_required
def export_download(request):
    data = export.personal_data(Subject.of_user(request.user))
    audit.record_data_export(actor=request.user, what="Their own personal data")
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="mentor-scheme-your-data-{day}.json"'
    )
    response["Cache-Control"] = "no-store"
    return response


# -- calendar feed --------------------------------------------------------------------


def _member(request):
    roles = roles_for(request.user)
    require(roles.member is not None)
    return roles.member


@login_required
def calendar(request):
    member = _member(request)
    feed = CalendarFeed.objects.filter(member=member).first()
    url = (
        request.build_absolute_uri(reverse("privacy:feed", args=[feed.token]))
        if feed
        else None
    )
    response = render(request, "privacy/calendar.html", {"feed": feed, "url": url})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def calendar_change(request):
    member = _member(request)
    form = FeedForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Choose what to do with your calendar address.")
    renew = form.cleaned_data["action"] == "renew"
    feed = CalendarFeed.objects.filter(member=member).first()
    if feed is not None and confirm.needs_confirmation(request):
        last_read = (
            f"A calendar app last read it on "
            f"{timezone.localtime(feed.last_read_at):%-d %B %Y}."
            if feed.last_read_at
            else "No calendar app has read it yet."
        )
        return confirm.confirmation_page(
            request,
            title="Make a new calendar address"
            if renew
            else "Turn off your calendar address",
            consequences=[
                "Your current address stops working at once: calendar apps that "
                f"subscribe to it stop showing your training and meetings. {last_read}",
                "You then add the new address to your calendar app."
                if renew
                else "You can make a new address here whenever you like.",
            ],
            button="Yes, make a new address" if renew else "Yes, turn it off",
            back_url=reverse("privacy:calendar"),
            back_text="No, keep my address",
            undo="The old address cannot be brought back.",
        )
    if renew:
        services.feed_renew(member=member)
        messages.success(
            request,
            "Your calendar address is ready. Any address you had before no longer "
            "works.",
        )
    else:
        services.feed_turn_off(member=member)
        messages.success(request, "Your calendar address is turned off.")
    return redirect("privacy:calendar")


def feed(request, token: str):
    found = CalendarFeed.objects.select_related("member").filter(token=token).first()
    if found is None or not found.member.is_current:
        raise Http404("No such calendar")
    CalendarFeed.objects.filter(pk=found.pk).update(last_read_at=timezone.now())
    response = HttpResponse(
        feeds.feed_for(found.member), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="mentor-scheme.ics"'
    mark_private(response)
    response["X-Robots-Tag"] = "noindex"
    return response


# -- erasure (staff) -----------------------------------------------------------------


@login_required
def erase(request, member_id: int):
    roles = roles_for(request.user)
    require(can_erase_members(roles))
    member = get_member_or_404(roles, member_id)
    done = ErasureRecord.objects.filter(member=member).first()
    form = EraseForm(request.POST or None)
    if request.method == "POST" and done is None and form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            erasure.erasure_reason_check(member=member, reason=reason)
            if (
                confirm.needs_confirmation(request)
                and member.user_id != request.user.pk
            ):
                return _confirm_erase(request, member)
            erasure.member_erase(member=member, by=request.user, reason=reason)
        except erasure.PrivacyError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                "The member's personal data has been erased. Their anonymous "
                "record remains for statistics.",
            )
            return redirect("privacy:erasures")
    return render(
        request,
        "privacy/erase.html",
        {
            "member": member,
            "form": form,
            "done": done,
            "preview": erasure.erasure_preview(member) if done is None else None,
        },
        status=400 if form.errors else 200,
    )


def _confirm_erase(request, member):
    preview = erasure.erasure_preview(member)
    consequences = [
        f"{member.full_name}'s name, email address, membership number, job title, "
        "employer and line manager (as the register records it and as they declared "
        "it) are removed; an anonymous, lapsed record stays for statistics. Members "
        "who declared them as their line manager are asked to say again.",
        "Their sign-in account is deleted and they are signed out everywhere."
        if preview["has_account"]
        else "They have no sign-in account.",
        "What they wrote (requests, agreements, meeting notes, help requests, "
        "feedback) is replaced with “[erased]”, and emails to them are removed.",
    ]
    ending = [
        f"{r.mentor.member.full_name} mentoring {r.enrolment.member.full_name}"
        for r in preview["active_relationships"]
    ]
    if ending:
        consequences.append(
            confirm.Consequence(
                "These mentoring relationships end, as if they had left the scheme. "
                "Each other person is emailed, without their name: a candidate is "
                "asked to find a new mentor (and flagged to their region's "
                "Candidate Support Officer), a mentor is told their place is free.",
                tuple(ending),
            )
        )
    requests = preview["open_requests"]
    if requests:
        consequences.append(
            f"{requests} open mentoring request{'s are' if requests != 1 else ' is'} "
            "withdrawn, and the other person is emailed, without their name."
        )
    if preview["future_bookings"]:
        consequences.append(
            "Their future training places are given back; anyone waiting for one "
            "is emailed that they have a place."
        )
    offices = [f"{a.get_role_display()} for {a.region}" for a in preview["offices"]]
    if offices:
        consequences.append(
            confirm.Consequence(
                "Their appointments end. What waits for them (applications, training "
                "evidence, candidates asking for help, allocations to review) is "
                "emailed to another support officer of the region, or to the "
                "registration team where there is none.",
                tuple(offices),
            )
        )
    if not (ending or requests or preview["future_bookings"] or offices):
        consequences.append("Nobody is emailed.")
    return confirm.confirmation_page(
        request,
        title=f"Erase {member.full_name}'s personal data",
        consequences=consequences,
        button="Yes, erase their personal data",
        back_url=reverse("privacy:erase", args=[member.pk]),
        back_text="No, keep it",
        danger=True,
    )


@login_required
def erasures(request):
    require(can_erase_members(roles_for(request.user)))
    records = ErasureRecord.objects.select_related("erased_by")[:200]
    return render(request, "privacy/erasures.html", {"records": records})
