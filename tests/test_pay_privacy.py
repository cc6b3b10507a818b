"""A student mentor's pay shows only to them and to their cohort's coordinators, on every page
of the site: never to their staff partner, an observer, another organisation or anyone else.
Pay is between the student and the scheme, so the senior partner can neither see nor
influence it. One walk over every URL per role, with the mentor's hours, rate and amounts
planted as values no other page would show."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from conftest import World, response_text
from flipside.payments.models import Line
from tests.test_access_matrix import ROLES, all_url_names, matrix_matching, url_for
from tests.test_access_matrix import matrix_payments as plant

# Values no other page would show: the money with its pound sign, as every page writes it,
# and the hours as a number of their own (not the seconds and microseconds of a timestamp
# such as "10:37:19.830412", which a page's <time datetime> may hold).
HOURS, HOURLY, AMOUNT, HOLIDAY = "19.83", "17.31", "432.87", "52.25"
TOTAL = "485.12"  # amount and holiday pay: what the mentor's home card adds up
SENTINELS = (HOURS, f"£{HOURLY}", f"£{AMOUNT}", f"£{HOLIDAY}", f"£{TOTAL}")
COORDINATORS = {"coordinator", "org_coordinator", "cohort_coordinator"}
# The mentor's own pay pages, their home page's card with what waits for approval, and their
# own download of everything held about them.
MENTOR_PAGES = {
    "home",
    "payments:my_pay",
    "payments:timesheet",
    "payments:line_edit",
    "privacy:download",
    "privacy:download_json",
}


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
            if re.search(rf"(?<![\d:]){re.escape(sentinel)}(?!\d)", page):
                showing.setdefault(name, set()).add(sentinel)
    if role in COORDINATORS:
        elsewhere = {n: s for n, s in showing.items() if not n.startswith("payments:")}
        assert not elsewhere, f"{role} sees pay outside the pay pages: {elsewhere}"
        assert {"payments:review", "payments:run", "payments:run_export"} <= set(showing)
    elif role == "mentor":
        assert set(showing) <= MENTOR_PAGES and {"payments:my_pay", "home"} <= set(showing)
        assert set(SENTINELS[:4]) <= showing["payments:my_pay"]
        assert f"£{TOTAL}" in showing["home"]
    else:
        assert showing == {}, f"{role} sees a mentor's pay on {sorted(showing)}"
