"""Retention: `apply_retention` removes decisions past RETENTION_YEARS (anonymising those a kept
decision cites), by the one path the append-only guards allow, audited, and nothing else changes."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from rcrp.accounts.models import AuditEvent
from tests.toolkit.helpers import start
from toolkit import services
from toolkit.models import (
    DailyCount,
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
from toolkit.selectors import call_state
from toolkit.services.retention import AUDIT_ACTION, retention_apply, retention_cutoff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("gate_off")]

ON_POSTGRES = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the triggers exist on PostgreSQL only"
)
EIGHT_YEARS_AGO = timezone.now() - dt.timedelta(days=8 * 366)
CHILD_MODELS = (DecisionAnswer, Escalation, DecisionNote, HandoverRecord, Review, ReviewItem, ReviewStanding)


def recorded(
    handler: Any, supervisor: Any, *, at: dt.datetime, ref: str, follows: Decision | None = None
) -> Decision:
    """A completed call recorded at `at` through the services, with every kind of row that hangs
    off a decision: an answer, an answered escalation, a note, a handover, a review (and standing),
    a review item and an access row."""
    with time_machine.travel(at, tick=False):
        decision = start(handler, incident_ref=ref, follows=follows)
        escalation = services.escalation_raise(
            reference=decision.reference, actor=handler, reason="unsure", note="Caller unsure (test)"
        )
        services.escalation_answer(
            escalation=escalation, actor=supervisor, response="advise", note="Carry on"
        )
        state = call_state(decision)
        decision.refresh_from_db()
        services.decision_answer(
            reference=decision.reference,
            actor=handler,
            step=decision.step,
            position=len(state.path),
            question_id=state.question.id,
            raw_value="yes",
            note="",
        )
        decision.refresh_from_db()
        done = services.decision_complete(
            reference=decision.reference, actor=handler, step=decision.step, caller_told=False
        )
        assert done.recorded, done
        decision = Decision.objects.get(pk=decision.pk)
        services.decision_note_add(decision=decision, actor=handler, kind="note", text="Called back (test)")
        HandoverRecord.objects.create(
            decision=decision, kind="handed_over", occurred_at=at, recorded_by=handler, note="Handed over"
        )
        services.review_record(decision=decision, reviewer=supervisor, verdict="compliant")
        ReviewItem.objects.create(decision=decision, rules=["escalated"], sampling="test")
        services.decision_access_record(user=supervisor, kind="page", decision=decision)
    return Decision.objects.get(pk=decision.pk)


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table retention may touch, as stored."""
    tables = (
        Decision.all_calls,
        *(m.objects for m in CHILD_MODELS),
        DecisionAccess.objects,
        DailyCount.objects,
    )
    return {m.model.__name__: list(m.order_by("pk").values()) for m in tables}


