"""The equality-monitoring part: student-mentor applicants counted by their answers, one
question at a time, only the people who consented, every figure protected."""

from __future__ import annotations

import pytest
from django.utils import timezone

from conftest import World, make_cohort, make_user
from flipside.accounts.models import User
from flipside.matching.models import Pair
from flipside.privacy.equality import QUESTIONS
from flipside.privacy.models import ConsentRecord, EqualityRecord
from flipside.privacy.services import (
    leave_out_of_equality_monitoring,
    save_equality_answers,
    withdraw_equality_answers,
)
from flipside.recruitment.models import Application, Call
from flipside.recruitment.tests.builders import make_call
from flipside.reports import disclosure, shapes
from flipside.reports.equality import equality_part
from flipside.schemes.models import Role, Stage

pytestmark = pytest.mark.django_db

BLACK = "Black, Black British, Caribbean or African"
WHITE = "White"


def apply(
    call: Call,
    *,
    status: str = Application.Status.SUBMITTED,
    answers: dict[str, str] | None = None,
    user: User | None = None,
) -> User:
    """A submitted application to ``call``; with ``answers``, equality answers given with
    consent (every question asked, unanswered ones stored as "prefer not to say")."""
    user = user or make_user()
    Application.objects.create(
        call=call, applicant=user, status=status, submitted_at=timezone.now()
    )
    if answers is not None:
        save_equality_answers(
            user, call.cohort, answers=answers, consent=True, asked=list(QUESTIONS)
        )
    return user


def group(
    call: Call, n: int, answer: str, *, status: str = Application.Status.ACCEPTED
) -> list[User]:
    """``n`` applicants to ``call`` who answered ``answer`` to the ethnicity question."""
    return [apply(call, status=status, answers={"ethnicity": answer}) for _ in range(n)]


def table(part: shapes.Part, question: str) -> shapes.Table:
    return next(t for t in part.tables if t.key == f"equality-{question.replace('_', '-')}")


def cell(part: shapes.Part, question: str, row: str, column: str) -> str:
    return dict(table(part, question).values_of(column))[row].text  # type: ignore[union-attr]


def every_text(part: shapes.Part) -> str:
    texts = [part.title, *part.paragraphs, *part.missing]
    for t in part.tables:
        texts += [t.title, *t.notes, *(c.label for c in t.columns)]
        texts += [*(c.description for c in t.columns)]
        texts += [str(c) for row in t.rows for c in row]
    return "\n".join(texts)


def test_a_small_group_shows_under_ten_and_a_group_of_twelve_shows_ten(world: World) -> None:
    call = make_call(world.cohort)
    group(call, 12, "black")
    group(call, 3, "white")

    part = equality_part([world.cohort])

    assert cell(part, "ethnicity", BLACK, "applicants") == "10"
    assert cell(part, "ethnicity", BLACK, "accepted") == "10"
    assert cell(part, "ethnicity", WHITE, "applicants") == "<10"
    assert cell(part, "ethnicity", "Total who answered", "applicants") == "15"


def test_a_person_who_withdrew_their_answers_is_counted_nowhere(world: World) -> None:
    call = make_call(world.cohort)
    leaver, *_rest = group(call, 13, "black")
    group(call, 3, "white")
    group(call, 22, "asian")  # a second shown group, so that the "<10" is not hidden beside 13
    before = equality_part([world.cohort])
    assert cell(before, "ethnicity", BLACK, "applicants") == "15"

    withdraw_equality_answers(leaver, world.cohort)
    part = equality_part([world.cohort])

    # 13 became 12 in the row, at both stages.
    assert cell(part, "ethnicity", BLACK, "applicants") == "10"
    assert cell(part, "ethnicity", BLACK, "accepted") == "10"


