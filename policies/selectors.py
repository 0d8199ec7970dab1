"""Reads of policy versions, scenarios and the agency directory (services.py does every write).

Selectors only read: none writes, and none imports policies.services (an import-linter contract
checks this). A selector that finds nothing the user may see raises NotFound; the view layer
answers it with the 404 page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Prefetch

from policies import flow as engine
from policies.flow import scenarios as scenario_runs
from policies.models import Agency, Element, PolicyScenario, PolicyVersion
from rcrp.accounts.errors import NotFound
from rcrp.accounts.models import User
from rcrp.kept import Kept

MANAGE_POLICIES = "accounts.manage_policies"
READER_STATUSES = (PolicyVersion.Status.PUBLISHED, PolicyVersion.Status.RETIRED)

# --- Live versions ---------------------------------------------------------------------------------


def policy_version_get_live(*, element: Element) -> PolicyVersion | None:
    """The element's published version, or None (one query; reads only, never publishes).

    A scheduled version whose time has come stays approved until `policies.services.
    policy_versions_publish_due` runs: the `publish_due_policies` command every minute, or a
    service that needs the due version live at once (the toolkit's start of a call).
    """
    return (
        PolicyVersion.objects.select_related("element")
        .filter(element=element, status=PolicyVersion.Status.PUBLISHED)
        .first()
    )


# --- Parsed flows, cached by content hash ---------------------------------------------------------

_FLOW_CACHE_SIZE = 64
_flows: Kept[engine.Flow] = Kept(_FLOW_CACHE_SIZE)


def flow_for_version(version: PolicyVersion) -> engine.Flow:
    """The parsed Flow of a version, cached in this process by content hash (bounded, LRU).

    The hash names the content exactly, so a cached Flow can never be stale: an edited draft has a
    new hash. Raises engine.FlowDefinitionError when the document cannot be read (a broken draft).
    """
    return flow_for_hash(
        version.content_hash or engine.content_hash(version.document), lambda: version.document
    )


def flow_for_hash(content_hash: str, load_document: Callable[[], Any]) -> engine.Flow:
    """The parsed Flow with this content hash; `load_document()` is called only on a cache miss.

    Callers that know a version's hash without having loaded its document (the toolkit's call
    pages) read the document only the first time a process meets that hash.
    """
    return _flows.get(content_hash, lambda: engine.parse(load_document()))


def flow_cache_clear() -> None:
    """Empty the parsed-flow cache and the changed-question answers (tests)."""
    for kept in (_flows, _charts, _changed):
        kept.clear()
    _changed_by_version.clear()


# --- Agencies ----------------------------------------------------------------------------------------


def agency_keys() -> set[str]:
    """Every key in the directory, in force or not: what a flow may name (validation)."""
    return set(Agency.objects.values_list("key", flat=True))


def agency_list() -> list[Agency]:
    """The whole directory, by name (one query)."""
    return list(Agency.objects.order_by("name"))


def agency_get(*, key: str) -> Agency:
    """One agency by key, or NotFound."""
    try:
        return Agency.objects.get(key=key)
    except Agency.DoesNotExist:
        raise NotFound("No such agency") from None


def agency_history(*, agency: Agency) -> list[Any]:
    """Every recorded state of the agency, newest first, with who made each change."""
    return list(agency.history.select_related("history_user").order_by("-history_date", "-history_id"))


# --- Elements and versions for pages ---------------------------------------------------------------


@dataclass(frozen=True)
class LibraryEntry:
    element: Element
    live: PolicyVersion | None
    in_progress: list[PolicyVersion]


def element_list_for_library(*, user: User) -> list[LibraryEntry]:
    """Each element with its published version (and, for policy owners, versions in progress).

    Two queries whatever the number of elements and versions.
    """
    owner = user.has_perm(MANAGE_POLICIES)
    wanted = [PolicyVersion.Status.PUBLISHED]
    if owner:
        wanted += [PolicyVersion.Status.DRAFT, PolicyVersion.Status.SUBMITTED, PolicyVersion.Status.APPROVED]
    versions = PolicyVersion.objects.filter(status__in=wanted).order_by("-number")
    entries = []
    for element in Element.objects.prefetch_related(Prefetch("versions", queryset=versions)):
        found = list(element.versions.all())
        live = next((v for v in found if v.status == PolicyVersion.Status.PUBLISHED), None)
        entries.append(LibraryEntry(element, live, [v for v in found if v.is_in_progress]))
    return entries


def element_get(*, slug: str) -> Element:
    """An element by slug, or NotFound."""
    try:
        return Element.objects.get(slug=slug)
    except Element.DoesNotExist:
        raise NotFound("No such element") from None


def policy_version_get_for_user(*, user: User, element_slug: str, number: int) -> PolicyVersion:
    """A version by element and number. Versions not yet published are policy owners' only (NotFound)."""
    version = (
        PolicyVersion.objects.select_related("element", "created_by", "approved_by")
        .filter(element__slug=element_slug, number=number)
        .first()
    )
    if version is None or (version.is_in_progress and not user.has_perm(MANAGE_POLICIES)):
        raise NotFound("No such version")
    return version


