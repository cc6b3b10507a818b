"""People and how they join a cohort."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from flipside.lib.email_address import canonical_email
from flipside.lib.text import validate_single_line
from flipside.notifications.models import OutboxMessage
from flipside.schemes.models import Role


def _canonical_or_field_error(email: str) -> str:
    try:
        return canonical_email(email)
    except ValidationError as error:
        raise ValidationError({"email": error.messages}) from error


TITLES = {"dr", "prof", "professor", "mr", "mrs", "ms", "miss", "mx", "sir", "dame", "rev", "revd"}


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        try:
            email = canonical_email(username or "")
        except ValidationError:
            raise self.model.DoesNotExist from None  # no account has an address like that
        return self.get(email=email)

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        """Stores the canonical address; ``ValidationError`` for a bad address or one whose
        canonical twin already has an account (services check that first, to say so)."""
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=_canonical_or_field_error(email), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person: student, member of staff, coordinator or observer.

    Roles are not stored here; they belong to cohorts and schemes (see ``schemes``).
    """

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("name"), max_length=150, validators=[validate_single_line])
    pronouns = models.CharField(
        _("pronouns"), max_length=40, blank=True, validators=[validate_single_line]
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Part of every session's signature: raising it signs the person out everywhere.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)
    # Raised whenever the person gains or loses a role (``middleware``): what a session
    # remembers about their roles (that they need no second factor) is decided again.
    roles_epoch = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = _canonical_or_field_error(self.email)

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django signs sessions with the password hash; adding the epoch lets sign-out end
        # every session of this person, not only the current one.
        key_salt = "flipside.accounts.User.get_session_auth_hash"
        value = f"{self.password}:{self.session_epoch}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    @property
    def first_name(self) -> str:
        """The name to greet someone by: the first word that is not a title."""
        words = self.display_name.split()
        while len(words) > 1 and words[0].rstrip(".").lower() in TITLES:
            words = words[1:]
        return words[0] if words else ""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)


class Invitation(models.Model):
    """An invitation to join a cohort with a role.

    States: pending → accepted (by the invitee, once) | revoked (by a coordinator, or
    replaced by a fresh invitation) | expired (time passes). Only a hash of the link's
    token is stored, so a database leak does not leak working links.
    """

    cohort = models.ForeignKey(
        "schemes.Cohort", on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    new_link_requested_at = models.DateTimeField(null=True, blank=True)
    # The invitation email in the outbox, so the people page can say it was not delivered.
    message = models.ForeignKey(
        OutboxMessage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "cohort",
                "email",
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_pending_invitation_per_cohort_and_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.cohort} ({self.role})"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired

    @property
    def delivery(self) -> str:
        """How the invitation email is doing: "failed" once the outbox has given up on it,
        "retrying" while failed tries are repeated, else "" (sent, or not tried yet). Select
        ``message`` with the invitation."""
        message = self.message
        if message is None or message.status == OutboxMessage.Status.SENT:
            return ""
        if message.status == OutboxMessage.Status.FAILED:
            return "failed"
        return "retrying" if message.attempts else ""

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        return "expired" if self.is_expired else "pending"
