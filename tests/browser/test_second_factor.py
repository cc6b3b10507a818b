"""Setting up the authenticator app in a real browser: QR code and key, the first code, the
backup codes; then signing in again with a code."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import World
from flipside.accounts import second_factor
from tests.browser.conftest import PASSWORD, Session, enter_code

pytestmark = [pytest.mark.browser, pytest.mark.real_second_factor]


def password_step(session: Session, email: str) -> None:
    session.page.goto(session.url("/accounts/sign-in/"))
    session.page.get_by_label("Email address").fill(email)
    session.page.get_by_label("Password").fill(PASSWORD)
    session.page.get_by_role("button", name="Sign in").click()


def test_an_observer_sets_up_their_app_keeps_backup_codes_and_signs_in_with_a_code(
    live_world: World, live_server: Any, new_session: Callable[..., Session]
) -> None:
    session = new_session()
    page = session.page
    password_step(session, live_world.observer.email)

    page.wait_for_url("**/second-factor/set-up/**")
    assert page.locator(".qr-code svg").is_visible()
    session.check("set up")
    # The key as a person would type it into their app.
    key = page.locator("#secret-key").inner_text()
    raw = base64.b32decode(key + "=" * (-len(key) % 8))
    page.get_by_label("Code from your app").fill(f"{TOTP(raw).token():06d}")
    page.get_by_role("button", name="Confirm").click()

    page.get_by_role("heading", name="Your backup codes").wait_for()
    codes = page.locator(".backup-codes code").all_inner_texts()
    assert len(codes) == second_factor.BACKUP_CODES
    session.check("backup codes")
    page.get_by_role("link", name="I have kept my codes: continue").click()
    page.wait_for_url(live_server.url + "/")
    assert TOTPDevice.objects.get(user=live_world.observer).key == raw.hex()

    again = new_session()
    password_step(again, live_world.observer.email)
    again.page.wait_for_url("**/second-factor/code/**")
    again.check("code")
    enter_code(again.page, live_world.observer.email)
    again.page.wait_for_url(live_server.url + "/")
