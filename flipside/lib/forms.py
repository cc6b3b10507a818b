"""Form helpers shared by every app."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.forms.renderers import TemplatesSetting
from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .converters import parse_id
from .dates import AmbiguousTime, NonexistentTime, london_datetime
from .email_address import canonical_email
from .rows import escaped
from .text import validate_single_line


def reject_control_characters(value: str) -> None:
    """Refuse NUL and other control characters (PostgreSQL rejects NUL; none belong in text)."""
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
        raise ValidationError(_("Remove the invisible control characters from this text."))


class ModelChoicesField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Ticked objects by id. Django's own field sends every posted value to the database, where
    a number too large for an id column fails with an overflow error (a server error) instead
    of the field's "not one of the choices"; here a value that is not an id, by the rule of
    ``<id:...>`` URLs, is refused before any query."""

    def _check_values(self, value: Any) -> Any:
        for pk in value:
            if parse_id(pk) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)  # type: ignore[misc]  # not in django-stubs


class SafeCharField(forms.CharField):
    """A text field that strips whitespace and refuses control characters; single-line ones
    (the default: names, titles, places) also refuse line breaks and hidden characters that
    reorder or disguise text (see ``lib.text``)."""

    def __init__(self, *, single_line: bool = True, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.validators.append(validate_single_line if single_line else reject_control_characters)


def search_field(label: Any, *, max_length: int = 150, help_text: Any = "") -> SafeCharField:
    """The search box of a list's filters: optional, a single line, no autocomplete."""
    return SafeCharField(
        label=label,
        required=False,
        max_length=max_length,
        help_text=help_text,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


def online_link_field() -> forms.URLField:
    """An optional video-call link, which must use https (a session's, an event's)."""
    return forms.URLField(
        label=_("Online link"),
        max_length=200,
        required=False,
        assume_scheme="https",
        validators=[
            # Its own code: the field would replace an "invalid" message with its generic one.
            URLValidator(
                schemes=["https"],
                code="not_https",
                message=_("Enter a link starting with https://."),
            )
        ],
        help_text=_("The video call link, if people join online. It must use https."),
    )


def group_meeting_minutes_field() -> forms.IntegerField:
    """How long a group meeting (a training session, a reflection event) lasts."""
    return forms.IntegerField(
        label=_("Length in minutes"),
        min_value=15,
        max_value=480,
        help_text=_("From 15 to 480 minutes (8 hours)."),
    )


class FilterForm(forms.Form):
    """The search and filters of a list, read from the address: a value that is not on
    offer is ignored, not an error."""

    def filters(self) -> dict[str, Any]:
        """The valid filters, by name; anything invalid counts as not filtering."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


class EmailAddressField(forms.EmailField):
    """An email address in its canonical form (see ``lib.email_address``): what every form
    that takes an address uses, so one mailbox is always one spelling."""

    default_validators: list[Any] = []

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str | None:
        text = super().to_python(value)
        return canonical_email(text) if text else text


class AccessibleBoundField(forms.BoundField):
    """Point assistive technology at a field's hint and error message."""

    def build_widget_attrs(self, attrs: dict, widget: forms.Widget | None = None) -> dict:  # type: ignore[type-arg]
        attrs = super().build_widget_attrs(attrs, widget)
        described_by = []
        if self.help_text:
            described_by.append(f"{self.auto_id}_helptext")
        if self.errors:
            described_by.append(f"{self.auto_id}_error")
            attrs["aria-invalid"] = "true"
        if described_by:
            attrs["aria-describedby"] = " ".join(described_by)
        return attrs


class DateInput(forms.DateInput):
    """The browser's date picker; the value in ISO form, as it expects."""

    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


# The dates a person may type into any form: a wider range is a slip of the keyboard (a year
# 0001 or 9999 that the browser's picker allows), never a real date of a scheme.
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2099, 12, 31)


def validate_sensible_date(value: datetime.date) -> None:
    """Refuse a date outside ``EARLIEST_DATE``–``LATEST_DATE``."""
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s."),
            code="date_out_of_range",
            params={"earliest": EARLIEST_DATE.year, "latest": LATEST_DATE.year},
        )


class DateField(forms.DateField):
    """A date typed into the browser's date picker, between 2000 and 2099: what every form of
    the project uses for a date (``tests/test_date_fields.py`` checks that none uses another)."""

    widget = DateInput
    default_validators = [validate_sensible_date]


