"""The decision log's reads: who may see which decisions, the filters, keyset pages and the export.

Pages are keyset (cursor) pages on (started_at, id), newest first: any page costs one index range
scan however deep it is, and a page's contents do not shift while new decisions arrive (they are
newer than every cursor already handed out). Nothing here writes.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import IsNull
from django.utils import timezone

from rcrp.accounts.models import User
from toolkit.models import Decision, DecisionAccess, Escalation, ReviewStanding

SUPERVISE = "accounts.supervise_calls"
AUDIT = "accounts.audit_decisions"
SUPPORT_FLOOR = "accounts.support_floor"
TAKE_CALLS = "accounts.take_calls"
PAGE_SIZE = 50


def may_read_log(user: User) -> bool:
    """Handlers (their own), floor walkers (their site), supervisors and auditors (all)."""
    return any(user.has_perm(p) for p in (SUPERVISE, AUDIT, SUPPORT_FLOOR, TAKE_CALLS))


def log_scope(user: User) -> tuple[str, QuerySet[Decision]]:
    """The decisions the user may search, and the words for that scope."""
    every = Decision.objects.all()
    if user.has_perm(SUPERVISE) or user.has_perm(AUDIT):
        return "every site", every
    if user.has_perm(SUPPORT_FLOOR):
        record = getattr(user, "staff_record", None)
        site = record.site if record is not None else None
        if site is None:
            return "no site (your staff record names none)", every.none()
        return f"{site.name}", every.filter(site=site)
    return "your own calls", every.filter(handler=user)


@dataclass(frozen=True)
class LogFilter:
    """What the log is filtered by; empty values do not filter."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    site: int | None = None
    element: str = ""
    category: str = ""
    modifier: str = ""
    handler: str = ""
    caller_type: str = ""
    partner_kind: str = ""
    overridden: bool | None = None
    escalated: bool | None = None
    reassessed: bool | None = None
    version: int | None = None
    incident_ref: str = ""
    status: str = ""
    reviewed: bool | None = None
    verdict: str = ""

    def apply(self, qs: QuerySet[Decision]) -> QuerySet[Decision]:
        if self.date_from:
            qs = qs.filter(started_at__gte=midnight(self.date_from))
        if self.date_to:
            qs = qs.filter(started_at__lt=midnight(self.date_to + dt.timedelta(days=1)))
        if self.site:
            qs = qs.filter(site_id=self.site)
        if self.element:
            qs = qs.filter(element__slug=self.element)
        if self.category:
            qs = qs.filter(outcome_category=self.category)
        if self.modifier:
            qs = qs.filter(_has_modifier(self.modifier))
        if self.handler:
            qs = qs.filter(handler__staff_number__iexact=self.handler)
        if self.caller_type:
            qs = qs.filter(caller_type=self.caller_type)
        if self.partner_kind:
            qs = qs.filter(partner_kind=self.partner_kind)
        if self.overridden is not None:
            qs = qs.filter(override=self.overridden)
        if self.escalated is not None:
            raised = Exists(Escalation.objects.filter(decision=OuterRef("pk")))
            qs = qs.filter(raised if self.escalated else ~raised)
        if self.reassessed is not None:
            qs = qs.filter(follows__isnull=not self.reassessed)
        if self.version:
            qs = qs.filter(policy_version__number=self.version)
        if self.incident_ref:
            # Stored references are normalised as they are entered (upper case, single spaces), so
            # the same normalising makes this an equality the incident index serves (an iexact
            # match is UPPER(incident_ref) = ..., which no index serves: a scan of every decision).
            qs = qs.filter(incident_ref=" ".join(self.incident_ref.split()).upper())
        if self.status:
            qs = qs.filter(status=self.status)
        # The review filters read where each decision stands (its newest review's verdict), and a
        # page of them is read newest first from that table's own indexes (see `order`).
        if self.reviewed is False:
            qs = qs.filter(~Exists(ReviewStanding.objects.filter(decision=OuterRef("pk"))))
        elif self.reviewed:
            qs = qs.filter(review_standing__isnull=False)
        if self.verdict:
            qs = qs.filter(review_standing__verdict=self.verdict)
        return qs

    @property
    def order(self) -> tuple[str, str]:
        """The (moment, tie) a page is read in: the decision's own, or, when only reviewed decisions
        match, the same values from the review standing, whose indexes then start the scan (the
        decision index would be walked through every unreviewed decision first)."""
        if self.reviewed or self.verdict:
            return ("review_standing__started_at", "review_standing__decision_id")
        return ("started_at", "pk")


def midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _has_modifier(modifier: str) -> Q:
    """Decisions whose outcome carries the modifier (a JSON list of words)."""
    if connection.vendor == "postgresql":
        return Q(outcome_modifiers__contains=[modifier])  # jsonb @>, served by its GIN index
    return Q(outcome_modifiers__icontains=f'"{modifier}"')  # SQLite has no JSON containment


