"""Site-by-site go-live: the switch (audited, with the trained share at that moment), the
threshold setting, the gate's `site_is_live`, the readiness page per site, and the
administrator's pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from rcrp.accounts.models import AuditEvent
from tests.training.factories import CompletionFactory, CourseFactory, StaffMemberFactory, not_live_site, site
from training import conf, services
from training.checks import check_training_settings
from training.gate import site_is_live
from training.models import Site, SiteGoLive

pytestmark = pytest.mark.django_db


def staff_at(slug: str, *, trained: int, untrained: int, course: Any) -> None:
    for _ in range(trained):
        CompletionFactory(staff=StaffMemberFactory(site=site(slug)), course=course)
    StaffMemberFactory.create_batch(untrained, site=site(slug))


@pytest.fixture
def course() -> Any:
    return CourseFactory()


# --- The migration and the factory -----------------------------------------------------------


def test_every_site_is_live_after_the_migrations_as_it_was_before_site_by_site_go_live() -> None:
    assert sorted(Site.objects.filter(live_from__isnull=False).values_list("slug", flat=True)) == [
        "bow",
        "hendon",
        "lambeth",
    ]
    history = SiteGoLive.objects.filter(by__isnull=True).order_by("site__name")
    assert [(h.site.slug, h.live) for h in history] == [("bow", True), ("hendon", True), ("lambeth", True)]
    assert all("migration" in h.note for h in history)


def test_the_factory_makes_a_not_live_site_on_request_and_leaves_others_alone() -> None:
    hendon = not_live_site("hendon")
    assert not hendon.is_live
    assert site("hendon").live_from is None  # asking again without live= changes nothing
    assert site("hendon", live=True).is_live
    assert site("lambeth").is_live


# --- The threshold setting --------------------------------------------------------------------


def test_the_threshold_defaults_to_90_percent() -> None:
    assert conf.go_live_threshold_percent() == 90


@pytest.mark.parametrize("bad", [0, 101, "90", True])
def test_a_bad_threshold_is_reported(bad: Any) -> None:
    with override_settings(GO_LIVE_THRESHOLD_PERCENT=bad):
        with pytest.raises(ImproperlyConfigured, match="from 1 to 100"):
            conf.go_live_threshold_percent()
        assert [e.msg.split(" must")[0] for e in check_training_settings()] == ["GO_LIVE_THRESHOLD_PERCENT"]


# --- The gate ---------------------------------------------------------------------------------


def test_site_is_live_reads_the_users_roster_site(call_handler: Any, django_assert_num_queries: Any) -> None:
    StaffMemberFactory(user=call_handler, site=site("hendon"))
    with django_assert_num_queries(1):
        assert site_is_live(call_handler) is True
    not_live_site("hendon")
    assert site_is_live(call_handler) is False


def test_a_user_with_no_roster_entry_is_not_held_back_by_the_site(call_handler: Any) -> None:
    """We cannot know their site, so the site gate says live (the course gate still asks them to
    get their account linked)."""
    not_live_site("lambeth")
    not_live_site("hendon")
    not_live_site("bow")
    assert site_is_live(call_handler) is True


def test_a_leavers_roster_site_still_counts(call_handler: Any) -> None:
    StaffMemberFactory(user=call_handler, site=not_live_site("bow"), active=False)
    assert site_is_live(call_handler) is False


# --- The service ------------------------------------------------------------------------------


def test_switching_a_site_on_records_the_trained_share_and_is_audited(
    administrator: Any, course: Any
) -> None:
    staff_at("hendon", trained=9, untrained=1, course=course)
    StaffMemberFactory(site=site("hendon"), active=False)  # a leaver counts for nobody
    hendon = not_live_site("hendon")
    now = timezone.now()
    record = services.site_go_live_set(site=hendon, live=True, actor=administrator, note=" Ready ", now=now)
    hendon.refresh_from_db()
    assert hendon.live_from == now
    assert (record.live, record.by, record.at, record.note) == (True, administrator, now, "Ready")
    assert (record.trained_share, record.trained, record.staff, record.threshold_percent) == (
        Decimal("90.0"),
        9,
        10,
        90,
    )
    (event,) = AuditEvent.objects.filter(action="training.site.switched_on")
    assert (event.actor, event.target_type, event.target_id) == (
        administrator,
        "training.site",
        str(hendon.pk),
    )
    assert event.data["old"] == {"live_from": None}
    assert event.data["new"]["trained_share"] == "90.0"
    assert event.data["new"]["trained"] == 9
    assert event.data["new"]["staff"] == 10
    assert event.data["new"]["threshold_percent"] == 90


def test_the_share_is_the_readiness_pages_figure(administrator: Any, course: Any, client: Any) -> None:
    staff_at("bow", trained=2, untrained=1, course=course)
    bow = not_live_site("bow")
    record = services.site_go_live_set(
        site=bow, live=True, actor=administrator, note="Go", below_threshold_confirmed=True
    )
    assert record.trained_share == Decimal("66.6")  # 2 of 3, rounded down as the page rounds
    client.force_login(administrator)
    page = client.get(reverse("training:dashboard")).content.decode()
    assert "66.6%" in page


def test_switching_on_below_the_threshold_needs_a_confirmation_and_a_note(
    administrator: Any, course: Any
) -> None:
    staff_at("hendon", trained=8, untrained=2, course=course)
    hendon = not_live_site("hendon")
    with pytest.raises(
        ValidationError, match=r"Hendon has 80.0% of its staff trained, below the 90% threshold: confirm"
    ):
        services.site_go_live_set(site=hendon, live=True, actor=administrator, note="Needed")
    with pytest.raises(ValidationError, match="say in the note why"):
        services.site_go_live_set(site=hendon, live=True, actor=administrator, below_threshold_confirmed=True)
    assert not SiteGoLive.objects.filter(by=administrator).exists()
    record = services.site_go_live_set(
        site=hendon, live=True, actor=administrator, note="Partners ready", below_threshold_confirmed=True
    )
    assert record.trained_share == Decimal("80.0")


@override_settings(GO_LIVE_THRESHOLD_PERCENT=75)
def test_the_threshold_is_the_setting(administrator: Any, course: Any) -> None:
    staff_at("hendon", trained=8, untrained=2, course=course)
    record = services.site_go_live_set(site=not_live_site("hendon"), live=True, actor=administrator)
    assert record.threshold_percent == 75


def test_switching_off_and_repeats_are_refused_politely(administrator: Any) -> None:
    lambeth = site("lambeth")
    with pytest.raises(ValidationError, match="RCRP is already live at Lambeth"):
        services.site_go_live_set(site=lambeth, live=True, actor=administrator)
    record = services.site_go_live_set(site=lambeth, live=False, actor=administrator)
    assert not record.live
    assert site("lambeth").live_from is None
    assert AuditEvent.objects.filter(action="training.site.switched_off").count() == 1
    with pytest.raises(ValidationError, match="not live at Lambeth: there is nothing to switch off"):
        services.site_go_live_set(site=lambeth, live=False, actor=administrator)


def test_only_administrators_switch_sites(trainer: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.site_go_live_set(site=site("bow"), live=False, actor=trainer)
    assert site("bow").is_live


def test_the_go_live_history_is_append_only(administrator: Any) -> None:
    record = services.site_go_live_set(site=site("bow"), live=False, actor=administrator)
    with pytest.raises(ValidationError):
        record.save()
    with pytest.raises(ValidationError):
        SiteGoLive.objects.filter(pk=record.pk).delete()


@pytest.mark.parametrize("table", ["training_sitegolive", "training_supportbudget"])
def test_go_live_history_and_budget_entries_cannot_be_changed_in_the_database_on_postgresql(
    administrator: Any, table: str
) -> None:
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    services.site_go_live_set(site=site("bow"), live=False, actor=administrator)
    services.support_budget_set(
        total=Decimal(1000),
        day_rate=Decimal(100),
        consultant_day_rate=Decimal(0),
        consultant_days_per_week=Decimal(0),
        plan_ends_on=timezone.localdate(),
        actor=administrator,
    )
    for sql in (f"UPDATE {table} SET note = 'changed'", f"DELETE FROM {table}"):  # noqa: S608 (a fixed name)
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)


# --- The pages --------------------------------------------------------------------------------


def test_the_readiness_page_shows_each_sites_share_threshold_and_state(
    client: Any, trainer: Any, course: Any
) -> None:
    staff_at("hendon", trained=1, untrained=3, course=course)
    not_live_site("hendon")
    client.force_login(trainer)
    page = client.get(reverse("training:dashboard")).content.decode()
    table = page.split('id="go-live-by-site"')[1].split("</table>")[0]
    hendon = table.split("Hendon")[1].split("</tr>")[0]
    assert "25.0%" in hendon
    assert "90%" in hendon
    assert "Not live yet" in hendon
    lambeth = table.split("Lambeth")[1].split("</tr>")[0]
    assert "Live</strong> since" in lambeth
    assert reverse("training:go-live") not in page  # trainers do not switch sites


def test_the_go_live_page_lists_sites_and_history(
    client: Any, administrator: Any, course: Any, django_assert_num_queries: Any
) -> None:
    staff_at("bow", trained=9, untrained=0, course=course)
    services.site_go_live_set(site=site("bow"), live=False, actor=administrator, note="Not yet")
    client.force_login(administrator)
    client.get("/")  # the first request renews the idle session (a write)
    # 2 for the session and the user with their roles; the course; the sites; one grouped count; the history
    with django_assert_num_queries(6):
        response = client.get(reverse("training:go-live"))
    page = response.content.decode()
    assert 'Switch on<span class="govuk-visually-hidden"> RCRP at Bow' in page
    assert "Not yet" in page
    assert "100.0% (9 of 9)" in page


def test_an_administrator_switches_a_site_on_below_the_threshold_with_confirmation(
    client: Any, administrator: Any, course: Any
) -> None:
    staff_at("hendon", trained=1, untrained=1, course=course)
    hendon = not_live_site("hendon")
    client.force_login(administrator)
    url = reverse("training:go-live-site", args=[hendon.pk])
    page = client.get(url).content.decode()
    assert (
        "I confirm RCRP goes live at Hendon with 50.0% of its staff trained, below the 90% threshold" in page
    )

    response = client.post(url, {"live": "1", "note": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "Confirm that RCRP should go live at Hendon below the threshold" in page
    assert "Say why RCRP goes live at Hendon below the threshold" in page
    assert not site("hendon").is_live

    response = client.post(url, {"live": "1", "confirm": "on", "note": "Partners are ready"})
    assert response.status_code == 302
    assert site("hendon").is_live
    assert SiteGoLive.objects.get(by=administrator).note == "Partners are ready"


def test_a_second_click_changes_nothing(client: Any, administrator: Any) -> None:
    bow = site("bow")
    client.force_login(administrator)
    url = reverse("training:go-live-site", args=[bow.pk])
    assert client.post(url, {"live": "0"}).status_code == 302
    assert not site("bow").is_live
    response = client.post(url, {"live": "0"}, follow=True)  # the same form again
    assert "RCRP is already not live at Bow." in response.content.decode()
    assert SiteGoLive.objects.filter(by=administrator).count() == 1


def test_a_garbled_switch_is_a_400_with_a_message(client: Any, administrator: Any) -> None:
    client.force_login(administrator)
    response = client.post(reverse("training:go-live-site", args=[site("bow").pk]), {"live": "maybe"})
    assert response.status_code == 400
    assert "Choose again whether to switch RCRP on or off" in response.content.decode()
    assert site("bow").is_live


def test_a_missing_site_is_a_404(client: Any, administrator: Any) -> None:
    client.force_login(administrator)
    assert client.get(reverse("training:go-live-site", args=[999999])).status_code == 404
