"""Forms for reflection events: adding and editing one, the register, the coordinators'
notes."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flipside.lib.dates import LONDON
from flipside.lib.forms import (
    DateField,
    SafeCharField,
    TimeInput,
    group_meeting_minutes_field,
    london_time,
    online_link_field,
)
from flipside.lib.text import isolate

from .models import EventReply, ReflectionEvent

VALUES = ["title", "starts_at", "minutes", "location", "online_url"]


class EventForm(forms.Form):
    """A reflection event. Times are typed in UK time and stored in UTC."""

    title = SafeCharField(
        label=gettext_lazy("Title"),
        max_length=200,
        help_text=gettext_lazy("For example, “Spring reflection get-together”."),
    )
    date = DateField(label=gettext_lazy("Date"))
    start = forms.TimeField(
        label=gettext_lazy("Start time"),
        widget=TimeInput(),
        help_text=gettext_lazy("UK time. For example, 17:00 for 5pm."),
    )
    minutes = group_meeting_minutes_field()
    location = SafeCharField(
        label=gettext_lazy("Place"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("The room and building, if people meet in person."),
    )
    online_url = online_link_field()
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args: Any, event: ReflectionEvent | None = None, **kwargs: Any) -> None:
        if event is not None:
            starts = event.starts_at.astimezone(LONDON)
            kwargs.setdefault(
                "initial",
                {
                    **{name: getattr(event, name) for name in VALUES if name != "starts_at"},
                    "date": starts.date(),
                    "start": starts.time(),
                    "version": event.version,
                },
            )
        else:
            today = timezone.now().astimezone(LONDON).date()
            kwargs.setdefault(
                "initial",
                {"date": today + datetime.timedelta(days=21), "start": datetime.time(17),
                 "minutes": 90},
            )  # fmt: skip
        super().__init__(*args, **kwargs)
        self.event = event
        if event is not None:
            self.fields["version"].required = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date, start = cleaned.get("date"), cleaned.get("start")
        if date and start:
            try:
                cleaned["starts_at"] = london_time(date, start)
            except ValidationError as error:
                self.add_error("start", error)
        starts_at = cleaned.get("starts_at")
        if starts_at and starts_at <= timezone.now():
            self.add_error("date", _("The event must start in the future."))
        return cleaned

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in VALUES}


class NotesForm(forms.Form):
    notes = forms.CharField(
        label=gettext_lazy("Themes that came up"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "true"}),
        help_text=gettext_lazy(
            "Only the cohort's coordinators can read these. Write themes, not who said what: "
            "no names, roles or details that would identify a person."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


ATTENDANCE_CHOICES = [
    (EventReply.Attendance.PRESENT, gettext_lazy("Present")),
    (EventReply.Attendance.ABSENT, gettext_lazy("Absent")),
]
PREFIX = "reply_"


class RegisterForm(forms.Form):
    """One set of radio buttons per person invited, keyed by their reply's id."""

    def __init__(self, *args: Any, replies: Sequence[EventReply], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for row in replies:
            name = f"{PREFIX}{row.pk}"
            field = forms.ChoiceField(
                label=isolate(row.user.display_name),
                choices=ATTENDANCE_CHOICES,
                widget=forms.RadioSelect,
                required=False,
            )
            # A register is marked as people come; nobody needs telling each is optional.
            field.quiet_optional = True  # type: ignore[attr-defined]
            self.fields[name] = field
            if row.attendance != EventReply.Attendance.UNMARKED:
                self.initial[name] = row.attendance

    def changes(self) -> list[tuple[int, str]]:
        return [
            (int(name.removeprefix(PREFIX)), self.cleaned_data[name])
            for name in self.changed_data
            if self.cleaned_data.get(name)
        ]
