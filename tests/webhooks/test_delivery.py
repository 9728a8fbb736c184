"""Deliveries reach a real HTTP server signed as Standard Webhooks says, are retried on the
spec's schedule, stop at 410 Gone, and never reach a private address unless allowed."""

from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook

from tular.webhooks import events, guard
from tular.webhooks.delivery import BACKOFF, LEASE, MAX_ATTEMPTS, delivery_attempt
from tular.webhooks.jobs import deliver_due_webhooks
from tular.webhooks.models import Attempt, Delivery, Message
from tular.webhooks.services import endpoint_create, endpoint_update, webhook_emit
from tular.webhooks.signing import signature

pytestmark = pytest.mark.django_db


def test_the_published_standard_webhooks_test_vector_is_what_we_sign():
    # The spec's vector (and the reference libraries' tests): secret, id, timestamp, body.

    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    at = datetime.fromtimestamp(1614265330, tz=UTC)
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    body = '{"test": 2432232314}'
    assert signature([secret], msg_id="msg_p5jXN8AQM9LWM0D4loKWxJek", at=at, body=body) == expected
    # the library itself agrees (its verify() checks the timestamp against the real time)
    webhook = Webhook(secret)
    assert webhook.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", at, body) == expected


@pytest.fixture
def emit(workspace, django_capture_on_commit_callbacks, tasks_run_at_once, frozen_clock):
    """An event emitted in a committed transaction: its deliveries' tasks run at once."""

    def emit(type=events.REWARD_CREATED, data=None):
        with django_capture_on_commit_callbacks(execute=True):
            return webhook_emit(workspace=workspace, type=type, data=data or {"id": "rwd-1"})

    return emit


@pytest.fixture
def endpoint(workspace, receiver, private_allowed):
    return endpoint_create(workspace=workspace, url=receiver.url(), events=["*"])


def test_a_delivery_arrives_signed_and_verifies_with_the_receiver_library(
    emit, endpoint, receiver, frozen_clock
):
    message = emit(data={"id": "rwd-1", "amount": 1500000, "currency": "IDR"})
    [received] = receiver.received
    assert received.path == "/hooks/tular"
    payload = received.verified(endpoint.secret)
    assert payload == {
        "type": "reward.created",
        "timestamp": frozen_clock.now.isoformat().replace("+00:00", "Z"),
        "data": {"id": "rwd-1", "amount": 1500000, "currency": "IDR"},
    }
    assert received.headers["webhook-id"] == message.webhook_id
    assert received.headers["webhook-id"].startswith("msg_")
    assert received.headers["webhook-timestamp"] == str(int(frozen_clock.now.timestamp()))
    assert received.headers["Content-Type"] == "application/json"
    # a wrong secret does not verify
    with pytest.raises(Exception, match="signature"):
        received.verified("whsec_" + "A" * 43)
    delivery = Delivery.objects.get(message=message)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 200)
    [attempt] = Attempt.objects.filter(delivery=delivery)
    assert (attempt.number, attempt.status_code, attempt.response_excerpt) == (1, 200, "ok")


def test_only_subscribed_enabled_endpoints_get_a_delivery(
    emit, workspace, receiver, private_allowed
):
    rewards = endpoint_create(
        workspace=workspace, url=receiver.url("/r"), events=["reward.created"]
    )
    payouts = endpoint_create(workspace=workspace, url=receiver.url("/p"), events=["payout.paid"])
    off = endpoint_create(workspace=workspace, url=receiver.url("/off"), events=["*"])
    endpoint_update(endpoint=off, changes={"enabled": False})
    emit(type=events.REWARD_CREATED)
    emit(type=events.PAYOUT_PAID)
    assert sorted(r.path for r in receiver.received) == ["/p", "/r"]
    assert Delivery.objects.filter(endpoint=rewards).count() == 1
    assert Delivery.objects.filter(endpoint=payouts).count() == 1
    assert not Delivery.objects.filter(endpoint=off).exists()
    # nobody listens to referral.created: nothing is written
    assert emit(type=events.REFERRAL_CREATED) is None
    assert Message.objects.count() == 2


