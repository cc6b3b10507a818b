"""The server counts a statement's words exactly as the live counter in the browser does.

Both sides run the cases in ``word_count_cases.json``; the browser half is
``tests/browser/test_word_count.py``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from flipside.lib.words import SEPARATORS
from flipside.recruitment.forms import mentor
from flipside.recruitment.models import Application

ROOT = Path(__file__).resolve().parents[3]
CASES_FILE = Path(__file__).with_name("word_count_cases.json")
CASES: list[dict[str, Any]] = json.loads(CASES_FILE.read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_the_form_and_the_saved_application_count_words_the_shared_way(
    case: dict[str, Any],
) -> None:
    assert mentor.word_count(case["text"]) == case["words"]
    assert Application(statement=case["text"]).word_count() == case["words"]


def test_the_cases_cover_every_separator_between_words_and_alone() -> None:
    texts = [case["text"] for case in CASES]
    for separator in SEPARATORS:
        assert f"lived{separator}experience" in texts, hex(ord(separator))
        assert separator * 2 in texts, hex(ord(separator))


def test_white_space_to_python_or_to_javascript_separates_words() -> None:
    # ECMAScript's \s: tab, vertical tab, form feed, space, no-break space, byte-order mark,
    # every space separator (Zs), and the line terminators.
    ecmascript = set("\t\x0b\x0c \xa0\ufeff\n\r\u2028\u2029") | {
        chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) == "Zs"
    }
    python = {chr(c) for c in range(0x110000) if chr(c).isspace()}
    assert ecmascript | python <= SEPARATORS


def test_the_live_counter_separates_words_with_the_same_characters() -> None:
    script = (ROOT / "static" / "js" / "flipside.js").read_text()
    found = re.search(r"const WORD =\s*/(\[\^.*?\]\+)/gu;", script)
    assert found, "static/js/flipside.js defines no WORD pattern"
    # The pattern uses only escapes Python's re reads the same way (\t, \x1c, \u2028...).
    pattern = re.compile(found.group(1))
    in_browser = {chr(c) for c in range(0x10000) if not pattern.fullmatch(chr(c))}
    assert in_browser == SEPARATORS
