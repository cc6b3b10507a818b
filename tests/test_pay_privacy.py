"""A student mentor's pay shows only to them and to their cohort's coordinators, on every page
of the site: never to their staff partner, an observer, another organisation or anyone else.
Pay is between the student and the scheme, so the senior partner can neither see nor
influence it. One walk over every URL per role, with the mentor's hours, rate and amounts
planted as values no other page would show."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from conftest import World, response_text
from flipside.payments.models import Line
from tests.test_access_matrix import ROLES, all_url_names, matrix_matching, url_for
from tests.test_access_matrix import matrix_payments as plant

HOURS, HOURLY, AMOUNT, HOLIDAY = "7.77", "17.31", "134.50", "16.23"
TOTAL = "150.73"  # amount and holiday pay: what the mentor's home card adds up
SENTINELS = (HOURS, HOURLY, AMOUNT, HOLIDAY, TOTAL)
COORDINATORS = {"coordinator", "org_coordinator", "cohort_coordinator"}
# The mentor's own pay pages, and their home page's card with what waits for approval.
MENTOR_PAGES = {"home", "payments:my_pay", "payments:timesheet", "payments:line_edit"}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_a_mentors_pay_shows_only_to_them_and_their_coordinators(
    role: str, world: World, client: Client
) -> None:
    matrix_matching(world)  # the mentor and the mentee are a pair
    world.cohort.stage = "running"
    world.cohort.save()
    samples = plant(world)
    planted = {
        "hours": Decimal(HOURS), "hourly": Decimal(HOURLY), "amount": Decimal(AMOUNT),
        "holiday": Decimal(HOLIDAY),
    }  # fmt: skip
    Line.objects.filter(pk=samples["line_id"]).update(status="submitted", **planted)
    Line.objects.filter(pk=samples["paid_line_id"]).update(**planted)
    if role != "anonymous":
        client.force_login(getattr(world, role))
    client.raise_request_exception = False  # a page another part breaks still shows none
    showing: dict[str, set[str]] = {}
    for name in all_url_names():
        page = response_text(client.get(url_for(name, world)))
        for sentinel in SENTINELS:
            if sentinel in page:
                showing.setdefault(name, set()).add(sentinel)
    if role in COORDINATORS:
        assert set(showing) <= {n for n in all_url_names() if n.startswith("payments:")}
        assert {"payments:review", "payments:run", "payments:run_export"} <= set(showing)
    elif role == "mentor":
        assert set(showing) <= MENTOR_PAGES and {"payments:my_pay", "home"} <= set(showing)
        assert {HOURS, HOURLY, AMOUNT, HOLIDAY} <= showing["payments:my_pay"]
        assert TOTAL in showing["home"]
    else:
        assert showing == {}, f"{role} sees a mentor's pay on {sorted(showing)}"
