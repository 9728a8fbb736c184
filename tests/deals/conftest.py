"""Personas of deal registration: the reseller program `mitra` of Toko Andalan, with the
partners Sinar (mitra_sinar) and Cahaya (mitra_cahaya)."""

from datetime import UTC, datetime

import pytest

from tular.participants.services import participant_enrol
from tular.programs.models import Program


@pytest.fixture
def clock_start() -> datetime:
    return datetime(2026, 5, 15, 9, 0, tzinfo=UTC)  # a Friday morning


def make_partner_program(workspace, slug="mitra") -> Program:
    return Program.objects.create(
        workspace=workspace,
        slug=slug,
        name="Mitra Toko Andalan",
        kind="reseller",
        currency="IDR",
        destination_url="https://toko.example/mitra",
        attribution={"model": "last_touch", "window_days": 30},
        rules=[],
    )


def make_partner(program, external_id, name=None, kind="partner"):
    return participant_enrol(
        program=program,
        email=f"{external_id}@mitra.example",
        external_id=external_id,
        name=name or external_id,
        kind=kind,
    )[0]


@pytest.fixture
def program(workspace):
    return make_partner_program(workspace)


@pytest.fixture
def sinar(program):
    return make_partner(program, "mitra_sinar", "PT Sinar")


@pytest.fixture
def cahaya(program):
    return make_partner(program, "mitra_cahaya", "CV Cahaya")


QUALIFIED = {"meeting_scheduled": True, "discovery_call": True, "budget_confirmed": True}


def register(program, partner, domain="https://www.Maju.co.id/", **extra):
    from tular.deals.services import deal_register

    values = {
        "company": "PT Maju",
        "domain": domain,
        "contact_name": "Citra",
        "contact_email": "citra@maju.co.id",
        "estimated_value": 50_000_000_000,
        "currency": "IDR",
        "qualification": QUALIFIED,
        **extra,
    }
    return deal_register(program=program, partner=partner, **values)
