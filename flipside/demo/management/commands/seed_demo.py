"""``manage.py seed_demo``: create the demo organisation, schemes and people once."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from flipside.demo.seed import seed


class Command(BaseCommand):
    help = "Create the demo schemes and people (DEBUG only); running it again changes nothing."

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo's sign-ins share a published password, so they must never reach a real site.
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo only runs with DEBUG on, because every demo person shares a published "
                "password. For local development run it as: DEBUG=1 python manage.py seed_demo"
            )
        if seed(stdout=self.stdout):
            self.stdout.write(self.style.SUCCESS("Demo data created."))
        else:
            self.stdout.write("Demo data already present; nothing changed.")
