"""The three MetCC sites: reference data, created by migration 0002 and kept present."""

from __future__ import annotations

from typing import Any

SITES: list[dict[str, Any]] = [
    {"slug": "lambeth", "name": "Lambeth"},
    {"slug": "hendon", "name": "Hendon"},
    {"slug": "bow", "name": "Bow"},
]
