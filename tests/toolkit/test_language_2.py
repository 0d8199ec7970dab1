"""Calls on the MPS v2 content (flow language 2): the record states what the handler established.

Not known, several facts at once, modifiers with why, checklist states, the caller asked once, the
s136 clock answering the elapsed time, scripts that fit the caller, safeguarding referrals, the
"not a health call" route, and v1 decisions still replaying exactly on v1.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from policies import content
from policies import flow as engine
from policies.replay import what_would_change
from policies.selectors import flow_cache_clear
from tests.policies.factories import published_v1, published_v2
from tests.toolkit.conftest import ELEMENTS
from tests.toolkit.helpers import answer_data, start_call, start_scenario, walk
from toolkit.models import Decision, Escalation
from toolkit.selectors import call_state

LONDON = ZoneInfo("Europe/London")

pytestmark = pytest.mark.usefixtures("gate_off")


def scenario(slug: str, name: str) -> content.ScenarioContent:
    return next(s for s in content.scenarios(slug, 2) if s.name == name)


def clock_time(case: content.ScenarioContent, flow: engine.Flow) -> dt.datetime | None:
    """For a scenario the s136 clock answers: a moment 10 or 75 minutes after its arrival time."""
    elapsed = case.facts.get("arrival_elapsed")
    if not elapsed:
        return None
    arrival = next(case.answers[q.id] for q in flow.questions.values() if engine.Tag.POS_ARRIVAL in q.tags)
    hours, minutes = map(int, arrival.split(":"))
    moment = dt.datetime(2026, 11, 26, hours, minutes, tzinfo=LONDON)
    return moment + dt.timedelta(minutes=75 if elapsed == "over_60" else 10)


def test_the_v2_content_has_at_least_120_scenarios() -> None:
    assert sum(len(content.scenarios(slug, 2)) for slug in ELEMENTS) >= 120


@pytest.mark.parametrize("slug", ELEMENTS)  # one test per element, so parallel runs share them out
def test_every_v2_scenario_ends_as_policy_demands_through_the_views(
    handler_client: Any, v2: Any, slug: str
) -> None:
    """Category, outcome, agency and every modifier, on the screens the scenario counts."""
    count = 0
    flow = engine.parse(content.flow_document(slug, 2))
    for case in content.scenarios(slug, 2):
        moment = clock_time(case, flow)
        with time_machine.travel(moment or dt.datetime.now(tz=LONDON), tick=moment is None):
            decision = walk(handler_client, start_scenario(handler_client, slug, case), case.answers)
        where = (slug, case.name)
        assert decision.policy_version_id == v2[slug].pk, where
        assert decision.outcome_category == case.expected_category, where
        assert decision.outcome_id == case.expected_outcome, where
        assert decision.agency_key == case.expected_agency, where
        assert sorted(decision.outcome_modifiers) == case.expected_modifiers, where
        assert {m for m, _why in decision.outcome_reasons} == set(case.expected_modifiers or []), where
        count += 1
    assert count >= 40


def test_a_crime_with_an_unconscious_adult_records_deploy_las_and_why(handler_client: Any, v2: Any) -> None:
    case = scenario("welfare", "Man beaten up in a park, lying unconscious")
    decision = walk(handler_client, start_scenario(handler_client, "welfare", case), case.answers)
    assert (decision.outcome_category, decision.outcome_modifiers) == ("DEPLOY", ["LAS"])
    ((modifier, why),) = decision.outcome_reasons
    assert modifier == "LAS"
    assert why
    assert "Established: Tick everything the caller tells you" in decision.record_text
    assert f"+LAS ({why})" in decision.record_text
    page = handler_client.get(f"/toolkit/calls/{decision.reference}/").content.decode()
    assert "What this call established" in page
    assert why in page


def test_not_known_on_the_threshold_never_ends_without_police_or_a_supervisor(
    handler_client: Any, v2: Any
) -> None:
    for slug in ELEMENTS:
        flow = engine.parse(content.flow_document(slug, 2))
        for case in content.scenarios(slug, 2):
            unknown = [
                q
                for q, value in case.answers.items()
                if q in flow.questions
                and flow.questions[q].is_threshold
                and any(
                    a.not_known and a.value in (value if isinstance(value, list) else [value])
                    for a in flow.questions[q].answers
                )
            ]
            if not unknown or case.facts:
                continue
            decision = walk(handler_client, start_scenario(handler_client, slug, case), case.answers)
            outcome = flow.outcomes[decision.outcome_id]
            assert outcome.police_attend or outcome.supervisor, (slug, case.name)
            assert decision.not_known, (slug, case.name)
            if outcome.supervisor:
                assert Escalation.objects.filter(decision=decision, reason="outcome").exists()


def test_a_walkout_checklist_records_items_not_known(handler_client: Any, v2: Any) -> None:
    case = scenario("awol", "Ward has not searched, and the detained patient cannot be found")
    decision = walk(handler_client, start_scenario(handler_client, "awol", case), case.answers)
    checklist = next(v for v in case.answers.values() if isinstance(v, dict) and "not_known" in v.values())
    flow = engine.parse(content.flow_document("awol", 2))
    question = next(
        q
        for q in flow.questions.values()
        if q.kind is engine.Kind.CHECKLIST and case.answers.get(q.id) == checklist
    )
    recorded = decision.answers.get(question_id=question.id)
    assert recorded.value == {k: v for k, v in checklist.items() if v}
    unknown = [item.label for item in question.items if checklist.get(item.value) == "not_known"]
    for label in unknown:
        assert f"{label}: Not known" in recorded.value_label
        assert label in decision.not_known
    assert "Done" not in recorded.value_label.split(unknown[0])[1].split(";")[0]


def test_a_required_check_not_done_needs_a_note_and_nothing_is_ticked_for_the_handler(
    handler_client: Any, v2: Any
) -> None:
    decision = start_call(handler_client, "welfare")
    url = f"/toolkit/calls/{decision.reference}/answer/"
    assert handler_client.post(url, answer_data(decision, ["none"])).status_code == 302
    decision.refresh_from_db()
    question = call_state(decision).question
    assert question is not None
    assert question.kind is engine.Kind.CHECKLIST
    page = handler_client.get(f"/toolkit/calls/{decision.reference}/").content.decode()
    assert " checked" not in page  # no state is chosen for the handler
    states = {item.value: "not_known" for item in question.items}
    data = answer_data(decision, states)
    data.pop("note")
    response = handler_client.post(url, data)
    assert response.status_code == 400
    assert "was not done (a note is needed)" in response.content.decode()
    data["note"] = "PNC was down"
    assert handler_client.post(url, data).status_code == 302


def test_ticking_none_with_a_fact_is_a_clear_error(handler_client: Any, v2: Any) -> None:
    decision = start_call(handler_client, "welfare")
    response = handler_client.post(
        f"/toolkit/calls/{decision.reference}/answer/", answer_data(decision, ["crime", "none"])
    )
    assert response.status_code == 400
    assert "cannot be selected with other answers" in response.content.decode()
    assert not decision.answers.exists()


def test_the_caller_is_asked_once_on_the_start_page(handler_client: Any, v2: Any) -> None:
    start_page = handler_client.get("/toolkit/start/").content.decode()
    assert "A police officer" in start_page
    case = scenario("welfare", "Officers ask for an ambulance for a woman who has twisted her ankle")
    decision = walk(handler_client, start_call(handler_client, "welfare", caller_type="police"), case.answers)
    assert decision.outcome_id == case.expected_outcome
    assert not decision.answers.filter(question_id="q_caller").exists()
    flow = engine.parse(content.flow_document("welfare", 2))
    page = handler_client.get(f"/toolkit/decisions/{decision.reference}/").content.decode()
    assert f"{flow.questions['q_caller'].text}</td>" in page
    assert "(from the start page, not asked)" in page


def test_scripts_fit_the_caller(handler_client: Any, v2: Any) -> None:
    flow = engine.parse(content.flow_document("welfare", 2))
    for case in content.scenarios("welfare", 2):
        outcome = flow.outcomes[case.expected_outcome]
        audience = engine.audience_for(case.caller_type)
        if audience in outcome.scripts and outcome.scripts[audience] != outcome.script:
            break
    else:
        pytest.fail("no welfare outcome has a script written for one kind of caller")
    decision = walk(handler_client, start_scenario(handler_client, "welfare", case), case.answers)
    context = {
        "incident_ref": decision.incident_ref,
        "agency_name": decision.agency_name,
        "agency_contact": decision.agency_contact,
        "element": decision.element.title,
        "version": "2",
    }
    assert decision.script_shown == engine.render(outcome.scripts[audience], context)
    assert decision.script_shown != engine.render(outcome.script, context)


def test_a_safeguarding_outcome_records_whether_the_referral_was_made(handler_client: Any, v2: Any) -> None:
    case = scenario("welfare", "Nine-year-old next door not at school for two weeks")
    decision = walk(handler_client, start_scenario(handler_client, "welfare", case), case.answers)
    url = f"/toolkit/calls/{decision.reference}/complete/"
    response = handler_client.post(url, {"step": decision.step, "caller_told": "yes"})
    assert response.status_code == 400
    assert "Select whether the safeguarding referral was made" in response.content.decode()
    handler_client.post(url, {"step": decision.step, "caller_told": "yes", "safeguarding_referral": "made"})
    decision.refresh_from_db()
    assert (decision.status, decision.safeguarding_referral) == ("completed", "made")
    assert "Referral made" in handler_client.get(f"/toolkit/decisions/{decision.reference}/").content.decode()


def test_at_the_place_of_safety_the_clock_answers_and_officers_are_never_recorded_withdrawn(
    handler_client: Any, v2: Any
) -> None:
    case = scenario("s136", "Calm man not taken over 70 minutes after arrival at the unit")
    flow = engine.parse(content.flow_document("s136", 2))
    moment = clock_time(case, flow)
    assert moment is not None
    with time_machine.travel(moment, tick=False):
        decision = walk(handler_client, start_scenario(handler_client, "s136", case), case.answers)
        assert decision.arrival_elapsed == "over_60"
        assert not decision.answers.filter(question_id__startswith="q_elapsed").exists()
        assert Escalation.objects.filter(decision=decision, reason="outcome").exists()
        page = handler_client.get(f"/toolkit/calls/{decision.reference}/").content.decode()
        assert "Officers stay with the detained person until the duty inspector agrees" in page
        assert 'name="caller_told"' not in page
        response = handler_client.post(
            f"/toolkit/calls/{decision.reference}/complete/", {"step": decision.step, "before_answer": "yes"}
        )
        assert response.status_code == 302
        decision.refresh_from_db()
        assert decision.caller_told is None
        page = handler_client.get(f"/toolkit/decisions/{decision.reference}/").content.decode()
    assert "Still with the detained person: no handover or duty inspector" in page
    assert "from the s136 clock, not asked" in page


def test_not_a_health_call_is_one_press_and_records_ordinary_policing(handler_client: Any, v2: Any) -> None:
    token = "3f1c1c1e-6f4b-4c47-9d59-2a1e6f1d7a11"
    data = {"not_health": "domestic_abuse", "incident_ref": "cad 77/26nov26", "las": "on", "token": token}
    first = handler_client.post("/toolkit/start/", data)
    again = handler_client.post("/toolkit/start/", data)
    assert first.status_code == again.status_code == 302
    decision = Decision.objects.get()
    assert first.url == again.url == f"/toolkit/decisions/{decision.reference}/"
    assert (decision.status, decision.outcome_category) == ("completed", "DEPLOY")
    assert decision.outcome_modifiers == ["LAS", "NON_RCRP"]
    assert decision.incident_ref == "CAD 77/26NOV26"
    assert decision.caller_type == ""  # nothing was chosen, nothing is filled in
    assert "Domestic abuse, with no health element" in decision.record_text
    bad = handler_client.post("/toolkit/start/", {"not_health": "burglary"})
    assert bad.status_code == 302
    assert Decision.objects.count() == 1


def test_caller_types_are_the_engine_vocabulary() -> None:
    assert tuple(Decision.CallerType.values) == tuple(
        sorted(engine.CALLER_TYPES, key=Decision.CallerType.values.index)
    )
    assert set(Decision.CallerType.values) == set(engine.CALLER_TYPES)
    assert set(Decision.PartnerKind.values) == set(engine.PARTNER_KINDS)


def test_v1_decisions_replay_exactly_on_v1_after_v2_is_live(
    handler_client: Any, policy_owner: Any, second_policy_owner: Any
) -> None:
    flow_cache_clear()
    published_v1("welfare", author=policy_owner, approver=second_policy_owner, with_scenarios=False)
    case = content.scenarios("welfare", 1)[0]
    before = walk(handler_client, start_scenario(handler_client, "welfare", case), case.answers)
    handler_client.post(
        f"/toolkit/calls/{before.reference}/complete/", {"step": before.step, "caller_told": "yes"}
    )
    v2 = published_v2("welfare", author=policy_owner, approver=second_policy_owner, with_scenarios=False)
    before.refresh_from_db()
    state = call_state(before)
    assert before.policy_version.number == 1
    assert before.content_hash == engine.content_hash(content.flow_document("welfare", 1))
    assert isinstance(state.node, engine.Outcome)
    assert state.node.id == before.outcome_id == case.expected_outcome
    assert handler_client.get(f"/toolkit/decisions/{before.reference}/").status_code == 200
    # The "what would change" report replays the logged v1 decision on v2 and says what v2 decides.
    report = what_would_change(v2)
    (row,) = [r for r in report.cases if r.case.url and str(before.reference) in r.case.url]
    assert row.changes
    assert row.draft.problem or row.draft.outcome_id != before.outcome_id


def test_sources_show_to_policy_owners_and_never_on_a_call(
    handler_client: Any, client: Any, policy_owner: Any, v2: Any
) -> None:
    flow = engine.parse(content.flow_document("welfare", 2))
    first = flow.questions[flow.start]
    reference = flow.references[first.reference] if first.reference else None
    sources = [text for text in (first.sources, reference.sources if reference else "") if text]
    assert sources, "the first welfare question should cite its sources"
    decision = start_call(handler_client, "welfare")
    call_page = handler_client.get(f"/toolkit/calls/{decision.reference}/").content.decode()
    assert first.text in call_page
    for text in sources:
        assert text not in call_page
    client.force_login(policy_owner)
    for url in ("/policies/welfare/v2/", "/policies/welfare/v2/print/"):
        page = client.get(url).content.decode()
        assert "Sources and open points (policy owners only)" in page, url
        assert any(text.replace("'", "&#x27;") in page or text in page for text in sources), url
