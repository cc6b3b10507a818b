"""The data inventory: every table and column Flipside stores, with why, on what lawful basis,
for how long and how it is protected (decision 0028).

Each app declares its own tables in ``<app>/inventory.py`` by calling ``declare``; the
registry finds them by module name (``discover``), so the base never imports an app of the
cycle. Third-party tables (Django's sign-in, sessions and content types, django-axes) are
declared by ``accounts``. Tests check the registry against the installed models both ways,
and that what it says is encrypted is; ``manage.py privacy_documents`` writes the record of
processing and the DPIA's starting document from it. Retention jobs, subject-access export
and erasure read it too: ``entries()``, ``entry_for(model)``, ``person_fields(model)``.
"""

from __future__ import annotations

import datetime
import sys
from dataclasses import dataclass, field
from enum import Enum

from django.apps import apps
from django.db import models
from django.utils.module_loading import autodiscover_modules


class Basis(Enum):
    """The UK GDPR Article 6 lawful basis for holding a column (``NONE``: not personal data)."""

    CONSENT = ("6(1)(a)", "consent")
    CONTRACT = ("6(1)(b)", "contract")
    LEGAL_OBLIGATION = ("6(1)(c)", "legal obligation")
    PUBLIC_TASK = ("6(1)(e)", "public task")
    LEGITIMATE_INTERESTS = ("6(1)(f)", "legitimate interests")
    NONE = ("", "not personal data")

    def __init__(self, article: str, label: str) -> None:
        self.article = article
        self.label = label

    def __str__(self) -> str:
        return f"{self.label} (Art. {self.article})" if self.article else self.label


class Condition(Enum):
    """The Article 9 condition for special-category data."""

    EXPLICIT_CONSENT = ("9(2)(a)", "explicit consent")
    EQUALITY_OF_OPPORTUNITY = (
        "9(2)(g)",
        "substantial public interest: equality of opportunity or treatment "
        "(DPA 2018 Sch. 1 para. 8)",
    )

    def __init__(self, article: str, label: str) -> None:
        self.article = article
        self.label = label

    def __str__(self) -> str:
        return f"{self.label} (Art. {self.article})"


class Protection(Enum):
    """How a column is protected, from least to most."""

    NOT_PERSONAL = ("not personal", "Not about a person: settings, wording, counts, keys.")
    PERSONAL = ("personal", "About or naming a person; seen by the people the roles allow.")
    CONFIDENTIAL = (
        "confidential",
        "Personal data seen by few (a person and the coordinators, or the person alone); "
        "stored as plain text in the database.",
    )
    ENCRYPTED = (
        "confidential, encrypted",
        "Confidential text encrypted with the field keys (Fernet; rotatable).",
    )
    SPECIAL = (
        "special category, encrypted",
        "UK GDPR Article 9 data, encrypted with the field keys (Fernet; rotatable).",
    )
    SECRET = (
        "secret",
        "A credential stored as it is: whoever holds it can act as the person or reach a page.",
    )
    HASHED = (
        "stored only as a hash",
        "Only a one-way hash is stored: the value itself cannot be read back.",
    )

    def __init__(self, label: str, description: str) -> None:
        self.label = label
        self.description = description

    @property
    def encrypted(self) -> bool:
        return self in (Protection.ENCRYPTED, Protection.SPECIAL)

    @property
    def personal(self) -> bool:
        return self is not Protection.NOT_PERSONAL


@dataclass(frozen=True)
class Retention:
    """A retention class: how long rows are kept, counted from what, and what happens then.

    ``period`` is the default (``None``: no fixed period; the row goes with what it belongs
    to); ``ends`` says what happens when it is over.
    """

    key: str
    title: str
    description: str
    period: datetime.timedelta | None
    period_text: str
    after: str
    ends: str


def _days(years: int = 0, months: int = 0, days: int = 0) -> datetime.timedelta:
    return datetime.timedelta(days=years * 365 + months * 30 + days)


