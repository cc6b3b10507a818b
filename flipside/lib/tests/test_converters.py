from __future__ import annotations

import pytest

from flipside.lib.converters import parse_id


@pytest.mark.parametrize("value", ["1", "42", 7, "9" * 18])
def test_ids_in_query_strings_follow_the_url_rule(value: object) -> None:
    assert parse_id(value) == int(str(value))


@pytest.mark.parametrize("value", ["", "0", "07", "-1", "1.5", "9" * 19, "١٢", "1 ", None, "abc"])
def test_anything_else_is_no_id(value: object) -> None:
    assert parse_id(value) is None
