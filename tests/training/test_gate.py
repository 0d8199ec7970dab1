"""The training gate the toolkit asks before a call: course completed and policy changes acknowledged."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from tests.training.factories import CompletionFactory, CourseFactory, StaffMemberFactory, policy_version
from training.gate import GateResult, call_gate_check
from training.models import PolicyAcknowledgement

pytestmark = pytest.mark.django_db


@pytest.fixture
def course() -> Any:
    return CourseFactory(version=3)


@pytest.fixture
def trained_handler(call_handler: Any, course: Any) -> Any:
    staff = StaffMemberFactory(user=call_handler, staff_number=call_handler.staff_number)
    CompletionFactory(staff=staff, course=course)
    return call_handler


@pytest.fixture
def welfare_v2(policy_owner: Any) -> Any:
    return policy_version(author=policy_owner, slug="welfare", number=2)


@pytest.mark.parametrize("mode", ["warn", "block"])
def test_a_trained_handler_with_nothing_to_acknowledge_is_ready(trained_handler: Any, mode: str) -> None:
    with override_settings(TRAINING_GATE_MODE=mode):
        result = call_gate_check(user=trained_handler)
    assert result == GateResult(mode=mode)
    assert result.ready
    assert result.may_start_call
    assert not result.show_warning


def test_an_untrained_handler_is_warned_but_may_start_in_warn_mode(call_handler: Any, course: Any) -> None:
    StaffMemberFactory(user=call_handler)
    with override_settings(TRAINING_GATE_MODE="warn"):
        result = call_gate_check(user=call_handler)
    assert result.reasons == ("You have not completed the RCRP course (version 3).",)
    assert result.links == ("",)
    assert not result.ready
    assert result.show_warning
    assert result.may_start_call


def test_an_untrained_handler_may_not_start_a_call_in_block_mode(call_handler: Any, course: Any) -> None:
    StaffMemberFactory(user=call_handler)
    with override_settings(TRAINING_GATE_MODE="block"):
        result = call_gate_check(user=call_handler)
    assert result.reasons == ("You have not completed the RCRP course (version 3).",)
    assert result.show_warning
    assert not result.may_start_call


def test_a_completion_of_an_older_course_version_does_not_count(call_handler: Any, course: Any) -> None:
    old = CourseFactory(version=2, is_current=False)
    CompletionFactory(staff=StaffMemberFactory(user=call_handler), course=old)
    with override_settings(TRAINING_GATE_MODE="block"):
        assert not call_gate_check(user=call_handler).may_start_call


def test_a_user_not_on_the_roster_is_told_to_ask_a_trainer(call_handler: Any, course: Any) -> None:
    with override_settings(TRAINING_GATE_MODE="warn"):
        result = call_gate_check(user=call_handler)
    assert result.reasons == (
        "Your account is not linked to the training roster, so your RCRP course (version 3) is not recorded. "
        "Ask a trainer to link it.",
    )


def test_with_no_current_course_there_is_nothing_to_complete(call_handler: Any) -> None:
    with override_settings(TRAINING_GATE_MODE="block"):
        assert call_gate_check(user=call_handler).ready


def test_a_policy_change_needing_acknowledgement_gates_until_acknowledged(
    trained_handler: Any, welfare_v2: Any
) -> None:
    with override_settings(TRAINING_GATE_MODE="block"):
        result = call_gate_check(user=trained_handler)
        assert result.reasons == ("Acknowledge the change to Concern for welfare v2 before your next call.",)
        assert result.links == (f"/training/acknowledge/#version-{welfare_v2.pk}",)
        assert result.reasons_with_links == [(result.reasons[0], result.links[0])]
        assert not result.may_start_call
        PolicyAcknowledgement.objects.create(user=trained_handler, policy_version=welfare_v2)
        assert call_gate_check(user=trained_handler).ready


def test_only_published_versions_that_require_it_are_checked(trained_handler: Any, policy_owner: Any) -> None:
    policy_version(author=policy_owner, slug="welfare", number=2, acknowledgement_required=False)
    policy_version(author=policy_owner, slug="awol", number=2, status="approved")
    policy_version(author=policy_owner, slug="s136", number=2, status="retired")
    with override_settings(TRAINING_GATE_MODE="block"):
        assert call_gate_check(user=trained_handler).ready


def test_reasons_are_listed_course_first_then_each_policy_in_element_order(
    call_handler: Any, course: Any, policy_owner: Any
) -> None:
    StaffMemberFactory(user=call_handler)
    policy_version(author=policy_owner, slug="transport", number=4)
    policy_version(author=policy_owner, slug="awol", number=2)
    with override_settings(TRAINING_GATE_MODE="warn"):
        reasons = call_gate_check(user=call_handler).reasons
    assert reasons == (
        "You have not completed the RCRP course (version 3).",
        "Acknowledge the change to Walkouts and AWOL v2 before your next call.",
        "Acknowledge the change to Transport in a mental health crisis v4 before your next call.",
    )


def test_mode_off_asks_nothing(call_handler: Any, course: Any, django_assert_num_queries: Any) -> None:
    with override_settings(TRAINING_GATE_MODE="off"), django_assert_num_queries(0):
        result = call_gate_check(user=call_handler)
    assert result.ready
    assert result.may_start_call
    assert not result.show_warning


def test_an_unknown_mode_is_treated_as_warn(call_handler: Any, course: Any) -> None:
    with override_settings(TRAINING_GATE_MODE="sometimes"):
        result = call_gate_check(user=call_handler)
    assert result.mode == "warn"
    assert result.may_start_call
    assert result.show_warning


def test_the_gate_costs_three_queries(
    trained_handler: Any, welfare_v2: Any, django_assert_num_queries: Any
) -> None:
    with override_settings(TRAINING_GATE_MODE="block"), django_assert_num_queries(3):
        call_gate_check(user=trained_handler)


def test_the_gate_can_only_refuse_starting_a_call_never_the_deploy_override() -> None:
    """The deploy override never asks the gate (the toolkit's job); the gate has one thing to refuse."""
    blocked = GateResult(mode="block", reasons=("You have not completed the RCRP course (version 1).",))
    assert not blocked.may_start_call
    refusals = [name for name in dir(GateResult) if name.startswith(("may_", "can_", "allow", "block"))]
    assert refusals == ["may_start_call"]


def test_plain_reasons_from_gate_reasons_get_empty_links(
    call_handler: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`_reasons(user)` stays the one source of reasons (the toolkit's tests replace it)."""
    from training import gate

    monkeypatch.setattr(gate, "_reasons", lambda user: ["You have not completed the RCRP course."])
    with override_settings(TRAINING_GATE_MODE="block"):
        result = call_gate_check(user=call_handler)
    assert result.reasons == ("You have not completed the RCRP course.",)
    assert result.links == ("",)
    assert not result.may_start_call
