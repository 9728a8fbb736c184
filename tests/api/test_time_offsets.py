"""Story: an event arrives with an unusual but valid RFC 3339 offset (up to ±23:59); it is
recorded at the same instant in UTC, on SQLite and on PostgreSQL (which stores at most ±15:59),
and an instant outside what a datetime holds is a 422, never a 500."""

from datetime import UTC, datetime

from tular.referrals.models import Referral


def test_an_offset_beyond_postgresqls_range_is_recorded_in_utc(api, participant, frozen_clock):
    # when
    response = api.post(
        "/api/v1/track/signup",
        {
            "event_id": "signup-offset",
            "code": participant["code"],
            "customer": {"external_id": "budi", "email": "budi@example.com"},
            "occurred_at": "2026-05-01T04:14:46+23:21",
        },
    )
    # then
    assert response.status_code == 201, response.content
    referral = Referral.objects.get(pk=response.json()["referral_id"])
    assert referral.created_at == datetime(2026, 4, 30, 4, 53, 46, tzinfo=UTC)


def test_an_old_date_with_a_large_offset_is_not_a_server_error(api, participant):
    # what the fuzzer sent: year 226, offset +23:21
    response = api.post(
        "/api/v1/track/cancel",
        {
            "event_id": "cancel-old",
            "customer_external_id": "budi",
            "occurred_at": "0226-06-29T04:14:46.32+23:21",
        },
    )
    assert response.status_code in (200, 201, 404, 422), response.content


def test_an_instant_before_year_one_in_utc_is_a_422(api, participant):
    response = api.post(
        "/api/v1/track/cancel",
        {
            "event_id": "cancel-year-one",
            "customer_external_id": "budi",
            "occurred_at": "0001-01-01T00:00:00+01:00",
        },
    )
    assert response.status_code == 422, response.content
