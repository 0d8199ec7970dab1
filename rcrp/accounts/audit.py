"""The only writer of AuditEvent rows."""

from __future__ import annotations

import contextvars
import uuid
from typing import Any

from django.db import models

from rcrp.accounts.models import AuditEvent, User

current_request_id: contextvars.ContextVar[uuid.UUID | None] = contextvars.ContextVar(
    "rcrp_request_id", default=None
)


def audit_event_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    subject_user: User | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit row. Call it inside the transaction that makes the change it records.

    `actor` is None only for the system (management commands run by the scheduler).
    """
    parts = action.split(".")
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"Audit action must be '<app>.<entity>.<verb>', not {action!r}")
    target_type = target_id = target_label = ""
    if target is not None:
        target_type = target._meta.label_lower
        target_id = str(target.pk)
        target_label = str(target)[:200]
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        subject_user=subject_user,
        data=data or {},
        request_id=current_request_id.get(),
    )
