"""Forms for support, concerns and readiness."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from flipside.lib.forms import FilterForm, SafeCharField, search_field
from flipside.schemes.models import Role, Scheme

from ..models import CONCERN_SUBJECT_MAX_LENGTH, Concern, SupportService

CHECKBOX = "notifications/_checkbox_field.html"
BODY_MAX = 5000


class ConcernForm(forms.Form):
    """A concern for the coordinators of one of the schemes the person takes part in."""

    scheme = forms.ModelChoiceField(
        label=_("Which scheme is this about?"), queryset=Scheme.objects.none(), empty_label=None
    )
    subject = SafeCharField(
        label=_("Subject"),
        max_length=CONCERN_SUBJECT_MAX_LENGTH,
        help_text=_("A few words. Only the coordinators see this, on Flipside."),
    )
    body = SafeCharField(
        label=_("What happened?"),
        single_line=False,
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Say what happened, when, and what you would like to happen next."),
    )
    anonymous = forms.BooleanField(
        label=_("Raise this anonymously"),
        required=False,
        help_text=_(
            "Flipside will not record who you are. The coordinators will not know who raised "
            "it, so they cannot reply to you or tell you what they did about it."
        ),
    )

    def __init__(self, *args: Any, schemes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["scheme"])  # type: ignore[type-arg]
        field.queryset = schemes.order_by("name")
        self.fields["anonymous"].template_name = CHECKBOX  # type: ignore[attr-defined]
        only = list(field.queryset[:2])
        if len(only) == 1:
            # One scheme: nothing to choose, the page says where the concern goes.
            field.widget = forms.HiddenInput()
            field.initial = only[0].pk


class ConcernFilterForm(FilterForm):
    """Filters for the concerns list; a value that is not on offer is ignored, not an error."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Concern.Status.choices]
    )


class TriageForm(forms.Form):
    status = forms.ChoiceField(choices=Concern.Status.choices)


class SupportServiceForm(forms.Form):
    """One row of the support services list; ``id`` is empty on the blank row for adding."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    name = SafeCharField(label=_("Name"), max_length=150)
    description = SafeCharField(label=_("What they help with"), max_length=300, required=False)
    contact = SafeCharField(
        label=_("Contact"),
        max_length=200,
        help_text=SupportService._meta.get_field("contact").help_text,
    )
    order = forms.IntegerField(label=_("Position"), min_value=0, max_value=999, required=False)

    def row(self) -> dict[str, Any]:
        return {
            "id": self.cleaned_data.get("id"),
            "remove": bool(self.cleaned_data.get("DELETE")),
            **{name: self.cleaned_data.get(name) for name in ("name", "contact", "order")},
            "description": self.cleaned_data.get("description") or "",
        }


class BaseSupportServiceFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove")
            form.fields["DELETE"].template_name = CHECKBOX  # type: ignore[attr-defined]

    def rows(self) -> list[dict[str, Any]]:
        return [
            form.row()  # type: ignore[attr-defined]
            for form in self.forms
            if form.has_changed() or form.cleaned_data.get("id")
        ]


SupportServiceFormSet = cast(
    type[BaseSupportServiceFormSet],
    forms.formset_factory(
        SupportServiceForm,
        formset=BaseSupportServiceFormSet,
        extra=1,
        can_delete=True,
        can_delete_extra=False,
        max_num=30,
        validate_max=True,
        absolute_max=31,
    ),
)


def support_service_initial(services: list[SupportService]) -> list[dict[str, Any]]:
    return [
        {
            "id": s.pk,
            "name": s.name,
            "description": s.description,
            "contact": s.contact,
            "order": s.order,
        }
        for s in services
    ]


class ReadinessFilterForm(FilterForm):
    q = search_field(_("Name"))
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[("", _("Mentors and mentees")), (Role.MENTOR, _("Student mentors")),
                 (Role.MENTEE, _("Staff mentees"))],
    )  # fmt: skip
    readiness = forms.ChoiceField(
        label=_("Readiness"),
        required=False,
        choices=[("", _("Everyone")), ("ready", _("Ready")), ("not_ready", _("Not ready"))],
    )


class OverrideForm(forms.Form):
    reason = SafeCharField(
        label=_("Why may they be paired now?"),
        max_length=300,
        error_messages={"required": _("Say why this person may be paired before they are ready.")},
    )
