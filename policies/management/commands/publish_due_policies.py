"""Publish the approved policy versions whose scheduled effective time has come (run every minute).

This command is what makes a scheduled version live: reading the live version never publishes.
Run it every minute (cron or a systemd timer) so a version scheduled for 07:00 is live by 07:01.
Every server may run it: one run at a time does the work (rcrp/jobs.py), the others exit 0 saying so.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from policies.services import policy_versions_publish_due
from rcrp.jobs import single_run

JOB = "publish_due_policies"


class Command(BaseCommand):
    help = "Publish every approved policy version whose scheduled effective time has passed."

    def handle(self, *args: Any, **options: Any) -> None:
        with single_run(JOB) as ours:
            if not ours:
                self.stdout.write(f"Skipped: another server is running {JOB} now.")
                return
            self._publish_due()

    def _publish_due(self) -> None:
        results = policy_versions_publish_due()
        for result in results:
            label = f"{result.version.element.slug} v{result.version.number}"
            if result.published:
                self.stdout.write(f"{label}: published")
            else:
                self.stdout.write(f"{label}: NOT published, schedule cancelled: {'; '.join(result.messages)}")
        if not results:
            self.stdout.write("Nothing due.")
