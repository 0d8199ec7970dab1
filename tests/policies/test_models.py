"""Database constraints and the immutability guards (model layer on both databases, trigger on PostgreSQL)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from policies.models import Agency, PolicyScenario, PolicyVersion
from tests.policies import factories

Status = PolicyVersion.Status

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only"
)


@pytest.mark.django_db
def test_elements_are_created_by_the_data_migration() -> None:
    from policies.models import Element

    assert list(Element.objects.values_list("slug", flat=True)) == ["welfare", "awol", "s136", "transport"]


@pytest.mark.django_db
def test_the_database_allows_one_published_version_per_element(
    live: PolicyVersion, policy_owner: Any
) -> None:
    other = factories.PolicyVersionFactory(number=2, created_by=policy_owner)
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyVersion.objects.filter(pk=other.pk).update(status=PolicyVersion.Status.PUBLISHED)


@pytest.mark.django_db
def test_the_database_refuses_a_second_version_with_the_same_number(live: PolicyVersion) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.PolicyVersionFactory(number=1)


@pytest.mark.django_db
def test_the_database_refuses_approval_by_the_author(policy_owner: Any) -> None:
    """Four-eyes in the database: a CheckConstraint, whatever the code above it does."""
    version = factories.PolicyVersionFactory(number=5, created_by=policy_owner)
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyVersion.objects.filter(pk=version.pk).update(approved_by=policy_owner)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.PolicyVersionFactory(number=6, created_by=policy_owner, approved_by=policy_owner)


@pytest.mark.django_db
def test_a_draft_can_change(policy_owner: Any) -> None:
    version = factories.PolicyVersionFactory(number=3, created_by=policy_owner)
    version.change_summary = "Changed"
    version.document = factories.changed(version.document, title="New title")
    version.save()
    version.refresh_from_db()
    assert version.document["title"] == "New title"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("document", {"element": "welfare"}),
        ("content_hash", "0" * 64),
        ("change_summary", "Rewritten"),
        ("number", 9),
    ],
)
def test_the_model_refuses_to_change_a_published_version(live: PolicyVersion, field: str, value: Any) -> None:
    setattr(live, field, value)
    with pytest.raises(ValidationError, match="Only a draft can be edited"):
        live.save()
    live.refresh_from_db()
    assert live.number == 1
    assert live.change_summary == "A test version"


@pytest.mark.django_db
def test_the_model_lets_a_published_version_retire_and_then_freezes_it(live: PolicyVersion) -> None:
    live.status = PolicyVersion.Status.DRAFT
    with pytest.raises(ValidationError, match="cannot be changed"):
        live.save()
    live.status = PolicyVersion.Status.RETIRED
    live.retired_at = timezone.now()
    live.save()
    live.status = PolicyVersion.Status.PUBLISHED
    with pytest.raises(ValidationError, match="cannot be changed"):
        live.save()
    assert PolicyVersion.objects.get(pk=live.pk).status == PolicyVersion.Status.RETIRED


@pytest.mark.django_db
def test_only_drafts_can_be_deleted(live: PolicyVersion, policy_owner: Any) -> None:
    with pytest.raises(ValidationError, match="Only a draft can be deleted"):
        live.delete()
    draft = factories.PolicyVersionFactory(number=2, created_by=policy_owner)
    draft.delete()
    assert not PolicyVersion.objects.filter(pk=draft.pk).exists()


@pytest.mark.django_db
def test_an_approved_version_keeps_its_content(policy_owner: Any, second_policy_owner: Any) -> None:
    version = factories.PolicyVersionFactory(
        number=4,
        created_by=policy_owner,
        status=PolicyVersion.Status.APPROVED,
        approved_by=second_policy_owner,
    )
    version.document = factories.changed(version.document, title="Sneaky")
    with pytest.raises(ValidationError):
        version.save()
    version.refresh_from_db()
    version.effective_from = timezone.now()  # scheduling changes no content
    version.save()


@pytest.mark.django_db
@on_postgresql
def test_postgresql_refuses_raw_changes_to_a_published_version(live: PolicyVersion) -> None:
    for sql in (
        "UPDATE policies_policyversion SET document = '{}'::jsonb WHERE id = %s",
        "UPDATE policies_policyversion SET change_summary = 'x' WHERE id = %s",
        "UPDATE policies_policyversion SET status = 'draft' WHERE id = %s",
        "DELETE FROM policies_policyversion WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            connection.cursor().execute(sql, [live.pk])
    live.refresh_from_db()
    assert live.status == PolicyVersion.Status.PUBLISHED
    assert live.change_summary == "A test version"


@pytest.mark.django_db
@on_postgresql
def test_postgresql_allows_retiring_then_freezes_the_retired_version(live: PolicyVersion) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE policies_policyversion SET status = 'retired', retired_at = now() WHERE id = %s",
            [live.pk],
        )
    for sql in (
        "UPDATE policies_policyversion SET status = 'published' WHERE id = %s",
        "UPDATE policies_policyversion SET retired_at = NULL WHERE id = %s",
        "DELETE FROM policies_policyversion WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            connection.cursor().execute(sql, [live.pk])
    assert PolicyVersion.objects.get(pk=live.pk).status == PolicyVersion.Status.RETIRED


@pytest.mark.django_db
@on_postgresql
def test_postgresql_lets_drafts_change_freely(policy_owner: Any) -> None:
    draft = factories.PolicyVersionFactory(number=2, created_by=policy_owner)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE policies_policyversion SET change_summary = 'x' WHERE id = %s", [draft.pk])
        cursor.execute("DELETE FROM policies_policyversion WHERE id = %s", [draft.pk])
    assert not PolicyVersion.objects.filter(pk=draft.pk).exists()


@pytest.mark.django_db
def test_a_scenario_applies_to_its_range_of_versions() -> None:
    scenario = factories.PolicyScenarioFactory(first_version=2, last_version=3)
    assert [n for n in range(1, 6) if scenario.applies_to(n)] == [2, 3]
    open_ended = factories.PolicyScenarioFactory(first_version=2)
    assert open_ended.applies_to(99)
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyScenario.objects.filter(pk=scenario.pk).update(last_version=1)


@pytest.mark.django_db
def test_agencies_are_in_force_between_their_dates_and_keep_their_history() -> None:
    agency = factories.AgencyFactory(
        key="crisis", effective_from=date(2023, 11, 1), effective_to=date(2024, 8, 26)
    )
    assert list(Agency.objects.in_force(date(2024, 1, 1))) == [agency]
    assert list(Agency.objects.in_force(date(2024, 8, 27))) == []
    assert list(Agency.objects.in_force(date(2023, 10, 31))) == []
    agency.contact = "New number"
    agency.save()
    assert [h.contact for h in agency.history.order_by("history_date")] == [
        "Call 0300 000 0000",
        "New number",
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        Agency.objects.filter(pk=agency.pk).update(effective_to=date(2020, 1, 1))


@pytest.mark.django_db
def test_bulk_updates_get_the_same_guard(live: PolicyVersion, policy_owner: Any) -> None:
    versions = PolicyVersion.objects.filter(pk=live.pk)
    for change in (
        {"change_summary": "x"},
        {"document": {}},
        {"status": Status.DRAFT},
        {"created_by": policy_owner},
    ):
        with pytest.raises(ValidationError, match="cannot be changed"):
            versions.update(**change)
    assert versions.update(status=Status.RETIRED, retired_at=timezone.now()) == 1
    with pytest.raises(ValidationError, match="cannot be changed"):
        versions.update(status=Status.PUBLISHED)
    draft = factories.PolicyVersionFactory(number=2, created_by=policy_owner)
    assert PolicyVersion.objects.filter(pk=draft.pk).update(change_summary="Drafts change freely") == 1
