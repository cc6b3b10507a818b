"""Harness for the browser tests: Chromium, a live server, personas and page checks.

Chromium comes from Debian (`make browser` installs it); Playwright never downloads one.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from conftest import World  # the root conftest: personas shared by every test

REPO = Path(__file__).resolve().parents[2]
AXE_SCRIPT = REPO / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "test-results" / "screenshots"
AXE_REPORTS = REPO / "test-results" / "axe"
PASSWORD = "correct horse battery staple"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=en-GB",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture(scope="package", autouse=True)
def _allow_sync_django_beside_playwright() -> Iterator[None]:
    """Let the test thread use the ORM while Playwright's sync API is running.

    Playwright's sync API marks an asyncio loop as running in the test thread, so Django
    takes every ORM call there (building personas, flushing the database) for async code.
    Those calls are ordinary blocking calls; this is the standard switch for Playwright with
    pytest-django. It is set only while this package's tests run, and Playwright is stopped
    before the package ends, so neither leaks into other tests (nor into the environment of
    subprocesses they start, where `check --deploy` rejects it).
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="package")
def playwright_instance(_allow_sync_django_beside_playwright: None) -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="package")
def chromium(playwright_instance: Playwright) -> Iterator[Browser]:
    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not Path(executable).is_file() or not os.access(executable, os.X_OK):
        pytest.fail(
            f"Chromium is missing at {executable}. The browser tests use Debian's package: "
            "run `make browser` (or `apt-get install -y chromium`), or set CHROMIUM_PATH.",
            pytrace=False,
        )
    if not AXE_SCRIPT.is_file():
        pytest.fail(f"axe-core is missing at {AXE_SCRIPT}. Run `npm ci`.", pytrace=False)
    browser = playwright_instance.chromium.launch(
        executable_path=executable, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture(autouse=True)
def _live_settings(settings: Any, live_server: Any) -> None:
    # Links in emails must point at the server the browser talks to.
    settings.SITE_URL = live_server.url
    # The suite runs with DEBUG off, so cookies are Secure and `__Host-` prefixed. Chromium
    # treats http://localhost as a secure context and keeps them; on any other host they
    # would be dropped, so fall back to plain cookies there (these tests only).
    host = live_server.url.split("//", 1)[1].rsplit(":", 1)[0]
    if host != "localhost":
        settings.SESSION_COOKIE_SECURE = False
        settings.CSRF_COOKIE_SECURE = False
        settings.SESSION_COOKIE_NAME = "sessionid"
        settings.CSRF_COOKIE_NAME = "csrftoken"
    if host not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, host]


@pytest.fixture
def live_world(transactional_db: None) -> World:
    """The personas of the root conftest, committed so the live server thread sees them."""
    return World()


class Session:
    """One browser context: visits pages, keeps screenshots, checks accessibility."""

    def __init__(
        self, context: BrowserContext, base_url: str, test_name: str, viewport: dict[str, int]
    ) -> None:
        self.context = context
        self.viewport = viewport
        self.base_url = base_url
        self.test_name = test_name
        self.page = context.new_page()
        self.page.set_default_timeout(10_000)

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base_url + path

    def goto(self, path: str, name: str, *, status: int = 200) -> Page:
        """Open ``path``, check the status, save a screenshot and check accessibility."""
        response = self.page.goto(self.url(path))
        assert response is not None, f"no response for {path}"
        assert response.status == status, f"{path} answered {response.status}, not {status}"
        self.check(name)
        return self.page

    def check(self, name: str) -> None:
        """Screenshot the current page and fail on serious accessibility problems."""
        self.screenshot(name)
        assert_accessible(self.page, AXE_REPORTS / f"{self.test_name}-{_slug(name)}.json")

    def screenshot(self, name: str, *, phone: bool = False) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        suffix = "-phone" if phone else ""
        path = SCREENSHOTS / f"{self.test_name}-{_slug(name)}{suffix}.png"
        if phone:
            self.page.set_viewport_size(PHONE)
            try:
                self.page.screenshot(path=str(path), full_page=True)
            finally:
                self.page.set_viewport_size(self.viewport)
        else:
            self.page.screenshot(path=str(path), full_page=True)
        return path


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "page"


@pytest.fixture
def new_session(
    chromium: Browser, live_server: Any, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Session]]:
    """Make fresh browser contexts (separate cookies) for the test; all closed afterwards."""
    contexts: list[BrowserContext] = []
    test_name = _slug(request.node.name)

    def make(viewport: dict[str, int] | None = None) -> Session:
        viewport = viewport or DESKTOP
        # The site's Content-Security-Policy (script-src 'self', no inline scripts) would block
        # the injected axe script, so the context bypasses CSP. The policy itself is asserted
        # by the unit tests on the response headers.
        context = chromium.new_context(bypass_csp=True, viewport=viewport, locale="en-GB")
        contexts.append(context)
        suffix = "" if viewport == DESKTOP else f"-{viewport['width']}px"
        return Session(context, live_server.url, test_name + suffix, viewport)

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def session(new_session: Callable[..., Session]) -> Session:
    return new_session()


def sign_in(page: Page, live_server: Any, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real form and wait for the home page."""
    base = live_server if isinstance(live_server, str) else live_server.url
    page.goto(base + "/accounts/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: url == base + "/" or "/second-factor/" in url)
    if "/second-factor/" in page.url:
        enter_code(page, email)
        page.wait_for_url(base + "/")


def enter_code(page: Page, email: str) -> None:
    """Type the code the person's authenticator app would show, computed from its key (the
    person is given an app first if they have none: set-up has its own test)."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from flipside.accounts.models import User

    user = User.objects.get(email=email)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Browser test app", confirmed=True)
        page.reload()
    totp = TOTP(device.bin_key)
    now = totp.t()
    step = max(now, device.last_t + 1)
    if step > now + 1:
        # Signed in a third time within one 30-second step: a used code is refused (the unit
        # tests show it), so the earlier sign-ins' step is forgotten rather than waited out.
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=now - 1)
        step = now
    totp.drift = step - now
    page.get_by_label("Code", exact=True).fill(f"{totp.token():06d}")
    page.get_by_role("button", name="Continue").click()


def assert_accessible(page: Page, report: Path | None = None) -> None:
    """Run axe-core on the page; fail on any serious or critical violation.

    With ``report``, every finding (minor ones and those axe could not decide too) is saved
    there as JSON for people to review.
    """
    page.add_script_tag(path=str(AXE_SCRIPT))
    results: dict[str, Any] = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            const brief = (v) => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => ({target: n.target, html: n.html,
                    failureSummary: n.failureSummary}))});
            return {url: r.url, violations: r.violations.map(brief),
                    incomplete: r.incomplete.map(brief)};
        }""",
        AXE_TAGS,
    )
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(results, indent=2))
    blocking = [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    if blocking:
        lines = [f"{len(blocking)} accessibility problem(s) on {page.url}:"]
        for violation in blocking:
            nodes = violation["nodes"]
            targets = [" ".join(map(str, node["target"])) for node in nodes[:3]]
            more = f" and {len(nodes) - 3} more" if len(nodes) > 3 else ""
            summary = (nodes[0].get("failureSummary") or "").strip().splitlines()[:2]
            lines.append(
                f"- {violation['id']} ({violation['impact']}): {violation['help']}\n"
                f"    at {', '.join(targets)}{more}\n"
                + "".join(f"    {line.strip()}\n" for line in summary)
            )
        pytest.fail("\n".join(lines), pytrace=False)
