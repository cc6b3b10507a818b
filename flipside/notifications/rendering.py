"""Turn a kind of message and its placeholder values into subject, text and HTML.

Coordinators' own wording is plain text with ``{{ placeholder }}`` fields; it never runs
through the template engine, so it cannot reach anything but the values offered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .kinds import MessageKind, get_kind
from .models import TemplateOverride

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def _braced(name: str) -> str:
    return "{{ " + name + " }}"


def wording_problems(kind: MessageKind, text: str) -> list[str]:
    """What is wrong with coordinator-written wording, in words they can act on."""
    problems = []
    unknown = sorted({name for name in PLACEHOLDER.findall(text)} - kind.placeholder_names)
    if unknown:
        problems.append(
            _("Unknown placeholder: %(names)s. You can use: %(allowed)s.")
            % {
                "names": ", ".join(_braced(n) for n in unknown),
                "allowed": ", ".join(_braced(n) for n in sorted(kind.placeholder_names)),
            }
        )
    leftover = PLACEHOLDER.sub("", text)
    if "{{" in leftover or "}}" in leftover or "{%" in leftover or "%}" in leftover:
        problems.append(_("Write placeholders as {{ name }}, with nothing else inside the braces."))
    return problems


def subject_problems(kind: MessageKind, subject: str) -> list[str]:
    """Subjects are shown on the outbox page, so a secret placeholder may not go in one."""
    used = sorted(set(PLACEHOLDER.findall(subject)) & kind.secret_placeholder_names)
    if not used:
        return []
    return [
        _(
            "The subject cannot include %(names)s: it is private to the person the email is "
            "for, and subjects are shown on the emails page. Put it in the email text."
        )
        % {"names": ", ".join(_braced(n) for n in used)}
    ]


def fill(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), ""), text)


def _override_for(kind: MessageKind, scheme_id: int | None) -> TemplateOverride | None:
    if scheme_id is None or not kind.overridable:
        return None
    return TemplateOverride.objects.filter(scheme_id=scheme_id, kind=kind.key).first()


def render(
    kind_key: str,
    values: dict[str, str],
    *,
    scheme_id: int | None = None,
    unsubscribe_url: str = "",
    override: TemplateOverride | None = None,
) -> Rendered:
    """Render with the scheme's own wording if it has any, else the default templates.
    ``override`` renders unsaved wording (for previews)."""
    kind = get_kind(kind_key)
    override = override or _override_for(kind, scheme_id)
    context = {**values, "site_url": settings.SITE_URL}
    # Secret values never reach the subject, even from wording saved before that was refused.
    public = {k: v for k, v in values.items() if k not in kind.secret_placeholder_names}
    if override is not None:
        subject = fill(override.subject, public)
        text = fill(override.body, values)
        inner_html = render_to_string("emails/_override_body.html", {"body": text})
    else:
        subject = render_to_string(
            f"emails/{kind.key}_subject.txt", {**public, "site_url": settings.SITE_URL}
        )
        text = render_to_string(f"emails/{kind.key}_body.txt", context)
        inner_html = render_to_string(f"emails/{kind.key}_body.html", context)
    footer = {"unsubscribe_url": unsubscribe_url}
    return Rendered(
        subject=" ".join(subject.split())[:300],
        text=text.rstrip() + render_to_string("emails/_footer.txt", footer),
        html=render_to_string("emails/_layout.html", {"body": inner_html, **footer}),
    )
