"""The permission ladder: every URL in the URLconf, every role, the exact status each must get.

LADDER has one row per URL name: the method, and the status each role must get. test_permission_ladder
asks for the URL with REAL objects behind its parameters (a decision the call handler owns, an
escalation on it, the policy version in the state the page needs, a staff record, a session, ...),
once per role, each request in a savepoint that is rolled back, so no request changes what the next
role finds. A 403 from a role check and a 404 from an object gate are different answers, so a check
that goes missing shows. A URL name without a row fails test_every_url_has_a_row.

test_the_ladder_catches_a_removed_role_check proves the table can fail: for each view with a role
decorator it serves that one view without its role check (only sign-in kept) and asserts that some
role's status then differs from the table.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from policies import flow as engine
from policies.models import Agency, PolicyScenario, PolicyVersion
from policies.selectors import flow_for_version
from tests.policies.factories import (
    PolicyScenarioFactory,
    PolicyVersionFactory,
    element,
    published_version,
    tiny_agencies,
    tiny_flow,
)
from tests.training.factories import (
    BookingFactory,
    CourseFactory,
    StaffMemberFactory,
    TrainingSessionFactory,
    site,
)
from toolkit import services as toolkit_services
from toolkit.models import Decision, Escalation
from toolkit.selectors.practice import expected_walk
from training.models import (
    Booking,
    Course,
    PracticeCard,
    PracticeSet,
    RotaAssignment,
    RotaPlanPeriod,
    Shift,
    Site,
    StaffMember,
    TrainingSession,
)
from training.services.practice import practice_set_create

# The columns of the ladder, in order. "handler" owns the objects (the decision, its escalation);
# "other_handler" is a second call handler; "outsider" is signed in with no role at all.
ROLES = (
    "anonymous",
    "handler",
    "other_handler",
    "floor_walker",
    "supervisor",
    "trainer",
    "policy_owner",
    "auditor",
    "administrator",
    "outsider",
)
FIXTURES = {  # role -> the user fixture in tests/conftest.py
    "handler": "call_handler",
    "other_handler": "second_call_handler",
    "floor_walker": "floor_walker",
    "supervisor": "supervisor",
    "trainer": "trainer",
    "policy_owner": "policy_owner",
    "auditor": "auditor",
    "administrator": "administrator",
    "outsider": "outsider",
}
LOGIN = "/accounts/login/"
# URL names anyone may open without signing in.
PUBLIC = {"login", "healthz", "logout"}
# Views deliberately open to every signed-in user: no role decorator (the mutation check skips them).
# The decision pages gate by object instead (the handler's own, or supervisors and auditors: 404).
OPEN_TO_EVERY_SIGNED_IN_USER = {
    "home",
    "policies:library",
    "policies:element",
    "policies:diff",
    "policies:version",
    "policies:version-flowchart",
    "policies:version-print",
    "training:acknowledge",
    "toolkit:decision",
    "toolkit:decision-note",
    "toolkit:decision-evidence",
    "toolkit:decision-evidence-json",
}


@dataclass(frozen=True)
class Row:
    method: str
    expected: dict[str, int]
    on: str = ""  # the World object a <pk>, <number> or <reference> names (see World.kwargs)
    data: dict[str, str] = field(default_factory=dict)  # the POST body
    query: dict[str, str] = field(default_factory=dict)  # the query string
    xfail: dict[str, str] = field(default_factory=dict)  # role -> why its status is knowingly wrong


def row(method: str, statuses: str, **options: Any) -> Row:
    """One line of the ladder: the method and one status per role, in the order of ROLES."""
    codes = [int(code) for code in statuses.split()]
    assert len(codes) == len(ROLES), f"{statuses!r}: one status per role, {len(ROLES)} in all"
    assert set(options.get("xfail", {})) <= set(ROLES), options["xfail"]
    return Row(method=method, expected=dict(zip(ROLES, codes, strict=True)), **options)


# One row per URL name; "name [case]" adds another case for the same URL (e.g. a draft version).
# on=: the World object a <pk>, <number> or <reference> names; a POST sends `data` (empty by
# default), so a 400 from the form is a fine answer. `data` and `query` values may name World
# objects: "{w.decision.reference}". A cell whose status is knowingly wrong keeps
# the RIGHT status and gets xfail={"role": "why"} (a strict xfail: it fails once fixed).
# fmt: off
LADDER: dict[str, Row] = {
    #                                         anon own  oth  walk sup  trn  pol  aud  adm  none
    "home":                           row("GET",  "302 200 200 200 200 200 200 200 200 200"),
    "healthz":                        row("GET",  "200 200 200 200 200 200 200 200 200 200"),
    "login":                          row("GET",  "200 302 302 302 302 302 302 302 302 302"),
    "logout":                         row("POST", "302 302 302 302 302 302 302 302 302 302"),
    # The live call: handlers and supervisors take calls; a call is its handler's alone (404).
    #                                         anon own  oth  walk sup  trn  pol  aud  adm  none
    "toolkit:start":                  row("GET",  "302 200 200 403 200 403 403 403 200 403"),
    "toolkit:start [deploy]":         row("POST", "302 302 302 403 302 403 403 403 302 403",
                                          data={"deploy": "1"}),
    # New information: start from an earlier decision, one the user may read (else 404).
    "toolkit:start [re-assess]":      row("GET",  "302 200 404 403 200 403 403 403 200 403",
                                          query={"follows": "{w.decision.reference}"}),
    "toolkit:deploy-now":             row("GET",  "302 200 200 403 200 403 403 403 200 403"),
    "toolkit:my-calls":               row("GET",  "302 200 200 403 200 403 403 403 200 403"),
    "toolkit:call":                   row("GET",  "302 200 404 403 404 404 404 403 404 403"),
    "toolkit:answer":                 row("POST", "302 302 404 403 404 404 404 403 404 403",
                                          data={"position": "1"}),
    "toolkit:change":                 row("GET",  "302 200 404 403 404 404 404 403 404 403"),
    "toolkit:override":               row("GET",  "302 200 404 403 404 404 404 403 404 403"),
    "toolkit:escalate":               row("GET",  "302 200 404 403 404 404 404 403 404 403"),
    "toolkit:escalation-status":      row("GET",  "302 200 404 403 404 404 404 403 404 403"),
    "toolkit:complete":               row("POST", "302 302 404 403 404 404 404 403 404 403"),
    # Practice: anyone who takes calls, trains or owns policy; a practice call is its handler's only.
    "toolkit:practice":               row("GET",  "302 200 200 403 200 200 200 403 200 403"),
    "toolkit:practice-cards-make":    row("POST", "302 403 403 403 403 400 400 403 400 403"),
    "toolkit:practice-card":          row("GET",  "302 200 200 403 200 200 200 403 200 403",
                                          on="practice_card"),
    "toolkit:practice-start":         row("POST", "302 302 302 403 302 302 302 403 302 403",
                                          on="practice_card"),
    "toolkit:practice-result":        row("GET",  "302 200 404 403 404 404 404 403 404 403",
                                          on="practice_call"),
    "toolkit:practice-card-write":    row("POST", "302 403 403 403 403 404 404 403 404 403",
                                          on="practice_call"),
    "training:practice-sets":         row("GET",  "302 403 403 403 403 200 403 403 200 403"),
    "training:practice-set-new":      row("GET",  "302 403 403 403 403 200 403 403 200 403"),
    "training:practice-set":          row("GET",  "302 403 403 403 403 200 403 403 200 403",
                                          on="practice_set"),
    # s136: the call's handler or a supervisor records the handover (stops the clock).
    "toolkit:handover":               row("GET",  "302 200 404 403 200 403 403 403 200 403", on="s136_call"),
    # Escalations: floor walkers, supervisors (and administrators) answer them.
    "toolkit:escalations":            row("GET",  "302 403 403 200 200 403 403 403 200 403"),
    "toolkit:escalation-rows":        row("GET",  "302 403 403 200 200 403 403 403 200 403"),
    "toolkit:escalation-claim":       row("POST", "302 403 403 302 302 403 403 403 302 403", on="escalation"),
    "toolkit:escalation-answer":      row("GET",  "302 403 403 200 200 403 403 403 200 403", on="escalation"),
    # The decision log: supervisors and auditors read every decision, floor walkers their site's,
    # a handler their own (the list and its export are scoped, never refused to them).
    "toolkit:decisions":              row("GET",  "302 200 200 200 200 403 403 200 200 403"),
    "toolkit:decisions-export":       row("GET",  "302 200 200 200 200 403 403 200 200 403"),
    "toolkit:decision":               row("GET",  "302 200 404 404 200 404 404 200 200 404"),
    "toolkit:decision-note":          row("POST", "302 400 404 404 400 404 404 403 400 404"),
    "toolkit:decision-evidence":      row("GET",  "302 200 404 404 200 404 404 200 200 404"),
    "toolkit:decision-evidence-json": row("GET",  "302 200 404 404 200 404 404 200 200 404"),
    # Quality review: supervisors review (never their own decision); auditors read compliance.
    "toolkit:reviews":                row("GET",  "302 403 403 403 200 403 403 403 200 403"),
    "toolkit:review":                 row("GET",  "302 403 403 403 200 403 403 403 200 403"),
    "toolkit:review-compliance":      row("GET",  "302 403 403 403 200 403 403 200 200 403"),
    # Friction analytics: policy owners, supervisors and auditors.
    "toolkit:friction":               row("GET",  "302 403 403 403 200 403 200 200 200 403"),
    # The challenges and escalations register: supervisors and auditors.
    "toolkit:register":               row("GET",  "302 403 403 403 200 403 403 200 200 403"),
    "toolkit:register-export":        row("GET",  "302 403 403 403 200 403 403 200 200 403"),
    "toolkit:register-partners":      row("GET",  "302 403 403 403 200 403 403 200 200 403"),
    "toolkit:register-handovers":     row("GET",  "302 403 403 403 200 403 403 200 200 403"),
    # The access log: auditors (and administrators) search who read which decision.
    "toolkit:access-log":             row("GET",  "302 403 403 403 403 403 403 200 200 403"),
    "toolkit:dashboard":              row("GET",  "302 403 403 403 200 403 403 200 200 403"),
    "toolkit:baseline":               row("GET",  "302 403 403 403 403 403 403 403 200 403"),
    "toolkit:baseline-enter":         row("POST", "302 403 403 403 403 403 403 403 400 403"),
    "toolkit:baseline-import":        row("POST", "302 403 403 403 403 403 403 403 400 403"),
    # Policies: everyone reads the published policy; policy owners alone see versions in progress.
    #                                         anon own  oth  walk sup  trn  pol  aud  adm  none
    "policies:library":               row("GET",  "302 200 200 200 200 200 200 200 200 200"),
    "policies:element":               row("GET",  "302 200 200 200 200 200 200 200 200 200"),
    "policies:diff":                  row("GET",  "302 200 200 200 200 200 200 200 200 200"),
    "policies:version":               row("GET",  "302 200 200 200 200 200 200 200 200 200"),
    "policies:version [draft]":       row("GET",  "302 404 404 404 404 404 200 404 200 404", on="draft"),
    "policies:version-flowchart":     row("GET",  "302 200 200 200 200 200 200 200 200 200"),
    "policies:version-flowchart [draft]":
                                      row("GET",  "302 404 404 404 404 404 200 404 200 404", on="draft"),
    "policies:version-print":         row("GET",  "302 200 200 200 200 200 200 200 200 200"),
    "policies:version-print [draft]": row("GET",  "302 404 404 404 404 404 200 404 200 404", on="draft"),
    "policies:agencies":              row("GET",  "302 403 403 403 403 403 200 403 200 403"),
    "policies:agency-create":         row("GET",  "302 403 403 403 403 403 200 403 200 403"),
    "policies:agency":                row("GET",  "302 403 403 403 403 403 200 403 200 403"),
    "policies:agency-edit":           row("GET",  "302 403 403 403 403 403 200 403 200 403"),
    "policies:draft-create":          row("POST", "302 403 403 403 403 403 302 403 302 403"),
    "policies:draft-edit":            row("GET",  "302 403 403 403 403 403 200 403 200 403", on="draft"),
    "policies:version-submit":        row("GET",  "302 403 403 403 403 403 200 403 200 403", on="draft"),
    "policies:version-approve":       row("GET",  "302 403 403 403 403 403 200 403 200 403", on="submitted"),
    "policies:version-return":        row("GET",  "302 403 403 403 403 403 200 403 200 403", on="submitted"),
    "policies:version-publish":       row("GET",  "302 403 403 403 403 403 200 403 200 403", on="approved"),
    "policies:version-unschedule":    row("POST", "302 403 403 403 403 403 302 403 302 403", on="scheduled"),
    "policies:version-changes":       row("GET",  "302 403 403 403 403 403 200 403 200 403", on="draft"),
    "policies:scenarios":             row("GET",  "302 403 403 403 403 403 200 403 200 403"),
    "policies:scenario-create":       row("GET",  "302 403 403 403 403 403 200 403 200 403"),
    "policies:scenario-edit":         row("GET",  "302 403 403 403 403 403 200 403 200 403", on="scenario"),
    # Training: trainers (and administrators) run it; everyone acknowledges policy changes.
    #                                         anon own  oth  walk sup  trn  pol  aud  adm  none
    "training:dashboard":             row("GET",  "302 403 403 403 403 200 403 403 200 403"),
    "training:untrained-csv":         row("GET",  "302 403 403 403 403 200 403 403 200 403"),
    # Site-by-site go-live: administrators (accounts.manage_service) switch RCRP on or off.
    "training:go-live":               row("GET",  "302 403 403 403 403 403 403 403 200 403"),
    "training:go-live-site":          row("GET",  "302 403 403 403 403 403 403 403 200 403", on="site"),
    "training:roster":                row("GET",  "302 403 403 403 403 200 403 403 200 403"),
    "training:import":                row("GET",  "302 403 403 403 403 200 403 403 200 403"),
    "training:staff-detail":          row("GET",  "302 403 403 403 403 200 403 403 200 403", on="staff"),
    "training:staff-active":          row("POST", "302 403 403 403 403 302 403 403 302 403", on="staff"),
    "training:staff-book":            row("GET",  "302 403 403 403 403 200 403 403 200 403", on="staff"),
    "training:staff-completion":      row("GET",  "302 403 403 403 403 200 403 403 200 403", on="staff"),
    "training:staff-link-account":    row("GET",  "302 403 403 403 403 200 403 403 200 403", on="staff"),
    "training:courses":               row("GET",  "302 403 403 403 403 200 403 403 200 403"),
    "training:course-create":         row("GET",  "302 403 403 403 403 200 403 403 200 403"),
    "training:course-make-current":   row("POST", "302 403 403 403 403 302 403 403 302 403", on="course"),
    "training:course-practice":       row("GET",  "302 403 403 403 403 200 403 403 200 403", on="course"),
    "training:sessions":              row("GET",  "302 403 403 403 403 200 403 403 200 403"),
    "training:session-create":        row("GET",  "302 403 403 403 403 200 403 403 200 403"),
    "training:session-detail":        row("GET",  "302 403 403 403 403 200 403 403 200 403", on="session"),
    "training:session-fill":          row("POST", "302 403 403 403 403 302 403 403 302 403", on="session"),
    "training:session-attendance":    row("GET",  "302 403 403 403 403 200 403 403 200 403", on="session"),
    "training:booking-cancel":        row("POST", "302 403 403 403 403 302 403 403 302 403", on="booking"),
    "training:booking-rebook":        row("GET",  "302 403 403 403 403 200 403 403 200 403", on="booking"),
    "training:acknowledge":           row("GET",  "302 200 200 200 200 200 200 200 200 200"),
    "training:acknowledgements":      row("GET",  "302 403 403 403 403 200 403 403 200 403"),
    "training:acknowledgement-detail":
                                      row("GET",  "302 403 403 403 403 200 403 403 200 403", on="live"),
    # Floor walkers: the rota and the support log; supervisors plan who walks the floor; trainers
    # read the rota.
    "training:rota":                  row("GET",  "302 403 403 200 200 200 403 403 200 403"),
    "training:rota-assign":           row("GET",  "302 403 403 403 200 403 403 403 200 403"),
    "training:rota-remove":           row("POST", "302 403 403 403 302 403 403 403 302 403", on="rota_entry"),
    "training:rota-plan":             row("GET",  "302 403 403 403 403 200 403 403 200 403"),
    "training:rota-plan-delete":      row("POST", "302 403 403 403 403 302 403 403 302 403", on="rota_plan"),
    "training:support":               row("GET",  "302 403 403 200 200 403 403 403 200 403"),
    "training:support-summary":       row("GET",  "302 403 403 403 200 403 403 403 200 403"),
    # The support plan against its budget: supervisors and trainers read it, administrators enter it.
    "training:support-budget":        row("GET",  "302 403 403 403 200 200 403 403 200 403"),
    "training:support-budget-edit":   row("GET",  "302 403 403 403 403 403 403 403 200 403"),
}
# fmt: on


def url_of(key: str) -> str:
    """The URL name of a LADDER key ("policies:version [draft]" -> "policies:version")."""
    return key.split(" [", 1)[0]


# --- The URLconf --------------------------------------------------------------------------------------


def _walk(resolver: URLResolver, namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue  # the admin is covered by test_admin_sends_anonymous_users_to_login
            yield from _walk(entry, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", entry


PATTERNS: dict[str, URLPattern] = dict(_walk(get_resolver()))


def _closure(func: Any) -> dict[str, Any]:
    code = getattr(func, "__code__", None)
    if code is None or not func.__closure__:
        return {}
    return {name: cell.cell_contents for name, cell in zip(code.co_freevars, func.__closure__, strict=True)}


def role_checks(view: Callable[..., Any]) -> set[str]:
    """The permissions a view's decorators check: Django's permission_required (through
    user_passes_test) and the toolkit's any_permission_required, found in each layer's closure."""
    found: set[str] = set()
    layer: Any = view
    while layer is not None:
        cells = _closure(layer)
        found.update(cells.get("perms", ()))
        found.update(_closure(cells.get("test_func")).get("perms", ()))
        layer = getattr(layer, "__wrapped__", None)
    return found


def _without_role_check(patterns: list[Any], target: str, namespace: str = "") -> list[Any]:
    """A copy of the URL patterns in which `target`'s view keeps only login_required."""
    copied: list[Any] = []
    for entry in patterns:
        if isinstance(entry, URLResolver) and entry.app_name != "admin":
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            module = ModuleType(f"urls_without_role_check.{ns or 'root'}")
            module.urlpatterns = _without_role_check(entry.url_patterns, target, ns)  # type: ignore[attr-defined]
            entry = URLResolver(entry.pattern, module, entry.default_kwargs, entry.app_name, entry.namespace)
        elif isinstance(entry, URLPattern) and f"{namespace}{entry.name}" == target:
            view = login_required(inspect.unwrap(entry.callback))
            entry = URLPattern(entry.pattern, view, entry.default_args, entry.name)
        copied.append(entry)
    return copied


