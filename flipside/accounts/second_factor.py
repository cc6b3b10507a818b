"""The second factor: a TOTP authenticator app, with single-use backup codes.

Coordinators (of a cohort, a scheme or an organisation) and observers need one before they can
use any page (``middleware.SecondFactorMiddleware``); mentors and mentees are not asked. The
devices are django-otp's: one confirmed ``TOTPDevice`` and one ``StaticDevice`` holding the
backup codes, which are stored only as keyed hashes. Wrong codes are counted on the TOTP
device and lock the person out like wrong passwords (5, then 15 minutes), whichever kind of
code was wrong. An organisation coordinator can reset a person's second factor when they have
lost both their phone and their codes.
"""

from __future__ import annotations

import base64
import datetime
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from flipside.notifications import outbox
from flipside.privacy import audit
from flipside.schemes.models import Membership, OrganisationCoordinator, Role, SchemeCoordinator
from flipside.schemes.permissions import coordinated_organisations, roles_of

from .models import User
from .services import end_all_sessions

BACKUP_CODES = 10
# Backup codes: 10 letters and digits a person can read out (no 0/o, 1/l/i), about 50 bits.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_DEVICE_NAME = "Authenticator app"
_BACKUP_NAME = "Backup codes"


class SecondFactorError(Exception):
    """A code or change that cannot be accepted; the message says what to do."""


def needs_second_factor(user: Any) -> bool:
    """Coordinators (by any route) and observers must use a second factor."""
    roles = roles_of(user)
    return roles.coordinates_anything() or bool(roles.member_of(Role.OBSERVER))


def authenticator(user: User) -> TOTPDevice | None:
    """The person's confirmed authenticator app, if they have set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=_BACKUP_NAME).count()


# --- Setting up ---------------------------------------------------------------------------


def new_secret() -> str:
    """A fresh TOTP key (hex, 160 bits), not stored until its first code confirms it."""
    return str(default_key())


def base32_secret(key: str) -> str:
    """The key as authenticator apps take it when typed in."""
    return base64.b32encode(bytes.fromhex(key)).decode().rstrip("=")


def otpauth_uri(user: User, key: str) -> str:
    issuer = settings.OTP_TOTP_ISSUER
    label = quote(f"{issuer}:{user.email}")
    query = urlencode({"secret": base32_secret(key), "issuer": issuer, "digits": 6, "period": 30})
    return f"otpauth://totp/{label}?{query}"


def qr_svg(uri: str) -> str:
    """The URI as a QR code, an SVG element to put in the page (no script, no image file)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    return str(svg[svg.index("<svg") :])


def _matching_step(key: str, code: str, *, after: int = -1) -> int | None:
    """The time step at which ``code`` is the key's code (now, or one step either side for a
    slow clock), if later than ``after``; else None."""
    code = "".join(code.split())
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = TOTP(bytes.fromhex(key))
    now = totp.t()
    for t in (now, now - 1, now + 1):
        totp.drift = t - now
        if t > after and totp.token() == int(code):
            return t
    return None


def set_up(user: User, *, key: str, code: str) -> list[str]:
    """Confirm a new authenticator app by its first code; it replaces any earlier one, and
    new backup codes replace the old. Returns the backup codes (shown once, never again)."""
    step = _matching_step(key, code)
    if step is None:
        raise SecondFactorError(
            _("That code is not right. Check the time on your phone, then type the newest code.")
        )
    with transaction.atomic():
        replaced = TOTPDevice.objects.filter(user=user).delete()[0] > 0
        TOTPDevice.objects.create(
            user=user, name=_DEVICE_NAME, key=key, confirmed=True, last_t=step
        )
        codes = _replace_backup_codes(user)
        audit.record(user, "accounts.second_factor.set_up", user, replaced=replaced)
    return codes


def _stored(code: str) -> str:
    """What is kept of a backup code: a keyed hash (it fits django-otp's 16 characters)."""
    typed = "".join(code.lower().split()).replace("-", "")
    return salted_hmac("flipside.accounts.backup_code", typed, algorithm="sha256").hexdigest()[:16]


