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


MAX_JSON_DEPTH = 32  # lists and objects inside each other; a flow document needs about six
MAX_JSON_DIGITS = 18  # digits in one number: no count or version of ours is longer


class _UnsafeJson(ValueError):
    pass


def _number(text: str) -> Any:
    if len(text.lstrip("-")) > MAX_JSON_DIGITS:
        raise _UnsafeJson(f"a number has more than {MAX_JSON_DIGITS} digits")
    return int(text)


def _decimal(text: str) -> float:
    value = float(text)
    if len(text) > 40 or value in {float("inf"), float("-inf")}:
        raise _UnsafeJson("a number is too large")
    return value


def _constant(text: str) -> Any:
    raise _UnsafeJson(f"{text} is not a JSON value")


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in `value` (iteratively: no recursion to exhaust)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def load_json(text: str, what: str) -> Any:
    """Hostile-safe json.loads for text typed into a form: ValidationError (naming `what`) for bad
    JSON, numbers of thousands of digits, NaN or Infinity, and lists or objects nested past
    MAX_JSON_DEPTH (which would exhaust Python's recursion), never an exception a view must catch."""
    try:
        value = json.loads(text, parse_int=_number, parse_float=_decimal, parse_constant=_constant)
    except json.JSONDecodeError as error:
        raise ValidationError(
            "%(what)s is not valid JSON: line %(line)s, column %(column)s: %(message)s",
            code="json",
            params={"what": what, "line": error.lineno, "column": error.colno, "message": error.msg},
        ) from None
    except _UnsafeJson as error:
        raise ValidationError(
            "%(what)s cannot be used: %(why)s", code="json", params={"what": what, "why": error}
        ) from None
    except RecursionError:
        too_deep = True
    else:
        too_deep = _depth(value) > MAX_JSON_DEPTH
    if too_deep:
        raise ValidationError(
            "%(what)s nests lists or objects more than %(depth)s deep",
            code="json",
            params={"what": what, "depth": MAX_JSON_DEPTH},
        )
    return value


def parse_document_text(text: str) -> Any:
    """The JSON document typed into the editor, or ValidationError saying where the JSON breaks."""
    document = load_json(text, "The document")
    if not isinstance(document, dict):
        raise ValidationError("The document must be a JSON object, starting with {", code="json")
    return document


def document_text(document: Any) -> str:
    """The document as the editor shows it: indented JSON, keys in their stored order."""
    return json.dumps(document, indent=2, ensure_ascii=False)