def urlconf_without_role_check(target: str) -> ModuleType:
    module = ModuleType(f"urls_without_role_check_of_{target}")
    module.urlpatterns = _without_role_check(get_resolver().url_patterns, target)  # type: ignore[attr-defined]
    return module


# --- The objects behind the URLs ----------------------------------------------------------------------


class World:
    """Real objects for the URL parameters, each made on first use: a published welfare policy (the
    tiny flow), a call the handler has started and answered once, an escalation on it, versions in
    progress, an agency, a scenario, staff, a course, a session and a booking, rota rows."""

    def __init__(self, request: pytest.FixtureRequest) -> None:
        self._request = request

    def user(self, role: str) -> Any:
        return self._request.getfixturevalue(FIXTURES[role])

    def kwargs(self, key: str, row: Row) -> dict[str, Any]:
        """The URL's parameters, from the objects (made now if they are not yet)."""
        values: dict[str, Any] = {}
        for name in PATTERNS[url_of(key)].pattern.converters:
            if name == "reference":
                values[name] = getattr(self, row.on or "decision").reference
            elif name == "position":
                values[name] = 0  # the first question, answered already
            elif name == "slug":
                values[name] = self.live.element.slug
            elif name == "number":
                values[name] = getattr(self, row.on or "live").number
            elif name == "key":
                values[name] = self.agency.key
            elif name == "pk" and row.on:
                values[name] = getattr(self, row.on).pk
            else:
                raise AssertionError(f"{key}: teach World what <{name}> names (or give the row on=...)")
        return values

    @cached_property
    def live(self) -> PolicyVersion:
        """Welfare v1, published: the tiny flow, written by one policy owner, approved by another."""
        tiny_agencies()
        return published_version(
            author=self._request.getfixturevalue("second_policy_owner"),
            approver=self.user("policy_owner"),
            element=element("welfare"),
            number=1,
            acknowledgement_required=True,
        )

    def _in_progress(self, status: str, **values: Any) -> PolicyVersion:
        return PolicyVersionFactory(
            element=self.live.element,
            number=2,
            status=status,
            created_by=self._request.getfixturevalue("second_policy_owner"),
            **values,
        )

    @cached_property
    def draft(self) -> PolicyVersion:
        return self._in_progress(PolicyVersion.Status.DRAFT)

    @cached_property
    def submitted(self) -> PolicyVersion:
        return self._in_progress(PolicyVersion.Status.SUBMITTED, submitted_at=timezone.now())

    @cached_property
    def approved(self) -> PolicyVersion:
        now = timezone.now()
        return self._in_progress(
            PolicyVersion.Status.APPROVED,
            submitted_at=now,
            approved_at=now,
            approved_by=self.user("policy_owner"),
            legal_clearance_ref="LEGAL-TEST-2",
        )

    @cached_property
    def scheduled(self) -> PolicyVersion:
        """Approved, and due to be published tomorrow."""
        version = self.approved
        version.effective_from = timezone.now() + timedelta(days=1)
        version.save(update_fields=["effective_from"])
        return version

    @cached_property
    def decision(self) -> Decision:
        """The handler's call on welfare, in progress, with the first question answered."""
        handler = self.user("handler")
        decision = toolkit_services.decision_start(
            actor=handler,
            element=self.live.element,
            caller_type=Decision.CallerType.PUBLIC,
            incident_ref="CAD 123/26NOV26",
        )
        toolkit_services.decision_answer(
            reference=decision.reference,
            actor=handler,
            step=decision.step,
            position=0,
            question_id="q_crime",
            raw_value="no",
        )
        decision.refresh_from_db()
        return decision

    @cached_property
    def s136_call(self) -> Decision:
        """The handler's s136 call, in progress, arrived at the place of safety: the clock runs."""
        flow = tiny_flow("s136")
        arrival = {"id": "q_arrival", "text": "Arrived when?", "kind": "time", "tags": ["pos_arrival"]}
        flow["questions"].insert(3, {**arrival, "next": "q_checks"})  # after q_harm, before the checks
        flow["questions"][2]["answers"][1]["next"] = "q_arrival"  # q_harm "no" asks the arrival time
        version = published_version(
            author=self._request.getfixturevalue("second_policy_owner"),
            approver=self.user("policy_owner"),
            element=element("s136"),
            number=1,
            document=flow,
            content_hash=engine.content_hash(flow),
        )
        handler = self.user("handler")
        decision = toolkit_services.decision_start(
            actor=handler,
            element=version.element,
            caller_type=Decision.CallerType.PUBLIC,
            incident_ref="CAD 124/26NOV26",
        )
        arrived = f"{timezone.localtime():%H:%M}"
        for position, (question, value) in enumerate(
            [("q_crime", "no"), ("q_risk", "no"), ("q_harm", "no"), ("q_arrival", arrived)]
        ):
            decision.refresh_from_db()
            toolkit_services.decision_answer(
                reference=decision.reference,
                actor=handler,
                step=decision.step,
                position=position,
                question_id=question,
                raw_value=value,
            )
        decision.refresh_from_db()
        assert decision.pos_arrival_at is not None, "the s136 clock should be running"
        return decision

    @cached_property
    def practice_card(self) -> PracticeCard:
        """A practice card on the live version, from its scenario."""
        scenario = self.scenario
        toolkit_services.practice_cards_make(version=self.live)
        return PracticeCard.objects.get(policy_version=self.live, scenario_name=scenario.name)

    @cached_property
    def practice_set(self) -> PracticeSet:
        return practice_set_create(
            title="Set", pass_mark=1, card_ids=[self.practice_card.pk], actor=self.user("trainer")
        )

    @cached_property
    def practice_call(self) -> Decision:
        """The handler's practice call from the card, walked to its outcome and completed."""
        handler = self.user("handler")
        card = self.practice_card
        decision = toolkit_services.practice_start(actor=handler, card=card)
        steps = expected_walk(card, flow_for_version(self.live)).asked  # jsonb keeps no key order
        for position, (question, value) in enumerate((s.question.id, s.value) for s in steps):
            decision.refresh_from_db()
            toolkit_services.decision_answer(
                reference=decision.reference,
                actor=handler,
                step=decision.step,
                position=position,
                question_id=question,
                raw_value=value,
            )
        decision.refresh_from_db()
        toolkit_services.decision_complete(
            reference=decision.reference, actor=handler, step=decision.step, caller_told=True
        )
        decision.refresh_from_db()
        return decision

    @cached_property
    def escalation(self) -> Escalation:
        return toolkit_services.escalation_raise(
            reference=self.decision.reference, actor=self.user("handler"), reason=Escalation.Reason.UNSURE
        )

    @cached_property
    def agency(self) -> Agency:
        self.live  # noqa: B018 - the agencies come with the policy
        return Agency.objects.get(key="nhs_111_mh")

    @cached_property
    def scenario(self) -> PolicyScenario:
        return PolicyScenarioFactory(element=self.live.element)

    @cached_property
    def staff(self) -> StaffMember:
        return StaffMemberFactory()

    @cached_property
    def course(self) -> Course:
        return CourseFactory()

    @cached_property
    def session(self) -> TrainingSession:
        return TrainingSessionFactory(course=self.course, trainer=self.user("trainer"))

    @cached_property
    def booking(self) -> Booking:
        return BookingFactory(session=self.session, staff=self.staff)

    @cached_property
    def rota_entry(self) -> RotaAssignment:
        return RotaAssignment.objects.create(
            date=timezone.localdate(),
            site=site("lambeth"),
            shift=Shift.EARLY,
            floor_walker=self.user("floor_walker"),
            created_by=self.user("supervisor"),
        )

    @cached_property
    def site(self) -> Site:
        """A site (its go-live page)."""
        return site("hendon")

    @cached_property
    def rota_plan(self) -> RotaPlanPeriod:
        return RotaPlanPeriod.objects.create(starts_on=timezone.localdate(), walkers_per_shift=2)


