"""Training reads, split by area: roster, readiness (and site go-live), sessions, the support
budget, and support (acknowledgements, rota, support log). List selectors run a fixed number of
queries whatever the roster's size."""

from __future__ import annotations

from training.selectors.budget import support_budget_current, support_budget_report
from training.selectors.golive import site_get, site_go_live_history
from training.selectors.readiness import readiness_get, site_go_live_get, site_go_live_list
from training.selectors.roster import (
    ACTIVE_CHOICES,
    NO_TEAM,
    STATUS_CHOICES,
    account_get_by_staff_number,
    account_list_unlinked,
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
    "account_get_by_staff_number",
    "account_list_unlinked",
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
    "site_get",
    "site_go_live_get",
    "site_go_live_history",
    "site_go_live_list",
    "staff_get_detail",
    "staff_list_for_roster",
    "staff_list_untrained_for_export",
    "support_budget_current",
    "support_budget_report",
    "support_list_for_walker",
    "support_summary",
    "trainer_choices",
]
