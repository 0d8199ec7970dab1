"""The training gate: may this user take RCRP calls?

The toolkit asks `call_gate_check(user=...)` before starting a call. The mode comes from the
TRAINING_GATE_MODE setting: "off" (never asks), "warn" (a banner; the call may start) or "block"
(the call may not start). The deploy override is never gated: the toolkit does not ask for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from rcrp.accounts.models import User

MODES = ("off", "warn", "block")


@dataclass(frozen=True)
class GateResult:
    mode: str
    reasons: tuple[str, ...] = ()

    @property
    def ready(self) -> bool:
        """True when the user has done everything the gate checks."""
        return not self.reasons

    @property
    def may_start_call(self) -> bool:
        return self.ready or self.mode != "block"

    @property
    def show_warning(self) -> bool:
        return bool(self.reasons) and self.mode in {"warn", "block"}


def gate_mode() -> str:
    mode = getattr(settings, "TRAINING_GATE_MODE", "warn")
    return mode if mode in MODES else "warn"


def call_gate_check(*, user: User) -> GateResult:
    """What stands between this user and taking RCRP calls (empty reasons: nothing)."""
    mode = gate_mode()
    if mode == "off":
        return GateResult(mode=mode)
    return GateResult(mode=mode, reasons=tuple(_reasons(user)))


def _reasons(user: User) -> list[str]:
    # Filled in by the Training issue: course completion and policy acknowledgements.
    return []
