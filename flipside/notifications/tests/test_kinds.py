from __future__ import annotations

import pytest

from flipside.notifications import kinds
from flipside.notifications.kinds import KINDS, MessageKind


@pytest.fixture(autouse=True)
def registered_kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kinds, "KINDS", dict(KINDS))


def test_a_registered_kind_can_be_looked_up_and_counts_as_not_secret_if_it_says_so() -> None:
    kind = MessageKind("test_kind", "A test", essential=False, secret=False)
    kinds.register(kind)
    assert kinds.get_kind("test_kind") is kind
    assert not kinds.body_is_secret("test_kind")


def test_registering_the_same_kind_twice_is_harmless() -> None:
    kind = MessageKind("test_kind", "A test", essential=False, secret=False)
    kinds.register(kind)
    kinds.register(MessageKind("test_kind", "A test", essential=False, secret=False))
    assert kinds.get_kind("test_kind") is kind


def test_a_second_kind_under_a_key_already_taken_is_refused_and_nothing_is_registered() -> None:
    taken = MessageKind("invitation", "Another invitation", essential=False, secret=False)
    new = MessageKind("test_kind", "A test", essential=False, secret=False)
    with pytest.raises(ValueError, match="already registered"):
        kinds.register(new, taken)
    assert kinds.get_kind("invitation") is KINDS["invitation"]
    assert "test_kind" not in kinds.KINDS
