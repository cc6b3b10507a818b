"""Forms of a pair's workspace: pausing, ending and the private journal."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from flipside.lib.forms import SafeCharField

from .services.journal import MAX_LENGTH


class PauseForm(forms.Form):
    reason = SafeCharField(
        label=_("Why are you pausing? (optional)"),
        required=False,
        max_length=300,
        help_text=_("Only the coordinators see this."),
    )


class EndForm(forms.Form):
    reason = SafeCharField(
        label=_("Why are you ending this partnership?"),
        max_length=300,
        help_text=_(
            "Only the coordinators see this. Your partner is told that the partnership has "
            "ended, not why."
        ),
        error_messages={"required": _("Say why you are ending this partnership.")},
    )


class JournalForm(forms.Form):
    text = SafeCharField(
        label=_("New entry"),
        single_line=False,
        max_length=MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Only you can read your journal: not your partner, not the coordinators. "
            "At most 5,000 characters."
        ),
        error_messages={
            "required": _("Write something before saving the entry."),
            "max_length": _(
                "An entry can be at most %(limit_value)s characters long; this one has "
                "%(show_value)s. Shorten it, or split it into two entries."
            ),
        },
    )