class Keep:
    """The retention schedule: the classes every column falls in."""

    UNSUCCESSFUL_APPLICATION = Retention(
        "unsuccessful_application",
        "Applications",
        "Applications, reviews and notes. An unsuccessful or withdrawn application is deleted "
        "once selection is over; a successful one becomes part of the participant's record.",
        _days(months=6),
        "6 months",
        "the cohort leaves recruiting (selection is over)",
        "deleted (successful applications are kept as participant records)",
    )
    PARTICIPANT = Retention(
        "participant",
        "Participant records",
        "What a person did in a cohort: their role, training, pairs, meetings, events, "
        "surveys asked of them, ideas raised.",
        _days(years=2),
        "2 years",
        "the cohort closes",
        "anonymised: names and links to people removed, figures kept",
    )
    EQUALITY = Retention(
        "equality",
        "Equality-monitoring answers",
        "A person's optional answers to the equality questions, given with explicit consent.",
        _days(years=2),
        "2 years, or until consent is withdrawn",
        "the cohort closes (withdrawing consent deletes them at once)",
        "deleted (reports keep only figures with small numbers suppressed)",
    )
    JOURNAL = Retention(
        "journal",
        "Private journals",
        "Journal entries a partner writes for themselves about their pair.",
        _days(months=6),
        "6 months",
        "the pair ends (ended early, or its cohort closes)",
        "deleted",
    )
    PAYMENT = Retention(
        "payment",
        "Payment records",
        "What a student mentor was paid for and how much. Kept for HMRC and audit, minimised: "
        "descriptions, messages and links to meetings are removed once paid.",
        None,  # counted from the tax year's end, not a fixed span from the payment
        "6 years",
        "the end of the tax year (5 April) in which it was paid",
        "deleted; minimised to date, hours, rate and amount once paid",
    )
    AUDIT = Retention(
        "audit",
        "Audit log",
        "Who changed what, when: status, money, pairing and access changes.",
        _days(years=2),
        "2 years",
        "the entry is written",
        "deleted from the oldest end, keeping the chain's start hash so the rest verifies",
    )
    ACCOUNT = Retention(
        "account",
        "Accounts",
        "A person's account (name, email, pronouns, password hash) and their preferences.",
        None,
        "while the person has a role",
        "their last role ends and no record that names them is kept",
        "deleted, or anonymised where a kept record still points at it",
    )
    CONFIGURATION = Retention(
        "configuration",
        "Configuration",
        "How an organisation, scheme or cohort is set up: names, dates, wording, settings, "
        "rates, questionnaires, libraries of talking points.",
        None,
        "while its scheme or organisation exists",
        "its scheme or organisation is deleted",
        "deleted with it",
    )
    COHORT_FIGURES = Retention(
        "cohort_figures",
        "Kept figures",
        "Counts kept between changes so that pages need not count a whole cohort each time; "
        "they hold no one's data.",
        None,
        "while its cohort exists",
        "its cohort is deleted",
        "deleted with it (counted again whenever what they count changes)",
    )
    PAST_PAIRS = Retention(
        "past_pairs",
        "Past pairs",
        "Keyed hashes of the email addresses of two people once paired, so they are not paired "
        "again after the earlier cohort's people are deleted.",
        None,
        "while the organisation exists",
        "the organisation is deleted",
        "deleted with it",
    )
    IDEAS = Retention(
        "ideas",
        "Ideas for change",
        "Ideas, their history and the decisions taken on them: the institution's record of "
        "what it said it would do, shown on the \u201cyou said, we did\u201d board.",
        _days(years=2),
        "2 years",
        "the idea is done or not taken forward",
        "anonymised: proposers, owner, people in its history and the experience behind it "
        "removed; the idea and its outcome stay on the board",
    )
    EMAIL = Retention(
        "email",
        "Email outbox",
        "Emails Flipside sent or is sending: the envelope (kind, address, status, times), "
        "kept for a year to answer \u201cwas I told?\u201d.",
        _days(years=1),
        "1 year",
        "the email is sent or gives up",
        "deleted",
    )
    EMAIL_CONTENT = Retention(
        "email_content",
        "Words of sent emails",
        "The body, headers and attachments of a sent email (removed by the outbox's daily "
        "purge, already in place).",
        _days(days=90),
        "90 days",
        "the email is sent",
        "emptied; the envelope and subject stay under \u201cEmail outbox\u201d",
    )
    CONSENT = Retention(
        "consent",
        "Consent records",
        "Each time a person gave or withdrew consent: the evidence that processing relying on "
        "consent was lawful, and that a withdrawal was honoured.",
        _days(years=6),
        "6 years",
        "the person's last record for that consent",
        "deleted",
    )
    SIGN_IN = Retention(
        "sign_in",
        "Sign-in records",
        "Sessions, sign-ins and failed sign-in attempts: security records.",
        _days(days=90),
        "90 days (sessions: until they expire, at most 10 hours)",
        "the sign-in or attempt",
        "deleted",
    )
    SECRETS = Retention(
        "secrets",
        "Links and tokens",
        "Single-use links (invitations, address checks) and their tokens' hashes; a link "
        "works until it is used or expires.",
        _days(days=30),
        "30 days",
        "the link is used, revoked or expires",
        "deleted",
    )
    OPERATIONS = Retention(
        "operations",
        "Operational records",
        "The worker's bookkeeping: scheduled runs, delivery attempts, documents made for reports.",
        _days(days=90),
        "90 days",
        "the work finishes",
        "deleted",
    )

    @classmethod
    def all(cls) -> list[Retention]:
        return [value for value in vars(cls).values() if isinstance(value, Retention)]