def rows_of(decision: Decision) -> int:
    return sum(m.objects.filter(decision_id=decision.pk).count() for m in (*CHILD_MODELS, DecisionAccess))


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("apply_retention", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def debug(settings: Any) -> None:
    settings.DEBUG = True


@pytest.fixture
def old(call_handler: Any, supervisor: Any, welfare: Any) -> Decision:
    return recorded(call_handler, supervisor, at=EIGHT_YEARS_AGO, ref="CAD 11/01JAN18")


@pytest.fixture
def recent(call_handler: Any, supervisor: Any, welfare: Any) -> Decision:
    return recorded(call_handler, supervisor, at=timezone.now() - dt.timedelta(days=30), ref="CAD 22/01NOV26")


def test_expired_decisions_go_with_everything_hanging_off_them_and_recent_ones_stay_untouched(
    debug: None, old: Decision, recent: Decision
) -> None:
    assert rows_of(old) == 8
    assert rows_of(recent) == 8
    before = snapshot()

    output = run()

    assert "Removed 1 decisions, anonymised 0" in output
    assert not Decision.all_calls.filter(pk=old.pk).exists()
    assert rows_of(old) == 0
    after = snapshot()
    for table, rows in before.items():
        kept = [
            r
            for r in rows
            if old.pk not in (r.get("id") if table == "Decision" else None, r.get("decision_id"))
        ]
        assert after[table] == kept, table  # the recent decision's rows and the daily counts, as they were
    assert DailyCount.objects.exists()


def test_one_audit_event_per_run_with_the_cut_off_and_counts_and_no_personal_data(
    debug: None, old: Decision, recent: Decision
) -> None:
    run()
    event = AuditEvent.objects.get(action=AUDIT_ACTION)
    assert event.actor is None
    assert event.target_id == ""
    assert event.data["removed"] == 1
    assert event.data["anonymised"] == 0
    assert event.data["retention_years"] == 7
    assert event.data["finished"] is True
    expected = retention_cutoff(years=7, now=event.occurred_at)
    assert abs(dt.datetime.fromisoformat(event.data["cutoff"]) - expected) < dt.timedelta(minutes=1)
    text = json.dumps(event.data)
    assert old.incident_ref not in text
    assert str(old.reference) not in text
    assert "test" not in text
    run()
    assert AuditEvent.objects.filter(action=AUDIT_ACTION).count() == 2  # one per run, even with nothing to do


def test_dry_run_reports_what_would_go_and_changes_nothing(
    settings: Any, old: Decision, recent: Decision
) -> None:
    settings.DEBUG = False  # a dry run needs no confirmation
    before = snapshot()
    output = run("--dry-run")
    assert "Would remove 1 decisions, would anonymise 0" in output
    assert "nothing was changed" in output
    assert snapshot() == before
    assert not AuditEvent.objects.filter(action=AUDIT_ACTION).exists()


@pytest.mark.parametrize("batch_size", [1, 500])
def test_a_decision_a_kept_decision_re_assesses_is_anonymised_and_the_link_stays_valid(
    debug: None, call_handler: Any, supervisor: Any, welfare: Any, client: Any, batch_size: int
) -> None:
    # An old chain whose newest link is within retention: first <- second (old) <- third (recent).
    first = recorded(call_handler, supervisor, at=EIGHT_YEARS_AGO, ref="CAD 5/01JAN18")
    second = recorded(
        call_handler, supervisor, at=EIGHT_YEARS_AGO + dt.timedelta(hours=1), ref="CAD 5/01JAN18"
    )
    third = recorded(call_handler, supervisor, at=timezone.now() - dt.timedelta(days=2), ref="CAD 5/01JAN18")
    # And an old chain entirely past retention: both go, though one re-assesses the other.
    lone = recorded(call_handler, supervisor, at=EIGHT_YEARS_AGO, ref="CAD 6/01JAN18")
    lone_later = recorded(
        call_handler, supervisor, at=EIGHT_YEARS_AGO + dt.timedelta(hours=2), ref="CAD 6/01JAN18"
    )
    assert (second.follows, third.follows, lone_later.follows) == (first, second, lone)

    output = run("--batch-size", str(batch_size))

    assert "Removed 2 decisions, anonymised 2" in output
    assert not Decision.all_calls.filter(pk__in=[lone.pk, lone_later.pk]).exists()
    for kept in (first, second):
        row = Decision.objects.get(pk=kept.pk)
        assert row.anonymised_at is not None
        assert row.incident_ref == ""
        assert row.record_text == ""
        assert row.outcome_reasons == []
        assert (row.outcome_category, row.started_at, row.status) == (
            kept.outcome_category,
            kept.started_at,
            kept.status,
        )
        assert rows_of(kept) == 0
    third_now = Decision.objects.get(pk=third.pk)
    assert third_now.follows_id == second.pk
    assert Decision.objects.get(pk=second.pk).follows_id == first.pk
    assert rows_of(third) == 8
    client.force_login(supervisor)
    page = client.get(f"/toolkit/decisions/{third.reference}/")
    assert page.status_code == 200
    assert f"/toolkit/decisions/{second.reference}/" in page.content.decode()
    earlier = client.get(f"/toolkit/decisions/{second.reference}/")
    assert earlier.status_code == 200
    assert "removed under the retention policy" in earlier.content.decode()

    # Once the citing decision expires too, a later run removes the whole chain.
    later = timezone.now() + dt.timedelta(days=8 * 366)
    report = retention_apply(years=7, now=later)
    assert report.removed == 3
    assert report.anonymised == 0
    assert not Decision.all_calls.filter(pk__in=[first.pk, second.pk, third.pk]).exists()


def test_an_escalation_that_opened_a_kept_re_assessment_keeps_its_decision(
    debug: None, old: Decision, recent: Decision
) -> None:
    # The escalation's "reassessment" is the only link: the old decision is cited through it.
    Escalation.objects.create(decision=recent, reason="other", note="", reassessment=old)
    report = retention_apply(years=7)
    assert (report.removed, report.anonymised) == (0, 1)
    assert Decision.objects.get(pk=old.pk).anonymised_at is not None
    assert Escalation.objects.filter(decision=recent, reassessment=old).exists()


def test_old_log_exports_go_and_recent_ones_stay(debug: None, supervisor: Any, old: Decision) -> None:
    with time_machine.travel(EIGHT_YEARS_AGO, tick=False):
        services.decision_access_record(user=supervisor, kind="export", detail="incident=CAD 11/01JAN18")
    services.decision_access_record(user=supervisor, kind="export", detail="site=Lambeth")
    assert "and 1 log export access rows" in run()
    assert list(DecisionAccess.objects.values_list("detail", flat=True)) == ["site=Lambeth"]


def test_without_debug_a_real_run_needs_yes_and_a_period_under_a_year_is_refused(
    settings: Any, old: Decision
) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--yes"):
        run()
    assert Decision.objects.filter(pk=old.pk).exists()
    settings.RETENTION_YEARS = 0
    with pytest.raises(CommandError, match="RETENTION_YEARS"):
        run("--yes")
    assert Decision.objects.filter(pk=old.pk).exists()
    settings.RETENTION_YEARS = 7
    assert "Removed 1 decisions" in run("--yes")


def test_the_model_guards_still_refuse_ordinary_deletes_and_updates_after_a_run(
    debug: None, old: Decision, recent: Decision
) -> None:
    run()
    with pytest.raises(ValidationError):
        recent.delete()
    with pytest.raises(ValidationError):
        DecisionAnswer.objects.filter(decision=recent).delete()
    with pytest.raises(ValidationError):
        DecisionAnswer.objects.filter(decision=recent).update(value="no")
    recent.incident_ref = "CAD 9/01DEC26"
    with pytest.raises(ValidationError):
        recent.save()


@ON_POSTGRES
def test_postgresql_triggers_still_refuse_ordinary_changes_outside_the_retention_path(
    debug: None, old: Decision, recent: Decision
) -> None:
    run()  # the run's SET LOCAL ended with its transactions
    answer = recent.answers.get()
    refused = (
        ("UPDATE toolkit_decision SET incident_ref = '' WHERE id = %s", recent.pk),
        ("DELETE FROM toolkit_decision WHERE id = %s", recent.pk),
        ("DELETE FROM toolkit_decisionanswer WHERE id = %s", answer.pk),
        ("DELETE FROM toolkit_review WHERE decision_id = %s", recent.pk),
        ("DELETE FROM toolkit_decisionaccess WHERE decision_id = %s", recent.pk),
        ("UPDATE toolkit_escalation SET note = '' WHERE decision_id = %s", recent.pk),
    )
    for sql, pk in refused:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            connection.cursor().execute(sql, [pk])
    # Even with the retention setting, the rows hanging off a decision are only ever deleted; and a
    # setting left at anything but "on" is no permission.
    for setting, sql in (
        ("on", "UPDATE toolkit_decisionanswer SET note = 'changed' WHERE id = %s"),
        ("off", "DELETE FROM toolkit_decisionanswer WHERE id = %s"),
    ):
        with transaction.atomic():
            cursor = connection.cursor()
            cursor.execute("SELECT set_config('rcrp.retention', %s, true)", [setting])
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                cursor.execute(sql, [answer.pk])
    assert rows_of(recent) == 8
    assert Decision.objects.get(pk=recent.pk).incident_ref == recent.incident_ref