# --- Keyset pages ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """A position in the log: the (started_at, id) of a row, encoded for a URL."""

    started_at: dt.datetime
    pk: int

    def encode(self) -> str:
        raw = f"{self.started_at.isoformat()}|{self.pk}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor | None:
        """The cursor in a URL, or None for an empty, garbled or forged one (the first page)."""
        if not text or len(text) > 100:
            return None
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            moment, pk = raw.rsplit("|", 1)
            started_at = dt.datetime.fromisoformat(moment)
            return cls(started_at=started_at, pk=int(pk)) if started_at.tzinfo else None
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None

    @classmethod
    def of(cls, decision: Decision) -> Cursor:
        return cls(started_at=decision.started_at, pk=decision.pk)


@dataclass
class LogPage:
    rows: list[Any] = field(default_factory=list)
    older: Cursor | None = None  # the cursor for the next (older) page, when there is one
    newer: Cursor | None = None  # the cursor for the previous (newer) page, when there is one
    first: bool = True


def keyset_page(
    qs: QuerySet[Any],
    *,
    moment: str,
    after: Cursor | None = None,
    before: Cursor | None = None,
    size: int = PAGE_SIZE,
    decorate: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None,
    order: tuple[str, str] | None = None,
) -> LogPage:
    """One page of `qs`, newest first on (`moment`, pk): the rows older than `after`, or (going
    back) the page newer than `before`. One query: a page and one more row to know if there is more.

    `decorate` adds what the page shows (joins, annotations) to the page's own rows only: the page's
    ids are found first, in a subquery an index alone often answers, then those rows are fetched
    and decorated. A filter that rejects most rows then reads index entries, not a 2 KB decision
    row each. `order` names other fields holding the same (moment, pk) values, in a joined table
    whose index should drive the scan (the page's ids are then read in that order).
    """
    by, tie = order or (moment, "pk")

    def cursor(row: Any) -> Cursor:
        return Cursor(started_at=getattr(row, moment), pk=row.pk)

    def fetch(page: QuerySet[Any], newest_first: bool) -> list[Any]:
        sign = "-" if newest_first else ""
        ordering = (f"{sign}{moment}", f"{sign}pk")
        if decorate is None and order is None:
            return list(page.order_by(*ordering)[: size + 1])
        ids = page.order_by(f"{sign}{by}", f"{sign}{tie}").values("pk")[: size + 1]
        rows = page.model._base_manager.filter(pk__in=ids)
        return list((decorate(rows) if decorate else rows).order_by(*ordering))

    # Each cursor condition is (moment, pk) beyond the cursor's, written with a redundant bound on
    # `moment` alone: the bound is what the (moment, id) index scan starts from. Without it the OR
    # is only a filter, and a page halfway back reads every newer row first (1.6 s at 2,000,000).
    if before is not None:
        newer_rows = fetch(
            qs.filter(
                Q(**{f"{by}__gte": before.started_at}),
                Q(**{f"{by}__gt": before.started_at}) | Q(**{by: before.started_at, f"{tie}__gt": before.pk}),
            ),
            newest_first=False,
        )
        more_newer = len(newer_rows) > size
        rows = list(reversed(newer_rows[:size]))
        return LogPage(
            rows=rows,
            older=cursor(rows[-1]) if rows else None,
            newer=cursor(rows[0]) if rows and more_newer else None,
            first=not more_newer,
        )
    if after is not None:
        qs = qs.filter(
            Q(**{f"{by}__lte": after.started_at}),
            Q(**{f"{by}__lt": after.started_at}) | Q(**{by: after.started_at, f"{tie}__lt": after.pk}),
        )
    rows = fetch(qs, newest_first=True)
    more = len(rows) > size
    rows = rows[:size]
    return LogPage(
        rows=rows,
        older=cursor(rows[-1]) if rows and more else None,
        newer=cursor(rows[0]) if rows and after is not None else None,
        first=after is None,
    )


# What the list never shows: the long texts of each decision (about 2 KB a row) and of its version.
LIST_DEFERRED = (
    "script_shown",
    "record_text",
    "outcome_rationale",
    "call_back_if",
    "outcome_reasons",
    "not_known",
    "training_warning",
    "policy_version__document",
    "policy_version__change_summary",
)


