"""The console's partner pages: list, a partner's page, tiers and rules, the applications
queue; a viewer sees but cannot change; another workspace's partner is a 404."""

import pytest

from tests.console.conftest import client_for, make_member
from tular.messaging.models import OutboundEmail
from tular.partners.applications import partner_apply
from tular.partners.models import PartnerApplication, PartnerMember, TierChange, TierRule
from tular.workspaces.models import Role
from tular.workspaces.services import workspace_get_or_create


@pytest.fixture
def manager_client(workspace):
    return client_for(make_member(workspace, "manager@toko.example", Role.MANAGER))


@pytest.fixture
def viewer_client(workspace):
    return client_for(make_member(workspace, "viewer@toko.example", Role.VIEWER))


def test_the_pages_show_in_indonesian(manager_client, partner, tiers):
    for url in (
        "/console/partners/",
        f"/console/partners/{partner.pk}/",
        "/console/partners/tiers/mitra/",
        "/console/partners/applications/",
    ):
        response = manager_client.get(url)
        assert response.status_code == 200, url
        assert 'lang="id"' in response.text
    assert "PT Mitra Jaya Abadi" in manager_client.get("/console/partners/").text
    assert manager_client.get("/console/partners/tiers/").status_code == 302


def test_a_manager_changes_a_tier_by_hand_with_a_reason(manager_client, partner, tiers):
    response = manager_client.post(
        f"/console/partners/{partner.pk}/",
        {"action": "tier", "tier": str(tiers["Gold"].pk), "reason": "Mitra strategis"},
    )
    assert response.status_code == 302
    change = TierChange.objects.get(participant=partner)
    assert (change.to_name, change.reason, change.actor) == (
        "Gold",
        "Mitra strategis",
        "manager@toko.example",
    )
    page = manager_client.get(f"/console/partners/{partner.pk}/").text
    assert "Mitra strategis" in page


def test_members_are_added_and_errors_show_beside_the_field(manager_client, partner):
    url = f"/console/partners/{partner.pk}/"
    ok = {"action": "member", "name": "Dedi", "email": "dedi@mitra.example", "role": "member"}
    assert manager_client.post(url, ok).status_code == 302
    again = manager_client.post(url, ok)
    assert again.status_code == 200 and "already a member" in again.text
    assert PartnerMember.objects.count() == 1


def test_tiers_and_rules_are_added(manager_client, reseller_program, tiers):
    url = "/console/partners/tiers/mitra/"
    bad = manager_client.post(
        url, {"action": "tier", "name": "Platinum", "rank": 9, "rate_kind": "margin", "rate": "150"}
    )
    assert bad.status_code == 200 and "is-invalid" in bad.text
    response = manager_client.post(
        url,
        {
            "action": "rule",
            "tier": str(tiers["Gold"].pk),
            "min_revenue": "50000000",
            "window_months": "12",
        },
    )
    assert response.status_code == 302
    rule = TierRule.objects.get()
    assert rule.min_revenue == 50_000_000 * 100 and rule.tier == tiers["Gold"]
    page = manager_client.get(url).text
    assert "Rp50.000.000" in page


def test_the_queue_approves_and_rejects_in_bulk(manager_client, reseller_program, tiers):
    first = partner_apply(
        program=reseller_program, company="PT A", contact_name="A", contact_email="a@a.example"
    )
    second = partner_apply(
        program=reseller_program, company="PT B", contact_name="B", contact_email="b@b.example"
    )
    url = "/console/partners/applications/"
    no_reason = manager_client.post(url, {"decision": "reject", "ids": [str(first.pk)]})
    assert no_reason.status_code == 200 and "is-invalid" in no_reason.text
    manager_client.post(url, {"decision": "approve", "ids": [str(first.pk)]})
    manager_client.post(
        url, {"decision": "reject", "ids": [str(second.pk)], "reason": "Wilayah penuh"}
    )
    statuses = dict(PartnerApplication.objects.values_list("company", "status"))
    assert statuses == {"PT A": "approved", "PT B": "rejected"}
    assert OutboundEmail.objects.filter(kind="partner_application_rejected").count() == 1


def test_a_viewer_cannot_change(viewer_client, partner, tiers):
    assert viewer_client.get(f"/console/partners/{partner.pk}/").status_code == 200
    response = viewer_client.post(
        f"/console/partners/{partner.pk}/", {"action": "tier", "tier": str(tiers["Gold"].pk)}
    )
    assert response.status_code == 403
    assert not TierChange.objects.exists()


def test_another_workspaces_partner_is_not_found(partner, tiers):
    other, _ = workspace_get_or_create(slug="lain", name="Usaha Lain")
    client = client_for(make_member(other, "owner@lain.example", Role.OWNER))
    assert client.get(f"/console/partners/{partner.pk}/").status_code == 404
    assert client.get("/console/partners/tiers/mitra/").status_code == 404


def test_the_performance_page(manager_client, workspace, partner, tiers):
    from tests.partners.test_tiers import sell

    sell(workspace, partner, n=1, amount=1_000_000_00)
    page = manager_client.get("/console/partners/performance/?program=mitra&months=3")
    assert page.status_code == 200
    assert "Rp1.000.000" in page.text and "100%" in page.text