class Subject(Enum):
    """Categories of data subjects."""

    APPLICANT = "applicants (students and staff applying to take part)"
    MENTOR = "student mentors"
    MENTEE = "staff mentees"
    COORDINATOR = "coordinators"
    OBSERVER = "observers (leadership)"
    IDEA_OWNER = "idea owners"
    VISITOR = "anyone who tries to sign in"
    FACILITATOR = "people who run training (named, without an account)"

    def __str__(self) -> str:
        return str(self.value)


#: The people in a cohort: mentors and mentees.
PARTICIPANTS = (Subject.MENTOR, Subject.MENTEE)
#: Everyone with a role in a cohort.
EVERYONE = (Subject.MENTOR, Subject.MENTEE, Subject.COORDINATOR, Subject.OBSERVER)


class Activity(Enum):
    """The processing activities of the record of processing, in the cycle's order."""

    ACCOUNTS = (
        "Accounts and sign-in",
        "Let people sign in securely and reach what their role allows.",
    )
    SCHEMES = (
        "Schemes, cohorts and roles",
        "Run schemes in yearly cohorts and give each person their role.",
    )
    EMAIL = ("Email", "Send invitations, reminders and notices, and show whether they arrived.")
    RECRUITMENT = (
        "Recruitment",
        "Take applications to a cohort, review them and decide who takes part.",
    )
    TRAINING = (
        "Training and support",
        "Train participants, record who is ready, and hear concerns.",
    )
    MATCHING = ("Matching", "Propose and publish pairs of a student mentor and a staff mentee.")
    PARTNERSHIPS = (
        "Partnerships",
        "Help pairs meet, record that they met, and bring the cohort together.",
    )
    PAYMENTS = (
        "Paying student mentors",
        "Pay student mentors for their time, at the right rate, once.",
    )
    SURVEYS = (
        "Surveys",
        "Evaluate the scheme with pseudonymous questionnaires paired before and after.",
    )
    IDEAS = ("Ideas for change", "Carry ideas raised in pairs to a decision and report back.")
    REPORTS = ("Reports", "Report a cohort's outcomes as figures with small numbers suppressed.")
    EQUALITY = (
        "Equality monitoring",
        "Monitor equality of opportunity with optional, consented answers.",
    )
    AUDIT = (
        "Audit and security",
        "Keep a tamper-evident record of changes and protect accounts from attack.",
    )

    def __init__(self, title: str, purpose: str) -> None:
        self.title = title
        self.purpose = purpose


