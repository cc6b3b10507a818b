"""The canonical form of an email address, and the plan that rewrites stored ones."""

from __future__ import annotations

import unicodedata

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from flipside.lib.email_address import canonical_email, plan_canonical, repaired_email

NFC = unicodedata.normalize("NFC", "zoe@exämple.ac.uk")


@pytest.mark.parametrize(
    "typed",
    [
        NFC,
        unicodedata.normalize("NFD", NFC),
        "  Zoe@EXÄMPLE.AC.UK ",
        "zoe@xn--exmple-cua.ac.uk",  # the same domain as IDNA ASCII
        "zoe@ｅxämple.ac.uk",  # a full-width e in the domain
    ],
)
def test_every_spelling_of_one_mailbox_has_one_canonical_form(typed: str) -> None:
    assert canonical_email(typed) == NFC


@pytest.mark.parametrize(
    "address",
    ["coordinator@demo.flipside.test", "k.obi@nhs.example", "a.prof@example.ac.uk", "x@b.co"],
)
def test_demo_and_test_domains_are_accepted(address: str) -> None:
    assert canonical_email(address) == address


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("zoe@exa\u200dmple.ac.uk", "U+200D ZERO WIDTH JOINER"),
        ("zo\u200de@example.ac.uk", "U+200D ZERO WIDTH JOINER"),
        ("zo\u200ce@example.ac.uk", "U+200C ZERO WIDTH NON-JOINER"),
        ("zoe\u2060@example.ac.uk", "U+2060 WORD JOINER"),
        ("zoe@example.ac.uk\u200e", "U+200E LEFT-TO-RIGHT MARK"),
        ("zoe@exa\u00admple.ac.uk", "U+00AD SOFT HYPHEN"),
        ("zoe@example.ac.uk\x00", "U+0000"),
        ("zoe@example.ac.uk\nBcc: x@example.ac.uk", "U+000A"),
    ],
)
def test_hidden_characters_are_refused_and_named(address: str, reason: str) -> None:
    with pytest.raises(ValidationError) as refused:
        canonical_email(address)
    assert refused.value.code == "hidden"
    assert "hidden character" in refused.value.messages[0]
    assert reason in refused.value.messages[0]


@pytest.mark.parametrize(
    "address",
    [
        "not-an-email",
        "two@@example.ac.uk",
        "zoë@example.ac.uk",  # an accent before the @: Django's mail cannot address it
        "printer@office.local",
        "someone@example.invalid",
        '"quoted"@example.ac.uk',
    ],
)
def test_what_is_not_a_usable_address_is_refused_with_the_usual_message(address: str) -> None:
    with pytest.raises(ValidationError) as refused:
        canonical_email(address)
    assert refused.value.messages[0].startswith("Enter an email address in the correct format")


@given(st.emails())
def test_the_canonical_form_is_stable_under_case_and_normalisation(address: str) -> None:
    try:
        canonical = canonical_email(address)
    except ValidationError:
        return  # hypothesis also makes addresses at reserved or special domains
    assert canonical_email(canonical) == canonical
    assert canonical_email(address.upper()) == canonical
    assert canonical_email(unicodedata.normalize("NFD", address)) == canonical


def test_a_stored_look_alike_is_repaired_to_its_twin() -> None:
    assert repaired_email("Zoe@Exa\u200dmple.AC.uk") == "zoe@example.ac.uk"


def test_the_plan_names_rows_that_become_one_address_and_rows_that_cannot_be_read() -> None:
    plan = plan_canonical(
        [
            (1, "zoe@example.ac.uk", "all"),
            (2, "Zoe@exa\u200bmple.ac.uk", "all"),
            (3, "ok@example.ac.uk", "all"),
            (4, "OK@example.ac.uk", None),  # no uniqueness rule for this row
            (5, "printer@office.local", "all"),
        ],
        label="user",
    )

    assert plan.changes == {2: "zoe@example.ac.uk", 4: "ok@example.ac.uk"}
    assert plan.collisions == [
        "user 1 ('zoe@example.ac.uk') and user 2 ('Zoe@exa\\u200bmple.ac.uk') are one address, "
        "zoe@example.ac.uk"
    ]
    assert plan.unreadable == ["user 5 ('printer@office.local')"]
