"""Practice cards and sets (trainers), under /training/practice/."""

from __future__ import annotations

urlpatterns: list[object] = []
