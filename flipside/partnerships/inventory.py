"""What partnerships stores, for the data inventory (``privacy.inventory``)."""

from __future__ import annotations

from flipside.privacy.inventory import PARTICIPANTS, Activity, Basis, Keep, Subject, declare, fields
from flipside.privacy.inventory import Protection as P
from flipside.privacy.inventory import not_personal as plain
from flipside.privacy.subject_access import rule

ROW = "The row's number."
RUN = Basis.PUBLIC_TASK
PAIR_SEEN = (
    "The pair's two partners; the cohort's coordinators (that and when the pair meets, never what "
    "was said)."
)
KEPT = (
    "Bookkeeping of kept figures: the generation of the data and the one they were counted at, and"
    " when."
)

declare(
    "partnerships.PartnershipSettings",
    activity=Activity.PARTNERSHIPS,
    purpose="How many days after a meeting it can still be logged, per cohort.",
    retention=Keep.CONFIGURATION,
    seen_by="The cohort's coordinators.",
    groups=[plain("cohort log_window_days version", "The cohort and its setting.")],
)

declare(
    "partnerships.TalkingPoint",
    activity=Activity.PARTNERSHIPS,
    purpose="A talking point in the scheme's library; partners may suggest new ones.",
    retention=Keep.CONFIGURATION,
    seen_by=(
        "The scheme's pairs (published points) and coordinators (all, with who suggested them)."
    ),
    subjects=(*PARTICIPANTS, Subject.COORDINATOR),
    identifies="suggested_by",
    groups=[
        plain(
            "id scheme theme text status created_at version",
            "The talking point, its theme and where it stands.",
        ),
        fields("suggested_by", "Who suggested it.", RUN, P.PERSONAL),
    ],
)

declare(
    "partnerships.Meeting",
    activity=Activity.PARTNERSHIPS,
    purpose=(
        "A pair's meeting: proposed, arranged, then recorded as held or not by one partner and "
        "confirmed by the other. Times, length and how it was held; never what was said."
    ),
    retention=Keep.PARTICIPANT,
    seen_by=PAIR_SEEN,
    subjects=PARTICIPANTS,
    identifies="proposed_by cancelled_by recorded_by answered_by",
    groups=[
        plain("id pair version", ROW + " The pair, and a number that stops stale edits."),
        fields(
            "status starts_at minutes mode place sequence logged_after",
            "Arranging it: when, how long, how and where (or its online link); a number "
            "calendar programs use to update it.",
            RUN,
            P.PERSONAL,
        ),
        fields(
            "proposed_by proposed_at accepted_at cancelled_by cancelled_at record recorded_by "
            "recorded_at held_minutes held_mode answered_by answered_at",
            "Who proposed, arranged, cancelled and recorded it, whether the partner confirmed "
            "it, and how long it really was (progress and pay).",
            RUN,
            P.PERSONAL,
        ),
    ],
)

declare(
    "partnerships.Meeting_talking_points",
    activity=Activity.PARTNERSHIPS,
    purpose="Which of the scheme's talking points a meeting touched.",
    retention=Keep.PARTICIPANT,
    seen_by="The pair's two partners.",
    subjects=PARTICIPANTS,
    identifies="meeting",
    groups=[
        plain("id", ROW),
        fields("meeting talkingpoint", "The meeting and the talking point.", RUN, P.PERSONAL),
    ],
)

declare(
    "partnerships.PairFacts",
    activity=Activity.PARTNERSHIPS,
    purpose="A pair's meeting figures, kept up to date with its meetings and pauses.",
    retention=Keep.PARTICIPANT,
    seen_by="The cohort's coordinators (the progress board); the pair.",
    subjects=PARTICIPANTS,
    identifies="pair",
    groups=[
        fields(
            "pair held contacts unconfirmed last_contact paused",
            "The pair's meetings held, contacts, records waiting, last contact and whether it "
            "is paused.",
            RUN,
            P.PERSONAL,
        )
    ],
)

declare(
    "partnerships.StatusCount",
    activity=Activity.PARTNERSHIPS,
    purpose=(
        "A cohort's pairs counted by status (on track, behind, at risk…), kept between changes."
    ),
    retention=Keep.COHORT_FIGURES,
    seen_by="The cohort's coordinators.",
    groups=[
        plain(
            "generation counted_generation counted_at pair_generation expected fresh_until",
            KEPT + " Also how long they hold.",
        ),
        plain(
            "cohort on_track behind at_risk no_contact paused ended", "The cohort and its counts."
        ),
    ],
)

declare(
    "partnerships.MeetingOption",
    activity=Activity.PARTNERSHIPS,
    purpose="A time offered for a proposed meeting.",
    retention=Keep.PARTICIPANT,
    seen_by="The pair's two partners.",
    subjects=PARTICIPANTS,
    identifies="meeting",
    groups=[
        plain("id", ROW),
        fields("meeting starts_at", "The meeting and the time offered.", RUN, P.PERSONAL),
    ],
)