def log_page(
    qs: QuerySet[Decision],
    *,
    after: Cursor | None = None,
    before: Cursor | None = None,
    size: int = PAGE_SIZE,
    order: tuple[str, str] | None = None,
) -> LogPage:
    """One page of the decision log, newest first, with what the list shows (one query); `order`
    is the filter's (`LogFilter.order`)."""
    # Whether each row was escalated, looked up for the page's rows only: an EXISTS here is planned
    # as a hash of every escalation (the planner costs it for all the rows the LIMIT never reads),
    # which a scalar subquery is not.
    escalation = Escalation.objects.filter(decision=OuterRef("pk")).order_by().values("pk")[:1]

    def shown(rows: QuerySet[Any]) -> QuerySet[Any]:
        return (
            rows.select_related("element", "handler", "site", "policy_version")
            .defer(*LIST_DEFERRED)
            .annotate(escalated=IsNull(Subquery(escalation), False))
        )

    return keyset_page(
        qs, moment="started_at", after=after, before=before, size=size, decorate=shown, order=order
    )


# --- The access log ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccessFilter:
    staff_number: str = ""
    reference: str = ""
    kind: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def apply(self, qs: QuerySet[DecisionAccess]) -> QuerySet[DecisionAccess]:
        if self.staff_number:
            qs = qs.filter(user__staff_number__iexact=self.staff_number)
        if self.reference:
            qs = qs.filter(decision__reference=self.reference)
        if self.kind:
            qs = qs.filter(kind=self.kind)
        if self.date_from:
            qs = qs.filter(at__gte=midnight(self.date_from))
        if self.date_to:
            qs = qs.filter(at__lt=midnight(self.date_to + dt.timedelta(days=1)))
        return qs


def access_log_page(
    access: AccessFilter, *, after: Cursor | None = None, before: Cursor | None = None, size: int = PAGE_SIZE
) -> LogPage:
    """Who read which decision, newest first (one query)."""
    qs = access.apply(DecisionAccess.objects.select_related("user", "decision"))
    return keyset_page(qs, moment="at", after=after, before=before, size=size)


# --- The export ----------------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "reference",
    "started_at",
    "completed_at",
    "status",
    "element",
    "policy_version",
    "content_hash",
    "site",
    "handler",
    "caller_type",
    "partner_kind",
    "incident_ref",
    "outcome_category",
    "outcome_modifiers",
    "outcome_id",
    "override",
    "escalated",
    "reassesses",
    "paper_made_at",
)


def keyset_chunks(
    qs: QuerySet[Any], *, moment: str, size: int = 2000, key: Callable[[Any], tuple[Any, Any]] | None = None
) -> Iterator[Any]:
    """Every row of `qs`, newest first on (`moment`, pk), read `size` at a time, each chunk a keyset
    page after the last (constant memory however many rows match, with no server-side cursor:
    PgBouncer's transaction pooling cannot hold one, and psycopg would otherwise fetch everything).
    Rows arriving meanwhile are newer than the cursor, so nothing shifts or repeats. `key` gives a
    row's (moment, pk) when the rows are not model instances."""
    key = key or (lambda row: (getattr(row, moment), row.pk))
    ordered = qs.order_by(f"-{moment}", "-pk")
    page = ordered
    while True:
        rows = list(page[:size])
        yield from rows
        if len(rows) < size:
            return
        at, pk = key(rows[-1])
        page = ordered.filter(
            Q(**{f"{moment}__lte": at}), Q(**{f"{moment}__lt": at}) | Q(**{moment: at, "pk__lt": pk})
        )


def log_export_rows(qs: QuerySet[Decision], *, chunk: int = 2000) -> Iterator[tuple[Any, ...]]:
    """Every matching decision as a row of EXPORT_COLUMNS, newest first, read in keyset chunks
    (constant memory however many rows match)."""
    # Escalated or not by a scalar subquery per row: an EXISTS is planned as a hash of every
    # escalation, built again for each chunk.
    escalation = Escalation.objects.filter(decision=OuterRef("pk")).order_by().values("pk")[:1]
    values = (
        qs.annotate(escalated=IsNull(Subquery(escalation), False))
        .order_by("-started_at", "-pk")
        .values_list(
            "reference",
            "started_at",
            "completed_at",
            "status",
            "element__slug",
            "policy_version__number",
            "content_hash",
            "site__name",
            "handler__staff_number",
            "caller_type",
            "partner_kind",
            "incident_ref",
            "outcome_category",
            "outcome_modifiers",
            "outcome_id",
            "override",
            "escalated",
            "follows__reference",
            "paper_made_at",
            "pk",
        )
    )
    for row in keyset_chunks(values, moment="started_at", size=chunk, key=lambda row: (row[1], row[-1])):
        out = list(row[:-1])
        for index in (1, 2, 18):
            out[index] = timezone.localtime(out[index]).isoformat(timespec="seconds") if out[index] else ""
        out[13] = " ".join(f"+{m}" for m in out[13] or [])
        out[15] = "yes" if out[15] else "no"
        out[16] = "yes" if out[16] else "no"
        yield tuple("" if value is None else value for value in out)
