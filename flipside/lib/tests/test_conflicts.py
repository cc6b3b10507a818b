"""The page after an edit that lost a race: the editor's input, against the saved version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import QueryDict

from flipside.lib.conflicts import EditConflict, form_after_conflict


@dataclass
class Note:
    title: str
    version: int


class NoteForm(forms.Form):
    title = forms.CharField(max_length=20)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, note: Note, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.note = note


def test_the_form_keeps_the_input_quotes_the_saved_version_and_says_why() -> None:
    latest = Note(title="Saved by someone else", version=3)
    posted = QueryDict(mutable=True)
    posted.update({"title": "My edit", "version": "2"})
    built: list[Any] = []

    def build(data: QueryDict, note: Any) -> NoteForm:
        built.append(note)
        return NoteForm(data, note=note)

    form, saved = form_after_conflict(
        posted,
        EditConflict("Someone else changed this note.", latest=latest),
        build=build,
        saved=lambda note: [("Title", note.title)],
    )

    assert built == [latest] and form.note is latest
    assert form.data["title"] == "My edit"  # what the editor typed is kept …
    assert form.data["version"] == "3"  # … and saving again overwrites on purpose
    assert form.non_field_errors() == ["Someone else changed this note."]
    assert saved == [("Title", "Saved by someone else")]
    assert posted["version"] == "2"  # the request's own data is left as it came


def test_an_edit_conflict_carries_its_message_and_the_latest_record() -> None:
    latest = Note(title="Saved", version=5)
    conflict = EditConflict("Changed meanwhile.", latest=latest)
    assert str(conflict) == "Changed meanwhile." and conflict.latest is latest
