"""Forms of the coordinators' progress board: its filters, nudges, pauses and settings."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from flipside.lib.forms import FilterForm, SafeCharField, search_field

from .models import PartnershipSettings
from .progress import STATUSES


class BoardFilterForm(FilterForm):
    """Search and filter the board; a value not on offer is ignored, not an error."""

    q = search_field(gettext_lazy("Name"))
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any status")), *STATUSES.items()],
    )
    sort = forms.ChoiceField(
        label=gettext_lazy("Sort by"),
        required=False,
        choices=[
            ("", gettext_lazy("Mentor's name")),
            ("held", gettext_lazy("Meetings held, fewest first")),
            ("status", gettext_lazy("Status, most behind first")),
            ("contact", gettext_lazy("Last contact, longest ago first")),
        ],
    )


class NudgeForm(forms.Form):
    subject = SafeCharField(label=gettext_lazy("Subject"), max_length=200)
    body = SafeCharField(
        label=gettext_lazy("Message"),
        single_line=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=gettext_lazy(
            "Fields in double braces are filled in for each person: {{ first_name }}, "
            "{{ partner }}, {{ held }}, {{ expected }}, {{ cohort }}, {{ link }}."
        ),
    )
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)


class PauseForm(forms.Form):
    reason = SafeCharField(
        label=gettext_lazy("Why is this partnership paused?"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Optional. Keep it short and factual."),
    )


class SettingsForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = PartnershipSettings
        fields = ["log_window_days"]
        labels = {"log_window_days": gettext_lazy("Days after a meeting to log it")}
        help_texts = {
            "log_window_days": gettext_lazy(
                "Partners can record a meeting they did not arrange here up to this many days "
                "after it happened (1 to 365)."
            )
        }
