"""The register's rules: statuses one step at a time, reasons and outcomes, history and
audit, merging, owners who leave, emails to proposers."""

from __future__ import annotations

import pytest

from conftest import World, clear_sent_mail, make_user, sent_mail
from flipside.ideas.models import Idea, IdeaChange, Owner, Proposer, Status
from flipside.ideas.services import IdeaConflict, IdeasError, ideas, owners
from flipside.notifications.preferences import set_optional_email
from flipside.privacy.audit import verify_chain
from flipside.privacy.models import AuditEntry

from .builders import accepted, an_idea, moved, owned, owner_row

pytestmark = pytest.mark.django_db


def test_recording_writes_the_idea_its_proposers_history_and_audit(world: World) -> None:
    idea = an_idea(world, named=True)
    assert idea.status == Status.PROPOSED
    assert idea.organisation == world.organisation
    named = dict(Proposer.objects.filter(idea=idea).values_list("user_id", "named"))
    # Only the person recording chose; the partner chooses for themselves.
    assert named == {world.mentor.pk: True, world.mentee.pk: False}
    assert IdeaChange.objects.filter(idea=idea, kind="recorded").count() == 1
    assert AuditEntry.objects.filter(action="ideas.idea.recorded", object_id=str(idea.pk)).exists()


def test_the_same_submission_twice_records_one_idea(world: World) -> None:
    first = an_idea(world, submit_key="k1")
    second = an_idea(world, submit_key="k1")
    assert first.pk == second.pk
    assert Idea.objects.count() == 1


def test_anonymous_ideas_never_name_their_proposer(world: World) -> None:
    idea = ideas.record_idea(
        world.cohort,
        by=world.mentor,
        title="T",
        description="D",
        area="policy",
        level="individual",
        source="anonymous",
        proposers=[world.mentor],
        named=True,
    )
    assert not Proposer.objects.get(idea=idea).named
    with pytest.raises(IdeasError):
        ideas.set_named(idea, by=world.mentor, named=True)


def test_every_status_change_is_a_history_row_and_an_audit_entry(world: World) -> None:
    idea = an_idea(world)
    idea = accepted(world, idea, world.mentee)
    idea = moved(
        idea,
        world.coordinator,
        Status.IN_PROGRESS,
        Status.DONE,
        outcome="Every lecture now uses them.",
    )
    changes = list(IdeaChange.objects.filter(idea=idea, kind="status"))
    assert [(c.from_status, c.to_status) for c in changes] == [
        ("proposed", "considering"),
        ("considering", "accepted"),
        ("accepted", "in_progress"),
        ("in_progress", "done"),
    ]
    assert all(c.by == world.coordinator for c in changes)
    codes = set(AuditEntry.objects.filter(object_id=str(idea.pk)).values_list("action", flat=True))
    assert {
        "ideas.idea.considered",
        "ideas.idea.accepted",
        "ideas.idea.started",
        "ideas.idea.done",
        "ideas.idea.owner_assigned",
    } <= codes
    assert idea.outcome == "Every lecture now uses them."
    assert verify_chain() == []


def test_history_rows_cannot_be_changed(world: World) -> None:
    change = IdeaChange.objects.get(idea=an_idea(world))
    change.note = "rewritten"
    with pytest.raises(ValueError):
        change.save()


@pytest.mark.parametrize("to", [Status.ACCEPTED, Status.IN_PROGRESS, Status.DONE])
def test_a_status_cannot_skip_steps(world: World, to: str) -> None:
    idea = an_idea(world)
    with pytest.raises(IdeasError, match="one step at a time"):
        ideas.change_status(idea, by=world.coordinator, to=to, version=idea.version, outcome="x")
    idea.refresh_from_db()
    assert idea.status == Status.PROPOSED
    assert not IdeaChange.objects.filter(idea=idea, kind="status").exists()


def test_not_taken_forward_needs_a_reason(world: World) -> None:
    idea = an_idea(world)
    with pytest.raises(IdeasError, match="Say why"):
        ideas.change_status(
            idea, by=world.coordinator, to=Status.NOT_TAKEN, version=idea.version, reason="   "
        )
    idea = ideas.change_status(
        idea,
        by=world.coordinator,
        to=Status.NOT_TAKEN,
        version=idea.version,
        reason="Already done by the library.",
    )
    assert idea.reason == "Already done by the library."
    with pytest.raises(IdeasError, match="decision is made"):
        ideas.change_status(idea, by=world.coordinator, to=Status.CONSIDERING, version=idea.version)


def test_done_asks_what_was_done_and_accepting_needs_an_owner(world: World) -> None:
    idea = moved(an_idea(world), world.coordinator, Status.CONSIDERING)
    with pytest.raises(IdeasError, match="owner"):
        ideas.change_status(idea, by=world.coordinator, to=Status.ACCEPTED, version=idea.version)
    idea = moved(
        owned(world, idea, world.mentee), world.coordinator, Status.ACCEPTED, Status.IN_PROGRESS
    )
    with pytest.raises(IdeasError, match="what was done"):
        ideas.change_status(idea, by=world.mentee, to=Status.DONE, version=idea.version)


