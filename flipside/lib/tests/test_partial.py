from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from flipside.lib.sql import partial

pytestmark = pytest.mark.django_db


def test_partial_gives_the_columns_read_and_loads_the_others_when_asked() -> None:
    kind = ContentType.objects.get_for_model(ContentType)
    loaded = partial(ContentType, {"model": kind.model, "id": kind.pk})  # any order
    with CaptureQueriesContext(connection) as queries:
        assert (loaded.pk, loaded.model) == (kind.pk, "contenttype")
    assert len(queries) == 0
    assert loaded.get_deferred_fields() == {"app_label"}
    assert loaded.app_label == "contenttypes"  # read from the database, not a default
    assert not loaded._state.adding


def test_partial_refuses_a_column_the_model_does_not_have() -> None:
    with pytest.raises(ValueError, match="no column label"):
        partial(ContentType, {"id": 1, "label": "x"})
