"""What notifications stores, for the data inventory (``privacy.inventory``)."""

from __future__ import annotations

from flipside.privacy.inventory import EVERYONE, Activity, Basis, Keep, Subject, declare, fields
from flipside.privacy.inventory import Protection as P
from flipside.privacy.inventory import not_personal as plain
from flipside.privacy.subject_access import rule

ROW = "The row's number."
RUN = Basis.PUBLIC_TASK
MAIL_SEEN = (
    "Coordinators of the email's scheme (the outbox pages): the envelope always, the words "
    "only for kinds that are not secret; emails about no scheme (password resets) nobody."
)
RECIPIENTS = (*EVERYONE, Subject.APPLICANT, Subject.IDEA_OWNER)

declare(
    "notifications.OutboxMessage",
    activity=Activity.EMAIL,
    purpose="One email, written in the same transaction as the change that causes it, until sent.",
    retention=Keep.EMAIL,
    seen_by=MAIL_SEEN,
    subjects=RECIPIENTS,
    identifies="to user",
    groups=[
        plain("id", ROW),
        fields(
            "kind to user scheme",
            "What kind of email, to which address and person, about which scheme.",
            RUN,
            P.PERSONAL,
        ),
        fields("subject", "The email's subject line (never carries a secret).", RUN, P.PERSONAL),
        fields(
            "body_text body_html headers attachments",
            "The email itself (a secret kind carries a single-use link).",
            RUN,
            P.CONFIDENTIAL,
            retention=Keep.EMAIL_CONTENT,
        ),
        fields(
            "message_id status attempts next_attempt_at claimed_by lease_expires_at last_error "
            "created_at sent_at content_purged_at",
            "Delivering it once: its Message-ID, status, tries, the worker's claim, the mail "
            "server's last error (links and codes removed) and when it was made, sent and "
            "emptied.",
            RUN,
            P.PERSONAL,
        ),
    ],
)

declare(
    "notifications.DeliveryAttempt",
    activity=Activity.EMAIL,
    purpose="One hand-over of an email to the mail server, successful or not.",
    retention=Keep.EMAIL,
    seen_by=MAIL_SEEN,
    subjects=RECIPIENTS,
    identifies="message",
    groups=[
        plain("id", ROW),
        fields(
            "message worker started_at finished_at succeeded error",
            "Which email, which worker, when, and the mail server's answer (links and codes "
            "removed).",
            RUN,
            P.PERSONAL,
        ),
    ],
)

declare(
    "notifications.TemplateOverride",
    activity=Activity.EMAIL,
    purpose="A scheme's own wording for one kind of email.",
    retention=Keep.CONFIGURATION,
    seen_by="The scheme's coordinators.",
    subjects=(Subject.COORDINATOR,),
    identifies="updated_by",
    groups=[
        plain("id scheme kind subject body", "The scheme, the kind of email and its wording."),
        fields("updated_by updated_at", "Who last changed the wording, and when.", RUN, P.PERSONAL),
    ],
)

declare(
    "notifications.Preference",
    activity=Activity.EMAIL,
    purpose="Whether a person wants optional email (essential email ignores it).",
    retention=Keep.ACCOUNT,
    seen_by="The person.",
    subjects=RECIPIENTS,
    identifies="user",
    groups=[
        plain("id", ROW),
        fields(
            "user optional_email updated_at",
            "The person's choice and when they made it.",
            Basis.CONSENT,
            P.PERSONAL,
        ),
    ],
)

declare(
    "notifications.ScheduledRun",
    activity=Activity.EMAIL,
    purpose="A scheduled job's run in one time slot, so each runs once.",
    retention=Keep.OPERATIONS,
    seen_by="Nobody through Flipside's pages.",
    groups=[
        plain(
            "id job slot started_at finished_at result",
            "The job, its slot, when it ran and a summary in numbers.",
        )
    ],
)


# --- Subject access: how these tables' rows about a person are found ----------------------

rule(
    "notifications.OutboxMessage",
    withheld={
        name: "the words of the email, which you received; its envelope is shown"
        for name in ("body_text", "body_html", "headers", "attachments")
    },
)
