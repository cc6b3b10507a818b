"""What payments offers the home and cohort pages: the coordinators' next step and the
cohort's pay figures, and a mentor's own pay on their card; nothing for anyone else."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from conftest import World, make_cohort
from flipside.payments import kept, offers
from flipside.payments.models import PaymentRun
from flipside.schemes.models import Membership, Stage

from .test_runs import make_line

pytestmark = pytest.mark.django_db


def running(world: World) -> None:
    world.cohort.stage = Stage.RUNNING
    world.cohort.save()


def test_the_step_asks_to_approve_waiting_lines_then_to_pay_what_is_approved(
    world: World, django_assert_num_queries: Any
) -> None:
    running(world)
    idle = make_cohort(world.scheme, label="2027/28", stage=Stage.RUNNING)
    make_line(world.cohort, world.mentor, status="submitted")
    make_line(world.cohort, world.mentor, status="submitted")
    # Counted at first (and kept from the second count for a cohort with no kept row yet),
    # then read from the figures kept for them (decision 0024): one query for all.
    offers.coordinator_steps([world.cohort, idle])
    offers.coordinator_steps([world.cohort, idle])
    with django_assert_num_queries(1):
        steps = offers.coordinator_steps([world.cohort, idle])
    assert set(steps) == {world.cohort.pk}
    assert steps[world.cohort.pk].text == "Approve mentors' pay: 2 lines wait."
    assert steps[world.cohort.pk].url.endswith(f"/cohorts/{world.cohort.pk}/pay/review/")

    world.cohort.refresh_from_db()
    make_line(world.cohort, world.mentor, hours="1.50", holiday="1.20")  # approved: £22.20
    from flipside.payments.models import Line

    Line.objects.filter(status="submitted").update(status="rejected")
    kept.changed(world.cohort.pk)  # what the services do with every write of lines
    step = offers.coordinator_steps([world.cohort])[world.cohort.pk]
    assert step.text == "Pay mentors: £23.40 of approved time waits for a payment run."
    run = PaymentRun.objects.create(cohort=world.cohort, number=1)
    Line.objects.filter(status="approved").update(payment_run=run)
    kept.changed(world.cohort.pk)
    assert offers.coordinator_steps([world.cohort]) == {}


def test_only_coordinators_see_the_cohorts_pay_and_only_once_pairs_meet(world: World) -> None:
    make_line(world.cohort, world.mentor, status="submitted")
    world.cohort.stage = Stage.MATCHING
    assert offers.cohort_sections(world.cohort, can_manage=True) == []  # pairs not meeting yet
    running(world)
    assert offers.cohort_sections(world.cohort, can_manage=False) == []
    (part,) = offers.cohort_sections(world.cohort, can_manage=True)
    assert (part.data.waiting_lines, part.data.approved) == (1, Decimal("0.00"))


def test_a_mentor_sees_their_own_pay_on_their_card_and_a_mentee_nothing(
    world: World, django_assert_num_queries: Any
) -> None:
    running(world)
    make_line(world.cohort, world.mentor, status="submitted")  # £22.20
    make_line(world.cohort, world.mentor, hours="2.00")  # £29.60 approved
    paid = make_line(world.cohort, world.mentor, hours="1.00", holiday="1.79")  # £16.59
    run = PaymentRun.objects.create(cohort=world.cohort, number=1, status="paid")
    type(paid).objects.filter(pk=paid.pk).update(payment_run=run)
    make_line(world.cohort, world.mentee, status="submitted")  # never anyone else's
    mine = list(Membership.objects.filter(user=world.mentor).select_related("cohort"))
    with django_assert_num_queries(1):
        card = offers.participant_offers(world.mentor, mine)[mine[0].pk]
    pay = card.parts[0].data
    assert (pay.waiting, pay.approved, pay.paid) == (
        Decimal("22.20"), Decimal("29.60"), Decimal("16.59")
    )  # fmt: skip
    theirs = list(Membership.objects.filter(user=world.mentee).select_related("cohort"))
    assert offers.participant_offers(world.mentee, theirs) == {}
