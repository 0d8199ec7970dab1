"""Every training write goes through these functions; each writes its AuditEvent in the same
transaction. Split by area: roster (import, leavers), sessions (courses, sessions, bookings,
attendance) and support (acknowledgements, floor-walker rota and plan, support log)."""

from __future__ import annotations

from training.services.roster import staff_import, staff_set_active
from training.services.sessions import (
    booking_cancel,
    booking_create,
    booking_create_many,
    booking_rebook,
    course_create,
    course_make_current,
    session_attendance_record,
    session_create,
    session_fill,
)
from training.services.support import (
    acknowledgement_record,
    rota_assign,
    rota_plan_delete,
    rota_plan_set,
    rota_remove,
    support_record,
)

__all__ = [
    "acknowledgement_record",
    "booking_cancel",
    "booking_create",
    "booking_create_many",
    "booking_rebook",
    "course_create",
    "course_make_current",
    "rota_assign",
    "rota_plan_delete",
    "rota_plan_set",
    "rota_remove",
    "session_attendance_record",
    "session_create",
    "session_fill",
    "staff_import",
    "staff_set_active",
    "support_record",
]
