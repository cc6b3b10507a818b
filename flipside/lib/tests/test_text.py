"""Single-line text people type: what is refused (and said clearly), and what names need."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from flipside.lib.forms import SafeCharField
from flipside.lib.text import validate_single_line


@pytest.mark.parametrize(
    "name",
    [
        "Ada Lovelace",
        "ليلى حداد",  # Arabic
        "נועה כהן",  # Hebrew
        "Zoë Ñúñez-O'Brien",
        "محمد\u200cرضا",  # Persian: a zero-width non-joiner inside the name
        "Sam 👩\u200d👩\u200d👧",  # an emoji family held together by zero-width joiners
        "ശ്രീ\u200dകുമാർ",  # Malayalam with a joiner between letters
        "Dr\u00a0Amara Okafor",  # a no-break space
    ],
)
def test_names_in_any_script_are_accepted(name: str) -> None:
    validate_single_line(name)
    assert SafeCharField().clean(name) == name


@pytest.mark.parametrize(
    "control",
    ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
    + ["\u200e", "\u200f", "\u061c"],
)
def test_every_text_direction_control_is_refused_and_named(control: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_single_line(f"Ada{control}nimda")
    message = refused.value.messages[0]
    assert refused.value.code == "bidi"
    assert "text-direction" in message and f"U+{ord(control):04X}" in message


def test_a_right_to_left_override_says_what_it_does() -> None:
    with pytest.raises(ValidationError) as refused:
        SafeCharField().clean("Ada\u202enimda")
    assert refused.value.messages == [
        "Remove the hidden text-direction characters (U+202E RIGHT-TO-LEFT OVERRIDE). They make "
        "text show in a different order from the one it was typed in."
    ]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Ada\u200bLovelace", "U+200B ZERO WIDTH SPACE"),
        ("Ada\u00adLovelace", "U+00AD SOFT HYPHEN"),
        ("\ufeffAda", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
        ("Ada\u2060", "U+2060 WORD JOINER"),
        ("Ada\u200d", "U+200D ZERO WIDTH JOINER"),  # a joiner joining nothing
        ("\u200cAda", "U+200C ZERO WIDTH NON-JOINER"),
        ("Ada\U000e0041\U000e0042", "U+E0041 TAG LATIN CAPITAL LETTER A"),  # hidden tag text
    ],
)
def test_other_hidden_characters_are_refused_and_named(text: str, named: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_single_line(text)
    assert refused.value.code == "hidden"
    assert named in refused.value.messages[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Ada\nBcc: x@example.ac.uk", "This must be on one line."),
        ("Ada\r\nLovelace", "This must be on one line."),
        ("Ada\u2028Lovelace", "This must be on one line."),
        ("Ada\x00", "Remove the invisible control characters from this text."),
        ("Ada\tLovelace", "Remove the invisible control characters from this text."),
    ],
)
def test_line_breaks_and_controls_keep_their_messages(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_single_line(text)
    assert refused.value.messages == [message]


def test_multi_line_text_keeps_its_line_breaks() -> None:
    assert SafeCharField(single_line=False).clean("One\nTwo") == "One\nTwo"
