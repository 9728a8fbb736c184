"""The WSGI fast path of track/sale and track/signup (tular.api.fastpath) gives the answers
Django's path gives to the same requests: 201, the 200 replay, 401, 403, 422, 409, 429; what it
does not answer itself reaches Django unchanged. Requests go through the production WSGI
callable (`tular.wsgi.application`) and, to compare, through Django alone
(`tular.wsgi.django_application`), both on the test's own database connection."""

import json

import httpx
import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from tests.referrals.conftest import sale_body, signup_body
from tular.api import fastpath
from tular.referrals.models import Conversion, Referral, TrackedEvent
from tular.workspaces.models import ApiKey
from tular.workspaces.services import api_key_revoke, hash_key
from tular.wsgi import application, django_application

# Headers that differ between two answers whatever path gave them.
VOLATILE = {"content-length", "date"}


def keeping_test_connection(app):
    """`app` as Django's test Client runs Django: the request signals must not close the
    connection that holds the test's transaction."""

    def run(environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            result = app(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return [body]

    return run


class Caller:
    """POSTs JSON with a bearer key to one WSGI app; counts the requests Django saw."""

    def __init__(self, app, key):
        self.key = key
        self.client = httpx.Client(
            transport=httpx.WSGITransport(app=keeping_test_connection(app)),
            base_url="http://api.toko.example",
        )

    def post(self, path, body=None, *, raw=None, key=None, headers=None):
        content = raw if raw is not None else json.dumps(body)
        sent = {"Content-Type": "application/json", "Authorization": f"Bearer {key or self.key}"}
        return self.client.post(path, content=content, headers={**sent, **(headers or {})})


@pytest.fixture
def django_saw():
    seen = []

    def count(**kwargs):
        seen.append(1)

    request_started.connect(count)
    yield seen
    request_started.disconnect(count)


@pytest.fixture
def secret(api):
    return api.key


@pytest.fixture
def fast(secret):
    return Caller(application, secret)


@pytest.fixture
def slow(secret):
    return Caller(django_application, secret)


@pytest.fixture
def budi_signed_up(slow, participant):
    response = slow.post("/api/v1/track/signup", signup_body(participant))
    assert response.status_code == 201, response.content


def same_answer(one, other):
    assert one.status_code == other.status_code, (one.content, other.content)
    assert one.content == other.content
    headers = {k: v for k, v in one.headers.items() if k not in VOLATILE}
    assert headers == {k: v for k, v in other.headers.items() if k not in VOLATILE}


SIGNUP = "/api/v1/track/signup"
SALE = "/api/v1/track/sale"


def test_a_signup_and_a_sale_are_answered_by_the_fast_path_as_django_answers_them(
    fast, slow, participant, django_saw
):
    # a sign-up through the fast path: 201, Django never saw it
    first = fast.post(SIGNUP, signup_body(participant))
    assert first.status_code == 201, first.content
    assert django_saw == []
    body = first.json()
    assert body["attributed"] is True and body["status"] == "active"
    assert [r["recipient"] for r in body["rewards"]] == ["friend"]
    # the repeat: 200 with the first answer, from either path, byte for byte
    replay_fast = fast.post(SIGNUP, signup_body(participant))
    replay_slow = slow.post(SIGNUP, signup_body(participant))
    assert replay_fast.status_code == 200
    assert replay_fast.json() == body
    same_answer(replay_fast, replay_slow)
    assert Referral.objects.count() == 1
    # a sale: 201 through the fast path; a second sale through Django: the same headers
    sale = fast.post(SALE, sale_body())
    assert sale.status_code == 201, sale.content
    other = slow.post(SALE, sale_body(event_id="sale-2", invoice_id="inv-2"))
    assert other.status_code == 201
    assert (
        set(sale.json())
        == set(other.json())
        == {
            "attributed",
            "conversion_id",
            "referral_id",
            "rewards",
        }
    )
    assert {k: v for k, v in sale.headers.items() if k not in VOLATILE} == {
        k: v for k, v in other.headers.items() if k not in VOLATILE
    }
    same_answer(fast.post(SALE, sale_body()), slow.post(SALE, sale_body()))
    assert Conversion.objects.filter(kind="sale").count() == 2
    assert len(django_saw) == 3  # the three requests sent to django_application only


def test_an_unattributed_sale_answers_as_django_does(fast, slow, participant):
    one = fast.post(SALE, sale_body(event_id="stranger", external_id="nobody"))
    assert one.status_code == 201
    assert one.json() == {
        "attributed": False,
        "conversion_id": None,
        "referral_id": None,
        "rewards": [],
    }
    same_answer(one, slow.post(SALE, sale_body(event_id="stranger-2", external_id="nobody")))


@pytest.mark.parametrize(
    ("case", "request_kwargs"),
    [
        ("unknown key", {"key": "sk_live_nothing"}),
        ("not a key", {"key": "hello"}),
        ("bad JSON", {"raw": "{not json"}),
        ("a list", {"raw": "[1]"}),
        ("unknown field", {"body": {**sale_body(), "colour": "red"}}),
        ("amount as text", {"body": sale_body(amount="100")}),
        ("no event id", {"body": {k: v for k, v in sale_body().items() if k != "event_id"}}),
        ("future time", {"body": sale_body(occurred_at="2999-01-01T00:00:00Z")}),
        ("time without zone", {"body": sale_body(occurred_at="2026-01-01T00:00:00")}),
    ],
)
def test_what_is_not_well_formed_gets_djangos_problem_answer(
    fast, slow, participant, budi_signed_up, django_saw, case, request_kwargs
):
    # given
    events = TrackedEvent.objects.count()
    # when
    answer = fast.post(SALE, **request_kwargs)
    # then
    assert answer.status_code in (400, 401, 422), (case, answer.content)
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert django_saw == [1]  # handed to Django
    same_answer(answer, slow.post(SALE, **request_kwargs))
    assert TrackedEvent.objects.count() == events  # nothing written


def test_a_publishable_key_is_refused_403_as_by_django(
    fast, slow, publishable_api, participant, django_saw
):
    answer = fast.post(SIGNUP, signup_body(participant), key=publishable_api.key)
    assert answer.status_code == 403
    same_answer(answer, slow.post(SIGNUP, signup_body(participant), key=publishable_api.key))
    assert not Referral.objects.exists()


def test_a_revoked_key_is_refused_401(fast, workspace, participant, secret):
    assert fast.post(SIGNUP, signup_body(participant)).status_code == 201
    key = ApiKey.objects.get(key_hash=hash_key(secret))
    api_key_revoke(workspace=workspace, key_id_or_prefix=str(key.pk))
    answer = fast.post(SALE, sale_body())
    assert answer.status_code == 401


def test_a_second_sale_of_an_invoice_is_djangos_409_and_changes_nothing(
    fast, slow, participant, budi_signed_up, django_saw
):
    assert fast.post(SALE, sale_body()).status_code == 201
    conversions = Conversion.objects.count()
    answer = fast.post(SALE, sale_body(event_id="sale-again"))
    assert answer.status_code == 409, answer.content
    assert django_saw == [1]
    same_answer(answer, slow.post(SALE, sale_body(event_id="sale-again")))
    assert Conversion.objects.count() == conversions
    assert not TrackedEvent.objects.filter(event_id="sale-again").exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"Idempotency-Key": "k-1"},
        {"Origin": "https://toko.example"},
        {"Accept-Language": "en"},
        {"Cookie": "a=b"},
    ],
)
def test_requests_with_headers_django_acts_on_go_to_django(fast, participant, django_saw, headers):
    answer = fast.post(SIGNUP, signup_body(participant), headers=headers)
    assert answer.status_code == 201, answer.content
    assert django_saw == [1]


