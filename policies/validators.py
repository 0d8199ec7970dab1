"""Thin Django wrappers around the flow engine: engine problems become ValidationErrors.

Each problem becomes its own message, naming the node first ("q_risk: ..."), so a form's error
summary lists one line per problem.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError

from policies import flow as engine


def problem_message(problem: engine.Problem) -> str:
    """A problem in words, led by the node it concerns ("the flow" when it is the whole document)."""
    return f"{problem.node}: {problem.message}" if problem.node else f"The flow: {problem.message}"


def problems_to_error(problems: Iterable[engine.Problem]) -> ValidationError:
    """One ValidationError holding one message per problem."""
    return ValidationError([ValidationError(problem_message(p), code="flow") for p in problems])


def parse_document_text(text: str) -> Any:
    """The JSON document typed into the editor, or ValidationError saying where the JSON breaks."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValidationError(
            "The document is not valid JSON: line %(line)s, column %(column)s: %(message)s",
            code="json",
            params={"line": error.lineno, "column": error.colno, "message": error.msg},
        ) from None
    if not isinstance(document, dict):
        raise ValidationError("The document must be a JSON object, starting with {", code="json")
    return document


def document_text(document: Any) -> str:
    """The document as the editor shows it: indented JSON, keys in their stored order."""
    return json.dumps(document, indent=2, ensure_ascii=False)
