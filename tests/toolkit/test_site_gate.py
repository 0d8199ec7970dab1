"""Site-by-site go-live on the call pages: before RCRP is live at a handler's site, the handler can
only practise and deploy police; the switch never blocks deploying police."""

from __future__ import annotations

from typing import Any

import pytest

from policies.models import Element
from tests.policies.factories import published_v2
from tests.training.factories import not_live_site, site
from toolkit import services
from toolkit.models import Decision
from training.models import PracticeCard, StaffMember
from training.services.golive import site_go_live_set

pytestmark = pytest.mark.usefixtures("gate_off")


@pytest.fixture
def at_hendon(call_handler: Any) -> Any:
    """The handler's roster entry is at Hendon, not live yet."""
    StaffMember.objects.create(
        staff_number=call_handler.staff_number,
        full_name=call_handler.display_name,
        site=not_live_site("hendon"),
        role="Call handler",
        user=call_handler,
    )
    return call_handler


def test_before_go_live_a_handler_practises_and_deploys_but_starts_no_live_call(
    client: Any, at_hendon: Any, v2: Any, administrator: Any
) -> None:
    client.force_login(at_hendon)
    page = client.get("/toolkit/start/").content.decode()
    assert "RCRP is not live at your site yet" in page
    assert 'name="element"' not in page  # no live call can be started from the page
    assert 'id="deploy-now"' in page  # the override is one step away
    welfare = Element.objects.get(slug="welfare")
    refused = client.post(
        "/toolkit/start/", {"element": welfare.pk, "caller_type": "public", "incident_ref": "CAD 12/26NOV26"}
    )
    assert refused.status_code == 403
    assert not Decision.objects.exists()
    # Deploying police is never refused: from the start page, from "deploy now", not a health call.
    assert client.post("/toolkit/start/", {"deploy": "1", "override_reason": "knife"}).status_code == 302
    assert client.post("/toolkit/deploy/", {"reason": "screaming"}).status_code == 302
    assert client.post("/toolkit/start/", {"not_health": "crime"}).status_code == 302
    assert Decision.objects.filter(outcome_category="DEPLOY").count() == 3
    # Practice works before go-live.
    services.practice_cards_make(version=published_v2("welfare"))  # with its scenarios
    card = PracticeCard.objects.first()
    assert client.post(f"/toolkit/practice/cards/{card.pk}/start/", {"token": ""}).status_code == 302
    # Once the administrator switches the site on, live calls start.
    site_go_live_set(
        site=site("hendon"), live=True, actor=administrator, below_threshold_confirmed=True, note="test"
    )
    page = client.get("/toolkit/start/").content.decode()
    assert "RCRP is not live at your site yet" not in page
    started = client.post(
        "/toolkit/start/", {"element": welfare.pk, "caller_type": "public", "incident_ref": "CAD 12/26NOV26"}
    )
    assert started.status_code == 302
