"""Running a scenario (a situation's answers and what it must reach) and counting screens.

A screen is one question the handler answers: questions the start page answered are not screens.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from policies.flow.document import CATEGORIES, Category, Flow
from policies.flow.evaluate import InvalidAnswer, ScenarioError, Walk, run_scenario, walk
from policies.flow.parse import FlowDefinitionError

__all__ = [
    "Case",
    "ScenarioRun",
    "ScreenCount",
    "no_police_line",
    "run",
    "run_case",
    "screen_counts",
    "screens_by_category",
    "walk_facts",
]


class Case(Protocol):
    """A scenario as stored (a content file's or the database's): what run_case reads."""

    answers: Any
    caller_type: str
    facts: Any
    expected_category: str
    expected_agency: str
    expected_outcome: str
    expected_modifiers: Any


@dataclass(frozen=True)
class ScenarioRun:
    """Where a scenario ended and what differs from what it expects (``wrong`` empty: passed)."""

    walk: Walk | None
    wrong: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return self.walk is not None and not self.wrong

    @property
    def screens(self) -> int:
        return len(self.walk.asked) if self.walk is not None else 0

    @property
    def category(self) -> Category | None:
        outcome = self.walk.outcome if self.walk is not None else None
        return outcome.category if outcome is not None else None

    @property
    def message(self) -> str:
        """ "" when passed; else where it ended and what differs, or why it could not be walked."""
        outcome = self.walk.outcome if self.walk is not None else None
        if outcome is None or not self.wrong:
            return "; ".join(self.wrong)
        return f"reaches {outcome.id} ({'; '.join(self.wrong)})"


def run(
    flow: Flow,
    answers: Mapping[str, object],
    *,
    caller: str = "",
    facts: Mapping[str, str] | None = None,
    category: str,
    agency: str = "",
    outcome: str = "",
    modifiers: Sequence[str] | None = None,
) -> ScenarioRun:
    """Walk the scenario (the caller as the start page gave it) and compare the end with what it
    expects. An empty ``outcome`` is not checked; ``modifiers`` None is not checked, else it is the
    exact set the call ends with (the outcome's and those its answers added)."""
    known = walk_facts(caller, facts)
    try:
        given, _ = run_scenario(flow, answers, known)
        reached = walk(flow, given, known)
    except (ScenarioError, InvalidAnswer, FlowDefinitionError) as error:
        return ScenarioRun(walk=None, wrong=(str(error),))
    end = reached.outcome
    assert end is not None  # run_scenario walks to an outcome or raises
    wrong = []
    if end.category != category:
        wrong.append(f"category {end.category}, expected {category}")
    if end.agency != agency:
        wrong.append(f"agency {end.agency or 'none'}, expected {agency or 'none'}")
    if outcome and end.id != outcome:
        wrong.append(f"outcome {end.id}, expected {outcome}")
    if modifiers is not None:
        ended = sorted(str(m) for m, _why in reached.modifiers())
        if ended != sorted(modifiers):
            wrong.append(
                f"modifiers {', '.join(ended) or 'none'}, expected {', '.join(sorted(modifiers)) or 'none'}"
            )
    return ScenarioRun(walk=reached, wrong=tuple(wrong))


def walk_facts(caller: str, facts: Mapping[str, str] | None = None) -> dict[str, str]:
    """What the toolkit answers on a scenario's walk: its facts, and the caller it names."""
    return {**(facts or {}), **({"caller": caller} if caller else {})}


def run_case(flow: Flow, case: Case) -> ScenarioRun:
    """``run`` for a stored scenario: its answers, caller, facts and expectations."""
    return run(
        flow,
        case.answers,
        caller=case.caller_type,
        facts=case.facts,
        category=case.expected_category,
        agency=case.expected_agency,
        outcome=case.expected_outcome,
        modifiers=case.expected_modifiers,
    )


@dataclass(frozen=True)
class ScreenCount:
    """Screens to reach one category over the scenarios that end there."""

    category: str
    counts: tuple[int, ...] = field(default=())

    @property
    def median(self) -> float:
        return statistics.median(self.counts) if self.counts else 0

    @property
    def maximum(self) -> int:
        return max(self.counts, default=0)

    def line(self) -> str:
        """The report's line for this category, e.g. "  screens to DEPLOY: median 2, max 6 (21 scenarios)"."""
        scenarios = f"{len(self.counts)} scenarios"
        return f"  screens to {self.category}: median {self.median:g}, max {self.maximum} ({scenarios})"


def screen_counts(reached: Iterable[tuple[str, int]]) -> list[ScreenCount]:
    """(category, screens) pairs of passing scenarios, grouped per category in vocabulary order."""
    by: dict[str, list[int]] = {}
    for category, screens in reached:
        by.setdefault(str(category), []).append(screens)
    return [ScreenCount(category, tuple(by[category])) for category in CATEGORIES if category in by]


def screens_by_category(runs: Iterable[ScenarioRun]) -> list[ScreenCount]:
    """Per category reached (in vocabulary order), the screens of the scenarios that passed."""
    return screen_counts((r.category, r.screens) for r in runs if r.passed and r.category is not None)


def no_police_line(screens: Sequence[int]) -> str:
    """The report's last line: the screens of the passing scenarios that end without police."""
    if not screens:
        return "screens to a no-police outcome: no published scenario ends without police"
    return f"screens to a no-police outcome: median {statistics.median(screens):g}, max {max(screens)}"
