"""Pages for people: the staff's integration tokens, and what the API's problems mean."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from mentorscheme import confirm
from mentorscheme.api import services
from mentorscheme.api.access import can_manage_api_tokens, may_give_scopes
from mentorscheme.api.forms import TokenForm
from mentorscheme.api.models import IntegrationToken, Scope
from mentorscheme.api.problems import PROBLEM_TYPES
from mentorscheme.members.access import require, roles_for


@login_required
def token_list(request):
    require(can_manage_api_tokens(roles_for(request.user)))
    form = TokenForm(request.POST or None)
    plain = None
    if request.method == "POST" and form.is_valid():
        try:
            token, plain = services.token_create(
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                created_by=request.user,
            )
        except services.TokenRefused as refusal:
            form.add_error("scopes", str(refusal))
        else:
            form = TokenForm()
    tokens = IntegrationToken.objects.select_related("created_by")
    response = render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": tokens,
            "plain": plain,
            "may_write_register": may_give_scopes(request.user, [Scope.MEMBERS_WRITE]),
        },
        status=400 if form.errors else 200,
    )
    # The one page that shows a token's secret must not be kept anywhere.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request, pk: int):
    require(can_manage_api_tokens(roles_for(request.user)))
    token = get_object_or_404(IntegrationToken, pk=pk)
    if token.revoked_at is None and confirm.needs_confirmation(request):
        used = (
            f"It was last used {timezone.localtime(token.last_used_at):%-d %B %Y at %H:%M}."
            if token.last_used_at
            else "It has not been used yet."
        )
        return confirm.confirmation_page(
            request,
            title=f"Revoke “{token.name}”",
            consequences=[
                "Whatever uses this token is refused from the next call on: the "
                f"API answers it “not signed in”. {used}",
                "Nobody is emailed: tell the people who run that integration, and "
                "give them a new token if they still need one.",
            ],
            button="Yes, revoke the token",
            back_url=reverse("api_tokens"),
            back_text="No, keep it",
            undo="A revoked token cannot be brought back.",
            danger=True,
        )
    services.token_revoke(token=token, by=request.user)
    messages.success(request, f"“{token.name}” is revoked: it no longer works.")
    return redirect("api_tokens")


def problems(request):
    kinds = [
        {"slug": slug, "status": status, "title": title, "meaning": meaning}
        for slug, (status, title, meaning) in PROBLEM_TYPES.items()
    ]
    return render(request, "api/problems.html", {"kinds": kinds})
