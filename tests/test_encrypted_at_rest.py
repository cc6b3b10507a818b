"""What the data inventory declares encrypted is stored encrypted, its words appear in no other
column of any table, and key rotation reaches every encrypted column."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import models
from django.db.models.functions import Cast

from flipside.matching.models import Pair
from flipside.partnerships.services.journal import add_entry
from flipside.privacy import crypto, inventory
from flipside.recruitment import selectors as recruitment_selectors
from flipside.recruitment import services as recruitment
from flipside.recruitment.models import Application
from flipside.training import services as training
from flipside.training.models import Concern

JOURNAL = "SENTINEL-JOURNAL-7f3a"
CONCERN_SUBJECT = "SENTINEL-CONCERN-SUBJECT-2c9e"
CONCERN_BODY = "SENTINEL-CONCERN-BODY-b41d"
ACCESS_NEEDS = "SENTINEL-ACCESS-NEEDS-e806"
SENTINELS = (JOURNAL, CONCERN_SUBJECT, CONCERN_BODY, ACCESS_NEEDS)


def seed_and_write(settings: Any) -> dict[str, Any]:
    """The demo, which writes equality answers, survey answers, ideas, concerns and access
    needs through the services; then a journal entry, a concern and an access need with
    words that appear nowhere else, written through the services as people write them."""
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    pair = Pair.objects.filter(status=Pair.Status.ACTIVE).select_related("cohort").first()
    assert pair is not None
    add_entry(pair, pair.mentor, f"Today I told my partner {JOURNAL}.")
    concern = training.raise_concern(
        pair.cohort.scheme,
        by=pair.mentee,
        subject=f"About {CONCERN_SUBJECT}",
        body=f"In our meeting {CONCERN_BODY}.",
        anonymous=False,
        cohort=pair.cohort,
    )
    application = next(
        a
        for a in Application.objects.select_related("call", "applicant").order_by("id")
        if a.is_editable
    )
    recruitment.save_answers(
        application,
        by=application.applicant,
        answers={"access_needs": f"A quiet room: {ACCESS_NEEDS}"},
    )
    return {"concern": concern, "application": application}


def encrypted_columns() -> list[tuple[type[models.Model], str]]:
    return [(model, field) for model, field in crypto.ENCRYPTED.values()]


def every_value(model: type[models.Model], field: str) -> dict[Any, str]:
    return dict(model._default_manager.values_list("pk", field))


@pytest.mark.django_db
def test_every_value_in_an_encrypted_column_is_ciphertext_and_its_words_are_nowhere_else(
    settings: Any,
) -> None:
    # A plain-text value in a column declared encrypted does not open with the field keys,
    # and fails.
    written = seed_and_write(settings)

    encrypted = [c for c in inventory.columns() if c.protection.encrypted]
    assert {(c.model, c.name) for c in encrypted} >= {
        ("privacy.EqualityRecord", "ciphertext"),
        ("partnerships.JournalEntry", "ciphertext"),
        ("training.Concern", "ciphertext"),
        ("recruitment.Application", "access_needs_ciphertext"),
    }
    for c in encrypted:
        values = list(apps.get_model(c.model)._default_manager.values_list(c.name, flat=True))
        assert values, f"nothing stores {c.model}.{c.name}, so nothing shows it is encrypted"
        for value in values:
            if value:
                crypto.decrypt(value)  # raises DecryptionError for plain text

    # What was written reads back through the services that show it.
    words = training.open_concern(Concern.objects.get(pk=written["concern"].pk))
    assert words == training.Words(f"About {CONCERN_SUBJECT}", f"In our meeting {CONCERN_BODY}.")
    application = Application.objects.get(pk=written["application"].pk)
    assert recruitment_selectors.access_needs_of(application) == f"A quiet room: {ACCESS_NEEDS}"

    text_like = (models.CharField, models.TextField, models.JSONField)
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if isinstance(field, text_like):
                as_text = Cast(field.name, output_field=models.TextField())
                for sentinel in SENTINELS:
                    hits = model._default_manager.annotate(t=as_text).filter(t__contains=sentinel)
                    assert not hits.exists(), (
                        f"{sentinel} is stored in plain text in {model._meta.label}.{field.name}"
                    )


@pytest.mark.django_db
def test_rotation_re_encrypts_every_row_of_every_encrypted_column_and_loses_nothing(
    settings: Any,
) -> None:
    seed_and_write(settings)
    columns = encrypted_columns()
    assert {(m._meta.label, f) for m, f in columns} >= {
        ("training.Concern", "ciphertext"),
        ("recruitment.Application", "access_needs_ciphertext"),
    }
    before = {}
    for model, field in columns:
        values = every_value(model, field)
        assert values, f"nothing stores {model._meta.label}.{field}: rotation would go untested"
        before[model._meta.label] = {pk: crypto.decrypt(v) for pk, v in values.items()}

    old_key, new_key = settings.FIELD_ENCRYPTION_KEYS[0], crypto.generate_key()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    out = StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    rows = sum(len(values) for values in before.values())
    assert f"Re-encrypted {rows} records" in out.getvalue()

    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key removed
    only_new, failures = Fernet(new_key.encode()), []
    for model, field in columns:
        label = model._meta.label
        after = every_value(model, field)
        assert set(after) == set(before[label])
        for pk, token in after.items():
            try:
                only_new.decrypt(token.encode())
                assert crypto.decrypt(token) == before[label][pk], f"{label} {pk} changed"
            except crypto.DecryptionError:
                failures.append(f"{label} {pk}")
            except Exception as error:  # the new key alone does not open it
                failures.append(f"{label} {pk}: {error!r}")
    assert failures == []


@pytest.mark.django_db
def test_rotation_names_a_tampered_record_leaves_it_and_re_encrypts_the_rest(
    settings: Any,
) -> None:
    written = seed_and_write(settings)
    concern = written["concern"]
    token = concern.ciphertext
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    Concern.objects.filter(pk=concern.pk).update(ciphertext=tampered)
    old_key, new_key = settings.FIELD_ENCRYPTION_KEYS[0], crypto.generate_key()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]

    with pytest.raises(CommandError, match=rf"training\.Concern {concern.pk} \(ciphertext\)"):
        call_command("rotate_encryption_keys", stdout=StringIO())

    assert Concern.objects.get(pk=concern.pk).ciphertext == tampered
    only_new = Fernet(new_key.encode())
    application = Application.objects.get(pk=written["application"].pk)
    assert only_new.decrypt(application.access_needs_ciphertext.encode())
    others = Concern.objects.exclude(pk=concern.pk).values_list("ciphertext", flat=True)
    assert others and all(only_new.decrypt(t.encode()) for t in others)
