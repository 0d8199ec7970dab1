"""The training gate: may this user take RCRP calls?

The toolkit asks `call_gate_check(user=...)` before starting a call. The mode comes from the
TRAINING_GATE_MODE setting: "off" (never asks), "warn" (a banner; the call may start) or "block"
(the call may not start). The deploy override is never gated: the toolkit does not ask for it,
and the only thing a GateResult can refuse is starting a call (`may_start_call`).

A user is ready when they have completed the current course version and acknowledged every
published policy version that requires acknowledgement. Each reason is a plain sentence; `links`
holds, position for position, where the user can act on it ("" when there is nowhere to go).

Site-by-site go-live is a separate question, `site_is_live(user)`: before RCRP is live at the
user's site they use practice mode and the deploy override only. It is asked before a live call
starts and never before the deploy override.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import reverse

from policies.models import PolicyVersion
from rcrp.accounts.models import User
from training.models import Completion, Course, PolicyAcknowledgement, StaffMember

MODES = ("off", "warn", "block")


@dataclass(frozen=True)
class GateResult:
    mode: str
    reasons: tuple[str, ...] = ()
    links: tuple[str, ...] = ()  # one per reason: a URL where the user can act on it, or ""

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

    @property
    def reasons_with_links(self) -> list[tuple[str, str]]:
        links = self.links + ("",) * (len(self.reasons) - len(self.links))
        return list(zip(self.reasons, links, strict=False))


def gate_mode() -> str:
    mode = getattr(settings, "TRAINING_GATE_MODE", "warn")
    return mode if mode in MODES else "warn"


class Reason(str):
    """A reason (a plain sentence) that may carry a link where the user can act on it."""

    link: str = ""

    def __new__(cls, text: str, link: str = "") -> Reason:
        reason = super().__new__(cls, text)
        reason.link = link
        return reason


def site_is_live(user: User) -> bool:
    """Is RCRP live at the user's site (the site of their roster entry)? One query.

    True when that cannot be known: the user has no roster entry (or it names no site), so the
    site gate does not hold them back; the course part of the gate (`call_gate_check`) still
    tells them to get their account linked. A leaver's roster entry still names their site.
    Only a live call asks this: the deploy override never does, so a site that is not live never
    stands in the way of deploying police.
    """
    if user.pk is None:  # not signed in: no roster entry to read
        return True
    row = StaffMember.objects.filter(user_id=user.pk).values_list("site_id", "site__live_from").first()
    if row is None or row[0] is None:
        return True
    return row[1] is not None


def call_gate_check(*, user: User) -> GateResult:
    """What stands between this user and taking RCRP calls (empty reasons: nothing). 3 queries."""
    mode = gate_mode()
    if mode == "off":
        return GateResult(mode=mode)
    found = _reasons(user)
    return GateResult(
        mode=mode,
        reasons=tuple(str(reason) for reason in found),
        links=tuple(getattr(reason, "link", "") for reason in found),
    )


def _reasons(user: User) -> list[str]:
    """Each thing the user still has to do, in order: the course first, then each policy change."""
    found: list[str] = []
    course = Course.objects.current()
    if course is not None:
        staff = (
            StaffMember.objects.filter(user_id=user.pk)
            .annotate(done=Exists(Completion.objects.filter(staff=OuterRef("pk"), course=course)))
            .values("done")
            .first()
        )
        if staff is None:
            found.append(
                Reason(
                    f"Your account is not linked to the training roster, so your {course.title} "
                    f"(version {course.version}) is not recorded. Ask a trainer to link it."
                )
            )
        elif not staff["done"]:
            found.append(Reason(f"You have not completed the {course.title} (version {course.version})."))

    pending = (
        PolicyVersion.objects.published()
        .filter(acknowledgement_required=True)
        .exclude(Exists(PolicyAcknowledgement.objects.filter(policy_version=OuterRef("pk"), user_id=user.pk)))
        .select_related("element")
        .order_by("element__order", "number")
    )
    acknowledge = reverse("training:acknowledge")
    for version in pending:
        found.append(
            Reason(
                f"Acknowledge the change to {version.element.title} v{version.number} before your next call.",
                f"{acknowledge}#version-{version.pk}",
            )
        )
    return found
