"""A person picker that stays small however many people a cohort has: a search box instead of
a ``<select>`` listing everyone.

With JavaScript (``static/js/picker.js``) the box is a combobox: typing asks the app's search
URL (HTMX) for at most ``LIMIT`` matches, shown as a listbox; arrow keys move, Enter chooses,
Escape closes, and the chosen person's id goes in a hidden input. Without JavaScript the box is
a plain search: submitting the text shows the matching people as radio buttons to choose from.
Either way the server checks the id against the field's queryset, the same people the old
``<select>`` offered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .forms import attrs_html
from .names import fold
from .rows import escaped

#: The most people a search shows; typing more narrows it.
LIMIT = 10

# The longest email address a mailbox can have (RFC 5321); names are shorter still.
LONGEST = 254


def search_people(people: QuerySet[Any], text: str, *, limit: int = LIMIT) -> list[Any]:
    """Up to ``limit`` of ``people`` whose name or email contains every word of ``text``, by
    name. Case is ignored by the database. Each word is tried as typed and folded (``fold``),
    so "zoë" and "ZOË" find "Zoë", and a name typed with an accent finds one stored without
    it; a name stored with an accent is found by its other letters ("zo", "bront")."""
    query = Q()
    # Control characters (NUL, which PostgreSQL refuses, among them) are never in a name.
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    words = text.split()[:10]
    # A word longer than any address (and so any name) finds nobody; asked of the database,
    # a very long one fails (SQLite refuses LIKE patterns over 50,000 bytes).
    if any(len(word) > LONGEST for word in words):
        return []
    for word in words:
        either = Q()
        for form in {word, fold(word)} - {""}:
            either |= Q(display_name__icontains=form) | Q(email__icontains=form)
        query &= either
    if not query:
        return []
    return list(people.filter(query).order_by("display_name", "pk")[:limit])


def matches(person: Any, text: str) -> bool:
    """Whether ``person`` is one the search ``text`` would find (compared folded)."""
    haystack = f"{fold(person.display_name)} {fold(person.email)}"
    return all(word in haystack for word in fold(text).split())


class PersonPicker(forms.Widget):
    """A search box, a hidden id, a listbox for the script and, after a search without
    JavaScript, radio buttons of the matches."""

    template_name = "forms/person_picker.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.search_url = ""
        self.lookup: Any = lambda pk: None
        self.chosen: Any = None
        self.found: list[Any] | None = None

    def value_from_datadict(self, data: Any, files: Any, name: str) -> dict[str, str]:
        return {"id": data.get(name, ""), "text": data.get(f"{name}_search", "")}

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}_search" not in data

    def format_value(self, value: Any) -> str:
        if isinstance(value, dict):
            return str(value.get("id") or "")
        return "" if value is None else str(getattr(value, "pk", value))

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        text = value.get("text", "") if isinstance(value, dict) else ""
        chosen = self.chosen
        if chosen is None and self.found is None and context["widget"]["value"]:
            chosen = self.lookup(context["widget"]["value"])  # a choice carried in initial
        context["widget"] |= {
            "search_url": self.search_url,
            "chosen": chosen,
            "text": chosen.display_name if chosen and not text else text,
            "found": self.found,
            # As django/forms/widgets/attrs.html draws them, without its template.
            # Safe: attrs_html escapes each name and value.
            "attrs_html": SafeString(attrs_html(context["widget"]["attrs"])),  # nosec B703
        }
        return context

    def _render(self, template_name: str, context: dict[str, Any], renderer: Any = None) -> Any:
        if context["widget"]["found"]:
            return super()._render(template_name, context, renderer)  # type: ignore[misc]
        # Safe: picker_html escapes each value.
        return SafeString(picker_html(context["widget"]))  # nosec B703


def picker_html(widget: dict[str, Any]) -> str:
    """A picker with no search results to offer, exactly as forms/person_picker.html draws it
    (three template tags a line took about 0.3 ms a picker); a test compares the two."""
    name, pk = escaped(widget["name"]), widget["attrs"].get("id") or ""
    listbox = f"{escaped(pk)}_listbox"
    url = widget["search_url"]
    search = (
        f'hx-get="{escaped(url)}" hx-trigger="input changed delay:250ms, search" '
        f'hx-target="#{listbox}" hx-swap="innerHTML" hx-sync="this:replace"'
        if url
        else ""
    )
    chosen = widget["chosen"]
    value = escaped(chosen.pk) if chosen else ""
    return (
        '<div class="picker" data-picker>\n  <div class="picker__box">\n'
        f'    <input type="search" name="{name}_search" value="{escaped(widget["text"])}" '
        'autocomplete="off" spellcheck="false"\n'
        f"      {widget['attrs_html']}\n"
        f'      role="combobox" aria-expanded="false" aria-controls="{listbox}" '
        'aria-autocomplete="list"\n'
        f"      {search}\n      data-picker-input>\n"
        '    <button type="submit" class="button button--secondary picker__search" formnovalidate '
        f"data-picker-search>{escaped(gettext('Search'))}</button>\n  </div>\n"
        f'  <input type="hidden" name="{name}" value="{value}" data-picker-value>\n'
        f'  <ul class="picker__list" id="{listbox}" role="listbox" '
        f'aria-label="{escaped(gettext("People found"))}" hidden></ul>\n'
        '  <p class="visually-hidden" aria-live="polite" data-picker-status '
        f'data-none="{escaped(gettext("Nobody matches that."))}" '
        f'data-one="{escaped(gettext("1 person found. Use the up and down arrows to choose."))}" '
        'data-many="'
        f'{escaped(gettext("%s people found. Use the up and down arrows to choose."))}"></p>\n'
        "  \n</div>"
    )


class PersonField(forms.Field):
    """One person from ``queryset``, chosen with a ``PersonPicker``; cleans to the person.

    ``search_url`` is the app's endpoint answering ``?q=`` with ``_picker_options.html``;
    it must search the same people as ``queryset``."""

    widget = PersonPicker
    _queryset: QuerySet[Any] | None
    _people: Callable[[], QuerySet[Any]] | None
    default_error_messages = {
        "choose": _("Choose one of the people found below, or search again."),
        "none": _("Nobody matches that. Check the spelling or type less of the name."),
        "invalid_choice": _(
            "Select a valid choice. That person cannot be chosen here: search again."
        ),
    }

    def __init__(self, *, queryset: QuerySet[Any] | None = None, search_url: str = "", **kw: Any):
        super().__init__(**kw)
        self.queryset = queryset
        self.search_url = search_url
        self.picker.lookup = self._person

    @property
    def queryset(self) -> QuerySet[Any] | None:
        if self._queryset is None and self._people is not None:
            self._queryset = self._people()
        return self._queryset

    @queryset.setter
    def queryset(self, queryset: QuerySet[Any] | None) -> None:
        self._queryset, self._people = queryset, None

    def people_from(self, make: Callable[[], QuerySet[Any]]) -> None:
        """The queryset made by ``make`` only when first needed: a form drawn blank (as on
        the matching page, with three pickers) never builds it."""
        self._queryset, self._people = None, make

    @property
    def picker(self) -> PersonPicker:
        return cast(PersonPicker, self.widget)

    @property
    def search_url(self) -> str:
        return self.picker.search_url

    @search_url.setter
    def search_url(self, url: str) -> None:
        self.picker.search_url = url

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        result = super().__deepcopy__(memo)
        result.widget.lookup = result._person
        return result

    def _person(self, pk: Any) -> Any:
        if self.queryset is None or not str(pk).isdigit() or len(str(pk)) > 18:
            return None
        return self.queryset.filter(pk=int(pk)).first()

    def clean(self, value: Any) -> Any:
        value = value if isinstance(value, dict) else {"id": value or "", "text": ""}
        pk, text = str(value.get("id") or "").strip(), str(value.get("text") or "").strip()
        widget = self.picker
        if pk:
            person = self._person(pk)
            if person is None:
                widget.chosen = None
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
            # A name typed over an earlier choice (without the script) is a new search.
            if not text or matches(person, text):
                widget.chosen = person
                return person
        widget.chosen = None
        if not text:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return None
        widget.found = search_people(self.queryset, text) if self.queryset is not None else []
        code = "choose" if widget.found else "none"
        raise ValidationError(self.error_messages[code], code=code)
