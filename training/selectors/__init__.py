"""Training reads, split by area: roster, readiness, sessions, and support (acknowledgements,
rota, support log). List selectors run a fixed number of queries whatever the roster's size."""

from __future__ import annotations

from training.selectors.readiness import readiness_get
from training.selectors.roster import (
    ACTIVE_CHOICES,
    NO_TEAM,
    STATUS_CHOICES,
    roster_filter_options,
    staff_get_detail,
    staff_list_for_roster,
    staff_list_untrained_for_export,
)
from training.selectors.sessions import (
    booking_get,
    booking_list_no_shows_to_rebook,
    course_list,
    session_get_detail,
    session_list,
    session_list_for_rebooking,
    session_list_for_staff,
    trainer_choices,
)
from training.selectors.support import (
    acknowledgement_get_detail,
    acknowledgement_list_for_user,
    acknowledgement_list_pending,
    acknowledgement_overview,
    floor_walker_choices,
    rota_assignment_get,
    rota_plan_list,
    rota_plan_period_get,
    rota_week,
    support_list_for_walker,
    support_summary,
)

__all__ = [
    "ACTIVE_CHOICES",
    "NO_TEAM",
    "STATUS_CHOICES",
    "acknowledgement_get_detail",
    "acknowledgement_list_for_user",
    "acknowledgement_list_pending",
    "acknowledgement_overview",
    "booking_get",
    "booking_list_no_shows_to_rebook",
    "course_list",
    "floor_walker_choices",
    "readiness_get",
    "roster_filter_options",
    "rota_assignment_get",
    "rota_plan_list",
    "rota_plan_period_get",
    "rota_week",
    "session_get_detail",
    "session_list",
    "session_list_for_rebooking",
    "session_list_for_staff",
    "staff_get_detail",
    "staff_list_for_roster",
    "staff_list_untrained_for_export",
    "support_list_for_walker",
    "support_summary",
    "trainer_choices",
]
