"""The live call's hot path: the question page and the answer, pinned to the work they need.

docs/hot-path.md says where the time went and why each of these holds. Query counts are exact
pins (the budget is at most 4 for the question page and 5 for the answer): a change that adds a
query fails here and has to say why.
"""

from __future__ import annotations

import threading
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.db import close_old_connections, connection, transaction
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from policies import flow as engine
from policies import selectors as policy_selectors
from policies.selectors import flow_cache_clear, flow_for_hash
from rcrp.accounts.roles import CALL_HANDLER
from tests.toolkit.helpers import answer_data, start_call
from toolkit import services
from toolkit.models import Decision, DecisionAnswer
from toolkit.selectors import call_state, decision_get_for_handler
from toolkit.selectors.changes import HIGHLIGHT_TIMES

pytestmark = pytest.mark.usefixtures("gate_off")

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def _statements(captured: CaptureQueriesContext) -> list[str]:
    """The SQL a request sent, without transaction control (BEGIN/COMMIT, or the savepoints that
    stand for them inside a test's transaction)."""
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)]


CHECKS_DONE = {"address": "done", "phone": "done", "pnc": "done", "previous": "done"}


def _v2_call(client: Any, *, past_highlight: bool = True) -> tuple[Decision, str]:
    """A v2 welfare call from a partner, past its threshold screen, on a warm server: the flow
    parsed, the session renewed and (unless `past_highlight` is False) a handler who has met the
    checks question on HIGHLIGHT_TIMES calls before, so its "changed since v1" highlight is over."""
    for i in range(HIGHLIGHT_TIMES if past_highlight else 0):
        earlier = start_call(
            client, "welfare", ref=f"CAD {i}/01DEC26", caller_type="partner", partner_kind="nhs_trust"
        )
        walk(client, earlier, {"q_threshold": ["none"], "q_checks": CHECKS_DONE}, stop_at="q_recheck")
    decision = start_call(client, "welfare", caller_type="partner", partner_kind="nhs_trust")
    url = f"/toolkit/calls/{decision.reference}/"
    assert client.post(url + "answer/", answer_data(decision, ["none"])).status_code == 302
    client.get(url)  # a running server has parsed the flow and renewed the session already
    client.get(url)  # and this session knows the handler is past the highlight
    return decision, url


def walk(client: Any, decision: Decision, answers: dict[str, Any], *, stop_at: str) -> None:
    url = f"/toolkit/calls/{decision.reference}/answer/"
    while (question := call_state(_fresh(decision)).question) is not None and question.id != stop_at:
        assert client.post(url, answer_data(decision, answers[question.id])).status_code == 302


def _fresh(decision: Decision) -> Decision:
    decision.refresh_from_db()
    return decision


# --- The question page: at most 4 queries --------------------------------------------------------------


def test_the_v2_question_page_is_three_queries(
    handler_client: Any, v2: Any, django_assert_num_queries: Any
) -> None:
    _, url = _v2_call(handler_client)
    # the session; the user with their roles and permissions; the decision with its element, version,
    # site and handover, its answers (one JSON array) and whether it has escalations. Nothing writes.
    with django_assert_num_queries(3) as captured:
        response = handler_client.get(url)
    assert response.status_code == 200
    assert 'name="question_id" value="q_checks"' in response.content.decode()
    assert not [q for q in _statements(captured) if q.split()[0] in {"INSERT", "UPDATE", "DELETE"}]


def test_a_warm_question_page_and_answer_compile_neither_the_call_nor_the_user_read(
    handler_client: Any, v2: Any
) -> None:
    """Building and compiling those two reads cost more than PostgreSQL's answer to them: they are
    compiled once per connection (rcrp/prepared.py), not per request."""
    decision, url = _v2_call(handler_client)
    compiled: list[str] = []

    def compile_sql(self: SQLCompiler, *args: Any, **kwargs: Any) -> Any:
        compiled.append(self.query.model.__name__ if self.query.model else "")
        return real(self, *args, **kwargs)

    real = SQLCompiler.as_sql
    data = answer_data(decision, CHECKS_DONE)
    with mock.patch.object(SQLCompiler, "as_sql", compile_sql):
        assert handler_client.get(url).status_code == 200
        assert handler_client.post(url + "answer/", data).status_code == 302
    assert "Decision" not in compiled
    assert "User" not in compiled
    assert "Session" in compiled  # the check sees compiles: the session's read is Django's own


