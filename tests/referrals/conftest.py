"""Personas for tracking: Andi refers, Budi is his friend who signs up and buys."""

import pytest


def signup_body(
    participant,
    *,
    event_id="signup-budi",
    external_id="cust_budi",
    email="budi@example.com",
    **extra,
):
    return {
        "event_id": event_id,
        "code": participant["code"],
        "customer": {"external_id": external_id, "email": email, "name": "Budi"},
        **extra,
    }


def sale_body(
    *,
    event_id="sale-1",
    external_id="cust_budi",
    amount=100_000_000,
    currency="IDR",
    invoice_id="inv-1",
    **extra,
):
    body = {
        "event_id": event_id,
        "customer_external_id": external_id,
        "amount": amount,
        "currency": currency,
        **extra,
    }
    if invoice_id:
        body["invoice_id"] = invoice_id
    return body


@pytest.fixture
def budi_signed_up(api, participant):
    response = api.post("/api/v1/track/signup", signup_body(participant))
    assert response.status_code == 201, response.content
    return response.json()
