"""The demo's organisation: the faculty and its partner NHS Trusts, both schemes, four cohorts
at different stages and the people in them.

Everything goes through the scheme services, so the demo's audit log reads like a real year.
Names come from a seeded Faker, so every fresh database gets the same people.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from io import TextIOBase

from django_otp.plugins.otp_totp.models import TOTPDevice
from faker import Faker

from flipside.accounts.models import User
from flipside.privacy import audit
from flipside.schemes import services
from flipside.schemes.models import (
    Cohort,
    Organisation,
    OrganisationCoordinator,
    Role,
    Scheme,
    Site,
    Stage,
)

from .clock import Dates, clock, dated
from .signins import (
    COORDINATOR,
    DEMO_PASSWORD,
    DEMO_PEOPLE,
    DEMO_TOTP_KEYS,
    MENTEE,
    MENTOR,
    OBSERVER,
)

ORGANISATION = "Faculty of Medicine, University of Northbridge"
FACULTY = "Faculty of Medicine"
NORTHBRIDGE_TRUST = "Northbridge Teaching Hospitals NHS Foundation Trust"
RIVERSIDE_TRUST = "Riverside Community Health NHS Trust"
SITES = [
    (FACULTY, Site.Kind.UNIVERSITY),
    (NORTHBRIDGE_TRUST, Site.Kind.NHS_TRUST),
    (RIVERSIDE_TRUST, Site.Kind.NHS_TRUST),
]

PRIDE = {
    "name": "Pride Reverse Mentoring",
    "centres": "LGBTQ+ students",
    "description": (
        "LGBTQ+ students mentor senior academics in the Faculty of Medicine, turning the usual "
        "hierarchy around. Each pair meets at least four times over the year to talk about what "
        "studying medicine is like for LGBTQ+ people and what the faculty could do better. "
        "Student mentors are paid the London Living Wage for their time."
    ),
}
RACE_EQUALITY = {
    "name": "Race Equality Reverse Mentoring",
    "centres": "Black, Asian and minority ethnic students",
    "description": (
        "Each year 15 Black, Asian and minority ethnic students mentor senior staff from the "
        "faculty and our partner NHS Trusts. Pairs talk about students' experience of teaching, "
        "assessment and placements, and bring ideas for change to the faculty's race equality "
        "group at the end of the year."
    ),
}

# Pairs in Pride's closed year (2025/26): a mentor and a mentee each.
CLOSED_PAIRS = 12

# Reserved ".example" domains: demo email can never reach a real person.
STUDENT_DOMAIN = "students.northbridge.example"
STAFF_DOMAINS = {Site.Kind.UNIVERSITY: "northbridge.example", Site.Kind.NHS_TRUST: "nhs.example"}
# Titles mark seniority: the mentees are senior academics and clinicians.
STAFF_TITLES = {Site.Kind.UNIVERSITY: ("Professor", "Dr"), Site.Kind.NHS_TRUST: ("Dr", "Dr", "")}


Member = tuple[User, str, Site]


def _ascii(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", plain.lower())


class People:
    """Makes plausible, unique demo people; the same ones, in the same order, every run."""

    # Name styles weighted roughly like a UK medical school's students and staff.
    LOCALES = OrderedDict(
        [("en_GB", 0.5), ("en_IN", 0.14), ("en_PK", 0.08), ("yo_NG", 0.08), ("ig_NG", 0.06),
         ("tw_GH", 0.06), ("en_IE", 0.08)]
    )  # fmt: skip

    def __init__(self, seed: int = 2026) -> None:
        self.fake = Faker(list(self.LOCALES))
        self.fake.seed_instance(seed)

    def create(self, email: str, display_name: str, pronouns: str = "") -> User:
        return User.objects.create_user(
            email, DEMO_PASSWORD, display_name=display_name, pronouns=pronouns
        )

    def _email(self, first: str, last: str, domain: str) -> str:
        local = f"{_ascii(first)}.{_ascii(last)}"
        email, number = f"{local}@{domain}", 1
        while User.objects.filter(email=email).exists():
            number += 1
            email = f"{local}{number}@{domain}"
        return email

    def _new(self, domain: str, titles: tuple[str, ...] = ("",)) -> User:
        fake = self.fake[self.fake["en_GB"].random_element(self.LOCALES)]
        female = fake.boolean()
        first = fake.first_name_female() if female else fake.first_name_male()
        last = fake.last_name()
        own = "she/her" if female else "he/him"
        pronouns = fake.random_element(("", "", own, own, own, "they/them"))
        title = fake.random_element(titles)
        name = f"{title} {first} {last}".strip()
        return self.create(self._email(first, last, domain), name, pronouns)

    def student(self) -> User:
        return self._new(STUDENT_DOMAIN)

    def staff(self, site: Site) -> User:
        kind = Site.Kind(site.kind)
        return self._new(STAFF_DOMAINS[kind], STAFF_TITLES[kind])


@dataclass(frozen=True)
class Demo:
    """What the later steps of the demo build on."""

    people: People
    # Makes the closed year's people beyond its first five pairs (and its unsuccessful
    # applicants), so that ``people`` makes everyone else just as before.
    earlier: People
    signins: dict[str, User]  # the demo sign-ins, by email
    organisation: Organisation
    sites: dict[str, Site]  # by name
    pride: Scheme
    race: Scheme
    pride_closed: Cohort  # Pride 2025/26
    pride_running: Cohort  # Pride 2026/27
    race_matching: Cohort  # Race Equality 2026/27
    race_recruiting: Cohort  # Race Equality 2027/28

    @property
    def coordinator(self) -> User:
        return self.signins[COORDINATOR]

    @property
    def faculty(self) -> Site:
        return self.sites[FACULTY]

    @property
    def cohorts(self) -> list[Cohort]:
        return [self.pride_closed, self.pride_running, self.race_matching, self.race_recruiting]


def create_organisation(stdout: TextIOBase | None) -> Demo:
    """The demo sign-ins, the faculty with both schemes, and four cohorts with their people."""
    people, earlier = People(), People(seed=2025)
    signins = {email: people.create(email, *DEMO_PEOPLE[email]) for email in DEMO_PEOPLE}
    for email, key in DEMO_TOTP_KEYS.items():
        TOTPDevice.objects.create(user=signins[email], name="Demo app", key=key, confirmed=True)
    by = signins[COORDINATOR]
    organisation, sites, pride, race = _schemes(by)
    cohorts = _cohorts(
        pride, race, by=by, people=people, earlier=earlier, signins=signins, sites=sites
    )
    for cohort in cohorts:
        _report(stdout, cohort)
    pride_closed, pride_running, race_matching, race_recruiting = cohorts
    return Demo(
        people=people, earlier=earlier, signins=signins, organisation=organisation, sites=sites,
        pride=pride, race=race, pride_closed=pride_closed, pride_running=pride_running,
        race_matching=race_matching, race_recruiting=race_recruiting,
    )  # fmt: skip


def _schemes(by: User) -> tuple[Organisation, dict[str, Site], Scheme, Scheme]:
    # The faculty set up both schemes before recruiting their first cohorts.
    with clock(dated(datetime.date(2025, 1, 13))[Stage.PLANNING]):
        organisation, sites = _organisation(by)
        pride = services.create_scheme(organisation, by=by, **PRIDE)
        race = services.create_scheme(organisation, by=by, **RACE_EQUALITY)
        for scheme in (pride, race):
            services.assign_scheme_coordinator(scheme, user=by, by=by)
    return organisation, sites, pride, race


def _organisation(coordinator: User) -> tuple[Organisation, dict[str, Site]]:
    organisation = Organisation.objects.create(name=ORGANISATION)
    sites = {
        name: Site.objects.create(organisation=organisation, name=name, kind=kind)
        for name, kind in SITES
    }
    OrganisationCoordinator.objects.create(organisation=organisation, user=coordinator)
    audit.record(None, "schemes.organisation.created", organisation, coordinator=COORDINATOR)
    return organisation, sites


def _cohorts(
    pride: Scheme,
    race: Scheme,
    *,
    by: User,
    people: People,
    earlier: People,
    signins: dict[str, User],
    sites: dict[str, Site],
) -> list[Cohort]:
    """Pride's closed and running years, Race Equality's year being matched and the next."""
    faculty = sites[FACULTY]
    observer = (signins[OBSERVER], Role.OBSERVER, faculty)
    date = datetime.date
    return [
        _cohort(
            pride, by=by, label="2025/26", stage=Stage.CLOSED,
            starts_on=date(2025, 9, 1), ends_on=date(2026, 7, 31),
            # A full year of twelve pairs: the first five as the demo always had them.
            members=_students(people, 5, faculty) + _staff(people, [faculty] * 5)
            + _students(earlier, CLOSED_PAIRS - 5, faculty)
            + _staff(earlier, [faculty] * (CLOSED_PAIRS - 5)),
            dates=dated(date(2025, 2, 3), date(2025, 3, 3), date(2025, 6, 16),
                        date(2025, 7, 21), date(2025, 9, 1), date(2026, 7, 31)),
        ),
        _cohort(
            pride, by=by, label="2026/27", stage=Stage.RUNNING,
            starts_on=date(2026, 9, 1), ends_on=date(2027, 7, 31),
            members=[(signins[MENTOR], Role.MENTOR, faculty),
                     (signins[MENTEE], Role.MENTEE, faculty)]
            + _students(people, 4, faculty) + _staff(people, [faculty] * 4) + [observer],
            dates=dated(date(2026, 2, 2), date(2026, 3, 2), date(2026, 6, 15),
                        date(2026, 7, 20), date(2026, 9, 1)),
        ),
        _cohort(
            race, by=by, label="2026/27", stage=Stage.MATCHING,
            starts_on=date(2026, 10, 1), ends_on=date(2027, 9, 30),
            # Mentees come from the faculty and both partner Trusts, five from each.
            members=_students(people, 15, faculty) + _staff(people, list(sites.values()) * 5)
            + [observer],
            # Days ago: recruiting just before its calls opened, training after the decisions,
            # and matching since its training sessions.
            dates=dated(170, 158, 96, 7),
        ),
        _cohort(
            race, by=by, label="2027/28", stage=Stage.RECRUITING,
            starts_on=date(2027, 10, 1), ends_on=date(2028, 9, 30),
            members=[], dates=dated(35, 22),
        ),
    ]  # fmt: skip


def _cohort(
    scheme: Scheme,
    *,
    by: User,
    label: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    stage: str,
    members: list[Member],
    dates: Dates,
) -> Cohort:
    created = dates[Stage.PLANNING]
    with clock(created):
        cohort = services.create_cohort(
            scheme, by=by, label=label, starts_on=starts_on, ends_on=ends_on,
            min_meetings=4, meeting_minutes=60,
        )  # fmt: skip
    # The field's default is bound to the real clock.
    Cohort.objects.filter(pk=cohort.pk).update(created_at=created)
    if members:
        # People join while the cohort recruits.
        cohort = _advance(cohort, to=Stage.RECRUITING, by=by, dates=dates)
        with clock(dates[Stage.RECRUITING]):
            for user, role, site in members:
                services.add_member(cohort, user=user, role=role, site=site, by=by)
    return _advance(cohort, to=stage, by=by, dates=dates)


def _advance(cohort: Cohort, *, to: str, by: User, dates: Dates) -> Cohort:
    """Walk forward one stage at a time, as a coordinator would, each on its date."""
    while cohort.stage != to:
        target = cohort.next_stage
        assert target is not None  # noqa: S101 - ``to`` is always a later stage
        with clock(dates.get(target)):
            cohort = services.change_cohort_stage(
                cohort, to=target, by=by, expected=cohort.stage, notify=False
            )
    return cohort


def _students(people: People, count: int, site: Site) -> list[Member]:
    return [(people.student(), Role.MENTOR, site) for _ in range(count)]


def _staff(people: People, sites: list[Site]) -> list[Member]:
    return [(people.staff(site), Role.MENTEE, site) for site in sites]


def _report(stdout: TextIOBase | None, cohort: Cohort) -> None:
    if stdout is None:
        return
    roles = list(cohort.memberships.values_list("role", flat=True))
    stdout.write(
        f"{cohort} ({cohort.get_stage_display()}): "
        f"{roles.count(Role.MENTOR)} mentors, {roles.count(Role.MENTEE)} mentees\n"
    )
