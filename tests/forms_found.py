"""The forms a page draws, read from its HTML as a browser reads them, and what a browser would
send for each: the hostile-forms suite posts these with one value at a time made hostile."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.utils import timezone

# Inputs a person types a line of text into; a textarea takes several lines.
LINE_TYPES = {"text", "email", "search", "url", "tel", "password", None}


# What a person types in a box the page left empty.
FILLED = {
    None: "Plain words",
    "text": "Plain words",
    "textarea": "Plain words.",
    "email": "someone.new@example.ac.uk",
    "number": "1",
    "date": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
    "time": "10:00",
}


@dataclass
class Field:
    tag: str  # input, textarea, select
    kind: str | None  # an input's type ("number" too for a text box asking for digits)
    name: str
    value: str = ""
    checked: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # (value, selected)


@dataclass
class Form:
    action: str
    fields: list[Field] = field(default_factory=list)
    button: tuple[str, str] | None = None  # the first submit button with a name

    def data(self) -> dict[str, list[str]]:
        """What a browser sends for the form as the page drew it, with what a person would
        fill in where the page left a box empty or no choice made, so that the form is
        accepted unless a value put in it is refused."""
        sent: dict[str, list[str]] = {}
        radios: dict[str, str] = {}
        for f in self.fields:
            value: str | None = f.value
            if f.tag == "select":
                chosen = [v for v, selected in f.options if selected and v]
                first = [v for v, _ in f.options if v][:1] or [v for v, _ in f.options][:1]
                value = (chosen or first or [""])[0]
            elif f.kind == "radio":
                radios.setdefault(f.name, f.value)
                value = f.value if f.checked else None
            elif f.kind == "checkbox":
                value = (f.value or "on") if f.checked else None
            elif f.kind in ("file", "submit", "button", "reset", "image"):
                value = None
            elif not value and f.kind != "hidden":
                value = FILLED.get(f.kind if f.tag == "input" else f.tag, "")
            if value is not None:
                sent.setdefault(f.name, []).append(value)
        for name, first in radios.items():
            sent.setdefault(name, [first])
        if self.button:
            sent.setdefault(self.button[0], []).append(self.button[1])
        return sent

    def names(self, *kinds: str | None, tag: str = "input") -> set[str]:
        return {f.name for f in self.fields if f.tag == tag and f.kind in kinds}

    def lines(self) -> set[str]:
        return self.names(*LINE_TYPES)

    def text(self) -> set[str]:
        return self.lines() | {f.name for f in self.fields if f.tag == "textarea"}

    def choices(self) -> set[str]:
        """Selects, radios, ticks and hidden fields holding a number (ids, versions)."""
        hidden = {f.name for f in self.fields if f.kind == "hidden" and f.value.isdigit()}
        ticks = self.names("checkbox", "radio")
        return hidden | ticks | {f.name for f in self.fields if f.tag == "select"}


class _Parser(HTMLParser):
    """Reads the forms as a browser does: a control belongs to the form it sits in, or to
    the one its ``form`` attribute names (anywhere in the page); a submit button with a
    ``formaction`` sends its form to that address instead, with its own name and value."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.by_id: dict[str, Form] = {}
        self.owned: dict[str, list[Field]] = {}  # controls naming their form by its id
        self.buttons: dict[str, tuple[str, str]] = {}  # the first named button of such a form
        # Buttons with a formaction: (their form, or its id), the address, (name, value).
        self.elsewhere: list[tuple[Form | str, str, tuple[str, str] | None]] = []
        self.open: Field | None = None  # the textarea or select being read
        self.option: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            post = a.get("method", "").lower() == "post"
            self.form = Form(a.get("action", "")) if post else None
            if self.form:
                self.forms.append(self.form)
                if a.get("id"):
                    self.by_id[a["id"]] = self.form
            return
        owner: Form | str | None = a["form"] if a.get("form") else self.form
        if owner is None:
            return
        kind = a.get("type", "").lower() or None
        if tag == "button" and kind in (None, "submit"):
            named = (a["name"], a.get("value", "")) if "name" in a else None
            if a.get("formaction"):
                self.elsewhere.append((owner, a["formaction"], named))
            elif named and isinstance(owner, Form) and not owner.button:
                owner.button = named
            elif named and isinstance(owner, str):
                self.buttons.setdefault(owner, named)
            return
        if "name" not in a and tag != "option":
            return
        fields = owner.fields if isinstance(owner, Form) else self.owned.setdefault(owner, [])
        if tag == "input":
            if a.get("inputmode") in ("numeric", "decimal") and kind in LINE_TYPES:
                kind = "number"
            fields.append(Field("input", kind, a["name"], a.get("value", ""), "checked" in a))
        elif tag in ("textarea", "select"):
            self.open = Field(tag, None, a["name"])
            fields.append(self.open)
        elif tag == "option" and self.open is not None:
            self.option = [a.get("value", "\0"), "selected" in a]  # type: ignore[list-item]
            self.open.options.append(("", False))

    def handle_data(self, data: str) -> None:
        if self.open is not None and self.open.tag == "textarea":
            self.open.value += data
        elif self.option is not None and self.option[0] == "\0" and self.open is not None:
            self.option[0] = data.strip()

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self.option is not None and self.open is not None:
            self.open.options[-1] = (self.option[0], bool(self.option[1]))
            self.option = None
        elif tag in ("textarea", "select"):
            self.open = None
        elif tag == "form":
            self.form = None

    def finish(self) -> list[Form]:
        """Each form with the controls that name it, then one form for each address a
        ``formaction`` button sends a form to."""
        for form_id, fields in self.owned.items():
            if form_id in self.by_id:
                self.by_id[form_id].fields.extend(fields)
        for form_id, button in self.buttons.items():
            if form_id in self.by_id and not self.by_id[form_id].button:
                self.by_id[form_id].button = button
        for owner, action, button in self.elsewhere:
            form = self.by_id.get(owner) if isinstance(owner, str) else owner
            if form is not None and action not in (f.action for f in self.forms):
                self.forms.append(Form(action, form.fields, button or form.button))
        return self.forms


def post_forms(html: str) -> list[Form]:
    """Every ``<form method="post">`` of a page, with its fields, and the forms its
    ``formaction`` buttons send."""
    parser = _Parser()
    parser.feed(html)
    return parser.finish()
