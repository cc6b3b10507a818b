"""Forms for training sessions: adding and editing one, assigning people, the register."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from flipside.lib.dates import LONDON
from flipside.lib.forms import (
    DateField,
    FilterForm,
    ModelChoicesField,
    SafeCharField,
    TimeInput,
    group_meeting_minutes_field,
    london_time,
    online_link_field,
    search_field,
)
from flipside.lib.text import isolate

from ..models import Audience, Booking, TrainingSession

CHECKBOX = "notifications/_checkbox_field.html"
VALUES = [
    "title",
    "description",
    "audience",
    "required",
    "starts_at",
    "minutes",
    "location",
    "online_url",
    "capacity",
    "facilitator",
]


class SessionForm(forms.Form):
    """A training session. Times are typed in UK time and stored in UTC."""

    title = SafeCharField(
        label=gettext_lazy("Title"),
        max_length=200,
        help_text=gettext_lazy("For example, “Mentor training: listening and feedback”."),
    )
    description = SafeCharField(
        label=gettext_lazy("Description"),
        single_line=False,
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "true"}),
        help_text=gettext_lazy("What the session covers and anything to bring or prepare."),
    )
    audience = forms.ChoiceField(
        label=gettext_lazy("Who is this session for?"),
        choices=Audience.choices,
        widget=forms.RadioSelect,
    )
    required = forms.BooleanField(
        label=gettext_lazy("Required training"),
        required=False,
        template_name=CHECKBOX,
        help_text=gettext_lazy(
            "Attending one required session counts towards being ready to be matched."
        ),
    )
    date = DateField(label=gettext_lazy("Date"))
    start = forms.TimeField(
        label=gettext_lazy("Start time"),
        widget=TimeInput(),
        help_text=gettext_lazy("UK time. For example, 09:00 for 9am or 14:30 for 2:30pm."),
    )
    minutes = group_meeting_minutes_field()
    location = SafeCharField(
        label=gettext_lazy("Location"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("The room and building, if people meet in person."),
    )
    online_url = online_link_field()
    capacity = forms.IntegerField(
        label=gettext_lazy("Places"),
        min_value=1,
        max_value=500,
        help_text=gettext_lazy("When the places are taken, people can join a waiting list."),
    )
    facilitator = SafeCharField(label=gettext_lazy("Facilitator"), max_length=150, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(
        self, *args: Any, session: TrainingSession | None = None, booked: int = 0, **kwargs: Any
    ) -> None:
        if session is not None:
            kwargs.setdefault("initial", session_initial(session))
        else:
            kwargs.setdefault("initial", new_session_initial(timezone.localdate()))
        super().__init__(*args, **kwargs)
        self.session, self.booked = session, booked
        if session is not None:
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
        if self.session is None and starts_at and starts_at <= timezone.now():
            self.add_error("date", _("The session must start in the future."))
        capacity = cleaned.get("capacity")
        if capacity is not None and capacity < self.booked:
            self.add_error("capacity", _capacity_message(self.booked))
        return cleaned

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in VALUES}


def _capacity_message(booked: int) -> str:
    return ngettext(
        "%(count)s person already has a place, so there must be at least %(count)s place.",
        "%(count)s people already have a place, so there must be at least %(count)s places.",
        booked,
    ) % {"count": booked}


def session_initial(session: TrainingSession) -> dict[str, Any]:
    starts = session.starts_at.astimezone(LONDON)
    return {
        **{name: getattr(session, name) for name in VALUES if name != "starts_at"},
        "date": starts.date(),
        "start": starts.time(),
        "version": session.version,
    }


def new_session_initial(today: datetime.date) -> dict[str, Any]:
    return {
        "audience": Audience.MENTORS,
        "required": True,
        "date": today + datetime.timedelta(days=14),
        "start": datetime.time(14),
        "minutes": 120,
        "capacity": 20,
    }


class AssignForm(forms.Form):
    """Book people onto a session on their behalf."""

    people: ModelChoicesField = ModelChoicesField(
        label=gettext_lazy("People to book"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Each person is emailed a calendar invitation. If the session is full, they join "
            "the waiting list."
        ),
        error_messages={"required": gettext_lazy("Choose at least one person to book.")},
    )

    def __init__(self, *args: Any, eligible: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["people"]
        field.queryset = eligible
        field.label_from_instance = lambda user: isolate(user.display_name)


ATTENDANCE_CHOICES = [
    (Booking.Attendance.PRESENT, gettext_lazy("Present")),
    (Booking.Attendance.ABSENT, gettext_lazy("Absent")),
    (Booking.Attendance.EXCUSED, gettext_lazy("Excused")),
]
PREFIX = "person_"


def posted_people(data: Any) -> set[int]:
    """The user ids a posted register has choices for, whichever page they were on."""
    found = (key.removeprefix(PREFIX) for key in data if key.startswith(PREFIX))
    return {int(key) for key in found if key.isdecimal() and len(key) < 12}


class AttendanceField(forms.ChoiceField):
    # Rows may be left unmarked, but "(optional)" beside every name would be noise.
    template_name = "training/register_field.html"


class RegisterForm(forms.Form):
    """One set of radio buttons per booked person, keyed by their user id."""

    def __init__(self, *args: Any, bookings: Sequence[Booking], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people: dict[str, Any] = {}
        for booking in bookings:
            name = f"{PREFIX}{booking.user_id}"
            self.people[name] = booking.user
            self.fields[name] = AttendanceField(
                label=isolate(booking.user.display_name),
                choices=ATTENDANCE_CHOICES,
                widget=forms.RadioSelect,
                required=False,
            )
            if booking.attendance != Booking.Attendance.UNMARKED:
                self.initial[name] = booking.attendance

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        posted = {key for key in self.data if key.startswith(PREFIX)}
        if posted - set(self.fields):
            raise ValidationError(_("Only people booked on this session can be marked."))
        return cleaned

    def changes(self) -> list[tuple[Any, str]]:
        """(person, attendance) for each row whose choice changed."""
        return [
            (self.people[name], self.cleaned_data[name])
            for name in self.changed_data
            if self.cleaned_data.get(name)
        ]


class RegisterFilterForm(FilterForm):
    q = search_field(gettext_lazy("Name"))
    attendance = forms.ChoiceField(
        label=gettext_lazy("Attendance"),
        required=False,
        choices=[("", gettext_lazy("Everyone")),
                 (Booking.Attendance.UNMARKED, gettext_lazy("Not marked yet")),
                 *ATTENDANCE_CHOICES],
    )  # fmt: skip
