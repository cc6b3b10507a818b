"""The record of processing and the DPIA's starting document are written from the inventory,
name everything in it, and the committed copies never drift from it."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from flipside.privacy import documents, inventory
from flipside.privacy.inventory import Protection


def test_the_committed_documents_match_the_inventory() -> None:
    out = StringIO()
    call_command("privacy_documents", "--check", stdout=out)
    assert "match the data inventory" in out.getvalue()


def test_check_fails_naming_the_document_that_drifted_and_changes_nothing(tmp_path: Path) -> None:
    call_command("privacy_documents", "--directory", str(tmp_path), stdout=StringIO())
    dpia = tmp_path / "dpia.md"
    dpia.write_text(dpia.read_text() + "\nAn edit by hand.\n")
    with pytest.raises(CommandError, match="dpia.md no longer match"):
        call_command("privacy_documents", "--check", "--directory", str(tmp_path))
    assert dpia.read_text().endswith("An edit by hand.\n")
    (tmp_path / "record-of-processing.md").unlink()
    with pytest.raises(CommandError, match="record-of-processing.md"):
        call_command("privacy_documents", "--check", "--directory", str(tmp_path))


def test_writing_makes_both_documents_which_then_pass_the_check(tmp_path: Path) -> None:
    out = StringIO()
    call_command("privacy_documents", "--directory", str(tmp_path), stdout=out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dpia.md", "record-of-processing.md"]
    call_command("privacy_documents", "--check", "--directory", str(tmp_path), stdout=out)


def test_the_record_names_every_table_and_column_with_its_basis_and_retention() -> None:
    record = documents.record_of_processing()
    for entry in inventory.entries():
        assert f"`{entry.label}`" in record
        for column in entry.columns():
            assert f"`{column.name}`" in record
    for retention in inventory.Keep.all():
        assert retention.title in record and retention.period_text in record
    assert "explicit consent (Art. 9(2)(a))" in record


def test_the_dpia_lists_special_category_encrypted_and_revealing_plain_text_columns() -> None:
    dpia = documents.dpia()
    section = dpia.split("## 4.")[1].split("## 5.")[0]
    for column in inventory.columns():
        listed = column.protection.encrypted or column.may_reveal_special
        if listed:
            assert f"`{column.model}`" in section and f"`{column.name}`" in section
    encrypted, plain = section.split("stored in plain text")
    assert "`recruitment.Application`" in plain and "`statement`" in plain
    assert "`privacy.EqualityRecord`" not in plain
    # Concerns and access needs are encrypted, and the DPIA says so, not that they are plain.
    assert "`training.Concern`" in encrypted and "`access_needs_ciphertext`" in encrypted
    assert "`training.Concern`" not in plain and "access_needs" not in plain
    assert all(c.protection is not Protection.SPECIAL or c.condition for c in inventory.columns())
