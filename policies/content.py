"""Reads the policy content files shipped in policies/content/ (agencies, flows and scenarios).

    policies/content/agencies.json               the agency directory: a list of agencies
    policies/content/v<N>/<element>.json          a flow document per element
    policies/content/v<N>/scenarios/<element>.json   the scenarios for that element

Reading only: loading into the database goes through services (policies.demo.seed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

CONTENT_DIR = Path(__file__).resolve().parent / "content"


class ContentError(ValueError):
    """A content file is missing or not in the expected shape."""


def _load(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise ContentError(f"{path.relative_to(CONTENT_DIR.parent)} does not exist") from None
    except json.JSONDecodeError as error:
        raise ContentError(
            f"{path.relative_to(CONTENT_DIR.parent)}: not valid JSON (line {error.lineno}): {error.msg}"
        ) from None


def agencies() -> list[dict[str, Any]]:
    """The agency directory as field dicts, dates parsed (`effective_to` None when open-ended)."""
    rows = _load(CONTENT_DIR / "agencies.json")
    if not isinstance(rows, list):
        raise ContentError("agencies.json must be a list of agencies")
    parsed = []
    for row in rows:
        values = {key: ("" if value is None else value) for key, value in row.items()}
        values["effective_from"] = date.fromisoformat(row["effective_from"])
        values["effective_to"] = date.fromisoformat(row["effective_to"]) if row.get("effective_to") else None
        parsed.append(values)
    return parsed


LATEST_VERSION = 2
"""The newest content version shipped: the demo publishes it as live, older ones as history."""


def versions() -> list[int]:
    """The content versions shipped, oldest first."""
    return sorted(int(path.name[1:]) for path in CONTENT_DIR.glob("v[0-9]*") if path.is_dir())


def flow_document(element: str, version: int = 1) -> dict[str, Any]:
    """The flow document of one element in one content version."""
    document = _load(CONTENT_DIR / f"v{version}" / f"{element}.json")
    if not isinstance(document, dict):
        raise ContentError(f"v{version}/{element}.json must be a JSON object")
    return document


@dataclass(frozen=True)
class ScenarioContent:
    name: str
    description: str
    caller_type: str
    answers: dict[str, Any]
    facts: dict[str, str]
    expected_category: str
    expected_agency: str
    expected_outcome: str
    expected_modifiers: list[str] | None = None
    first_version: int = 1
    last_version: int | None = None

    def values(self) -> dict[str, Any]:
        """Fields for PolicyScenario."""
        return {
            "expected_modifiers": self.expected_modifiers,
            "first_version": self.first_version,
            "last_version": self.last_version,
            "name": self.name,
            "description": self.description,
            "caller_type": self.caller_type,
            "answers": self.answers,
            "facts": self.facts,
            "expected_category": self.expected_category,
            "expected_agency": self.expected_agency,
            "expected_outcome": self.expected_outcome,
        }


def scenarios(element: str, version: int = 1, *, last_version: int | None = None) -> list[ScenarioContent]:
    """The scenarios written for one element in one content version (they apply from that version
    to ``last_version``, open-ended when None)."""
    rows = _load(CONTENT_DIR / f"v{version}" / "scenarios" / f"{element}.json")
    if not isinstance(rows, list):
        raise ContentError(f"v{version}/scenarios/{element}.json must be a list of scenarios")
    found = []
    for row in rows:
        expected = row.get("expected") or {}
        found.append(
            ScenarioContent(
                name=row["name"],
                description=row.get("description") or "",
                caller_type=row.get("caller_type") or "",
                answers=row["answers"],
                facts=row.get("facts") or {},
                expected_category=expected["category"],
                expected_agency=expected.get("agency") or "",
                expected_outcome=expected.get("outcome") or "",
                expected_modifiers=sorted(expected["modifiers"]) if "modifiers" in expected else None,
                first_version=version,
                last_version=last_version,
            )
        )
    return found


def change_summary(element: str, version: int = 1) -> str:
    """The change summary recorded for a content version loaded by the demo."""
    if version == 2:
        return (
            "MPS RCRP policy v2, in flow language 2: 'not known' on every threshold question, several "
            "facts at once, modifiers that follow the call (ambulance, escalation, safeguarding), "
            "checklists that record what was established, scripts written for who is calling, and "
            "sources kept apart from handler text. To be confirmed by MPS policy owners."
        )
    if version == 1:
        return (
            "First MPS RCRP policy for this element, written from national guidance (domain reference): "
            "question order, outcomes, scripts and signposting. To be confirmed by MPS policy owners."
        )
    return f"Content version {version} of {element}."
