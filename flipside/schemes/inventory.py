"""What schemes stores, for the data inventory (``privacy.inventory``)."""

from __future__ import annotations

from flipside.privacy.inventory import EVERYONE, Activity, Basis, Keep, Subject, declare, fields
from flipside.privacy.inventory import Protection as P
from flipside.privacy.inventory import not_personal as plain

ROW = "The row's number."
RUN = Basis.PUBLIC_TASK
CONFIG_SEEN = "Everyone with a role in the organisation's cohorts; edited by its coordinators."

declare(
    "schemes.Organisation",
    activity=Activity.SCHEMES,
    purpose="A university faculty or school that runs schemes.",
    retention=Keep.CONFIGURATION,
    seen_by=CONFIG_SEEN,
    groups=[plain("id name created_at", "The organisation, its name and when it was added.")],
)

declare(
    "schemes.Site",
    activity=Activity.SCHEMES,
    purpose="A place people work or study: the faculty or a partner such as an NHS Trust.",
    retention=Keep.CONFIGURATION,
    seen_by=CONFIG_SEEN,
    groups=[plain("id organisation name kind", "The site, its organisation, name and kind.")],
)

declare(
    "schemes.OrganisationCoordinator",
    activity=Activity.SCHEMES,
    purpose="Gives a person the coordination of every scheme of an organisation.",
    retention=Keep.CONFIGURATION,
    seen_by="The organisation's coordinators.",
    subjects=(Subject.COORDINATOR,),
    identifies="user",
    groups=[
        plain("id organisation", ROW + " The organisation."),
        fields("user", "Who coordinates it.", RUN, P.PERSONAL),
    ],
)

declare(
    "schemes.Scheme",
    activity=Activity.SCHEMES,
    purpose="A reverse-mentoring scheme, run as one cohort per academic year.",
    retention=Keep.CONFIGURATION,
    seen_by=CONFIG_SEEN,
    groups=[
        plain(
            "id organisation name centres description default_min_meetings "
            "default_meeting_minutes equality_questions created_at version",
            "The scheme: whose lived experience it centres, its usual meetings, which "
            "equality-monitoring questions it asks, and a number that stops stale edits.",
        )
    ],
)

declare(
    "schemes.SchemeCoordinator",
    activity=Activity.SCHEMES,
    purpose="Gives a person the coordination of every cohort of one scheme.",
    retention=Keep.CONFIGURATION,
    seen_by="The scheme's and the organisation's coordinators.",
    subjects=(Subject.COORDINATOR,),
    identifies="user",
    groups=[
        plain("id scheme", ROW + " The scheme."),
        fields("user", "Who coordinates it.", RUN, P.PERSONAL),
    ],
)

declare(
    "schemes.Cohort",
    activity=Activity.SCHEMES,
    purpose="One academic year of a scheme, moving through its stages.",
    retention=Keep.CONFIGURATION,
    seen_by="Everyone with a role in it (its dates and stage); edited by its coordinators.",
    groups=[
        plain(
            "id scheme label starts_on ends_on min_meetings meeting_minutes stage "
            "stage_changed_at recruiting_ended_at created_at version",
            "The cohort's year, dates, expected meetings, stage, when it last changed and when "
            "it left recruiting (retention counts from it).",
        )
    ],
)

declare(
    "schemes.Membership",
    activity=Activity.SCHEMES,
    purpose="A person's role in a cohort: mentor, mentee, coordinator or observer.",
    retention=Keep.PARTICIPANT,
    seen_by="The person; the cohort's coordinators (the people page).",
    subjects=EVERYONE,
    identifies="user sort_name",
    groups=[
        plain("id cohort", ROW + " The cohort."),
        fields(
            "user role site joined_at",
            "Who holds which role, at which site, since when.",
            RUN,
            P.PERSONAL,
        ),
        fields(
            "sort_name", "The person's name, kept to list people in name order.", RUN, P.PERSONAL
        ),
    ],
)
