"""The challenges and escalations register: every escalation with the partner's words, our answer,
who decided and how long it took; s136 handovers past 60 minutes; and a per-partner summary for
partnership meetings. Reads only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, DateTimeField, DurationField, ExpressionWrapper, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from toolkit.models import Decision, Escalation
from toolkit.selectors import HANDOVER_LIMIT, S136_CLOCK_WINDOW
from toolkit.selectors.log import LIST_DEFERRED, Cursor, LogPage, keyset_chunks, keyset_page, midnight


@dataclass(frozen=True)
class RegisterFilter:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    element: str = ""
    site: int | None = None

    def on(self, qs: QuerySet[Any], *, moment: str, decision: str = "") -> QuerySet[Any]:
        """Filter rows by their `moment` and by their decision's element and site."""
        prefix = f"{decision}__" if decision else ""
        if self.date_from:
            qs = qs.filter(**{f"{moment}__gte": midnight(self.date_from)})
        if self.date_to:
            qs = qs.filter(**{f"{moment}__lt": midnight(self.date_to + dt.timedelta(days=1))})
        if self.element:
            qs = qs.filter(**{f"{prefix}element__slug": self.element})
        if self.site:
            qs = qs.filter(**{f"{prefix}site_id": self.site})
        return qs


def _escalations(register: RegisterFilter) -> QuerySet[Escalation]:
    return register.on(
        Escalation.objects.select_related(
            "decision__element", "decision__site", "raised_by", "answered_by", "reassessment"
        ),
        moment="raised_at",
        decision="decision",
    )


def register_page(
    register: RegisterFilter, *, after: Cursor | None = None, before: Cursor | None = None
) -> LogPage:
    """Every escalation, newest first, a keyset page at a time (one query)."""
    return keyset_page(_escalations(register), moment="raised_at", after=after, before=before)


@dataclass(frozen=True)
class OverdueHandover:
    decision: Decision
    minutes: int
    running: bool  # no handover recorded yet


@dataclass(frozen=True)
class OverdueHandovers:
    rows: list[OverdueHandover]  # the longest, longest first
    total: int  # how many there are in all (the CSV has every one)


OVERDUE_SHOWN = 50


def _overdue(register: RegisterFilter, now: dt.datetime) -> QuerySet[Decision]:
    """s136 detentions whose handover took (or is taking) more than 60 minutes, longest first,
    worked out by the database: a detention nobody recorded a handover for is counted only while
    it can still be running (the 36-hour window in law)."""
    ended = Coalesce(F("handover__occurred_at"), Value(now, output_field=DateTimeField()))
    return (
        register.on(Decision.objects.filter(pos_arrival_at__isnull=False), moment="pos_arrival_at")
        .filter(Q(handover__isnull=False) | Q(pos_arrival_at__gt=now - S136_CLOCK_WINDOW))
        .annotate(took=ExpressionWrapper(ended - F("pos_arrival_at"), output_field=DurationField()))
        .filter(took__gt=HANDOVER_LIMIT)
        .order_by("-took", "-pos_arrival_at", "-pk")
    )


