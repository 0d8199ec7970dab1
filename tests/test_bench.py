"""The load benchmark's own parts (not the load run): the scenario walker, Locust's statistics read
back into latest.json, the target verdicts, and the bench-only URL conf."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from bench import _journey, _report
from policies import flow as engine
from tests.policies.factories import published_v2

ROOT = Path(__file__).resolve().parents[1]
ELEMENTS = ("welfare", "awol", "s136", "transport")
JOURNEYS = _journey.shipped_journeys()


# --- The scenario walker ---------------------------------------------------------------------------


def test_every_shipped_scenario_is_a_journey() -> None:
    shipped = sum(
        len(json.loads(p.read_text())) for p in (ROOT / "policies/content/v2/scenarios").glob("*.json")
    )
    assert len(JOURNEYS) == shipped >= 120
    assert {j.element for j in JOURNEYS} == set(ELEMENTS)


@pytest.mark.parametrize("moment", ["12:00", "00:20"])
def test_the_walker_answers_every_shipped_scenario_to_its_outcome_on_the_flow_engine(moment: str) -> None:
    """The form fields the walker sends, read back as the answer view reads them and cleaned by the
    engine, reach each scenario's expected outcome (also just after midnight, for the s136 clock)."""
    hours, minutes = map(int, moment.split(":"))
    now = dt.datetime(2026, 12, 2, hours, minutes, tzinfo=_journey.LONDON)
    kinds = set()
    for journey in JOURNEYS:
        asked, outcome = _journey.engine_walk(journey, now)
        assert isinstance(outcome, engine.Outcome), journey.name
        assert outcome.id == journey.expected_outcome, journey.name
        assert outcome.category == journey.expected_category, journey.name
        kinds |= {journey.flow.questions[q].kind for q in asked}
    assert {engine.Kind.CHOICE, engine.Kind.MULTI, engine.Kind.CHECKLIST} <= kinds


def test_the_s136_clock_scenarios_answer_the_arrival_before_now() -> None:
    clocked = [j for j in JOURNEYS if j.facts.get("arrival_elapsed")]
    assert clocked
    now = dt.datetime(2026, 12, 2, 0, 30, tzinfo=_journey.LONDON)
    for journey in clocked:
        arrival = next(
            journey.answers_at(now)[q.id]
            for q in journey.flow.questions.values()
            if engine.Tag.POS_ARRIVAL in q.tags
        )
        minutes = 75 if journey.facts["arrival_elapsed"] == engine.ELAPSED[1] else 10
        assert arrival == (now - dt.timedelta(minutes=minutes)).strftime("%H:%M")


def test_a_note_is_written_where_an_answer_needs_one() -> None:
    noted = [
        (q, a)
        for j in JOURNEYS
        for q in j.flow.questions.values()
        if q.kind is engine.Kind.CHOICE
        for a in q.answers
    ]
    question, answer = next((q, a) for q, a in noted if a.needs_note)
    assert (f"note_{answer.value}", _journey.NOTE) in _journey.answer_fields(
        question, answer.value, language=2
    )


def test_forms_are_read_with_their_hidden_fields_ticks_and_outside_inputs() -> None:
    html = """
      <form method="post" action="/toolkit/start/" id="start-form">
        <input type="hidden" name="csrfmiddlewaretoken" value="abc">
        <input type="radio" name="element" value="1"><input type="radio" name="element" value="2" checked>
        <select name="partner_kind"><option value="">Select</option>
          <option value="gp" selected>GP</option></select>
        <textarea name="note">said so</textarea><button name="start">Start</button>
      </form>
      <input type="checkbox" name="las" value="on" form="start-form" checked>
      <form action="/other/"><input name="q" value="x"></form>"""
    start, other = _journey.parse_forms(html)
    assert start.defaults() == [
        ("csrfmiddlewaretoken", "abc"),
        ("element", "2"),
        ("partner_kind", "gp"),
        ("note", "said so"),
        ("las", "on"),
    ]
    assert start.choices("element") == ["1", "2"]
    assert (other.action, other.defaults()) == ("/other/", [("q", "x")])


