"""Every training write goes through these functions; each writes its AuditEvent in the same
transaction. Split by area: roster (import, leavers, linking accounts), sessions (courses,
sessions, bookings, attendance), completions (outside a session), the practice requirement on a
course, site-by-site go-live, the support budget, and support (acknowledgements, floor-walker
rota and plan, support log)."""

from __future__ import annotations

from training.services.budget import support_budget_set
from training.services.completions import completion_record_outside_session
from training.services.golive import site_go_live_set
from training.services.practice_requirement import course_practice_set
from training.services.roster import staff_import, staff_link_account, staff_set_active
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
    "completion_record_outside_session",
    "course_create",
    "course_make_current",
    "course_practice_set",
    "rota_assign",
    "rota_plan_delete",
    "rota_plan_set",
    "rota_remove",
    "session_attendance_record",
    "session_create",
    "session_fill",
    "site_go_live_set",
    "staff_import",
    "staff_link_account",
    "staff_set_active",
    "support_budget_set",
    "support_record",
]