class TimeInput(forms.TimeInput):
    """The browser's time picker, in hours and minutes."""

    input_type = "time"

    def __init__(self) -> None:
        super().__init__(format="%H:%M")


def london_time(date: datetime.date, time: datetime.time) -> datetime.datetime:
    """The UK moment for a date and clock time typed into a form; refuses, as a form error,
    times the clocks skip or repeat (a person can always choose another time)."""
    try:
        return london_datetime(date, time)
    except NonexistentTime:
        message = gettext(
            "There is no %(time)s on %(date)s in the UK: the clocks go forward an hour at "
            "1am. Choose another time."
        )
    except AmbiguousTime:
        message = gettext(
            "%(time)s happens twice on %(date)s in the UK, because the clocks go back an hour "
            "at 2am. Choose a time before 1am or after 2am."
        )
    shown = {"time": time.strftime("%H:%M"), "date": formats.date_format(date, "j F Y")}
    raise ValidationError(message % shown)


class FormRenderer(TemplatesSetting):
    """Render every form with the GOV.UK-style error summary, labels, hints and errors."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
    bound_field_class = AccessibleBoundField

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name == FORM and set(context) <= FORM_CONTEXT and not context["form"].errors:
            return form_html(context["form"])
        if template_name == SELECT and _plain_options(context["widget"]):
            return select_html(context["widget"])
        if template_name == FIELD and set(context) == {"field"}:
            return field_html(context["field"])
        if template_name == CHECKBOX_FIELD and set(context) == {"field"}:
            if not context["field"].errors:
                return checkbox_field_html(context["field"])
        if template_name in INPUTS:
            return input_html(context["widget"])
        if template_name in CHOICE_INPUTS and _plain_options(context["widget"], OPTION_INPUTS):
            return choice_inputs_html(context["widget"])
        return super().render(template_name, context, request)


# A form without errors: its hidden fields, then each visible field's group, as
# templates/forms/form.html draws them (about 0.2 ms a form through the template language).
# A form with errors takes the template, which adds the error summary.
FORM = "forms/form.html"
FORM_CONTEXT = frozenset({"form", "fields", "hidden_fields", "errors"})


def form_html(form: forms.Form) -> str:
    """A form without errors, exactly as templates/forms/form.html draws it (stripped, as the
    renderer strips what it draws)."""
    hidden = "".join(str(field) for field in form.hidden_fields())
    visible = "".join(str(field.as_field_group()) for field in form.visible_fields())
    return f"{hidden}\n{visible}".strip()


# Every form's fields: drawn by templates/forms/field.html (about 0.3 ms a field through the
# template language); ``field_html`` writes the same markup, and a test compares the two.
FIELD = "forms/field.html"


def field_html(field: forms.BoundField) -> str:
    """A field with its label, hint and error, exactly as templates/forms/field.html draws it
    (the renderer strips what it draws, so no final newline)."""
    label = escaped(field.label)
    if not field.field.required:
        label += f' <span class="optional">{escaped(gettext("(optional)"))}</span>'
    errors, auto_id = field.errors, field.auto_id
    help_text = field.help_text
    if field.use_fieldset:
        described = ""
        if help_text or errors:
            ids = (f"{auto_id}_helptext" if help_text else "") + (
                f" {auto_id}_error" if errors else ""
            )
            described = f' aria-describedby="{escaped(ids)}"'
        opening = f'\n  <fieldset{described}>\n    <legend class="field__label">{label}</legend>\n'
    else:
        target = escaped(field.id_for_label)
        opening = f'\n  <label class="field__label" for="{target}">{label}</label>\n'
    hint = (
        f'<div class="field__hint" id="{escaped(auto_id)}_helptext">{escaped(help_text)}</div>'
        if help_text
        else ""
    )
    error = (
        f'<p class="field__error" id="{escaped(auto_id)}_error"><span class="visually-hidden">'
        f"{escaped(gettext('Error:'))}</span> {' '.join(escaped(e) for e in errors)}</p>"
        if errors
        else ""
    )
    return (
        f'<div class="field{" field--error" if errors else ""}">\n{opening}\n'
        f"  {hint}\n  {error}\n  {field}\n{'</fieldset>' if field.use_fieldset else ''}\n</div>"
    )


# A single checkbox with its label beside it, the template apps give such fields (about
# 0.4 ms through the template language); with an error it takes the template.
CHECKBOX_FIELD = "notifications/_checkbox_field.html"


def checkbox_field_html(field: forms.BoundField) -> str:
    """A checkbox field without an error, exactly as CHECKBOX_FIELD draws it (stripped)."""
    auto_id, help_text = field.auto_id, field.help_text
    hint = (
        f'<div class="field__hint checkbox__hint" id="{escaped(auto_id)}_helptext">'
        f"{escaped(help_text)}</div>"
        if help_text
        else ""
    )
    return (
        '<div class="field field--checkbox">\n  \n  <div class="checkbox">\n'
        f"    {field}\n"
        f'    <label class="checkbox__label" for="{escaped(field.id_for_label)}">'
        f"{escaped(field.label)}</label>\n  </div>\n  {hint}\n</div>"
    )


# A list's filters draw a select of some thirty options through two templates an option
# (about 1 ms a select); ``select_html`` writes the same markup as Django's templates.
SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


# Widgets whose template is only django/forms/widgets/input.html (each search box and field
# of a list's filters took two templates, about 0.1 ms).
INPUTS = frozenset(
    f"django/forms/widgets/{kind}.html"
    for kind in (
        "checkbox", "color", "date", "datetime", "email", "hidden", "input", "number",
        "password", "search", "tel", "text", "time", "url",
    )
)  # fmt: skip


def input_html(widget: dict[str, Any]) -> str:
    """An input widget's markup, exactly as django/forms/widgets/input.html draws it."""
    value = widget["value"]
    shown = "" if value is None else f' value="{escaped(value)}"'
    kind, name = escaped(widget["type"]), escaped(widget["name"])
    return f'<input type="{kind}" name="{name}"{shown}{attrs_html(widget["attrs"])}>'


