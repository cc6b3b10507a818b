from __future__ import annotations

import datetime
from typing import Any

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from flipside.lib.forms import FormRenderer

CHOICES: list[Any] = [
    ("", "Any"),
    ("a", "Plain"),
    ("<b>", 'Needs "escaping" & <more>'),
    (3, gettext_lazy("Student mentor")),
    ("safe", mark_safe("<em>kept</em>")),
    ("Group <1>", [("g1", "In a group"), ("g2", "Also")]),
]


def assert_widgets_drawn_as_django_draws_them(form: forms.Form, *, with_ids: bool = True) -> None:
    """Each field's widget, drawn by the project's renderer and by Django's templates."""
    for field in form:
        widget = field.field.widget
        attrs = {"id": field.auto_id, **field.build_widget_attrs({})} if with_ids else {}
        context = widget.get_context(field.html_name, field.value(), attrs)
        drawn = FormRenderer().render(widget.template_name, context)
        assert drawn == TemplatesSetting().render(widget.template_name, context), field.name


class Filters(forms.Form):
    one = forms.ChoiceField(choices=CHOICES, required=False)
    many = forms.MultipleChoiceField(choices=CHOICES, required=False)
    needed = forms.ChoiceField(choices=CHOICES[:3])
    typed = forms.TypedChoiceField(choices=[(1, "One"), (2, "Two")], coerce=int)
    odd = forms.ChoiceField(
        choices=[("x", "X")],
        widget=forms.Select(attrs={"data-a": 'q"<', "hidden": True, "disabled": False}),
    )


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"one": "<b>", "many": ["a", "g2"], "needed": "a", "typed": "2"},
        {"one": "3", "many": ["3", "safe"], "needed": "nope"},
    ],
)
def test_selects_are_drawn_exactly_as_djangos_templates_draw_them(data: dict[str, Any]) -> None:
    form = Filters(data)
    form.is_valid()
    assert_widgets_drawn_as_django_draws_them(form)


def test_a_form_draws_its_selects_through_the_quick_path() -> None:
    html = str(Filters({"one": "<b>"})["one"])
    assert (
        '<option value="&lt;b&gt;" selected>Needs &quot;escaping&quot; &amp; &lt;more&gt;' in html
    )
    assert '<optgroup label="Group &lt;1&gt;">' in html and "<em>kept</em>" in html


class Inputs(forms.Form):
    q = forms.CharField(
        required=False, max_length=150, widget=forms.TextInput(attrs={"type": "search"})
    )
    email = forms.EmailField(help_text="Work address")
    count = forms.IntegerField(required=False, min_value=0)
    price = forms.DecimalField(required=False)
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    kept = forms.CharField(required=False, widget=forms.HiddenInput)
    agreed = forms.BooleanField(required=False)
    odd = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"data-a": 'q"<', "hidden": True, "disabled": False}),
    )


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"q": 'say "hi" & <b>', "email": "a@b.ac.uk", "count": "3", "price": "1.50",
         "day": "2027-01-29", "secret": "x<y", "kept": "7", "agreed": "on"},
        {"q": mark_safe("<em>kept</em>"), "email": "nope", "count": "-1", "day": "29/01/2027"},
    ],
)  # fmt: skip
def test_inputs_are_drawn_exactly_as_djangos_templates_draw_them(data: dict[str, Any]) -> None:
    form = Inputs(data) if data else Inputs(initial={"count": 4, "day": datetime.date(2027, 1, 29)})
    form.is_valid()
    assert_widgets_drawn_as_django_draws_them(form)


class Choices(forms.Form):
    one = forms.ChoiceField(choices=CHOICES, required=False, widget=forms.RadioSelect)
    many = forms.MultipleChoiceField(
        choices=CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    styled = forms.ChoiceField(
        choices=[("x", "X"), ("y", gettext_lazy("Student mentor"))],
        widget=forms.RadioSelect(attrs={"class": "inline <radios>", "data-a": 'q"<'}),
    )
    numbers = forms.TypedChoiceField(
        choices=[(1, "One"), (2, "Two")], coerce=int, widget=forms.RadioSelect
    )


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"one": "<b>", "many": ["a", "g2", "safe"], "styled": "y", "numbers": "2"},
        {"one": "3", "many": ["3"], "styled": "nope"},
    ],
)
def test_radios_and_checkboxes_are_drawn_exactly_as_djangos_templates_draw_them(
    data: dict[str, Any],
) -> None:
    form = Choices(data)
    form.is_valid()
    assert_widgets_drawn_as_django_draws_them(form)
    assert_widgets_drawn_as_django_draws_them(form, with_ids=False)


def test_radios_draw_through_the_quick_path() -> None:
    html = str(Choices({"one": "<b>"})["one"])
    assert (
        '<label for="id_one_2"><input type="radio" name="one" value="&lt;b&gt;" id="id_one_2" '
        "checked>\n Needs &quot;escaping&quot; &amp; &lt;more&gt;</label>"
    ) in html
    assert "<div><label>Group &lt;1&gt;</label>" in html


