"""One normalised form for comparing names, whatever the spelling's encoding, case, accents,
spacing or titles."""

from __future__ import annotations

import unicodedata

import pytest

from flipside.lib.names import fold, normalise_name


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (nfc("Zoë Brontë"), nfd("Zoë Brontë")),  # precomposed and decomposed accents
        (nfd("Zoë Brontë"), "Zoe Bronte"),  # accents dropped
        ("JOSÉ ÁLVAREZ", "josé álvarez"),  # case
        ("Strauß", "STRAUSS"),  # case-folding, not lower-casing
        ("  Ana\u00a0 María\tLópez ", "ana maria lopez"),  # spacing, no-break spaces, tabs
        ("Dr. Jane  O'Neil", "jane oneil"),  # a title and punctuation
        ("Prof Dr Jane O\u2019Neil", "Jane ONeil"),  # two titles, a curly apostrophe
        ("professor Kofi Mensah-Boateng", "Kofi MensahBoateng"),
        ("Ｊａｎｅ Ｄｏｅ", "Jane Doe"),  # full-width letters
        ("Ada\u200bLovelace", "AdaLovelace"),  # an invisible zero-width space
        (nfd("مُحَمَّد"), "محمد"),  # Arabic vowel marks
    ],
)
def test_spellings_of_one_name_compare_equal(one: str, other: str) -> None:
    assert normalise_name(one) == normalise_name(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [("Jan Lee", "Jane Lee"), ("Li Wei", "Lee Wei"), ("李明", "李明明"), ("Ann Lee", "Annlee")],
)
def test_different_names_stay_different(one: str, other: str) -> None:
    assert normalise_name(one) != normalise_name(other)


def test_a_title_alone_is_kept_and_other_scripts_survive() -> None:
    assert normalise_name("Dr") == "dr"
    assert normalise_name(" 李  明 ") == "李 明"
    assert normalise_name("") == ""


def test_fold_keeps_punctuation_and_titles() -> None:
    """``fold`` is for names of things (topics, programmes): only encoding, case, accents and
    spacing are ignored."""
    assert fold(nfd("  Café  Société (Nord) ")) == "cafe societe (nord)"
    assert fold("Dr. Who") == "dr. who"
    assert fold(nfc("Ærø")) == fold("ærø")
