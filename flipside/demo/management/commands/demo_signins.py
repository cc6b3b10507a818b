"""``manage.py demo_signins``: where to go and how to sign in to the demo."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from flipside.accounts import second_factor
from flipside.accounts.models import User
from flipside.demo import signins


class Command(BaseCommand):
    help = "Print the demo's address and one sign-in per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--url", help="where the demo is served (by default SITE_URL, where links point)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not signins.is_seeded():
            self.stdout.write("There is no demo data yet. Run `make run` to create the demo.")
            return
        self.stdout.write(f"Flipside demo: {options['url'] or settings.SITE_URL}")
        for role, email in signins.DEMO_SIGNINS:
            self.stdout.write(f"  {role:<15} {email:<32} password: {signins.DEMO_PASSWORD}")
        self.stdout.write(
            "Coordinators and observers also type a code from an authenticator app. Add these "
            "demo-only keys to one (type the key, or open the otpauth link on the phone):"
        )
        for role, email in signins.DEMO_SIGNINS:
            key = signins.DEMO_TOTP_KEYS.get(email)
            if key is not None:
                user = User.objects.get(email=email)
                self.stdout.write(f"  {role:<15} key: {second_factor.base32_secret(key)}")
                self.stdout.write(f"  {'':<15} {second_factor.otpauth_uri(user, key)}")
