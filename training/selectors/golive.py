"""Reads for site-by-site go-live: one site, and the history of switches."""

from __future__ import annotations

from rcrp.accounts.errors import NotFound
from training.models import Site, SiteGoLive

HISTORY_SHOWN = 50


def site_get(*, pk: int) -> Site:
    """One site, or NotFound."""
    site = Site.objects.filter(pk=pk).first()
    if site is None:
        raise NotFound("No such site")
    return site


def site_go_live_history(*, site: Site | None = None, limit: int = HISTORY_SHOWN) -> list[SiteGoLive]:
    """The latest switches on and off (of one site, or of all), newest first (one query)."""
    rows = SiteGoLive.objects.select_related("site", "by")
    if site is not None:
        rows = rows.filter(site=site)
    return list(rows.order_by("-at", "-pk")[:limit])
