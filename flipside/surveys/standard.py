"""Flipside's own instruments, written for reverse mentoring, made for each scheme once
(``services.instruments.ensure_standard``). Items follow the published evaluations of such
schemes: mentors on being heard, upward feedback, belonging and communication; mentees on
understanding, confidence to act and intention to change, with a narrative prompt asked
before and after. Coordinators may reword them (wording only, once answered) or add their
own instruments."""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import Audience, Kind


@dataclass(frozen=True)
class Item:
    text: str
    kind: str = Kind.LIKERT5
    help_text: str = ""
    section: str = ""
    required: bool = True
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Standard:
    key: str
    audience: str
    title: str
    introduction: str
    items: tuple[Item, ...] = field(default_factory=tuple)


YES_NO_MAYBE = ("Yes", "Not sure", "No")
MENTOR_ITEMS = "About you, now"
MENTEE_ITEMS = "About you, now"

STANDARD: tuple[Standard, ...] = (
    Standard(
        "mentor_prepost", Audience.MENTOR, "Student mentors: before, during and after",
        "We ask the same questions before your first meeting, at the mid-point and at the "
        "end, to see what changes over the year. Your answers are not shown to your partner "
        "or to coordinators with your name.",
        (
            Item("I feel heard by senior staff at this institution.", section=MENTOR_ITEMS),
            Item("I feel confident giving feedback to senior staff.", section=MENTOR_ITEMS),
            Item("I feel I belong at this institution.", section=MENTOR_ITEMS),
            Item("I am confident explaining my experience to people who do not share it.",
                 section=MENTOR_ITEMS),
            Item("How would you rate your communication skills with senior colleagues?",
                 kind=Kind.SCALE10, help_text="0 is very poor, 10 is excellent.",
                 section="Skills"),
            Item("Anything you would like to add?", kind=Kind.TEXT, required=False,
                 section="Skills"),
        ),
    ),
    Standard(
        "mentee_prepost", Audience.MENTEE, "Staff mentees: before, during and after",
        "We ask the same questions before your first meeting, at the mid-point and at the "
        "end, to see what changes over the year. Your answers are not shown to your partner "
        "or to coordinators with your name.",
        (
            Item("I understand the experience of students from minoritised groups here.",
                 section=MENTEE_ITEMS),
            Item("I feel confident to act on inclusion in my own work.", section=MENTEE_ITEMS),
            Item("I intend to change something in my practice in the next year.",
                 section=MENTEE_ITEMS),
            Item("Describe the journey through medical school of a student from an "
                 "under-represented group.", kind=Kind.NARRATIVE,
                 help_text="Write as much or as little as you like. We ask this before and "
                 "after the year, and compare the two.", section="In your own words"),
        ),
    ),
    Standard(
        "mentor_closing", Audience.MENTOR, "Student mentors: closing feedback",
        "Tell us how the year went, so we can improve the scheme.",
        (
            Item("What worked well?", kind=Kind.NARRATIVE),
            Item("What should we change in the scheme?", kind=Kind.NARRATIVE),
            Item("Would you take part again?", kind=Kind.SINGLE, choices=YES_NO_MAYBE),
            Item("How likely are you to recommend the scheme to a friend?", kind=Kind.SCALE10,
                 help_text="0 is not at all likely, 10 is extremely likely."),
        ),
    ),
    Standard(
        "mentee_closing", Audience.MENTEE, "Staff mentees: closing feedback",
        "Tell us how the year went, so we can improve the scheme.",
        (
            Item("What worked well?", kind=Kind.NARRATIVE),
            Item("What should we change in the scheme?", kind=Kind.NARRATIVE),
            Item("Would you take part again?", kind=Kind.SINGLE, choices=YES_NO_MAYBE),
            Item("How likely are you to recommend the scheme to a colleague?",
                 kind=Kind.SCALE10, help_text="0 is not at all likely, 10 is extremely likely."),
        ),
    ),
    Standard(
        "mentor_checkin", Audience.MENTOR, "Student mentors: after a meeting",
        "Two quick questions about the meeting you just had.",
        (
            Item("The meeting was worth my time.", kind=Kind.LIKERT5),
            Item("Anything we should know?", kind=Kind.TEXT, required=False),
        ),
    ),
    Standard(
        "mentee_checkin", Audience.MENTEE, "Staff mentees: after a meeting",
        "Two quick questions about the meeting you just had.",
        (
            Item("The meeting was worth my time.", kind=Kind.LIKERT5),
            Item("Anything we should know?", kind=Kind.TEXT, required=False),
        ),
    ),
)  # fmt: skip

LIKERT5 = (
    "Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree",
)  # fmt: skip
LIKERT7 = (
    "Strongly disagree", "Disagree", "Somewhat disagree", "Neither agree nor disagree",
    "Somewhat agree", "Agree", "Strongly agree",
)  # fmt: skip


def options(kind: str, choices: list[str] | tuple[str, ...]) -> list[tuple[int, str]]:
    """The (value, label) options of a question that is not free text."""
    if kind == Kind.LIKERT5:
        return list(enumerate(LIKERT5, start=1))
    if kind == Kind.LIKERT7:
        return list(enumerate(LIKERT7, start=1))
    if kind == Kind.SCALE10:
        return [(n, str(n)) for n in range(11)]
    return list(enumerate(choices))
