"""Edits that lose a race: the one error services raise and the one way pages answer it.

Edit forms carry the ``version`` of the record they were opened on, and a service writes only
if the record is still at that version. When it is not, someone saved in between: nothing is
written, and the page shows the editor's input again beside what is saved now, so saving
again is a deliberate choice rather than a silent overwrite.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.http import QueryDict

FormT = TypeVar("FormT", bound=forms.BaseForm)
# (label, value) rows of "What is saved now" (templates/forms/_saved_now.html).
Saved = list[tuple[Any, Any]]


class EditConflict(Exception):
    """Someone saved the record after the editor opened it; nothing was written.

    ``str(error)`` is the message to show; ``latest`` is the record as saved now, with the
    ``version`` the next save must quote. An app whose callers catch its own domain error
    raises a subclass that is both (``class SchemeConflict(SchemeError, EditConflict)``)."""

    def __init__(self, message: str, *, latest: Any) -> None:
        super().__init__(message)
        self.latest = latest


def form_after_conflict(
    post: QueryDict,
    conflict: EditConflict,
    *,
    build: Callable[[QueryDict, Any], FormT],
    saved: Callable[[Any], Saved],
) -> tuple[FormT, Saved]:
    """The editor's input bound again, against the latest version, with the conflict's
    message as a form error; and the saved values to show beside it.

    ``build(data, latest)`` makes the page's form; ``saved(latest)`` lists what is saved."""
    latest = conflict.latest
    data = post.copy()
    data["version"] = str(latest.version)
    form = build(data, latest)
    form.is_valid()
    form.add_error(None, str(conflict))
    return form, saved(latest)
