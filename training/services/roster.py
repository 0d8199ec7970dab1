"""Roster writes: the HR CSV import (upsert by staff number) and deactivating leavers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from rcrp.accounts.audit import audit_event_record
from rcrp.accounts.models import User
from training.csv_import import RowProblem, SiteChoice, parse_roster
from training.models import AuditAction, Booking, Site, StaffMember


@dataclass
class ImportResult:
    """What an import did (or, with `applied` False, would not do because rows were bad)."""

    applied: bool
    problems: list[RowProblem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    linked: int = 0
    bookings_cancelled: int = 0

    @property
    def summary(self) -> str:
        parts = [
            f"{self.created} added",
            f"{self.updated} updated",
            f"{self.unchanged} unchanged",
        ]
        if self.deactivated:
            parts.append(f"{self.deactivated} deactivated")
        if self.linked:
            parts.append(f"{self.linked} linked to sign-in accounts")
        if self.bookings_cancelled:
            parts.append(f"{self.bookings_cancelled} leavers' bookings cancelled")
        return ", ".join(parts)


@transaction.atomic
def staff_import(
    *,
    data: bytes,
    actor: User | None,
    partial: bool = False,
    deactivate_missing: bool = False,
    filename: str = "",
) -> ImportResult:
    """Upsert the roster from an HR CSV file, by staff number, in one transaction.

    Every row is checked first. With any bad row nothing changes (`applied` is False) unless
    `partial` is set, in which case the good rows are imported and the bad ones returned.
    Rows in the file are (re)activated; with `deactivate_missing`, active staff whose number is
    not in the file are deactivated (leavers are never deleted) and their open bookings
    cancelled. A roster entry with no account is linked to the sign-in account with the same
    staff number. Idempotent: importing the same file again changes nothing. Reads existing staff
    in one query and writes with bulk operations (with history rows); writes one AuditEvent.
    Raises RosterFileError when the file cannot be read at all.
    """
    # Locking the three site rows serialises concurrent imports (cheap, and works on both databases).
    sites = list(Site.objects.select_for_update().order_by("pk"))
    parsed = parse_roster(data, sites=[SiteChoice(s.pk, s.slug, s.name) for s in sites])
    if parsed.problems and not partial:
        return ImportResult(applied=False, problems=parsed.problems)

    now = timezone.now()
    existing = {s.staff_number: s for s in StaffMember.objects.all()}
    accounts = dict(User.objects.filter(staff_record__isnull=True).values_list("staff_number", "pk"))
    result = ImportResult(applied=True, problems=parsed.problems)
    to_create: list[StaffMember] = []
    to_update: list[StaffMember] = []
    changed_fields: set[str] = set()

    for row in parsed.rows:
        staff = existing.get(row.staff_number)
        wanted = {"full_name": row.full_name, "site_id": row.site_id, "role": row.role, "team": row.team}
        if staff is None:
            user_id = accounts.pop(row.staff_number, None)
            result.linked += user_id is not None
            to_create.append(
                StaffMember(staff_number=row.staff_number, active=True, user_id=user_id, **wanted)
            )
            continue
        changes = [name for name, value in wanted.items() if getattr(staff, name) != value]
        if not staff.active:
            changes.append("active")
        if staff.user_id is None and row.staff_number in accounts:
            changes.append("user_id")
            staff.user_id = accounts.pop(row.staff_number)
            result.linked += 1
        if not changes:
            result.unchanged += 1
            continue
        for name, value in wanted.items():
            setattr(staff, name, value)
        staff.active = True
        staff.updated_at = now
        changed_fields.update(changes)
        to_update.append(staff)

    if deactivate_missing:
        for number, staff in existing.items():
            if staff.active and number not in parsed.seen_numbers:
                staff.active = False
                staff.updated_at = now
                changed_fields.add("active")
                to_update.append(staff)
                result.deactivated += 1

    result.created = len(to_create)
    result.updated = len(to_update) - result.deactivated
    if to_create:
        bulk_create_with_history(to_create, StaffMember, batch_size=500, default_user=actor, default_date=now)
    if to_update:
        fields = sorted(
            {"site" if f == "site_id" else "user" if f == "user_id" else f for f in changed_fields}
        )
        bulk_update_with_history(
            to_update,
            StaffMember,
            [*fields, "updated_at"],
            batch_size=500,
            default_user=actor,
            default_date=now,
        )
    if result.deactivated:
        leavers = [s.pk for s in to_update if not s.active]
        result.bookings_cancelled = _cancel_open_bookings(staff_ids=leavers, actor=actor, now=now)
    audit_event_record(
        actor=actor,
        action=AuditAction.ROSTER_IMPORTED,
        data={
            "new": {
                "file": filename[:200],
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "deactivated": result.deactivated,
                "linked": result.linked,
                "bookings_cancelled": result.bookings_cancelled,
                "bad_rows": len(result.problems),
            }
        },
    )
    return result


def _cancel_open_bookings(*, staff_ids: list[int], actor: User | None, now: datetime) -> int:
    """Free the places leavers held: their open bookings become CANCELLED (with history)."""
    bookings = list(Booking.objects.filter(staff_id__in=staff_ids, status=Booking.Status.BOOKED))
    for booking in bookings:
        booking.status = Booking.Status.CANCELLED
        booking.updated_at = now
    if bookings:
        bulk_update_with_history(
            bookings, Booking, ["status", "updated_at"], batch_size=500, default_user=actor, default_date=now
        )
    return len(bookings)


@transaction.atomic
def staff_set_active(*, staff: StaffMember, active: bool, actor: User) -> StaffMember:
    """Deactivate a leaver (cancelling their open booking) or reactivate a returner. Staff are
    never deleted."""
    staff = StaffMember.objects.select_for_update().get(pk=staff.pk)
    if staff.active == active:
        return staff
    staff.active = active
    staff._history_user = actor  # type: ignore[attr-defined]
    staff.save(update_fields=["active", "updated_at"])
    cancelled = 0 if active else _cancel_open_bookings(staff_ids=[staff.pk], actor=actor, now=timezone.now())
    audit_event_record(
        actor=actor,
        action=AuditAction.STAFF_REACTIVATED if active else AuditAction.STAFF_DEACTIVATED,
        target=staff,
        subject_user=staff.user,
        data={"old": {"active": not active}, "new": {"active": active, "bookings_cancelled": cancelled}},
    )
    return staff


@transaction.atomic
def staff_link_account(*, staff: StaffMember, user: User, actor: User) -> StaffMember:
    """Link a roster entry to a sign-in account by hand, for when their staff numbers differ (the
    import links only matching numbers). The user's site, team and training are then read from
    this entry.

    Refused when the roster entry already has an account, when the account is linked to another
    roster entry, or when the account is deactivated.
    """
    staff = StaffMember.objects.select_for_update(of=("self",)).select_related("user").get(pk=staff.pk)
    if staff.user is not None:
        raise ValidationError(
            f"{staff.full_name}'s roster entry is already linked to {staff.user.display_name} "
            f"({staff.user.staff_number})"
        )
    user = User.objects.select_for_update().get(pk=user.pk)  # two trainers linking one account at once
    if not user.is_active:
        raise ValidationError(
            f"{user.display_name} ({user.staff_number}) is deactivated: choose a current account"
        )
    other = StaffMember.objects.filter(user=user).first()
    if other is not None:
        raise ValidationError(
            f"{user.display_name} ({user.staff_number}) is already linked to the roster entry of "
            f"{other.full_name} ({other.staff_number})"
        )
    staff.user = user
    staff._history_user = actor  # type: ignore[attr-defined]
    staff.save(update_fields=["user", "updated_at"])
    audit_event_record(
        actor=actor,
        action=AuditAction.STAFF_ACCOUNT_LINKED,
        target=staff,
        subject_user=user,
        data={"old": {"user": None}, "new": {"user": user.staff_number, "staff_number": staff.staff_number}},
    )
    return staff