@dataclass(frozen=True)
class Fields:
    """One or more columns sharing a purpose, basis and protection. ``names`` lists every
    column by its field name, separated by spaces."""

    names: tuple[str, ...]
    purpose: str
    basis: Basis
    protection: Protection
    retention: Retention | None = None
    condition: Condition | None = None
    # Free text or choices that can reveal special-category data when a person chooses to
    # say it (an access need naming a disability, a statement about lived experience).
    may_reveal_special: bool = False


def fields(
    names: str,
    purpose: str,
    basis: Basis,
    protection: Protection,
    *,
    retention: Retention | None = None,
    condition: Condition | None = None,
    may_reveal_special: bool = False,
) -> Fields:
    return Fields(
        tuple(names.split()), purpose, basis, protection, retention, condition, may_reveal_special
    )


def not_personal(names: str, purpose: str) -> Fields:
    """Columns holding nothing about a person."""
    return fields(names, purpose, Basis.NONE, Protection.NOT_PERSONAL)


@dataclass(frozen=True)
class Column:
    """One column, as the registry describes it."""

    model: str
    name: str
    purpose: str
    basis: Basis
    protection: Protection
    retention: Retention
    condition: Condition | None
    may_reveal_special: bool


@dataclass(frozen=True)
class Entry:
    """One table: what it is for, whom it is about, who sees it, and every column."""

    label: str  # "app_label.ModelName", as Django names it
    activity: Activity
    purpose: str
    retention: Retention
    seen_by: str
    subjects: tuple[Subject, ...]
    identifies: tuple[str, ...]  # the columns that name or point at a person
    groups: tuple[Fields, ...]
    module: str = field(default="", compare=False)

    def columns(self) -> list[Column]:
        return [
            Column(
                self.label,
                name,
                group.purpose,
                group.basis,
                group.protection,
                group.retention or self.retention,
                group.condition,
                group.may_reveal_special,
            )
            for group in self.groups
            for name in group.names
        ]

    def column(self, name: str) -> Column:
        for column in self.columns():
            if column.name == name:
                return column
        raise KeyError(f"{self.label} declares no column {name!r}")

    @property
    def personal(self) -> bool:
        return any(group.protection.personal for group in self.groups)

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)


class InventoryError(Exception):
    """A declaration the registry cannot accept."""


_REGISTRY: dict[str, Entry] = {}
_discovered = False


def declare(
    label: str,
    *,
    activity: Activity,
    purpose: str,
    retention: Retention,
    seen_by: str,
    subjects: tuple[Subject, ...] = (),
    identifies: str = "",
    groups: list[Fields],
) -> Entry:
    """Add one table to the registry (from an app's ``inventory.py``)."""
    module = str(sys._getframe(1).f_globals.get("__name__", ""))
    entry = Entry(
        label=label,
        activity=activity,
        purpose=purpose,
        retention=retention,
        seen_by=seen_by,
        subjects=tuple(subjects),
        identifies=tuple(identifies.split()),
        groups=tuple(groups),
        module=module,
    )
    earlier = _REGISTRY.get(label)
    if earlier is not None and earlier.module != module:
        raise InventoryError(f"{label} is declared twice: in {earlier.module} and in {module}")
    _REGISTRY[label] = entry
    return entry


def discover() -> None:
    """Import every installed app's ``inventory`` module, once."""
    global _discovered
    if not _discovered:
        autodiscover_modules("inventory")
        _discovered = True


def entries() -> list[Entry]:
    """Every declared table, in the order of the activities, then by label."""
    discover()
    order = list(Activity)
    return sorted(_REGISTRY.values(), key=lambda e: (order.index(e.activity), e.label))


def entry_for(model: type[models.Model] | str) -> Entry:
    discover()
    label = model if isinstance(model, str) else model._meta.label
    try:
        return _REGISTRY[label]
    except KeyError:
        raise InventoryError(f"{label} is not in the data inventory") from None


def person_fields(model: type[models.Model] | str) -> tuple[str, ...]:
    """The columns of a table that name or point at a person (subject access, erasure)."""
    return entry_for(model).identifies


