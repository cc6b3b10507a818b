"""The access matrix is a gate: a URL added without a row of expected statuses fails it."""

from __future__ import annotations

import pytest

from tests import test_access_matrix as matrix


@pytest.mark.urls("tests.urls_with_unlisted")
def test_a_url_added_without_a_row_fails_the_matrix() -> None:
    missing = r"Add these URLs to the access matrix: \['unlisted'\]"
    with pytest.raises(AssertionError, match=missing):
        matrix.test_every_url_pattern_has_an_expected_row()
