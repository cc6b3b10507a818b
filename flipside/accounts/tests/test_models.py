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
