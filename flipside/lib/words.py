"""What counts as a word in a statement with a word limit.

A word is a run of characters between separators. The separators are every character
Python's ``str.split()`` or JavaScript's ``\\s`` treats as white space, and the invisible
spaces U+180E and U+200B: so a statement pasted with a byte-order mark, a zero-width space or
a next-line character (U+0085) counts the same everywhere. Joiners (U+200C, U+200D, U+2060)
and soft hyphens keep a word whole. The live counter in ``static/js/flipside.js`` uses the
same set; both are tested with ``recruitment/tests/word_count_cases.json``.
"""

from __future__ import annotations

import re

SEPARATORS = frozenset(
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u180e"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_WORD = re.compile("[^" + re.escape("".join(sorted(SEPARATORS))) + "]+")


def word_count(text: str) -> int:
    """How many words ``text`` has: runs of characters between separators."""
    return sum(1 for _ in _WORD.finditer(text))
