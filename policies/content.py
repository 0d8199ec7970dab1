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
    expected_category: str
    expected_agency: str
    expected_outcome: str

    def values(self) -> dict[str, Any]:
        """Fields for PolicyScenario."""
        return {
            "name": self.name,
            "description": self.description,
            "caller_type": self.caller_type,
            "answers": self.answers,
            "expected_category": self.expected_category,
            "expected_agency": self.expected_agency,
            "expected_outcome": self.expected_outcome,
        }


def scenarios(element: str, version: int = 1) -> list[ScenarioContent]:
    """The scenarios written for one element in one content version."""
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
                expected_category=expected["category"],
                expected_agency=expected.get("agency") or "",
                expected_outcome=expected.get("outcome") or "",
            )
        )
    return found


def change_summary(element: str, version: int = 1) -> str:
    """The change summary recorded for a content version loaded by the demo."""
    if version == 1:
        return (
            "First MPS RCRP policy for this element, written from national guidance (domain reference): "
            "question order, outcomes, scripts and signposting. To be confirmed by MPS policy owners."
        )
    return f"Content version {version} of {element}."
