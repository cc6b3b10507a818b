from __future__ import annotations

import pytest

from flipside.accounts.models import User


@pytest.mark.parametrize(
    ("display_name", "greeting"),
    [
        ("Dr Amara Okafor", "Amara"),
        ("Professor Helen Carter", "Helen"),
        ("Prof. Mark Whitfield", "Mark"),
        ("Sam Rivera", "Sam"),
        ("Dr", "Dr"),
        ("", ""),
    ],
)
def test_people_are_greeted_by_their_first_name_not_their_title(
    display_name: str, greeting: str
) -> None:
    assert User(display_name=display_name).first_name == greeting


@pytest.mark.django_db
@pytest.mark.parametrize(
    "address",
    ["not-an-email", "two@@example.ac.uk", "line\nbreak@example.ac.uk", "a b@example.ac.uk"],
)
def test_a_malformed_address_is_refused_when_the_person_is_created(address: str) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        User.objects.create_user(address, "a long enough passphrase", display_name="X")
    assert not User.objects.exists()
