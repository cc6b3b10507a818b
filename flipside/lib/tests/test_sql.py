from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from flipside.lib.sql import columns, fetch, fields_of, instances, reached

pytestmark = pytest.mark.django_db


def test_fetch_converts_values_as_the_orm_does() -> None:
    expires = timezone.now().replace(microsecond=0) + datetime.timedelta(days=1)
    Session.objects.create(session_key="k1", session_data="x", expire_date=expires)
    Session.objects.create(session_key="k2", session_data="y", expire_date=expires)
    rows = fetch(
        "SELECT session_key, expire_date, (SELECT COUNT(*) FROM django_session) "
        "FROM django_session WHERE session_key = %s",
        ["k1"],
        (None, Session._meta.get_field("expire_date"), None),
    )
    assert rows == [["k1", expires, 2]]
    assert rows[0][1].tzinfo is not None  # aware on SQLite as on PostgreSQL


def test_instances_builds_each_model_of_a_joined_row() -> None:
    wanted = Permission.objects.select_related("content_type").get(codename="add_session")
    rows = fetch(
        f"SELECT {columns(Permission, 'p')}, {columns(ContentType, 't')} "  # noqa: S608
        "FROM auth_permission p JOIN django_content_type t ON t.id = p.content_type_id "
        "WHERE p.codename = %s",
        ["add_session"],
        fields_of(Permission, ContentType),
    )
    permission, kind = instances(rows[0], Permission, ContentType)
    assert (permission.pk, permission.name, permission.content_type_id) == (
        wanted.pk, wanted.name, wanted.content_type_id,
    )  # fmt: skip
    assert (kind.pk, kind.app_label, kind.model) == (wanted.content_type_id, "sessions", "session")
    assert not permission.get_deferred_fields() and not permission._state.adding


def test_a_listing_pages_rows_in_order_and_counts_them_once() -> None:
    from django.core.paginator import Paginator
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from flipside.lib.sql import Listing

    expires = timezone.now().replace(microsecond=0) + datetime.timedelta(days=1)
    Session.objects.bulk_create(
        Session(session_key=f"key{n:02}", session_data=str(n), expire_date=expires)
        for n in range(12)
    )
    listing: Listing[tuple[str, datetime.datetime]] = Listing(
        select="session_key, expire_date",
        source="django_session WHERE session_data <> %s",
        params=["3"],
        order="session_key DESC",
        row=lambda key, expiry: (key, expiry),
        fields=(None, Session._meta.get_field("expire_date")),
    )
    with CaptureQueriesContext(connection) as queries:
        page = Paginator(listing, 5).get_page(2)
        rows = list(page)
        assert page.paginator.count == 11 and page.paginator.num_pages == 3
    assert len(queries) == 2  # one count, one page
    assert rows == [(f"key{n:02}", expires) for n in (6, 5, 4, 2, 1)]  # not key03
    assert listing[0] == ("key11", expires)
    with pytest.raises(ValueError, match="forward slices"):
        listing[3:]


def test_a_listing_counts_what_it_is_told_to() -> None:
    from flipside.lib.sql import Listing

    expires = timezone.now() + datetime.timedelta(days=1)
    Session.objects.bulk_create(
        Session(session_key=f"n{n}", session_data="x", expire_date=expires) for n in range(3)
    )
    listing: Listing[str] = Listing(
        select="s.session_key",
        source="django_session s JOIN django_session t ON t.session_key = s.session_key "
        "WHERE s.session_data = %s",
        # Not the same rows, only to show which source is counted.
        counted="django_session s WHERE s.session_data = %s AND s.session_key <> 'n0'",
        params=["x"],
        order="s.session_key",
        row=str,
    )
    assert listing.count() == 2 and listing[0:5] == ["n0", "n1", "n2"]


def test_a_page_reaches_the_groups_it_overlaps_each_from_where_it_starts_in_it() -> None:
    # Groups of 3, 0 and 4 rows: rows 0-2, none, then rows 3-6.
    assert reached([3, 0, 4], 0, 2) == [(0, 2, 0)]
    assert reached([3, 0, 4], 2, 5) == [(0, 1, 2), (2, 2, 0)]
    assert reached([3, 0, 4], 3, 50) == [(2, 4, 0)]
    assert reached([3, 0, 4], 7, 9) == []  # past the end
    # Every row of every page, read group by group, is every row once and in order.
    rows = [(g, r) for g, size in enumerate([3, 0, 4]) for r in range(size)]
    for per_page in (1, 2, 3, 5):
        read = [
            (g, first + k)
            for start in range(0, 8, per_page)
            for g, count, first in reached([3, 0, 4], start, start + per_page)
            for k in range(count)
        ]
        assert read == rows


@pytest.mark.django_db
def test_a_statement_run_again_and_again_is_prepared_on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    sql = "SELECT COUNT(*) FROM schemes_cohort WHERE id > %s"
    for _ in range(6):
        assert fetch(sql, [0], (None,)) == [[0]]
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert "SELECT COUNT(*) FROM schemes_cohort WHERE id > $1" in prepared


def test_values_written_into_a_statement_are_only_numbers_and_the_codes_own_choices() -> None:
    from flipside.lib.sql import one_of, whole

    assert whole(42) == "42" and whole(True) == "1"
    with pytest.raises(ValueError):
        whole("1; DROP TABLE accounts_user")  # type: ignore[arg-type]
    assert one_of("mentor", ["mentor", "mentee"]) == "'mentor'"
    for bad in ("coordinator", "mentor' OR '1'='1"):
        with pytest.raises(ValueError):
            one_of(bad, ["mentor", "mentee", "mentor' OR '1'='1"])
