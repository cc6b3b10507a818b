"""``manage.py demo_signins``: where to go and how to sign in to the demo."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from flipside.schemes import demo


class Command(BaseCommand):
    help = "Print the demo's address and one sign-in per role."

    def handle(self, *args: Any, **options: Any) -> None:
        if not demo.is_seeded():
            self.stdout.write("There is no demo data yet. Run `make run` to create the demo.")
            return
        self.stdout.write(f"Flipside demo: {demo.DEMO_URL}")
        for role, email in demo.DEMO_SIGNINS:
            self.stdout.write(f"  {role:<15} {email:<32} password: {demo.DEMO_PASSWORD}")
