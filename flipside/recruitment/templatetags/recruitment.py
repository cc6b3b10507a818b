"""Template filters for recruitment pages."""

from __future__ import annotations

import datetime

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from flipside.lib.dates import clock_time

register = template.Library()


@register.filter
def london(value: datetime.datetime | None) -> str:
    """A moment in UK time as GOV.UK writes it: "5pm on Friday 31 January 2027"."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return _("%(time)s on %(date)s") % {
        "time": clock_time(local),
        "date": formats.date_format(local, "l j F Y"),
    }
