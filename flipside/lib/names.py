"""One normalised form for comparing names, so that two spellings a person would call the
same name compare equal wherever names are compared (declared conflicts of interest,
departments, lists of topics and programmes).

The same name reaches us in different forms: "é" typed as one character (NFC, most
keyboards) or as "e" plus a combining accent (NFD, some keyboards and text pasted from PDFs
or macOS file names), in capitals, with extra or no-break spaces, with or without an
accent, a title or an apostrophe. Comparing the stored text directly misses a conflict
someone declared, so every comparison goes through one of the two functions here. They are
for comparing only: what a person typed is stored and shown as typed.
"""

from __future__ import annotations

import re
import unicodedata

#: Titles ignored at the start of a person's name ("Prof. Dr. Jane Doe" is "jane doe").
TITLES = ("dr", "prof", "professor", "mr", "mrs", "ms", "miss", "mx", "sir", "dame", "rev", "revd")
_TITLE = re.compile(rf"^(?:{'|'.join(TITLES)})\.?\s+")
_PUNCTUATION = re.compile(r"[^\w ]")


def fold(text: str) -> str:
    """Text as compared, whatever its encoding, case, accents and spacing: compatibility
    decomposition (NFKD, so full-width letters and ligatures become plain ones), combining
    marks and invisible format characters dropped, case-folded ("ß" is "ss"), runs of
    whitespace made one space and trimmed. "  ZOË\u00a0Brontë " and "zoe bronte" fold alike.
    Punctuation and titles are kept: use it for names of things."""
    # Case-folding can produce characters that decompose further, so decompose both before
    # and after it (Unicode's "compatibility caseless match").
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    kept = (c for c in text if not unicodedata.combining(c) and unicodedata.category(c) != "Cf")
    return " ".join("".join(kept).split())


def normalise_name(text: str) -> str:
    """A person's name as compared: ``fold``, then titles at the start and punctuation
    dropped ("Dr. Jane  O'Neil" and "jane oneil" compare equal). A title on its own is
    kept, so "Dr" is not the same as an empty name."""
    text = fold(text)
    while (shorter := _TITLE.sub("", text, count=1)) != text:
        text = shorter
    return " ".join(_PUNCTUATION.sub("", text).split())