def _send(client: Client, method: str, url: str, data: dict[str, str]) -> HttpResponse:
    if method == "GET":
        return client.get(url)
    assert method == "POST", method
    return client.post(url, data)


def climb(world: World, key: str, roles: tuple[str, ...] = ROLES, *, mutant: bool = False) -> dict[str, Any]:
    """The row's request for `key` once per role: each in a savepoint rolled back afterwards, so no
    request changes what the next role finds (each signs in just before, outside the savepoint).

    mutant: the view's role check is removed, so errors count as a 500 and the climb stops at
    the first role whose status differs from the table (one is enough to prove the ladder fails).
    """
    row = LADDER[key]
    url = reverse(url_of(key), kwargs=world.kwargs(key, row))
    if row.query:
        url += "?" + urlencode({name: value.format(w=world) for name, value in row.query.items()})
    data = {name: value.format(w=world) for name, value in row.data.items()}
    responses: dict[str, Any] = {}
    for role in roles:
        client = Client(raise_request_exception=not mutant)
        if role != "anonymous":
            client.force_login(world.user(role))
        with transaction.atomic():
            responses[role] = _send(client, row.method, url, data)
            transaction.set_rollback(True)
        if mutant and responses[role].status_code != row.expected[role]:
            break
    return responses


def _problems(key: str, role: str, response: Any) -> list[str]:
    """Where `role`'s response to `key` differs from the ladder (empty: as the table says)."""
    expected = LADDER[key].expected[role]
    location = response.get("Location", "")
    if response.status_code != expected:
        return [f"{role}: {response.status_code} {location}".rstrip() + f", the ladder says {expected}"]
    if role == "anonymous" and url_of(key) not in PUBLIC and not location.startswith(LOGIN):
        return [f"{role}: sent to {location}, not to the sign-in page"]
    if role != "anonymous" and expected == 302 and url_of(key) != "logout" and location.startswith(LOGIN):
        return [f"{role}: sent to sign in again ({location}) instead of being refused"]
    return []