def columns() -> list[Column]:
    return [column for entry in entries() for column in entry.columns()]


# --- What privacy itself stores -------------------------------------------------------------
# (Declared here, below the registry, because this module is the privacy app's ``inventory``:
# ``discover`` imports it like every other app's.)

_ROW = "The row's number."
_AUDIT = Basis.LEGITIMATE_INTERESTS

declare(
    "privacy.AuditEntry",
    activity=Activity.AUDIT,
    purpose=(
        "One change of status, money, pairing or access, a sign-in (or failed one), a "
        "refused page, a download, or a view of a journal or concern by staff: who did it, "
        "to what, when. Append-only, each entry chained to the one before by a SHA-256 hash."
    ),
    retention=Keep.AUDIT,
    seen_by=(
        "Organisation coordinators search and download their organisation's entries and the "
        "sign-ins and refused pages of people with a role in it; scheme and cohort "
        "coordinators those of their schemes and cohorts (decision 0034). Coordinators see "
        "a cohort's changes of stage on its page. Never passwords, codes, the answers to "
        "equality questions or survey answers."
    ),
    subjects=(*EVERYONE, Subject.APPLICANT, Subject.IDEA_OWNER),
    identifies="actor actor_label object_label",
    groups=[
        fields("id", _ROW, Basis.NONE, Protection.NOT_PERSONAL),
        fields(
            "at actor actor_label action object_type object_id object_label details",
            "Who acted (and their name then), what they did, to which record (and its name "
            "then, which can name a person), when, and the change's details.",
            _AUDIT,
            Protection.PERSONAL,
        ),
        fields(
            "prev_hash hash",
            "The chain: the hash of the entry before and of this one, so a removed or edited "
            "entry is found.",
            Basis.NONE,
            Protection.NOT_PERSONAL,
        ),
        fields(
            "organisation scheme cohort",
            "Where the entry belongs (found from its record when written; not hashed), so "
            "each coordinator searches only their own part of the log.",
            Basis.NONE,
            Protection.NOT_PERSONAL,
        ),
    ],
)

declare(
    "privacy.AuditChainHead",
    activity=Activity.AUDIT,
    purpose="A single row locked while an entry is appended, so the chain never forks.",
    retention=Keep.AUDIT,
    seen_by="Nobody through Flipside's pages.",
    groups=[
        not_personal(
            "id last_hash start_hash",
            "The hash of the newest entry, and the hash the oldest kept entry follows (moved "
            "forward when retention deletes the oldest entries).",
        )
    ],
)

declare(
    "privacy.EqualityRecord",
    activity=Activity.EQUALITY,
    purpose=(
        "A person's optional equality-monitoring answers for one cohort (ethnicity, sexual "
        "orientation, gender identity, disability, first in family at university), kept "
        "apart from applications and read only as aggregates for reports."
    ),
    retention=Keep.EQUALITY,
    seen_by=(
        "The person (to review, change or withdraw them). Nobody else sees an answer: "
        "reports show counts with small numbers suppressed."
    ),
    subjects=(Subject.APPLICANT, *PARTICIPANTS),
    identifies="user",
    groups=[
        fields("id", _ROW, Basis.NONE, Protection.NOT_PERSONAL),
        fields(
            "user cohort consented_at notice_version updated_at",
            "Whose answers, for which cohort; when they consented, to which version of the "
            "privacy notice, and when they last changed them.",
            Basis.CONSENT,
            Protection.CONFIDENTIAL,
        ),
        fields(
            "ciphertext",
            "The answers, encrypted.",
            Basis.CONSENT,
            Protection.SPECIAL,
            condition=Condition.EXPLICIT_CONSENT,
        ),
    ],
)


