"""Forms for a pair's meetings: offering times, logging one afterwards, recording one.
Times are typed in UK time; times the clocks skip or repeat are refused here, as form errors
on the field typed."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flipside.lib.forms import DateField, ModelChoicesField, SafeCharField, TimeInput, london_time

from .models import MAX_MEETING_MINUTES, Mode, TalkingPoint

TIME_HELP = gettext_lazy("UK time. For example, 14:30 for 2:30pm.")


def _minutes(label: Any, *, minimum: int, initial: int | None = 60) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=minimum,
        max_value=MAX_MEETING_MINUTES,
        initial=initial,
        help_text=gettext_lazy("In minutes. A meeting can last at most a day (1,440 minutes)."),
    )


def _mode() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=gettext_lazy("How will you meet?"),
        choices=Mode.choices,
        initial=Mode.IN_PERSON,
        widget=forms.RadioSelect,
    )


class _PointsField(ModelChoicesField):
    def label_from_instance(self, obj: TalkingPoint) -> str:  # type: ignore[override]
        """The whole point, never cut short: people tick it by what it says."""
        return obj.text


def _points_field(scheme_id: int) -> ModelChoicesField:
    return _PointsField(
        label=gettext_lazy("Talking points you covered"),
        queryset=TalkingPoint.objects.filter(
            scheme_id=scheme_id, status=TalkingPoint.Status.PUBLISHED
        ),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Only which points, never what was said."),
    )


def add_points(form: forms.Form, scheme_id: int) -> None:
    """The optional talking points, when the scheme's library has any."""
    field = _points_field(scheme_id)
    if field.queryset.exists():  # type: ignore[union-attr]
        form.fields["talking_points"] = field


class OptionsForm(forms.Form):
    """One to three times to offer the partner, the length, how and where."""

    date_1 = DateField(label=gettext_lazy("First choice: date"))
    time_1 = forms.TimeField(
        label=gettext_lazy("First choice: start time"), widget=TimeInput(), help_text=TIME_HELP
    )
    date_2 = DateField(label=gettext_lazy("Second choice: date"), required=False)
    time_2 = forms.TimeField(
        label=gettext_lazy("Second choice: start time"),
        widget=TimeInput(),
        required=False,
    )
    date_3 = DateField(label=gettext_lazy("Third choice: date"), required=False)
    time_3 = forms.TimeField(
        label=gettext_lazy("Third choice: start time"),
        widget=TimeInput(),
        required=False,
    )
    minutes = _minutes(gettext_lazy("Length"), minimum=5)
    mode = _mode()
    place = SafeCharField(
        label=gettext_lazy("Place, online link or phone number"),
        max_length=300,
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        options: list[datetime.datetime] = []
        for n in (1, 2, 3):
            date, time = data.get(f"date_{n}"), data.get(f"time_{n}")
            if date is None and time is None:
                continue
            if date is None or time is None:
                missing = f"time_{n}" if time is None else f"date_{n}"
                if missing not in self.errors:
                    self.add_error(missing, _("Give both the date and the start time."))
                continue
            try:
                options.append(london_time(date, time))
            except ValidationError as error:
                self.add_error(f"time_{n}", error)
        data["options"] = options
        return data


class LogForm(forms.Form):
    """A meeting the pair already had."""

    date = DateField(label=gettext_lazy("Date"))
    time = forms.TimeField(
        label=gettext_lazy("Start time"), widget=TimeInput(), help_text=TIME_HELP
    )
    minutes = _minutes(gettext_lazy("How long it lasted"), minimum=1)
    mode = _mode()

    def __init__(self, *args: Any, scheme_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_points(self, scheme_id)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date") and data.get("time"):
            try:
                data["starts_at"] = london_time(data["date"], data["time"])
            except ValidationError as error:
                self.add_error("time", error)
        return data


class RecordForm(forms.Form):
    """Whether an arranged meeting happened and, if so, for how long and how."""

    held = forms.TypedChoiceField(
        label=gettext_lazy("Did the meeting happen?"),
        choices=[
            ("yes", gettext_lazy("Yes, we met")),
            ("no", gettext_lazy("No, it did not happen")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    minutes = forms.IntegerField(
        label=gettext_lazy("If you met: how long, in minutes"),
        min_value=1,
        max_value=MAX_MEETING_MINUTES,
        required=False,
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("If you met: how"),
        choices=Mode.choices,
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args: Any, scheme_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_points(self, scheme_id)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("held") and data.get("minutes") is None and "minutes" not in self.errors:
            self.add_error("minutes", _("Say how long the meeting lasted, in minutes."))
        return data
