"""Policy changes reaching handlers on live calls: a question that is new or changed in the
call's policy version is highlighted, with what changed, the first few times the handler meets it."""

from __future__ import annotations

from policies.selectors import changed_questions_for
from rcrp.accounts.models import User
from toolkit.models import Decision, DecisionAnswer

HIGHLIGHT_TIMES = 3
"""How many of the handler's live calls show the highlight on a changed question."""


def changed_question_notice(*, decision: Decision, question_id: str, user: User) -> list[str]:
    """What changed in this question since the version before, while the handler has met it on
    fewer than HIGHLIGHT_TIMES other live calls; [] otherwise. No query unless the question changed."""
    version = decision.policy_version
    if version is None or decision.practice:
        return []
    changes = changed_questions_for(version).get(question_id, [])
    if not changes:
        return []
    # Only whether there are HIGHLIGHT_TIMES: the newest few calls through answer_met_idx, never a
    # count of them all (a handler with years of calls has met a question thousands of times).
    met = (
        DecisionAnswer.objects.filter(
            answered_by=user,
            question_id=question_id,
            decision__policy_version=version,
            decision__practice=False,
        )
        .exclude(decision=decision)
        .order_by("-decision_id")
        .values_list("decision_id", flat=True)
        .distinct()[:HIGHLIGHT_TIMES]
    )
    return changes if len(met) < HIGHLIGHT_TIMES else []
