"""Models of the toolkit app."""

from __future__ import annotations
