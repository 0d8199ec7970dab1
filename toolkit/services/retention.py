"""Retention: decisions older than RETENTION_YEARS leave the log, by the one path the append-only
guards allow (docs/retention.md).

Completed decisions and everything recorded about them are append-only: the models refuse changes
and, on PostgreSQL, triggers refuse UPDATE and DELETE. Retention is the one exception. It runs in
one transaction per batch that first sets `SET LOCAL rcrp.retention = 'on'`; the triggers (migration
toolkit 0013) let exactly that transaction delete the rows hanging off a decision and delete or
anonymise the decision itself, and the setting ends with the transaction. Only this module sets it,
only `python manage.py apply_retention` calls it, and each run writes one audit event (the cut-off
and the counts, no personal data).

Remove or anonymise:

- An expired decision (live, closed, started before the cut-off) is **removed** with its answers,
  escalations, s136 handover, notes, reviews, review item, review standing and access log rows.
- An expired decision that a kept decision still cites (a later decision re-assessing it, or an
  escalation of a kept decision that opened it as a re-assessment) is **anonymised** instead: the
  same rows hanging off it are removed, and the decision row stays with its times, status, element,
  policy version and hash and outcome, but without the incident reference, free text, record,
  reasons or paper reference, marked `anonymised_at`. So the later decision's "re-assesses" link
  stays valid and still says what the earlier outcome was. When the citing decision itself expires
  and goes, a later run removes the anonymised one too.
- The daily counts stay as they are (counts, not records), so the dashboards keep the history.
- Log exports older than the cut-off (access rows naming no decision) are removed too: their
  filters may name an incident.

Batches are taken newest first (by start), so a re-assessment is always decided before the decision
it re-assesses: when it is removed, the earlier one is no longer cited and is removed in the same
run. Practice calls are not live records and are left alone (their results are training records).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from rcrp.accounts.audit import audit_event_record
from toolkit.models import (
    Decision,
    DecisionAccess,
    DecisionAnswer,
    DecisionNote,
    Escalation,
    HandoverRecord,
    Review,
    ReviewItem,
    ReviewStanding,
)

BATCH_SIZE = 500
AUDIT_ACTION = "toolkit.retention.applied"

# What an anonymised decision loses (everything a person could have typed or that names the call).
ANONYMISED: dict[str, object] = {
    "incident_ref": "",
    "incident_ref_missing_reason": "",
    "reassessment_note": "",
    "override_reason": "",
    "receiving_agency_ref": "",
    "record_text": "",
    "training_warning": "",
    "outcome_reasons": [],
    "not_known": [],
    "paper_reference": "",
    "start_token": None,
}

# The rows hanging off a decision, in the order they can go (each before what it points at).
CHILDREN: tuple[tuple[type[models.Model], str], ...] = (
    (ReviewStanding, "decision_id"),
    (Review, "decision_id"),
    (ReviewItem, "decision_id"),
    (DecisionAccess, "decision_id"),
    (HandoverRecord, "decision_id"),
    (DecisionNote, "decision_id"),
    (DecisionAnswer, "decision_id"),
    (Escalation, "decision_id"),
)


@dataclass
class RetentionReport:
    years: int
    cutoff: dt.datetime
    dry_run: bool
    removed: int = 0
    anonymised: int = 0
    export_accesses_removed: int = 0
    batches: int = 0
    finished: bool = False
    removed_ids: set[int] = field(default_factory=set, repr=False)

    def audit_data(self) -> dict[str, object]:
        """What the audit event keeps: the rule and the counts, never what was removed."""
        return {
            "retention_years": self.years,
            "cutoff": self.cutoff.isoformat(timespec="seconds"),
            "removed": self.removed,
            "anonymised": self.anonymised,
            "export_accesses_removed": self.export_accesses_removed,
            "batches": self.batches,
            "finished": self.finished,
        }


def retention_cutoff(*, years: int, now: dt.datetime | None = None) -> dt.datetime:
    """`years` whole years before `now` (29 February falls back to the 28th)."""
    now = now or timezone.now()
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def expired_decisions(cutoff: dt.datetime) -> models.QuerySet[Decision]:
    """Live, closed decisions that started before the cut-off (the live manager: no practice)."""
    return Decision.objects.filter(started_at__lt=cutoff).exclude(status=Decision.Status.IN_PROGRESS)


def _plan(ids: set[int], gone: set[int]) -> tuple[set[int], set[int]]:
    """Split a batch into (remove, anonymise): a decision stays (anonymised) while a decision that
    is not going cites it, by `follows` or by an escalation's re-assessment."""
    citations = [
        *Decision.all_calls.filter(follows_id__in=ids).values_list("pk", "follows_id"),
        *Escalation.objects.filter(reassessment_id__in=ids).values_list("decision_id", "reassessment_id"),
    ]
    remove = set(ids)
    while True:
        kept = {
            cited
            for citer, cited in citations
            if citer not in gone and citer not in remove and citer != cited
        }
        if not kept & remove:
            return remove, ids - remove
        remove -= kept


