from __future__ import annotations

from django import forms

from .models import Preference


class PreferenceForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Preference
        fields = ("optional_email",)