def test_a_changed_question_asks_one_count_until_the_handler_is_past_its_highlight(
    handler_client: Any, v2: Any, django_assert_num_queries: Any
) -> None:
    """v2 changed every question since v1: a handler new to it sees the highlight (one count of the
    calls they met it on, a fourth query); once past it, the session remembers and stops asking."""
    _, url = _v2_call(handler_client, past_highlight=False)
    with django_assert_num_queries(4) as captured:
        body = handler_client.get(url).content.decode()
    met = captured.captured_queries[-1]["sql"]
    assert "COUNT(" not in met  # only whether there are three: LIMIT 3 over answer_met_idx
    assert met.rstrip().endswith(f"LIMIT {HIGHLIGHT_TIMES}")
    assert 'id="changed-question"' in body


def test_a_call_with_an_escalation_reads_it_with_a_fourth_query(
    handler_client: Any, call_handler: Any, v2: Any, django_assert_num_queries: Any
) -> None:
    decision, url = _v2_call(handler_client)
    escalation = services.escalation_raise(reference=decision.reference, actor=call_handler, reason="unsure")
    with django_assert_num_queries(4):
        body = handler_client.get(url).content.decode()
    assert f'id="escalation-{escalation.pk}-title">Supervisor asked' in body


# --- The answer: 5 statements ------------------------------------------------------------------------


def test_the_v2_answer_is_five_statements(
    handler_client: Any, v2: Any, django_assert_num_queries: Any
) -> None:
    decision, url = _v2_call(handler_client)
    data = answer_data(decision, CHECKS_DONE)
    # the five, and the savepoint pair of the service's transaction around the last three
    with django_assert_num_queries(7) as captured:
        response = handler_client.post(url + "answer/", data)
    assert response.status_code == 302
    sent = _statements(captured)
    assert [q.split()[0] for q in sent] == ["SELECT", "SELECT", "SELECT", "INSERT", "UPDATE"], sent
    assert "django_session" in sent[0]
    assert "auth_permission" in sent[1]
    assert "FOR UPDATE" in sent[2] or not connection.features.has_select_for_update  # SQLite locks at BEGIN
    assert "toolkit_decisionanswer" in sent[2]
    decision.refresh_from_db()
    assert [a.question_id for a in call_state(decision).path] == ["q_threshold", "q_checks"]


def test_the_answers_read_with_the_decision_are_the_stored_ones(handler_client: Any, v2: Any) -> None:
    """The JSON read gives the same answers, values, times and labels as reading the table."""
    decision, _ = _v2_call(handler_client)
    handler_client.post(
        f"/toolkit/calls/{decision.reference}/answer/",
        answer_data(
            decision, {"address": "done", "phone": "not_known", "pnc": "done", "previous": "not_applicable"}
        ),
    )
    fields = [f.attname for f in DecisionAnswer._meta.concrete_fields]
    for lock in (False, True):
        with transaction.atomic():
            read = decision_get_for_handler(user=decision.handler, reference=decision.reference, lock=lock)
            joined = [[getattr(a, f) for f in fields] for a in read.answers.all()]
        stored = [list(row) for row in DecisionAnswer.objects.filter(decision=decision).values_list(*fields)]
        assert joined == sorted(stored, key=lambda row: row[fields.index("sequence")])
        assert len(joined) == 2
        assert isinstance(joined[1][fields.index("value")], dict)
        assert all(a.decision is read for a in read.answers.all())


