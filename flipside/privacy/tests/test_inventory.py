"""The data inventory matches the database, both ways, and what it says is protected is."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models

from flipside.privacy import crypto, inventory
from flipside.privacy.inventory import Basis, Condition, Protection

# Column names that say special-category data (or gender identity) is in them: such a column
# must be declared special-category, which means encrypted.
SPECIAL_NAMES = re.compile(
    r"ethnic|race|racial|relig|belief|sexual|orientation|gender|trans|disab|health|medical"
    r"|pregnan|biometric|genetic|trade_union|union_member",
    re.IGNORECASE,
)
CREDENTIAL_NAMES = re.compile(r"password|token|secret|digest|pseudonym|session_key", re.I)


def installed() -> dict[str, type[models.Model]]:
    return {m._meta.label: m for m in apps.get_models(include_auto_created=True)}


def test_every_installed_model_and_column_is_in_the_inventory() -> None:
    missing = []
    for label, model in installed().items():
        try:
            entry = inventory.entry_for(label)
        except inventory.InventoryError:
            app = model._meta.app_config.name
            missing.append(
                f"{label}: declare it in {app}.inventory (or accounts.inventory for a "
                "third-party app)"
            )
            continue
        declared = {column.name for column in entry.columns()}
        for field in model._meta.concrete_fields:
            if field.name not in declared:
                missing.append(
                    f"{label}.{field.name}: list it in {entry.module}, in one of {label}'s "
                    "fields(...) groups"
                )
    assert not missing, "Not in the data inventory:\n" + "\n".join(missing)


def test_the_inventory_names_only_models_and_columns_that_exist() -> None:
    models_ = installed()
    stale = []
    for entry in inventory.entries():
        model = models_.get(entry.label)
        if model is None:
            stale.append(f"{entry.label}: no such model; remove it from {entry.module}")
            continue
        real = {field.name for field in model._meta.concrete_fields}
        names = [column.name for column in entry.columns()]
        stale += [
            f"{entry.label}.{n}: no such column; remove it from {entry.module}"
            for n in names
            if n not in real
        ]
        twice = sorted({n for n in names if names.count(n) > 1})
        stale += [f"{entry.label}.{n}: listed twice in {entry.module}" for n in twice]
        stale += [
            f"{entry.label}: 'identifies' names {n!r}, which is not one of its columns"
            for n in entry.identifies
            if n not in real
        ]
    assert not stale, "The data inventory names what does not exist:\n" + "\n".join(stale)


def test_every_column_pointing_at_a_person_or_holding_an_address_is_personal_and_identifies() -> (
    None
):
    wrong = []
    for label, model in installed().items():
        entry = inventory.entry_for(label)
        for field in model._meta.concrete_fields:
            to_person = field.is_relation and field.related_model is apps.get_model(
                settings.AUTH_USER_MODEL
            )
            if not (to_person or isinstance(field, models.EmailField)):
                continue
            column = entry.column(field.name)
            if not column.protection.personal or column.basis is Basis.NONE:
                wrong.append(
                    f"{label}.{field.name} names a person: declare it personal, with a lawful basis"
                )
            if field.name not in entry.identifies:
                wrong.append(f"{label}.{field.name} names a person: add it to 'identifies'")
    assert not wrong, "\n".join(wrong)


def test_personal_data_has_a_lawful_basis_and_data_subjects_and_other_data_has_none() -> None:
    wrong = []
    for entry in inventory.entries():
        for column in entry.columns():
            where = f"{entry.label}.{column.name}"
            if column.protection.personal and column.basis is Basis.NONE:
                wrong.append(f"{where} is personal data without a lawful basis")
            if not column.protection.personal and column.basis is not Basis.NONE:
                wrong.append(f"{where} is not personal, yet claims the basis {column.basis}")
            if (column.protection is Protection.SPECIAL) != (column.condition is not None):
                wrong.append(
                    f"{where}: special-category data, and only it, needs an Article 9 condition"
                )
            if column.may_reveal_special and column.protection in (
                Protection.NOT_PERSONAL,
                Protection.PERSONAL,
            ):
                wrong.append(f"{where} may reveal special-category data: confidential at least")
        if entry.personal and not (entry.subjects and entry.identifies):
            wrong.append(
                f"{entry.label} holds personal data: say whom it is about (subjects, identifies)"
            )
        if not entry.personal and (entry.subjects or entry.identifies):
            wrong.append(
                f"{entry.label} holds no personal data but names subjects or identifying columns"
            )
        if not (entry.purpose and entry.seen_by):
            wrong.append(f"{entry.label}: say what it is for and who sees it")
    assert not wrong, "\n".join(wrong)


def test_columns_named_after_special_category_data_are_declared_special_category() -> None:
    wrong = [
        (
            f"{c.model}.{c.name} sounds like special-category data: store it encrypted and declare "
            "it Protection.SPECIAL"
        )
        for c in inventory.columns()
        if SPECIAL_NAMES.search(c.name) and c.protection is not Protection.SPECIAL
    ]
    assert not wrong, "\n".join(wrong)


def test_credentials_are_hashed_or_declared_secret() -> None:
    wrong = [
        (
            f"{c.model}.{c.name} looks like a credential: hash it, or declare it SECRET (or not "
            "personal, for a public link)"
        )
        for c in inventory.columns()
        if CREDENTIAL_NAMES.search(c.name)
        and c.protection not in (Protection.HASHED, Protection.SECRET, Protection.NOT_PERSONAL)
    ]
    assert not wrong, "\n".join(wrong)


def test_what_the_inventory_calls_encrypted_is_what_key_rotation_re_encrypts() -> None:
    declared = {(c.model, c.name) for c in inventory.columns() if c.protection.encrypted}
    registered = {(label, name) for label, (_model, name) in crypto.ENCRYPTED.items()}
    assert declared == registered, (
        "Declared encrypted but not registered with crypto.register_encrypted: "
        f"{sorted(declared - registered)}; registered but not declared ENCRYPTED or SPECIAL: "
        f"{sorted(registered - declared)}"
    )


def test_encrypted_columns_are_text_columns_that_cannot_be_queried_by_value() -> None:
    for c in inventory.columns():
        if c.protection.encrypted:
            field = apps.get_model(c.model)._meta.get_field(c.name)
            assert isinstance(field, models.TextField), (
                f"{c.model}.{c.name} must be a TextField of Fernet tokens"
            )
            assert not field.choices and not field.db_index and not field.unique, (
                f"{c.model}.{c.name}: a ciphertext has no choices, index or uniqueness"
            )


def test_special_category_data_rests_on_explicit_consent_and_is_encrypted() -> None:
    special = [c for c in inventory.columns() if c.protection is Protection.SPECIAL]
    assert special, "the equality-monitoring answers are special-category data"
    for c in special:
        assert c.condition is Condition.EXPLICIT_CONSENT and c.basis is Basis.CONSENT
        assert c.protection.encrypted


def test_retention_classes_have_a_description_and_a_default() -> None:
    used = {c.retention.key for c in inventory.columns()}
    classes = {r.key: r for r in inventory.Keep.all()}
    assert used <= set(classes)
    for retention in classes.values():
        assert (
            retention.description and retention.period_text and retention.after and retention.ends
        )


def test_the_email_content_class_is_the_period_the_outbox_purge_enforces() -> None:
    from flipside.notifications.schedules import OUTBOX_CONTENT_RETENTION

    entry = inventory.entry_for("notifications.OutboxMessage")
    for name in ("body_text", "body_html", "headers", "attachments"):
        assert entry.column(name).retention is inventory.Keep.EMAIL_CONTENT
    assert entry.column("to").retention is inventory.Keep.EMAIL
    assert inventory.Keep.EMAIL_CONTENT.period == OUTBOX_CONTENT_RETENTION


def test_a_table_declared_again_by_another_module_is_refused() -> None:
    before = inventory.entry_for("accounts.User")
    try:
        inventory.declare(
            "accounts.User",
            activity=inventory.Activity.ACCOUNTS,
            purpose="x",
            retention=inventory.Keep.ACCOUNT,
            seen_by="x",
            groups=[],
        )
    except inventory.InventoryError as error:
        assert "flipside.accounts.inventory" in str(error)
    else:
        raise AssertionError("a second declaration was accepted")
    assert inventory.entry_for("accounts.User") is before


def test_person_fields_name_the_columns_subject_access_and_erasure_will_follow() -> None:
    assert inventory.person_fields("matching.Pair") == ("mentor", "mentee", "created_by")
    assert "user" in inventory.person_fields("privacy.EqualityRecord")
    with pytest.raises(inventory.InventoryError, match="not in the data inventory"):
        inventory.entry_for("nowhere.Nothing")


def test_personal_columns_holding_a_name_or_an_address_are_listed_as_identifying() -> None:
    # Erasure and subject-access export find a person's rows through ``identifies``: a
    # column holding a name, a username or an IP address must be there.
    naming = re.compile(r"name|label|username|ip_address|email")
    text = (models.CharField, models.GenericIPAddressField)  # EmailField is a CharField
    wrong = [
        f"{entry.label}.{c.name} holds a name or address: add it to 'identifies'"
        for entry in inventory.entries()
        for c in entry.columns()
        if c.protection.personal
        and naming.search(c.name)
        and isinstance(entry.model._meta.get_field(c.name), text)
        and c.name not in entry.identifies
    ]
    assert not wrong, "\n".join(wrong)
