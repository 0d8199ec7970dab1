"""Quality review: each rule that queues a decision (recorded on the item), the review form with
weighted deviations and feedback the handler sees, compliance rates, and the queue's query count."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from policies import content
from policies import flow as engine
from tests.policies.factories import element as element_of
from tests.policies.factories import published_version
from tests.training.factories import site as make_site
from toolkit import services
from toolkit.models import Decision, DecisionAnswer, Escalation, Review, ReviewItem, ReviewStanding
from toolkit.services.reviews import in_sample

NOW = timezone.now()
_n = itertools.count(1)


def closed(handler: Any, **fields: Any) -> Decision:
    n = next(_n)
    values: dict[str, Any] = {
        "handler": handler,
        "status": Decision.Status.COMPLETED,
        "started_at": NOW - dt.timedelta(hours=3, minutes=-n),
        "completed_at": NOW - dt.timedelta(hours=1),
        "element": element_of("welfare"),
        "site": make_site("lambeth"),
        "incident_ref": f"CAD {n}/01DEC26",
        "caller_type": "public",
        "outcome_category": "SIGNPOST",
    }
    values.update(fields)
    return Decision.objects.create(**values)


@pytest.fixture
def veteran(make_user: Any) -> Any:
    """A handler past their first 20 decisions (so only the other rules apply)."""
    user = make_user("h9000", "Call handler", "Vera Veteran")
    for _ in range(20):
        closed(user, started_at=NOW - dt.timedelta(days=30), completed_at=NOW - dt.timedelta(days=30))
    return user


def queued(decision: Decision) -> ReviewItem | None:
    return ReviewItem.objects.filter(decision=decision).first()


def test_each_rule_queues_its_decisions_and_says_so(
    db: None, veteran: Any, call_handler: Any, supervisor: Any
) -> None:
    override = closed(veteran, override=True, outcome_category="DEPLOY")
    refused = closed(veteran, caller_type="partner", partner_kind="gp", outcome_category="REFUSE_REDIRECT")
    escalated = closed(veteran)
    Escalation.objects.create(decision=escalated, reason="unsure", raised_by=veteran)
    earlier = closed(veteran, completed_at=NOW - dt.timedelta(days=10))
    changed = closed(veteran, follows=earlier, outcome_category="DEPLOY")
    same = closed(veteran, follows=earlier, outcome_category="SIGNPOST")
    plain = closed(veteran)
    assert services.review_queue_build(now=NOW, percent=0) == 4
    assert queued(override).rules == ["override"]
    assert queued(refused).rules == ["partner_refused"]
    assert queued(escalated).rules == ["escalated"]
    assert queued(changed).rules == ["reassessment_changed"]
    assert queued(same) is None
    assert queued(plain) is None
    assert queued(earlier) is None  # closed before the look-back: an older run saw it
    assert "Re-assessment changed the outcome" in queued(changed).sampling
    # A newcomer's first 20 decisions are all queued, the 21st is not.
    newcomer = [closed(call_handler) for _ in range(21)]
    assert services.review_queue_build(now=NOW, percent=0) == 20
    assert [bool(queued(d)) for d in newcomer] == [True] * 20 + [False]
    assert queued(newcomer[0]).sampling == "decision 1 of the handler's first 20"
    # Idempotent: nothing is queued twice.
    assert services.review_queue_build(now=NOW, percent=0) == 0


def test_the_first_two_weeks_of_a_new_version(
    db: None, veteran: Any, policy_owner: Any, second_policy_owner: Any
) -> None:
    published = NOW - dt.timedelta(days=20)
    document = content.flow_document("welfare")
    version = published_version(
        author=policy_owner,
        approver=second_policy_owner,
        element=element_of("welfare"),
        number=1,
        document=document,
        content_hash=engine.content_hash(document),
        published_at=published,
        effective_from=published,
    )
    fresh = closed(veteran, policy_version=version, started_at=published + dt.timedelta(days=3))
    late = closed(veteran, policy_version=version, started_at=NOW - dt.timedelta(hours=2))
    services.review_queue_build(now=NOW, percent=0)
    assert queued(fresh).rules == ["new_version"]
    assert queued(fresh).sampling == "within 14 days of v1 being published"
    assert queued(late) is None


def test_the_random_sample_is_recorded_and_can_be_recomputed(db: None, veteran: Any) -> None:
    decisions = [closed(veteran) for _ in range(40)]
    assert services.review_queue_build(now=NOW, percent=25) > 0
    for d in decisions:
        draw = int(hashlib.sha256(str(d.reference).encode()).hexdigest()[:8], 16) % 10_000
        item = queued(d)
        assert bool(item) == (draw < 2500) == in_sample(d, 25)
        if item:
            assert item.rules == ["sample"]
            assert item.sampling == "25% random sample of the rest (sha256 of the reference)"


def test_a_review_records_weighted_deviations_and_the_handler_sees_the_feedback(
    client: Any, handler_client: Any, call_handler: Any, supervisor: Any, db: None
) -> None:
    decision = closed(call_handler)
    DecisionAnswer.objects.create(
        decision=decision,
        sequence=1,
        position=0,
        question_id="q_threshold",
        question_text="Tick everything",
        value=["none"],
        value_label="None of these",
        answered_at=NOW,
        answered_by=call_handler,
    )
    services.review_queue_build(now=NOW, percent=0)
    client.force_login(supervisor)
    queue = client.get("/toolkit/reviews/")
    assert decision in [item.decision for item in queue.context["page"].rows]
    url = f"/toolkit/reviews/{decision.reference}/"
    refused = client.post(url, {"verdict": "major", "feedback": "Ask about means."})
    assert refused.status_code == 400
    assert "Say where the decision deviated" in refused.content.decode()
    saved = client.post(
        url,
        {
            "verdict": "major",
            "feedback": "Ask about means.",
            "weight_q_threshold": "3",
            "note_q_threshold": "Means not asked",
        },
    )
    assert saved.status_code == 302
    review = Review.objects.get()
    assert review.deviations == [
        {
            "question_id": "q_threshold",
            "question_text": "Tick everything",
            "weight": 3,
            "note": "Means not asked",
        }
    ]
    assert review.deviation_score == 3
    assert decision not in [item.decision for item in client.get("/toolkit/reviews/").context["page"].rows]
    page = handler_client.get(f"/toolkit/decisions/{decision.reference}/").content.decode()
    assert "Major deviation" in page
    assert "Ask about means." in page
    assert "Means not asked" in page


def test_nobody_reviews_their_own_decision(db: None, supervisor: Any) -> None:
    decision = closed(supervisor)
    with pytest.raises(PermissionDenied):
        services.review_record(decision=decision, reviewer=supervisor, verdict="compliant")


def test_compliance_rates_count_the_newest_review(
    db: None, call_handler: Any, second_call_handler: Any, supervisor: Any, auditor: Any, client: Any
) -> None:
    for handler, verdicts in (
        (call_handler, ["compliant", "compliant", "minor"]),
        (second_call_handler, ["compliant"]),
    ):
        for verdict in verdicts:
            d = closed(handler)
            if verdict != "compliant":
                DecisionAnswer.objects.create(
                    decision=d,
                    sequence=1,
                    position=0,
                    question_id="q1",
                    question_text="Q1",
                    value="no",
                    value_label="No",
                    answered_at=NOW,
                    answered_by=handler,
                )
            services.review_record(
                decision=d,
                reviewer=supervisor,
                verdict=verdict,
                deviations=[{"question_id": "q1", "weight": 1}] if verdict != "compliant" else [],
            )
    # A second, later review of a compliant decision overrides it.
    second = Decision.objects.filter(handler=second_call_handler).get()
    DecisionAnswer.objects.create(
        decision=second,
        sequence=1,
        position=0,
        question_id="q1",
        question_text="Q1",
        value="no",
        value_label="No",
        answered_at=NOW,
        answered_by=second_call_handler,
    )
    services.review_record(
        decision=second,
        reviewer=supervisor,
        verdict="non_compliant",
        deviations=[{"question_id": "q1", "weight": 2}],
        now=timezone.now() + dt.timedelta(seconds=5),
    )
    # Where each decision stands is its newest review, whichever order the reviews were written in:
    # a review backdated before the standing one does not displace it.
    services.review_record(
        decision=second, reviewer=supervisor, verdict="compliant", now=timezone.now() - dt.timedelta(days=1)
    )
    assert ReviewStanding.objects.get(decision=second).verdict == "non_compliant"
    standing = dict(ReviewStanding.objects.values_list("decision", "verdict"))
    assert services.review_standing_rebuild() == 4
    assert dict(ReviewStanding.objects.values_list("decision", "verdict")) == standing
    client.force_login(auditor)
    response = client.get("/toolkit/reviews/compliance/")
    assert response.status_code == 200
    rates = {row.who: (row.reviewed, row.compliant, row.rate) for row in response.context["by_handler"]}
    assert rates == {call_handler.display_name: (3, 2, 67), second_call_handler.display_name: (1, 0, 0)}
    assert [(r.who, r.reviewed, r.rate) for r in response.context["by_site"]] == [("Lambeth", 4, 50)]


def test_the_queue_takes_a_fixed_number_of_queries(
    client: Any, supervisor: Any, veteran: Any, django_assert_num_queries: Any
) -> None:
    for _ in range(30):
        closed(veteran, override=True, outcome_category="DEPLOY")
    services.review_queue_build(now=NOW, percent=0)
    client.force_login(supervisor)
    client.get("/toolkit/reviews/")
    with django_assert_num_queries(3):  # session, user with permissions, the page
        response = client.get("/toolkit/reviews/")
    assert len(response.context["page"].rows) == 30
