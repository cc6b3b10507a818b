"""Forms for the handbook and the ground rules: what coordinators write, what members confirm."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from flipside.lib.forms import SafeCharField

MAX_BODY = 100_000
MARKDOWN_HINT = _(
    "Write in Markdown. Start a line with ## and a space for a section heading (### for a "
    "smaller one); sections appear in the contents list. Start lines with - for a list. "
    "Write a link as [words to show](https://example.ac.uk). HTML is shown as plain text."
)


class _VersionedForm(forms.Form):
    """Refuses to publish over a version someone else published after this page was opened."""

    based_on = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args: Any, current_number: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current_number = current_number
        self.fields["based_on"].initial = current_number

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        based_on = cleaned.get("based_on")
        if based_on is not None and based_on != self.current_number:
            # Shown above the form, not beside a hidden field nobody can see.
            raise forms.ValidationError(
                _(
                    "Someone published version %(n)s while you were editing. Nothing was "
                    "published: copy your text, reload the page and make your changes again."
                ),
                params={"n": self.current_number},
            )
        return cleaned


class HandbookForm(_VersionedForm):
    title = SafeCharField(label=_("Title"), max_length=200)
    body = SafeCharField(
        label=_("Handbook text"),
        single_line=False,
        max_length=MAX_BODY,
        help_text=MARKDOWN_HINT,
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "true"}),
    )
    significant = forms.BooleanField(
        label=_("This is a significant change: ask everyone to read it again"),
        help_text=_("Leave this unticked for small corrections, such as spelling mistakes."),
        required=False,
        template_name="notifications/_checkbox_field.html",
    )
    summary = SafeCharField(
        label=_("What changed"),
        max_length=300,
        required=False,
        help_text=_("One sentence shown at the top of the handbook, for example “New section on "
                    "confidentiality”."),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Acknowledgements only start to count from a significant version.
        if not self.current_number:
            self.fields["significant"].initial = True


class AgreementForm(_VersionedForm):
    body = SafeCharField(
        label=_("Ground rules"),
        single_line=False,
        max_length=MAX_BODY,
        help_text=MARKDOWN_HINT,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "true"}),
    )


class VersionChoiceForm(forms.Form):
    """The version a person says they have read or accept."""

    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
