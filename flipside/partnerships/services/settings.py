"""A cohort's partnership settings: how long after a meeting it can still be logged."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from flipside.lib.conflicts import EditConflict
from flipside.privacy import audit
from flipside.schemes.models import Cohort

from ..models import PartnershipSettings
from . import PartnershipError


class SettingsConflict(PartnershipError, EditConflict):
    """Someone saved the settings after this form was opened."""


def settings_for(cohort: Cohort) -> PartnershipSettings:
    """The cohort's settings, created with the defaults on first use."""
    found, _created = PartnershipSettings.objects.get_or_create(cohort=cohort)
    return found


def update_settings(
    cohort: Cohort, *, by: Any, version: int, log_window_days: int
) -> PartnershipSettings:
    """Save the settings if still at ``version``; else raise ``SettingsConflict``."""
    if not 1 <= log_window_days <= 365:
        raise PartnershipError(_("Choose between 1 and 365 days."))
    with transaction.atomic():
        settings_for(cohort)
        current = PartnershipSettings.objects.select_for_update().get(cohort=cohort)
        if current.version != version:
            raise SettingsConflict(
                _("Someone saved these settings after you opened this page. Check what is "
                  "saved now, then save again if you still want your change."),
                latest=current,
            )  # fmt: skip
        if current.log_window_days != log_window_days:
            current.log_window_days = log_window_days
            current.version += 1
            current.save(update_fields=["log_window_days", "version"])
            audit.record(by, "partnerships.settings.changed", cohort,
                         log_window_days=log_window_days)  # fmt: skip
    return current
