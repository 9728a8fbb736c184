"""A reseller program with Registered / Silver / Gold tiers and a partner in it."""

import pytest

from tular.participants.services import participant_enrol
from tular.partners.profiles import partner_profile_save
from tular.partners.tiers import tier_create
from tular.programs.services import program_create, program_validate

RESELLER_BODY = {
    "slug": "mitra",
    "name": "Mitra Reseller",
    "kind": "reseller",
    "currency": "IDR",
    "destination_url": "https://toko.example/mitra",
    "allowed_hosts": ["toko.example"],
    "attribution": {"model": "last_touch", "window_days": 30},
    "hold_days": 0,
    "auto_approve_below": None,
    "clawback_days": 60,
    "monetary_rewards_allowed": True,
    "rules": [
        {
            "trigger": "sale",
            "recipient": "referrer",
            "kind": "percent",
            "percent": "10",
            "duration_months": 12,
        },
        {"trigger": "signup", "recipient": "friend", "kind": "fixed", "amount": 5000000},
    ],
}


@pytest.fixture
def reseller_program(workspace):
    return program_create(workspace=workspace, config=program_validate(RESELLER_BODY))


@pytest.fixture
def tiers(reseller_program):
    return {
        "Registered": tier_create(program=reseller_program, name="Registered", rank=0),
        "Silver": tier_create(
            program=reseller_program, name="Silver", rank=1, rate="25", rate_kind="margin"
        ),
        "Gold": tier_create(
            program=reseller_program, name="Gold", rank=2, rate="35", rate_kind="margin"
        ),
    }


@pytest.fixture
def partner(reseller_program):
    participant, _created = participant_enrol(
        program=reseller_program, email="owner@mitra.example", name="PT Mitra Jaya", kind="partner"
    )
    partner_profile_save(
        participant=participant,
        legal_name="PT Mitra Jaya Abadi",
        partner_type="reseller",
        website="mitra.example",
        country="id",
    )
    return participant
