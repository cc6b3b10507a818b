from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from flipside.lib.forms import FilterForm, SafeCharField
from flipside.schemes.models import Scheme

from . import services
from .kinds import KINDS, MessageKind
from .models import OutboxMessage, Preference


class PreferenceForm(forms.ModelForm):  # type: ignore[type-arg]
    # A single yes/no choice reads best as a box with its label beside it.
    optional_email = forms.BooleanField(
        label=Preference._meta.get_field("optional_email").verbose_name,
        help_text=Preference._meta.get_field("optional_email").help_text,
        required=False,
        template_name="notifications/_checkbox_field.html",
    )

    class Meta:
        model = Preference
        fields = ("optional_email",)


class OutboxFilterForm(FilterForm):
    """Filters for the outbox page; a value that is not on offer is ignored, not an error.

    The kinds are listed when the form is used, not when this module is imported: apps
    register their kinds in ``AppConfig.ready()``."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *OutboxMessage.Status.choices],
    )
    kind = forms.ChoiceField(
        label=_("Kind of email"),
        required=False,
        choices=lambda: [("", _("Any kind")), *((key, k.label) for key, k in KINDS.items())],
    )
    recipient = SafeCharField(
        label=_("Recipient"),
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    scheme = forms.TypedChoiceField(label=_("Scheme"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, schemes: list[Scheme], **kwargs: Any) -> None:
        """``schemes``: those whose emails the person may see, in order, fetched once by the
        page (a model choice field would fetch them again to draw its options)."""
        super().__init__(*args, **kwargs)
        self.schemes = {scheme.pk: scheme for scheme in schemes}
        scheme_field = cast(forms.TypedChoiceField, self.fields["scheme"])
        scheme_field.choices = [
            ("", _("All your schemes")),
            *((pk, str(scheme)) for pk, scheme in self.schemes.items()),
        ]

    def filters(self) -> dict[str, Any]:
        """The valid filters, by name, with the scheme as the scheme itself."""
        found = super().filters()
        if "scheme" in found:
            found["scheme"] = self.schemes[found["scheme"]]
        return found


class WordingForm(forms.Form):
    """A scheme's own wording for one kind of email: plain text with ``{{ name }}`` fields."""

    subject = SafeCharField(
        label=_("Subject"),
        max_length=200,
        help_text=_("You can use placeholders here too."),
    )
    body = SafeCharField(
        label=_("Email text"),
        single_line=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "true"}),
        help_text=_(
            "Write plain text. Leave a blank line between paragraphs. "
            "Web addresses become links in the email."
        ),
    )

    def __init__(self, *args: Any, kind: MessageKind, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind

    # The same check the service makes on saving, run per field so each problem shows
    # beside the text it is about.
    def clean_subject(self) -> str:
        subject: str = self.cleaned_data["subject"]
        self._check(services.check_wording(self.kind.key, subject=subject, body=""))
        return subject

    def clean_body(self) -> str:
        body: str = self.cleaned_data["body"].replace("\r\n", "\n")
        self._check(services.check_wording(self.kind.key, subject="", body=body))
        return body

    @staticmethod
    def _check(problems: list[str]) -> None:
        if problems:
            raise forms.ValidationError(problems)
