from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from rcrp.accounts.audit import audit_event_record
from rcrp.accounts.models import AuditEvent


@pytest.mark.django_db
def test_audit_event_record_writes_who_what_target_and_old_new(supervisor: Any, call_handler: Any) -> None:
    event = audit_event_record(
        actor=supervisor,
        action="accounts.user.deactivated",
        target=call_handler,
        subject_user=call_handler,
        data={"old": {"is_active": True}, "new": {"is_active": False}},
    )
    event.refresh_from_db()
    assert event.actor == supervisor
    assert event.action == "accounts.user.deactivated"
    assert (event.target_type, event.target_id) == ("accounts.user", str(call_handler.pk))
    assert event.target_label == "Hana Handler (h1001)"
    assert event.data == {"old": {"is_active": True}, "new": {"is_active": False}}
    assert event.occurred_at is not None


@pytest.mark.django_db
def test_audit_actions_must_be_app_entity_verb(supervisor: Any) -> None:
    with pytest.raises(ValueError, match=r"<app>\.<entity>\.<verb>"):
        audit_event_record(actor=supervisor, action="deactivated")


@pytest.mark.django_db
def test_audit_rows_cannot_be_changed_or_deleted_through_the_models(supervisor: Any) -> None:
    event = audit_event_record(actor=supervisor, action="accounts.user.viewed")
    event.action = "accounts.user.hidden"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
    with pytest.raises(ValidationError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x.y.z")
    with pytest.raises(ValidationError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "accounts.user.viewed"


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_postgresql_refuses_raw_updates_and_deletes_of_audit_rows(supervisor: Any) -> None:
    event = audit_event_record(actor=supervisor, action="accounts.user.viewed")
    for sql in (
        "UPDATE accounts_auditevent SET action = 'x.y.z' WHERE id = %s",
        "DELETE FROM accounts_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            connection.cursor().execute(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, action="accounts.user.viewed").exists()