class Fields(forms.Form):
    name = forms.CharField(label='Name & "title"', help_text="As you <like> it", max_length=5)
    note = forms.CharField(required=False, widget=forms.Textarea)
    safe_hint = forms.CharField(required=False, help_text=mark_safe("<b>kept</b>"))
    colour = forms.ChoiceField(choices=[("r", "Red"), ("g", "Green")], widget=forms.RadioSelect)
    days = forms.MultipleChoiceField(
        choices=[("mon", "Monday"), ("tue", "Tuesday")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Any you like",
    )
    lazy = forms.CharField(label=gettext_lazy("Student mentor"), required=False)

    def clean(self) -> dict[str, Any]:
        self.add_error("days", "First <problem>")
        self.add_error("days", "Second problem")
        return self.cleaned_data


@pytest.mark.parametrize(
    "data", [None, {}, {"name": "far too long", "colour": "r", "days": ["tue"], "note": "x"}]
)
def test_fields_are_drawn_exactly_as_the_field_template_draws_them(data: Any) -> None:
    form = Fields(data)
    if data is not None:
        form.is_valid()
    for field in form:
        drawn = FormRenderer().render("forms/field.html", {"field": field})
        assert drawn == TemplatesSetting().render("forms/field.html", {"field": field}), field.name
    no_ids = Fields(data, auto_id=False)
    if data is not None:
        no_ids.is_valid()
    for field in no_ids:
        drawn = FormRenderer().render("forms/field.html", {"field": field})
        assert drawn == TemplatesSetting().render("forms/field.html", {"field": field}), field.name


@pytest.mark.parametrize(
    "make",
    [
        lambda: Inputs(),
        lambda: Inputs(initial={"kept": "<7>", "agreed": True}, auto_id=False),
        lambda: Inputs({"q": "x", "email": "a@b.ac.uk", "kept": "7"}),
        lambda: Inputs({"email": "nope"}),  # errors: drawn by the template
        lambda: Choices(),
        lambda: Fields(),
        lambda: Fields({}),
    ],
)
def test_forms_are_drawn_exactly_as_the_form_template_draws_them(make: Any) -> None:
    form = make()
    if form.is_bound:
        form.is_valid()
    context = form.get_context()
    drawn = FormRenderer().render("forms/form.html", context)
    assert drawn == TemplatesSetting().render("forms/form.html", context)
    assert str(form) == drawn


CHECKBOX = "notifications/_checkbox_field.html"


class Agreeing(forms.Form):
    agreed = forms.BooleanField(
        label='I <agree> & "more"',
        help_text="Read it <first>",
        template_name=CHECKBOX,
    )
    plain = forms.BooleanField(
        required=False, label=gettext_lazy("Student mentor"), template_name=CHECKBOX
    )


@pytest.mark.parametrize("data", [None, {"agreed": "on", "plain": "on"}, {}])
@pytest.mark.parametrize("auto_id", ["id_%s", False])
def test_checkbox_fields_are_drawn_exactly_as_their_template_draws_them(
    data: Any, auto_id: Any
) -> None:
    form = Agreeing(data, auto_id=auto_id)
    if data is not None:
        form.is_valid()
    for field in form:
        drawn = FormRenderer().render(CHECKBOX, {"field": field})
        assert drawn == TemplatesSetting().render(CHECKBOX, {"field": field}), field.name


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["9" * 19, "9" * 40, "-1", "0", "abc", "1e309", "1.5"])
def test_ticked_ids_that_are_not_ids_are_refused_before_any_query(
    bad: str, django_assert_num_queries: Any
) -> None:
    """A 19-digit id overflowed SQLite's integer in Django's own field: a server error."""
    from django.contrib.auth import get_user_model

    from conftest import make_user
    from flipside.lib.forms import ModelChoicesField

    person = make_user("Tick Me")

    class People(forms.Form):
        people = ModelChoicesField(queryset=get_user_model().objects.all())

    with django_assert_num_queries(0):
        form = People({"people": [str(person.pk), bad]})
        assert not form.is_valid()
    assert form.errors["people"] == [f"“{bad}” is not a valid value."]
    chosen = People({"people": [str(person.pk)]})
    assert chosen.is_valid() and list(chosen.cleaned_data["people"]) == [person]


@pytest.mark.parametrize("typed", ["2000-01-01", "2026-12-01", "2099-12-31"])
def test_a_date_field_takes_dates_of_this_century(typed: str) -> None:
    from flipside.lib.forms import DateField

    assert DateField().clean(typed) == datetime.date.fromisoformat(typed)


@pytest.mark.parametrize("typed", ["0001-01-01", "1999-12-31", "2100-01-01", "9999-12-31"])
def test_a_date_field_refuses_an_absurd_year_in_plain_words(typed: str) -> None:
    from django.core.exceptions import ValidationError

    from flipside.lib.forms import DateField

    with pytest.raises(ValidationError) as refused:
        DateField().clean(typed)
    assert refused.value.messages == ["Enter a date between 2000 and 2099."]


def test_a_date_field_is_drawn_as_the_browsers_date_picker() -> None:
    from flipside.lib.forms import DateField

    class Form(forms.Form):
        day = DateField()

    assert 'type="date"' in str(Form(initial={"day": datetime.date(2027, 3, 1)})["day"])
    assert 'value="2027-03-01"' in str(Form(initial={"day": datetime.date(2027, 3, 1)})["day"])
