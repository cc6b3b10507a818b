"""The record of processing and the DPIA's starting document, written from the data inventory
(``manage.py privacy_documents``). Both are Markdown, the same for the same inventory, so
``--check`` can tell when the committed documents no longer say what the registry says."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from . import inventory
from .inventory import Activity, Basis, Column, Entry, Fields, Protection

GENERATED = (
    "<!-- Generated from the data inventory (flipside/<app>/inventory.py) by "
    "`manage.py privacy_documents`. Do not edit by hand: change the inventory and run the "
    "command again. -->"
)

# What the product does to protect what it holds, for both documents.
SECURITY_MEASURES = [
    "Every page needs sign-in except an explicit list (sign-in, password reset, invitation "
    "and address-check links, public calls, calendar feeds and unsubscribe links by their own "
    "token, a public ideas board only if turned on, the health check). Every page and file "
    "checks, object by object, that the person's role allows it; another person's record "
    "answers \u201cnot found\u201d. A test walks every address with every role.",
    "Passwords are hashed with Argon2 (at least 12 characters, common passwords refused); "
    "5 failed sign-ins lock an account and address out for 15 minutes.",
    "Sessions are kept in the database, end after 30 idle minutes and 10 hours at most, and "
    "all of a person's sessions end when they sign out, change their password or are "
    "deactivated. Production cookies are Secure, HttpOnly, SameSite=Lax with the `__Host-` "
    "prefix; pages carry a strict Content Security Policy and are not cached.",
    "Equality-monitoring answers, private journal entries, concerns, applicants' access needs, "
    "survey free-text answers and the experience behind ideas are encrypted in the database "
    "(Fernet: AES-128-CBC with an "
    "HMAC-SHA256 tag) with keys from the environment (`FIELD_ENCRYPTION_KEYS`), never stored "
    "in the database and rotatable (`manage.py rotate_encryption_keys`).",
    "Single-use links (invitations, address checks) and calendar feeds are stored only as "
    "SHA-256 hashes of their tokens; past pairs as keyed hashes of email addresses; survey "
    "answers carry a keyed pseudonym whose key (`SURVEY_PSEUDONYM_KEY`) is kept outside the "
    "database.",
    "Survey answers carry no person, no time and a random id; identified surveys say so on "
    "their first page. Results are shown only once at least 5 people have answered.",
    "Reports show only figures across people: counts of 1 to 9 hidden, others rounded to the "
    "nearest 5, secondary suppression, no two equality questions against each other.",
    "A tamper-evident audit log: each change of status, money, pairing or access is "
    "recorded in the transaction of the change, chained by SHA-256 hashes and verified by "
    "`manage.py selfcheck`.",
    "The words of sent emails are removed after 90 days; secret emails (links that act as "
    "the person) are never shown on the outbox pages, and mail server errors are stored with "
    "links and codes removed.",
    "Text typed into forms is checked for hidden characters and shown escaped; names are "
    "isolated so they cannot reorder the text around them.",
]


def _count(n: int, word: str) -> str:
    return f"{n} {word} holds" if n == 1 else f"{n} {word}s hold"


def _people(subjects: Iterable[inventory.Subject]) -> str:
    order = list(inventory.Subject)
    return "; ".join(str(s) for s in sorted(set(subjects), key=order.index)) or "none"


def _names(names: Iterable[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _bases(columns: Iterable[Column]) -> list[str]:
    found = {c.basis for c in columns if c.basis is not Basis.NONE}
    return [str(b) for b in Basis if b in found]


def _retention_text(retention: inventory.Retention) -> str:
    r = retention
    if r.period_text[0].isdigit():
        return f"{r.title}: {r.period_text} after {r.after}, then {r.ends}"
    return f"{r.title}: {r.period_text}; when {r.after}, {r.ends}"


def _group_row(entry: Entry, group: Fields) -> list[str]:
    kept = group.retention or entry.retention
    what = group.purpose
    if group.may_reveal_special:
        what += " *May reveal special-category data.*"
    basis = str(group.basis)
    if group.condition is not None:
        basis += f"; Art. 9: {group.condition}"
    return [_names(group.names), what, basis, group.protection.label, kept.title]


def _entry_section(entry: Entry) -> list[str]:
    lines = [
        f"#### `{entry.label}`",
        "",
        entry.purpose,
        "",
        f"- **About:** {_people(entry.subjects)}",
        f"- **Identifying columns:** {_names(entry.identifies)}",
        f"- **Who can see it:** {entry.seen_by}",
        f"- **Kept:** {_retention_text(entry.retention)}",
        "",
    ]
    rows = [_group_row(entry, group) for group in entry.groups]
    lines += _table(["columns", "what for", "lawful basis", "protection", "kept"], rows)
    return [*lines, ""]


def _activity_section(number: int, activity: Activity, entries: list[Entry]) -> list[str]:
    personal = [e for e in entries if e.personal]
    columns = [c for e in personal for c in e.columns() if c.protection.personal]
    conditions = sorted({str(c.condition) for c in columns if c.condition})
    categories = sorted({e.label for e in personal})
    kept = []
    for retention in inventory.Keep.all():
        if any(c.retention is retention for c in columns):
            kept.append(f"  - {_retention_text(retention)}")
    lines = [
        f"### {number}. {activity.title}",
        "",
        f"- **Purpose:** {activity.purpose}",
        f"- **Data subjects:** {_people(s for e in personal for s in e.subjects)}",
        f"- **Personal data, by table:** {_names(categories)}",
        f"- **Lawful basis (Art. 6):** {'; '.join(_bases(columns))}",
        f"- **Special-category condition (Art. 9):** {'; '.join(conditions) or 'none'}",
        "- **Retention:**",
        *kept,
        "",
    ]
    for entry in personal:
        lines += _entry_section(entry)
    return lines


def _by_activity() -> list[tuple[Activity, list[Entry]]]:
    all_entries = inventory.entries()
    grouped = [(a, [e for e in all_entries if e.activity is a]) for a in Activity]
    return [(a, es) for a, es in grouped if any(e.personal for e in es)]


def _retention_schedule() -> list[str]:
    rows = [[r.title, r.description, r.period_text, r.after, r.ends] for r in inventory.Keep.all()]
    return _table(["class", "what", "default period", "counted from", "then"], rows)


def _protection_levels() -> list[str]:
    counts = {p: 0 for p in Protection}
    for column in inventory.columns():
        counts[column.protection] += 1
    rows = [[p.label, p.description, str(counts[p])] for p in Protection]
    return _table(["protection", "meaning", "columns"], rows)


def record_of_processing() -> str:
    entries = inventory.entries()
    columns = inventory.columns()
    lines = [
        "# Record of processing activities",
        "",
        GENERATED,
        "",
        "This is the record of processing that UK GDPR Article 30 asks a controller to keep, "
        "for the personal data Flipside holds. It lists every table and every column Flipside "
        f"stores ({len(entries)} tables, {len(columns)} columns), grouped by processing "
        "activity, with what each is for, whom it is about, its lawful basis, who can see it, "
        "how long it is kept and how it is protected. It describes the software as it is; "
        "the institution that runs Flipside is the controller and confirms or changes what "
        "is marked as a default.",
        "",
        "## What the controller adds",
        "",
        "- The controller's name and contact details, and those of its data protection officer.",
        "- Its processors and other recipients outside Flipside: the hosting provider and the "
        "mail server that delivers Flipside's email (every email's address, subject and words "
        "pass through it), payroll (which receives the payroll file), and anyone given "
        "database access or backups.",
        "- Transfers outside the UK, if the hosting, the mail server or backups are abroad.",
        "- Its own lawful bases where they differ from the defaults below (a university "
        "usually relies on public task for education; another body may rely on legitimate "
        "interests), and its own retention periods where they differ from the schedule.",
        "",
        "## Retention schedule",
        "",
        "Each column falls in one of these classes (its table's, unless the column says "
        "otherwise). The periods are Flipside's defaults. Today only the words of sent emails "
        "are removed automatically; the other classes are the schedule that retention jobs "
        "will enforce.",
        "",
        *_retention_schedule(),
        "",
        "## Protection levels",
        "",
        *_protection_levels(),
        "",
        "## Security measures (Article 32)",
        "",
        *[f"- {measure}" for measure in SECURITY_MEASURES],
        "",
        "## Who can see what",
        "",
        "Roles belong to cohorts: a person is a coordinator, student mentor, staff mentee or "
        "observer in each cohort they belong to; scheme and organisation coordinators "
        "coordinate every cohort of a scheme or an organisation; an idea owner reaches only "
        "the ideas they own. Observers (leadership) see only figures across people. Partners "
        "never see each other's equality answers, journals, applications or pay. The full "
        "table of roles is in [the architecture](../architecture.md#roles).",
        "",
        "## Processing activities",
        "",
    ]
    for number, (activity, activity_entries) in enumerate(_by_activity(), start=1):
        lines += _activity_section(number, activity, activity_entries)
    lines += [
        "## Tables holding no personal data",
        "",
        "Settings, wording, configuration and counts. Listed so that the inventory is "
        "complete; a column here names no person.",
        "",
    ]
    rows = [
        [f"`{e.label}`", e.purpose, _names(c.name for c in e.columns()), e.retention.title]
        for e in entries
        if not e.personal
    ]
    lines += _table(["table", "what for", "columns", "kept"], rows)
    return "\n".join(lines).rstrip() + "\n"


def _group_rows(wanted: Callable[[Fields], bool]) -> list[list[str]]:
    """One row per group of columns that ``wanted`` picks: the table, its columns, what for,
    who can see them."""
    return [
        [f"`{entry.label}`", _names(group.names), group.purpose, entry.seen_by]
        for entry in inventory.entries()
        for group in entry.groups
        if wanted(group)
    ]


# Each risk to the people whose data Flipside holds, and what the product does about it. The
# controller rates likelihood and severity and decides whether the rest is acceptable.
RISKS = [
    (
        "A student's equality answers (ethnicity, sexual orientation, gender identity, "
        "disability) become known to their partner, a reviewer, a coordinator or leadership.",
        "Answers are optional, given on a separate page with un-ticked consent naming the "
        "categories and the privacy notice's version, every question with \u201cprefer not to "
        "say\u201d; withdrawing deletes them. They are stored apart from applications, "
        "encrypted, decrypted only inside the privacy app and leave it only as categories to "
        "be counted. No page shows one person's answers to anyone but them.",
    ),
    (
        "Taking part identifies a person as a member of the group the scheme centres (a "
        "scheme for LGBTQ+ students, say), to those who see the cohort's people.",
        "A cohort's people are seen by its coordinators; partners see each other's shared "
        "profile only; observers see figures only, with small numbers suppressed.",
    ),
    (
        "A small figure in a report points at a person (\u201c2 disabled applicants, 0 "
        "accepted\u201d).",
        "Counts of 1 to 9 hidden, others rounded to 5, secondary suppression checked by linear "
        "programming, percentages only out of 25, averages only of 8, no two equality "
        "questions against each other, thresholds that can only be raised.",
    ),
    (
        "Survey answers are linked back to the person who gave them, so students answer "
        "less honestly about senior staff.",
        "Answers carry no person and no time, a random id and a keyed pseudonym whose key is "
        "outside the database; results only from 5 people; free text encrypted and never in "
        "PDFs, bundles or the scheme's report. Identified surveys say so on their first page.",
    ),
    (
        "A private journal, a concern or the experience behind an idea is read by someone it "
        "was not written for, such as the senior partner it is about.",
        "Journals are encrypted and shown only to their author; concerns are encrypted and "
        "shown only to the scheme's coordinators (the email telling them carries none of its "
        "words), and an anonymous one stores no identity; the experience behind an idea "
        "is encrypted and shown only to the idea's coordinators, owner and proposers, never "
        "on the board.",
    ),
    (
        "A staff mentee learns their student partner's pay, hours or right-to-work details.",
        "Pay is reachable only by the mentor and the cohort's coordinators; a test plants a "
        "mentor's hours, rate and amounts and walks every page as every role.",
    ),
    (
        "Free text people type reveals special-category data (a statement about lived "
        "experience, a reviewer's note, why a pair ended) and is stored in plain text.",
        "Each such column is listed in section 4 with who can see it: the person, the "
        "coordinators the roles allow and, for a pause, the partner; never observers or "
        "reports. Concerns and access needs are encrypted; these columns are not yet: the "
        "applications list searches an application's statement, hopes and other topics and "
        "its spreadsheet exports them, and matching writes its reasons from the scheme's "
        "topics (decision 0033). Anyone with the database or a backup can read them.",
    ),
    (
        "Themes recorded from reflection events name or describe a person, and are printed "
        "in reports for observers.",
        "The form asks for themes without names or anything that identifies a person; nothing "
        "checks that coordinators write them so.",
    ),
    (
        "Someone takes over an account (guessed password, stolen session).",
        "Argon2 hashing, 12-character minimum, lockout after 5 failures, sessions of 30 idle "
        "minutes and 10 hours at most, all ended by sign-out or a password change; "
        "coordinators and observers also need a code from an authenticator app (decision "
        "0029). Sign-ins, failures, lockouts and refused pages are in the audit log.",
    ),
    (
        "A copy of the database or a backup is lost or stolen.",
        "Special-category answers, journals, concerns, access needs, survey free text and "
        "ideas' experience are encrypted with keys outside the database; tokens and past "
        "pairs are hashed; the "
        "pseudonym key is outside the database. Everything else, including the free text "
        "listed in section 4, is readable: backups must be encrypted and access-controlled.",
    ),
    (
        "Data is kept longer than needed.",
        "Every column has a retention class with a default period. A daily job removes "
        "unsuccessful applications, journals, meetings' details, payment records, audit "
        "entries, equality answers, emails, sign-in records, invitations and operational "
        "records when their period is over, "
        "and anonymises participants two years (by default) after their last cohort closed; "
        "legal holds keep what they cover, and a deletion log, replayed after a restore, "
        "records every removal. Consent records and ideas are not removed yet.",
    ),
    (
        "A person cannot find out, or have removed, what is held about them.",
        "Each person downloads everything held about them from their privacy page, and "
        "coordinators answer requests received otherwise within a month (both follow the "
        "data inventory's identifying columns; a test fails for a table left out). Erasure "
        "deletes, anonymises or minimises each table's rows as its app declares, refuses "
        "under a legal hold, and a test searches the whole database afterwards.",
    ),
]

CONTROLLER_FILLS = [
    "The controller, its data protection officer, and who signs the DPIA off.",
    "Consultation: how students (especially from the groups each scheme centres), staff, "
    "the students' union and the information security team were asked, and what they said.",
    "The lawful bases, where they differ from the defaults in the record of processing, and "
    "the Article 9 condition for any special-category data inferred from free text or from "
    "taking part in a scheme centring a minoritised group (for example DPA 2018 Schedule 1 "
    "paragraph 8, equality of opportunity), with an appropriate policy document if relied on.",
    "Retention periods, where they differ from the schedule (each scheme's coordinators set "
    "theirs within bounds), and how the classes the daily job does not remove yet "
    "(consent records, ideas) are removed meanwhile.",
    "Likelihood and severity of each risk in section 5, the residual risk, and whether it is "
    "accepted; whether the ICO must be consulted (Article 36).",
    "Hosting, mail server, payroll and backups: where they are, who runs them, the contracts "
    "with processors, and transfers outside the UK.",
    "How keys (`FIELD_ENCRYPTION_KEYS`, `SURVEY_PSEUDONYM_KEY`, `SECRET_KEY`) are kept, who "
    "holds them, and when they are rotated.",
    "The privacy notices participants see, and their version (equality consent records it).",
    "When the DPIA is reviewed (at least before each new scheme or change of processing).",
]


HEADER = ["table", "columns", "what for", "who can see them"]


def dpia() -> str:
    entries = inventory.entries()
    columns = inventory.columns()
    personal = [e for e in entries if e.personal]
    special = [c for c in columns if c.protection is Protection.SPECIAL]
    encrypted = [c for c in columns if c.protection is Protection.ENCRYPTED]
    plain_reveal = [c for c in columns if c.may_reveal_special and not c.protection.encrypted]
    subjects = _people(s for e in personal for s in e.subjects)
    lines = [
        "# Data protection impact assessment: starting document",
        "",
        GENERATED,
        "",
        "A DPIA is required before processing likely to result in a high risk to people "
        "(UK GDPR Article 35). Flipside processes special-category data about students from "
        "minoritised groups, who are the less powerful side of every pair, so an institution "
        "running it should carry one out. This document gives the facts the product can "
        "state, following the steps of the ICO's DPIA template; the controller completes it.",
        "",
        "## 1. Why a DPIA is needed",
        "",
        "- Special-category data (Article 9): equality-monitoring answers, and free text that "
        "can reveal health, ethnicity or sexual orientation.",
        "- People in a position of less power: students mentoring senior staff who may teach, "
        "assess or employ them.",
        "- Data matched and combined: applications are scored to propose pairs.",
        "- Evaluation of people's views and change over time (pre and post surveys).",
        "",
        "## 2. The processing",
        "",
        "**Nature.** People apply through a call or are invited; coordinators review "
        "applications, train participants, propose pairs with an optimal matching of scored "
        "applications, and follow pairs' meetings (that and when they meet, never what is "
        "said). Student mentors are paid for their time through payroll. Surveys before, "
        "during and after the year, ideas for change and reports evaluate the scheme. Email "
        "is sent through an outbox; a background worker delivers it and makes documents.",
        "",
        f"**Scope.** {len(personal)} of Flipside's {len(entries)} tables hold personal data, "
        f"about: {subjects}. A cohort usually has five to fifteen people a side. "
        f"{_count(len(special), 'column')} special-category data, {len(encrypted)} more "
        f"confidential text encrypted, and {len(plain_reveal)} free text or choices that may "
        "reveal special-category data in plain text.",
        "",
        "**Context.** The schemes centre the lived experience of a minoritised group; the "
        "students are the less powerful side of each pair and the institution running the "
        "scheme is also their university. They reasonably expect their equality answers, "
        "journals, concerns and survey answers not to reach their partner or leadership.",
        "",
        "**Purposes.**",
        "",
    ]
    lines += [f"- {a.title}: {a.purpose}" for a, _es in _by_activity()]
    lines += [
        "",
        "The [record of processing](record-of-processing.md) lists every table and column with "
        "its purpose, lawful basis, who can see it, retention and protection.",
        "",
        "## 3. Necessity and proportionality",
        "",
        "- **Lawful bases (defaults).** Running the scheme: public task (Art. 6(1)(e)). Paying "
        "student mentors: contract (6(1)(b)); right-to-work checks and pay records: legal "
        "obligation (6(1)(c)). Security and audit records: legitimate interests (6(1)(f)). "
        "Equality monitoring, optional email and being named on the ideas board: consent "
        "(6(1)(a)), with explicit consent (9(2)(a)) for equality answers.",
        "- **Minimisation.** Partners see each other's shared profile only (name, pronouns, "
        "role, site, programme and year or job title, how and when they can meet, email); "
        "never the application's statement, topics, conflicts or access needs. Meetings "
        "record times, length and mode, never content. Survey answers carry no person. "
        "Reports hold figures only. Sent emails lose their words after 90 days.",
        "- **Accuracy and rights.** People see and change their own details, applications "
        "until the call closes, equality answers (and withdraw them) and survey answers "
        "until the survey closes; they download everything held about them and can ask "
        "for it to be erased (docs/privacy/subject-access.md, erasure.md).",
        "- **Retention.** Every column has a retention class (below).",
        "- **Processors and transfers.** Flipside itself sends data to no third party other "
        "than the mail server the institution configures and the payroll file coordinators "
        "download.",
        "",
        "## 4. Special-category data and its protections",
        "",
        "Held as special-category data, encrypted:",
        "",
        *_table(HEADER, _group_rows(lambda g: g.protection is Protection.SPECIAL)),
        "",
        "Confidential text held encrypted (it can contain anything a person chooses to write):",
        "",
        *_table(HEADER, _group_rows(lambda g: g.protection is Protection.ENCRYPTED)),
        "",
        "Free text or choices that may reveal special-category data, **stored in plain text**:",
        "",
        *_table(HEADER, _group_rows(lambda g: g.may_reveal_special and not g.protection.encrypted)),
        "",
        "## 5. Risks and the measures the product takes",
        "",
        "Likelihood, severity and residual risk are for the controller to assess.",
        "",
    ]
    rows = [[risk, measures, "", ""] for risk, measures in RISKS]
    lines += _table(
        ["risk to people", "what Flipside does", "likelihood and severity", "residual risk"], rows
    )
    lines += [
        "",
        "Security measures in place:",
        "",
        *[f"- {measure}" for measure in SECURITY_MEASURES],
        "",
        "## 6. What the controller must still fill in",
        "",
        *[f"- [ ] {item}" for item in CONTROLLER_FILLS],
        "",
        "## Retention schedule",
        "",
        *_retention_schedule(),
    ]
    return "\n".join(lines).rstrip() + "\n"


def documents() -> dict[str, str]:
    """The documents by file name, under ``docs/privacy/``."""
    return {"record-of-processing.md": record_of_processing(), "dpia.md": dpia()}