def test_a_rolled_back_emission_sends_nothing(workspace, endpoint, receiver, tasks_run_at_once):
    from django.db import transaction

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        webhook_emit(workspace=workspace, type=events.REWARD_CREATED, data={"id": 1})
        raise Boom
    assert not Message.objects.exists() and receiver.received == []


def test_unknown_event_types_cannot_be_emitted(workspace):
    with pytest.raises(ValueError, match="unknown webhook event"):
        webhook_emit(workspace=workspace, type="reward.exploded", data={})


def test_a_500_is_retried_on_schedule_until_the_receiver_answers_200(
    emit, endpoint, receiver, frozen_clock
):
    receiver.answer((500, "database down", {}), (503, "still down", {}))
    t0 = frozen_clock.now
    message = emit()
    delivery = Delivery.objects.get(message=message)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.next_attempt_at == t0 + BACKOFF[0] == t0 + timedelta(seconds=5)
    assert "500" in delivery.last_error

    # not due yet: nothing is tried
    frozen_clock.advance(seconds=4)
    deliver_due_webhooks()
    assert len(receiver.received) == 1

    # 5 s later the second attempt gets 503: the next one 5 minutes later
    frozen_clock.advance(seconds=1)
    deliver_due_webhooks()
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status_code) == (2, 503)
    assert delivery.next_attempt_at == frozen_clock.now + timedelta(minutes=5)

    frozen_clock.advance(minutes=5)
    deliver_due_webhooks()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 3)
    # every attempt carried the same webhook-id, each signed afresh at its own time
    assert len(receiver.received) == 3
    assert {r.headers["webhook-id"] for r in receiver.received} == {message.webhook_id}
    stamps = [int(r.headers["webhook-timestamp"]) for r in receiver.received]
    assert [stamp - int(t0.timestamp()) for stamp in stamps] == [0, 5, 305]
    receiver.received[1].verified(endpoint.secret)  # (the last is 5 minutes ahead of real time)
    log = list(Attempt.objects.filter(delivery=delivery).order_by("number"))
    assert [(a.number, a.status_code, a.response_excerpt) for a in log] == [
        (1, 500, "database down"),
        (2, 503, "still down"),
        (3, 200, "ok"),
    ]
    assert all(a.duration_ms >= 0 and a.url == endpoint.url for a in log)


def test_the_schedule_is_about_75_hours_over_10_attempts_and_then_fails(
    emit, endpoint, receiver, frozen_clock
):
    assert MAX_ATTEMPTS == 10
    assert timedelta(hours=75) <= sum(BACKOFF, timedelta()) <= timedelta(hours=76)
    receiver.answer(*[(500, "no", {})] * 10)
    message = emit()
    delivery = Delivery.objects.get(message=message)
    for wait in BACKOFF:
        frozen_clock.advance(seconds=wait.total_seconds())
        deliver_due_webhooks()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 10)
    assert len(receiver.received) == 10
    # nothing further happens
    frozen_clock.advance(days=3)
    deliver_due_webhooks()
    assert len(receiver.received) == 10


def test_410_gone_turns_the_endpoint_off_and_stops_its_deliveries(
    emit, endpoint, receiver, frozen_clock
):
    receiver.answer((410, "gone", {}))
    message = emit()
    delivery = Delivery.objects.get(message=message)
    assert (delivery.status, delivery.last_status_code) == ("failed", 410)
    endpoint.refresh_from_db()
    assert (endpoint.enabled, endpoint.disabled_reason) == (False, "gone")
    assert endpoint.disabled_at == frozen_clock.now
    # later events are not sent to it, retries are not made
    emit()
    frozen_clock.advance(hours=1)
    deliver_due_webhooks()
    assert len(receiver.received) == 1


def test_a_duplicate_task_posts_once(emit, endpoint, receiver):
    receiver.answer((500, "no", {}))
    message = emit()
    delivery = Delivery.objects.get(message=message)
    # the retry is not due: a second task for the same delivery does nothing
    assert delivery_attempt(delivery.pk) == "skipped"
    assert delivery_attempt("not-an-id") == "skipped"
    assert len(receiver.received) == 1


