"""Who a signed-in request belongs to, read in plain SQL.

Every signed-in request reads its session and its person before anything else: through the
ORM, compiling those two lookups cost about a third of a bare page's work (the statements
themselves are prepared on PostgreSQL, decision 0017). The rows read, and what is done with
them, are Django's own: the session must exist and not have expired, and the person must
still be able to sign in (``is_active``).
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from flipside.lib.sql import columns, fetch, fields_of, instances

from .models import User

# The backend's dotted path, as login() and the settings name it.
SIGN_IN_BACKEND = "flipside.accounts.backends.PasswordBackend"

_USER_SQL = f"SELECT {columns(User, 'u')} FROM accounts_user u WHERE u.id = %s"  # noqa: S608  # nosec B608
_SESSION_SQL = (
    f"SELECT {columns(Session, 's')} FROM django_session s "  # noqa: S608 - model columns  # nosec B608
    "WHERE s.session_key = %s AND s.expire_date > %s"
)


class PasswordBackend(ModelBackend):
    """Django's ``ModelBackend`` (sign-in by email and password, permissions), with the
    person of a signed-in request read in one plain statement."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            key = int(user_id)
        except (TypeError, ValueError):
            return None
        rows = fetch(_USER_SQL, [key], fields_of(User))
        if not rows:
            return None
        (user,) = instances(rows[0], User)
        return user if self.user_can_authenticate(user) else None


class SessionStore(db.SessionStore):
    """Django's database sessions, each request's session read in one plain statement."""

    def _get_session_from_db(self) -> Session | None:
        try:
            rows = fetch(_SESSION_SQL, [self.session_key, timezone.now()], fields_of(Session))
        except SuspiciousOperation as error:  # as Django's own store: logged, not served
            logging.getLogger(f"django.security.{error.__class__.__name__}").warning(str(error))
            rows = []
        if not rows:
            self._session_key = None
            return None
        (session,) = instances(rows[0], Session)
        return session  # type: ignore[no-any-return]
