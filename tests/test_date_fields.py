"""Every date a form of the project takes is read by one field, ``flipside.lib.forms.DateField``,
which refuses absurd years (0001, 9999) in plain words: a date field of any other kind, in any
app's form, fails here."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from django import forms

import flipside
from flipside.lib.forms import DateField


def _all_forms() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(flipside.__path__, "flipside."):
        last = module.name.rsplit(".", 1)[-1]
        if ".tests" not in module.name and (last.startswith("forms") or ".forms." in module.name):
            importlib.import_module(module.name)
    found: list[type[forms.BaseForm]] = []
    waiting: list[Any] = [forms.BaseForm]
    while waiting:
        cls = waiting.pop()
        for sub in cls.__subclasses__():
            waiting.append(sub)
            if sub.__module__.startswith("flipside.") and ".tests" not in sub.__module__:
                found.append(sub)
    return found


def test_forms_of_every_app_are_found() -> None:
    apps = {cls.__module__.split(".")[1] for cls in _all_forms()}
    assert {"partnerships", "payments", "schemes", "surveys", "training", "recruitment"} <= apps


def test_every_date_field_of_every_form_refuses_absurd_years() -> None:
    kinds = (forms.DateField, forms.DateTimeField, forms.SplitDateTimeField)
    dates = {
        f"{cls.__module__}.{cls.__qualname__}.{name}": field
        for cls in _all_forms()
        for name, field in getattr(cls, "base_fields", {}).items()
        if isinstance(field, kinds)
    }
    # Meetings, events, sessions, cohorts, surveys, calls, rates, pay: all seen.
    assert len(dates) >= 20, sorted(dates)
    other = sorted(where for where, field in dates.items() if not isinstance(field, DateField))
    assert not other, f"Use flipside.lib.forms.DateField for these dates: {other}"
