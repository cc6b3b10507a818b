"""Render and send the project's emails from ``templates/emails/<name>_*`` files."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string


def render_email(name: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Subject, plain-text body and HTML body of the email called ``name``."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{name}_subject.txt", context).split())
    text = render_to_string(f"emails/{name}_body.txt", context)
    html = render_to_string(f"emails/{name}_body.html", context)
    return subject, text, html


def send_email_on_commit(name: str, *, to: str, context: dict[str, Any]) -> None:
    """Send once the surrounding transaction commits, so a rolled-back change emails nobody."""
    subject, text, html = render_email(name, context)

    def send() -> None:
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
        message.attach_alternative(html, "text/html")
        message.send()

    transaction.on_commit(send)
