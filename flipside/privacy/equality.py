"""The equality-monitoring questions a scheme may ask (UK GDPR special-category data).

Answers are optional, every question has "prefer not to say", most allow self-description,
and nothing here is ever shown to reviewers or partners: only aggregates leave the privacy app.
Options follow the wording of the 2021 Census of England and Wales and HESA where they exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PREFER_NOT = "prefer_not_to_say"
SELF_DESCRIBE = "self_describe"
PRIVACY_NOTICE_VERSION = "2026-09"


@dataclass(frozen=True)
class Question:
    key: str
    label: StrOrPromise
    options: tuple[tuple[str, StrOrPromise], ...]
    self_describe: bool = True

    def choices(self) -> list[tuple[str, StrOrPromise]]:
        extra = [(SELF_DESCRIBE, _("I'd prefer to describe myself"))] if self.self_describe else []
        return [*self.options, *extra, (PREFER_NOT, _("Prefer not to say"))]


QUESTIONS: dict[str, Question] = {
    q.key: q
    for q in [
        Question(
            "ethnicity",
            _("What is your ethnic group?"),
            (
                ("asian", _("Asian or Asian British")),
                ("black", _("Black, Black British, Caribbean or African")),
                ("mixed", _("Mixed or multiple ethnic groups")),
                ("white", _("White")),
                ("other", _("Another ethnic group")),
            ),
        ),
        Question(
            "sexual_orientation",
            _("Which of the following best describes your sexual orientation?"),
            (
                ("straight", _("Straight or heterosexual")),
                ("gay_lesbian", _("Gay or lesbian")),
                ("bisexual", _("Bisexual")),
                ("other", _("Another sexual orientation")),
            ),
        ),
        Question(
            "gender_identity",
            _("Is the gender you identify with the same as your sex registered at birth?"),
            (("yes", _("Yes")), ("no", _("No"))),
        ),
        Question(
            "disability",
            _("Do you consider yourself to have a disability or long-term condition?"),
            (("yes", _("Yes")), ("no", _("No"))),
            self_describe=False,
        ),
        Question(
            "first_generation",
            _("Are you the first in your immediate family to go to university?"),
            (("yes", _("Yes")), ("no", _("No")), ("unsure", _("I don't know"))),
            self_describe=False,
        ),
    ]
}
DEFAULT_QUESTIONS = list(QUESTIONS)

# What the consent statement names for each question: the categories of data stored.
CATEGORIES: dict[str, Any] = {
    "ethnicity": _("my ethnic group"),
    "sexual_orientation": _("my sexual orientation"),
    "gender_identity": _("my gender identity"),
    "disability": _("any disability or long-term condition"),
    "first_generation": _("whether I am the first in my family to go to university"),
}


def _listed(items: list[str]) -> str:
    if len(items) < 2:
        return "".join(items)
    return _g("%(first)s and %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


def consent_wording(asked: list[str]) -> str:
    """The consent statement for these questions, naming their categories and the notice
    version: shown beside the box, and kept (with its hash) in the consent record."""
    categories = _listed([str(CATEGORIES.get(key, QUESTIONS[key].label)) for key in asked])
    return _g(
        "I agree to Flipside storing my answers to these questions, about %(categories)s, "
        "to count how many people from each group apply and take part, as the privacy "
        "notice (version %(version)s) describes."
    ) % {"categories": categories, "version": PRIVACY_NOTICE_VERSION}