declare(
    "privacy.ConsentRecord",
    activity=Activity.EQUALITY,
    purpose=(
        "Insert-only history of consent: each time a person gave or withdrew consent to "
        "equality monitoring in a cohort, or asked to be left out of (or asked again) the "
        "equality questions, with the categories, notice version and wording agreed to."
    ),
    retention=Keep.CONSENT,
    seen_by=(
        "The person, on their privacy page. Nobody else: reports read it only to decide whose "
        "answers are counted."
    ),
    subjects=(Subject.APPLICANT, *PARTICIPANTS),
    identifies="user",
    groups=[
        fields("id", _ROW, Basis.NONE, Protection.NOT_PERSONAL),
        fields(
            "user purpose cohort event at categories notice_version notice_hash wording note",
            "Who gave or withdrew which consent, for which cohort, when; the categories it "
            "named, the privacy notice's version, the exact wording shown and its hash.",
            Basis.LEGAL_OBLIGATION,
            Protection.CONFIDENTIAL,
        ),
    ],
)

declare(
    "privacy.DeletionRecord",
    activity=Activity.AUDIT,
    purpose=(
        "The deletion log: what each retention run or erasure removed from each table (ids and "
        "counts, never content), so that removals can be shown and replayed after a restore."
    ),
    retention=Keep.AUDIT,
    seen_by="Coordinators of an organisation, as counts; operators with database access.",
    subjects=(Subject.APPLICANT, *EVERYONE),
    identifies="subject",
    groups=[
        fields("id", _ROW, Basis.NONE, Protection.NOT_PERSONAL),
        not_personal(
            "at run reason label action ids count held_ids held eligible",
            "When, in which run, why (the retention class or an erasure), which table, what "
            "was done and to which row numbers; how many were due, removed and held.",
        ),
        fields(
            "subject",
            "For an erasure: the number of the erased account, so a restored backup erases it "
            "again.",
            Basis.LEGAL_OBLIGATION,
            Protection.PERSONAL,
        ),
    ],
)

declare(
    "privacy.LegalHold",
    activity=Activity.AUDIT,
    purpose=(
        "A legal hold on a person's records or a scheme's: while it stands, retention keeps "
        "them past their period and erasure refuses."
    ),
    retention=Keep.AUDIT,
    seen_by="Coordinators of the organisation.",
    subjects=(*EVERYONE, Subject.APPLICANT),
    identifies="user placed_by lifted_by",
    groups=[
        fields("id", _ROW, Basis.NONE, Protection.NOT_PERSONAL),
        fields(
            "user scheme organisation reason placed_by placed_at lifted_by lifted_at",
            "Whose records or which scheme are held, in which organisation, why, who placed "
            "and lifted the hold, when.",
            Basis.LEGAL_OBLIGATION,
            Protection.CONFIDENTIAL,
        ),
    ],
)

declare(
    "privacy.RetentionSchedule",
    activity=Activity.AUDIT,
    purpose=(
        "How long a scheme keeps applications, participant records, journals, payment records "
        "and the audit log, as its coordinators set it within bounds."
    ),
    retention=Keep.CONFIGURATION,
    seen_by="The scheme's coordinators.",
    subjects=(Subject.COORDINATOR,),
    identifies="updated_by",
    groups=[
        not_personal(
            "id scheme applications_months participants_months journals_months "
            "payments_years audit_months version",
            "The scheme, its periods, and a number that stops stale edits.",
        ),
        fields(
            "updated_by updated_at",
            "Which coordinator last changed it, and when.",
            Basis.PUBLIC_TASK,
            Protection.PERSONAL,
        ),
    ],
)

declare(
    "privacy.AccessRequest",
    activity=Activity.AUDIT,
    purpose=(
        "A subject access request received by email: whose data, when it arrived and its "
        "reference, who produced the export; the reply is due a month after it arrived."
    ),
    retention=Keep.AUDIT,
    seen_by="Coordinators of the organisation.",
    subjects=(*EVERYONE, Subject.APPLICANT),
    identifies="person made_by",
    groups=[
        fields("id", _ROW, Basis.NONE, Protection.NOT_PERSONAL),
        fields(
            "organisation person received_on reference made_by made_at",
            "Which organisation received a request from whom, when and with which reference; "
            "who recorded it and when.",
            Basis.LEGAL_OBLIGATION,
            Protection.CONFIDENTIAL,
        ),
    ],
)
