"""The access log: who read which decision, and who exported the log (append-only)."""

from __future__ import annotations

from rcrp.accounts.models import User
from toolkit.models import Decision, DecisionAccess


def decision_access_record(
    *, user: User, kind: str, decision: Decision | None = None, detail: str = ""
) -> None:
    """Append one access row. Called by the views that show or hand out a decision."""
    DecisionAccess.objects.create(decision=decision, user=user, kind=kind, detail=detail[:500])
