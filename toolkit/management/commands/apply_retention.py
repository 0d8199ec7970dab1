"""`python manage.py apply_retention`: remove decisions past the retention period.

Decisions that started more than RETENTION_YEARS (default 7) whole years ago are removed with
everything recorded about them: answers, escalations, the s136 handover, notes, reviews, the review
item and standing, and the access log rows. A decision that a kept decision still cites (a later
re-assessment of it, or an escalation that opened one) is anonymised instead of removed: its row
stays with its times, element, policy version and outcome, so the later decision's link still
leads somewhere and says what was decided, and everything that names the call or was typed by a
person is removed. The daily counts behind the dashboards are counts, not records, and stay.

Why this split: the log is append-only so that no one can quietly rewrite a decision; retention
must not break that promise for the decisions still kept, and a link from a kept decision to
nothing would be exactly such a rewrite. See docs/retention.md.

Run it daily from cron or a systemd timer, e.g. `apply_retention --yes`. Without DEBUG a run that
changes anything needs `--yes` (a confirmation a scheduler can give, a stray command cannot);
`--dry-run` never changes anything and reports what would go. Each run writes one audit event
("toolkit.retention.applied": the cut-off and the counts, no personal data).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from toolkit.services.retention import BATCH_SIZE, retention_apply


class Command(BaseCommand):
    help = (
        "Remove decisions older than RETENTION_YEARS (anonymise those a kept decision cites). "
        "--dry-run reports what would go; without DEBUG a real run needs --yes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Report what would go; change nothing")
        parser.add_argument(
            "--yes", action="store_true", help="Confirm a real run when DEBUG is off (as a scheduler does)"
        )
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help=f"Decisions per transaction ({BATCH_SIZE})"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        years = getattr(settings, "RETENTION_YEARS", 7)
        if not isinstance(years, int) or years < 1:
            raise CommandError(f"RETENTION_YEARS must be a whole number of years, 1 or more, not {years!r}.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be 1 or more.")
        dry_run = options["dry_run"]
        if not dry_run and not settings.DEBUG and not options["yes"]:
            raise CommandError(
                "apply_retention removes decisions for good: with DEBUG off, run it with --yes "
                "(or --dry-run to see what would go)."
            )
        report = retention_apply(years=years, dry_run=dry_run, batch_size=options["batch_size"])
        verb = ("Would remove", "would anonymise") if dry_run else ("Removed", "anonymised")
        self.stdout.write(
            f"Retention {report.years} years, cut-off {report.cutoff:%Y-%m-%d %H:%M} UTC: "
            f"{verb[0]} {report.removed} decisions, {verb[1]} {report.anonymised} that a kept "
            f"decision cites, and {report.export_accesses_removed} log export access rows."
        )
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