def test_forms_are_read_by_tag_with_entities_quotes_and_markup_in_textareas() -> None:
    """The regular-expression reader: attribute values unescaped whatever their quoting, a '>'
    inside a quoted value, markup-like text in a textarea kept as text, and other tags ignored."""
    html = """<p>Intro <b>bold</b></p>
      <FORM method='POST' action="/a/?x=1&amp;y=2" id=f1>
        <input type=hidden name=step value=3>
        <input type="text" name="title" value="a &gt; b &quot;c&quot;" data-x='1>2'>
        <textarea name="note">&lt;input name=&quot;fake&quot;&gt; 5 &lt; 6</textarea>
        <input type="checkbox" name="box" value="v">
      </FORM>"""
    (form,) = _journey.parse_forms(html)
    assert (form.method, form.action, form.id) == ("post", "/a/?x=1&y=2", "f1")
    assert form.defaults() == [("step", "3"), ("title", 'a > b "c"'), ("note", '<input name="fake"> 5 < 6')]
    assert form.choices("box") == ["v"]


def test_bench_incident_references_are_above_the_seeded_ones_and_new_each_call() -> None:
    """A bench call is a new incident: never a seeded decision's number (1-9999), never repeated."""
    now = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
    refs = [_journey.incident_ref(now) for _ in range(50)]
    assert len(set(refs)) == 50
    assert all(int(ref.split()[1].split("/")[0]) >= 10_000 for ref in refs)
    assert refs[0].endswith("/02DEC26")


def _covering(journeys: list[_journey.Journey]) -> list[_journey.Journey]:
    """A few journeys covering each element, the s136 clock either side of 60 minutes, a checklist
    answered item by item and several ticks at once."""
    chosen = {j.element: j for j in reversed(journeys)}
    for elapsed in engine.ELAPSED:
        chosen[elapsed] = next(j for j in journeys if j.facts.get("arrival_elapsed") == elapsed)
    chosen["checklist"] = next(j for j in journeys if any(isinstance(v, dict) for v in j.answers.values()))
    chosen["ticks"] = next(
        j for j in journeys if any(isinstance(v, list) and len(v) > 1 for v in j.answers.values())
    )
    return list(chosen.values())


class ClientHttp:
    """bench/_journey.Http over the Django test Client, recording each request's label."""

    def __init__(self, client: Client) -> None:
        self.client, self.names = client, []

    def get(self, url: str, *, name: Any) -> _journey.Page:
        response = self.client.get(url)
        text = response.content.decode()
        self.names.append(name if isinstance(name, str) else name(text))
        return _journey.Page(response.status_code, text, response.get("Location", ""))

    def post(self, url: str, fields: list[tuple[str, str]], *, name: str) -> _journey.Page:
        data: dict[str, list[str]] = {}
        for key, value in fields:
            data.setdefault(key, []).append(value)
        response = self.client.post(url, data)
        self.names.append(name)
        return _journey.Page(response.status_code, response.content.decode(), response.get("Location", ""))


@pytest.mark.django_db
def test_journeys_walk_the_real_pages_to_a_completed_decision(
    policy_owner: Any, second_policy_owner: Any, make_user: Any, settings: Any
) -> None:
    """Signed in through the sign-in page, CSRF checked: start, every question, the outcome, complete."""
    from toolkit.models import Decision

    settings.TRAINING_GATE_MODE = "off"
    for slug in ELEMENTS:
        published_v2(slug, author=policy_owner, approver=second_policy_owner, with_scenarios=False)
    handler = make_user("h9001", "Call handler", "Hal Handler")
    handler.set_password("bench-test-password")
    handler.save()
    http = ClientHttp(Client(enforce_csrf_checks=True))
    _journey.sign_in(http, "h9001", "bench-test-password")
    chosen = _covering(JOURNEYS)
    for journey in chosen:
        walked = _journey.run_journey(http, journey)
        decision = Decision.objects.get(reference=walked["call"].rstrip("/").split("/")[-1])
        assert decision.status == "completed", journey.name
        assert decision.outcome_id == journey.expected_outcome, journey.name
        assert [a.question_id for a in decision.answers.order_by("sequence")] == walked["asked"], journey.name
    assert {"start page", "start call", "question page", "answer", "outcome page", "complete"} <= set(
        http.names
    )


@pytest.mark.django_db
def test_a_page_that_asks_what_the_scenario_does_not_answer_fails_the_journey(
    policy_owner: Any, second_policy_owner: Any, make_user: Any, settings: Any
) -> None:
    settings.TRAINING_GATE_MODE = "off"
    published_v2("welfare", author=policy_owner, approver=second_policy_owner, with_scenarios=False)
    client = Client()
    client.force_login(make_user("h9002", "Call handler", "Hana Handler"))
    journey = next(j for j in JOURNEYS if j.element == "welfare")
    broken = _journey.Journey(**{**journey.__dict__, "answers": {}})
    with pytest.raises(_journey.JourneyError, match="does not answer"):
        _journey.run_journey(ClientHttp(client), broken)


