"""What training stores, for the data inventory (``privacy.inventory``)."""

from __future__ import annotations

from flipside.privacy.inventory import PARTICIPANTS, Activity, Basis, Keep, Subject, declare, fields
from flipside.privacy.inventory import Protection as P
from flipside.privacy.inventory import not_personal as plain
from flipside.privacy.subject_access import rule

ROW = "The row's number."
RUN = Basis.PUBLIC_TASK
KEPT = (
    "Bookkeeping of kept figures: the generation of the data and the one they were counted at, and"
    " when."
)

declare(
    "training.TrainingSession",
    activity=Activity.TRAINING,
    purpose="A training session for a cohort; required ones count towards readiness.",
    retention=Keep.CONFIGURATION,
    seen_by="The cohort's mentors and mentees it is for; its coordinators.",
    subjects=(Subject.FACILITATOR,),
    identifies="facilitator",
    groups=[
        plain(
            "id cohort title description audience required starts_at minutes location "
            "online_url capacity sequence cancelled_at created_at version",
            "The session: what, for whom, when, where, how many places; a number calendar "
            "programs use to update it.",
        ),
        fields(
            "facilitator",
            "Who runs the session, as a name shown to those invited.",
            RUN,
            P.PERSONAL,
        ),
    ],
)

declare(
    "training.Booking",
    activity=Activity.TRAINING,
    purpose="A person's place (or place on the waiting list) at a session, and their attendance.",
    retention=Keep.PARTICIPANT,
    seen_by="The person; the cohort's coordinators.",
    subjects=PARTICIPANTS,
    identifies="user",
    groups=[
        plain("id session", ROW + " The session."),
        fields(
            "user status attendance booked_at marked_at",
            "Who booked, whether they have a place, whether they attended (readiness and "
            "pay for training attended) and when.",
            RUN,
            P.PERSONAL,
        ),
    ],
)

declare(
    "training.HandbookVersion",
    activity=Activity.TRAINING,
    purpose="One published version of a scheme's handbook.",
    retention=Keep.CONFIGURATION,
    seen_by="The scheme's participants and coordinators.",
    subjects=(Subject.COORDINATOR,),
    identifies="published_by",
    groups=[
        plain(
            "id scheme number title body significant summary published_at",
            "The handbook's text and version.",
        ),
        fields("published_by", "Which coordinator published it.", RUN, P.PERSONAL),
    ],
)

declare(
    "training.HandbookAcknowledgement",
    activity=Activity.TRAINING,
    purpose="That a person has read a version of the handbook (part of readiness).",
    retention=Keep.PARTICIPANT,
    seen_by="The person; coordinators of their cohorts (readiness).",
    subjects=PARTICIPANTS,
    identifies="user",
    groups=[
        plain("id version", ROW + " The version acknowledged."),
        fields("user at", "Who acknowledged it, and when.", RUN, P.PERSONAL),
    ],
)

declare(
    "training.AgreementVersion",
    activity=Activity.TRAINING,
    purpose="A version of the scheme's ground rules each member of a pair accepts.",
    retention=Keep.CONFIGURATION,
    seen_by="The scheme's participants and coordinators.",
    subjects=(Subject.COORDINATOR,),
    identifies="published_by",
    groups=[
        plain("id scheme number body published_at", "The ground rules' text and version."),
        fields("published_by", "Which coordinator published it.", RUN, P.PERSONAL),
    ],
)

declare(
    "training.AgreementAcceptance",
    activity=Activity.TRAINING,
    purpose="That a person accepted a version of the ground rules (part of readiness).",
    retention=Keep.PARTICIPANT,
    seen_by="The person; coordinators of their cohorts (readiness).",
    subjects=PARTICIPANTS,
    identifies="user",
    groups=[
        plain("id version", ROW + " The version accepted."),
        fields("user at", "Who accepted it, and when.", RUN, P.PERSONAL),
    ],
)

declare(
    "training.SupportService",
    activity=Activity.TRAINING,
    purpose="Where people can get help, shown beside the concern form (such as student wellbeing).",
    retention=Keep.CONFIGURATION,
    seen_by="Everyone with a role in the organisation's cohorts.",
    groups=[
        plain(
            "id organisation name description contact order",
            "The service, what it offers and its public contact (a web address, phone number "
            "or email of a service, not of a person).",
        )
    ],
)

declare(
    "training.Concern",
    activity=Activity.TRAINING,
    purpose=(
        "A concern raised by a participant about the scheme or their pair, for the scheme's "
        "coordinators to act on. An anonymous concern stores no identity at all."
    ),
    retention=Keep.PARTICIPANT,
    seen_by=(
        "The scheme's coordinators (and those of the cohort it is about) only; not even its author"
        " sees the list."
    ),
    subjects=(*PARTICIPANTS,),
    identifies="raised_by",
    groups=[
        plain(
            "id scheme cohort status", ROW + " The scheme and cohort it is about; where it stands."
        ),
        fields(
            "raised_by anonymous created_at updated_at",
            "Who raised it (empty when anonymous) and when.",
            RUN,
            P.CONFIDENTIAL,
        ),
        fields(
            "ciphertext",
            "What the concern is, its subject and body encrypted: free text that can be about "
            "anyone and can reveal health, sexual orientation or other special-category data.",
            RUN,
            P.ENCRYPTED,
            may_reveal_special=True,
        ),
    ],
)

declare(
    "training.ReadinessOverride",
    activity=Activity.TRAINING,
    purpose="A coordinator's recorded decision to let someone be matched before they are ready.",
    retention=Keep.PARTICIPANT,
    seen_by="The cohort's coordinators.",
    subjects=(*PARTICIPANTS, Subject.COORDINATOR),
    identifies="user by",
    groups=[
        plain("id cohort", ROW + " The cohort."),
        fields("user by at", "Whom it lets through, who decided, when.", RUN, P.PERSONAL),
        fields("reason", "Why (free text).", RUN, P.CONFIDENTIAL),
    ],
)

declare(
    "training.ReadinessCount",
    activity=Activity.TRAINING,
    purpose=(
        "How many of a cohort's mentors and mentees are ready, counted and kept between changes."
    ),
    retention=Keep.COHORT_FIGURES,
    seen_by="The cohort's coordinators.",
    groups=[
        plain("generation counted_generation counted_at", KEPT),
        plain("cohort mentors_ready mentors mentees_ready mentees", "The cohort and its counts."),
    ],
)


# --- Subject access: how these tables' rows about a person are found ----------------------

rule("training.Concern", owners=("raised_by",))
rule(
    "training.TrainingSession",
    held_with={
        "facilitator": "the name of whoever runs the session, typed by a coordinator; a "
        "session reaches a person's export through their booking"
    },
)