def test_the_rate_limit_counts_the_fast_paths_requests_once_and_djangos_429_answers(
    fast, slow, participant, budi_signed_up, settings, django_saw
):
    # given three requests a minute for this key
    settings.TULAR_API_RATE_LIMIT = "3/min"
    fastpath._throttle().cache.clear()
    # when: a sale, a refused second sale of its invoice (Django's 409), a new sale
    assert fast.post(SALE, sale_body()).status_code == 201
    assert fast.post(SALE, sale_body(event_id="again")).status_code == 409
    assert fast.post(SALE, sale_body(event_id="s-3", invoice_id="inv-3")).status_code == 201
    # then: the fourth is over the limit, answered by Django as Django answers it
    over = fast.post(SALE, sale_body(event_id="s-4", invoice_id="inv-4"))
    assert over.status_code == 429
    assert over.headers["retry-after"]
    same_answer(over, slow.post(SALE, sale_body(event_id="s-4", invoice_id="inv-4")))
    assert not TrackedEvent.objects.filter(event_id="s-4").exists()


def test_other_paths_and_methods_are_djangos(fast, django_saw):
    assert fast.client.get(SALE, headers={"Authorization": f"Bearer {fast.key}"}).status_code == 405
    assert fast.post("/api/v1/track/refund", {}).status_code == 422
    assert fast.post(f"{SALE}?x=1", {}).status_code == 422
    assert len(django_saw) == 3


def test_a_revoked_key_is_refused_from_its_next_request_with_the_servers_cache_on(
    fast, workspace, participant, secret, settings
):
    # given the redirect's per-process cache on, as `tular serve` runs (the tests turn it off)
    settings.TULAR_REDIRECT_CACHE_SECONDS = 2
    assert fast.post(SIGNUP, signup_body(participant)).status_code == 201
    # when the key is revoked
    key = ApiKey.objects.get(key_hash=hash_key(secret))
    api_key_revoke(workspace=workspace, key_id_or_prefix=str(key.pk))
    # then its next request is refused, not answered from a cache
    assert fast.post(SALE, sale_body()).status_code == 401
    # and an unknown key is Django's 401 every time
    assert fast.post(SALE, sale_body(), key="sk_live_unknown").status_code == 401