# --- Locust's statistics -> latest.json ------------------------------------------------------------------

LOCUST_WRITER = """
import csv, json, sys
from locust.env import Environment
from locust.stats import PERCENTILES_TO_REPORT, StatsCSV
env = Environment()
env.create_local_runner()
stats = env.stats
for ms in range(1, 201):
    stats.log_request("GET", "question page", ms, 1000)
for ms in range(1, 101):
    stats.log_request("POST", "answer", ms * 2, 10)
for _ in range(3):
    stats.log_error("POST", "answer", "status 400")
writer = StatsCSV(env, PERCENTILES_TO_REPORT)
with open(sys.argv[1] + "_stats.csv", "w", newline="") as f:
    writer.requests_csv(csv.writer(f))
with open(sys.argv[1] + "_failures.csv", "w", newline="") as f:
    writer.failures_csv(csv.writer(f))
total = stats.total
print(json.dumps({
    "requests": total.num_requests, "failures": total.num_failures,
    "p50": total.get_response_time_percentile(0.5), "p95": total.get_response_time_percentile(0.95),
    "p99": total.get_response_time_percentile(0.99), "rps": round(total.total_rps, 1),
}))
"""


def test_locust_statistics_become_the_phase_figures(tmp_path: Path) -> None:
    """Locust's own CSV writer (in a child: Locust patches the standard library with gevent) and
    its own percentiles; the conversion must read the same numbers back."""
    run = subprocess.run(
        [sys.executable, "-c", LOCUST_WRITER, str(tmp_path / "phase")],
        capture_output=True,
        text=True,
        check=True,
    )
    truth = json.loads(run.stdout.strip().splitlines()[-1])
    figures = _report.phase_stats(
        (tmp_path / "phase_stats.csv").read_text(), (tmp_path / "phase_failures.csv").read_text()
    )
    assert (figures["requests"], figures["failures"]) == (truth["requests"], truth["failures"]) == (300, 3)
    assert (figures["p50_ms"], figures["p95_ms"], figures["p99_ms"]) == (
        truth["p50"],
        truth["p95"],
        truth["p99"],
    )
    assert figures["rps"] == truth["rps"]
    assert figures["by_name"]["POST answer"]["failures"] == 3
    assert figures["by_name"]["GET question page"]["requests"] == 200
    assert figures["failure_kinds"] == [{"request": "POST answer", "error": "status 400", "count": 3}]


def _phase(rps: float, p99: float = 10.0, failures: int = 0) -> dict[str, Any]:
    return {
        "rps": rps,
        "p99_ms": p99,
        "failures": failures,
        "requests": 100,
        "p50_ms": 1.0,
        "p95_ms": 5.0,
        "max_ms": p99 + 1,
        "mean_ms": 2.0,
        "by_name": {},
        "failure_kinds": [],
    }


def _result(**change: Any) -> dict[str, Any]:
    phases = {"baseline": _phase(1000.0), "journey": _phase(400.0, 80.0), "supervisor": _phase(50.0)}
    phases["dashboards"] = _phase(20.0)
    for name, figures in change.pop("phases", {}).items():
        phases[name] = figures
    supervision = {
        "list_p95_ms": 120.0,
        "deep_page_p95_ms": 90.0,
        "dashboard_p95_ms": 300.0,
        "export_peak_mb": 12.0,
    }
    supervision.update(change.pop("supervision", {}))
    return _report.latest(
        machine={"cores": 2},
        decisions=change.pop("decisions", 2_000_000),
        phases=phases,
        concurrency=64,
        supervision=supervision,
        worker_peak_mb=150.0,
        import_2500_s=1.2,
    )


def test_latest_json_has_exactly_the_agreed_keys_and_the_journey_ratio() -> None:
    result = _result()
    assert list(result) == [*_report.KEYS, "detail"]
    assert result["journey_ratio"] == 0.4
    assert (result["baseline_rps"], result["journey_rps"], result["errors"]) == (1000.0, 400.0, 0)
    errors = _result(phases={"supervisor": _phase(50.0, failures=2), "baseline": _phase(1000.0, failures=1)})
    assert errors["errors"] == 3
    warm = _result(phases={"journey": {**_phase(400.0, 80.0), "warmup_failures": 2}})
    assert warm["errors"] == 2


def _verdicts(result: dict[str, Any]) -> dict[str, bool]:
    return {v.key: v.met for v in _report.verdicts(result)}