def test_a_stale_version_changes_nothing(world: World) -> None:
    idea = an_idea(world)
    old = idea.version
    moved(idea, world.coordinator, Status.CONSIDERING)
    with pytest.raises(IdeaConflict) as caught:
        ideas.change_status(
            idea, by=world.coordinator, to=Status.NOT_TAKEN, version=old, reason="No"
        )
    assert caught.value.latest.status == Status.CONSIDERING
    idea.refresh_from_db()
    assert idea.status == Status.CONSIDERING


def test_proposers_are_emailed_unless_they_turned_optional_email_off(world: World) -> None:
    idea = an_idea(world, title="<script>alert(1)</script> & more")
    clear_sent_mail()
    set_optional_email(world.mentee, enabled=False, by=world.mentee)
    moved(idea, world.coordinator, Status.CONSIDERING, note="We <b>will</b> look.")
    mail = sent_mail()
    assert [m.to for m in mail] == [[world.mentor.email]]
    html = mail[0].alternatives[0][0]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>will</b>" not in html
    assert "Under consideration" in mail[0].subject


def test_merging_carries_proposers_and_history_and_keeps_both(world: World) -> None:
    other = make_user("Ola Other")
    kept = an_idea(world, title="Kept", pair=False)
    dup = ideas.record_idea(
        world.cohort,
        by=other,
        title="Dup",
        description="D",
        area="curriculum",
        level="individual",
        proposers=[other],
        named=True,
    )
    result = ideas.merge_ideas(dup, into=kept, by=world.coordinator, version=dup.version)
    dup.refresh_from_db()
    assert dup.merged_into == result == kept
    assert Proposer.objects.get(idea=kept, user=other).named
    assert IdeaChange.objects.filter(kind="merged").count() == 2
    assert Idea.objects.count() == 2  # nothing deleted
    with pytest.raises(IdeasError, match="already merged"):
        ideas.merge_ideas(dup, into=kept, by=world.coordinator, version=dup.version)


def test_merging_ideas_with_different_owners_asks_which_to_keep(world: World) -> None:
    first, second = make_user("Prof First"), make_user("Prof Second")
    kept = owned(world, moved(an_idea(world, title="A"), world.coordinator, "considering"), first)
    dup = owned(world, moved(an_idea(world, title="B"), world.coordinator, "considering"), second)
    with pytest.raises(IdeasError, match="different owners"):
        ideas.merge_ideas(dup, into=kept, by=world.coordinator, version=dup.version)
    dup.refresh_from_db()
    assert dup.merged_into is None  # nothing lost
    ideas.merge_ideas(dup, into=kept, by=world.coordinator, version=dup.version, owner=second)
    kept.refresh_from_db()
    assert kept.owner == second


def test_merging_into_itself_is_refused(world: World) -> None:
    idea = an_idea(world)
    with pytest.raises(IdeasError, match="itself"):
        ideas.merge_ideas(idea, into=idea, by=world.coordinator, version=idea.version)


def test_an_owner_who_left_gets_no_new_ideas_and_their_open_ones_are_flagged(world: World) -> None:
    boss = make_user("Prof Boss")
    open_idea = accepted(world, an_idea(world, title="Open"), boss)
    done = moved(
        accepted(world, an_idea(world, title="Done"), boss),
        world.coordinator,
        Status.IN_PROGRESS,
        Status.DONE,
        outcome="Done.",
    )
    assert owners.mark_left(owner_row(world, boss), by=world.coordinator) == 1
    assert owners.mark_left(owner_row(world, boss), by=world.coordinator) == 0
    open_idea.refresh_from_db()
    done.refresh_from_db()
    assert open_idea.needs_new_owner and not done.needs_new_owner
    fresh = moved(an_idea(world, title="New"), world.coordinator, "considering")
    with pytest.raises(IdeasError, match="has left"):
        owned(world, fresh, boss)
    with pytest.raises(IdeasError, match="new owner"):
        ideas.change_status(
            open_idea, by=world.coordinator, to=Status.IN_PROGRESS, version=open_idea.version
        )
    owned(world, open_idea, world.mentee)
    open_idea.refresh_from_db()
    assert not open_idea.needs_new_owner


def test_inviting_a_new_owner_makes_an_account_and_sends_a_secret_link(world: World) -> None:
    idea = moved(an_idea(world), world.coordinator, "considering")
    clear_sent_mail()
    idea = owners.invite_owner(
        idea,
        by=world.coordinator,
        name="Dean Newby",
        email="Dean.Newby@Example.ac.uk",
        version=idea.version,
    )
    assert idea.owner is not None and idea.owner.email == "dean.newby@example.ac.uk"
    assert idea.owner.has_usable_password()  # random: "forgot your password" works later
    assert Owner.objects.filter(user=idea.owner, organisation=world.organisation).exists()
    mail = {m.subject: m for m in sent_mail()}
    invited = next(m for s, m in mail.items() if "own" in s and "/password/reset/" in m.body)
    assert invited.to == ["dean.newby@example.ac.uk"]
    from flipside.notifications.models import OutboxMessage

    kinds = set(OutboxMessage.objects.values_list("kind", flat=True))
    assert {"idea_owner_invited", "idea_assigned"} <= kinds


def test_inviting_an_address_with_an_account_gives_the_idea_to_that_account(
    world: World,
) -> None:
    idea = moved(an_idea(world), world.coordinator, "considering")
    idea = owners.invite_owner(
        idea, by=world.coordinator, name="Anything", email=world.nobody.email, version=idea.version
    )
    assert idea.owner == world.nobody
