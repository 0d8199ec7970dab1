"""The four RCRP elements (PCD1529): reference data, created by migration 0002 and kept present."""

from __future__ import annotations

from typing import Any

ELEMENTS: list[dict[str, Any]] = [
    {
        "slug": "welfare",
        "title": "Concern for welfare",
        "order": 1,
        "summary": "Someone is worried about a person's safety or health, including medical incidents.",
    },
    {
        "slug": "awol",
        "title": "Walkouts and AWOL",
        "order": 2,
        "summary": (
            "A patient has left a health setting: walked out of A&E or a ward, "
            "or is absent from a mental health hospital."
        ),
    },
    {
        "slug": "s136",
        "title": "Section 136 handover",
        "order": 3,
        "summary": (
            "Officers are at a place of safety with a person detained under s136 "
            "and need health to take over."
        ),
    },
    {
        "slug": "transport",
        "title": "Transport in a mental health crisis",
        "order": 4,
        "summary": "Police are asked to convey or escort a person in a mental health crisis.",
    },
]
