"""The production settings, as gunicorn runs them, with one change for a throwaway run: static
files are served from the finders (as the test settings do) instead of a collectstatic manifest,
which would take a minute to build for tests that are about the database and the workers."""

from __future__ import annotations

from rcrp.settings import *  # noqa: F403
from rcrp.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
