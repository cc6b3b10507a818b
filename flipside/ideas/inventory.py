"""What ideas stores, for the data inventory (``privacy.inventory``)."""

from __future__ import annotations

from flipside.privacy.inventory import PARTICIPANTS, Activity, Basis, Keep, Subject, declare, fields
from flipside.privacy.inventory import Protection as P
from flipside.privacy.inventory import not_personal as plain

ROW = "The row's number."
RUN = Basis.PUBLIC_TASK
IDEA_SEEN = (
    "The coordinators of its cohort (everything); its owner while they have not left and its "
    "proposers (reading it, with the experience behind it). Past triage, its title, "
    "description, status, outcome and reason are on the organisation's board, for everyone "
    "in the organisation's cohorts and, if turned on, the public; never the experience, the "
    "owner or a proposer who did not choose to be named."
)
PEOPLE = (*PARTICIPANTS, Subject.COORDINATOR, Subject.IDEA_OWNER)

declare(
    "ideas.IdeaSettings",
    activity=Activity.IDEAS,
    purpose="Whether an organisation's board is public, and its unguessable address.",
    retention=Keep.CONFIGURATION,
    seen_by="The organisation's coordinators.",
    groups=[
        plain("organisation public_board version", "The organisation and its choice."),
        plain(
            "public_token",
            "The random part of the public board's address; it shows what the board shows to "
            "anyone, and turning the page off and on again changes it.",
        ),
    ],
)

declare(
    "ideas.Owner",
    activity=Activity.IDEAS,
    purpose="A person who may own an organisation's ideas, and when they left.",
    retention=Keep.IDEAS,
    seen_by="Anyone who coordinates a cohort of the organisation.",
    subjects=(Subject.IDEA_OWNER, Subject.COORDINATOR),
    identifies="user added_by",
    groups=[
        plain("id organisation", ROW + " The organisation."),
        fields(
            "user added_at added_by left_at",
            "Who, added by whom and when, and when they left.",
            RUN,
            P.PERSONAL,
        ),
    ],
)

declare(
    "ideas.Idea",
    activity=Activity.IDEAS,
    purpose="An idea for change raised in a cohort, carried to a decision and what was done.",
    retention=Keep.IDEAS,
    seen_by=IDEA_SEEN,
    subjects=PEOPLE,
    identifies="owner created_by",
    groups=[
        plain(
            "id organisation cohort version",
            ROW + " The organisation and cohort; a number that stops stale edits.",
        ),
        fields(
            "title description area level source event status reason outcome merged_into "
            "status_changed_at",
            "The idea, where and how it came up, where it stands, what was decided and done "
            "(shown on the board past triage). Written to be shared, but typed by people.",
            RUN,
            P.PERSONAL,
        ),
        fields(
            "experience_ciphertext",
            "The experience behind the idea, encrypted: as sensitive as a journal.",
            RUN,
            P.ENCRYPTED,
            may_reveal_special=True,
        ),
        fields(
            "owner needs_new_owner created_by created_at submit_key",
            "Who owns it and whether it needs a new owner; who recorded it and when; a key "
            "that makes a double submit record it once.",
            RUN,
            P.PERSONAL,
        ),
    ],
)

declare(
    "ideas.Proposer",
    activity=Activity.IDEAS,
    purpose="A person who raised an idea, and whether they chose to be named on the board.",
    retention=Keep.IDEAS,
    seen_by=(
        "The person; the idea's cohort's coordinators and owner; the board shows the name only "
        "if they chose it."
    ),
    subjects=PARTICIPANTS,
    identifies="user",
    groups=[
        plain("id idea", ROW + " The idea."),
        fields("user added_at", "Who raised it, and when they were added.", RUN, P.PERSONAL),
        fields(
            "named",
            "Their choice to be named on the board (off unless they say so).",
            Basis.CONSENT,
            P.PERSONAL,
        ),
    ],
)

declare(
    "ideas.IdeaChange",
    activity=Activity.IDEAS,
    purpose="An idea's history: every change, never edited.",
    retention=Keep.IDEAS,
    seen_by="Those who see the idea itself, except the board.",
    subjects=(Subject.COORDINATOR, Subject.IDEA_OWNER),
    identifies="by",
    groups=[
        plain("id idea kind from_status to_status", ROW + " The idea and the change."),
        fields("at by note", "Who made the change, when, and their note.", RUN, P.PERSONAL),
    ],
)
