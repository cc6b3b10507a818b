"""Translation lookups without empty stops.

Django loads, for British English, each installed app's ``en_GB`` catalogue merged into one,
then chains behind it the ``en`` catalogues gettext finds for the same apps. Those hold
nothing but their header, yet every message the British catalogue lacks (nearly every one:
the product's words are written in British English) walked the whole chain: four empty
catalogues for each of the sixty-odd ``{% translate %}`` and date words a page draws.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import trans_real


def holds_nothing(catalogue: Any) -> bool:
    """A gettext catalogue with no message but its header (the empty msgid)."""
    found = getattr(catalogue, "_catalog", None)
    return isinstance(found, dict) and not (found.keys() - {""})


def skip_empty_fallbacks(translation: Any) -> int:
    """Unlink from ``translation``'s chain of fallbacks every catalogue that holds nothing;
    what each message translates to is unchanged. Returns how many were unlinked."""
    unlinked, current = 0, translation
    while current is not None:
        following = getattr(current, "_fallback", None)
        while following is not None and holds_nothing(following):
            following = getattr(following, "_fallback", None)
            unlinked += 1
        if following is not getattr(current, "_fallback", None):
            current._fallback = following
        current = following
    return unlinked


def skip_empty_fallbacks_everywhere() -> None:
    """For each language the site offers: load its translations now and unlink their empty
    fallbacks (called once the apps are ready)."""
    for code, _name in settings.LANGUAGES:
        skip_empty_fallbacks(trans_real.translation(code))