# --- The tests ----------------------------------------------------------------------------------------


def test_the_urlconf_was_walked() -> None:
    some = {"home", "login", "healthz", "toolkit:call", "policies:version", "training:roster"}
    assert some <= set(PATTERNS)


def test_every_url_has_a_row() -> None:
    missing = sorted(set(PATTERNS) - {url_of(key) for key in LADDER})
    assert not missing, "\n".join(f"add a row for {name} to LADDER" for name in missing)


def test_every_row_names_a_url() -> None:
    stale = sorted(key for key in LADDER if url_of(key) not in PATTERNS)
    assert not stale, f"rows for URL names the URLconf no longer has: {stale}"


def test_the_open_views_are_the_ones_without_a_role_check() -> None:
    """Every view checks a role, except those listed as open (so the list cannot drift)."""
    unchecked = {name for name, pattern in PATTERNS.items() if not role_checks(pattern.callback)}
    assert unchecked - PUBLIC == OPEN_TO_EVERY_SIGNED_IN_USER


@pytest.mark.django_db
@pytest.mark.parametrize("key", [key for key in LADDER if url_of(key) in PATTERNS])
def test_permission_ladder(request: pytest.FixtureRequest, key: str) -> None:
    """Every role gets exactly the status in its cell of the row (known-wrong cells: strict xfail)."""
    row = LADDER[key]
    responses = climb(World(request), key)
    wrong = {role: _problems(key, role, response) for role, response in responses.items()}
    unexpected = [p for role, problems in wrong.items() if role not in row.xfail for p in problems]
    fixed = [role for role in row.xfail if not wrong[role]]
    assert not unexpected, f"{key} ({row.method}):\n" + "\n".join(unexpected)
    assert not fixed, f"{key}: {fixed} now get what the ladder says: remove their xfail"
    if row.xfail:
        pytest.xfail("; ".join(f"{role}: {reason}" for role, reason in row.xfail.items()))


