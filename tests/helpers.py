"""Shared test helpers: the API as an integrator calls it, and the problem+json check."""

import json
import threading

import pytest
from django.db import connection, connections
from django.test import Client

PROGRAM_BODY = {
    "slug": "pelanggan",
    "name": "Ajak Teman",
    "kind": "customer",
    "currency": "IDR",
    "destination_url": "https://toko.example/daftar",
    "allowed_hosts": ["toko.example"],
    "attribution": {"model": "last_touch", "window_days": 30},
    "hold_days": 14,
    "auto_approve_below": 750000000,
    "clawback_days": 60,
    "monetary_rewards_allowed": True,
    "rules": [
        {
            "trigger": "sale",
            "recipient": "referrer",
            "kind": "percent",
            "percent": "20",
            "duration_months": 12,
            "tiers": [{"min_conversions": 5, "percent": "25"}],
            "cap": {"amount": 1500000000, "period": "quarter"},
        },
        {"trigger": "signup", "recipient": "friend", "kind": "fixed", "amount": 5000000},
        {"trigger": "won", "recipient": "referrer", "kind": "fixed", "amount": 750000000},
        {"trigger": "qualified", "recipient": "referrer", "kind": "perk", "perk": "Akses beta"},
    ],
}

PARTICIPANT_BODY = {
    "program": "pelanggan",
    "external_id": "cust_42",
    "email": "andi@example.com",
    "name": "Andi",
    "kind": "customer",
    "locale": "id",
}


class Api:
    """The JSON API as an integrator calls it: bearer key, JSON bodies."""

    def __init__(self, key: str | None):
        self.client = Client()
        self.key = key

    def _headers(self, extra):
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        headers.update(extra or {})
        return headers

    def get(self, path, headers=None):
        return self.client.get(path, headers=self._headers(headers))

    def post(self, path, body=None, *, raw: str | bytes | None = None, headers=None):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(
            path, data=data, content_type="application/json", headers=self._headers(headers)
        )

    def request(self, method, path, body=None, headers=None):
        return self.client.generic(
            method,
            path,
            data=json.dumps(body or {}),
            content_type="application/json",
            headers=self._headers(headers),
        )


def assert_problem(response, status: int) -> dict:
    """The response is an RFC 9457 problem with this status (422s also list their errors)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    if status == 422:
        assert body["errors"] and all({"loc", "msg"} <= e.keys() for e in body["errors"])
    return body


def in_parallel(count: int, work) -> tuple[list, list]:
    """Run `work()` (or `work(index)` when it takes one argument) in `count` threads released
    together, each on its own database connection (closed afterwards). Returns (results,
    errors), one slot per thread."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, [None] * count
    takes_index = work.__code__.co_argcount == 1

    def run(index):
        try:
            barrier.wait(timeout=10)
            results[index] = work(index) if takes_index else work()
        except Exception as exc:
            errors[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


# Tests that race real connections (SQLite serialises writers, so the race cannot happen there).
needs_parallel_connections = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs real parallel connections (PostgreSQL)"
    ),
]
