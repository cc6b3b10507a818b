"""Getting support, raising concerns (named or anonymous), who can read them, triage, and the
organisation's list of support services."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import (
    World,
    clear_sent_mail,
    join,
    make_cohort,
    make_scheme,
    response_text,
    sent_mail,
)
from flipside.privacy.models import AuditEntry
from flipside.schemes.models import Role
from flipside.training import permissions, services
from flipside.training.models import Concern, SupportService
from tests.test_access_matrix import all_url_names, url_for

pytestmark = pytest.mark.django_db

SUPPORT = reverse("training:support")
CONCERNS = reverse("training:concerns")


def concern(world: World, *, anonymous: bool = False, cohort: Any = None, **values: Any) -> Concern:
    fields = {"subject": "Meeting felt unsafe", "body": "In our third meeting…", **values}
    return services.raise_concern(
        world.scheme, by=world.mentor, anonymous=anonymous, cohort=cohort, **fields
    )


def detail_url(c: Concern) -> str:
    return reverse("training:concern", args=[c.pk])


def form_data(world: World, **values: Any) -> dict[str, Any]:
    return {
        "scheme": world.scheme.pk,
        "subject": "Meeting felt unsafe",
        "body": "In our third meeting my partner said something hurtful.",
        **values,
    }


# --- Raising a concern (service) ----------------------------------------------------------


def test_a_named_concern_records_who_raised_it_and_tells_the_scheme_coordinators(
    world: World,
) -> None:
    clear_sent_mail()
    c = concern(world)
    assert c.raised_by == world.mentor and c.status == Concern.Status.NEW
    assert AuditEntry.objects.get(action="training.concern.raised").actor == world.mentor
    recipients = sorted(m.to[0] for m in sent_mail())
    assert recipients == [world.coordinator.email, world.org_coordinator.email]


def test_an_anonymous_concern_keeps_no_trace_of_who_raised_it(world: World) -> None:
    clear_sent_mail()
    c = concern(world, anonymous=True)
    assert c.raised_by is None
    entry = AuditEntry.objects.get(action="training.concern.raised")
    assert entry.actor is None and entry.actor_label == "system"
    assert world.mentor.email not in str(entry.details) + entry.actor_label
    mail = sent_mail()
    assert mail
    for message in mail:
        texts = [message.subject, message.body] + [body for body, _ in message.alternatives]
        for text in texts:
            assert world.mentor.email not in text
            assert world.mentor.display_name not in text and "Mo" not in text.split()


def test_the_email_about_a_concern_does_not_carry_its_details(world: World) -> None:
    clear_sent_mail()
    concern(world, body="SECRET-DETAIL")
    for message in sent_mail():
        assert "SECRET-DETAIL" not in message.body
        assert all("SECRET-DETAIL" not in body for body, _ in message.alternatives)


def test_a_cohort_concern_also_tells_the_cohorts_coordinator(world: World) -> None:
    clear_sent_mail()
    concern(world, cohort=world.cohort)
    recipients = {m.to[0] for m in sent_mail()}
    assert world.cohort_coordinator.email in recipients


def test_a_scheme_concern_is_not_emailed_to_people_who_cannot_open_it(world: World) -> None:
    clear_sent_mail()
    concern(world)
    assert world.cohort_coordinator.email not in {m.to[0] for m in sent_mail()}


# --- Who can read concerns ----------------------------------------------------------------


def test_only_the_schemes_coordinators_see_a_scheme_concern(world: World) -> None:
    c = concern(world)
    for person in (world.coordinator, world.org_coordinator):
        assert list(permissions.visible_concerns(person)) == [c]
    for person in (
        world.cohort_coordinator,
        world.mentor,
        world.mentee,
        world.observer,
        world.outsider,
        world.nobody,
    ):
        assert not permissions.visible_concerns(person).exists()


def test_the_cohorts_coordinator_sees_a_concern_about_their_cohort(world: World) -> None:
    c = concern(world, cohort=world.cohort)
    assert list(permissions.visible_concerns(world.cohort_coordinator)) == [c]
    other = make_cohort(world.scheme)
    join(other, Role.COORDINATOR, world.outsider)
    assert not permissions.visible_concerns(world.outsider).exists()


@pytest.mark.parametrize("role", ["mentor", "mentee", "observer", "outsider", "nobody"])
def test_the_raiser_and_other_participants_cannot_open_a_concern(
    world: World, client: Any, role: str
) -> None:
    c = concern(world, cohort=world.cohort)
    client.force_login(getattr(world, role))
    assert client.get(detail_url(c)).status_code == 404
    assert client.post(detail_url(c), {"status": "resolved"}).status_code == 404
    c.refresh_from_db()
    assert c.status == Concern.Status.NEW


@pytest.mark.parametrize("role", ["mentor", "mentee", "observer", "nobody"])
def test_people_who_coordinate_nothing_cannot_see_the_concerns_list(
    world: World, client: Any, role: str
) -> None:
    concern(world)
    client.force_login(getattr(world, role))
    assert client.get(CONCERNS).status_code == 403


def test_another_organisations_coordinator_sees_none_of_our_concerns(
    world: World, client: Any
) -> None:
    c = concern(world, subject="OURS-ONLY")
    client.force_login(world.outsider)
    assert b"OURS-ONLY" not in client.get(CONCERNS).content
    assert client.get(detail_url(c)).status_code == 404


# --- Triage -------------------------------------------------------------------------------


def test_a_concern_moves_from_new_to_acknowledged_to_resolved(world: World) -> None:
    c = concern(world)
    c = services.triage_concern(c, status=Concern.Status.ACKNOWLEDGED, by=world.coordinator)
    c = services.triage_concern(c, status=Concern.Status.RESOLVED, by=world.coordinator)
    assert c.status == Concern.Status.RESOLVED
    steps = AuditEntry.objects.filter(action="training.concern.triaged").order_by("id")
    assert [e.details["status"] for e in steps] == ["acknowledged", "resolved"]
    assert {e.actor for e in steps} == {world.coordinator}


def test_a_new_concern_may_be_resolved_straight_away(world: World) -> None:
    c = services.triage_concern(concern(world), status="resolved", by=world.coordinator)
    assert c.status == Concern.Status.RESOLVED


@pytest.mark.parametrize(
    ("start", "to"),
    [("new", "new"), ("acknowledged", "new"), ("acknowledged", "acknowledged"),
     ("resolved", "new"), ("resolved", "acknowledged"), ("resolved", "resolved"),
     ("new", "bogus")],
)  # fmt: skip
def test_other_moves_are_refused(world: World, start: str, to: str) -> None:
    c = concern(world)
    Concern.objects.filter(pk=c.pk).update(status=start)
    with pytest.raises(services.TrainingError):
        services.triage_concern(c, status=to, by=world.coordinator)
    c.refresh_from_db()
    assert c.status == start


def test_coordinator_acknowledges_a_concern_from_its_page(world: World, client: Any) -> None:
    c = concern(world)
    client.force_login(world.coordinator)
    page = client.get(detail_url(c)).content.decode()
    assert "Acknowledge" in page and "Mark as resolved" in page
    response = client.post(detail_url(c), {"status": "acknowledged"}, follow=True)
    assert b"Concern updated." in response.content
    c.refresh_from_db()
    assert c.status == Concern.Status.ACKNOWLEDGED
    page = response.content.decode()
    assert "Acknowledge<" not in page and "Mark as resolved" in page


@pytest.mark.parametrize("status", ["new", "bogus", ""])
def test_an_invalid_move_from_the_page_is_refused_with_a_message(
    world: World, client: Any, status: str
) -> None:
    c = concern(world)
    client.force_login(world.coordinator)
    response = client.post(detail_url(c), {"status": status}, follow=True)
    assert b"message--error" in response.content
    c.refresh_from_db()
    assert c.status == Concern.Status.NEW


# --- Concern pages ------------------------------------------------------------------------


def test_concern_page_shows_who_raised_it_and_the_body_as_text(world: World, client: Any) -> None:
    c = concern(world, body="<script>alert(1)</script>\nSecond line {{ 7*7 }}")
    client.force_login(world.org_coordinator)
    page = client.get(detail_url(c)).content.decode()
    assert "Mo Mentor" in page and world.mentor.email in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "Second line {{ 7*7 }}" in page and "Second line 49" not in page


def test_an_anonymous_concern_says_so_and_names_nobody(world: World, client: Any) -> None:
    c = concern(world, anonymous=True)
    client.force_login(world.coordinator)
    page = client.get(detail_url(c)).content.decode()
    assert "Raised anonymously" in page
    assert world.mentor.email not in page and "Mo Mentor" not in page


def test_concerns_list_is_newest_first_with_counts_and_a_status_filter(
    world: World, client: Any
) -> None:
    first = concern(world, subject="First")
    second = concern(world, subject="Second")
    services.triage_concern(first, status="resolved", by=world.coordinator)
    client.force_login(world.coordinator)
    response = client.get(CONCERNS)
    assert [(c, words.subject) for c, words in response.context["page"]] == [
        (second, "Second"),
        (first, "First"),
    ]
    assert response.context["counts"] == [
        ("new", "New", 1),
        ("acknowledged", "Acknowledged", 0),
        ("resolved", "Resolved", 1),
    ]
    filtered = client.get(CONCERNS, {"status": "resolved"})
    assert [c for c, _words in filtered.context["page"]] == [first]
    ignored = client.get(CONCERNS, {"status": "<b>nonsense</b>"})
    assert len(ignored.context["page"]) == 2


def test_concerns_list_answers_htmx_with_just_the_table(world: World, client: Any) -> None:
    concern(world)
    client.force_login(world.coordinator)
    response = client.get(CONCERNS, headers={"HX-Request": "true"})
    assert b"<html" not in response.content and b"Meeting felt unsafe" in response.content


def test_concerns_list_shows_no_body(world: World, client: Any) -> None:
    concern(world, body="BODY-NOT-IN-LIST")
    client.force_login(world.coordinator)
    assert b"BODY-NOT-IN-LIST" not in client.get(CONCERNS).content


def test_concerns_list_queries_stay_bounded(
    world: World, client: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        concern(world, subject=f"Concern {n}", cohort=world.cohort if n % 2 else None)
    client.force_login(world.coordinator)
    # Two of them append the audit entry that records whose subjects the page showed.
    with django_assert_max_num_queries(14):
        client.get(CONCERNS)


# --- The support page and the concern form ------------------------------------------------


def test_someone_in_no_scheme_sees_general_signposting_only(world: World, client: Any) -> None:
    client.force_login(world.nobody)
    page = client.get(SUPPORT).content.decode()
    assert "116 123" in page and "999" in page and "wellbeing" in page
    assert "<textarea" not in page


def test_a_mentor_sees_their_organisations_services_and_the_form(world: World, client: Any) -> None:
    SupportService.objects.create(
        organisation=world.organisation, name="Student Wellbeing", contact="https://w.example"
    )
    SupportService.objects.create(
        organisation=world.other_scheme.organisation, name="Theirs", contact="x"
    )
    client.force_login(world.mentor)
    page = client.get(SUPPORT).content.decode()
    assert "Student Wellbeing" in page and 'href="https://w.example"' in page
    assert "Theirs" not in page and "116 123" not in page
    assert 'type="hidden" name="scheme"' in page
    assert "Pride Reverse Mentoring" in page and "cannot reply" in page


def test_only_web_email_and_phone_contacts_become_links(world: World, client: Any) -> None:
    for contact in ("javascript:alert(1)", "help@example.ac.uk", "020 7946 0000"):
        SupportService.objects.create(
            organisation=world.organisation, name=contact, contact=contact
        )
    client.force_login(world.mentee)
    page = client.get(SUPPORT).content.decode()
    assert 'href="javascript' not in page
    assert 'href="mailto:help@example.ac.uk"' in page and 'href="tel:02079460000"' in page


def test_someone_in_two_schemes_chooses_which(world: World, client: Any) -> None:
    second = make_cohort(make_scheme(world.organisation, name="Disability Scheme"))
    join(second, Role.MENTOR, world.mentor)
    client.force_login(world.mentor)
    page = client.get(SUPPORT).content.decode()
    assert '<select name="scheme"' in page and "Disability Scheme" in page


def test_mentor_raises_a_named_concern_and_is_thanked_once(world: World, client: Any) -> None:
    client.force_login(world.mentor)
    response = client.post(SUPPORT, form_data(world))
    assert response.status_code == 302 and response["Location"] == SUPPORT
    c = Concern.objects.get()
    assert (c.scheme, c.raised_by, c.cohort) == (world.scheme, world.mentor, None)
    thanks = client.get(SUPPORT).content.decode()
    assert "your concern has been sent" in thanks
    assert "Only the coordinators of Pride Reverse Mentoring" in thanks
    assert "may contact you" in thanks
    assert "<textarea" in client.get(SUPPORT).content.decode()


def test_mentee_raises_an_anonymous_concern(world: World, client: Any) -> None:
    client.force_login(world.mentee)
    client.post(SUPPORT, form_data(world, anonymous="on"))
    assert Concern.objects.get().raised_by is None
    thanks = client.get(SUPPORT).content.decode()
    assert "raised it anonymously" in thanks and "cannot reply" in thanks


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("subject", "", "This field is required."),
        ("body", "   ", "This field is required."),
        ("body", "Hello\x00there", "invisible control characters"),
        ("subject", "Two\nlines", "must be on one line"),
        ("subject", "x" * 201, "at most 200 characters"),
        ("body", "x" * 5001, "at most 5000 characters"),
    ],
)
def test_bad_input_is_refused_and_what_was_typed_is_kept(
    world: World, client: Any, field: str, value: str, error: str
) -> None:
    client.force_login(world.mentor)
    data = form_data(world, **{field: value}, anonymous="on")
    response = client.post(SUPPORT, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and error in page
    kept = "body" if field == "subject" else "subject"
    assert data[kept] in page and "checked" in page
    assert not Concern.objects.exists()


def test_a_concern_cannot_go_to_a_scheme_you_are_not_in(world: World, client: Any) -> None:
    client.force_login(world.mentor)
    response = client.post(SUPPORT, form_data(world, scheme=world.other_scheme.pk))
    assert response.status_code == 200 and b"There is a problem" in response.content
    assert not Concern.objects.exists()


def test_someone_in_no_scheme_cannot_raise_a_concern(world: World, client: Any) -> None:
    client.force_login(world.nobody)
    response = client.post(SUPPORT, form_data(world))
    assert response.status_code == 200
    assert not Concern.objects.exists()


def test_extra_fields_on_a_concern_change_nothing(world: World, client: Any) -> None:
    client.force_login(world.mentor)
    extra = {"status": "resolved", "raised_by": world.mentee.pk, "cohort": world.cohort.pk}
    client.post(SUPPORT, form_data(world, anonymous="on", **extra))
    c = Concern.objects.get()
    assert (c.status, c.raised_by, c.cohort) == ("new", None, None)


def test_raising_a_concern_needs_a_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.mentor)
    assert client.post(SUPPORT, form_data(world)).status_code == 403
    assert not Concern.objects.exists()


def test_the_person_who_raised_a_concern_cannot_see_it_afterwards(
    world: World, client: Any
) -> None:
    client.force_login(world.mentor)
    client.post(SUPPORT, form_data(world))
    c = Concern.objects.get()
    assert client.get(detail_url(c)).status_code == 404
    assert client.get(CONCERNS).status_code == 403


# --- Managing support services ------------------------------------------------------------


def services_url(world: World) -> str:
    return reverse("training:support_services", args=[world.scheme.pk])


def formset_data(rows: list[dict[str, Any]], initial: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {
        "services-TOTAL_FORMS": len(rows),
        "services-INITIAL_FORMS": initial,
        "services-MIN_NUM_FORMS": 0,
        "services-MAX_NUM_FORMS": 30,
    }
    for n, row in enumerate(rows):
        data.update({f"services-{n}-{name}": value for name, value in row.items()})
    return data


def test_coordinator_adds_a_support_service(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    assert client.get(services_url(world)).status_code == 200
    row = {"name": "Wellbeing", "description": "Talk in confidence", "contact": "0800 123"}
    response = client.post(services_url(world), formset_data([row]))
    assert response.status_code == 302
    service = SupportService.objects.get()
    assert (service.organisation, service.name, service.order) == (
        world.organisation, "Wellbeing", 1
    )  # fmt: skip
    assert (
        AuditEntry.objects.get(action="training.support_service.added").actor == world.coordinator
    )


def test_coordinator_edits_reorders_and_removes_services(world: World, client: Any) -> None:
    a = SupportService.objects.create(organisation=world.organisation, name="A", contact="a")
    b = SupportService.objects.create(organisation=world.organisation, name="B", contact="b")
    client.force_login(world.org_coordinator)
    rows = [
        {"id": a.pk, "name": "A", "contact": "a", "order": 5, "DELETE": "on"},
        {"id": b.pk, "name": "B2", "contact": "b", "order": 3},
        {"name": "", "contact": ""},
    ]
    client.post(services_url(world), formset_data(rows, initial=2))
    assert [(s.name, s.order) for s in SupportService.objects.all()] == [("B2", 3)]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"training.support_service.removed", "training.support_service.changed"} <= actions


def test_bad_service_rows_are_refused_and_kept(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    rows = [{"name": "Wellbeing\x00", "contact": "", "description": "x" * 301}]
    response = client.post(services_url(world), formset_data(rows))
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page
    assert "control characters" in page and "This field is required." in page
    assert not SupportService.objects.exists()


def test_a_service_of_another_organisation_cannot_be_edited(world: World, client: Any) -> None:
    theirs = SupportService.objects.create(
        organisation=world.other_scheme.organisation, name="Theirs", contact="x"
    )
    client.force_login(world.coordinator)
    rows = [{"id": theirs.pk, "name": "Hijacked", "contact": "x"}]
    response = client.post(services_url(world), formset_data(rows, initial=1))
    assert b"This list changed" in response.content
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


@pytest.mark.parametrize("role", ["cohort_coordinator", "mentor", "observer", "outsider"])
def test_only_scheme_coordinators_manage_support_services(
    world: World, client: Any, role: str
) -> None:
    client.force_login(getattr(world, role))
    response = client.post(services_url(world), formset_data([{"name": "X", "contact": "x"}]))
    assert response.status_code == 404
    assert not SupportService.objects.exists()


# --- Nothing of an anonymous concern leaks ------------------------------------------------


SENTINEL = "SENTINEL-7f3a-concern-body"


@pytest.mark.parametrize(
    "role", ["mentor", "mentee", "observer", "outsider", "nobody", "coordinator"]
)
def test_an_anonymous_concerns_body_appears_only_on_its_own_page_for_coordinators(
    world: World, role: str
) -> None:
    c = concern(world, anonymous=True, body=f"Something happened. {SENTINEL}")
    client = Client(raise_request_exception=False)
    client.force_login(getattr(world, role))
    found = []
    for name in all_url_names():
        url = detail_url(c) if name == "training:concern" else url_for(name, world)
        if SENTINEL in response_text(client.get(url)):
            found.append(name)
    assert found == (["training:concern"] if role == "coordinator" else [])


def test_a_double_submitted_concern_is_recorded_once(world: World) -> None:
    from flipside.training.models import Concern
    from flipside.training.services import raise_concern

    for _ in range(2):
        raise_concern(
            world.scheme, by=world.mentor, subject="Placement", body="Same words", anonymous=True
        )
    concern = Concern.objects.get()
    assert concern.anonymous and concern.raised_by is None


def test_a_named_concern_whose_author_left_is_not_called_anonymous(
    world: World, client: Any
) -> None:
    from django.urls import reverse

    from flipside.training.services import raise_concern

    concern = raise_concern(
        world.scheme, by=world.mentee, subject="Rota", body="Words", anonymous=False
    )
    world.mentee.delete()
    client.force_login(world.coordinator)
    html = client.get(reverse("training:concern", args=[concern.pk])).content.decode()
    assert "Raised anonymously" not in html
    assert "account has since been deleted" in html


# --- Stored encrypted ---------------------------------------------------------------------


def tamper(c: Concern) -> None:
    token = c.ciphertext
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    Concern.objects.filter(pk=c.pk).update(ciphertext=tampered)


def test_a_concern_is_stored_encrypted_and_its_words_read_back_for_coordinators(
    world: World, client: Any
) -> None:
    c = concern(world, subject="Felt unsafe on placement", body="SECRET-WORDS in the rota")
    stored = Concern.objects.filter(pk=c.pk).values_list("ciphertext", flat=True).get()
    assert "SECRET-WORDS" not in stored and "placement" not in stored
    assert services.open_concern(c) == services.Words(
        "Felt unsafe on placement", "SECRET-WORDS in the rota"
    )
    client.force_login(world.coordinator)
    page = client.get(detail_url(c)).content.decode()
    assert "Felt unsafe on placement" in page and "SECRET-WORDS in the rota" in page
    assert "Felt unsafe on placement" in client.get(CONCERNS).content.decode()


def test_the_email_about_a_concern_carries_neither_its_subject_nor_its_body(
    world: World,
) -> None:
    clear_sent_mail()
    concern(world, subject="SUBJECT-WORDS", body="BODY-WORDS")
    mail = sent_mail()
    assert mail
    for message in mail:
        texts = [message.subject, message.body, *(body for body, _ in message.alternatives)]
        assert not any("SUBJECT-WORDS" in t or "BODY-WORDS" in t for t in texts)
        assert "raised a concern" in message.body


def test_a_tampered_concern_says_it_cannot_be_read_and_breaks_no_page(
    world: World, client: Any
) -> None:
    c = concern(world, subject="Readable one")
    broken = concern(world, subject="Broken one", body="Other words")
    tamper(broken)
    assert services.open_concern(Concern.objects.get(pk=broken.pk)) is None
    client.force_login(world.coordinator)
    response = client.get(detail_url(broken))
    page = response.content.decode()
    assert response.status_code == 200
    assert "cannot open this concern" in page and "Other words" not in page
    listing = client.get(CONCERNS).content.decode()
    assert "A concern that can no longer be read" in listing and "Readable one" in listing
    # Its status can still be changed.
    client.post(detail_url(broken), {"status": "resolved"})
    assert Concern.objects.get(pk=broken.pk).status == Concern.Status.RESOLVED
    assert services.open_concern(c) is not None


def test_the_same_words_sent_twice_make_one_concern_and_different_words_two(
    world: World,
) -> None:
    first = concern(world, subject="Same", body="Same words")
    assert concern(world, subject="Same", body="Same words") == first
    assert concern(world, subject="Same", body="Other words") != first
    assert concern(world, subject="Other", body="Same words") != first
    assert Concern.objects.count() == 3