def _replace_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_BACKUP_NAME, confirmed=True)
    codes = []
    for _n in range(BACKUP_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _i in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    StaticToken.objects.bulk_create(StaticToken(device=device, token=_stored(c)) for c in codes)
    return codes


def new_backup_codes(user: User) -> list[str]:
    """Make a new set of backup codes; the old ones stop working."""
    with transaction.atomic():
        if authenticator(user) is None:
            raise SecondFactorError(_("Set up your authenticator app first."))
        codes = _replace_backup_codes(user)
        audit.record(user, "accounts.second_factor.backup_codes_made", user, count=len(codes))
    return codes


# --- Signing in with a code ---------------------------------------------------------------


@dataclass(frozen=True)
class Verified:
    device: TOTPDevice | StaticDevice
    backup_codes_left: int | None  # None: the authenticator app's code was used


def _locked_until(device: TOTPDevice, now: datetime.datetime) -> datetime.datetime | None:
    last = device.throttling_failure_timestamp
    if device.throttling_failure_count < settings.SECOND_FACTOR_FAILURE_LIMIT or last is None:
        return None
    until = last + datetime.timedelta(seconds=settings.SECOND_FACTOR_COOLOFF_SECONDS)
    return until if until > now else None


def verify(user: User, code: str) -> Verified:
    """Check a code from the authenticator app or a backup code. Each works once: a code of
    the app is refused at or before the last step used, a backup code is deleted. Five wrong
    codes lock the person out for 15 minutes."""
    now = timezone.now()
    with transaction.atomic():
        # One check at a time per person: two requests with one code cannot both pass.
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:
            raise SecondFactorError(_("Set up your authenticator app first."))
        until = _locked_until(device, now)
        if until is not None:
            minutes = max(1, round((until - now).total_seconds() / 60))
            raise SecondFactorError(
                ngettext(
                    "Too many wrong codes. For your safety, try again in %(n)d minute.",
                    "Too many wrong codes. For your safety, try again in %(n)d minutes.",
                    minutes,
                )
                % {"n": minutes}
            )
        if device.throttling_failure_count >= settings.SECOND_FACTOR_FAILURE_LIMIT:
            device.throttle_reset()  # the cool-off has passed: five new tries
        outcome = _check(user, device, code)
        if outcome is None:
            audit.record(
                user,
                "accounts.second_factor.failed",
                user,
                failures=device.throttling_failure_count,
            )
    if outcome is None:
        left = settings.SECOND_FACTOR_FAILURE_LIMIT - device.throttling_failure_count
        if left <= 0:
            raise SecondFactorError(
                _("Too many wrong codes. For your safety, try again in 15 minutes.")
            )
        raise SecondFactorError(
            ngettext(
                "That code is not right, or has been used already. %(n)d try left.",
                "That code is not right, or has been used already. %(n)d tries left.",
                left,
            )
            % {"n": left}
        )
    return outcome


def _check(user: User, device: TOTPDevice, code: str) -> Verified | None:
    typed = "".join(code.split())
    if len(typed) == 6 and typed.isdigit():
        # django-otp refuses a step at or before the last one used, and counts a failure.
        return Verified(device, None) if device.verify_token(typed) else None
    backup = StaticDevice.objects.filter(user=user, name=_BACKUP_NAME).first()
    if backup is not None and backup.verify_token(_stored(typed)):
        device.throttle_reset()
        left = backup.token_set.count()
        audit.record(user, "accounts.second_factor.backup_code_used", user, left=left)
        return Verified(backup, left)
    device.throttle_increment()
    return None


# --- Reset by an organisation coordinator -------------------------------------------------


def resettable_person(by: User, email: str) -> User | None:
    """The person with this address who takes part in an organisation ``by`` coordinates
    (in a cohort, or coordinating one of its schemes or the organisation), not ``by``."""
    organisations = coordinated_organisations(by)
    in_them = (
        Q(pk__in=Membership.objects.filter(cohort__scheme__organisation__in=organisations).values(
            "user"
        ))
        | Q(pk__in=SchemeCoordinator.objects.filter(
            scheme__organisation__in=organisations
        ).values("user"))
        | Q(pk__in=OrganisationCoordinator.objects.filter(
            organisation__in=organisations
        ).values("user"))
    )  # fmt: skip
    return User.objects.filter(in_them, email=email).exclude(pk=by.pk).first()


def reset(person: User, *, by: User) -> None:
    """Remove the person's authenticator app and backup codes and sign them out everywhere:
    they set up a new app at their next sign-in. They are told by email."""
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=person).delete()[0]
        StaticDevice.objects.filter(user=person).delete()
        end_all_sessions(person)
        audit.record(by, "accounts.second_factor.reset", person, had_app=removed > 0)
        outbox.enqueue(
            "second_factor_reset",
            to=person.email,
            user=person,
            values={
                "by": str(by),
                "link": settings.SITE_URL + reverse("accounts:login"),
            },
        )
