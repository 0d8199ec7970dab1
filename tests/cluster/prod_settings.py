"""The production settings, as gunicorn runs them, with two changes for a throwaway run: static
files are collected into a temporary directory (CLUSTER_STATIC_ROOT) instead of the project's, and
not compressed (tests/cluster/static_storage.py)."""

from __future__ import annotations

import os
from pathlib import Path

from rcrp.settings import *  # noqa: F403
from rcrp.settings import STORAGES

STATIC_ROOT = Path(os.environ["CLUSTER_STATIC_ROOT"])
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "tests.cluster.static_storage.UncompressedManifestStorage"},
}
