"""Forms for talking points: a coordinator's new or edited point, a partner's suggestion."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from flipside.lib.forms import SafeCharField

from .models import TalkingPoint


class PointForm(forms.Form):
    """A talking point's theme and wording. Editing carries the ``version`` it was opened on."""

    theme = SafeCharField(
        label=gettext_lazy("Theme"),
        max_length=100,
        help_text=gettext_lazy(
            "Points with the same theme are listed together, for example “Belonging and identity”."
        ),
    )
    text = SafeCharField(
        label=gettext_lazy("Talking point"),
        single_line=False,
        max_length=600,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "true"}),
        help_text=gettext_lazy(
            "A question or prompt a pair could open a conversation with. Up to 600 characters."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(
        self,
        *args: Any,
        point: TalkingPoint | None = None,
        themes: Iterable[str] = (),
        **kwargs: Any,
    ) -> None:
        if point is not None:
            kwargs.setdefault(
                "initial", {"theme": point.theme, "text": point.text, "version": point.version}
            )
        super().__init__(*args, **kwargs)
        if point is None:  # adding: there is no saved version to quote
            del self.fields["version"]
        themes = sorted(set(themes))
        if themes:
            # Offer the themes already used, so points group together.
            self.fields["theme"].widget.attrs["list"] = "themes"
        self.themes = themes

    def values(self) -> dict[str, str]:
        return {"theme": self.cleaned_data["theme"], "text": self.cleaned_data["text"]}


class SuggestForm(PointForm):
    """A partner's suggestion: the same fields, worded for partners."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].help_text = gettext_lazy(
            "A question or prompt that helped your conversations, or one you wish you had had. "
            "The scheme's coordinators read it and decide whether to add it to the library."
        )
