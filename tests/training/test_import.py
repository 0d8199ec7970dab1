"""The roster import: upsert by staff number, all-or-nothing, idempotent, in few queries; and its command."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rcrp.accounts.models import AuditEvent
from tests.training.factories import BookingFactory, StaffMemberFactory, csv_bytes, site
from training.models import StaffMember
from training.services import staff_import

pytestmark = pytest.mark.django_db

GOOD = csv_bytes(
    "1001,Ann Able,Lambeth,Call handler,Team 1",
    "1002,Bob Brown,Hendon,Dispatcher,Team 2",
    "1003,Cat Cole,Bow,Supervisor,",
)


def roster() -> list[tuple[str, str, str, str, str, bool]]:
    return [
        (s.staff_number, s.full_name, s.site.slug, s.role, s.team, s.active)
        for s in StaffMember.objects.select_related("site").order_by("staff_number")
    ]


def test_a_good_file_adds_everyone_with_history_and_one_audit_row(trainer: Any) -> None:
    result = staff_import(data=GOOD, actor=trainer, filename="hr.csv")
    assert result.applied
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert roster() == [
        ("1001", "Ann Able", "lambeth", "Call handler", "Team 1", True),
        ("1002", "Bob Brown", "hendon", "Dispatcher", "Team 2", True),
        ("1003", "Cat Cole", "bow", "Supervisor", "", True),
    ]
    ann = StaffMember.objects.get(staff_number="1001")
    assert ann.history.count() == 1
    assert ann.history.first().history_user == trainer
    event = AuditEvent.objects.get(action="training.roster.imported")
    assert event.actor == trainer
    assert event.data["new"] == {
        "file": "hr.csv",
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "deactivated": 0,
        "linked": 0,
        "bookings_cancelled": 0,
        "bad_rows": 0,
    }


def test_a_file_with_bad_rows_changes_nothing_and_reports_every_bad_row(trainer: Any) -> None:
    StaffMemberFactory(staff_number="1001", full_name="Ann Old", site=site("bow"))
    before = roster()
    data = csv_bytes(
        "1001,Ann Able,Lambeth,Call handler,Team 1",
        "1002,Bob Brown,Croydon,Dispatcher,Team 2",
        "1003,,Bow,Supervisor,",
        "1004,Dee Dunn,Bow,Call handler,T1",
    )
    result = staff_import(data=data, actor=trainer)
    assert not result.applied
    assert [str(p) for p in result.problems] == [
        "line 3: site \u201cCroydon\u201d is not Bow, Hendon or Lambeth",
        "line 4: full name is missing",
    ]
    assert roster() == before
    assert not AuditEvent.objects.filter(action="training.roster.imported").exists()


def test_partial_imports_the_good_rows_and_lists_the_rest(trainer: Any) -> None:
    data = csv_bytes("1001,Ann Able,Lambeth,Call handler,T1", "1002,Bob,Croydon,Dispatcher,T2")
    result = staff_import(data=data, actor=trainer, partial=True)
    assert result.applied
    assert result.created == 1
    assert [p.line for p in result.problems] == [3]
    assert [r[0] for r in roster()] == ["1001"]
    assert AuditEvent.objects.get(action="training.roster.imported").data["new"]["bad_rows"] == 1


def test_importing_the_same_file_again_changes_nothing(trainer: Any) -> None:
    staff_import(data=GOOD, actor=trainer)
    first = roster()
    history = StaffMember.history.count()
    result = staff_import(data=GOOD, actor=trainer)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert roster() == first
    assert StaffMember.objects.count() == 3
    assert StaffMember.history.count() == history


def test_changed_rows_are_updated_and_leavers_rejoin(trainer: Any) -> None:
    staff_import(data=GOOD, actor=trainer)
    StaffMember.objects.filter(staff_number="1003").update(active=False)
    data = csv_bytes(
        "1001,Ann Able-Smith,Bow,Call handler,Team 4",
        "1002,Bob Brown,Hendon,Dispatcher,Team 2",
        "1003,Cat Cole,Bow,Supervisor,",
    )
    result = staff_import(data=data, actor=trainer)
    assert (result.created, result.updated, result.unchanged) == (0, 2, 1)
    assert roster()[0] == ("1001", "Ann Able-Smith", "bow", "Call handler", "Team 4", True)
    assert roster()[2][-1] is True
    ann = StaffMember.objects.get(staff_number="1001")
    assert [h.full_name for h in ann.history.order_by("history_date", "history_id")] == [
        "Ann Able",
        "Ann Able-Smith",
    ]


def test_deactivate_missing_deactivates_leavers_but_never_deletes_them(trainer: Any) -> None:
    staff_import(data=GOOD, actor=trainer)
    data = csv_bytes("1001,Ann Able,Lambeth,Call handler,Team 1", "1002,Bob Brown,Croydon,Dispatcher,Team 2")
    result = staff_import(data=data, actor=trainer, partial=True, deactivate_missing=True)
    # 1003 is not in the file: a leaver. 1002's row is bad, but it is in the file: not a leaver.
    assert result.deactivated == 1
    assert [(r[0], r[-1]) for r in roster()] == [("1001", True), ("1002", True), ("1003", False)]
    assert StaffMember.objects.count() == 3


def test_leavers_open_bookings_are_cancelled_when_they_leave_the_roster(trainer: Any) -> None:
    staff_import(data=GOOD, actor=trainer)
    leaver = StaffMember.objects.get(staff_number="1003")
    booking = BookingFactory(staff=leaver)
    kept = BookingFactory(staff=StaffMember.objects.get(staff_number="1001"), session=booking.session)
    result = staff_import(
        data=csv_bytes("1001,Ann Able,Lambeth,Call handler,Team 1"), actor=trainer, deactivate_missing=True
    )
    assert (result.deactivated, result.bookings_cancelled) == (2, 1)
    assert "1 leavers' bookings cancelled" in result.summary
    booking.refresh_from_db()
    kept.refresh_from_db()
    assert (booking.status, kept.status) == ("cancelled", "booked")
    assert booking.history.first().history_user == trainer


def test_without_the_option_missing_staff_stay_active(trainer: Any) -> None:
    staff_import(data=GOOD, actor=trainer)
    staff_import(data=csv_bytes("1001,Ann Able,Lambeth,Call handler,Team 1"), actor=trainer)
    assert all(r[-1] for r in roster())


def test_roster_entries_are_linked_to_accounts_with_the_same_staff_number(
    trainer: Any, call_handler: Any
) -> None:
    data = csv_bytes(
        f"{call_handler.staff_number},Hana Handler,Lambeth,Call handler,Team 1", "1002,Bob,Bow,Dispatcher,"
    )
    result = staff_import(data=data, actor=trainer)
    assert result.linked == 1
    call_handler.refresh_from_db()
    assert call_handler.staff_record.site.slug == "lambeth"


def test_an_existing_entry_is_linked_when_the_account_appears_later(trainer: Any, make_user: Any) -> None:
    staff_import(data=csv_bytes("x9001,Xan,Lambeth,Call handler,"), actor=trainer)
    user = make_user("x9001", "Call handler")
    result = staff_import(data=csv_bytes("x9001,Xan,Lambeth,Call handler,"), actor=trainer)
    assert (result.updated, result.linked) == (1, 1)
    assert StaffMember.objects.get(staff_number="x9001").user == user


def rows(n: int, offset: int = 0) -> bytes:
    sites = ["Lambeth", "Hendon", "Bow"]
    return csv_bytes(
        *(
            f"{200000 + i},Person {i},{sites[i % 3]},Call handler,Team {i % 5 + 1}"
            for i in range(offset, offset + n)
        )
    )


def test_2500_rows_import_in_batches_reading_existing_staff_once() -> None:
    """Functional and query-count checks only: the speed itself is bench/import_staff.py's job."""
    data = rows(2500)
    with CaptureQueriesContext(connection) as queries:
        result = staff_import(data=data, actor=None)
    assert result.created == 2500
    assert StaffMember.objects.count() == 2500
    assert StaffMember.history.count() == 2500
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert len(reads) == 3  # lock the sites, read every existing staff member once, read accounts to link
    assert len(queries) < 80  # inserts go in batches (SQLite caps a batch at 999 parameters)

    with CaptureQueriesContext(connection) as queries:
        again = staff_import(data=rows(2500), actor=None)
    assert again.unchanged == 2500
    assert not [
        q for q in queries.captured_queries if q["sql"].startswith(('INSERT INTO "training_staff', "UPDATE"))
    ]


