"""Forms for rates and their values, a cohort's pay settings and a mentor's employment
record. Each lists its fields, so nothing else posted is read; the services check every
value again, so a refusal reads the same whoever asks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from flipside.lib.forms import DateField, FilterForm, SafeCharField, search_field
from flipside.schemes.models import Organisation

from .models import Employment, PaySettings, Policy, Rate
from .services.rates import EMPLOYMENT_FIELDS, SETTINGS_FIELDS

CHECKBOX = "notifications/_checkbox_field.html"


def _decimal_field(
    label: Any, *, least: Decimal, most: Decimal, required: bool = True, help_text: Any = ""
) -> forms.DecimalField:
    """A number from ``least`` to ``most`` with at most two decimals (the bounds keep it
    within the column), with messages that say what to type."""
    return forms.DecimalField(
        label=label,
        required=required,
        decimal_places=2,
        min_value=least,
        max_value=most,
        help_text=help_text,
        error_messages={
            "invalid": gettext_lazy("Enter a number, such as 14.80."),
            "max_decimal_places": gettext_lazy("Use at most two decimal places."),
        },
    )


def _checkbox(label: Any, help_text: Any = "") -> forms.BooleanField:
    return forms.BooleanField(
        label=label, required=False, template_name=CHECKBOX, help_text=help_text
    )


class RateForm(forms.Form):
    """A custom rate: its values are added once it exists."""

    prefix = "rate"
    name = SafeCharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("For example, “Student ambassador rate”."),
    )
    source = SafeCharField(
        label=gettext_lazy("Where the amounts come from"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("An agreement or a web page, so others can check the amounts."),
    )


class RateValueForm(forms.Form):
    """A new value of one rate. Its prefix names the rate, so each rate's form on the page
    has its own field ids."""

    hourly = _decimal_field(
        gettext_lazy("Pounds an hour"),
        least=Decimal("0.01"),
        most=Decimal(1000),
        help_text=gettext_lazy("For example, 14.80."),
    )
    announced_on = DateField(label=gettext_lazy("Announced on"))
    payable_from = DateField(
        label=gettext_lazy("Payable from"),
        help_text=gettext_lazy(
            "The day employers must pay it. The Living Wage Foundation asks employers to pay "
            "each new value by the following 1 May."
        ),
    )
    note = SafeCharField(
        label=gettext_lazy("Note"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("For example, “2026/27”."),
    )

    def __init__(self, *args: Any, rate: Rate, **kwargs: Any) -> None:
        kwargs["prefix"] = f"value-{rate.pk}"
        super().__init__(*args, **kwargs)
        self.rate = rate


class PaySettingsForm(forms.Form):
    rate = forms.ModelChoiceField(
        label=gettext_lazy("Rate"),
        queryset=Rate.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": gettext_lazy("Choose the rate this cohort pays."),
            "invalid_choice": gettext_lazy("Choose one of this organisation's rates."),
        },
        help_text=gettext_lazy("Student mentors are paid this much an hour for their time."),
    )
    policy = forms.ChoiceField(
        label=gettext_lazy("When does a new value of the rate apply?"),
        choices=Policy.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose when a new value of the rate applies.")},
        help_text=gettext_lazy(
            "The Living Wage is announced in late October, and employers must pay it from "
            "the following 1 May. A cohort that runs from September to June crosses the "
            "announcement. “From the day it is announced” pays the new value for work done "
            "from that day. “From the day employers must pay it” keeps the old value until then."
        ),
    )
    pay_meetings = _checkbox(gettext_lazy("Meetings held"))
    preparation_minutes = forms.IntegerField(
        label=gettext_lazy("Preparation allowance per meeting, in minutes"),
        min_value=0,
        max_value=240,
        help_text=gettext_lazy("Paid for each meeting held. 0 for none, 240 at most."),
    )
    pay_training = _checkbox(gettext_lazy("Training attended"))
    pay_events = _checkbox(gettext_lazy("Reflection events attended"))
    pay_other = _checkbox(
        gettext_lazy("Other agreed work"),
        gettext_lazy("Work a mentor writes on their timesheet, with a description."),
    )
    monthly_cap_hours = _decimal_field(
        gettext_lazy("Most hours paid in a month"),
        least=Decimal("0.01"),
        most=Decimal(744),
        required=False,
        help_text=gettext_lazy("For each mentor. Leave empty for no limit."),
    )
    cohort_cap_hours = _decimal_field(
        gettext_lazy("Most hours paid in the whole cohort"),
        least=Decimal("0.01"),
        most=Decimal("99999.99"),
        required=False,
        help_text=gettext_lazy("For each mentor, over the whole cohort. Leave empty for no limit."),
    )
    holiday_pay = _checkbox(
        gettext_lazy("Add rolled-up holiday pay"),
        gettext_lazy(
            "For people who work irregular hours: a percentage of each line's pay, shown as "
            "its own amount."
        ),
    )
    holiday_percent = _decimal_field(
        gettext_lazy("Holiday pay, per cent"),
        least=Decimal(0),
        most=Decimal(50),
        help_text=gettext_lazy("12.07 is the usual figure for irregular hours."),
    )
    cost_code = SafeCharField(
        label=gettext_lazy("Cost code"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("Shown on the payroll export."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["rate"]
        field.queryset = Rate.objects.filter(organisation=organisation).order_by("name", "pk")

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in SETTINGS_FIELDS}


def settings_initial(saved: PaySettings) -> dict[str, Any]:
    return {
        **{name: getattr(saved, name) for name in SETTINGS_FIELDS},
        "rate": saved.rate_id,
        "version": saved.version,
    }


class EmploymentForm(forms.Form):
    payroll_number = SafeCharField(
        label=gettext_lazy("Payroll or student number"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("Shown on the payroll export."),
    )
    right_to_work_checked_on = DateField(
        label=gettext_lazy("Right to work checked on"),
        required=False,
        help_text=gettext_lazy(
            "The day the documents were checked. None of this person's time can be approved "
            "until this is recorded. If you enter or change the date, you are recorded as the "
            "person who checked."
        ),
    )
    weekly_limit_hours = _decimal_field(
        gettext_lazy("Most hours in a Monday-to-Sunday week"),
        least=Decimal("0.25"),
        most=Decimal(80),
        required=False,
        help_text=gettext_lazy(
            "All of this person's paid time here counts towards it. Student visa holders may "
            "work at most 20 hours in any Monday-to-Sunday week in term time, in all their "
            "jobs together: set a lower limit if they work elsewhere too. Leave empty for no "
            "limit."
        ),
    )
    # 0 when there was no record yet.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in EMPLOYMENT_FIELDS}


def employment_initial(saved: Employment | None) -> dict[str, Any]:
    if saved is None:
        return {"version": 0}
    return {**{name: getattr(saved, name) for name in EMPLOYMENT_FIELDS}, "version": saved.version}


class EmploymentFilterForm(FilterForm):
    q = search_field(gettext_lazy("Name"))