def test_people_who_never_consented_and_staff_mentees_are_not_counted(world: World) -> None:
    mentor_call = make_call(world.cohort)
    mentee_call = make_call(world.cohort, role=Role.MENTEE)
    group(mentor_call, 12, "black")
    group(mentor_call, 3, "white")
    for _ in range(3):
        apply(mentor_call)  # applied, but gave no equality answers
    for _ in range(3):
        apply(mentee_call, answers={"ethnicity": "black"})

    part = equality_part([world.cohort])

    assert cell(part, "ethnicity", BLACK, "applicants") == "10"  # 12, not 15
    assert cell(part, "ethnicity", "Total who answered", "applicants") == "15"  # 15, not 21


def test_no_table_counts_one_equality_question_against_another(world: World) -> None:
    call = make_call(world.cohort)
    for n in range(20):
        answers = {"ethnicity": "asian", "disability": "yes" if n % 2 else "no"}
        apply(call, answers=answers)

    part = equality_part([world.cohort])

    assert [t.title for t in part.tables] == [str(q.label) for q in QUESTIONS.values()]
    for t, question in zip(part.tables, QUESTIONS.values(), strict=True):
        assert [c.key for c in t.columns] == ["answer", "applicants", "accepted"]
        labels = [str(row[0]) for row in t.rows]
        categories = {str(label) for _key, label in question.options}
        assert categories <= set(labels)
        # Each row is one answer to this question alone, then the total.
        assert labels[-1] == "Total who answered"
        assert len(labels) == len(question.choices()) + 1


def test_every_figure_is_made_by_the_disclosure_module(world: World) -> None:
    call = make_call(world.cohort)
    for n in range(30):
        status = Application.Status.ACCEPTED if n % 3 else Application.Status.DECLINED
        apply(call, status=status, answers={"ethnicity": ["black", "asian", "white"][n % 3]})

    part = equality_part([world.cohort])

    assert part.tables
    for t in part.tables:
        for row in t.rows:
            assert isinstance(row[0], str)
            assert all(isinstance(c, disclosure.Shown) for c in row[1:])
            assert not any(isinstance(c, int) for c in row)


def test_self_described_answers_are_one_category_and_prefer_not_to_say_is_counted(
    world: World,
) -> None:
    call = make_call(world.cohort)
    for n in range(12):
        answers = {"ethnicity": "self_describe", "ethnicity_description": f"Words {n}"}
        apply(call, status=Application.Status.ACCEPTED, answers=answers)
    group(call, 12, "prefer_not_to_say")

    part = equality_part([world.cohort])

    assert cell(part, "ethnicity", "Described themselves", "applicants") == "10"
    assert cell(part, "ethnicity", "Prefer not to say", "applicants") == "10"
    assert "Words" not in every_text(part)


def test_nothing_of_any_applicant_is_in_the_part(world: World) -> None:
    call = make_call(world.cohort)
    people = []
    for n in range(15):
        user = make_user(f"SENTINEL-NAME-{n}", email=f"sentinel-{n}@example.ac.uk")
        answers = {"ethnicity": "self_describe", "ethnicity_description": f"SENTINEL-WORDS-{n}"}
        people.append(apply(call, status=Application.Status.ACCEPTED, answers=answers, user=user))

    text = every_text(equality_part([world.cohort])).lower()

    assert "sentinel" not in text
    for person in people:
        assert person.email.lower() not in text
        assert person.display_name.lower() not in text


def test_completion_counts_pairs_not_ended_early_once_the_cohort_closes(world: World) -> None:
    cohort = make_cohort(world.scheme, label="2025/26", stage=Stage.CLOSED)
    call = make_call(cohort)
    mentors = group(call, 13, "black")
    for mentor in [*mentors, *group(call, 3, "white"), *group(call, 22, "asian")]:
        Pair.objects.create(cohort=cohort, mentor=mentor, mentee=make_user())
    assert cell(equality_part([cohort]), "ethnicity", BLACK, "completed") == "15"

    Pair.objects.filter(mentor=mentors[0]).update(status=Pair.Status.ENDED, ended_at=timezone.now())
    part = equality_part([cohort])

    assert cell(part, "ethnicity", BLACK, "completed") == "10"
    assert cell(part, "ethnicity", BLACK, "applicants") == "15"
    assert not part.missing


