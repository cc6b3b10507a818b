"""The training sessions list, its items built in Python.

Drawn by the template language each session cost about 0.3 ms (a dozen ``{% if %}``, three
or four ``{% translate %}``, ``{% url %}``, the audience's lazy label, and for coordinators two
``{% blocktranslate %}``). The words are translated once per list here and each item is one
``format_html``, which escapes every value as the template did. The markup is the template's
(templates/training/_session_rows.html, which this replaced), byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from flipside.lib.rows import csrf_input
from flipside.training.models import Audience, Booking

register = template.Library()

ITEM = """
  <li class="session-item{cancelled_class}">
    <h3 class="session-item__title"><a href="{url}">{title}</a></h3>
    <p class="session-item__when">{when}</p>
    <p class="session-item__tags">
      {cancelled}
      <span class="tag">{required}</span>
      <span class="tag">{audience}</span>
      {booking}
      {attendance}
    </p>
    {counts}
    {form}
  </li>
"""
COUNTS = """
    <p class="session-item__counts">{booked}{waiting}</p>
    """
FORM = (
    '\n    <form method="post" action="{action}" class="session-item__action">'
    '\n      {csrf}<input type="hidden" name="from" value="list">{page}'
    "\n      \n      "
    '<button type="submit" class="{button_class}">{label}'
    '<span class="visually-hidden">: {title}</span></button>'
    "\n      \n    </form>\n    "
)


@register.simple_tag(takes_context=True)
def session_rows(context: Any, rows: Sequence[Any], manage: bool, page: Any) -> SafeString:
    """A ``<ul>`` of the sessions of ``rows`` (views.sessions.Row), as the template drew it:
    each one's tags, the counts for coordinators and the booking form for its audience."""
    cancelled = format_html('<span class="tag tag--session-cancelled">{}</span>', _("Cancelled"))
    required, optional = _("Required"), _("Optional")
    audiences = {audience.value: str(audience.label) for audience in Audience}
    attendances = {value: str(label) for value, label in Booking.Attendance.choices}
    has_place = format_html(
        '<span class="tag tag--session-booked">{}</span>', _("You have a place")
    )
    on_waiting_list = format_html(
        '<span class="tag tag--session-waiting">{}</span>', _("You are on the waiting list")
    )
    places_booked = _("%(booked)s of %(capacity)s places booked")
    leave, cancel = _("Leave the waiting list"), _("Cancel my place")
    join, book = _("Join the waiting list"), _("Book a place")
    page_field = (
        format_html('<input type="hidden" name="page" value="{}">', localize(page.number))
        if page.number > 1
        else ""
    )
    csrf: list[SafeString] = []  # {% csrf_token %}, read only if a form is drawn

    items = []
    for row in rows:
        s, booking = row.session, row.booking
        status = booking.status if booking else None
        counts = ""
        if manage:
            waiting = ""
            if s.waiting:
                n = ngettext("%(n)s waiting", "%(n)s waiting", s.waiting)
                waiting = "; " + n % {"n": conditional_escape(localize(s.waiting))}
            counts = format_html(
                COUNTS,
                # Safe: our own message; each number escaped.
                booked=SafeString(places_booked % {  # nosec B703
                    "booked": conditional_escape(localize(s.booked)),
                    "capacity": conditional_escape(localize(s.capacity)),
                }),
                # Safe: our own message; each number escaped.
                waiting=SafeString(waiting),  # nosec B703
            )  # fmt: skip
        form = ""
        if row.for_me and not s.is_past and not s.cancelled_at:
            if not csrf:
                csrf.append(csrf_input(context))
            if booking:
                action = reverse("training:cancel_booking", args=[s.pk])
                button_class = "button button--secondary"
                label = leave if status == "waiting" else cancel
            else:
                action = reverse("training:book", args=[s.pk])
                button_class = "button"
                label = join if s.booked >= s.capacity else book
            form = format_html(
                FORM, action=action, csrf=csrf[0], page=page_field,
                button_class=button_class, label=label, title=s.title,
            )  # fmt: skip
        items.append(
            format_html(
                ITEM,
                cancelled_class=" session-item--cancelled" if s.cancelled_at else "",
                url=reverse("training:session", args=[s.pk]),
                title=s.title,
                when=row.when,
                cancelled=cancelled if s.cancelled_at else "",
                required=required if s.required else optional,
                audience=audiences.get(s.audience, s.audience),
                booking=(
                    has_place
                    if status == "booked"
                    else on_waiting_list
                    if status == "waiting"
                    else ""
                ),
                attendance=(
                    format_html(
                        '<span class="tag">{}</span>',
                        attendances.get(booking.attendance, booking.attendance),
                    )
                    if status == "booked" and booking.attendance != "unmarked"
                    else ""
                ),
                counts=counts,
                form=form,
            )  # fmt: skip
        )
    # Safe: each value escaped as the row is built (decision 0008).
    return format_html('<ul class="session-list">\n{}\n</ul>\n', SafeString("".join(items)))  # nosec B703
