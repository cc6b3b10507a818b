"""Template filters for recruitment pages."""

from __future__ import annotations

import datetime

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

register = template.Library()


def _clock(moment: datetime.datetime) -> str:
    if moment.minute == 0 and moment.hour in (0, 12):
        return _("midnight") if moment.hour == 0 else _("midday")
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    suffix = pgettext("time of day", "am") if moment.hour < 12 else pgettext("time of day", "pm")
    return f"{hour}{minutes}{suffix}"


@register.filter
def london(value: datetime.datetime | None) -> str:
    """A moment in UK time as GOV.UK writes it: "5pm on Friday 31 January 2027"."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return _("%(time)s on %(date)s") % {
        "time": _clock(local),
        "date": formats.date_format(local, "l j F Y"),
    }
