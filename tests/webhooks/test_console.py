"""Settings → Webhooks in the console: owners add endpoints (the secret shown once), read the
delivery log with each attempt, send again, test, turn off and on, rotate and delete."""

import pytest
from django.urls import reverse

from tular.webhooks import events
from tular.webhooks.models import Delivery, Endpoint
from tular.webhooks.services import endpoint_create, webhook_emit
from tular.workspaces.models import AuditEntry

pytestmark = pytest.mark.django_db

LIST = reverse("console:settings-webhooks")
NEW = reverse("console:settings-webhooks-new")


def detail(endpoint, what="detail", *args):
    return reverse(f"console:settings-webhooks-{what}", args=[endpoint.pk, *args])


def test_only_owners_see_and_change_webhooks(
    owner_client, manager_client, viewer_client, anonymous_client, private_allowed
):
    assert owner_client.get(LIST).status_code == 200
    for client in (manager_client, viewer_client):
        assert client.get(LIST).status_code == 403
        response = client.post(NEW, {"url": "http://127.0.0.1:9/", "events": ["*"]})
        assert response.status_code == 403
    assert anonymous_client.get(LIST).status_code == 302
    assert not Endpoint.objects.exists()
    # the settings navigation shows the tab to owners only
    assert LIST in owner_client.get(reverse("console:settings")).content.decode()
    assert LIST not in viewer_client.get(reverse("console:settings")).content.decode()


def test_adding_an_endpoint_shows_its_secret_once(
    owner_client, console_workspace, receiver, private_allowed
):
    page = owner_client.get(LIST).content.decode()
    assert "Belum ada endpoint webhook" in page  # Indonesian, empty
    for name in events.EVENT_TYPES:
        assert f'value="{name}"' in page
    response = owner_client.post(
        NEW,
        {"url": receiver.url(), "events": ["reward.created", "payout.paid"], "description": "ERP"},
    )
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    endpoint = Endpoint.objects.get(workspace=console_workspace)
    assert (endpoint.url, endpoint.events, endpoint.description) == (
        receiver.url(),
        ["reward.created", "payout.paid"],
        "ERP",
    )
    body = response.content.decode()
    assert endpoint.secret in body and "tidak akan ditampilkan lagi" in body
    assert AuditEntry.objects.filter(action="webhook_endpoint.create").count() == 1
    # the list and the endpoint's page never show it again
    assert endpoint.secret not in owner_client.get(LIST).content.decode()
    assert endpoint.secret not in owner_client.get(detail(endpoint)).content.decode()


def test_a_private_url_is_refused_beside_the_field(owner_client, private_refused):
    response = owner_client.post(NEW, {"url": "http://192.168.1.20/hook", "events": ["*"]})
    assert response.status_code == 422
    page = response.content.decode()

    assert "alamat privat" in page and "is-invalid" in page
    response = owner_client.post(NEW, {"url": "https://93.184.216.34/hook", "events": []})
    assert response.status_code == 422
    assert "Pilih setidaknya satu event" in response.content.decode()
    assert not Endpoint.objects.exists()


def test_the_delivery_log_shows_each_attempt_and_sends_again(
    owner_client,
    console_workspace,
    receiver,
    private_allowed,
    tasks_run_at_once,
    frozen_clock,
    django_capture_on_commit_callbacks,
):
    endpoint = endpoint_create(workspace=console_workspace, url=receiver.url(), events=["*"])
    receiver.answer((500, "database is down", {}))
    with django_capture_on_commit_callbacks(execute=True):
        message = webhook_emit(
            workspace=console_workspace, type=events.REWARD_CREATED, data={"id": "r1"}
        )
    page = owner_client.get(detail(endpoint)).content.decode()
    assert "reward.created" in page and message.webhook_id in page
    assert "500" in page and "database is down" in page
    assert "Kirim ulang" in page
    delivery = Delivery.objects.get(message=message)

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(detail(endpoint, "redeliver", delivery.pk))
    assert response.status_code == 302
    assert len(receiver.received) == 2
    receiver.received[-1].verified(endpoint.secret)
    page = owner_client.get(response["Location"]).content.decode()
    assert "sedang dikirim ulang" in page
    assert Delivery.objects.get(pk=delivery.pk).status == "succeeded"
    # the filter narrows the log
    assert (
        message.webhook_id
        not in owner_client.get(detail(endpoint) + "?status=failed").content.decode()
    )


def test_test_event_off_on_rotate_edit_and_delete(
    owner_client,
    console_workspace,
    receiver,
    private_allowed,
    tasks_run_at_once,
    frozen_clock,
    django_capture_on_commit_callbacks,
):
    endpoint = endpoint_create(workspace=console_workspace, url=receiver.url(), events=["*"])
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.post(detail(endpoint, "test")).status_code == 302
    [received] = receiver.received
    assert received.verified(endpoint.secret)["type"] == "webhook.test"

    assert owner_client.post(detail(endpoint, "toggle")).status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.enabled, endpoint.disabled_reason) == (False, "manual")
    page = owner_client.get(detail(endpoint)).content.decode()
    assert "Nyalakan" in page
    assert owner_client.post(detail(endpoint, "test")).status_code == 409
    assert owner_client.post(detail(endpoint, "toggle")).status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.enabled

    old = endpoint.secret
    response = owner_client.post(detail(endpoint, "rotate"))
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.previous_secret == old
    assert endpoint.secret in response.content.decode()

    response = owner_client.post(
        detail(endpoint, "edit"),
        {"url": receiver.url("/v2"), "events": ["payout.paid"], "description": "v2"},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events) == (receiver.url("/v2"), ["payout.paid"])

    assert owner_client.post(detail(endpoint, "delete")).status_code == 302
    assert not Endpoint.objects.filter(pk=endpoint.pk).exists()


def test_another_workspaces_endpoint_is_not_found(
    outsider_client, console_workspace, private_allowed
):
    endpoint = endpoint_create(workspace=console_workspace, url="http://127.0.0.1:9/", events=["*"])
    assert outsider_client.get(detail(endpoint)).status_code == 404
    assert outsider_client.post(detail(endpoint, "delete")).status_code == 404
    assert Endpoint.objects.filter(pk=endpoint.pk).exists()