def write(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "roster.csv"
    path.write_bytes(data)
    return str(path)


def test_the_command_imports_a_good_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("import_staff", write(tmp_path, GOOD))
    assert "Imported roster.csv: 3 added, 0 updated, 0 unchanged." in capsys.readouterr().out
    assert StaffMember.objects.count() == 3


def test_the_command_prints_each_bad_row_and_exits_non_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = csv_bytes(
        "1001,Ann,Croydon,Call handler,", "1002,,Bow,Call handler,", "1003,Cat,Bow,Call handler,"
    )
    with pytest.raises(CommandError, match="2 bad rows: nothing was imported") as raised:
        call_command("import_staff", write(tmp_path, data))
    assert raised.value.returncode == 1
    err = capsys.readouterr().err
    assert "line 2: site \u201cCroydon\u201d is not Bow, Hendon or Lambeth" in err
    assert "line 3: full name is missing" in err
    assert StaffMember.objects.count() == 0


def test_the_command_partial_option_imports_good_rows_and_still_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = csv_bytes("1001,Ann,Croydon,Call handler,", "1003,Cat,Bow,Call handler,")
    with pytest.raises(CommandError, match="1 bad row was not imported"):
        call_command("import_staff", write(tmp_path, data), "--partial")
    assert "line 2:" in capsys.readouterr().err
    assert StaffMember.objects.count() == 1


def test_the_command_refuses_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="binary data"):
        call_command("import_staff", write(tmp_path, b"\x00\x01\x02"))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_staff", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="No user has the staff number"):
        call_command("import_staff", write(tmp_path, GOOD), "--actor", "nobody")


def test_the_command_records_the_actor_and_deactivates_missing(tmp_path: Path, trainer: Any) -> None:
    StaffMemberFactory(staff_number="0999")
    call_command(
        "import_staff", write(tmp_path, GOOD), "--actor", trainer.staff_number, "--deactivate-missing"
    )
    assert StaffMember.objects.get(staff_number="0999").active is False
    assert AuditEvent.objects.get(action="training.roster.imported").actor == trainer
