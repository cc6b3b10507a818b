"""A refusal that looks like "not found".

Permission helpers answer 404 for an object the person may not see, so it looks exactly like
one that does not exist. They, and views that find past the helper that the person has no
part in what they asked for, raise ``Hidden`` rather than ``Http404``: the person still
sees the ordinary "not found" page, and the audit log can tell a refusal from a mistyped
address (decision 0034).
"""

from __future__ import annotations

from django.http import Http404


class Hidden(Http404):
    """Not found, or not yours to see: answered as a 404, recorded as a refusal."""
