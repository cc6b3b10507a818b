"""A proposal's page with many pairs: in pages of 50 with a search and filters, figures for
the whole proposal, and every change returning to the page and search it was made on."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import World
from flipside.matching import selectors, services
from flipside.matching.forms import ProposalSelect, SwapForm
from flipside.matching.models import PairRule, Proposal, Run
from flipside.training import services as training
from flipside.training.models import AgreementAcceptance
from flipside.training.readiness import ready_among, ready_user_ids

from .builders import many_proposals, matching_cohort, mentee, mentor
from .test_views import messages_of, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(client: Client, world: World) -> Client:
    client.force_login(world.coordinator)
    return client


@pytest.fixture
def run(world: World) -> Run:
    """A draft proposal of 120 pairs, "Mentor 0000" with "Mentee 0000" and so on, scoring
    0, 1, 2 … 100, 0, 1 … 18."""
    return many_proposals(matching_cohort(world.scheme), 120)


def url(name: str, *args: Any) -> str:
    return reverse(f"matching:{name}", args=args)


def pair(run: Run, n: int) -> Proposal:
    return run.proposals.select_related("mentor", "mentee").get(
        mentor__display_name=f"Mentor {n:04}"
    )


def table(html: str) -> str:
    return html[html.index('id="proposals"') : html.index('id="unmatched-title"')]


def test_the_pairs_come_in_pages_of_50_best_score_first(coordinator: Client, run: Run) -> None:
    html = text(coordinator.get(url("run", run.pk)))
    assert "Showing 1–50 of 120" in html and "Page 1 of 3" in html
    # Mentor 0100 scores 100; Mentor 0000 and Mentor 0101 score 0.
    assert "Mentor 0100" in table(html) and "Mentor 0000" not in table(html)
    html = text(coordinator.get(url("run", run.pk), {"page": 3}))
    assert "Showing 101–120 of 120" in html and "Mentor 0000" in table(html)
    assert table(html).count("<tr id=") == 20


def test_the_spread_of_scores_counts_every_pair_not_only_the_page(
    coordinator: Client, run: Run
) -> None:
    html = text(coordinator.get(url("run", run.pk)))
    scores = list(run.proposals.values_list("score", flat=True))
    spread = html[html.index('id="spread-title"') : html.index('id="proposals"')]
    for low, high in [(0, 19), (20, 39), (40, 59), (60, 79), (80, 100)]:
        count = sum(low <= score <= high for score in scores)
        assert f'{low}–{high}</th><td class="num">{count}</td>' in spread
    assert '0–19</th><td class="num">39</td>' in spread  # 0 to 18 twice, and 19


def test_the_search_finds_pairs_by_either_name_and_several_names_at_once(
    coordinator: Client, run: Run
) -> None:
    html = table(text(coordinator.get(url("run", run.pk), {"q": "mentee 0007"})))
    assert html.count("<tr id=") == 1 and "Mentor 0007" in html
    html = table(text(coordinator.get(url("run", run.pk), {"q": "Mentor 0007, Mentee 0110"})))
    assert html.count("<tr id=") == 2 and "Mentor 0007" in html and "Mentor 0110" in html
    html = text(coordinator.get(url("run", run.pk), {"q": "Mentor 00"}))
    assert "Showing 1–50 of 100" in html and "q=Mentor+00&amp;page=2" in html
    html = text(coordinator.get(url("run", run.pk), {"q": "Nobody"}))
    assert "No pairs match these filters." in html and "Clear filters" in html


def test_the_filters_show_locked_pairs_or_pairs_with_someone_not_ready(
    coordinator: Client, world: World, run: Run
) -> None:
    locked = pair(run, 7)
    services.set_lock(run, locked, locked=True, by=world.coordinator)
    html = table(text(coordinator.get(url("run", run.pk), {"show": "locked"})))
    assert html.count("<tr id=") == 1 and "Mentor 0007" in html and ">Locked</span>" in html

    # Ground rules nobody has accepted yet, except the two people of one pair.
    rules = training.publish_agreement(run.cohort.scheme, body="Be kind.", by=world.coordinator)
    ready = pair(run, 100)  # the best score: first on page 1
    for person in (ready.mentor, ready.mentee):
        AgreementAcceptance.objects.create(user=person, version=rules)
    html = text(coordinator.get(url("run", run.pk), {"show": "not_ready"}))
    assert "Showing 1–50 of 119" in html and "Mentor 0100" not in html
    html = table(text(coordinator.get(url("run", run.pk))))
    assert html.count("Not ready yet") == 2 * 50 - 2  # everyone shown but Mentor 0100's pair

    # A filter not on offer is ignored.
    html = text(coordinator.get(url("run", run.pk), {"show": "everything"}))
    assert "Showing 1–50 of 120" in html


def test_locking_and_removing_return_to_the_same_page_and_search(
    coordinator: Client, run: Run
) -> None:
    here = "?q=Mentor+00&page=2"
    html = text(coordinator.get(url("run", run.pk) + here))
    target = pair(run, 20)  # score 20: on page 2 of the search
    lock = url("lock", run.pk, target.pk) + here.replace("&", "&amp;")
    assert lock in html
    back = url("run", run.pk) + here + "#proposals"

    response = coordinator.post(url("lock", run.pk, target.pk) + here, {"lock": "lock"})
    assert response["Location"] == back
    assert PairRule.objects.filter(mentor=target.mentor, kind="lock").exists()

    other = pair(run, 21)
    response = coordinator.post(url("remove", run.pk, other.pk) + here, {"version": run.version})
    assert response["Location"] == back
    assert not run.proposals.filter(pk=other.pk).exists()

    # A stale page changes nothing and also comes back to where the coordinator was.
    response = coordinator.post(url("remove", run.pk, target.pk) + here, {"version": 1})
    assert response["Location"] == back
    follow = coordinator.get(response["Location"])
    assert "Someone else changed this proposal" in " ".join(messages_of(follow))
    assert run.proposals.filter(pk=target.pk).exists()


def test_only_the_run_pages_own_filters_are_carried_back(coordinator: Client, run: Run) -> None:
    target = pair(run, 5)
    junk = "?page=2&next=https://evil.example/&show=bogus&q=" + "x" * 200
    response = coordinator.post(url("lock", run.pk, target.pk) + junk, {"version": run.version})
    assert response["Location"] == url("run", run.pk) + "?page=2#proposals"


def test_swapping_lists_the_pages_pairs_accepts_any_and_returns_to_the_page(
    coordinator: Client, run: Run
) -> None:
    html = text(coordinator.get(url("run", run.pk), {"page": 2}))
    swap = html[html.index('id="swap"') : html.index('id="add"')]
    assert swap.count("<option value=") == 2 * (1 + 50)  # "Choose a pair", then the page's
    first, second = pair(run, 50), pair(run, 0)  # on page 2, and on page 3
    assert f'<option value="{first.pk}">' in swap and f'<option value="{second.pk}"' not in swap
    assert "find both by name, with a comma between the names" in swap

    # A pair chosen elsewhere stays chosen on the form.
    html = text(coordinator.get(url("run", run.pk), {"page": 2, "swap-first": second.pk}))
    swap = html[html.index('id="swap"') : html.index('id="add"')]
    assert f'<option value="{second.pk}" selected>' in swap

    data = {"swap-first": first.pk, "swap-second": second.pk, "swap-version": run.version}
    response = coordinator.post(url("swap", run.pk) + "?page=2&q=Mentor", data)
    assert response["Location"] == url("run", run.pk) + "?q=Mentor&page=2#proposals"
    assert pair(run, 50).mentee == second.mentee and pair(run, 0).mentee == first.mentee


def test_a_refused_swap_shows_the_page_it_came_from_with_links_to_the_run_page(
    coordinator: Client, run: Run
) -> None:
    first = pair(run, 50)
    data = {"swap-first": first.pk, "swap-second": first.pk, "swap-version": run.version}
    response = coordinator.post(url("swap", run.pk) + "?page=2&q=Mentor", data)
    html = text(response)
    assert response.status_code == 200 and "Choose two different pairs" in html
    assert "Showing 51–100 of 120" in html
    assert f'href="{url("run", run.pk)}?page=3&amp;q=Mentor"' in html  # not the swap address
    assert f'action="{url("lock", run.pk, first.pk)}?q=Mentor&amp;page=2"' in html


def test_adding_by_hand_returns_to_the_same_page_after_confirming(
    coordinator: Client, world: World
) -> None:
    cohort = matching_cohort(world.scheme)
    amal = mentor(cohort, "Amal", topics=("Racism",), availability=("mon-am",), mode="online")
    xu = mentee(cohort, "Prof Xu", topics=("Racism",), availability=("mon-am",), mode="online")
    bea = mentor(cohort, "Bea", availability=("mon-am",), mode="online")
    late = mentee(cohort, "Dr Late", availability=("fri-eve",), mode="online")
    run = many_proposals(cohort, 60)
    data = {"add-mentor": amal.pk, "add-mentee": xu.pk, "add-version": run.version}
    response = coordinator.post(url("add", run.pk) + "?page=2", data)
    assert response["Location"] == url("run", run.pk) + "?page=2#proposals"
    assert run.proposals.filter(mentor=amal, mentee=xu, source="manual").exists()

    # A weak pair is confirmed first, on a page that keeps where the coordinator was.
    run.refresh_from_db()
    data = {"add-mentor": bea.pk, "add-mentee": late.pk, "add-version": run.version}
    html = text(coordinator.post(url("add", run.pk) + "?page=2", data))
    assert "Add Bea with Dr Late?" in html
    assert f'action="{url("add", run.pk)}?page=2"' in html
    response = coordinator.post(url("add", run.pk) + "?page=2", data | {"add-confirmed": "1"})
    assert response["Location"] == url("run", run.pk) + "?page=2#proposals"
    assert run.proposals.filter(mentor=bea, mentee=late).exists()


def test_a_row_escapes_names_reasons_and_warnings_and_its_forms_keep_the_page(
    coordinator: Client, world: World, run: Run
) -> None:
    """The rows are built in Python (matching_run.proposal_rows): every value is escaped as the
    template escaped it, and the forms carry the page's address."""
    best = pair(run, 100)
    bad_mentor, bad_mentee = best.mentor, best.mentee
    bad_mentor.display_name, bad_mentee.display_name = "<b>Amal</b> & co", 'Xu "the" <i>'
    bad_mentor.save(update_fields=["display_name"])
    bad_mentee.save(update_fields=["display_name"])
    Proposal.objects.filter(pk=best.pk).update(
        source="manual", reasons=["<script>r</script>"], warnings=["<img src=x> & w"]
    )
    html = table(coordinator.get(url("run", run.pk), {"q": "Amal, Mentor 0099"}).content.decode())
    row = html[html.index(f'<tr id="proposal-{best.pk}">') :]
    row = row[: row.index("</tr>")]
    assert "<b>" not in row and "<script>" not in row and "<img" not in row and "<i>" not in row
    assert "<bdi>&lt;b&gt;Amal&lt;/b&gt; &amp; co</bdi>" in row
    assert "<bdi>Xu &quot;the&quot; &lt;i&gt;</bdi>" in row
    assert "<li>&lt;script&gt;r&lt;/script&gt;</li>" in row
    assert "<strong>Warning:</strong> &lt;img src=x&gt; &amp; w</li>" in row
    assert '<span class="tag tag--manual">Added by hand</span>' in row
    here = "?q=Amal%2C+Mentor+0099"
    assert f'action="{url("lock", run.pk, best.pk)}{here}"' in row
    assert f'action="{url("remove", run.pk, best.pk)}{here}"' in row
    assert row.count('name="csrfmiddlewaretoken"') == 2
    assert (
        'Lock<span class="visually-hidden"> <bdi>&lt;b&gt;Amal&lt;/b&gt; &amp; co</bdi> and '
        "<bdi>Xu &quot;the&quot; &lt;i&gt;</bdi></span>"
    ) in row

    # Locked: no remove form; published: no forms at all.
    services.set_lock(run, best, locked=True, by=world.coordinator)
    html = table(coordinator.get(url("run", run.pk), {"q": "Amal"}).content.decode())
    assert "Unlock<span" in html and url("remove", run.pk, best.pk) not in html
    assert '<span class="tag tag--locked">Locked</span>' in html
    Run.objects.filter(pk=run.pk).update(published_at=timezone.now())
    html = table(coordinator.get(url("run", run.pk), {"q": "Amal"}).content.decode())
    assert (
        "<bdi>&lt;b&gt;Amal&lt;/b&gt; &amp; co</bdi>" in html and '<form method="post"' not in html
    )


