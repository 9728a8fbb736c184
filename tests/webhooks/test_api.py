"""/api/v1/webhook-endpoints and /api/v1/webhook-deliveries as an integrator calls them."""

import pytest

from tests.helpers import assert_problem
from tular.webhooks import events
from tular.webhooks.models import Delivery, Endpoint
from tular.webhooks.services import webhook_emit
from tular.workspaces.models import AuditEntry

pytestmark = pytest.mark.django_db

PUBLIC_URL = "https://93.184.216.34/hooks"  # an IP literal: no DNS needed to check it


def test_create_answers_201_with_id_and_a_whsec_secret(api, private_refused):
    response = api.post(
        "/api/v1/webhook-endpoints",
        {"url": PUBLIC_URL, "events": ["reward.created", "payout.paid"], "description": "ERP"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert body["events"] == ["reward.created", "payout.paid"]
    assert (body["url"], body["enabled"], body["disabled_reason"]) == (PUBLIC_URL, True, None)
    endpoint = Endpoint.objects.get(pk=body["id"])
    assert endpoint.secret == body["secret"]
    # the audit log records it, without the secret
    entry = AuditEntry.objects.get(action="webhook_endpoint.create")
    assert entry.target_id == body["id"] and "secret" not in str(entry.after)
    # the secret is not shown by the reads
    assert "secret" not in api.get(f"/api/v1/webhook-endpoints/{body['id']}").json()
    listed = api.get("/api/v1/webhook-endpoints").json()
    assert [item["id"] for item in listed["items"]] == [body["id"]] and listed["next"] is None
    assert "secret" not in listed["items"][0]


def test_all_events_is_a_star(api, private_refused):
    response = api.post("/api/v1/webhook-endpoints", {"url": PUBLIC_URL, "events": ["*"]})
    assert response.status_code == 201
    assert response.json()["events"] == ["*"]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"url": PUBLIC_URL, "events": ["reward.exploded"]}, "events"),
        ({"url": PUBLIC_URL, "events": []}, "events"),
        ({"url": PUBLIC_URL}, "events"),
        ({"url": "ftp://93.184.216.34/x", "events": ["*"]}, "url"),
        ({"url": "https://user:pw@93.184.216.34/x", "events": ["*"]}, "url"),
        ({"url": "not a url", "events": ["*"]}, "url"),
    ],
)
def test_bad_input_is_a_422_and_nothing_is_made(api, private_refused, body, where):
    problem = assert_problem(api.post("/api/v1/webhook-endpoints", body), 422)
    assert any(where in error["loc"] for error in problem["errors"]), problem
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("https://127.0.0.1/hooks", "loopback"),
        ("https://localhost:8443/hooks", "loopback"),
        ("http://10.0.0.7/hooks", "private"),
        ("http://192.168.1.10:8080/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://[fd00:ec2::254]/", "metadata"),
        ("http://100.64.1.1/", "shared"),
        ("http://[::1]:9000/", "loopback"),
        ("http://0.0.0.0/", "unspecified"),
    ],
)
def test_a_private_url_is_refused_with_a_clear_message(api, private_refused, url, said):
    problem = assert_problem(
        api.post("/api/v1/webhook-endpoints", {"url": url, "events": ["*"]}), 422
    )
    assert problem["errors"][0]["loc"] == ["body", "url"]
    assert said in problem["detail"] and "public addresses" in problem["detail"]
    assert not Endpoint.objects.exists()


def test_a_private_url_is_accepted_when_allowed(api, private_allowed):
    response = api.post(
        "/api/v1/webhook-endpoints", {"url": "http://127.0.0.1:9/x", "events": ["*"]}
    )
    assert response.status_code == 201


def test_patch_delete_and_other_workspaces(api, outsider_api, private_refused):
    created = api.post(
        "/api/v1/webhook-endpoints", {"url": PUBLIC_URL, "events": ["reward.created"]}
    ).json()
    path = f"/api/v1/webhook-endpoints/{created['id']}"
    # another workspace sees nothing
    assert_problem(outsider_api.get(path), 404)
    assert_problem(outsider_api.request("DELETE", path), 404)
    # PATCH: events, off and on
    response = api.request("PATCH", path, {"events": ["payout.paid"], "enabled": False})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["events"], body["enabled"], body["disabled_reason"]) == (
        ["payout.paid"],
        False,
        "manual",
    )
    assert api.request("PATCH", path, {"enabled": True}).json()["disabled_reason"] is None
    problem = assert_problem(api.request("PATCH", path, {"url": "https://10.1.1.1/"}), 422)
    assert "private" in problem["detail"]
    assert_problem(api.request("PATCH", path, {"events": ["nope"]}), 422)
    assert_problem(api.request("PATCH", path, {"secret": "whsec_x"}), 422)
    # DELETE
    assert api.request("DELETE", path).status_code == 204
    assert_problem(api.get(path), 404)
    assert_problem(api.get("/api/v1/webhook-endpoints/not-a-uuid"), 404)


