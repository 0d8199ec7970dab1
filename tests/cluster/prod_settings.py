"""The production settings, as gunicorn runs them, with one change for a throwaway run: static
files are collected into a temporary directory (CLUSTER_STATIC_ROOT) instead of the project's."""

from __future__ import annotations

import os
from pathlib import Path

from rcrp.settings import *  # noqa: F403

STATIC_ROOT = Path(os.environ["CLUSTER_STATIC_ROOT"])
