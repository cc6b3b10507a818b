"""The app's URLs plus a bare Django page: the yardstick the benchmark compares pages with."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from flipside.urls import handler400, handler403, handler404, handler500
from flipside.urls import urlpatterns as app

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

BARE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bare page</title>
</head><body><main><h1>Bare page</h1><table><caption>Fifty rows</caption>
<thead><tr><th scope="col">Number</th><th scope="col">Name</th><th scope="col">Email</th></tr>
</thead><tbody>{% for row in rows %}<tr><td>{{ row.0 }}</td><td>{{ row.1 }}</td>
<td>{{ row.2 }}</td></tr>{% endfor %}</tbody></table></main></body></html>"""
ROWS = [(n, f"Person {n}", f"person{n}@bench.example") for n in range(50)]


@login_not_required
def bare(request: HttpRequest) -> HttpResponse:
    """A 50-row table from a Django template, with no database query of its own."""
    template = engines["django"].from_string(BARE)
    return HttpResponse(template.render({"rows": ROWS}, request))


urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *app]
