"""Forms for applicants: starting an application, verifying their address, and the
application form for their role (``mentor.py`` for students, ``mentee.py`` for staff, both
built on ``application.py``).

The equality-monitoring form is privacy's (flipside.privacy.forms)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from flipside.accounts.forms import AcceptInvitationForm
from flipside.lib.forms import EmailAddressField, SafeCharField

from ..models import Application
from .application import ApplicationForm
from .mentee import MenteeApplicationForm
from .mentor import MentorApplicationForm


class StartForm(forms.Form):
    name = SafeCharField(
        label=_("Your full name"),
        max_length=150,
        error_messages={"required": _("Enter your full name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = EmailAddressField(
        label=_("Email address"),
        error_messages={
            "required": _("Enter your email address."),
            "invalid": _("Enter an email address in the correct format, like name@example.ac.uk."),
        },
        help_text=_("We will email you a link to check the address is yours."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


class VerifyForm(AcceptInvitationForm):
    """Pronouns and a password for a new applicant; their name came with the start form."""

    display_name = None  # type: ignore[assignment]

    def __init__(self, *args: Any, email: str, name: str, **kwargs: Any) -> None:
        super().__init__(*args, email=email, **kwargs)
        self.name = name

    def clean(self) -> dict[str, Any]:
        # Password validation compares the password with the person's name and email.
        self.cleaned_data["display_name"] = self.name
        return super().clean()


def application_form(
    application: Application, data: Any = None, *, strict: bool = False
) -> ApplicationForm:
    form_class = MentorApplicationForm if application.role == "mentor" else MenteeApplicationForm
    return form_class(data, application=application, strict=strict)
