"""Run every minute by the scheduler: s136 handovers past 60 minutes, stale calls closed, and the
quality-review queue filled by its rules."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from toolkit.services import abandon_after, decisions_close_stale, handover_overdue_sweep, review_queue_build


class Command(BaseCommand):
    help = (
        "Raise s136 handover escalations at 60 minutes (completed calls too) and close untouched "
        "calls: abandoned, or 'outcome reached, not completed' when they had an outcome."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        raised = handover_overdue_sweep()
        closed = decisions_close_stale(older_than=abandon_after())
        queued = review_queue_build()
        self.stdout.write(
            f"s136 handovers overdue: {raised}; calls abandoned: {closed['abandoned']}; "
            f"outcome reached, not completed: {closed['unconfirmed']}; queued for review: {queued}"
        )
