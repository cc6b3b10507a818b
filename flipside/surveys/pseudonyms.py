"""The keyed pseudonym that pairs one person's answers within one survey series.

HMAC-SHA256 of the person's id and the series' id with ``settings.SURVEY_PSEUDONYM_KEY``, a
secret kept outside the database (an environment variable). With the database alone nobody
can work out whose pseudonym a response carries: that needs the key, and rotating
``SECRET_KEY`` or ``FIELD_ENCRYPTION_KEYS`` does not change it. Changing the key breaks every
pairing and every respondent's way back to their own answers (docs/privacy/surveys.md).
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def pseudonym(user_id: int, series_id: int) -> str:
    key = str(settings.SURVEY_PSEUDONYM_KEY).encode()
    message = f"flipside.surveys:{int(user_id)}:{int(series_id)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