@pytest.mark.django_db(transaction=True)
def test_a_lock_that_waited_reads_the_answer_committed_meanwhile(
    call_handler: Any, v2: Any, settings: Any
) -> None:
    """Double click, PostgreSQL: the second POST waits for the first's lock. Its answers must
    include the one the first committed, though its statement's snapshot was taken before that."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks wait only on PostgreSQL")
    decision = services.decision_start(
        actor=call_handler,
        element=v2["welfare"].element,
        caller_type="partner",
        partner_kind="nhs_trust",
        incident_ref="CAD 9/02DEC26",
    )
    data = answer_data(decision, ["none"])
    holding, seen = threading.Event(), {}

    def second() -> None:
        try:
            holding.wait(10)
            with transaction.atomic():
                read = decision_get_for_handler(user=call_handler, reference=decision.reference, lock=True)
                seen["answers"] = [a.question_id for a in read.answers.all()]
                seen["step"] = read.step
        finally:
            close_old_connections()
            connection.close()

    waiter = threading.Thread(target=second)
    waiter.start()
    with transaction.atomic():
        Decision.all_calls.select_for_update().get(pk=decision.pk)
        holding.set()
        threading.Event().wait(1.0)  # the other thread's read is now waiting for this lock
        services.decision_answer(
            reference=decision.reference,
            actor=call_handler,
            step=data["step"],
            position=0,
            question_id="q_threshold",
            raw_value=["none"],
        )
    waiter.join(20)
    assert seen == {"answers": ["q_threshold"], "step": data["step"] + 1}


# --- Roles: read with the user, so a revoked role counts on the next request ---------------------------


def test_a_role_taken_away_counts_from_the_next_request(
    handler_client: Any, call_handler: Any, v2: Any
) -> None:
    decision, url = _v2_call(handler_client)
    handler = Group.objects.get(name=CALL_HANDLER)
    call_handler.groups.remove(handler)
    assert handler_client.get(url).status_code == 403
    assert handler_client.post(url + "answer/", answer_data(decision, {"address": "done"})).status_code == 403
    assert handler_client.get("/toolkit/start/").status_code == 403
    call_handler.groups.add(handler)
    assert handler_client.get(url).status_code == 200


def test_a_role_whose_permission_is_taken_away_counts_from_the_next_request(
    handler_client: Any, v2: Any
) -> None:
    _, url = _v2_call(handler_client)
    handler = Group.objects.get(name=CALL_HANDLER)
    taken = list(handler.permissions.all())
    handler.permissions.clear()
    assert handler_client.get(url).status_code == 403
    handler.permissions.set(taken)
    assert handler_client.get(url).status_code == 200


def test_a_deactivated_user_is_signed_out_on_the_next_request(
    handler_client: Any, call_handler: Any, v2: Any
) -> None:
    _, url = _v2_call(handler_client)
    call_handler.is_active = False
    call_handler.save(update_fields=["is_active"])
    response = handler_client.get(url)
    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_the_role_names_come_with_the_user(
    client: Any, supervisor: Any, v2: Any, django_assert_num_queries: Any
) -> None:
    from django.contrib.auth import get_user

    client.force_login(supervisor)
    session = client.session
    assert session["_auth_user_id"] == str(supervisor.pk)  # read before the count
    request = type("Request", (), {"session": session})()
    with django_assert_num_queries(1):
        user = get_user(request)
        assert user.role_names == ["Supervisor"]
        assert user.has_perm("accounts.supervise_calls")
        assert not user.has_perm("accounts.manage_policies")


# --- The parsed flow, cached by content hash ------------------------------------------------------------


def test_the_same_hash_is_parsed_once_and_another_version_is_another_parse(
    v2: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from policies.models import PolicyVersion

    parsed: list[str] = []
    real_parse = engine.parse

    def counting_parse(document: Any) -> engine.Flow:
        parsed.append(engine.content_hash(document))
        return real_parse(document)

    monkeypatch.setattr(policy_selectors.engine, "parse", counting_parse)
    flow_cache_clear()
    v1 = PolicyVersion.objects.get(element=v2["welfare"].element, number=1)
    loads: list[int] = []

    def loader(version: PolicyVersion) -> Any:
        return lambda: loads.append(version.pk) or version.document

    first = flow_for_hash(v2["welfare"].content_hash, loader(v2["welfare"]))
    again = flow_for_hash(v2["welfare"].content_hash, loader(v2["welfare"]))
    other = flow_for_hash(v1.content_hash, loader(v1))
    assert first is again
    assert other is not first
    assert parsed == [v2["welfare"].content_hash, v1.content_hash]
    assert loads == [v2["welfare"].pk, v1.pk]  # the document is read only on a miss
    assert first.language == 2
    assert other.language == 1


def test_the_call_page_reads_the_flow_document_once_per_process(
    handler_client: Any, v2: Any, django_assert_num_queries: Any
) -> None:
    _decision, url = _v2_call(handler_client)
    flow_cache_clear()
    with django_assert_num_queries(4) as cold:  # the three, and the version's document once
        handler_client.get(url)
    assert any('"document"' in q["sql"] for q in cold.captured_queries)
    with django_assert_num_queries(3):
        handler_client.get(url)


def test_the_call_read_joins_only_what_every_call_page_needs(handler_client: Any, v2: Any) -> None:
    """PostgreSQL's planning time grows steeply with each joined relation: seven joins took 5-7 ms
    to plan for a 0.3 ms lookup. The call read joins four (element, version, site, handover), takes
    the handler from the request's user, and reads a practice call's card only when asked."""
    decision, _ = _v2_call(handler_client)
    user = decision.handler
    user.has_perm("accounts.take_calls")  # the request's user comes with its permissions
    with CaptureQueriesContext(connection) as captured:
        read = decision_get_for_handler(user=user, reference=decision.reference)
        assert read.handler is user  # no query: the filter made it so
        assert read.practice_card is None
        assert read.practice_set is None
    assert len(captured.captured_queries) == 1
    sql = captured.captured_queries[0]["sql"]
    assert sql.count(" JOIN ") == 4
    assert "training_practicecard" not in sql
    assert '"accounts_user"' not in sql


# --- The decision page that follows every completed call --------------------------------------------------


def test_a_decision_page_asks_nothing_for_what_the_decision_does_not_have(
    handler_client: Any, v2: Any, django_assert_num_queries: Any
) -> None:
    """The decision read says whether there are escalations, reviews, notes, later decisions and
    other decisions on the incident: a new record (the page after completing a call) costs the
    session, the user, that read and the reading's entry in the access log."""
    decision, _ = _v2_call(handler_client)
    url = f"/toolkit/decisions/{decision.reference}/"
    handler_client.get(url)
    with django_assert_num_queries(4) as captured:
        body = handler_client.get(url).content.decode()
    kinds = [q["sql"].split()[0] for q in captured.captured_queries]
    assert kinds == ["SELECT", "SELECT", "SELECT", "INSERT"]
    assert 'id="incident-decisions"' not in body
    assert "None of these" in body  # the answers came with the read


def test_a_decision_page_shows_what_the_decision_has(handler_client: Any, call_handler: Any, v2: Any) -> None:
    decision, _ = _v2_call(handler_client)
    services.decision_note_add(decision=decision, actor=call_handler, kind="note", text="Officers on scene")
    services.escalation_raise(reference=decision.reference, actor=call_handler, reason="unsure")
    later = start_call(
        handler_client, "welfare", ref=decision.incident_ref, caller_type="partner", partner_kind="nhs_trust"
    )
    body = handler_client.get(f"/toolkit/decisions/{decision.reference}/").content.decode()
    assert "Officers on scene" in body
    assert "Not sure" in body or "not answered" in body  # the escalation
    assert f"/toolkit/decisions/{later.reference}/" in body.split('id="incident-decisions"')[1]
