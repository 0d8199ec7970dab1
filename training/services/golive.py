"""Site-by-site go-live: an administrator switches RCRP on or off at a site."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from rcrp.accounts.audit import audit_event_record
from rcrp.accounts.models import User
from training.models import AuditAction, Course, Site, SiteGoLive
from training.selectors.readiness import site_go_live_get

MANAGE_SERVICE = "accounts.manage_service"
NOTE_MAX = 500


@transaction.atomic
def site_go_live_set(
    *,
    site: Site,
    live: bool,
    actor: User,
    note: str = "",
    below_threshold_confirmed: bool = False,
    now: datetime | None = None,
) -> SiteGoLive:
    """Switch RCRP on (`live`) or off at a site, recording the trained share of the current course
    at that moment (the readiness page's figures) and the threshold in a SiteGoLive row, audited.

    Switching on below GO_LIVE_THRESHOLD_PERCENT is the administrator's call: it needs
    `below_threshold_confirmed` and a note. Refused for anyone without accounts.manage_service,
    and when the site is already in the state asked for (a repeated or stale request changes
    nothing). Not live only means handlers there use practice mode and the deploy override:
    nothing here, or in the gate, ever stands in the way of deploying police.
    """
    if not actor.has_perm(MANAGE_SERVICE):
        raise PermissionDenied("Only administrators switch RCRP on or off at a site.")
    site = Site.objects.select_for_update().get(pk=site.pk)  # serialises switches of one site
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(f"Write the note in {NOTE_MAX} characters or fewer")
    if live and site.live_from is not None:
        raise ValidationError(
            f"RCRP is already live at {site} (since {timezone.localtime(site.live_from):%d %B %Y %H:%M})."
        )
    if not live and site.live_from is None:
        raise ValidationError(f"RCRP is not live at {site}: there is nothing to switch off.")
    status = site_go_live_get(site=site, course=Course.objects.current())
    figures = status.figures
    if live and not status.meets_threshold:
        below = (
            f"{site} has {figures.trained_share}% of its staff trained, below the "
            f"{status.threshold}% threshold"
        )
        if not below_threshold_confirmed:
            raise ValidationError(f"{below}: confirm that RCRP should go live there anyway.")
        if not note:
            raise ValidationError(f"{below}: say in the note why RCRP goes live there now.")
    now = now or timezone.now()
    old = site.live_from
    site.live_from = now if live else None
    site.save(update_fields=["live_from"])
    record = SiteGoLive.objects.create(
        site=site,
        live=live,
        at=now,
        by=actor,
        trained_share=figures.trained_share,
        trained=figures.trained,
        staff=figures.total,
        threshold_percent=status.threshold,
        note=note,
    )
    audit_event_record(
        actor=actor,
        action=AuditAction.SITE_SWITCHED_ON if live else AuditAction.SITE_SWITCHED_OFF,
        target=site,
        data={
            "old": {"live_from": old},
            "new": {
                "live_from": site.live_from,
                "trained_share": str(figures.trained_share),
                "trained": figures.trained,
                "staff": figures.total,
                "threshold_percent": status.threshold,
                "note": note,
            },
        },
    )
    return record