def test_readiness_on_the_page_follows_every_change_though_its_query_is_compiled_once(
    coordinator: Client, world: World, run: Run
) -> None:
    """``ready_among`` keeps the SQL of the readiness condition per cohort and
    process: the text holds only the cohort's and scheme's ids, every fact is read when the
    query runs, so a change shows on the next page and one cohort's answer is never another's."""
    best = pair(run, 100)
    people = {best.mentor_id, best.mentee_id}
    cohort = run.cohort
    assert ready_among(cohort, people) == people  # nothing required yet
    rules = training.publish_agreement(cohort.scheme, body="Be kind.", by=world.coordinator)
    assert ready_among(cohort, people) == set()
    AgreementAcceptance.objects.create(user=best.mentor, version=rules)
    assert ready_among(cohort, people) == {best.mentor_id}
    html = table(text(coordinator.get(url("run", run.pk), {"q": "Mentor 0100"})))
    assert html.count("Not ready yet") == 1
    # As the readiness page counts them, for everyone on the page.
    shown = {p.mentor_id for p in run.proposals.all()} | {p.mentee_id for p in run.proposals.all()}
    assert ready_among(cohort, shown) == ready_user_ids(cohort) & shown

    # Another cohort of the same scheme, with its own people: its own answer.
    other = many_proposals(matching_cohort(world.scheme), 3)
    theirs = {p.mentor_id for p in other.proposals.all()}
    AgreementAcceptance.objects.bulk_create(
        AgreementAcceptance(user_id=pk, version=rules) for pk in theirs
    )
    assert ready_among(other.cohort, theirs) == theirs
    assert ready_among(cohort, theirs) == set()  # not members of this cohort
    assert ready_among(cohort, []) == set()


