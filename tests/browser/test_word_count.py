"""The live word counter under a statement box counts words exactly as the server does.

It types each case of ``flipside/recruitment/tests/word_count_cases.json`` (the cases the
server's count is tested with) into the box and reads the count shown under it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conftest import World, make_user
from flipside.recruitment.services import start_application_as

from .conftest import REPO, Session, sign_in
from .test_recruitment_apply import open_call

pytestmark = pytest.mark.browser

CASES = json.loads(
    (REPO / "flipside" / "recruitment" / "tests" / "word_count_cases.json").read_text()
)["cases"]


def test_the_live_counter_counts_the_shared_cases_like_the_server(
    session: Session, live_server: Any, live_world: World
) -> None:
    call = open_call(live_world)
    student = make_user("Sam Student", email="sam.student@example.ac.uk")
    application = start_application_as(call, user=student)
    sign_in(session.page, live_server, student.email)
    page = session.goto(reverse("recruitment:application", args=[application.pk]), "application")
    box = page.get_by_label("Why would you be a good mentor?")
    counter = page.locator("#id_statement_count")

    disagreements = []
    for case in CASES:
        box.fill("")
        expect(counter).to_have_text(re.compile(r"^0 of "))
        box.fill(case["text"])
        found = re.match(r"\d+", counter.text_content() or "")
        shown = int(found.group()) if found else None
        if shown != case["words"]:
            disagreements.append(
                f"{case['case']}: shows {shown}, the server counts {case['words']}"
            )
    assert disagreements == []
