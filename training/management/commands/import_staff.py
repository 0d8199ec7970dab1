"""python manage.py import_staff FILE: upsert the staff roster from an HR CSV file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rcrp.accounts.models import User
from training.csv_import import RosterFileError
from training.services import staff_import


class Command(BaseCommand):
    help = (
        "Import the staff roster from a CSV file with the columns staff_number, full_name, site, role "
        "and team (other columns are ignored). Every row is checked; if any is bad, each is printed as "
        "'line N: reason', nothing changes and the command exits with status 1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the CSV file (UTF-8)")
        parser.add_argument(
            "--partial",
            action="store_true",
            help="import the good rows even if some are bad (bad rows are still listed; exit status 1)",
        )
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="deactivate active staff whose staff number is not in the file (leavers; never deleted)",
        )
        parser.add_argument("--actor", help="staff number of the user to record as having run the import")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from None
        actor = None
        if options["actor"]:
            actor = User.objects.filter(staff_number=options["actor"]).first()
            if actor is None:
                raise CommandError(f"No user has the staff number {options['actor']}")
        try:
            result = staff_import(
                data=data,
                actor=actor,
                partial=options["partial"],
                deactivate_missing=options["deactivate_missing"],
                filename=path.name,
            )
        except RosterFileError as error:
            raise CommandError(str(error)) from None
        for problem in result.problems:
            self.stderr.write(str(problem))
        bad = len(result.problems)
        if not result.applied:
            raise CommandError(f"{bad} bad row{'s' if bad != 1 else ''}: nothing was imported.")
        self.stdout.write(f"Imported {path.name}: {result.summary}.")
        if bad:
            raise CommandError(f"{bad} bad row{'s were' if bad != 1 else ' was'} not imported.")
