"""The handbook and the ground rules: safe Markdown, acknowledging and accepting versions,
and the pages that show, write and list them."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.urls import reverse

from conftest import World, join
from flipside.schemes.models import Role, Stage
from flipside.training import services
from flipside.training.markdown import render
from flipside.training.models import (
    AgreementAcceptance,
    AgreementVersion,
    HandbookAcknowledgement,
    HandbookVersion,
)
from flipside.training.readiness import handbook_needing_acknowledgement, readiness_of

HOSTILE = """## Safety first

<script>alert("boo")</script>

<img src=x onerror=alert(1)>

<b>bold?</b> and <a href="javascript:alert(2)">raw link</a>

[click me](javascript:alert(3)) [shout](JaVaScRiPt:alert(4)) [data](data:text/html,hi)

[site](https://example.ac.uk) [plain](http://example.org) [mail](mailto:help@example.ac.uk)

### Who to call

{{7*7}}
"""


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """The real elements in ``html`` (text that merely looks like a tag is not one)."""
    parser = _Tags()
    parser.feed(html)
    return parser.found


def assert_inert(html: str) -> None:
    for tag, attrs in tags(html):
        assert tag not in {"script", "img", "iframe", "object", "style"}, tag
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        href = (attrs.get("href") or "").strip().lower()
        assert not href.startswith(("javascript:", "data:", "vbscript:")), href


def main_of(page: str) -> str:
    """The page's own content, without the site's header and its script tags."""
    return page.split("<main", 1)[1].split("</main>", 1)[0]


def publish(world: World, number_of_versions: int = 1, **values: Any) -> HandbookVersion:
    version = None
    for n in range(number_of_versions):
        version = services.publish_handbook(
            world.scheme,
            title=values.get("title", "Handbook"),
            body=values.get("body", f"## Version {n + 1}\n\nText."),
            significant=values.get("significant", True),
            summary=values.get("summary", ""),
            by=world.coordinator,
        )
    assert version is not None
    return version


# --- Markdown -----------------------------------------------------------------------------


def test_markdown_never_lets_script_images_or_javascript_links_through() -> None:
    html = render(HOSTILE).html
    assert_inert(html)
    assert "<script" not in html and "javascript:alert(3)" not in html


def test_markdown_shows_raw_html_as_text() -> None:
    html = render(HOSTILE).html
    assert "&lt;script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;b&gt;bold?&lt;/b&gt;" in html
    assert "b" not in {tag for tag, _ in tags(html)}


def test_markdown_keeps_web_and_mail_links() -> None:
    html = render(HOSTILE).html
    assert 'href="https://example.ac.uk"' in html
    assert 'href="http://example.org"' in html
    assert 'href="mailto:help@example.ac.uk"' in html


def test_markdown_headings_get_ids_and_appear_in_the_contents() -> None:
    rendered = render(HOSTILE)
    assert '<h2 id="section-safety-first">Safety first</h2>' in rendered.html
    assert '<h3 id="section-who-to-call">' in rendered.html
    assert 'href="#section-safety-first"' in rendered.toc
    assert 'href="#section-who-to-call"' in rendered.toc


def test_markdown_heading_ids_cannot_clash_with_the_page() -> None:
    assert 'id="main-content"' not in render("## Main content").html


def test_template_syntax_in_markdown_is_just_text() -> None:
    assert "{{7*7}}" in render(HOSTILE).html


# --- Acknowledging the handbook -----------------------------------------------------------


@pytest.mark.django_db
def test_a_significant_version_must_be_acknowledged_again(world: World) -> None:
    v1 = publish(world)
    services.acknowledge_handbook(v1, user=world.mentor)
    assert readiness_of(world.mentor, world.cohort).handbook is True  # type: ignore[union-attr]

    v2 = publish(world, significant=True, summary="New confidentiality section")
    assert handbook_needing_acknowledgement(world.scheme) == v2
    assert readiness_of(world.mentor, world.cohort).handbook is False  # type: ignore[union-attr]

    services.acknowledge_handbook(v2, user=world.mentor)
    publish(world, significant=False, summary="Typo")
    assert handbook_needing_acknowledgement(world.scheme) == v2
    assert readiness_of(world.mentor, world.cohort).handbook is True  # type: ignore[union-attr]


@pytest.mark.django_db
def test_a_first_version_not_marked_significant_still_needs_acknowledging(world: World) -> None:
    v1 = publish(world, significant=False)
    assert handbook_needing_acknowledgement(world.scheme) == v1
    assert readiness_of(world.mentor, world.cohort).handbook is False  # type: ignore[union-attr]


@pytest.mark.django_db
def test_acknowledging_an_outdated_version_is_refused(world: World) -> None:
    v1 = publish(world)
    publish(world, significant=False)
    with pytest.raises(services.TrainingError, match="newer version"):
        services.acknowledge_handbook(v1, user=world.mentor)
    assert not HandbookAcknowledgement.objects.exists()


# --- Ground rules -------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_new_version_of_the_ground_rules_must_be_accepted_again(world: World) -> None:
    v1 = services.publish_agreement(world.scheme, body="Be kind.", by=world.coordinator)
    assert readiness_of(world.mentee, world.cohort).agreement is False  # type: ignore[union-attr]
    services.accept_agreement(v1, user=world.mentee)
    assert readiness_of(world.mentee, world.cohort).agreement is True  # type: ignore[union-attr]

    v2 = services.publish_agreement(world.scheme, body="Be kind. Keep confidences.", by=None)
    assert readiness_of(world.mentee, world.cohort).agreement is False  # type: ignore[union-attr]
    with pytest.raises(services.TrainingError, match="ground rules have changed"):
        services.accept_agreement(v1, user=world.mentee)
    services.accept_agreement(v2, user=world.mentee)
    assert readiness_of(world.mentee, world.cohort).agreement is True  # type: ignore[union-attr]


# --- Handbook page ------------------------------------------------------------------------


@pytest.mark.django_db
def test_mentor_reads_the_handbook_with_contents_and_what_changed(
    world: World, client: Any
) -> None:
    publish(world, body=HOSTILE, summary="Added who to call")
    client.force_login(world.mentor)
    response = client.get(reverse("training:handbook", args=[world.scheme.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert 'aria-labelledby="contents-title"' in content
    assert 'href="#section-who-to-call"' in content
    assert "Added who to call" in content
    assert "Version 1, published" in content
    assert "I have read this version of the handbook" in content
    assert_inert(main_of(content))


@pytest.mark.django_db
def test_mentor_acknowledges_and_is_told_when(world: World, client: Any) -> None:
    version = publish(world)
    client.force_login(world.mentor)
    url = reverse("training:handbook_acknowledge", args=[world.scheme.pk])
    response = client.post(url, {"version": version.pk}, follow=True)
    assert HandbookAcknowledgement.objects.filter(user=world.mentor, version=version).exists()
    content = response.content.decode()
    assert "You acknowledged version 1 on" in content
    assert "I have read this version of the handbook" not in content


@pytest.mark.django_db
def test_acknowledging_an_outdated_version_shows_why(world: World, client: Any) -> None:
    v1 = publish(world)
    publish(world)
    client.force_login(world.mentee)
    url = reverse("training:handbook_acknowledge", args=[world.scheme.pk])
    response = client.post(url, {"version": v1.pk}, follow=True)
    assert "A newer version of the handbook has been published" in response.content.decode()
    assert not HandbookAcknowledgement.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("version", ["", "abc", "-1", "99999999999999999999"])
def test_acknowledging_a_nonsense_version_is_not_found(
    world: World, client: Any, version: str
) -> None:
    publish(world)
    client.force_login(world.mentor)
    url = reverse("training:handbook_acknowledge", args=[world.scheme.pk])
    assert client.post(url, {"version": version}).status_code == 404


@pytest.mark.django_db
def test_another_schemes_version_cannot_be_acknowledged(world: World, client: Any) -> None:
    theirs = services.publish_handbook(
        world.other_scheme, title="H", body="x", significant=True, summary="", by=world.outsider
    )
    publish(world)
    client.force_login(world.mentor)
    url = reverse("training:handbook_acknowledge", args=[world.scheme.pk])
    assert client.post(url, {"version": theirs.pk}).status_code == 404
    assert not HandbookAcknowledgement.objects.exists()


@pytest.mark.django_db
def test_observer_reads_but_cannot_acknowledge(world: World, client: Any) -> None:
    version = publish(world)
    client.force_login(world.observer)
    response = client.get(reverse("training:handbook", args=[world.scheme.pk]))
    assert response.status_code == 200
    assert "I have read this version" not in response.content.decode()
    url = reverse("training:handbook_acknowledge", args=[world.scheme.pk])
    assert client.post(url, {"version": version.pk}).status_code == 404
    assert not HandbookAcknowledgement.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["outsider", "nobody"])
def test_people_outside_the_scheme_cannot_read_its_handbook(
    world: World, client: Any, role: str
) -> None:
    publish(world, body="## Secret plans")
    client.force_login(getattr(world, role))
    response = client.get(reverse("training:handbook", args=[world.scheme.pk]))
    assert response.status_code == 404
    assert "Secret plans" not in response.content.decode()


@pytest.mark.django_db
def test_no_handbook_yet_is_explained_and_coordinators_may_write_one(
    world: World, client: Any
) -> None:
    url = reverse("training:handbook", args=[world.scheme.pk])
    client.force_login(world.mentor)
    assert "no handbook for this scheme yet" in client.get(url).content.decode()
    client.force_login(world.coordinator)
    assert (
        reverse("training:handbook_edit", args=[world.scheme.pk])
        in client.get(url).content.decode()
    )


@pytest.mark.django_db
def test_handbook_page_queries_a_bounded_number_of_times(
    world: World, client: Any, django_assert_max_num_queries: Any
) -> None:
    publish(world, 5)
    client.force_login(world.mentor)
    with django_assert_max_num_queries(14):
        client.get(reverse("training:handbook", args=[world.scheme.pk]))


# --- Writing the handbook -----------------------------------------------------------------


def edit_url(world: World) -> str:
    return reverse("training:handbook_edit", args=[world.scheme.pk])


@pytest.mark.django_db
def test_first_version_form_asks_everyone_to_read_it(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    response = client.get(edit_url(world))
    assert response.context["form"]["significant"].value() is True


@pytest.mark.django_db
def test_later_versions_start_with_the_current_text_and_unticked(world: World, client: Any) -> None:
    publish(world, body="## Current words")
    client.force_login(world.coordinator)
    response = client.get(edit_url(world))
    assert "## Current words" in response.content.decode()
    assert response.context["form"]["significant"].value() in (None, False)


@pytest.mark.django_db
def test_preview_renders_safely_and_publishes_nothing(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    response = client.post(
        edit_url(world),
        {"title": "Handbook", "body": HOSTILE, "significant": "on", "action": "preview",
         "based_on": "0"},
    )  # fmt: skip
    content = response.content.decode()
    assert response.status_code == 200
    assert 'id="preview-title"' in content
    assert '<h2 id="section-safety-first">' in content
    assert_inert(main_of(content))
    assert not HandbookVersion.objects.exists()


@pytest.mark.django_db
def test_coordinator_publishes_a_version(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    response = client.post(
        edit_url(world),
        {"title": "Our handbook", "body": "## Hello", "significant": "on", "summary": "First",
         "action": "publish", "based_on": "0", "number": "99", "published_by": "1"},
    )  # fmt: skip
    assert response.status_code == 302
    version = HandbookVersion.objects.get()
    assert (version.number, version.title, version.significant, version.summary) == (
        1, "Our handbook", True, "First",
    )  # fmt: skip
    assert version.published_by == world.coordinator


@pytest.mark.django_db
def test_empty_body_is_refused_and_the_rest_is_kept(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    response = client.post(
        edit_url(world),
        {"title": "Kept title", "body": "   ", "summary": "Kept summary", "action": "publish",
         "based_on": "0"},
    )  # fmt: skip
    content = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in content
    assert "Kept title" in content and "Kept summary" in content
    assert not HandbookVersion.objects.exists()


@pytest.mark.django_db
def test_publishing_over_a_newer_version_is_refused(world: World, client: Any) -> None:
    publish(world, 2)
    client.force_login(world.coordinator)
    response = client.post(
        edit_url(world),
        {"title": "Handbook", "body": "Old view", "action": "publish", "based_on": "1"},
    )
    assert "Someone published version 2 while you were editing" in response.content.decode()
    assert HandbookVersion.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["mentor", "cohort_coordinator", "observer", "outsider"])
def test_only_scheme_coordinators_may_write_the_handbook(
    world: World, client: Any, role: str
) -> None:
    client.force_login(getattr(world, role))
    response = client.post(
        edit_url(world), {"title": "H", "body": "Hijacked", "action": "publish", "based_on": "0"}
    )
    assert response.status_code == 404
    assert not HandbookVersion.objects.exists()


# --- Versions -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_versions_list_counts_who_has_read_the_version_that_matters(
    world: World, client: Any
) -> None:
    v1 = publish(world, summary="First go")
    services.acknowledge_handbook(v1, user=world.mentor)
    v2 = publish(world, significant=False, summary="Typo fixed")
    services.acknowledge_handbook(v2, user=world.mentee)
    closed = join(world.cohort, Role.OBSERVER)  # observers are not counted
    old_cohort = world.scheme.cohorts.create(
        label="2020/21", starts_on="2020-09-01", ends_on="2021-07-31", stage=Stage.CLOSED
    )
    join(old_cohort, Role.MENTOR)  # closed cohorts are not counted
    services.acknowledge_handbook(v2, user=closed)
    client.force_login(world.coordinator)
    response = client.get(reverse("training:handbook_versions", args=[world.scheme.pk]))
    content = response.content.decode()
    assert "2 of 2 mentors and mentees have read version 1 or a later one." in content
    assert "First go" in content and "Typo fixed" in content
    assert "Cora Coordinator" in content


# --- Ground rules pages -------------------------------------------------------------------


@pytest.mark.django_db
def test_mentee_accepts_the_ground_rules_and_again_after_a_change(
    world: World, client: Any
) -> None:
    v1 = services.publish_agreement(
        world.scheme, body="## Respect\n\nBe kind.", by=world.coordinator
    )
    client.force_login(world.mentee)
    page = reverse("training:agreement", args=[world.scheme.pk])
    accept = reverse("training:agreement_accept", args=[world.scheme.pk])
    assert "I accept these ground rules" in client.get(page).content.decode()

    response = client.post(accept, {"version": v1.pk}, follow=True)
    assert "You accepted version 1 on" in response.content.decode()

    v2 = services.publish_agreement(world.scheme, body="Changed", by=world.coordinator)
    content = client.get(page).content.decode()
    assert "The ground rules have changed since" in content
    assert "I accept these ground rules" in content
    response = client.post(accept, {"version": v1.pk}, follow=True)
    assert "Read the new version, then accept it." in response.content.decode()
    client.post(accept, {"version": v2.pk})
    assert AgreementAcceptance.objects.filter(user=world.mentee).count() == 2


@pytest.mark.django_db
def test_observer_sees_ground_rules_without_accept_button(world: World, client: Any) -> None:
    services.publish_agreement(world.scheme, body="Be kind.", by=world.coordinator)
    client.force_login(world.observer)
    response = client.get(reverse("training:agreement", args=[world.scheme.pk]))
    assert response.status_code == 200
    assert "Be kind." in response.content.decode()
    assert "I accept these ground rules" not in response.content.decode()


@pytest.mark.django_db
def test_coordinator_previews_then_publishes_ground_rules(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    url = reverse("training:agreement_edit", args=[world.scheme.pk])
    preview = client.post(url, {"body": "[x](javascript:alert(1)) <script>", "action": "preview"})
    shown = preview.content.decode().split('id="preview-title"')[1].split("<form")[0]
    assert_inert(shown)
    assert "javascript:" not in shown and "<script" not in shown
    assert not AgreementVersion.objects.exists()
    empty = client.post(url, {"body": "", "action": "publish"})
    assert empty.status_code == 200 and not AgreementVersion.objects.exists()
    client.post(url, {"body": "Be kind.", "action": "publish"})
    assert AgreementVersion.objects.get().body == "Be kind."


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["mentor", "mentee", "cohort_coordinator", "outsider"])
def test_only_scheme_coordinators_may_change_the_ground_rules(
    world: World, client: Any, role: str
) -> None:
    client.force_login(getattr(world, role))
    url = reverse("training:agreement_edit", args=[world.scheme.pk])
    assert client.post(url, {"body": "Hijacked", "action": "publish"}).status_code == 404
    assert not AgreementVersion.objects.exists()
