"""Pages never offer a link the viewer cannot follow."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conftest import World, response_text
from tests.test_access_matrix import EXPECTED, all_url_names, url_for


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["mentor", "mentee", "observer", "cohort_coordinator"])
def test_people_who_cannot_open_the_scheme_page_are_never_linked_to_it(
    role: str, world: World, client: Client
) -> None:
    client.force_login(getattr(world, role))
    scheme_page = f'href="{reverse("schemes:detail", args=[world.scheme.pk])}"'
    assert client.get(reverse("schemes:detail", args=[world.scheme.pk])).status_code == 404
    linking = []
    for name in all_url_names():
        if EXPECTED[name][role] != 200:
            continue
        response = client.get(url_for(name, world))
        if scheme_page in response_text(response):
            linking.append(name)
    assert linking == []