def policy_version_list_for_user(*, user: User, element: Element) -> list[PolicyVersion]:
    """The element's versions a user may see, newest first (one query)."""
    versions = PolicyVersion.objects.select_related("element", "created_by", "approved_by").filter(
        element=element
    )
    if not user.has_perm(MANAGE_POLICIES):
        versions = versions.filter(status__in=READER_STATUSES)
    return list(versions.order_by("-number"))


def policy_version_author_ids(version: PolicyVersion) -> set[int]:
    """Who wrote the version (four-eyes): its creator and everyone who saved an edit of it."""
    from rcrp.accounts.models import AuditEvent

    editors = AuditEvent.objects.filter(
        action="policies.version.edited", target_type="policies.policyversion", target_id=str(version.pk)
    ).values_list("actor_id", flat=True)
    return {version.created_by_id, *(e for e in editors if e is not None)}


def audit_events_for_version(*, version: PolicyVersion) -> list[Any]:
    """The audit trail of one version, oldest first: who created, edited, approved and published it."""
    from rcrp.accounts.models import AuditEvent

    return list(
        AuditEvent.objects.select_related("actor")
        .filter(target_type="policies.policyversion", target_id=str(version.pk))
        .order_by("occurred_at", "id")
    )


# --- Validation and scenarios ---------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario run on one version."""

    scenario: PolicyScenario
    passed: bool
    outcome_id: str = ""
    category: str = ""
    agency: str = ""
    message: str = ""
    screens: int = 0
    """The questions the handler answered to reach the outcome."""

    def __str__(self) -> str:
        return f"{self.scenario.name}: {self.message}" if self.message else self.scenario.name


@dataclass
class VersionCheck:
    """Everything that stands between a version and publication: flow problems, failing scenarios."""

    version: PolicyVersion
    problems: list[engine.Problem] = field(default_factory=list)
    results: list[ScenarioResult] = field(default_factory=list)

    @property
    def failed(self) -> list[ScenarioResult]:
        return [r for r in self.results if not r.passed]

    @property
    def passed(self) -> list[ScenarioResult]:
        return [r for r in self.results if r.passed]

    @property
    def ok(self) -> bool:
        return not self.problems and not self.failed

    def messages(self) -> list[str]:
        """One plain line per problem and per failing scenario, for an error summary."""
        lines = [f"{p.node}: {p.message}" if p.node else p.message for p in self.problems]
        lines += [f"Scenario '{r.scenario.name}' fails: {r.message}" for r in self.failed]
        return lines


def scenario_run(scenario: PolicyScenario, flow: engine.Flow) -> ScenarioResult:
    """Walk a scenario's answers through a flow and compare the end with what it expects.

    An empty expected agency means "no agency"; an empty expected outcome id, and expected
    modifiers of None, are not checked.
    """
    result = scenario_runs.run_case(flow, scenario)
    outcome = result.walk.outcome if result.walk is not None else None
    if outcome is None:
        return ScenarioResult(scenario, passed=False, message=result.message)
    return ScenarioResult(
        scenario,
        passed=result.passed,
        outcome_id=outcome.id,
        category=str(outcome.category),
        agency=outcome.agency,
        message=result.message,
        screens=result.screens,
    )


def scenarios_for_version(
    version: PolicyVersion, scenarios: Iterable[PolicyScenario] | None = None
) -> list[PolicyScenario]:
    """The element's scenarios that apply to this version's number."""
    if scenarios is None:
        scenarios = PolicyScenario.objects.filter(element_id=version.element_id)
    return [s for s in scenarios if s.element_id == version.element_id and s.applies_to(version.number)]


