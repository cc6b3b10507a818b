"""What a person shares with their partner, read from their membership and the application
that won them their place."""

from __future__ import annotations

import pytest
from django.utils import timezone

from conftest import World, join, make_cohort, make_user
from flipside.matching.profile import profile_text, shared_profile
from flipside.recruitment.models import Application
from flipside.recruitment.tests.builders import make_call, make_programme
from flipside.schemes.models import Membership, Role, Site

pytestmark = pytest.mark.django_db


def shown(rows: list) -> dict[str, str]:
    return {row.label: row.value for row in rows}


def apply(call, person, status=Application.Status.ACCEPTED, **fields):  # type: ignore[no-untyped-def]
    return Application.objects.create(
        call=call, applicant=person, status=status, submitted_at=timezone.now(), **fields
    )


def test_a_mentor_shares_studies_place_and_when_they_can_meet(world: World) -> None:
    trust = Site.objects.create(organisation=world.organisation, name="St Elsewhere NHS Trust")
    programme = make_programme(world.organisation, "MBBS")
    apply(make_call(world.cohort, Role.MENTOR), world.mentor, programme=programme, year=3,
          site=trust, mode="either", availability=["mon-am", "nope", "thu-pm"])  # fmt: skip
    rows = shown(shared_profile(world.cohort, world.mentor))
    assert rows == {
        "Name": "Mo Mentor",
        "Email": "mentor@example.ac.uk",
        "Studies": "MBBS, year 3",
        "Based at": "St Elsewhere NHS Trust",
        "Can meet": "In person or online",
        "Usually free": "Monday morning, Thursday afternoon",
    }
    assert "Name" not in shown(shared_profile(world.cohort, world.mentor, name=False))
    assert "Studies: \u2068MBBS, year 3\u2069" in profile_text(world.cohort, world.mentor)


def test_a_mentee_shares_their_role_and_only_their_accepted_application_counts(
    world: World,
) -> None:
    call = make_call(world.cohort, Role.MENTEE)
    elsewhere = make_call(make_cohort(world.scheme, label="2030/31"), Role.MENTEE)
    apply(elsewhere, world.mentee, job_title="Dean of another year", mode="online")
    apply(call, world.mentee, job_title="Professor of Surgery", mode="in_person")
    rows = shown(shared_profile(world.cohort, world.mentee))
    assert rows["Role"] == "Professor of Surgery" and rows["Can meet"] == "In person"
    assert "Studies" not in rows and "Usually free" not in rows

    someone = join(world.cohort, Role.MENTEE, make_user("Dr Draft"))
    apply(call, someone, status=Application.Status.DRAFT, job_title="Registrar", mode="online")
    assert shown(shared_profile(world.cohort, someone)) == {
        "Name": "Dr Draft",
        "Email": someone.email,
    }


def test_without_an_application_the_membership_says_where_they_are_based(world: World) -> None:
    trust = Site.objects.create(organisation=world.organisation, name="Royal Infirmary")
    Membership.objects.filter(cohort=world.cohort, user=world.mentee).update(site=trust)
    assert shown(shared_profile(world.cohort, world.mentee))["Based at"] == "Royal Infirmary"
    outsider = make_user("Nobody Here")  # no membership, no application
    assert list(shown(shared_profile(world.cohort, outsider))) == ["Name", "Email"]


def test_the_home_page_card_names_each_active_partner_in_the_order_they_were_paired(
    world: World,
) -> None:
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from flipside.matching.models import Pair
    from flipside.matching.offers import _partners_by_cohort

    now = timezone.now()
    later = join(world.cohort, Role.MENTEE, make_user("Dr Later", pronouns="they/them"))
    ended = join(world.cohort, Role.MENTEE, make_user("Dr Ended"))
    Pair.objects.create(cohort=world.cohort, mentor=world.mentor, mentee=later, started_at=now)
    Pair.objects.create(
        cohort=world.cohort, mentor=world.mentor, mentee=world.mentee,
        started_at=now - datetime.timedelta(days=1),
    )  # fmt: skip
    Pair.objects.create(
        cohort=world.cohort, mentor=world.mentor, mentee=ended, status=Pair.Status.ENDED,
        ended_at=now, end_reason="Moved away",
    )  # fmt: skip
    other = join(world.cohort, Role.MENTOR, make_user("Ola Other"))
    Pair.objects.create(
        cohort=world.cohort, mentor=other, mentee=later,
        started_at=now + datetime.timedelta(hours=1),
    )  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        found = _partners_by_cohort(world.mentor)
        shown = {c: [(p.display_name, p.pronouns) for p in ps] for c, ps in found.items()}
    assert len(queries) == 1
    assert shown == {world.cohort.pk: [("Prof Mena Mentee", ""), ("Dr Later", "they/them")]}
    # A mentee's partners are the mentors; each partner's other columns load when asked for.
    partners = _partners_by_cohort(later)[world.cohort.pk]
    assert [p.display_name for p in partners] == ["Mo Mentor", "Ola Other"]
    assert partners[0].email == "mentor@example.ac.uk"


def test_own_pairs_gives_each_active_partner_and_the_cohorts_first_contact(
    world: World,
) -> None:
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from flipside.matching.models import MatchingSettings, Pair
    from flipside.matching.selectors import own_pairs

    now = timezone.now()
    second = join(world.cohort, Role.MENTEE, make_user("Dr Second", pronouns="she/her"))
    first = Pair.objects.create(
        cohort=world.cohort, mentor=world.mentor, mentee=world.mentee,
        started_at=now - datetime.timedelta(days=2),
    )  # fmt: skip
    Pair.objects.create(cohort=world.cohort, mentor=world.mentor, mentee=second, started_at=now)
    elsewhere = make_cohort(world.scheme, label="2031/32")
    Pair.objects.create(cohort=elsewhere, mentor=world.mentor, mentee=join(elsewhere, Role.MENTEE))
    with CaptureQueriesContext(connection) as queries:
        found = own_pairs(world.mentor, world.cohort.pk)
        shown = [(p.pair.pk == first.pk, p.partner.display_name, p.partner.pronouns,
                  p.partner.email, str(p.pair.cohort), p.first_contact) for p in found]  # fmt: skip
    assert len(queries) == 1
    assert shown == [
        (True, "Prof Mena Mentee", "", "mentee@example.ac.uk", str(world.cohort), None),
        (False, "Dr Second", "she/her", second.email, str(world.cohort), None),
    ]
    MatchingSettings.objects.create(cohort=world.cohort, first_contact="mentor")
    Pair.objects.filter(pk=first.pk).update(
        status=Pair.Status.ENDED, ended_at=now, end_reason="Moved away"
    )
    (only,) = own_pairs(second, world.cohort.pk)
    assert (only.partner.display_name, only.first_contact) == ("Mo Mentor", "mentor")
    assert [p.partner.display_name for p in own_pairs(world.mentee, world.cohort.pk)] == []
    assert own_pairs(world.outsider, world.cohort.pk) == []