def test_before_the_cohort_closes_completion_is_left_out_and_says_when(world: World) -> None:
    call = make_call(world.cohort)  # the world's cohort is running
    for _ in range(12):
        apply(call, status=Application.Status.ACCEPTED, answers={"ethnicity": "black"})

    part = equality_part([world.cohort])

    assert all("completed" not in [c.key for c in t.columns] for t in part.tables)
    assert part.missing == ("How many people completed the scheme shows when the cohort closes.",)


def test_several_cohorts_are_counted_together_a_person_once_in_each(world: World) -> None:
    later = make_cohort(world.scheme, label="2027/28")
    first, second = make_call(world.cohort), make_call(later)
    for _ in range(6):
        user = apply(first, status=Application.Status.ACCEPTED, answers={"ethnicity": "black"})
        apply(second, status=Application.Status.ACCEPTED, answers={"ethnicity": "black"}, user=user)
    group(first, 3, "white")
    group(second, 3, "white")
    group(first, 11, "asian")  # the smallest shown group together: hidden beside the "<10"
    group(second, 11, "asian")

    alone = equality_part([world.cohort])
    together = equality_part([world.cohort, later])

    assert cell(alone, "ethnicity", BLACK, "applicants") == "<10"
    assert cell(together, "ethnicity", BLACK, "applicants") == "10"
    assert any("counted once in each" in p for p in together.paragraphs)


@pytest.mark.parametrize("with_applicants", [False, True])
def test_with_no_consenting_answers_the_part_says_what_is_missing(
    world: World, with_applicants: bool
) -> None:
    if with_applicants:
        call = make_call(world.cohort)
        gone = apply(call, answers={"ethnicity": "black"})
        withdraw_equality_answers(gone, world.cohort)
        apply(call)

    part = equality_part([world.cohort])

    assert part.key == "equality" and part.title == "Equality monitoring"
    assert part.tables == ()
    expected = "has answered the equality" if with_applicants else "No applications to be"
    assert len(part.missing) == 1 and expected in part.missing[0]


def test_the_paragraphs_explain_who_is_counted_and_how_figures_are_protected(
    world: World,
) -> None:
    call = make_call(world.cohort)
    for _ in range(12):
        apply(call, answers={"ethnicity": "black"})

    text = " ".join(equality_part([world.cohort]).paragraphs)

    assert "Only people who chose to answer" in text
    assert '"<10"' in text and "nearest 5" in text
    assert "dash" in text


def test_a_person_left_out_of_equality_monitoring_is_counted_in_no_report(
    world: World,
) -> None:
    """Cohort and scheme reports (and so their exports and PDFs, drawn from the same part)."""
    later = make_cohort(world.scheme, label="2027/28")
    call = make_call(world.cohort)
    leaver, *_rest = group(call, 13, "black")
    group(call, 3, "white")
    group(call, 22, "asian")  # a second shown group, so that the "<10" is not hidden beside 13
    stored = EqualityRecord.objects.get(user=leaver)
    assert cell(equality_part([world.cohort]), "ethnicity", BLACK, "applicants") == "15"

    leave_out_of_equality_monitoring(leaver)

    # 13 became 12 in the row: 10 once rounded, in the cohort's and in the scheme's report.
    assert cell(equality_part([world.cohort]), "ethnicity", BLACK, "applicants") == "10"
    assert cell(equality_part([world.cohort, later]), "ethnicity", BLACK, "applicants") == "10"
    # Answers back in the table (restored from a backup, say) are still not counted: the
    # choice is honoured where reports read equality answers, not only by deleting them.
    EqualityRecord.objects.create(
        user=leaver,
        cohort=world.cohort,
        consented_at=stored.consented_at,
        notice_version=stored.notice_version,
        ciphertext=stored.ciphertext,
    )
    ConsentRecord.objects.create(
        user=leaver, purpose="equality_monitoring", cohort=world.cohort, event="given"
    )
    assert cell(equality_part([world.cohort]), "ethnicity", BLACK, "applicants") == "10"
    assert cell(equality_part([world.cohort]), "ethnicity", BLACK, "accepted") == "10"
