"""One canonical form for email addresses, so one mailbox is one account.

``canonical_email`` is used at every door an address comes in by (applying, invitations,
staff lists, sign-in, password reset, the set-up command, ``User`` itself). It builds on
``email-validator`` (the field's standard: Unicode normalisation, IDNA domains, refusal of
unsafe characters) and adds our own rules:

- **Hidden characters are refused, with their names.** Any control or format character
  (zero-width joiner or space, soft hyphen, byte-order mark, direction marks…) makes an
  address that looks like another but is not, so we never guess: the person types it again.
- **The part before the @ is ASCII** (``allow_smtputf8=False``): Django's mail sending cannot
  address non-ASCII mailboxes, and university and NHS systems do not issue them. The domain
  may be international; it is kept in its Unicode form (``exämple.ac.uk``, not
  ``xn--exmple-cua.ac.uk``), whichever way it was typed, NFC-normalised by IDNA's UTS-46.
- **Letter case is folded**: the domain by IDNA, the part before the @ by ``lower()``.
  Strictly that part may be case-sensitive, but no mail system people use treats it so, and
  Flipside has always stored addresses in lower case and compared them without case; keeping
  that rule means existing rows only change where they hid a character or an accent form.
- **Reserved domains that cannot receive mail are refused** (``.invalid``, ``.local``,
  ``localhost``, ``.onion``, ``.arpa``), as email-validator does by default. ``.test`` is
  allowed (``test_environment=True``) because the demo's people live at
  ``demo.flipside.test``; ``.example`` domains are allowed by email-validator anyway. No DNS
  look-up is made (``check_deliverability=False``): a page must not wait on DNS, and a bad
  address shows up as a failed delivery in the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from email_validator import EmailNotValidError, validate_email

from .text import describe, is_invisible

INVALID = _("Enter an email address in the correct format, like name@example.ac.uk.")


def canonical_email(value: str) -> str:
    """The canonical form of ``value``, or ``ValidationError`` with a message a person can act
    on. Idempotent: the canonical form of a canonical address is itself."""
    text = value.strip()
    hidden = [ch for ch in text if is_invisible(ch)]
    if hidden:
        raise ValidationError(
            _(
                "This address has a hidden character in it (%(chars)s), so it may not be the "
                "address it looks like. Type it again rather than pasting it."
            ),
            code="hidden",
            params={"chars": describe(hidden)},
        )
    try:
        checked = validate_email(
            text, check_deliverability=False, test_environment=True, allow_smtputf8=False
        )
    except EmailNotValidError as error:
        raise ValidationError(
            "%(invalid)s %(reason)s", code="invalid", params={"invalid": INVALID, "reason": error}
        ) from error
    local, domain = checked.normalized.rsplit("@", 1)
    return f"{local.lower()}@{domain}"


def repaired_email(stored: str) -> str:
    """The canonical form of an address stored or listed before hidden characters were
    refused: the hidden characters are dropped first, so a look-alike finds its twin.
    Raises ``ValidationError`` if even that is not an address."""
    return canonical_email("".join(ch for ch in stored if not is_invisible(ch)))


@dataclass
class Plan:
    """What canonicalising stored addresses would do: the new address of each row that
    changes, the rows that would become one address where only one may have it, and the rows
    whose address cannot be read at all."""

    changes: dict[object, str] = field(default_factory=dict)
    collisions: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


def plan_canonical(rows: list[tuple[object, str, object]], *, label: str) -> Plan:
    """Plan the rewrite of ``rows`` of (key, stored address, scope). Rows with the same
    non-None ``scope`` must not share a canonical address (``None``: no such rule). Pure, so
    data migrations can show what they would do before they do it."""
    plan = Plan()
    holders: dict[tuple[object, str], list[tuple[object, str]]] = {}
    for key, stored, scope in rows:
        try:
            canonical = repaired_email(stored)
        except ValidationError:
            plan.unreadable.append(f"{label} {key} ({stored!r})")
            continue
        if canonical != stored:
            plan.changes[key] = canonical
        if scope is not None:
            holders.setdefault((scope, canonical), []).append((key, stored))
    for (_scope, canonical), same in holders.items():
        if len(same) > 1:
            names = " and ".join(f"{label} {key} ({stored!r})" for key, stored in same)
            plan.collisions.append(f"{names} are one address, {canonical}")
    return plan