def policy_version_check(
    version: PolicyVersion,
    *,
    keys: set[str] | None = None,
    scenarios: Iterable[PolicyScenario] | None = None,
) -> VersionCheck:
    """Validate a version's document (agency keys included) and run the scenarios that apply to it.

    Scenarios are only run on a document that validates. Pass `keys` and `scenarios` to check many
    versions without querying again for each.
    """
    result = VersionCheck(version)
    if keys is None:
        keys = agency_keys()
    result.problems = engine.check(version.document, agency_keys=keys)
    if result.problems:
        return result
    flow = flow_for_version(version)
    result.results = [scenario_run(s, flow) for s in scenarios_for_version(version, scenarios)]
    return result


def scenario_list_for_element(*, element: Element) -> list[PolicyScenario]:
    """The element's scenarios, by name (one query)."""
    return list(PolicyScenario.objects.filter(element=element).order_by("name"))


def scenario_get(*, element: Element, pk: int) -> PolicyScenario:
    try:
        return PolicyScenario.objects.get(element=element, pk=pk)
    except PolicyScenario.DoesNotExist:
        raise NotFound("No such scenario") from None


def policy_versions_for_checking() -> list[PolicyVersion]:
    """Every stored version, by element and number (check_policies)."""
    return list(PolicyVersion.objects.select_related("element").order_by("element__order", "number"))


def policy_versions_due(*, now: datetime, element: Element | None = None) -> list[PolicyVersion]:
    """Approved versions whose effective time has come, oldest first."""
    due = PolicyVersion.objects.select_related("element", "scheduled_by").filter(
        status=PolicyVersion.Status.APPROVED, effective_from__lte=now
    )
    if element is not None:
        due = due.filter(element=element)
    return list(due.order_by("effective_from", "id"))


def agencies_used_but_not_in_force(version: PolicyVersion, *, on: date | None = None) -> list[str]:
    """Agency keys this version's outcomes name that are not in force on `on` (today by default)."""
    flow = flow_for_version(version)
    used = {o.agency for o in flow.outcomes.values() if o.agency}
    in_force = set(Agency.objects.in_force(on).filter(key__in=used).values_list("key", flat=True))
    return sorted(used - in_force)


# --- The readable document, the flowchart and the diff ------------------------------------------------


@dataclass(frozen=True)
class DocumentAnswer:
    value: str
    label: str
    hint: str
    note: str
    tags: list[str]
    target: str
    target_title: str
    answer: engine.Answer | None = None
    """The answer itself (its modifiers, not known, exclusive, matches); None for "Then"."""


@dataclass(frozen=True)
class DocumentQuestion:
    question: engine.Question
    answers: list[DocumentAnswer]
    reference: engine.Reference | None
    tags: list[str]


@dataclass(frozen=True)
class DocumentOutcome:
    outcome: engine.Outcome
    agency: Agency | None
    script: str
    record: str
    call_back_if: str
    css: str
    scripts: list[tuple[str, str]] = field(default_factory=list)
    """(audience, script) for the scripts written for one kind of caller."""
    call_backs: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class VersionDocument:
    """A version's flow laid out for reading and printing: scripts filled with the agencies' details."""

    flow: engine.Flow
    questions: list[DocumentQuestion]
    outcomes: list[DocumentOutcome]
    outline: list[str]


def _node_title(flow: engine.Flow, node_id: str) -> str:
    node = flow.get(node_id)
    if node is None:
        return f"{node_id or 'nothing'} (missing)"
    if isinstance(node, engine.Question):
        return node.text
    return f"{node.label}: {node.title}"


_AUDIENCE_WORDS = {
    engine.Audience.SELF: "the person themselves",
    engine.Audience.THIRD_PARTY: "a member of the public about someone else",
    engine.Audience.PARTNER: "a partner agency",
    engine.Audience.POLICE: "a police officer",
}


