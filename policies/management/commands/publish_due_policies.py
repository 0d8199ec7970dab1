"""Publish the approved policy versions whose scheduled effective time has come (run every minute).

The live-version selector does the same on every read, so this command only makes sure the audit
trail shows the publication close to its effective time even when nobody is taking calls.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from policies.services import policy_versions_publish_due


class Command(BaseCommand):
    help = "Publish every approved policy version whose scheduled effective time has passed."

    def handle(self, *args: Any, **options: Any) -> None:
        results = policy_versions_publish_due()
        for result in results:
            label = f"{result.version.element.slug} v{result.version.number}"
            if result.published:
                self.stdout.write(f"{label}: published")
            else:
                self.stdout.write(f"{label}: NOT published, schedule cancelled: {'; '.join(result.messages)}")
        if not results:
            self.stdout.write("Nothing due.")
