"""Touchpoints (tular.tracking.touchpoints): the touches of a customer's journey."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import PROGRAM_BODY
from tular.core.errors import Invalid, NotFound
from tular.programs.models import Program
from tular.tracking import redirect
from tular.tracking.models import Touchpoint
from tular.tracking.touchpoints import journeys_of, touchpoint_record


@pytest.fixture
def prog(program):
    return Program.objects.get(pk=program["id"])


def record(workspace, prog, **fields):
    return touchpoint_record(
        workspace=workspace, program=prog, **{"customer_external_id": "budi", **fields}
    )


def test_each_kind_credits_whom_it_should(workspace, prog, participant, frozen_clock):
    partner = record(workspace, prog, kind="partner", partner_external_id="cust_42")
    assert partner.created
    assert partner.touchpoint.participant_id is not None
    assert str(partner.touchpoint.participant_id) == participant["id"]
    assert partner.touchpoint.occurred_at == frozen_clock.now
    by_code = record(workspace, prog, kind="partner", code=participant["code"].lower())
    by_id = record(workspace, prog, kind="partner", participant_id=participant["id"])
    assert by_code.touchpoint.participant_id == by_id.touchpoint.participant_id
    campaign = record(workspace, prog, kind="campaign", campaign=" ramadan ")
    assert (campaign.touchpoint.campaign, campaign.touchpoint.participant_id) == ("ramadan", None)
    co_marketing = record(
        workspace, prog, kind="campaign", campaign="webinar", participant_id=participant["id"]
    )
    assert co_marketing.touchpoint.participant_id == by_id.touchpoint.participant_id
    direct = record(
        workspace, prog, kind="direct", occurred_at=frozen_clock.now - timedelta(days=2)
    )
    assert direct.touchpoint.occurred_at == frozen_clock.now - timedelta(days=2)
    assert Touchpoint.objects.filter(customer_external_id="budi").count() == 6


def test_a_click_touch_is_the_clicks_and_counted_once(workspace, prog, participant):
    at = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    click_id = redirect.record_click(redirect.lookup(participant["code"]), source="api", at=at)
    first = record(workspace, prog, kind="click", click_id=str(click_id))
    again = record(workspace, prog, kind="click", click_id=str(click_id))
    assert first.created and not again.created
    assert again.touchpoint.pk == first.touchpoint.pk
    assert first.touchpoint.occurred_at == at
    assert str(first.touchpoint.participant_id) == participant["id"]


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"kind": "partner"}, "partner_external_id"),
        ({"kind": "campaign"}, "campaign"),
        ({"kind": "campaign", "campaign": "   "}, "campaign"),
        ({"kind": "direct", "campaign": "x"}, "kind"),
        ({"kind": "click"}, "click_id"),
        ({"kind": "direct", "click_id": "0190"}, "click_id"),
        ({"kind": "partner", "partner_external_id": "cust_42", "campaign": "x"}, "campaign"),
        ({"kind": "partner", "partner_external_id": "cust_42", "code": "X"}, "code"),
        ({"kind": "direct", "customer_external_id": "  "}, "customer_external_id"),
        ({"kind": "direct", "occurred_at": datetime(2026, 5, 1, 8, 0)}, "occurred_at"),
    ],
)
def test_fields_that_do_not_fit_the_kind_are_refused(workspace, prog, participant, fields, where):
    with pytest.raises(Invalid) as refused:
        record(workspace, prog, **fields)
    assert refused.value.extra["errors"][0]["loc"] == ["body", where]
    assert not Touchpoint.objects.exists()


def test_the_future_is_refused(workspace, prog, frozen_clock):
    with pytest.raises(Invalid):
        record(workspace, prog, kind="direct", occurred_at=frozen_clock.now + timedelta(hours=1))
    record(workspace, prog, kind="direct", occurred_at=frozen_clock.now + timedelta(minutes=4))


def test_unknown_participants_and_clicks_are_not_found(workspace, prog, participant, api):
    other = api.post("/api/v1/programs", {**PROGRAM_BODY, "slug": "lain", "name": "Lain"}).json()
    other_program = Program.objects.get(pk=other["id"])
    with pytest.raises(NotFound):
        record(workspace, other_program, kind="partner", participant_id=participant["id"])
    with pytest.raises(NotFound):
        record(workspace, prog, kind="partner", partner_external_id="nobody")
    with pytest.raises(NotFound):
        record(workspace, prog, kind="partner", participant_id="not-a-uuid")
    click_id = redirect.record_click(redirect.lookup(participant["code"]), source="api")
    with pytest.raises(NotFound):
        record(workspace, other_program, kind="click", click_id=str(click_id))
    with pytest.raises(NotFound):
        record(workspace, prog, kind="click", click_id="01900000-0000-7000-8000-000000000000")


def test_journeys_of_reads_each_customers_touches_in_time_order(workspace, prog, frozen_clock):
    now = frozen_clock.now
    for customer, days in (("budi", 3), ("budi", 1), ("citra", 2), ("budi", 40)):
        record(
            workspace,
            prog,
            customer_external_id=customer,
            kind="direct",
            occurred_at=now - timedelta(days=days),
        )
    found = journeys_of(
        program=prog,
        customer_external_ids=["budi", "citra", "dewi"],
        since=now - timedelta(days=30),
        until=now,
    )
    assert {key: [t.occurred_at for t in value] for key, value in found.items()} == {
        "budi": [now - timedelta(days=3), now - timedelta(days=1)],
        "citra": [now - timedelta(days=2)],
    }


def test_the_admin_lists_touchpoints_read_only(admin_client, workspace, prog):
    record(workspace, prog, kind="campaign", campaign="ramadan")
    page = admin_client.get("/admin/tracking/touchpoint/")
    assert page.status_code == 200
    assert "ramadan" in page.content.decode()
    assert admin_client.get("/admin/tracking/touchpoint/add/").status_code == 403
