"""Rates and their dated values, a cohort's pay settings, employment records."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from flipside.schemes.models import Cohort, Organisation

from ..living_wage import PUBLISHED, SOURCE
from ..models import Employment, PaySettings, Rate, RateValue

STANDARD_NAMES = {Rate.Kind.LONDON: "London Living Wage", Rate.Kind.UK: "UK Living Wage"}


def ensure_standard_rates(organisation: Organisation) -> dict[str, Rate]:
    """The organisation's London and UK Living Wage rates, created with the Living Wage
    Foundation's published values the first time anyone asks (idempotent, also when two
    requests ask at once)."""
    rates = {
        r.kind: r for r in Rate.objects.filter(organisation=organisation).exclude(kind="custom")
    }
    for kind, name in STANDARD_NAMES.items():
        if kind in rates:
            continue
        try:
            with transaction.atomic():
                rate = Rate.objects.create(
                    organisation=organisation, kind=kind, name=name, source=SOURCE
                )
                RateValue.objects.bulk_create(
                    RateValue(
                        rate=rate, hourly=p.hourly, announced_on=p.announced_on,
                        payable_from=p.payable_from, note=p.note,
                    )
                    for p in PUBLISHED
                    if p.kind == kind
                )  # fmt: skip
        except IntegrityError:  # created meanwhile by another request
            rate = Rate.objects.get(organisation=organisation, kind=kind)
        rates[kind] = rate
    return rates


def pay_settings_of(cohort: Cohort) -> PaySettings:
    """The cohort's pay settings, made with the defaults (the London Living Wage, new values
    from their announcement, meetings with 30 minutes' preparation, training and reflection
    events paid, no caps, no holiday pay) the first time anyone asks."""
    found = PaySettings.objects.select_related("rate").filter(cohort=cohort).first()
    if found is not None:
        return found
    organisation = cohort.scheme.organisation
    london = ensure_standard_rates(organisation)[Rate.Kind.LONDON]
    try:
        with transaction.atomic():
            return PaySettings.objects.create(cohort=cohort, rate=london)
    except IntegrityError:
        return PaySettings.objects.select_related("rate").get(cohort=cohort)


def employment_of(organisation: Organisation | int, user_id: int) -> Employment | None:
    organisation_id = organisation if isinstance(organisation, int) else organisation.pk
    return Employment.objects.filter(organisation_id=organisation_id, user_id=user_id).first()