ROLE_CHECKED = sorted(set(PATTERNS) - PUBLIC - OPEN_TO_EVERY_SIGNED_IN_USER)
# The role most likely to show a removed check first: one with no role at all.
MUTANT_ORDER = ("outsider", *(role for role in ROLES if role not in {"outsider", "anonymous"}))


@pytest.mark.django_db
@pytest.mark.parametrize("name", ROLE_CHECKED)
def test_the_ladder_catches_a_removed_role_check(request: pytest.FixtureRequest, name: str) -> None:
    """Serve `name` with its role decorators removed (only login_required kept): some role in its
    ladder rows must then get a status other than the table's."""
    keys = [key for key in LADDER if url_of(key) == name]
    assert keys, f"add a row for {name} to LADDER"
    assert role_checks(PATTERNS[name].callback), (
        f"{name} has no role decorator: give it one, or list it in OPEN_TO_EVERY_SIGNED_IN_USER"
    )
    world = World(request)
    with override_settings(ROOT_URLCONF=urlconf_without_role_check(name)):
        for key in keys:
            responses = climb(world, key, MUTANT_ORDER, mutant=True)
            if any(r.status_code != LADDER[key].expected[role] for role, r in responses.items()):
                return
    pytest.fail(f"{name} without its role check: every role got what the ladder says")


@pytest.mark.django_db
def test_admin_sends_anonymous_users_to_login(client: Any) -> None:
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(LOGIN)


@pytest.mark.django_db
def test_admin_refuses_signed_in_users_who_are_not_administrators(client: Any, supervisor: Any) -> None:
    client.force_login(supervisor)
    response = client.get("/admin/", follow=True)
    assert response.status_code in {403, 200}
    assert b"Site administration" not in response.content