def test_a_lost_task_is_picked_up_by_the_job(
    workspace, endpoint, receiver, frozen_clock, settings, django_capture_on_commit_callbacks
):
    from tests.messaging.conftest import LOST

    settings.TASKS = LOST  # enqueued tasks are dropped
    with django_capture_on_commit_callbacks(execute=True):
        webhook_emit(workspace=workspace, type=events.PAYOUT_PAID, data={"id": "po-1"})
    assert receiver.received == []
    from tests.messaging.conftest import IMMEDIATE

    settings.TASKS = IMMEDIATE
    deliver_due_webhooks()  # not yet: the task may still come
    assert receiver.received == []
    frozen_clock.advance(minutes=1)
    deliver_due_webhooks()
    assert len(receiver.received) == 1


def test_an_attempt_whose_worker_died_is_taken_over_after_its_lease(
    emit, endpoint, receiver, frozen_clock
):
    receiver.answer((500, "no", {}))
    delivery = Delivery.objects.get(message=emit())
    # a worker claims the second attempt and dies before recording it
    frozen_clock.advance(seconds=5)
    Delivery.objects.filter(pk=delivery.pk).update(
        attempts=2, leased_until=frozen_clock.now + LEASE
    )
    deliver_due_webhooks()
    assert len(receiver.received) == 1
    frozen_clock.advance(seconds=LEASE.total_seconds())
    deliver_due_webhooks()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 3)


# ---------------------------------------------------------------------- private addresses


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.5",
        "192.168.1.1",
        "169.254.169.254",
        "169.254.10.10",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fd00:ec2::254",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::",
    ],
)
def test_non_public_addresses_are_refused(address):
    import ipaddress

    assert guard.address_refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_pass(address):
    import ipaddress

    assert guard.address_refusal(ipaddress.ip_address(address)) is None


def test_the_metadata_address_is_named(private_refused, settings):
    settings.LANGUAGE_CODE = "en"
    with pytest.raises(guard.Refused, match="metadata"):
        guard.check("http://169.254.169.254/latest/meta-data/")
    with pytest.raises(guard.Refused, match="metadata"):
        guard.check("http://[fd00:ec2::254]/latest/")


def test_a_name_that_resolves_to_loopback_is_refused(private_refused, settings):
    settings.LANGUAGE_CODE = "en"
    with pytest.raises(guard.Refused, match=r"localhost resolves to .*loopback"):
        guard.check("https://localhost/hooks")


def test_delivery_to_a_private_address_is_refused_unless_allowed(
    emit, workspace, receiver, settings
):
    # the endpoint was made while private addresses were allowed; then they are not
    settings.TULAR_WEBHOOKS_ALLOW_PRIVATE = True
    endpoint = endpoint_create(workspace=workspace, url=receiver.url(), events=["*"])
    by_name = endpoint_create(
        workspace=workspace, url=f"http://localhost:{receiver.port}/by-name", events=["*"]
    )
    settings.TULAR_WEBHOOKS_ALLOW_PRIVATE = False
    message = emit()
    assert receiver.received == []
    for each in (endpoint, by_name):
        delivery = Delivery.objects.get(message=message, endpoint=each)
        assert delivery.status == "pending" and delivery.last_status_code is None
        assert "public addresses" in delivery.last_error
        [attempt] = Attempt.objects.filter(delivery=delivery)
        assert "loopback" in attempt.error and attempt.status_code is None