declare(
    "partnerships.Pause",
    activity=Activity.PARTNERSHIPS,
    purpose="A pause of a pair, asked for by either partner; at most one open at a time.",
    retention=Keep.PARTICIPANT,
    seen_by=(
        "That the pair is paused, and since when: its two partners and the cohort's "
        "coordinators. The reason is shown on no page."
    ),
    subjects=PARTICIPANTS,
    identifies="paused_by",
    groups=[
        plain("id pair", ROW + " The pair."),
        fields(
            "paused_at paused_by resumed_at",
            "Who paused it and when it paused and resumed.",
            RUN,
            P.PERSONAL,
        ),
        fields(
            "reason", "Why (free text, optional).", RUN, P.CONFIDENTIAL, may_reveal_special=True
        ),
    ],
)

declare(
    "partnerships.JournalEntry",
    activity=Activity.PARTNERSHIPS,
    purpose="A partner's private journal entry about their pair, read only by its author.",
    retention=Keep.JOURNAL,
    seen_by="Its author only: never the partner, coordinators or administrators.",
    subjects=PARTICIPANTS,
    identifies="author",
    groups=[
        plain("id", ROW),
        fields("pair author written_at", "Which pair, whose entry, when.", RUN, P.CONFIDENTIAL),
        fields("ciphertext", "The entry, encrypted.", RUN, P.ENCRYPTED, may_reveal_special=True),
    ],
)

declare(
    "partnerships.TalkingPointUse",
    activity=Activity.PARTNERSHIPS,
    purpose="A talking point a pair marked as used.",
    retention=Keep.PARTICIPANT,
    seen_by="The pair's two partners.",
    subjects=PARTICIPANTS,
    identifies="marked_by",
    groups=[
        plain("id point", ROW + " The talking point."),
        fields("pair marked_by marked_at", "Which pair, who marked it, when.", RUN, P.PERSONAL),
    ],
)

declare(
    "partnerships.ReflectionEvent",
    activity=Activity.PARTNERSHIPS,
    purpose="A group reflection meeting of a cohort (mid-point, end of year or other).",
    retention=Keep.CONFIGURATION,
    seen_by="The cohort's participants (its time and place); its coordinators (also the notes).",
    groups=[
        plain(
            "id cohort kind title starts_at minutes location online_url sequence cancelled_at "
            "created_at version",
            "The event: what, when, where; a number calendar programs use to update it.",
        ),
        plain(
            "notes",
            "The coordinators' themes from the event, printed in reports for observers too: "
            "the form asks for them without names or anything that identifies a person "
            "(nothing checks that they are).",
        ),
    ],
)

declare(
    "partnerships.EventReply",
    activity=Activity.PARTNERSHIPS,
    purpose="A person's answer to a reflection event's invitation, and their attendance.",
    retention=Keep.PARTICIPANT,
    seen_by="The person; the cohort's coordinators.",
    subjects=PARTICIPANTS,
    identifies="user",
    groups=[
        plain("id event", ROW + " The event."),
        fields(
            "user answer answered_at attendance marked_at",
            "Who, whether they are coming, whether they attended (pay for events) and when.",
            RUN,
            P.PERSONAL,
        ),
    ],
)

declare(
    "partnerships.CalendarFeed",
    activity=Activity.PARTNERSHIPS,
    purpose="A person's private calendar feed of their meetings, sessions and events.",
    retention=Keep.ACCOUNT,
    seen_by="The person (through their calendar program).",
    subjects=PARTICIPANTS,
    identifies="user",
    groups=[
        fields("user created_at", "Whose feed, made when.", RUN, P.PERSONAL),
        fields(
            "token_hash",
            "Checking the feed's address: only a hash of its token is stored.",
            RUN,
            P.HASHED,
        ),
    ],
)

declare(
    "partnerships.ReminderSent",
    activity=Activity.PARTNERSHIPS,
    purpose="That a reminder was sent, so running the job again never sends it twice.",
    retention=Keep.PARTICIPANT,
    seen_by="Nobody through Flipside's pages.",
    subjects=PARTICIPANTS,
    identifies="user",
    groups=[
        plain("id", ROW),
        fields(
            "kind subject user sent_at",
            "Which reminder, about what, to whom, when.",
            RUN,
            P.PERSONAL,
        ),
    ],
)


# --- Subject access: how these tables' rows about a person are found ----------------------

rule(
    "partnerships.JournalEntry",
    not_through=("pair",),
    why="a journal is private to the partner who writes it: the other partner's entries are "
    "theirs, not the pair's",
)
