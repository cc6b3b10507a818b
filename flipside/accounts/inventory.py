"""What accounts stores, for the data inventory (``privacy.inventory``): people and their
invitations, and the third-party tables of signing in (Django's auth, sessions and content
types, django-axes)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from flipside.privacy.inventory import EVERYONE, Activity, Basis, Keep, Subject, declare, fields
from flipside.privacy.inventory import Protection as P
from flipside.privacy.inventory import not_personal as plain
from flipside.privacy.subject_access import rule

ROW = "The row's number."
SECURITY = Basis.LEGITIMATE_INTERESTS
UNUSED = (
    "Nobody: Django's permission tables, installed with its sign-in, which Flipside does not "
    "use (roles belong to cohorts and schemes)."
)
ALL_PEOPLE = (*EVERYONE, Subject.APPLICANT, Subject.IDEA_OWNER)

declare(
    "accounts.User",
    activity=Activity.ACCOUNTS,
    purpose="A person's account: how they sign in and how they are named to others.",
    retention=Keep.ACCOUNT,
    seen_by=(
        "The person; their name, pronouns and email address by their partners (the shared "
        "profile) and by coordinators of their cohorts; an applicant's name and email by the "
        "coordinators reviewing the call, unless its review is blind."
    ),
    subjects=ALL_PEOPLE,
    identifies="id email display_name",
    groups=[
        fields(
            "id",
            "The number every record about the person points at.",
            Basis.PUBLIC_TASK,
            P.PERSONAL,
        ),
        fields(
            "email display_name pronouns",
            "Signing in, and naming the person (with the pronouns they give) to those they "
            "work with.",
            Basis.PUBLIC_TASK,
            P.PERSONAL,
        ),
        fields(
            "password",
            "Checking the password at sign-in (an Argon2 hash).",
            Basis.PUBLIC_TASK,
            P.HASHED,
        ),
        fields(
            "last_login date_joined is_active session_epoch roles_epoch",
            "Account security: when they last signed in and joined, whether they may sign in, "
            "a number that ends all their sessions when raised, and one raised when their "
            "roles change, so that a new role's second factor is asked for at once.",
            SECURITY,
            P.PERSONAL,
        ),
        fields(
            "is_superuser is_staff",
            "Django's administrator flags; Flipside has no admin site and sets them only for "
            "operators made on the command line.",
            SECURITY,
            P.PERSONAL,
        ),
    ],
)

declare(
    "accounts.User_groups",
    activity=Activity.ACCOUNTS,
    purpose="Django's link between people and permission groups; Flipside makes none.",
    retention=Keep.ACCOUNT,
    seen_by=UNUSED,
    subjects=ALL_PEOPLE,
    identifies="user",
    groups=[
        plain("id group", ROW + " The group."),
        fields("user", "The person in the group.", SECURITY, P.PERSONAL),
    ],
)

declare(
    "accounts.User_user_permissions",
    activity=Activity.ACCOUNTS,
    purpose="Django's per-person permissions; Flipside grants none.",
    retention=Keep.ACCOUNT,
    seen_by=UNUSED,
    subjects=ALL_PEOPLE,
    identifies="user",
    groups=[
        plain("id permission", ROW + " The permission."),
        fields("user", "The person given the permission.", SECURITY, P.PERSONAL),
    ],
)

declare(
    "accounts.Invitation",
    activity=Activity.SCHEMES,
    purpose="An invitation to join a cohort with a role, by a single-use link sent by email.",
    retention=Keep.SECRETS,
    seen_by="Coordinators of the cohort (the people page lists pending invitations).",
    subjects=(*EVERYONE,),
    identifies="email invited_by accepted_by",
    groups=[
        plain("id", ROW),
        plain("cohort role", "The cohort and the role the invitation gives."),
        fields(
            "email",
            "Where the invitation is sent; the account it makes.",
            Basis.PUBLIC_TASK,
            P.PERSONAL,
        ),
        fields(
            "token_hash",
            "Checking the link: only a SHA-256 hash of its token is stored.",
            Basis.PUBLIC_TASK,
            P.HASHED,
        ),
        fields(
            "invited_by accepted_by created_at expires_at accepted_at revoked_at "
            "new_link_requested_at message",
            "Who invited whom and when; whether the link was used, revoked or expired; the "
            "email in the outbox, so the people page can say it did not arrive.",
            Basis.PUBLIC_TASK,
            P.PERSONAL,
        ),
    ],
)

# --- Django's own tables -------------------------------------------------------------------

declare(
    "auth.Permission",
    activity=Activity.ACCOUNTS,
    purpose="Django's list of model permissions, made by its migrations.",
    retention=Keep.CONFIGURATION,
    seen_by="Nobody through Flipside's pages.",
    groups=[plain("id name content_type codename", "Which permission, on which kind of record.")],
)

declare(
    "auth.Group",
    activity=Activity.ACCOUNTS,
    purpose="Django's permission groups; Flipside makes none.",
    retention=Keep.CONFIGURATION,
    seen_by=UNUSED,
    groups=[plain("id name", "The group and its name.")],
)

declare(
    "auth.Group_permissions",
    activity=Activity.ACCOUNTS,
    purpose="Django's link between groups and permissions; Flipside makes none.",
    retention=Keep.CONFIGURATION,
    seen_by=UNUSED,
    groups=[plain("id group permission", "Which group has which permission.")],
)

declare(
    "contenttypes.ContentType",
    activity=Activity.ACCOUNTS,
    purpose="Django's list of the kinds of record (tables) the project has.",
    retention=Keep.CONFIGURATION,
    seen_by="Nobody through Flipside's pages.",
    groups=[plain("id app_label model", "The app and model of each kind of record.")],
)

declare(
    "sessions.Session",
    activity=Activity.ACCOUNTS,
    purpose=(
        "Keeping a person signed in: one row per browser session (30 minutes idle, 10 hours "
        "at most; ended by signing out, a password change or deactivation)."
    ),
    retention=Keep.SIGN_IN,
    seen_by="Nobody through Flipside's pages; the server reads it on every request.",
    subjects=ALL_PEOPLE,
    identifies="session_data",
    groups=[
        fields(
            "session_key",
            "The session's identifier, also held in the person's cookie.",
            SECURITY,
            P.SECRET,
        ),
        fields(
            "session_data",
            "Signed data: the person's account number, a hash tying the session to their "
            "password and session number, sign-in time, messages waiting to be shown.",
            SECURITY,
            P.PERSONAL,
        ),
        fields("expire_date", "When the session stops working.", SECURITY, P.PERSONAL),
    ],
)

# --- django-axes: failed sign-ins and lockout ----------------------------------------------

ATTEMPT = (
    "The browser's user agent and Accept header, the address it came from, the email typed and the"
    " page."
)

declare(
    "axes.AccessAttempt",
    activity=Activity.AUDIT,
    purpose=(
        "Locking out an account and address after 5 failed sign-ins for 15 minutes "
        "(django-axes), to stop password guessing."
    ),
    retention=Keep.SIGN_IN,
    seen_by="Nobody through Flipside's pages; operators with database access.",
    subjects=(Subject.VISITOR,),
    identifies="username ip_address",
    groups=[
        plain("id", ROW),
        fields(
            "user_agent ip_address username http_accept path_info", ATTEMPT, SECURITY, P.PERSONAL
        ),
        fields(
            "attempt_time get_data post_data failures_since_start",
            "When, what the form sent (passwords masked by django-axes) and how many failures "
            "in a row.",
            SECURITY,
            P.PERSONAL,
        ),
    ],
)

declare(
    "axes.AccessAttemptExpiration",
    activity=Activity.AUDIT,
    purpose="When a lockout by django-axes ends.",
    retention=Keep.SIGN_IN,
    seen_by="Nobody through Flipside's pages; operators with database access.",
    subjects=(Subject.VISITOR,),
    identifies="access_attempt",
    groups=[
        fields(
            "access_attempt expires_at",
            "The attempt and when its lockout ends.",
            SECURITY,
            P.PERSONAL,
        )
    ],
)

declare(
    "axes.AccessLog",
    activity=Activity.AUDIT,
    purpose="A record of each successful sign-in and sign-out (django-axes), for security.",
    retention=Keep.SIGN_IN,
    seen_by="Nobody through Flipside's pages; operators with database access.",
    subjects=ALL_PEOPLE,
    identifies="username ip_address",
    groups=[
        plain("id", ROW),
        fields(
            "user_agent ip_address username http_accept path_info", ATTEMPT, SECURITY, P.PERSONAL
        ),
        fields("attempt_time logout_time", "When they signed in and out.", SECURITY, P.PERSONAL),
        fields("session_hash", "A hash of the session's identifier.", SECURITY, P.HASHED),
    ],
)

declare(
    "axes.AccessFailureLog",
    activity=Activity.AUDIT,
    purpose=(
        "django-axes' log of each failed sign-in; left empty, because Flipside does not turn "
        "it on (AXES_ENABLE_ACCESS_FAILURE_LOG)."
    ),
    retention=Keep.SIGN_IN,
    seen_by="Nobody through Flipside's pages; operators with database access.",
    subjects=(Subject.VISITOR,),
    identifies="username ip_address",
    groups=[
        plain("id", ROW),
        fields(
            "user_agent ip_address username http_accept path_info", ATTEMPT, SECURITY, P.PERSONAL
        ),
        fields(
            "attempt_time locked_out",
            "When, and whether it locked the account out.",
            SECURITY,
            P.PERSONAL,
        ),
    ],
)

# The second factor of coordinators and observers (django-otp; decision 0029).
SECOND_FACTOR = "The person, on their second-factor pages; organisation coordinators can reset it."
ONE_DEVICE = (
    "Whose it is, whether its first code confirmed it, wrong codes in a row and when "
    "the last was (for the lockout), when it was set up and last used."
)
TWO_STEP = (Subject.COORDINATOR, Subject.OBSERVER)

declare(
    "otp_totp.TOTPDevice",
    activity=Activity.ACCOUNTS,
    purpose="A coordinator's or observer's authenticator app: the key its codes are made from.",
    retention=Keep.ACCOUNT,
    seen_by=SECOND_FACTOR,
    subjects=TWO_STEP,
    identifies="user",
    groups=[
        plain("id", ROW),
        plain("name", "The kind of device, in Flipside's words (the same for everyone)."),
        fields(
            "user confirmed throttling_failure_timestamp throttling_failure_count "
            "created_at last_used_at",
            ONE_DEVICE,
            SECURITY,
            P.PERSONAL,
        ),
        fields(
            "key",
            "The shared key the app makes codes from, shown once when it is set up.",
            SECURITY,
            P.SECRET,
        ),
        fields(
            "step t0 digits tolerance drift last_t",
            "How codes are made and checked: the time step, code length, tolerated clock drift "
            "and the time step of the last code used (so no code works twice).",
            SECURITY,
            P.PERSONAL,
        ),
    ],
)

declare(
    "otp_static.StaticDevice",
    activity=Activity.ACCOUNTS,
    purpose="A coordinator's or observer's set of single-use backup codes.",
    retention=Keep.ACCOUNT,
    seen_by=SECOND_FACTOR,
    subjects=TWO_STEP,
    identifies="user",
    groups=[
        plain("id", ROW),
        plain("name", "The kind of device, in Flipside's words (the same for everyone)."),
        fields(
            "user confirmed throttling_failure_timestamp throttling_failure_count "
            "created_at last_used_at",
            ONE_DEVICE,
            SECURITY,
            P.PERSONAL,
        ),
    ],
)

declare(
    "otp_static.StaticToken",
    activity=Activity.ACCOUNTS,
    purpose="One unused backup code, stored only as a keyed hash; deleted when used.",
    retention=Keep.ACCOUNT,
    seen_by="Nobody: the codes are shown once, when made.",
    subjects=TWO_STEP,
    identifies="device",
    groups=[
        plain("id", ROW),
        fields("device", "Whose set of codes it belongs to.", SECURITY, P.PERSONAL),
        fields("token", "The code's keyed hash.", SECURITY, P.HASHED),
    ],
)


# --- Subject access: how these tables' rows about a person are found ----------------------


def _sessions_of(person: Any, found: Any) -> Q | None:
    """A session names its person only inside its signed data: the live ones are read."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    store, keys = import_module(settings.SESSION_ENGINE).SessionStore(), []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).only(
        "session_key", "session_data"
    ):
        if str(store.decode(session.session_data).get("_auth_user_id")) == str(person.pk):
            keys.append(session.session_key)
    return Q(pk__in=keys) if keys else None


rule(
    "sessions.Session",
    find=_sessions_of,
    finds=("session_data",),
    withheld={
        "session_data": "signed sign-in data (your account number and a hash tying the "
        "session to your password); the session's end is shown"
    },
)
rule("accounts.Invitation", owners=("accepted_by",))
for _label in ("axes.AccessAttempt", "axes.AccessFailureLog", "axes.AccessLog"):
    rule(
        _label,
        emails=("username",),
        held_with={"ip_address": "the address a sign-in came from, held with its attempt"},
    )
rule(
    "accounts.User",
    held_with={"display_name": "the person's own name, held with their account"},
)