def _overdue_row(decision: Any) -> OverdueHandover:
    running = getattr(decision, "handover", None) is None
    return OverdueHandover(
        decision=decision, minutes=int(decision.took.total_seconds() // 60), running=running
    )


def overdue_handovers(register: RegisterFilter, *, now: dt.datetime | None = None) -> OverdueHandovers:
    """The longest s136 handovers past 60 minutes, and how many there are (two queries)."""
    qs = _overdue(register, now or timezone.now())
    shown = qs.select_related("element", "handler", "site", "handover").defer(*LIST_DEFERRED)
    return OverdueHandovers(rows=[_overdue_row(d) for d in shown[:OVERDUE_SHOWN]], total=qs.count())


HANDOVER_COLUMNS = ("arrived_at", "decision", "incident_ref", "site", "minutes", "ended", "ended_at")


def overdue_handover_rows(
    register: RegisterFilter, *, now: dt.datetime | None = None
) -> Iterator[tuple[Any, ...]]:
    """Every s136 handover past 60 minutes as CSV rows (HANDOVER_COLUMNS), longest first."""
    qs = (
        _overdue(register, now or timezone.now())
        .select_related("site", "handover")
        .only(
            "reference",
            "incident_ref",
            "pos_arrival_at",
            "site__name",
            "handover__kind",
            "handover__occurred_at",
        )
    )
    for decision in qs.iterator(chunk_size=2000):
        row = _overdue_row(decision)
        assert decision.pos_arrival_at is not None
        handover = None if row.running else decision.handover
        yield (
            timezone.localtime(decision.pos_arrival_at).isoformat(timespec="seconds"),
            str(decision.reference),
            decision.incident_ref,
            decision.site.name if decision.site else "",
            row.minutes,
            handover.get_kind_display() if handover else "Still running",
            timezone.localtime(handover.occurred_at).isoformat(timespec="seconds") if handover else "",
        )


@dataclass
class PartnerRow:
    partner_kind: str
    label: str
    requests: int = 0
    refusals: int = 0
    challenges: int = 0
    upheld: int = 0
    overturned: int = 0


def partner_summary(register: RegisterFilter) -> list[PartnerRow]:
    """Per kind of partner agency: calls from it, refusals, challenges, and how challenges ended
    (two queries)."""
    labels = dict(Decision.PartnerKind.choices)
    rows = {kind: PartnerRow(kind, label) for kind, label in labels.items()}
    # A re-assessment a supervisor opened is our decision, not another request from the partner.
    partner_calls = Decision.objects.filter(
        caller_type=Decision.CallerType.PARTNER, reassessment_opened_by__isnull=True
    )
    calls = (
        register.on(partner_calls, moment="started_at")
        .values("partner_kind")
        .annotate(requests=Count("pk"), refusals=Count("pk", filter=Q(outcome_category="REFUSE_REDIRECT")))
    )
    for entry in calls:
        row = rows.setdefault(
            entry["partner_kind"], PartnerRow(entry["partner_kind"], entry["partner_kind"] or "Not given")
        )
        row.requests, row.refusals = entry["requests"], entry["refusals"]
    challenges = (
        register.on(
            Escalation.objects.filter(
                decision__caller_type=Decision.CallerType.PARTNER, reason=Escalation.Reason.PARTNER_DISPUTE
            ),
            moment="raised_at",
            decision="decision",
        )
        .values("decision__partner_kind")
        .annotate(
            challenges=Count("pk"),
            upheld=Count("pk", filter=Q(response=Escalation.Response.UPHOLD)),
            overturned=Count("pk", filter=Q(response=Escalation.Response.DEPLOY)),
        )
    )
    for entry in challenges:
        kind = entry["decision__partner_kind"]
        row = rows.setdefault(kind, PartnerRow(kind, kind or "Not given"))
        row.challenges, row.upheld, row.overturned = entry["challenges"], entry["upheld"], entry["overturned"]
    return [row for row in rows.values() if row.requests or row.challenges]


REGISTER_COLUMNS = (
    "raised_at",
    "decision",
    "incident_ref",
    "element",
    "site",
    "partner_kind",
    "agency",
    "reason",
    "stated_risk",
    "response",
    "response_note",
    "decided_by",
    "answered_by",
    "answered_at",
    "minutes_to_resolve",
    "reassessment",
)


def register_rows(register: RegisterFilter) -> Iterator[tuple[Any, ...]]:
    """The register as CSV rows (REGISTER_COLUMNS), newest first, read in chunks."""
    for e in keyset_chunks(_escalations(register), moment="raised_at"):
        d = e.decision
        yield (
            timezone.localtime(e.raised_at).isoformat(timespec="seconds"),
            str(d.reference),
            d.incident_ref,
            d.element.slug if d.element else "",
            d.site.name if d.site else "",
            d.partner_kind,
            d.agency_name,
            e.get_reason_display(),
            e.note,
            e.get_response_display() if e.response else "Not answered",
            e.response_note,
            e.get_decided_by_display() if e.decided_by else "",
            e.answered_by.staff_number if e.answered_by else "",
            timezone.localtime(e.answered_at).isoformat(timespec="seconds") if e.answered_at else "",
            e.minutes_to_resolve if e.minutes_to_resolve is not None else "",
            str(e.reassessment.reference) if e.reassessment else "",
        )


PARTNER_COLUMNS = ("partner_kind", "requests", "refusals", "challenges", "upheld", "overturned")