def test_rotating_the_secret_signs_with_both_for_a_day(api, private_refused):
    created = api.post("/api/v1/webhook-endpoints", {"url": PUBLIC_URL, "events": ["*"]}).json()
    response = api.post(f"/api/v1/webhook-endpoints/{created['id']}/rotate-secret")
    assert response.status_code == 200
    rotated = response.json()["secret"]
    assert rotated.startswith("whsec_") and rotated != created["secret"]
    endpoint = Endpoint.objects.get(pk=created["id"])
    assert (endpoint.secret, endpoint.previous_secret) == (rotated, created["secret"])


def test_the_delivery_log_and_redelivery(
    api,
    workspace,
    receiver,
    private_allowed,
    tasks_run_at_once,
    frozen_clock,
    django_capture_on_commit_callbacks,
):
    created = api.post(
        "/api/v1/webhook-endpoints", {"url": receiver.url(), "events": ["reward.created"]}
    ).json()
    receiver.answer((500, "boom", {}))
    with django_capture_on_commit_callbacks(execute=True):
        message = webhook_emit(
            workspace=workspace, type=events.REWARD_CREATED, data={"id": "rwd-1"}
        )
    log = api.get(f"/api/v1/webhook-endpoints/{created['id']}/deliveries").json()
    [delivery] = log["items"]
    assert delivery["message_id"] == message.webhook_id
    assert (delivery["type"], delivery["status"], delivery["attempts"]) == (
        "reward.created",
        "pending",
        1,
    )
    assert delivery["payload"]["data"] == {"id": "rwd-1"}
    [attempt] = delivery["attempt_log"]
    assert (attempt["number"], attempt["status_code"], attempt["response_excerpt"]) == (
        1,
        500,
        "boom",
    )
    assert api.get(
        f"/api/v1/webhook-endpoints/{created['id']}/deliveries?status=succeeded"
    ).json() == {"items": [], "next": None}

    # redelivery from the API: now, and the receiver gets it (verified)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/webhook-deliveries/{delivery['id']}/redeliver")
    assert response.status_code == 202, response.content
    assert len(receiver.received) == 2
    receiver.received[-1].verified(created["secret"])
    body = api.get(f"/api/v1/webhook-deliveries/{delivery['id']}").json()
    assert (body["status"], body["attempts"], body["next_attempt_at"]) == ("succeeded", 2, None)
    assert [a["status_code"] for a in body["attempt_log"]] == [500, 200]

    # a succeeded delivery can be sent again too (a new round; same webhook-id)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"/api/v1/webhook-deliveries/{delivery['id']}/redeliver").status_code == 202
    assert receiver.received[-1].headers["webhook-id"] == message.webhook_id
    assert Delivery.objects.get(pk=delivery["id"]).attempts == 3


def test_redelivery_is_refused_for_an_endpoint_that_is_off_and_unknown_ids(
    api,
    outsider_api,
    workspace,
    receiver,
    private_allowed,
    tasks_run_at_once,
    django_capture_on_commit_callbacks,
):
    created = api.post("/api/v1/webhook-endpoints", {"url": receiver.url(), "events": ["*"]})
    endpoint_id = created.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        webhook_emit(workspace=workspace, type=events.PAYOUT_PAID, data={"id": "po"})
    delivery = Delivery.objects.get()
    assert_problem(outsider_api.post(f"/api/v1/webhook-deliveries/{delivery.pk}/redeliver"), 404)
    assert_problem(api.post("/api/v1/webhook-deliveries/nope/redeliver"), 404)
    api.request("PATCH", f"/api/v1/webhook-endpoints/{endpoint_id}", {"enabled": False})
    problem = assert_problem(api.post(f"/api/v1/webhook-deliveries/{delivery.pk}/redeliver"), 409)
    assert "off" in problem["detail"]


def test_a_test_event_reaches_the_endpoint(
    api,
    receiver,
    private_allowed,
    tasks_run_at_once,
    frozen_clock,
    django_capture_on_commit_callbacks,
):
    created = api.post(
        "/api/v1/webhook-endpoints", {"url": receiver.url(), "events": ["payout.paid"]}
    ).json()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/webhook-endpoints/{created['id']}/test")
    assert response.status_code == 202, response.content
    [received] = receiver.received
    payload = received.verified(created["secret"])
    assert payload["type"] == "webhook.test"
    assert payload["data"]["endpoint_id"] == created["id"]