def test_a_redirect_to_a_private_address_is_not_followed(
    emit, workspace, receiver, settings, monkeypatch
):
    """A public receiver (played by 127.0.0.3, declared public here) redirects to 127.0.0.1."""
    from tests.webhooks.conftest import Receiver

    public = Receiver(host="127.0.0.3").start()
    try:
        real = guard.address_refusal
        monkeypatch.setattr(
            guard,
            "address_refusal",
            lambda address: None if str(address) == "127.0.0.3" else real(address),
        )
        settings.TULAR_WEBHOOKS_ALLOW_PRIVATE = False
        endpoint = endpoint_create(workspace=workspace, url=public.url("/in"), events=["*"])
        public.answer((307, "", {"Location": receiver.url("/internal")}))
        message = emit()
        assert [r.path for r in public.received] == ["/in"]
        assert receiver.received == []  # the private hop was never called
        delivery = Delivery.objects.get(message=message, endpoint=endpoint)
        [attempt] = Attempt.objects.filter(delivery=delivery)
        assert attempt.url == receiver.url("/internal")
        assert "127.0.0.1" in attempt.error and "loopback" in attempt.error

        # allowed private addresses: the redirect is followed, the same signed body posted
        settings.TULAR_WEBHOOKS_ALLOW_PRIVATE = True
        public.answer((308, "", {"Location": receiver.url("/internal")}))
        message = emit()
        [arrived] = receiver.received
        assert arrived.path == "/internal"
        arrived.verified(endpoint.secret)
        assert arrived.headers["webhook-id"] == message.webhook_id
    finally:
        public.stop()


def test_more_than_three_redirects_fail_the_attempt(emit, endpoint, receiver):
    loop = (302, "", {"Location": receiver.url("/again")})
    receiver.answer(loop, loop, loop, loop)
    delivery = Delivery.objects.get(message=emit())
    assert len(receiver.received) == 4
    assert "redirects" in delivery.last_error and delivery.status == "pending"


def test_the_connection_goes_to_the_checked_address(
    emit, workspace, receiver, private_allowed, monkeypatch
):
    """DNS rebinding: the name is resolved once per attempt, checked, and that very address is
    connected to (the Host header keeps the name); no second lookup is made."""
    import socket

    lookups = []
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        lookups.append(host)
        if host == "hooks.tular.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(guard.socket, "getaddrinfo", getaddrinfo)
    url = f"http://hooks.tular.test:{receiver.port}/pinned"
    endpoint = endpoint_create(workspace=workspace, url=url, events=["*"])
    lookups.clear()
    emit()
    [received] = receiver.received
    assert received.path == "/pinned"
    assert received.headers["Host"] == f"hooks.tular.test:{receiver.port}"
    # one lookup of the name (the guard's); the connection only ever saw the address
    assert lookups.count("hooks.tular.test") == 1
    assert set(lookups) <= {"hooks.tular.test", "127.0.0.1"}
    received.verified(endpoint.secret)


def test_after_a_rotation_both_secrets_verify_for_a_day(emit, endpoint, receiver, frozen_clock):
    from tular.webhooks.services import endpoint_rotate_secret

    old = endpoint.secret
    endpoint = endpoint_rotate_secret(endpoint=endpoint)
    emit()
    [received] = receiver.received
    assert len(received.headers["webhook-signature"].split(" ")) == 2
    received.verified(old)
    received.verified(endpoint.secret)
    # a day later only the new secret signs
    receiver.received.clear()
    frozen_clock.advance(hours=24)
    emit()
    [received] = receiver.received
    assert len(received.headers["webhook-signature"].split(" ")) == 1


def test_a_last_attempt_whose_worker_died_fails_the_delivery(
    emit, endpoint, receiver, frozen_clock
):
    receiver.answer((500, "no", {}))
    delivery = Delivery.objects.get(message=emit())
    Delivery.objects.filter(pk=delivery.pk).update(
        attempts=MAX_ATTEMPTS, leased_until=frozen_clock.now + LEASE
    )
    deliver_due_webhooks()
    assert Delivery.objects.get(pk=delivery.pk).status == "pending"
    frozen_clock.advance(seconds=LEASE.total_seconds())
    deliver_due_webhooks()
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "did not finish" in delivery.last_error
    assert len(receiver.received) == 1


def test_old_messages_are_pruned_unless_still_pending(emit, endpoint, receiver, frozen_clock):
    from tular.webhooks.services import RETENTION, messages_prune

    done = emit()
    receiver.answer(*[(500, "no", {})] * 3)
    waiting = emit()
    frozen_clock.advance(seconds=RETENTION.total_seconds() + 1)
    messages_prune()
    assert list(Message.objects.values_list("pk", flat=True)) == [waiting.pk]
    assert not Delivery.objects.filter(message_id=done.pk).exists()
