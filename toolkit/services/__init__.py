"""Every write of the live call and the decision log. Views call these; nothing else writes.

Split by feature: `start` (start, deploy and "not a health call" from the start page), `calls`
(answer, override, complete, notes), `outcome` (what an outcome writes), `escalations` (raise,
claim, answer), `s136` (the handover clock), `housekeeping` (the every-minute jobs), `rollup`
(the dashboards' daily counts) and `baseline` (the pre-go-live deployments). The names
below are the public API, so callers write `services.decision_start(...)` whatever the module.
"""

from __future__ import annotations

from toolkit.services.access import decision_access_record
from toolkit.services.baseline import baseline_import, baseline_set
from toolkit.services.calls import (
    AnswerClash,
    StepResult,
    decision_answer,
    decision_complete,
    decision_note_add,
    decision_override,
)
from toolkit.services.escalations import escalation_answer, escalation_claim, escalation_raise
from toolkit.services.housekeeping import abandon_after, decisions_close_stale
from toolkit.services.practice import (
    practice_card_from_call,
    practice_cards_make,
    practice_cards_make_for_live,
    practice_result_record,
    practice_start,
)
from toolkit.services.reviews import review_queue_build, review_record, review_standing_rebuild
from toolkit.services.s136 import HANDOVER_LIMIT, handover_overdue_sweep, handover_record
from toolkit.services.start import (
    NOT_HEALTH,
    SITE_NOT_LIVE,
    decision_start,
    decision_start_not_health,
    decision_start_override,
)

__all__ = [
    "HANDOVER_LIMIT",
    "NOT_HEALTH",
    "SITE_NOT_LIVE",
    "AnswerClash",
    "StepResult",
    "abandon_after",
    "baseline_import",
    "baseline_set",
    "decision_access_record",
    "decision_answer",
    "decision_complete",
    "decision_note_add",
    "decision_override",
    "decision_start",
    "decision_start_not_health",
    "decision_start_override",
    "decisions_close_stale",
    "escalation_answer",
    "escalation_claim",
    "escalation_raise",
    "handover_overdue_sweep",
    "handover_record",
    "practice_card_from_call",
    "practice_cards_make",
    "practice_cards_make_for_live",
    "practice_result_record",
    "practice_start",
    "review_queue_build",
    "review_record",
    "review_standing_rebuild",
]
