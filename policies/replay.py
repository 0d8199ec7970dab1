"""The "what would change" report: scenarios and recorded decisions replayed on a draft.

Other apps feed it without policies importing them: an app registers a *source* in its
AppConfig.ready()::

    from policies.replay import ReplayCase, register_source

    def recent_decisions(element_slug: str, limit: int) -> list[ReplayCase]: ...

    register_source(recent_decisions)

Each case is a recorded walk: the answers in the order given and the outcome reached at the time.
The report replays every scenario and every case on the draft and lists each one whose outcome
would differ (or that the draft cannot finish, because it asks a question the call never answered).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from policies import flow as engine
from policies.flow import scenarios as scenario_runs
from policies.models import PolicyScenario, PolicyVersion
from policies.selectors import (
    flow_for_version,
    policy_version_get_live,
    scenario_list_for_element,
    scenario_run,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReplayCase:
    """A recorded walk from another app: what was answered, in order, and where it ended."""

    label: str
    answers: list[tuple[str, str | tuple[str, ...]]]
    recorded_outcome_id: str
    recorded_category: str
    url: str | None = None
    facts: dict[str, str] = field(default_factory=dict)
    """What the toolkit answered on the call (the start page's caller, the s136 clock)."""


ReplaySource = Callable[[str, int], list[ReplayCase]]
_sources: list[ReplaySource] = []


def register_source(func: ReplaySource) -> ReplaySource:
    """Add a source of recorded cases: func(element_slug, limit) -> list[ReplayCase]. Idempotent.

    Returns the function, so it can be used as a decorator.
    """
    if func not in _sources:
        _sources.append(func)
    return func


def unregister_source(func: ReplaySource) -> None:
    """Remove a source (tests)."""
    if func in _sources:
        _sources.remove(func)


def registered_sources() -> list[ReplaySource]:
    return list(_sources)


@dataclass(frozen=True)
class Replayed:
    """Where one case ends on a flow: an outcome, or the question it could not answer."""

    outcome_id: str = ""
    category: str = ""
    label: str = ""
    problem: str = ""

    @property
    def finished(self) -> bool:
        return not self.problem

    def __str__(self) -> str:
        if self.problem:
            return self.problem
        return f"{self.label} ({self.outcome_id})"


def replay(flow: engine.Flow, answers: dict[str, Any], facts: dict[str, str] | None = None) -> Replayed:
    """Walk answers (by question id) through a flow, the toolkit's facts answering what they bind."""
    try:
        _path, outcome = engine.run_scenario(flow, answers, facts)
    except engine.ScenarioError as error:
        question = flow.questions.get(error.question_id)
        asked = f"'{question.text}'" if question else error.question_id
        return Replayed(
            problem=f"Cannot tell: this version asks {error.question_id} ({asked}), which was not answered"
        )
    except (engine.InvalidAnswer, engine.FlowDefinitionError) as error:
        return Replayed(problem=f"Cannot tell: {error}")
    return Replayed(outcome_id=outcome.id, category=str(outcome.category), label=outcome.label)


@dataclass(frozen=True)
class ScenarioRow:
    scenario: PolicyScenario
    now: Replayed | None  # None: the scenario does not apply to the live version (or there is none)
    draft: Replayed
    passes: bool  # the draft meets the scenario's expectation

    @property
    def changes(self) -> bool:
        if self.now is None:
            return True
        return (self.now.outcome_id, self.now.category, self.now.problem) != (
            self.draft.outcome_id,
            self.draft.category,
            self.draft.problem,
        )


@dataclass(frozen=True)
class CaseRow:
    case: ReplayCase
    draft: Replayed

    @property
    def changes(self) -> bool:
        return not self.draft.finished or (self.draft.outcome_id, self.draft.category) != (
            self.case.recorded_outcome_id,
            self.case.recorded_category,
        )


@dataclass
class ChangeReport:
    """What publishing the draft would change, case by case."""

    version: PolicyVersion
    live: PolicyVersion | None
    scenarios: list[ScenarioRow] = field(default_factory=list)
    cases: list[CaseRow] = field(default_factory=list)
    source_errors: list[str] = field(default_factory=list)

    @property
    def changed_scenarios(self) -> list[ScenarioRow]:
        return [row for row in self.scenarios if row.changes or not row.passes]

    @property
    def changed_cases(self) -> list[CaseRow]:
        return [row for row in self.cases if row.changes]


def what_would_change(version: PolicyVersion, *, limit: int = 100) -> ChangeReport:
    """Replay every scenario of the element, and the registered sources' recent cases, on `version`.

    `limit` is passed to each source (how many recent decisions to replay).
    """
    live = policy_version_get_live(element=version.element)
    if live is not None and live.pk == version.pk:
        live = None
    report = ChangeReport(version=version, live=live)
    draft_flow = flow_for_version(version)
    live_flow = flow_for_version(live) if live is not None else None
    for scenario in scenario_list_for_element(element=version.element):
        applies_now = live is not None and live_flow is not None and scenario.applies_to(live.number)
        if not scenario.applies_to(version.number) and not applies_now:
            continue
        facts = scenario_runs.walk_facts(scenario.caller_type, scenario.facts)
        now = replay(live_flow, scenario.answers, facts) if applies_now and live_flow is not None else None
        draft = replay(draft_flow, scenario.answers, facts)
        passes = not scenario.applies_to(version.number) or scenario_run(scenario, draft_flow).passed
        report.scenarios.append(ScenarioRow(scenario, now, draft, passes))
    for source in registered_sources():
        try:
            cases = source(version.element.slug, limit)
        except Exception:  # a broken source must not hide the rest of the report
            logger.exception("Replay source %r failed", source)
            report.source_errors.append(getattr(source, "__qualname__", repr(source)))
            continue
        for case in cases:
            answers: dict[str, Any] = {}
            for question_id, value in case.answers:
                answers[question_id] = value
            report.cases.append(CaseRow(case, replay(draft_flow, answers, case.facts)))
    return report
