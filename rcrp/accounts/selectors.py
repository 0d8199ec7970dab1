"""Reads about users and what their roles let them do."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from rcrp.accounts.models import User


@dataclass(frozen=True)
class HomeSection:
    title: str
    description: str
    url: str | None  # None: the part of the service is not built yet ("coming soon")


# (permission, title, description, url name). Order is the order on the home page.
HOME_SECTIONS: list[tuple[str, str, str, str]] = [
    (
        "accounts.take_calls",
        "Take a call",
        "Walk the RCRP questions on a live call and reach an outcome.",
        "toolkit:start",
    ),
    (
        "accounts.take_calls",
        "My calls",
        "Resume a call in progress or read today's decisions.",
        "toolkit:my-calls",
    ),
    (
        "accounts.support_floor",
        "Escalations",
        "Open requests for help from call handlers, oldest first.",
        "toolkit:escalations",
    ),
    (
        "accounts.audit_decisions",
        "Decision log",
        "Read any decision exactly as the handler saw it.",
        "toolkit:decisions",
    ),
    (
        "accounts.manage_training",
        "Training",
        "Roster, sessions, completion and readiness for go-live.",
        "training:dashboard",
    ),
    (
        "accounts.support_floor",
        "Floor support",
        "Record the support you give handlers; the floor-walker rota.",
        "training:support",
    ),
    (
        "accounts.take_calls",
        "Policy changes",
        "Read and acknowledge changes to the RCRP policy before your next call.",
        "training:acknowledge",
    ),
    (
        "accounts.manage_policies",
        "Policy versions",
        "Draft, approve and publish the RCRP flows.",
        "policies:library",
    ),
    ("", "Read the policy", "The published RCRP flows for all four elements.", "policies:library"),
]


def home_sections_for_user(*, user: User) -> list[HomeSection]:
    """The parts of the service this user's roles give them, each linked or marked coming soon."""
    sections: list[HomeSection] = []
    seen: set[str] = set()
    for perm, title, description, url_name in HOME_SECTIONS:
        if perm and not user.has_perm(perm):
            continue
        if url_name in seen and not perm:
            continue
        seen.add(url_name)
        try:
            url: str | None = reverse(url_name)
        except NoReverseMatch:
            url = None
        sections.append(HomeSection(title=title, description=description, url=url))
    return sections
