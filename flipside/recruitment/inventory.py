"""What recruitment stores, for the data inventory (``privacy.inventory``)."""

from __future__ import annotations

from flipside.privacy.inventory import Activity, Basis, Keep, Subject, declare, fields
from flipside.privacy.inventory import Protection as P
from flipside.privacy.inventory import not_personal as plain
from flipside.privacy.subject_access import rule

ROW = "The row's number."
RUN = Basis.PUBLIC_TASK
APPLICANTS = (Subject.APPLICANT,)
REVIEWERS = "The cohort's coordinators (who review applications)."

declare(
    "recruitment.Topic",
    activity=Activity.RECRUITMENT,
    purpose="A subject or lived experience a scheme's mentors may offer to talk about.",
    retention=Keep.CONFIGURATION,
    seen_by="Applicants to the scheme's calls; its coordinators.",
    groups=[plain("id scheme name order", "The topic, its scheme and its place in the list.")],
)

declare(
    "recruitment.Programme",
    activity=Activity.RECRUITMENT,
    purpose="A programme of study (such as MBBS), used to avoid conflicts of interest in matching.",
    retention=Keep.CONFIGURATION,
    seen_by="Applicants; the organisation's coordinators.",
    groups=[
        plain("id organisation name years", "The programme, its organisation and length in years.")
    ],
)

declare(
    "recruitment.Call",
    activity=Activity.RECRUITMENT,
    purpose="An open call for student mentors or staff mentees to one cohort.",
    retention=Keep.CONFIGURATION,
    seen_by="Anyone with its public link; edited by the cohort's coordinators.",
    groups=[
        plain(
            "id cohort role title introduction eligibility opens_at closes_at places word_limit "
            "blind_review created_at version",
            "The call's wording, dates, places, the statements applicants confirm and whether "
            "reviewers see names.",
        ),
        plain(
            "token", "The public link's random part (the call is public; it grants nothing else)."
        ),
    ],
)

declare(
    "recruitment.EmailVerification",
    activity=Activity.RECRUITMENT,
    purpose="A link that proves an applicant reads the address they gave; works once, for a day.",
    retention=Keep.SECRETS,
    seen_by="Nobody through Flipside's pages; the applicant receives the link.",
    subjects=APPLICANTS,
    identifies="email name",
    groups=[
        plain("id call", ROW + " The call applied to."),
        fields(
            "email name",
            "The applicant's address and name, to make their account.",
            RUN,
            P.PERSONAL,
        ),
        fields(
            "token_hash",
            "Checking the link: only a SHA-256 hash of its token is stored.",
            RUN,
            P.HASHED,
        ),
        fields(
            "created_at expires_at used_at",
            "When the link was made, expires and was used.",
            RUN,
            P.PERSONAL,
        ),
    ],
)

declare(
    "recruitment.Application",
    activity=Activity.RECRUITMENT,
    purpose="One person's application to one call, reviewed and decided by coordinators.",
    retention=Keep.UNSUCCESSFUL_APPLICATION,
    seen_by=(
        "The applicant; the cohort's coordinators once submitted (names hidden from them "
        "under blind review). A partner later sees only what the shared profile shows: "
        "role, site, programme and year or job title, how and when they can meet."
    ),
    subjects=APPLICANTS,
    identifies="applicant",
    groups=[
        plain("id call version", ROW + " The call, and a number that stops stale edits."),
        fields(
            "applicant status created_at submitted_at decided_at",
            "Who applied, how far the application has gone and when.",
            RUN,
            P.PERSONAL,
        ),
        fields(
            "site availability mode preferences eligibility_confirmed programme year "
            "job_title department seniority teaching",
            "Matching and eligibility: where they are, when and how they can meet, what they "
            "would like in a partner, what they study or their post, and whom they teach "
            "(to avoid conflicts of interest).",
            RUN,
            P.PERSONAL,
        ),
        fields(
            "statement other_topics hopes",
            "Selection and matching: why they want to take part, what they can talk about, "
            "what they hope to understand. Free text, often about lived experience.",
            RUN,
            P.CONFIDENTIAL,
            may_reveal_special=True,
        ),
        fields(
            "access_needs_ciphertext",
            "Making taking part possible: anything that would help them (free text that can "
            "name a disability or health condition), encrypted.",
            RUN,
            P.ENCRYPTED,
            may_reveal_special=True,
        ),
        fields(
            "conflicts",
            "People they must not be paired with: names or email addresses of third parties.",
            RUN,
            P.CONFIDENTIAL,
        ),
    ],
)

declare(
    "recruitment.Application_topics",
    activity=Activity.RECRUITMENT,
    purpose="The topics an application offers (mentors) or hopes to understand (mentees).",
    retention=Keep.UNSUCCESSFUL_APPLICATION,
    seen_by="The applicant; the cohort's coordinators. Never the partner.",
    subjects=APPLICANTS,
    identifies="application",
    groups=[
        plain("id", ROW),
        fields(
            "application topic",
            "Which application chose which topic; a topic can name lived experience.",
            RUN,
            P.CONFIDENTIAL,
            may_reveal_special=True,
        ),
    ],
)

declare(
    "recruitment.RubricCriterion",
    activity=Activity.RECRUITMENT,
    purpose="One thing reviewers score a scheme's applications on.",
    retention=Keep.CONFIGURATION,
    seen_by="The scheme's coordinators.",
    groups=[
        plain(
            "id scheme name description max_score order",
            "The criterion, its wording, top score and place.",
        )
    ],
)

declare(
    "recruitment.Review",
    activity=Activity.RECRUITMENT,
    purpose="One reviewer's scores for one application.",
    retention=Keep.UNSUCCESSFUL_APPLICATION,
    seen_by=REVIEWERS,
    subjects=(Subject.APPLICANT, Subject.COORDINATOR),
    identifies="application reviewer",
    groups=[
        plain("id", ROW),
        fields(
            "application reviewer updated_at",
            "Which application, scored by whom, when.",
            RUN,
            P.PERSONAL,
        ),
        fields(
            "scores total",
            "The scores given, criterion by criterion, and their total.",
            RUN,
            P.CONFIDENTIAL,
        ),
    ],
)

declare(
    "recruitment.ReviewNote",
    activity=Activity.RECRUITMENT,
    purpose="A coordinator's private note on an application; never shown to the applicant.",
    retention=Keep.UNSUCCESSFUL_APPLICATION,
    seen_by=REVIEWERS,
    subjects=(Subject.APPLICANT, Subject.COORDINATOR),
    identifies="application author",
    groups=[
        plain("id", ROW),
        fields(
            "application author created_at", "On which application, by whom, when.", RUN, P.PERSONAL
        ),
        fields("text", "The note.", RUN, P.CONFIDENTIAL, may_reveal_special=True),
    ],
)


# --- Subject access: how these tables' rows about a person are found ----------------------

for _label in ("recruitment.Review", "recruitment.ReviewNote"):
    rule(
        _label,
        not_through=("application",),
        why="reviewers' scores and coordinators' notes are their working opinions, never shown "
        "to the applicant; a coordinator serving a request decides on them by hand "
        "(docs/privacy/subject-access.md)",
    )
