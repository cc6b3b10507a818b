"""Settings for the page benchmark: the app's own settings with one extra page.

Only ``bench/pages.py`` points ``DJANGO_SETTINGS_MODULE`` here; the production URLconf never
has the bare page.
"""

from __future__ import annotations

from flipside.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
