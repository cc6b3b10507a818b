"""Characters that change how text looks without being seen, and the rule for single-line
text people type (names, pronouns, titles, places).

What is refused, and why:

- line breaks (including U+2028/U+2029): a name or title is one line, and a line break in a
  value that reaches an email header is header injection;
- control characters (Unicode category Cc, NUL among them): never meant to be seen, and
  PostgreSQL refuses NUL;
- bidirectional controls (U+202A–U+202E embeddings and overrides, U+2066–U+2069 isolates,
  U+200E/U+200F/U+061C marks): they reorder the text around them, so ``Ada<U+202E>nimda`` shows
  as something else than what was stored. Right-to-left names need none of them: browsers
  order Arabic or Hebrew letters by themselves, and pages isolate every name with ``<bdi>``;
- every other format character (category Cf: zero-width space, soft hyphen, byte-order mark,
  word joiner, invisible operators, tag characters…): invisible, so two names that look the
  same could differ, or hidden text could ride along.

Showing names: templates wrap every person-supplied name in ``<bdi>``; text composed in
Python (messages, form labels, email text) wraps it with ``isolate``, the plain-text
equivalent. Either way a right-to-left name cannot reorder the words around it.

Kept: the zero-width non-joiner and joiner (U+200C, U+200D) *between two visible
characters*, because some names need them: Persian writes the non-joiner inside words, Indic
scripts such as Malayalam and Sinhala use both for the right letter shapes, and emoji
sequences (a family, a flag with a rainbow) are held together by the joiner. At the start or
end of the text, or next to another invisible character, they serve no purpose and are
refused. Email addresses never keep them (see ``email_address``).
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
JOINERS = frozenset("\u200c\u200d")
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE = "\u2068", "\u2069"


def isolate(text: str) -> str:
    """``text`` between U+2068 FIRST STRONG ISOLATE and U+2069 POP DIRECTIONAL ISOLATE: what
    ``<bdi>`` does, for text that is not HTML (a message, a label, an email's text)."""
    return f"{FIRST_STRONG_ISOLATE}{text}{POP_DIRECTIONAL_ISOLATE}"


def describe(characters: str | list[str]) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE, …``: each distinct character once, in order."""
    seen = dict.fromkeys(characters)
    return ", ".join(f"U+{ord(ch):04X} {unicodedata.name(ch, 'UNNAMED CHARACTER')}" for ch in seen)


def is_invisible(ch: str) -> bool:
    """A control, format or line/paragraph-separator character."""
    return unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")


def hidden_characters(value: str, *, keep_joiners: bool = False) -> list[str]:
    """The invisible characters in ``value``; with ``keep_joiners``, a joiner or non-joiner
    between two visible characters is not counted."""
    found = []
    for i, ch in enumerate(value):
        if not is_invisible(ch):
            continue
        if keep_joiners and ch in JOINERS and _between_visible(value, i):
            continue
        found.append(ch)
    return found


def _between_visible(value: str, i: int) -> bool:
    return 0 < i < len(value) - 1 and not (is_invisible(value[i - 1]) or is_invisible(value[i + 1]))


def validate_single_line(value: str) -> None:
    """Refuse what single-line text must not hold, naming the characters found."""
    if any(ch in LINE_BREAKS for ch in value):
        raise ValidationError(_("This must be on one line."), code="line_break")
    hidden = hidden_characters(value, keep_joiners=True)
    if not hidden:
        return
    bidi = [ch for ch in hidden if ch in BIDI_CONTROLS]
    if bidi:
        raise ValidationError(
            _(
                "Remove the hidden text-direction characters (%(chars)s). They make text show "
                "in a different order from the one it was typed in."
            ),
            code="bidi",
            params={"chars": describe(bidi)},
        )
    if any(unicodedata.category(ch) == "Cc" for ch in hidden):
        raise ValidationError(
            _("Remove the invisible control characters from this text."), code="control"
        )
    raise ValidationError(
        _("Remove the hidden characters from this text (%(chars)s)."),
        code="hidden",
        params={"chars": describe(hidden)},
    )
