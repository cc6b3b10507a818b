"""What the data inventory declares encrypted is stored encrypted, and its words appear in
no other column of any table."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.db.models.functions import Cast

from flipside.matching.models import Pair
from flipside.partnerships.services.journal import add_entry
from flipside.privacy import crypto, inventory

SENTINEL = "SENTINEL-JOURNAL-7f3a"


@pytest.mark.django_db
def test_every_value_in_an_encrypted_column_is_ciphertext_and_its_words_are_nowhere_else(
    settings: Any,
) -> None:
    # The demo writes equality answers, survey answers and ideas through the services; a
    # journal entry is added here. A plain-text value in a column declared encrypted does
    # not open with the field keys, and fails.
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    pair = Pair.objects.filter(status=Pair.Status.ACTIVE).first()
    assert pair is not None
    add_entry(pair, pair.mentor, f"Today I told my partner {SENTINEL}.")

    encrypted = [c for c in inventory.columns() if c.protection.encrypted]
    assert {c.model for c in encrypted} >= {"privacy.EqualityRecord", "partnerships.JournalEntry"}
    for c in encrypted:
        values = list(apps.get_model(c.model)._default_manager.values_list(c.name, flat=True))
        assert values, f"nothing stores {c.model}.{c.name}, so nothing shows it is encrypted"
        for value in values:
            if value:
                crypto.decrypt(value)  # raises DecryptionError for plain text

    text_like = (models.CharField, models.TextField, models.JSONField)
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if isinstance(field, text_like):
                as_text = Cast(field.name, output_field=models.TextField())
                hits = model._default_manager.annotate(t=as_text).filter(t__contains=SENTINEL)
                assert not hits.exists(), (
                    f"the journal's words are in {model._meta.label}.{field.name}"
                )
