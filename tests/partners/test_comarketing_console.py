"""The console's co-marketing page: the list with each activity's figures and link, adding one
(errors beside the fields), editing and finishing it; a viewer sees but cannot change."""

from datetime import date

import pytest

from tests.console.conftest import client_for, make_member
from tular.partners.comarketing import activity_create
from tular.partners.models import CoMarketingActivity
from tular.referrals import services as use_cases
from tular.workspaces.models import Role


@pytest.fixture
def manager_client(workspace):
    return client_for(make_member(workspace, "manager@toko.example", Role.MANAGER))


@pytest.fixture
def viewer_client(workspace):
    return client_for(make_member(workspace, "viewer@toko.example", Role.VIEWER))


NEW = {
    "kind": "webinar",
    "title": "Webinar: jualan di marketplace",
    "starts_on": "2026-11-10",
    "ends_on": "",
    "status": "planned",
    "code": "",
    "budget": "2500000",
    "budget_currency": "IDR",
    "notes": "",
}


def test_a_manager_adds_an_activity_and_sees_its_figures(
    manager_client, client, workspace, partner
):
    page = manager_client.get("/console/partners/co-marketing/")
    assert page.status_code == 200 and 'lang="id"' in page.text
    response = manager_client.post(
        "/console/partners/co-marketing/", {**NEW, "partner": str(partner.pk)}
    )
    activity = CoMarketingActivity.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/console/partners/co-marketing/{activity.pk}/"
    assert activity.budget == 2_500_000_00 and activity.participant == partner

    location = client.get(f"/r/{activity.link.code}")["Location"]
    use_cases.track_signup(
        workspace=workspace,
        event_id="s1",
        customer_external_id="c1",
        email="c1@pelanggan.example",
        click_id=location.split("tular_click=")[1],
    )
    use_cases.track_sale(
        workspace=workspace,
        event_id="p1",
        customer_external_id="c1",
        amount=300_000_00,
        currency="IDR",
    )
    listed = manager_client.get("/console/partners/co-marketing/?program=mitra").text
    assert activity.link.code in listed and f"/r/{activity.link.code}" in listed
    assert "Rp300.000" in listed and "Rp30.000" in listed  # revenue, the partner's 10 %
    detail = manager_client.get(f"/console/partners/co-marketing/{activity.pk}/").text
    assert "Rp300.000" in detail and "Rp2.500.000" in detail


def test_errors_show_beside_the_fields(manager_client, partner):
    response = manager_client.post(
        "/console/partners/co-marketing/",
        {**NEW, "partner": str(partner.pk), "ends_on": "2026-11-01", "code": partner.code},
    )
    assert response.status_code == 200
    assert 'id="code-error"' in response.text or 'id="ends_on-error"' in response.text
    response = manager_client.post(
        "/console/partners/co-marketing/", {**NEW, "partner": str(partner.pk), "code": partner.code}
    )
    assert 'id="code-error"' in response.text
    response = manager_client.post(
        "/console/partners/co-marketing/",
        {**NEW, "partner": str(partner.pk), "ends_on": "2026-11-01"},
    )
    assert 'id="ends_on-error"' in response.text
    response = manager_client.post(
        "/console/partners/co-marketing/",
        {**NEW, "partner": str(partner.pk), "budget_currency": "XX"},
    )
    assert 'id="budget_currency-error"' in response.text
    assert not CoMarketingActivity.objects.exists()


def test_edit_and_finish(manager_client, partner, frozen_clock):
    activity = activity_create(
        participant=partner, kind="event", title="Expo", starts_on=frozen_clock.now.date()
    )
    url = f"/console/partners/co-marketing/{activity.pk}/"
    response = manager_client.post(
        url,
        {
            **NEW,
            "title": "Expo Jakarta",
            "kind": "event",
            "starts_on": str(frozen_clock.now.date()),
            "budget": "",
        },
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert (activity.title, activity.budget) == ("Expo Jakarta", None)
    assert manager_client.post(f"{url}finish").status_code == 302
    activity.refresh_from_db()
    assert activity.status == "done" and activity.ends_on == frozen_clock.now.date()
    page = manager_client.get(url).text
    assert "Mark done" not in page and "Tandai selesai" not in page
    # The date inputs hold ISO dates, which <input type="date"> shows.
    assert f'value="{frozen_clock.now.date():%Y-%m-%d}"' in page


def test_a_viewer_cannot_change(viewer_client, partner):
    activity = activity_create(
        participant=partner, kind="content", title="E-book", starts_on=date(2026, 11, 1)
    )
    assert viewer_client.get("/console/partners/co-marketing/").status_code == 200
    assert (
        viewer_client.post(
            "/console/partners/co-marketing/", {**NEW, "partner": str(partner.pk)}
        ).status_code
        == 403
    )
    assert (
        viewer_client.post(f"/console/partners/co-marketing/{activity.pk}/finish").status_code
        == 403
    )
    assert CoMarketingActivity.objects.count() == 1