def test_the_page_count_without_filters_is_the_spread_of_scores_and_the_queries_are_few(
    coordinator: Client, world: World, run: Run
) -> None:
    Proposal.objects.filter(pk=pair(run, 100).pk).update(score=100)
    Proposal.objects.filter(pk=pair(run, 0).pk).update(score=0)
    assert run.proposals.count() == 120
    coordinator.get(url("run", run.pk))  # the session's first save
    with CaptureQueriesContext(connection) as queries:
        html = text(coordinator.get(url("run", run.pk), {"page": 3}))
    assert "Showing 101–120 of 120" in html
    # Session, user, the person's roles (for the permission check, the navigation and the
    # breadcrumb), run, the spread (which counts the pairs) with the not paired, the page's
    # pairs with their locks, and readiness.
    assert len(queries) == 7, "\n".join(q["sql"][:90] for q in queries)
    Run.objects.filter(pk=run.pk).update(published_at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        html = text(coordinator.get(url("run", run.pk), {"page": 3}))
    assert "Showing 101–120 of 120" in html and len(queries) == 7


def test_the_swap_lists_markup_is_djangos_select_byte_for_byte(run: Run) -> None:
    """forms.ProposalSelect builds the options in Python; Django's template draws the same."""
    proposals = selectors.proposal_rows(run, limit=3)
    Proposal.objects.filter(pk=proposals[0].pk).update(reasons=[])
    proposals[0] = proposals[0]._replace(mentor_name='<b>"Amal" & co</b>')
    form = SwapForm(
        {"swap-first": proposals[1].pk, "swap-second": proposals[1].pk, "swap-version": 1},
        run=run,
    )
    form.offer(proposals)
    assert not form.is_valid()  # two different pairs: "second" has an error
    attrs = {"aria-invalid": "true", "required": True, "disabled": False, "data-x": '<"&>'}
    for name in ("first", "second"):
        bound = form[name]
        fast = bound.field.widget
        assert isinstance(fast, ProposalSelect)
        template = forms.Select(choices=fast.choices)
        assert str(bound) == str(bound.as_widget(widget=template))
        value = bound.value()
        assert fast.render(name, value, attrs) == template.render(name, value, attrs)
    assert "&lt;b&gt;&quot;Amal&quot; &amp; co&lt;/b&gt;" in str(form["first"])


def left_out(run: Run, not_paired: int, already_paired: int) -> None:
    """People the run did not pair: "Waiting 0000" … not ready yet, "Full 0000" … already
    in as many pairs as they may be."""
    from conftest import bulk_members
    from flipside.matching.models import Unmatched
    from flipside.schemes.models import Role

    waiting = bulk_members(run.cohort, Role.MENTOR, not_paired, name="Waiting")
    full = bulk_members(run.cohort, Role.MENTEE, already_paired, name="Full")
    Unmatched.objects.bulk_create(
        [Unmatched(run=run, user=u, role=Role.MENTOR, reason=Unmatched.Reason.NOT_READY,
                   detail="Has not accepted the ground rules") for u in reversed(waiting)]
        + [Unmatched(run=run, user=u, role=Role.MENTEE, reason=Unmatched.Reason.ALREADY_PAIRED,
                     detail="1 of 1") for u in full]
    )  # fmt: skip


def test_a_long_list_of_people_not_paired_shows_the_first_50_by_name_and_downloads_whole(
    coordinator: Client, run: Run
) -> None:
    left_out(run, 130, 3)
    html = text(coordinator.get(url("run", run.pk)))
    not_paired = html[html.index('id="unmatched-title"') : html.index('id="already-paired"')]
    assert "The first 50 of 130 people, by name." in not_paired
    assert not_paired.count("Waiting ") == 50
    assert "Waiting 0000" in not_paired and "Waiting 0049" in not_paired
    assert "Waiting 0050" not in not_paired
    download = url("left_out_export", run.pk, "csv")
    assert f'href="{download}"' in not_paired
    # A short list is shown whole, with no note.
    full = html[html.index('id="already-paired"') :]
    assert full.count("Full 000") == 3 and "The first" not in full.split("<table")[0]

    from conftest import response_text

    response = coordinator.get(download)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response_text(response).splitlines()
    assert lines[0].lstrip("\ufeff") == "Name,Role,Why,Detail"  # with a byte-order mark for Excel
    assert len(lines) == 1 + 133
    assert "Waiting 0129,Student mentor,Not ready yet,Has not accepted the ground rules" in lines
    assert "Full 0002,Staff mentee,Already has as many partners as allowed,1 of 1" in lines


def test_the_people_not_paired_cost_one_query_however_many_there_are(
    coordinator: Client, run: Run
) -> None:
    coordinator.get(url("run", run.pk))  # the session's first save
    counts = []
    for extra in (1, 200):
        left_out(run, extra, extra)
        with CaptureQueriesContext(connection) as queries:
            coordinator.get(url("run", run.pk))
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_only_the_runs_coordinators_may_download_who_was_not_paired(
    client: Client, world: World, run: Run
) -> None:
    left_out(run, 2, 0)
    download = url("left_out_export", run.pk, "csv")
    client.force_login(world.mentor)
    assert client.get(download).status_code == 404
    client.force_login(world.coordinator)
    assert client.get(url("left_out_export", run.pk, "pdf")).status_code == 404
    assert client.get(url("left_out_export", run.pk, "xlsx")).status_code == 200


def test_the_run_page_names_who_ran_and_published_it_from_one_query(world: World, run: Run) -> None:
    from django.http import Http404

    from flipside.matching.permissions import get_run

    Run.objects.filter(pk=run.pk).update(
        created_by=world.coordinator, published_by=world.org_coordinator
    )
    with CaptureQueriesContext(connection) as queries:
        found = get_run(world.coordinator, run.pk)
        names = (found.created_by.display_name, found.published_by.display_name)
        place = f"{found.cohort.scheme.name} {found.cohort.label}"
    assert names == (world.coordinator.display_name, "Olu Lead")
    assert place == f"Pride Reverse Mentoring {run.cohort.label}"
    # The run, then the person's roles.
    assert len(queries) == 2
    for outsider in (world.outsider, world.mentor):
        with pytest.raises(Http404):
            get_run(outsider, run.pk)
    with pytest.raises(Http404):
        get_run(world.coordinator, run.pk + 1000)


def test_when_the_kept_counts_say_everyone_is_ready_nobodys_checks_are_read(
    coordinator: Client, world: World, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flipside.matching.views import runs as run_views

    asked: list[set[int]] = []

    def counted_ready_among(cohort: Any, people: set[int]) -> set[int]:
        asked.append(set(people))
        return ready_among(cohort, people)

    monkeypatch.setattr(run_views, "ready_among", counted_ready_among)
    html = table(text(coordinator.get(url("run", run.pk))))
    assert "Not ready yet" not in html and html.count("<tr id=") == 50 and asked == []

    # One person still to accept the ground rules: the page's people are checked again.
    rules = training.publish_agreement(run.cohort.scheme, body="Be kind.", by=world.coordinator)
    best = pair(run, 100)
    others = [p.user_id for p in run.cohort.memberships.exclude(user=best.mentee)]
    AgreementAcceptance.objects.bulk_create(
        AgreementAcceptance(user_id=pk, version=rules) for pk in others
    )
    from flipside.training import readiness

    readiness.changed("cohort", run.cohort_id)  # bulk_create sends no signal
    html = table(text(coordinator.get(url("run", run.pk))))
    assert html.count("Not ready yet") == 1 and len(asked) == 1
