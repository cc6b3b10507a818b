"""The person picker field: the chosen id must be one of its people; text alone is a search."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse

from conftest import World, make_user
from flipside.lib.picker import PersonField

pytestmark = pytest.mark.django_db


class PickForm(forms.Form):
    person = PersonField(label="Person")

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["person"]
        field.queryset = people
        field.search_url = "/search/?role=mentor"


def mentors(world: World) -> Any:
    """The people this field offers: here, the world's mentor and anyone named Milo or Quentin."""
    return get_user_model().objects.filter(pk=world.mentor.pk) | get_user_model().objects.filter(
        display_name__in=["Milo Mentor", "Quentin Quill"]
    )


def test_a_chosen_person_of_the_field_is_accepted(world: World) -> None:
    form = PickForm({"person": world.mentor.pk, "person_search": ""}, people=mentors(world))
    assert form.is_valid() and form.cleaned_data["person"] == world.mentor


def test_an_id_outside_the_fields_people_is_refused_with_a_clear_error(world: World) -> None:
    for pk in (world.mentee.pk, world.outsider.pk, "99999999", "-1", "abc", "9" * 40):
        form = PickForm({"person": pk, "person_search": "x"}, people=mentors(world))
        assert not form.is_valid()
        assert "Select a valid choice" in form.errors["person"][0]


def test_text_without_a_choice_lists_the_matches_as_radio_buttons(world: World) -> None:
    make_user("Milo Mentor")
    typed = world.mentor.display_name.split()[0][:3].upper()
    form = PickForm({"person": "", "person_search": typed}, people=mentors(world))
    assert not form.is_valid()
    assert "Choose one of the people found below" in form.errors["person"][0]
    html = str(form["person"])
    assert f'type="radio" name="person" value="{world.mentor.pk}"' in html
    assert f'value="{typed}"' in html  # what was typed is kept
    assert str(world.mentee.pk) not in html


def test_text_nobody_matches_says_so(world: World) -> None:
    form = PickForm({"person": "", "person_search": "zzzz"}, people=mentors(world))
    assert not form.is_valid() and "Nobody matches" in form.errors["person"][0]


def test_text_far_longer_than_any_name_finds_nobody_instead_of_failing(
    world: World, client: Any
) -> None:
    # SQLite refuses a LIKE pattern over 50,000 bytes: a pasted essay was a server error.
    form = PickForm({"person": "", "person_search": "Mo" * 30_000}, people=mentors(world))
    assert not form.is_valid() and "Nobody matches" in form.errors["person"][0]
    long_word = PickForm({"person": "", "person_search": "m" * 255}, people=mentors(world))
    assert not long_word.is_valid() and "Nobody matches" in long_word.errors["person"][0]
    client.force_login(world.coordinator)
    url = reverse("schemes:people_search", args=[world.cohort.pk])
    assert client.get(url, {"q": "Mo" * 30_000}).status_code == 200
    assert world.mentor.display_name in client.get(url, {"q": "Mo Mentor"}).content.decode()


def test_a_name_typed_over_an_earlier_choice_is_a_new_search(world: World) -> None:
    other = make_user("Quentin Quill")
    data = {"person": world.mentor.pk, "person_search": "quentin"}
    form = PickForm(data, people=mentors(world))
    assert not form.is_valid()
    assert f'value="{other.pk}"' in str(form["person"])


def test_the_widget_shows_the_chosen_name_and_a_combobox(world: World) -> None:
    form = PickForm(initial={"person": world.mentor.pk}, people=mentors(world))
    html = str(form["person"])
    assert f'value="{world.mentor.display_name}"' in html
    assert 'role="combobox"' in html and 'aria-autocomplete="list"' in html
    assert 'aria-controls="id_person_listbox"' in html and 'role="listbox"' in html
    assert 'hx-get="/search/?role=mentor"' in html and "<select" not in html


def test_the_search_box_carries_the_fields_attributes_as_djangos_template_draws_them(
    world: World,
) -> None:
    from django.forms.renderers import TemplatesSetting

    form = PickForm({"person_search": "nobody"}, people=mentors(world))
    form.fields["person"].widget.attrs.update({"data-x": 'a"<b', "hidden": True, "disabled": False})
    form.is_valid()
    field = form["person"]
    context = field.field.widget.get_context(
        field.html_name, field.value(), {"id": field.auto_id, **field.build_widget_attrs({})}
    )
    django_drew = TemplatesSetting().render("django/forms/widgets/attrs.html", context)
    # The renderer strips what it draws; included in the picker's template, it keeps its space.
    assert context["widget"]["attrs_html"] == f" {django_drew}"
    assert 'required aria-invalid="true" aria-describedby="id_person_error"' in str(field)
    assert 'data-x="a&quot;&lt;b" hidden' in str(field) and "disabled" not in str(field)


class LazyPickForm(forms.Form):
    person = PersonField(label="Person")

    def __init__(self, *args: Any, people: Any, made: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

        def make() -> Any:
            made.append(1)
            return people

        field: Any = self.fields["person"]
        field.people_from(make)


def test_people_given_as_a_function_are_made_only_when_a_choice_is_checked(
    world: World,
) -> None:
    made: list[int] = []
    blank = LazyPickForm(people=mentors(world), made=made)
    assert 'name="person_search"' in str(blank["person"]) and made == []
    chosen = LazyPickForm({"person": world.mentor.pk}, people=mentors(world), made=made)
    assert chosen.is_valid() and chosen.cleaned_data["person"] == world.mentor
    assert made == [1]
    refused = LazyPickForm({"person": world.mentee.pk}, people=mentors(world), made=made)
    assert not refused.is_valid() and made == [1, 1]


@pytest.mark.parametrize("auto_id", ["id_%s", False])
@pytest.mark.parametrize("url", ["/search/?role=mentor&x=<1>", ""])
def test_a_picker_is_drawn_exactly_as_its_template_draws_it(
    world: World, auto_id: Any, url: str
) -> None:
    from django.forms.renderers import TemplatesSetting

    from flipside.lib.picker import PersonPicker

    world.mentor.display_name = 'Zoë "Z" <Mentor>'
    world.mentor.save()
    forms_drawn = [
        PickForm(people=mentors(world), auto_id=auto_id),
        PickForm(people=mentors(world), auto_id=auto_id, initial={"person": world.mentor.pk}),
        PickForm({"person": world.mentor.pk}, people=mentors(world), auto_id=auto_id),
        PickForm({"person_search": "<nobody>"}, people=mentors(world), auto_id=auto_id),
        PickForm({"person": world.mentee.pk}, people=mentors(world), auto_id=auto_id),
    ]
    for form in forms_drawn:
        form.is_valid()
        field = form["person"]
        field.field.search_url = url  # type: ignore[attr-defined]
        widget = field.field.widget
        attrs = {"id": field.auto_id, **field.build_widget_attrs({})} if auto_id else {}
        context = widget.get_context(field.html_name, field.value(), attrs)
        drawn = widget.render(field.html_name, field.value(), attrs)
        assert isinstance(widget, PersonPicker)
        assert drawn == TemplatesSetting().render(widget.template_name, context)