def version_document(version: PolicyVersion) -> VersionDocument:
    """The document of a version for people to read (one query for the agencies it names).

    Scripts, records and "call back if" texts are filled with each agency's name and contact from
    the directory; the incident reference stays a placeholder.
    """
    flow = flow_for_version(version)
    keys = {o.agency for o in flow.outcomes.values() if o.agency}
    agencies = {agency.key: agency for agency in Agency.objects.filter(key__in=keys)}
    questions = []
    for question in flow.questions.values():
        answers = [
            DocumentAnswer(
                value=a.value,
                label=a.label,
                hint=a.hint,
                note=a.note,
                tags=sorted(a.tags),
                target=a.next,
                target_title=_node_title(flow, a.next),
                answer=a,
            )
            for a in question.answers
        ]
        if not question.kind.has_answers:
            answers = [
                DocumentAnswer("", "Then", "", "", [], question.next, _node_title(flow, question.next))
            ]
        questions.append(
            DocumentQuestion(
                question=question,
                answers=answers,
                reference=flow.references.get(question.reference),
                tags=sorted(question.tags),
            )
        )
    outcomes = []
    for outcome in flow.outcomes.values():
        agency = agencies.get(outcome.agency)
        context = {
            "agency_name": agency.name if agency else "",
            "agency_contact": agency.contact if agency else "",
            "element": version.element.slug,
            "version": str(version.number),
        }
        outcomes.append(
            DocumentOutcome(
                outcome=outcome,
                agency=agency,
                script=engine.render(outcome.script, context),
                record=engine.render(outcome.record, context),
                call_back_if=engine.render(outcome.call_back_if, context),
                css=str(outcome.category).lower(),
                scripts=[(_AUDIENCE_WORDS[a], engine.render(t, context)) for a, t in outcome.scripts.items()],
                call_backs=[
                    (_AUDIENCE_WORDS[a], engine.render(t, context)) for a, t in outcome.call_backs.items()
                ],
            )
        )
    return VersionDocument(flow=flow, questions=questions, outcomes=outcomes, outline=engine.outline(flow))


_charts: Kept[Any] = Kept(_FLOW_CACHE_SIZE)


def flowchart_for_version(version: PolicyVersion) -> Any:
    """The server-drawn SVG flowchart of a version (policies.flowchart), cached by content hash."""
    from policies.flowchart import render_svg

    def draw() -> Any:
        flow = flow_for_version(version)
        return render_svg(
            flow,
            title=f"Flowchart of {version.element.title}, version {version.number}",
            description=(
                f"{len(flow.questions)} questions and {len(flow.outcomes)} outcomes, starting at "
                f"{flow.start}. The text outline below the chart gives the same information."
            ),
        )

    return _charts.get((version.content_hash, f"{version.element.slug} v{version.number}"), draw)


@dataclass(frozen=True)
class DiffGroup:
    node: str
    what: str  # "question", "outcome" or "flow"
    title: str
    changes: list[engine.Change]


def policy_version_diff(old: PolicyVersion, new: PolicyVersion) -> list[DiffGroup]:
    """The differences from `old` to `new` in words, grouped by question or outcome."""
    old_flow, new_flow = flow_for_version(old), flow_for_version(new)
    groups: dict[str, DiffGroup] = {}
    for change in engine.diff(old_flow, new_flow):
        if change.node not in groups:
            node = new_flow.get(change.node) or old_flow.get(change.node) if change.node else None
            what = "flow" if node is None else "question" if isinstance(node, engine.Question) else "outcome"
            title = (
                "The flow as a whole"
                if node is None
                else _node_title(new_flow if change.node in new_flow else old_flow, change.node)
            )
            groups[change.node] = DiffGroup(change.node, what, title, [])
        groups[change.node].changes.append(change)
    return list(groups.values())


def policy_version_before(version: PolicyVersion) -> PolicyVersion | None:
    """The element's version this one replaced: the highest-numbered published or retired one
    below it (one query; None for a first version)."""
    return (
        PolicyVersion.objects.filter(
            element_id=version.element_id,
            number__lt=version.number,
            status__in=[PolicyVersion.Status.PUBLISHED, PolicyVersion.Status.RETIRED],
        )
        .order_by("-number")
        .first()
    )


_changed: Kept[dict[str, list[str]]] = Kept(_FLOW_CACHE_SIZE)


def changed_questions(version: PolicyVersion, before: PolicyVersion | None) -> dict[str, list[str]]:
    """Each question of `version` that is new or changed since `before`, with what changed in words.
    Versions never change once published, so the answer is kept per pair of content hashes."""
    if before is None:
        return {}

    def compare() -> dict[str, list[str]]:
        new_flow = flow_for_version(version)
        return {
            group.node: [str(change) for change in group.changes]
            for group in policy_version_diff(before, version)
            if group.what == "question" and isinstance(new_flow.get(group.node), engine.Question)
        }

    return _changed.get((before.content_hash, version.content_hash), compare)


_changed_by_version: dict[tuple[int, str], dict[str, list[str]]] = {}


def changed_questions_for(version: PolicyVersion) -> dict[str, list[str]]:
    """`changed_questions` since the version this one replaced, kept per version (its predecessor
    and both documents are fixed once it is published): no query after the first call."""
    key = (version.pk, version.content_hash)
    found = _changed_by_version.get(key)
    if found is None:
        found = changed_questions(version, policy_version_before(version))
        _changed_by_version[key] = found
    return found
