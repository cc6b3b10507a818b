from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from flipside.lib.forms import EmailAddressField, SafeCharField
from flipside.schemes.models import Role

from .models import User


class SignInForm(AuthenticationForm):
    # The canonical form: django-axes counts failures by the name passed to authenticate(),
    # so one spelling per account, or each letter-case or accent-form variant would get its
    # own five guesses.
    username = EmailAddressField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": _("The email address or password is not right. Check them and try again."),
        "inactive": _("This account has been switched off. Ask your coordinator."),
    }


class InviteForm(forms.Form):
    email = EmailAddressField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text=_("Use the address they read: a university or NHS email."),
    )
    role = forms.ChoiceField(
        label=_("Role in this cohort"), choices=Role.choices, widget=forms.RadioSelect
    )


class ProfileForm(forms.Form):
    display_name = SafeCharField(
        label=_("Your name"),
        max_length=150,
        help_text=_("How you would like to be addressed by your partner and coordinators."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    pronouns = SafeCharField(
        label=_("Pronouns"),
        max_length=40,
        required=False,
        help_text=_("For example she/her, he/him, they/them. Leave blank if you prefer."),
    )


class AcceptInvitationForm(ProfileForm):
    password1 = forms.CharField(
        label=_("Create a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters. A few unrelated words make a good password."),
    )
    password2 = forms.CharField(
        label=_("Type the password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_password2(self) -> str:
        first = self.cleaned_data.get("password1")
        second = self.cleaned_data["password2"]
        if first and first != second:
            raise forms.ValidationError(_("The two passwords are different. Type them again."))
        return second

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password1")
        if password:
            candidate = User(email=self.email, display_name=cleaned.get("display_name", ""))
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class QueuedPasswordResetForm(PasswordResetForm):
    """Password reset emails go through the outbox like every other email, so a mail server
    outage delays them instead of losing them. Links use SITE_URL, never the Host header."""

    email = EmailAddressField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        from flipside.notifications import outbox

        path = reverse(
            "accounts:password_reset_confirm",
            kwargs={"uidb64": context["uid"], "token": context["token"]},
        )
        outbox.enqueue(
            "password_reset",
            to=to_email,
            user=context["user"],
            values={"link": settings.SITE_URL + path},
        )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_(
            "The 6-digit code your authenticator app shows now, or one of your backup codes."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"}
        ),
    )


class SetUpCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your app"),
        max_length=20,
        help_text=_("The 6-digit code your authenticator app shows for Flipside."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )


class ConfirmIdentityForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, with_code: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if with_code:
            self.fields["code"] = CodeForm.base_fields["code"]


class ResetSecondFactorForm(forms.Form):
    email = EmailAddressField(
        label=_("Their email address"),
        help_text=_("The address they sign in with."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
