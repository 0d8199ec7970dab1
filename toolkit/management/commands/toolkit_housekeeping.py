"""Run every minute by the scheduler: s136 handovers past 60 minutes, stale calls closed, and the
quality-review queue filled by its rules, and practice cards made from each live version's scenarios.
Every server may run it: one run at a time does the work (rcrp/jobs.py), the others exit 0 saying so."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from policies.models import PolicyVersion
from rcrp.jobs import single_run
from toolkit.services import (
    abandon_after,
    decisions_close_stale,
    handover_overdue_sweep,
    practice_cards_make_for_live,
    review_queue_build,
)

JOB = "toolkit_housekeeping"


class Command(BaseCommand):
    help = (
        "Raise s136 handover escalations at 60 minutes (completed calls too) and close untouched "
        "calls: abandoned, or 'outcome reached, not completed' when they had an outcome."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with single_run(JOB) as ours:
            if not ours:
                self.stdout.write(f"Skipped: another server is running {JOB} now.")
                return
            self._housekeep()

    def _housekeep(self) -> None:
        raised = handover_overdue_sweep()
        closed = decisions_close_stale(older_than=abandon_after())
        queued = review_queue_build()
        live = list(PolicyVersion.objects.filter(status=PolicyVersion.Status.PUBLISHED))
        cards = practice_cards_make_for_live(versions=live)
        self.stdout.write(
            f"s136 handovers overdue: {raised}; calls abandoned: {closed['abandoned']}; "
            f"outcome reached, not completed: {closed['unconfirmed']}; queued for review: {queued}; "
            f"practice cards made: {cards}"
        )