def _plain_options(widget: dict[str, Any], templates: frozenset[str] = frozenset({OPTION})) -> bool:
    # Labels of other types ({{ }} would localise a number or a date) take the templates.
    return all(
        option["template_name"] in templates and isinstance(option["label"], str | Promise)
        for _name, options, _index in widget["optgroups"]
        for option in options
    )


# Radio buttons and checkboxes: a template for the list and two for each option (the matching
# page's forms spent about 4 ms in them).
CHOICE_INPUTS = frozenset(
    f"django/forms/widgets/{kind}.html" for kind in ("radio", "checkbox_select", "multiple_input")
)
INPUT_OPTION = "django/forms/widgets/input_option.html"
OPTION_INPUTS = frozenset(
    f"django/forms/widgets/{kind}.html"
    for kind in ("radio_option", "checkbox_option", "input_option")
)


def choice_inputs_html(widget: dict[str, Any]) -> str:
    """Radio buttons or checkboxes, exactly as django/forms/widgets/multiple_input.html and
    input_option.html draw them."""
    attrs = widget["attrs"]
    parts = [
        "<div",
        f' id="{escaped(attrs["id"])}"' if attrs.get("id") else "",
        f' class="{escaped(attrs["class"])}"' if attrs.get("class") else "",
        ">",
    ]
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{escaped(group)}</label>")
        for option in options:
            # Each template file ends with a newline, which an {% include %} keeps.
            drawn = f"{input_html(option)}\n"
            if option["wrap_label"]:
                target = option["attrs"].get("id")
                label_for = f' for="{escaped(target)}"' if target else ""
                drawn = f"<label{label_for}>{drawn} {escaped(option['label'])}</label>"
            ending = "\n" if option["template_name"] == INPUT_OPTION else "\n\n"
            parts.append(f"<div>\n    {drawn}{ending}</div>")
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return "".join(parts)


def attrs_html(attrs: dict[str, Any]) -> str:
    """As django/forms/widgets/attrs.html: False leaves an attribute out, True writes its name."""
    return "".join(
        f" {escaped(name)}" if value is True else f' {escaped(name)}="{escaped(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def select_html(widget: dict[str, Any]) -> str:
    """A select widget's markup, exactly as django/forms/widgets/select.html draws it."""
    parts = [f'<select name="{escaped(widget["name"])}"{attrs_html(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{escaped(group_name)}">')
        parts.extend(
            f'\n  <option value="{escaped(option["value"])}"{attrs_html(option["attrs"])}>'
            f"{escaped(option['label'])}</option>\n"
            for option in options
        )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)