def _retention_setting(value: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('rcrp.retention', %s, true)", [value])  # = SET LOCAL


@contextmanager
def _retention_changes_allowed() -> Iterator[None]:
    """One transaction in which the append-only triggers accept retention's deletes and anonymising
    updates (`SET LOCAL rcrp.retention = 'on'`). The setting is switched off again before the
    transaction ends, so it cannot outlive the batch even inside a caller's own transaction; a
    failed batch rolls back, the setting with it."""
    with transaction.atomic():
        _retention_setting("on")
        yield
        _retention_setting("off")


def _plain(model: type[models.Model]) -> models.QuerySet[models.Model]:
    """A queryset without the append-only managers' refusal: retention's own, nobody else's."""
    return models.QuerySet(model=model)


def _apply_batch(remove: set[int], anonymise: set[int], *, now: dt.datetime) -> None:
    with _retention_changes_allowed():
        _change_batch(remove, anonymise, now=now)


def _change_batch(remove: set[int], anonymise: set[int], *, now: dt.datetime) -> None:
    touched = remove | anonymise
    for model, column in CHILDREN:
        _plain(model).filter(**{f"{column}__in": touched}).delete()
    if anonymise:
        _plain(Decision).filter(pk__in=anonymise, anonymised_at__isnull=True).update(
            **ANONYMISED, anonymised_at=now
        )
    if remove:
        # Plain SQL, not QuerySet.delete(): Django's collector would refuse the PROTECT links
        # between decisions of the same batch (a re-assessment and the decision it re-assesses).
        table = connection.ops.quote_name(Decision._meta.db_table)
        marks = ", ".join(["%s"] * len(remove))
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({marks})", sorted(remove))  # noqa: S608


def _remove_old_exports(cutoff: dt.datetime) -> int:
    with _retention_changes_allowed():
        deleted, _ = _plain(DecisionAccess).filter(decision__isnull=True, at__lt=cutoff).delete()
    return deleted


def retention_apply(
    *,
    years: int,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
) -> RetentionReport:
    """Remove (or anonymise, where a kept decision cites them) the decisions that started more than
    `years` years before `now`, one transaction per batch of `batch_size`, newest first.

    `dry_run` works out the same counts and changes nothing (and writes no audit event). Otherwise
    one audit event records the run, also when a batch fails part way (then "finished": false).
    """
    if years < 1:
        raise ValueError("The retention period must be at least one year.")
    now = now or timezone.now()
    report = RetentionReport(years=years, cutoff=retention_cutoff(years=years, now=now), dry_run=dry_run)
    try:
        _run(report, now=now, batch_size=batch_size)
        report.finished = True
    finally:
        if not dry_run:
            with transaction.atomic():
                audit_event_record(actor=None, action=AUDIT_ACTION, data=report.audit_data())
    return report


def _run(report: RetentionReport, *, now: dt.datetime, batch_size: int) -> None:
    expired = expired_decisions(report.cutoff).order_by("-started_at", "-pk")
    after: tuple[dt.datetime, int] | None = None
    while True:
        page = expired
        if after is not None:
            page = page.filter(Q(started_at__lt=after[0]) | Q(started_at=after[0], pk__lt=after[1]))
        batch = list(page.values_list("pk", "started_at", "anonymised_at")[:batch_size])
        if not batch:
            break
        after = (batch[-1][1], batch[-1][0])
        remove, anonymise = _plan({pk for pk, _, _ in batch}, report.removed_ids)
        newly = {pk for pk, _, anonymised_at in batch if pk in anonymise and anonymised_at is None}
        if not report.dry_run:
            _apply_batch(remove, anonymise, now=now)
        report.removed_ids |= remove
        report.removed += len(remove)
        report.anonymised += len(newly)
        report.batches += 1
    if report.dry_run:
        report.export_accesses_removed = DecisionAccess.objects.filter(
            decision__isnull=True, at__lt=report.cutoff
        ).count()
    else:
        report.export_accesses_removed = _remove_old_exports(report.cutoff)
