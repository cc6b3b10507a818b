"""Create an organisation and its first coordinator on a new installation."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from flipside.accounts.models import User
from flipside.lib.email_address import canonical_email
from flipside.privacy import audit
from flipside.schemes.models import Organisation, OrganisationCoordinator


class Command(BaseCommand):
    help = "Create (or reuse) an organisation and make a person its coordinator."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True, help="Organisation name")
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", required=True, help="The person's display name")
        parser.add_argument(
            "--password", help="Password for a new account (asked for when omitted)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            email = canonical_email(options["email"])
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        with transaction.atomic():
            organisation, _ = Organisation.objects.get_or_create(name=options["organisation"])
            user = User.objects.filter(email=email).first()
            if user is None:
                password = options["password"] or getpass.getpass("Password for the new account: ")
                try:
                    user = User.objects.create_user(email, password, display_name=options["name"])
                except ValidationError as error:
                    raise CommandError("; ".join(error.messages)) from error
            _, created = OrganisationCoordinator.objects.get_or_create(
                organisation=organisation, user=user
            )
            if created:
                audit.record(
                    None, "schemes.organisation.coordinator_added", organisation, user=email
                )
        self.stdout.write(f"{user.email} coordinates {organisation.name}.")
