"""Small helpers that build flow documents for the engine's tests, and find the flows to test."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
GOLDEN = Path(__file__).resolve().parent / "flows"
CONTENT = REPO / "policies" / "content"

Doc = dict[str, Any]


def golden_paths() -> list[Path]:
    return sorted(GOLDEN.glob("*.json"))


def shipped_paths() -> list[Path]:
    """Every shipped flow document, of every content version."""
    return sorted(CONTENT.glob("v[0-9]*/*.json"))


def load(name_or_path: str | Path) -> Doc:
    """A fresh copy of a golden flow (by name, e.g. "minimal_welfare") or of any flow file."""
    path = name_or_path if isinstance(name_or_path, Path) else GOLDEN / f"{name_or_path}.json"
    document: Doc = json.loads(path.read_text(encoding="utf-8"))
    return document


def node(document: Doc, node_id: str) -> dict[str, Any]:
    """The question or outcome dict with this id, to mutate in place."""
    for entry in [*document["questions"], *document["outcomes"]]:
        if entry.get("id") == node_id:
            found: dict[str, Any] = entry
            return found
    raise KeyError(node_id)


def answer(document: Doc, question_id: str, value: str) -> dict[str, Any]:
    """The answer dict with this value, to mutate in place."""
    for entry in node(document, question_id)["answers"]:
        if entry["value"] == value:
            found: dict[str, Any] = entry
            return found
    raise KeyError(value)


def yes_no(
    question_id: str, yes: str, no: str, *, tags: tuple[str, ...] = (), yes_tags: tuple[str, ...] = ()
) -> Doc:
    return {
        "id": question_id,
        "text": f"Question {question_id}?",
        "kind": "yes_no",
        "tags": list(tags),
        "answers": [
            {"value": "yes", "next": yes, "tags": list(yes_tags)},
            {"value": "no", "next": no},
        ],
    }


def choice(question_id: str, *answers: tuple[str, str], tags: tuple[str, ...] = ()) -> Doc:
    return {
        "id": question_id,
        "text": f"Question {question_id}?",
        "kind": "choice",
        "tags": list(tags),
        "answers": [{"value": value, "label": value.title(), "next": target} for value, target in answers],
    }


def checklist(question_id: str, next_id: str, *, tags: tuple[str, ...] = ("checks",)) -> Doc:
    return {
        "id": question_id,
        "text": "Do the checks",
        "kind": "checklist",
        "tags": list(tags),
        "items": [{"value": "address", "label": "Address history"}, {"value": "pnc", "label": "PNC"}],
        "next": next_id,
    }


def outcome(outcome_id: str, category: str = "DEPLOY", **extra: Any) -> Doc:
    document: Doc = {
        "id": outcome_id,
        "category": category,
        "title": f"Outcome {outcome_id}",
        "script": "Say this.",
        "record": "Record this.",
    }
    if category in ("SIGNPOST", "REFUSE_REDIRECT"):
        document |= {"agency": "nhs_111_mh", "call_back_if": "Call back if it gets worse."}
    return document | extra


def flow_document(*nodes: Doc, start: str = "", requires_checks: bool = True) -> Doc:
    """A document from question and outcome dicts (told apart by "kind"), starting at the first."""
    questions = [copy.deepcopy(n) for n in nodes if "kind" in n]
    return {
        "element": "welfare",
        "title": "Test flow",
        "start": start or questions[0]["id"],
        "requires_checks": requires_checks,
        "questions": questions,
        "outcomes": [copy.deepcopy(n) for n in nodes if "category" in n],
    }


def safe_ladder() -> Doc:
    """The smallest valid shape: crime, risk to life, serious harm, checks, then a signpost.

    q_start (crime) → q_life (risk_to_life) → q_harm (serious_harm) → q_checks → o_signpost;
    each "yes" deploys.
    """
    return flow_document(
        choice("q_start", ("yes", "o_deploy"), ("no", "q_life"), tags=("crime",)),
        yes_no("q_life", "o_deploy", "q_harm", tags=("risk_to_life",), yes_tags=("risk_to_life",)),
        yes_no("q_harm", "o_deploy", "q_checks", tags=("serious_harm",), yes_tags=("serious_harm",)),
        checklist("q_checks", "o_signpost"),
        outcome("o_deploy"),
        outcome("o_signpost", "SIGNPOST"),
    )
