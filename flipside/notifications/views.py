from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from flipside.accounts.types import AuthedRequest
from flipside.schemes.permissions import get_scheme, require_coordinator

from . import permissions, preferences, selectors, services
from .forms import OutboxFilterForm, PreferenceForm, WordingForm
from .models import Preference

PER_PAGE = 50


def outbox(request: AuthedRequest) -> HttpResponse:
    require_coordinator(request.user)
    schemes = permissions.mail_schemes(request.user)
    form = OutboxFilterForm(request.GET, schemes=schemes)
    filters = form.filters()
    # The counts compare statuses, so they follow every filter but the status one; the
    # list's length is then one of them, or their sum.
    others = {name: value for name, value in filters.items() if name != "status"}
    counts = selectors.status_counts(selectors.outbox_messages(schemes, **others))
    found = selectors.message_rows(selectors.outbox_messages(schemes, **filters))
    paginator = Paginator(found, PER_PAGE)
    by_status = {value: n for value, _label, n in counts}
    paginator.count = (
        by_status[filters["status"]] if "status" in filters else sum(by_status.values())
    )
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": selectors.with_kind_labels(page),
        "counts": counts,
        "filtered": bool(filters),
    }
    template = "notifications/_outbox_table.html" if request.htmx else "notifications/outbox.html"
    return render(request, template, context)


def message_detail(request: AuthedRequest, message_id: int) -> HttpResponse:
    message = permissions.get_message(request.user, message_id)
    context = {
        "message": message,
        "kind_label": selectors.kind_label(message.kind),
        "body_hidden": not permissions.can_read_body(message),
        "body": selectors.readable_body(message),
        "deliveries": message.deliveries.all(),
    }
    return render(request, "notifications/message.html", context)


@require_POST
def retry(request: AuthedRequest, message_id: int) -> HttpResponse:
    message = permissions.get_message(request.user, message_id)
    try:
        services.retry_message(message, by=request.user)
    except services.NotificationsError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The email will be sent again shortly."))
    return redirect("notifications:message", message.pk)


def wording_list(request: AuthedRequest, scheme_id: int) -> HttpResponse:
    scheme = get_scheme(request.user, scheme_id)
    context = {"scheme": scheme, "wordings": selectors.scheme_wordings(scheme)}
    return render(request, "notifications/wording_list.html", context)


def wording_edit(request: AuthedRequest, scheme_id: int, kind: str) -> HttpResponse:
    scheme = get_scheme(request.user, scheme_id)
    current = selectors.wording_for(scheme, permissions.get_rewordable_kind(kind))
    initial = {"subject": current.subject, "body": current.body}
    form = WordingForm(request.POST or None, kind=current.kind, initial=initial)
    preview = None
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") != "save":
            preview = selectors.preview(current.kind, **form.cleaned_data)
        else:
            try:
                services.save_override(
                    scheme, kind=current.kind.key, by=request.user, **form.cleaned_data
                )
            except services.NotificationsError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The new wording is saved. Emails from now on use it."))
                return redirect("notifications:wording_list", scheme.pk)
    context = {"scheme": scheme, "wording": current, "form": form, "preview": preview}
    return render(request, "notifications/wording_edit.html", context)


@require_POST
def wording_reset(request: AuthedRequest, scheme_id: int, kind: str) -> HttpResponse:
    scheme = get_scheme(request.user, scheme_id)
    services.reset_override(scheme, kind=permissions.get_rewordable_kind(kind).key, by=request.user)
    messages.success(request, _("Back to the default wording."))
    return redirect("notifications:wording_list", scheme.pk)


def preference_edit(request: AuthedRequest) -> HttpResponse:
    current = Preference.objects.filter(user=request.user).first() or Preference(user=request.user)
    # Not ``request.POST or None``: unticking the only box can post no fields at all.
    data = request.POST if request.method == "POST" else None
    form = PreferenceForm(data, instance=current)
    if request.method == "POST" and form.is_valid():
        preferences.set_optional_email(
            request.user, enabled=form.cleaned_data["optional_email"], by=request.user
        )
        messages.success(request, _("Your email choices are saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


# Mail programs send the one-click unsubscribe POST (RFC 8058) without a CSRF token; the
# signed token in the link is what authorises it, and it can only turn email off.
@csrf_exempt
@login_not_required
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    user_id = preferences.user_id_for_token(token)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    if user is None:
        return render(request, "notifications/unsubscribe_invalid.html", status=404)
    if request.method == "POST":
        preferences.set_optional_email(user, enabled=False, by=user)
        return render(request, "notifications/unsubscribed.html", {"person": user})
    context = {"person": user, "already": not preferences.wants_optional_email(user)}
    return render(request, "notifications/unsubscribe.html", context)
