"""The coordinators' matching pages (settings, rules, runs, adjusting, publishing, comparing,
pairs and re-matching) and each participant's page about their partner."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import World, bulk_members, make_cohort
from flipside.matching import services
from flipside.matching.models import Capacity, MatchingSettings, Pair, PairRule, Proposal, Run
from flipside.notifications.models import OutboxMessage
from flipside.schemes.models import Membership, Role, Stage
from flipside.training import services as training
from flipside.training.models import AgreementAcceptance
from flipside.training.readiness import ready_user_ids

from .builders import many_pairs, matching_cohort, mentee, mentor, programme

pytestmark = pytest.mark.django_db
SENTINEL = "Sentinel Zebedee Quagmire"
NOT_MANAGERS = ["mentor", "mentee", "observer", "outsider", "nobody"]


@pytest.fixture
def cohort(world: World) -> Any:
    """Three mentors and three mentees whose answers make one best pairing obvious. Prof Xu
    declared a conflict (a name nobody has) that no partner may ever see."""
    cohort = matching_cohort(world.scheme)
    mentor(cohort, "Amal", topics=("Racism",), availability=("mon-am",), mode="online")
    mentor(cohort, "Bea", topics=("Names",), availability=("tue-pm",), mode="online")
    mentor(cohort, "Cai", topics=("Commuting",), availability=("wed-eve",), mode="online")
    mentee(cohort, "Prof Xu", topics=("Racism",), availability=("mon-am",), mode="online",
           conflicts=SENTINEL)  # fmt: skip
    mentee(cohort, "Dr Yates", topics=("Names",), availability=("tue-pm",), mode="online")
    mentee(cohort, "Dr Zola", topics=("Commuting",), availability=("wed-eve",), mode="online")
    return cohort


@pytest.fixture
def coordinator(client: Client, world: World) -> Client:
    client.force_login(world.coordinator)
    return client


def readable(html: str) -> str:
    """Without the isolation around names (``<bdi>`` and U+2068 … U+2069), which no one sees."""
    for mark in ("<bdi>", "</bdi>", "\u2068", "\u2069"):
        html = html.replace(mark, "")
    return html


def text(response: Any) -> str:
    return readable(response.content.decode())


def messages_of(response: Any) -> list[str]:
    return [readable(str(m)) for m in response.context["messages"]] if response.context else []


def url(name: str, *args: Any) -> str:
    return reverse(f"matching:{name}", args=args)


def computed(run: Run) -> Run:
    services.process_runs("test")
    run.refresh_from_db()
    return run


def started(client: Client, cohort: Any, **data: Any) -> Run:
    response = client.post(url("start", cohort.pk), {"mode": "best", **data})
    assert response.status_code == 302
    return computed(Run.objects.get(pk=response["Location"].rstrip("/").split("/")[-1]))


def proposal(run: Run, mentor_name: str) -> Proposal:
    return run.proposals.select_related("mentor", "mentee").get(mentor__display_name=mentor_name)


# --- The matching page, rules and capacities ------------------------------------------------


def test_matching_page_shows_who_is_ready_the_settings_and_no_runs_yet(
    coordinator: Client, cohort: Any
) -> None:
    response = coordinator.get(url("overview", cohort.pk))
    html = text(response)
    assert response.status_code == 200
    assert "of 3 student mentors ready" in html and "of 3 staff mentees ready" in html
    assert url("settings", cohort.pk) in html
    assert "No proposals yet" in html
    assert 'name="include_unready"' in html and 'value="fairest"' in html


def test_the_cohort_page_and_home_page_link_coordinators_to_matching(
    coordinator: Client, cohort: Any
) -> None:
    assert url("overview", cohort.pk) in text(
        coordinator.get(reverse("home:cohort", args=[cohort.pk]))
    )
    assert url("overview", cohort.pk) in text(coordinator.get(reverse("home")))


def test_a_never_rule_is_added_listed_and_removed(
    coordinator: Client, world: World, cohort: Any
) -> None:
    amal = cohort.memberships.get(user__display_name="Amal").user
    xu = cohort.memberships.get(user__display_name="Prof Xu").user
    data = {"rule-mentor": amal.pk, "rule-mentee": xu.pk, "rule-kind": "never",
            "rule-reason": "Same research group"}  # fmt: skip
    response = coordinator.post(url("rule_add", cohort.pk), data, follow=True)
    assert "will never be proposed as a pair" in " ".join(messages_of(response))
    assert "Same research group" in text(response)
    rule = PairRule.objects.get(cohort=cohort)
    assert (rule.kind, rule.created_by) == ("never", world.coordinator)
    response = coordinator.post(url("rule_remove", rule.pk), follow=True)
    assert "Rule removed" in " ".join(messages_of(response))
    assert not PairRule.objects.filter(cohort=cohort).exists()


def test_a_lock_that_breaks_a_conflict_of_interest_is_refused_and_the_choice_kept(
    coordinator: Client, world: World
) -> None:
    cohort = matching_cohort(world.scheme)
    mbbs = programme(cohort)
    student = mentor(cohort, "Student", study=(mbbs, 1))
    teacher = mentee(cohort, "Teacher", teaching=((mbbs, 1),))
    data = {"rule-mentor": student.pk, "rule-mentee": teacher.pk, "rule-kind": "lock"}
    response = coordinator.post(url("rule_add", cohort.pk), data)
    html = text(response)
    assert response.status_code == 200
    assert "There is a problem" in html and "conflict of interest" in html
    assert f'name="rule-mentee" value="{teacher.pk}"' in html  # the chosen person is kept
    assert 'value="Teacher"' in html
    assert not PairRule.objects.exists()


def test_a_rule_needs_both_people_and_a_kind(coordinator: Client, cohort: Any) -> None:
    response = coordinator.post(url("rule_add", cohort.pk), {"rule-reason": "x"})
    assert response.status_code == 200
    assert text(response).count("This field is required") >= 3
    assert not PairRule.objects.exists()


def test_someone_from_another_cohort_cannot_be_named_in_a_rule(
    coordinator: Client, world: World, cohort: Any
) -> None:
    amal = cohort.memberships.get(user__display_name="Amal").user
    data = {"rule-mentor": amal.pk, "rule-mentee": world.mentee.pk, "rule-kind": "never"}
    response = coordinator.post(url("rule_add", cohort.pk), data)
    assert response.status_code == 200 and "Select a valid choice" in text(response)
    assert not PairRule.objects.exists()


def test_capacity_lets_someone_have_more_partners_and_refuses_six(
    coordinator: Client, cohort: Any
) -> None:
    xu = cohort.memberships.get(user__display_name="Prof Xu").user
    response = coordinator.post(
        url("capacity", cohort.pk), {"capacity-person": xu.pk, "capacity-partners": 2},
        follow=True,
    )  # fmt: skip
    assert "may have up to 2 partners" in " ".join(messages_of(response))
    assert Capacity.objects.get(cohort=cohort, user=xu).partners == 2
    response = coordinator.post(
        url("capacity", cohort.pk), {"capacity-person": xu.pk, "capacity-partners": 6}
    )
    assert response.status_code == 200 and "There is a problem" in text(response)
    assert 'value="6"' in text(response)
    assert Capacity.objects.get(cohort=cohort, user=xu).partners == 2


# --- Settings -------------------------------------------------------------------------------


def settings_data(saved: MatchingSettings, **changes: Any) -> dict[str, Any]:
    data = {
        "weight_topics": saved.weight_topics,
        "weight_availability": saved.weight_availability,
        "weight_mode_site": saved.weight_mode_site,
        "weight_preferences": saved.weight_preferences,
        "require_meetable": "on",
        "first_contact": saved.first_contact,
        "version": saved.version,
    }
    return data | changes


def test_settings_show_sliders_with_their_share_of_the_score(
    coordinator: Client, cohort: Any
) -> None:
    response = coordinator.get(url("settings", cohort.pk))
    html = text(response)
    assert response.status_code == 200
    assert 'type="range"' in html and 'min="0"' in html and 'max="10"' in html
    # Defaults 5, 4, 2 and 2 of 13
    assert "39% (weight 5)" in html and "31% (weight 4)" in html and "15% (weight 2)" in html
    assert "js/matching.js" in html and "<script>" not in html and "style=" not in html


def test_saving_settings_changes_them_and_goes_back(
    coordinator: Client, world: World, cohort: Any
) -> None:
    saved = services.settings_for(cohort)
    data = settings_data(saved, weight_topics=10, first_contact="mentor", status="x", cohort=99)
    response = coordinator.post(url("settings", cohort.pk), data)
    assert response.status_code == 302 and response["Location"] == url("overview", cohort.pk)
    saved.refresh_from_db()
    assert (saved.weight_topics, saved.first_contact, saved.version) == (10, "mentor", 2)
    assert saved.cohort == cohort and saved.updated_by == world.coordinator


def test_all_weights_zero_is_refused_and_the_input_kept(coordinator: Client, cohort: Any) -> None:
    saved = services.settings_for(cohort)
    zero = dict.fromkeys(
        ["weight_topics", "weight_availability", "weight_mode_site", "weight_preferences"], 0
    )
    response = coordinator.post(url("settings", cohort.pk), settings_data(saved, **zero))
    assert response.status_code == 200
    assert "at least one thing a weight above 0" in text(response)
    assert text(response).count('value="0"') >= 4
    saved.refresh_from_db()
    assert saved.version == 1


def test_a_stale_settings_form_shows_what_is_saved_and_keeps_the_input(
    coordinator: Client, world: World, cohort: Any
) -> None:
    saved = services.settings_for(cohort)
    stale = settings_data(saved, weight_topics=9)
    services.update_settings(
        cohort, by=world.org_coordinator, version=1, values={"weight_availability": 7}
    )
    response = coordinator.post(url("settings", cohort.pk), stale)
    html = text(response)
    assert response.status_code == 200
    assert "Someone else changed these settings" in html and "What is saved now" in html
    assert 'name="version" value="2"' in html and 'value="9"' in html
    saved.refresh_from_db()
    assert (saved.weight_topics, saved.weight_availability) == (5, 7)
    # Saving again on purpose works.
    response = coordinator.post(url("settings", cohort.pk), stale | {"version": 2})
    assert response.status_code == 302


def test_the_preview_shows_how_scores_would_change_as_sliders_move(
    coordinator: Client, cohort: Any
) -> None:
    started(coordinator, cohort)
    weights = {"weight_topics": 0, "weight_availability": 10, "weight_mode_site": 0,
               "weight_preferences": 0}  # fmt: skip
    response = coordinator.get(url("settings_preview", cohort.pk), weights, HTTP_HX_REQUEST="true")
    html = text(response)
    assert response.status_code == 200 and "<html" not in html
    assert "100% (weight 10)" in html and "How scores would change" in html
    assert "Amal" in html and "Prof Xu" in html
    nothing = {**weights, "weight_availability": 0}
    response = coordinator.get(url("settings_preview", cohort.pk), nothing, HTTP_HX_REQUEST="true")
    assert "at least one thing a weight above 0" in text(response)
    response = coordinator.get(url("settings_preview", cohort.pk), {"weight_topics": "1e309"})
    assert response.status_code == 200


def test_the_preview_works_without_javascript_and_saves_nothing(
    coordinator: Client, cohort: Any
) -> None:
    saved = services.settings_for(cohort)
    data = settings_data(saved, weight_topics=0, preview="1")
    response = coordinator.post(url("settings", cohort.pk), data)
    assert response.status_code == 200 and "How scores would change" in text(response)
    saved.refresh_from_db()
    assert (saved.weight_topics, saved.version) == (5, 1)


# --- Runs -----------------------------------------------------------------------------------


def test_starting_a_run_redirects_to_it_and_a_double_submit_gives_the_same_run(
    coordinator: Client, cohort: Any
) -> None:
    first = coordinator.post(url("start", cohort.pk), {"mode": "fairest"})
    second = coordinator.post(url("start", cohort.pk), {"mode": "fairest"})
    run = Run.objects.get(cohort=cohort)
    assert first["Location"] == second["Location"] == url("run", run.pk)
    assert run.mode == "fairest"
    html = text(coordinator.get(url("run", run.pk)))
    assert "<progress" in html and url("progress", run.pk) in html
    assert 'hx-trigger="every 1s"' in html
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html

    run = computed(run)
    html = text(coordinator.get(url("run", run.pk)))
    assert "http-equiv" not in html and "<progress" not in html
    assert "Amal" in html and "Prof Xu" in html and "racism" in html
    assert "Publish these pairs" in html


def test_the_progress_partial_asks_htmx_to_reload_the_page_once_done(
    coordinator: Client, cohort: Any
) -> None:
    coordinator.post(url("start", cohort.pk), {"mode": "best"})
    run = Run.objects.get(cohort=cohort)
    working = coordinator.get(url("progress", run.pk), HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in working and "every 1s" in text(working)
    computed(run)
    done = coordinator.get(url("progress", run.pk), HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true" and "every 1s" not in text(done)


def test_a_refused_run_says_why_and_keeps_the_choices(coordinator: Client, world: World) -> None:
    cohort = make_cohort(world.scheme, stage=Stage.TRAINING)
    response = coordinator.post(
        url("start", cohort.pk), {"mode": "fairest", "include_unready": "on"}
    )
    html = text(response)
    assert response.status_code == 200
    assert "when the cohort is at the matching stage" in html
    assert 'value="fairest" required id="id_mode_1" checked' in html
    assert re.search(r'<input[^>]*name="include_unready"[^>]*checked', html)
    assert not Run.objects.exists()


def test_an_unknown_mode_is_a_form_error(coordinator: Client, cohort: Any) -> None:
    response = coordinator.post(url("start", cohort.pk), {"mode": "greedy"})
    assert response.status_code == 200 and "Select a valid choice" in text(response)
    assert not Run.objects.exists()


def test_a_failed_run_shows_the_reason_and_can_be_tried_again(
    coordinator: Client, cohort: Any
) -> None:
    run = started(coordinator, cohort)
    Run.objects.filter(pk=run.pk).update(status="failed", error="Kept pair breaks a rule.")
    html = text(coordinator.get(url("run", run.pk)))
    assert "could not be finished" in html and "Kept pair breaks a rule." in html
    response = coordinator.post(url("rerun", run.pk), {"version": run.version})
    new = Run.objects.get(cohort=cohort, number=2)
    assert response["Location"] == url("run", new.pk)


# --- Adjusting a draft ----------------------------------------------------------------------


def test_locking_marks_the_pair_and_keeps_it_for_later_runs(
    coordinator: Client, cohort: Any
) -> None:
    run = started(coordinator, cohort)
    amal = proposal(run, "Amal")
    page = text(coordinator.get(url("run", run.pk)))
    assert 'name="lock" value="lock"' in page  # the button says what it asks for
    response = coordinator.post(url("lock", run.pk, amal.pk), {"lock": "lock"}, follow=True)
    assert "Locked: Amal and Prof Xu" in " ".join(messages_of(response))
    assert ">Locked</span>" in text(response)
    assert 'name="lock" value="unlock"' in text(response)
    assert PairRule.objects.get(cohort=cohort).kind == "lock"
    # A locked pair cannot be removed, so the page offers no button for it.
    assert url("remove", run.pk, amal.pk) not in text(response)
    response = coordinator.post(url("lock", run.pk, amal.pk), {"lock": "unlock"}, follow=True)
    assert "Unlocked Amal and Prof Xu" in " ".join(messages_of(response))
    assert not PairRule.objects.exists()


def test_a_double_click_on_lock_leaves_the_pair_locked(coordinator: Client, cohort: Any) -> None:
    run = started(coordinator, cohort)
    amal = proposal(run, "Amal")
    coordinator.post(url("lock", run.pk, amal.pk), {"lock": "lock"})
    response = coordinator.post(url("lock", run.pk, amal.pk), {"lock": "lock"}, follow=True)
    assert "Amal and Prof Xu were already locked." in " ".join(messages_of(response))
    assert PairRule.objects.filter(cohort=cohort, kind="lock").count() == 1
    coordinator.post(url("lock", run.pk, amal.pk), {"lock": "unlock"})
    response = coordinator.post(url("lock", run.pk, amal.pk), {"lock": "unlock"}, follow=True)
    assert "Amal and Prof Xu were already unlocked." in " ".join(messages_of(response))
    assert not PairRule.objects.exists()


def test_a_lock_post_that_does_not_say_lock_or_unlock_changes_nothing(
    coordinator: Client, cohort: Any
) -> None:
    run = started(coordinator, cohort)
    amal = proposal(run, "Amal")
    for posted in ({}, {"lock": "toggle"}, {"version": run.version}):
        response = coordinator.post(url("lock", run.pk, amal.pk), posted, follow=True)
        assert "Choose to lock or unlock the pair." in " ".join(messages_of(response))
    assert not PairRule.objects.exists()


def test_removing_a_pair_lists_both_people_as_not_paired(coordinator: Client, cohort: Any) -> None:
    run = started(coordinator, cohort)
    bea = proposal(run, "Bea")
    response = coordinator.post(
        url("remove", run.pk, bea.pk), {"version": run.version}, follow=True
    )
    assert "Removed Bea with Dr Yates" in " ".join(messages_of(response))
    run.refresh_from_db()
    assert run.matched == 2 and run.version == 2
    assert set(run.unmatched.values_list("user__display_name", flat=True)) == {"Bea", "Dr Yates"}
    assert "Taken out of a pair by a coordinator" in text(response)


def test_the_run_page_says_who_was_left_out_because_they_already_have_a_partner(
    coordinator: Client, cohort: Any
) -> None:
    amal = cohort.memberships.get(user__display_name="Amal").user
    xu = cohort.memberships.get(user__display_name="Prof Xu").user
    Pair.objects.create(cohort=cohort, mentor=amal, mentee=xu)
    run = started(coordinator, cohort)
    html = text(coordinator.get(url("run", run.pk)))
    not_paired = html[html.index('id="unmatched-title"') : html.index('id="already-paired"')]
    left_out = html[html.index('id="already-paired"') :]
    assert "Amal" not in not_paired and "Prof Xu" not in not_paired
    assert "already have as many partners as they are allowed" in left_out
    assert "Already paired with" in left_out
    assert "Amal" in left_out and "Prof Xu" in left_out


def test_a_stale_page_changes_nothing_and_says_so(coordinator: Client, cohort: Any) -> None:
    run = started(coordinator, cohort)
    bea, cai = proposal(run, "Bea"), proposal(run, "Cai")
    coordinator.post(url("remove", run.pk, bea.pk), {"version": run.version})
    response = coordinator.post(
        url("remove", run.pk, cai.pk), {"version": run.version}, follow=True
    )
    assert "Someone else changed this proposal" in " ".join(messages_of(response))
    assert run.proposals.filter(pk=cai.pk).exists()
    # No version at all is treated the same way.
    response = coordinator.post(url("remove", run.pk, cai.pk), follow=True)
    assert "Someone else changed this proposal" in " ".join(messages_of(response))
    assert run.proposals.filter(pk=cai.pk).exists()


def test_a_stale_swap_keeps_the_chosen_pairs_on_the_form(coordinator: Client, cohort: Any) -> None:
    run = started(coordinator, cohort)
    amal, bea = proposal(run, "Amal"), proposal(run, "Bea")
    old = run.version
    coordinator.post(url("remove", run.pk, proposal(run, "Cai").pk), {"version": old})
    data = {"swap-first": amal.pk, "swap-second": bea.pk, "swap-version": old}
    response = coordinator.post(url("swap", run.pk), data)
    assert response.status_code == 302 and f"swap-first={amal.pk}" in response["Location"]
    html = text(coordinator.get(response["Location"]))
    assert f'<option value="{amal.pk}" selected>' in html
    assert f'<option value="{bea.pk}" selected>' in html
    assert proposal(run, "Amal").mentee.display_name == "Prof Xu"


def test_swapping_exchanges_the_mentees(coordinator: Client, cohort: Any) -> None:
    run = started(coordinator, cohort)
    amal, bea = proposal(run, "Amal"), proposal(run, "Bea")
    data = {"swap-first": amal.pk, "swap-second": bea.pk, "swap-version": run.version}
    response = coordinator.post(url("swap", run.pk), data, follow=True)
    assert "Swapped: Amal is now with Dr Yates, and Bea with Prof Xu" in " ".join(
        messages_of(response)
    )
    assert proposal(run, "Amal").mentee.display_name == "Dr Yates"
    assert proposal(run, "Bea").mentee.display_name == "Prof Xu"


def test_swapping_a_pair_with_itself_is_a_form_error(coordinator: Client, cohort: Any) -> None:
    run = started(coordinator, cohort)
    amal = proposal(run, "Amal")
    data = {"swap-first": amal.pk, "swap-second": amal.pk, "swap-version": run.version}
    response = coordinator.post(url("swap", run.pk), data)
    assert response.status_code == 200 and "Choose two different pairs" in text(response)
    run.refresh_from_db()
    assert run.version == 1


@pytest.fixture
def teaching(world: World) -> Any:
    """A student, the member of staff who teaches their year, and another mentee; the only
    proposed pair (student and other) has been removed."""
    cohort = matching_cohort(world.scheme)
    mbbs = programme(cohort)
    mentor(cohort, "Student", study=(mbbs, 1), availability=("mon-am",))
    mentee(cohort, "Teacher", teaching=((mbbs, 1),))
    mentee(cohort, "Other", availability=("fri-eve",))
    run = computed(services.start_run(cohort, by=world.coordinator))
    services.remove_proposal(run, run.proposals.get(), by=world.coordinator, version=run.version)
    run.refresh_from_db()
    return run


def people(run: Run) -> dict[str, Any]:
    return {m.user.display_name: m.user for m in run.cohort.memberships.select_related("user")}


def test_adding_by_hand_refuses_a_teaching_conflict_with_the_reason(
    coordinator: Client, teaching: Run
) -> None:
    run, who = teaching, people(teaching)
    data = {"add-mentor": who["Student"].pk, "add-mentee": who["Teacher"].pk,
            "add-version": run.version}  # fmt: skip
    response = coordinator.post(url("add", run.pk), data)
    html = text(response)
    assert response.status_code == 200
    assert "There is a problem" in html and "conflict of interest" in html
    assert f'name="add-mentee" value="{who["Teacher"].pk}"' in html  # the choice is kept
    assert 'value="Teacher"' in html
    assert not run.proposals.exists()


def test_adding_by_hand_asks_to_confirm_warnings_then_adds(
    coordinator: Client, teaching: Run
) -> None:
    run, who = teaching, people(teaching)
    data = {"add-mentor": who["Student"].pk, "add-mentee": who["Other"].pk,
            "add-version": run.version}  # fmt: skip
    response = coordinator.post(url("add", run.pk), data)
    html = text(response)
    assert response.status_code == 200 and "Add Student with Other?" in html
    assert "no weekly time in common" in html
    assert 'name="add-confirmed" value="1"' in html
    assert not run.proposals.exists()
    response = coordinator.post(url("add", run.pk), data | {"add-confirmed": "1"}, follow=True)
    assert "Added Student with Other by hand" in " ".join(messages_of(response))
    assert run.proposals.get().source == Proposal.Source.MANUAL
    assert "Added by hand" in text(response)


def test_adding_by_hand_needs_two_people(coordinator: Client, teaching: Run) -> None:
    response = coordinator.post(url("add", teaching.pk), {"add-version": teaching.version})
    assert response.status_code == 200 and "This field is required" in text(response)


# --- Publishing -----------------------------------------------------------------------------


def test_publishing_confirms_then_emails_everyone_once(coordinator: Client, cohort: Any) -> None:
    run = started(coordinator, cohort)
    html = text(coordinator.get(url("publish", run.pk)))
    assert "3 pairs will be created" in html and "6 people" in html
    assert "You cannot undo this" in html
    response = coordinator.post(url("publish", run.pk), {"version": run.version}, follow=True)
    assert response.redirect_chain[-1][0] == url("pairs", cohort.pk)
    assert "6 introduction emails are on their way" in " ".join(messages_of(response))
    assert Pair.objects.filter(cohort=cohort, status="active").count() == 3
    assert OutboxMessage.objects.filter(kind="pair_introduction").count() == 6

    # A second press (a double click, or a colleague's tab) lands on the pairs, sending nothing.
    response = coordinator.post(url("publish", run.pk), {"version": run.version}, follow=True)
    assert response.redirect_chain[-1][0] == url("pairs", cohort.pk)
    assert "nothing was sent twice" in " ".join(messages_of(response))
    assert OutboxMessage.objects.filter(kind="pair_introduction").count() == 6
    html = text(coordinator.get(url("run", run.pk)))
    assert "can no longer be changed here" in html
    assert url("lock", run.pk, proposal(run, "Amal").pk) not in html
    assert url("swap", run.pk) not in html and url("add", run.pk) not in html
    overview = text(coordinator.get(url("overview", cohort.pk)))
    assert "The pairs are published" in overview and url("pairs", cohort.pk) in overview


def between(html: str, start: str, end: str) -> str:
    return html[html.index(start) : html.index(end)]


def test_publishing_asks_about_weak_pairs_and_people_not_ready(
    coordinator: Client, world: World
) -> None:
    """A pair with a warning (here: no weekly time in common, so a low score) and someone
    who is not ready are named before anything is sent, and marked in the proposal."""
    cohort = matching_cohort(world.scheme)
    student = mentor(cohort, "Student", availability=("mon-am",), mode="online")
    teacher = mentee(cohort, "Dr Late", topics=("Racism",), availability=("fri-eve",))
    rules = training.publish_agreement(cohort.scheme, body="Be kind.", by=world.coordinator)
    AgreementAcceptance.objects.create(user=teacher, version=rules)
    run = started(coordinator, cohort, include_unready="on")
    found = proposal(run, "Student")
    assert found.mentee == teacher and found.score < services.LOW_SCORE and found.warnings
    assert student.pk not in ready_user_ids(cohort)

    table = between(text(coordinator.get(url("run", run.pk))), 'id="proposals"', "unmatched-title")
    assert table.count("Not ready yet") == 1

    page = between(text(coordinator.get(url("publish", run.pk))), "<h1", "You cannot undo")
    assert "1 pair has something to check first" in page
    assert "Student" in page and "Dr Late" in page
    assert f"Low score: {found.score} of 100" in page and "no weekly time in common" in page
    assert "1 person is not ready yet" in page and "accept the ground rules" in page


def test_a_proposal_says_what_was_found_in_words_not_the_solver_name(
    coordinator: Client, cohort: Any
) -> None:
    run = started(coordinator, cohort)
    html = text(coordinator.get(url("run", run.pk)))
    assert run.solver and run.solver not in html and "lapjv" not in html.lower()
    assert "The best possible pairs for this aim" in html
    services.remove_proposal(run, proposal(run, "Cai"), by=run.created_by, version=run.version)
    html = text(coordinator.get(url("run", run.pk)))
    assert "The best possible pairs for this aim, then changed by hand" in html


def test_edits_to_a_published_run_are_refused(coordinator: Client, cohort: Any) -> None:
    run = started(coordinator, cohort)
    services.publish(run, by=None, version=run.version)
    run.refresh_from_db()
    amal = proposal(run, "Amal")
    response = coordinator.post(
        url("remove", run.pk, amal.pk), {"version": run.version}, follow=True
    )
    assert "published, so it cannot be changed" in " ".join(messages_of(response))
    response = coordinator.post(url("lock", run.pk, amal.pk), {"lock": "lock"}, follow=True)
    assert "published, so it cannot be changed" in " ".join(messages_of(response))
    assert run.proposals.count() == 3 and not PairRule.objects.exists()


# --- Comparing ------------------------------------------------------------------------------


def test_comparing_two_runs_shows_what_differs(coordinator: Client, cohort: Any) -> None:
    first = started(coordinator, cohort)
    response = coordinator.post(url("rerun", first.pk), {"version": first.version})
    second = computed(Run.objects.get(cohort=cohort, number=2))
    services.remove_proposal(second, proposal(second, "Cai"), by=None, version=second.version)
    response = coordinator.get(url("compare", cohort.pk), {"first": first.pk, "second": second.pk})
    html = text(response)
    assert response.status_code == 200
    assert "In both (2 pairs)" in html and "Only in Proposal 1" in html
    assert html.index("Cai with Dr Zola") > html.index("Only in Proposal 1")
    assert "Lowest score" in html and "<svg" in html


def test_comparing_needs_two_different_finished_runs_of_the_cohort(
    coordinator: Client, world: World, cohort: Any
) -> None:
    run = started(coordinator, cohort)
    same = coordinator.get(url("compare", cohort.pk), {"first": run.pk, "second": run.pk})
    assert same.status_code == 200 and "Choose two different proposals" in text(same)
    other = matching_cohort(world.scheme)
    mentor(other, "Dee")
    mentee(other, "Dr Eve")
    theirs = computed(services.start_run(other, by=world.coordinator))
    wrong = coordinator.get(url("compare", cohort.pk), {"first": run.pk, "second": theirs.pk})
    assert wrong.status_code == 404
    for bad in ("abc", "-1", "1e3", "99999999999999999999999"):
        response = coordinator.get(url("compare", cohort.pk), {"first": run.pk, "second": bad})
        assert response.status_code == 404


# --- Pairs, ending and re-matching ----------------------------------------------------------


@pytest.fixture
def published(coordinator: Client, cohort: Any) -> Run:
    run = started(coordinator, cohort)
    coordinator.post(url("publish", run.pk), {"version": run.version})
    return run


def test_ending_a_pair_needs_a_reason_and_offers_new_partners(
    coordinator: Client, cohort: Any, published: Run
) -> None:
    pair = Pair.objects.get(cohort=cohort, mentor__display_name="Bea")
    html = text(coordinator.get(url("pairs", cohort.pk)))
    assert "Active (3 pairs)" in html and url("end_pair", pair.pk) in html
    assert "End the pair of Bea and Dr Yates?" in text(coordinator.get(url("end_pair", pair.pk)))
    response = coordinator.post(url("end_pair", pair.pk), {"reason": "  "})
    assert response.status_code == 200 and "Say why this pair is ending" in text(response)
    pair.refresh_from_db()
    assert pair.status == "active"

    response = coordinator.post(url("end_pair", pair.pk), {"reason": "Bea moved away"}, follow=True)
    assert "has ended" in " ".join(messages_of(response))
    pair.refresh_from_db()
    assert pair.status == "ended" and pair.end_reason == "Bea moved away"
    html = text(response)
    assert "Ended early (1 pair)" in html
    assert url("rematch", cohort.pk, pair.mentor_id) in html
    assert url("rematch", cohort.pk, pair.mentee_id) in html
    assert OutboxMessage.objects.filter(kind="pair_ended").count() == 2


def test_rematching_lists_candidates_and_pairs_them(
    coordinator: Client, world: World, cohort: Any, published: Run
) -> None:
    Capacity.objects.create(cohort=cohort, user=Pair.objects.get(mentor__display_name="Cai").mentee,
                            partners=2)  # fmt: skip
    pair = Pair.objects.get(cohort=cohort, mentor__display_name="Bea")
    services.end_pair(pair, by=world.coordinator, reason="Moved away")
    bea, zola = pair.mentor, Pair.objects.get(mentor__display_name="Cai").mentee
    response = coordinator.get(url("rematch", cohort.pk, bea.pk))
    html = text(response)
    assert response.status_code == 200 and "A new partner for Bea" in html
    assert "Dr Zola" in html and "Pair<span" in html

    # Someone from outside the cohort, and a pair that is not about Bea, are refused.
    outside = coordinator.post(url("rematch", cohort.pk, bea.pk),
                               {"mentor": bea.pk, "mentee": world.mentee.pk})  # fmt: skip
    assert outside.status_code == 200 and "Select a valid choice" in text(outside)
    amal = Pair.objects.get(mentor__display_name="Amal").mentor
    other = coordinator.post(url("rematch", cohort.pk, bea.pk),
                             {"mentor": amal.pk, "mentee": zola.pk})  # fmt: skip
    assert "Choose a partner for Bea" in text(other)

    response = coordinator.post(url("rematch", cohort.pk, bea.pk),
                                {"mentor": bea.pk, "mentee": zola.pk}, follow=True)  # fmt: skip
    assert "Bea and Dr Zola are now paired" in " ".join(messages_of(response))
    assert Pair.objects.filter(cohort=cohort, mentor=bea, mentee=zola, status="active").exists()


def test_rematching_someone_not_in_the_cohort_is_not_found(
    coordinator: Client, world: World, cohort: Any
) -> None:
    assert coordinator.get(url("rematch", cohort.pk, world.mentor.pk)).status_code == 404


# --- The partner page -----------------------------------------------------------------------


def test_a_participant_sees_their_partner_and_never_their_declared_conflicts(
    client: Client, world: World, cohort: Any, published: Run
) -> None:
    amal = Pair.objects.get(mentor__display_name="Amal").mentor
    xu = Pair.objects.get(mentor__display_name="Amal").mentee
    client.force_login(amal)
    home = text(client.get(reverse("home")))
    assert "Your partner" in home and "Prof Xu" in home and url("partner", cohort.pk) in home
    response = client.get(url("partner", cohort.pk))
    html = text(response)
    assert response.status_code == 200
    assert "Prof Xu" in html and f'<a href="mailto:{xu.email}"><span class="email-address">' in html
    assert "Xu gets in touch first." in html
    assert f"Meet at least {cohort.min_meetings} times" in html
    client.force_login(xu)
    html = text(client.get(url("partner", cohort.pk)))
    assert "You get in touch first." in html and "Amal" in html
    assert "I would like to help." not in html  # Amal's application statement
    for page in (html, home):
        assert SENTINEL not in page


def test_people_without_a_pair_have_no_partner_page(
    client: Client, world: World, cohort: Any, published: Run
) -> None:
    for person in (world.coordinator, world.observer, world.outsider):
        client.force_login(person)
        assert client.get(url("partner", cohort.pk)).status_code == 404
    pair = Pair.objects.get(mentor__display_name="Amal")
    services.end_pair(pair, by=world.coordinator, reason="Ended")
    client.force_login(pair.mentor)
    assert client.get(url("partner", cohort.pk)).status_code == 404


def test_the_partner_page_asks_a_bounded_number_of_queries_and_creates_missing_settings(
    client: Client, world: World, cohort: Any, published: Run, django_assert_max_num_queries: Any
) -> None:
    MatchingSettings.objects.filter(cohort=cohort).delete()
    client.force_login(Pair.objects.get(mentor__display_name="Amal").mentor)
    assert "Xu gets in touch first." in text(client.get(url("partner", cohort.pk)))
    assert MatchingSettings.objects.filter(cohort=cohort).exists()
    # Session, person, their roles, the pairs with cohort and settings, then the partner's
    # membership and application.
    with django_assert_max_num_queries(6):
        assert "Xu gets in touch first." in text(client.get(url("partner", cohort.pk)))


def test_a_pair_outlives_no_membership_on_the_partner_page(
    client: Client, world: World, cohort: Any, published: Run
) -> None:
    pair = Pair.objects.get(mentor__display_name="Amal")
    Membership.objects.filter(cohort=cohort, user=pair.mentor).delete()
    client.force_login(pair.mentor)
    assert client.get(url("partner", cohort.pk)).status_code == 404


# --- The wrong people -----------------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_MANAGERS)
def test_nobody_else_can_see_or_change_a_run(
    role: str, client: Client, world: World, cohort: Any
) -> None:
    client.force_login(world.coordinator)
    run = started(client, cohort)
    amal = proposal(run, "Amal")
    client.force_login(getattr(world, role))
    for page in ("run", "progress", "publish"):
        assert client.get(url(page, run.pk)).status_code == 404
    assert client.get(url("overview", cohort.pk)).status_code == 404
    posts = [
        (url("remove", run.pk, amal.pk), {"version": run.version}),
        (url("lock", run.pk, amal.pk), {"version": run.version}),
        (url("publish", run.pk), {"version": run.version}),
        (url("rerun", run.pk), {"version": run.version}),
        (url("start", cohort.pk), {"mode": "best"}),
        (url("rule_add", cohort.pk), {"rule-mentor": amal.mentor_id,
                                      "rule-mentee": amal.mentee_id, "rule-kind": "never"}),
    ]  # fmt: skip
    for path, data in posts:
        assert client.post(path, data).status_code == 404
    run.refresh_from_db()
    assert run.proposals.count() == 3 and run.published_at is None
    assert Run.objects.count() == 1 and not PairRule.objects.exists()


def test_a_proposal_of_another_run_is_not_found(coordinator: Client, cohort: Any) -> None:
    first = started(coordinator, cohort)
    coordinator.post(url("rerun", first.pk), {"version": first.version})
    second = computed(Run.objects.get(number=2))
    theirs = proposal(second, "Amal")
    response = coordinator.post(url("remove", first.pk, theirs.pk), {"version": first.version})
    assert response.status_code == 404
    assert second.proposals.filter(pk=theirs.pk).exists()


def test_the_run_page_queries_stay_bounded(
    coordinator: Client, world: World, django_assert_max_num_queries: Any
) -> None:
    cohort = matching_cohort(world.scheme)
    for n in range(12):
        mentor(cohort, f"Mentor {n}", topics=("Racism",), availability=("mon-am",))
        mentee(cohort, f"Mentee {n}", topics=("Racism",), availability=("mon-am",))
    run = started(coordinator, cohort)
    # (readiness, to mark people not ready yet, takes a fixed number of queries)
    with django_assert_max_num_queries(24):
        response = coordinator.get(url("run", run.pk))
    assert response.status_code == 200 and run.matched == 12


def test_pairs_download_as_csv_and_excel_without_private_answers(
    coordinator: Client, world: World, cohort: Any, published: Run
) -> None:
    import io

    from openpyxl import load_workbook

    from flipside.privacy.models import AuditEntry
    from flipside.recruitment.models import Application

    Application.objects.filter(call__cohort=cohort).update(conflicts="SENTINEL-CONFLICT")
    pair = Pair.objects.get(cohort=cohort, mentor__display_name="Bea")
    services.end_pair(pair, by=world.coordinator, reason='=HYPERLINK("x")')
    assert url("pairs_export", cohort.pk, "csv") in text(coordinator.get(url("pairs", cohort.pk)))

    response = coordinator.get(url("pairs_export", cohort.pk, "csv"))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert response.streaming  # written a row at a time, however many pairs there are
    body = response.getvalue().decode("utf-8-sig")
    assert body.count("\n") == 4  # a header and three pairs
    assert "Bea" in body and "Dr Yates" in body and "Ended early" in body
    assert "'=HYPERLINK" in body  # formula-looking text is made inert
    assert "SENTINEL-CONFLICT" not in body

    workbook = load_workbook(
        io.BytesIO(coordinator.get(url("pairs_export", cohort.pk, "xlsx")).content)
    )
    rows = list(workbook.active.iter_rows(values_only=True))
    assert len(rows) == 4 and rows[0][0] == "Student mentor"
    assert AuditEntry.objects.filter(action="matching.pairs.exported").count() == 2
    assert coordinator.get(url("pairs_export", cohort.pk, "pdf")).status_code == 404


def test_a_run_nobody_picks_up_says_the_worker_may_be_down(
    coordinator: Client, cohort: Any
) -> None:
    import datetime

    coordinator.post(url("start", cohort.pk), {"mode": "best"})
    run = Run.objects.get(cohort=cohort)
    assert run.status == Run.Status.QUEUED
    assert "No background worker" not in text(coordinator.get(url("progress", run.pk)))
    Run.objects.filter(pk=run.pk).update(created_at=run.created_at - datetime.timedelta(minutes=2))
    assert "No background worker" in text(coordinator.get(url("progress", run.pk)))
    computed(run)
    assert "No background worker" not in text(coordinator.get(url("run", run.pk)))


def test_the_pairs_page_is_paged_with_counts_for_the_whole_cohort(
    coordinator: Client, world: World
) -> None:
    cohort = matching_cohort(world.scheme)
    many_pairs(cohort, 60, ended=2)
    html = text(coordinator.get(url("pairs", cohort.pk)))
    assert "Active (60 pairs)" in html and "Ended early (2 pairs)" in html
    assert "Showing 1–50 of 62" in html and "Page 1 of 2" in html
    assert "Mentor 0049" in html and "Mentor 0050" not in html
    html = text(coordinator.get(url("pairs", cohort.pk), {"page": 2}))
    assert "Showing 51–62 of 62" in html and "Mentor 0050" in html and "Mentor 0049" not in html
    assert html.count(">End early<") == 10  # only active pairs can be ended
    assert url("pairs_export", cohort.pk, "csv") in html


def test_the_pairs_page_rows_show_score_dates_in_london_and_escape_what_people_typed(
    coordinator: Client, world: World
) -> None:
    cohort = matching_cohort(world.scheme)
    active, ended = many_pairs(cohort, 1, ended=1)
    summer = datetime.datetime(2026, 6, 30, 23, 30, tzinfo=datetime.UTC)  # 1 July in London
    Pair.objects.filter(pk=active.pk).update(score=None, started_at=summer)
    Pair.objects.filter(pk=ended.pk).update(ended_at=summer, end_reason="<b>Moved</b> & left")
    active.mentor.display_name = "<i>Ann</i>"
    active.mentor.save()
    html = coordinator.get(url("pairs", cohort.pk)).content.decode()
    assert '<span class="muted">Not scored</span>' in html
    assert '<time datetime="2026-07-01T00:30:00+01:00">1 Jul 2026</time>' in html
    assert (
        '<span class="tag tag--pair-ended">Ended early</span> <span class="cell-note">on 1 Jul 2026'
        in html
    )
    assert "&lt;b&gt;Moved&lt;/b&gt; &amp; left" in html and "<b>Moved" not in html
    assert "<bdi>&lt;i&gt;Ann&lt;/i&gt;</bdi>" in html and "<i>Ann" not in html
    end = f'<a href="{url("end_pair", active.pk)}">End early<span class="visually-hidden"> the pair'
    assert end in html and url("end_pair", ended.pk) not in html


def test_a_pairs_table_row_is_drawn_whole_with_braces_and_percents_taken_literally() -> None:
    from flipside.matching.selectors import PairRow
    from flipside.matching.templatetags.matching_tables import pair_rows

    summer = datetime.datetime(2026, 6, 30, 23, 30, tzinfo=datetime.UTC)  # 1 July in London
    active = PairRow(7, 42, "active", summer, None, "", "{0} & <Ann>", '%(b)s "Bo"')
    ended = PairRow(8, None, "ended", summer, summer, "{x} %s", "Cy", "Di")
    end = reverse("matching:end_pair", args=[7])
    assert pair_rows([active, ended], can_end=True) == (
        '<tr id="pair-7">\n'
        '    <th scope="row" data-label="Student mentor"><bdi>{0} &amp; &lt;Ann&gt;</bdi></th>\n'
        '    <td data-label="Staff mentee"><bdi>%(b)s &quot;Bo&quot;</bdi></td>\n'
        '    <td data-label="Score" class="score"><span class="score__number">42</span><svg '
        'class="bar" viewBox="0 0 100 4" preserveAspectRatio="none" aria-hidden="true" '
        'focusable="false"><rect class="bar__track" width="100" height="4"></rect><rect '
        'class="bar__fill" width="42" height="4"></rect></svg>\n</td>\n'
        '    <td data-label="Started" class="nowrap"><time datetime="2026-07-01T00:30:00+01:00">'
        "1 Jul 2026</time></td>\n"
        '    <td data-label="Status"><span class="tag tag--pair-active">Active</span></td>\n'
        f'    <td><a href="{end}">End early<span class="visually-hidden"> the pair of '
        "<bdi>{0} &amp; &lt;Ann&gt;</bdi> and <bdi>%(b)s &quot;Bo&quot;</bdi></span></a></td>\n"
        "  </tr>\n"
        '<tr id="pair-8">\n'
        '    <th scope="row" data-label="Student mentor"><bdi>Cy</bdi></th>\n'
        '    <td data-label="Staff mentee"><bdi>Di</bdi></td>\n'
        '    <td data-label="Score" class="score"><span class="muted">Not scored</span></td>\n'
        '    <td data-label="Started" class="nowrap"><time datetime="2026-07-01T00:30:00+01:00">'
        "1 Jul 2026</time></td>\n"
        '    <td data-label="Status"><span class="tag tag--pair-ended">Ended early</span> '
        '<span class="cell-note">on 1 Jul 2026</span><span class="cell-note break">{x} %s'
        "</span></td>\n"
        "    <td></td>\n"
        "  </tr>\n"
    )
    assert "<td>" not in pair_rows([active, ended], can_end=False)


def test_the_pairs_page_finds_pairs_by_name_and_status_and_keeps_them_in_links(
    coordinator: Client, world: World
) -> None:
    cohort = matching_cohort(world.scheme)
    many_pairs(cohort, 60, ended=2)
    html = text(coordinator.get(url("pairs", cohort.pk), {"q": "mentee 001"}))
    assert "Mentee 0010" in html and "Mentee 0019" in html and "Mentee 0001" not in html
    assert 'value="mentee 001"' in html and "Active (60 pairs)" in html
    html = text(coordinator.get(url("pairs", cohort.pk), {"status": "ended"}))
    assert "Mentor 0060" in html and "Mentor 0061" in html and "Mentor 0000" not in html
    html = text(coordinator.get(url("pairs", cohort.pk), {"q": "Mentor", "status": "active"}))
    assert "?q=Mentor&amp;status=active&amp;page=2" in html
    html = text(coordinator.get(url("pairs", cohort.pk), {"q": "Nobody by this name"}))
    assert "No pairs match these filters." in html
    for bad in ({"status": "paid"}, {"page": "abc"}, {"q": "a\x00b"}):  # ignored
        response = coordinator.get(url("pairs", cohort.pk), bad)
        assert response.status_code == 200 and "Mentor 0000" in text(response)
    for far in ("-1", "0", "99999999999999999999"):  # the nearest page there is
        assert "Page 2 of 2" in text(coordinator.get(url("pairs", cohort.pk), {"page": far}))


def test_people_without_a_partner_are_counted_with_the_pair_figures_and_read_only_if_any(
    coordinator: Client, world: World
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_of_the_page() -> tuple[list[str], str]:
        with CaptureQueriesContext(connection) as queries:
            html = text(coordinator.get(url("pairs", cohort.pk)))
        # The page as it reads, without the form's token, new on every visit.
        return [q["sql"] for q in queries.captured_queries], re.sub(r'value="\w{64}"', "", html)

    cohort = matching_cohort(world.scheme)
    many_pairs(cohort, 1)
    coordinator.get(url("pairs", cohort.pk))  # the session's first request fills caches
    everyone_paired, html = queries_of_the_page()
    assert "without a partner" not in html
    assert not [sql for sql in everyone_paired if "person.display_name" in sql]  # no list read
    counted = []
    for n in (2, 58, 60):
        bulk_members(cohort, Role.MENTEE, n, name=f"Waiting {n}")
        changed, html = queries_of_the_page()
        held, again = queries_of_the_page()
        assert again == html
        counted.append((len(changed), len(held)))
    assert "Showing the first 50 of 120 people without a partner" in html
    # However many there are: counted again with the figures after a change, then read from
    # the kept figures, with one more query for the first of them.
    assert counted == [counted[0]] * 3
    assert counted[0][1] == len(everyone_paired) + 1


def test_people_without_a_partner_are_listed_up_to_a_limit_and_found_by_name(
    coordinator: Client, world: World
) -> None:
    cohort = matching_cohort(world.scheme)
    many_pairs(cohort, 1)
    bulk_members(cohort, Role.MENTEE, 55, name="Waiting")
    html = text(coordinator.get(url("pairs", cohort.pk)))
    assert "Waiting 0049" in html and "Waiting 0050" not in html
    assert "Showing the first 50 of 55 people without a partner" in html
    html = text(coordinator.get(url("pairs", cohort.pk), {"q": "Waiting 0054"}))
    assert "Waiting 0054" in html and "Showing the first" not in html