def test_every_target_is_met_on_its_side_of_the_line_and_missed_on_the_other() -> None:
    assert all(_verdicts(_result()).values())
    missed = {
        "journey_ratio": {"phases": {"journey": _phase(299.0, 80.0)}},
        "journey_p99_ms": {"phases": {"journey": _phase(400.0, 100.0)}},
        "errors": {"phases": {"dashboards": _phase(20.0, failures=1)}},
        "list_p95_ms": {"supervision": {"list_p95_ms": 150.0}},
        "deep_page_p95_ms": {"supervision": {"deep_page_p95_ms": 151.0}},
        "dashboard_p95_ms": {"supervision": {"dashboard_p95_ms": 500.0}},
        "export_peak_mb": {"supervision": {"export_peak_mb": 150.0}},
    }
    for key, change in missed.items():
        found = _verdicts(_result(**change))
        assert [k for k, met in found.items() if not met] == [key]
    just = _verdicts(_result(phases={"journey": _phase(300.0, 99.9)}, supervision={"list_p95_ms": 149.9}))
    assert just["journey_ratio"]
    assert just["journey_p99_ms"]
    assert just["list_p95_ms"]


def test_a_small_seed_is_marked_and_the_report_says_why_a_target_was_missed() -> None:
    result = _result(decisions=20_000, phases={"journey": _phase(100.0, 640.0)})
    found = _report.verdicts(result)
    assert "not 2,000,000" in next(v for v in found if v.key == "list_p95_ms").note
    text = _report.markdown(result, found, {"journey_p99_ms": "the queue"})
    assert "**MISSED** Journey p99 at 64 handlers: 640.0 ms" in text
    assert "Why: the queue" in text
    assert "**MET** Errors" in text


def test_the_p99_explanation_gives_the_queue_and_the_paced_journey_at_the_peak_rate() -> None:
    from bench import load

    hot = {"in_process_mean_ms": {"question page": 6.0, "answer": 7.0}}
    saturated = _result(phases={"journey": {**_phase(100.0, 640.0), "mean_ms": 600.0}})
    why = load.explain(saturated, hot)["journey_p99_ms"]
    assert "64 / 100.0 req/s = 640 ms" in why
    assert "Paced" not in why  # no paced phase in this run, nothing said of one
    paced = {**_phase(60.5, 42.0), "p50_ms": 9.0, "p95_ms": 30.0}
    both = _result(phases={"journey": _phase(100.0, 640.0), load.PACED: paced})
    why = load.explain(both, hot)["journey_p99_ms"]
    assert "60.5 req/s from 64 handlers" in why
    assert "p50 9 / p95 30 / p99 42 ms and 0 errors" in why


def test_the_hot_path_section_pins_the_steady_state_and_shows_the_first_encounters() -> None:
    from bench import load

    hot = {
        "queries": {"question page": {"usual": 3, "most": 6}, "answer": {"usual": 5, "most": 6}},
        "in_process_mean_ms": {"question page": 6.0, "answer": 7.0},
        "pinned": {
            "question page": {"queries": 3, "most": 6, "limit": 4, "met": True},
            "answer": {"queries": 5, "most": 6, "limit": 5, "met": True},
        },
    }
    text = load.hot_section(hot)
    assert "| question page | 3 | 6 | 4 | 6.0 |" in text
    assert "question page MET (3 statements, at most 4), answer MET (5 statements, at most 5)" in text
    assert "first encounters" in text


# --- The bench-only URL conf --------------------------------------------------------------------------------


def test_the_trivial_view_is_in_the_bench_url_conf_only() -> None:
    assert resolve("/bench/trivial/", urlconf="bench.urls").url_name == "bench-trivial"
    with pytest.raises(Resolver404):
        resolve("/bench/trivial/")
    assert resolve("/toolkit/start/", urlconf="bench.urls").url_name == "start"


def test_the_bench_settings_change_only_the_url_conf_and_where_static_files_are_collected() -> None:
    probe = (
        "import json, os, sys; sys.path.insert(0, '.'); os.environ.update(DEBUG='1');"
        "import importlib; a = importlib.import_module('rcrp.settings');"
        "b = importlib.import_module('bench.settings_bench');"
        "print(json.dumps(sorted(k for k in dir(a) if k.isupper() and getattr(a, k) != getattr(b, k, None))))"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True, env={"PATH": ""}
    )
    assert json.loads(run.stdout) == ["ROOT_URLCONF"]
