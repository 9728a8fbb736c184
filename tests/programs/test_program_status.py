"""Story: a manager pauses, archives and reactivates a program (PATCH /api/v1/programs/{slug}
with "status"). A paused program keeps its links working and records events but grants no
rewards; an archived one does the same and is read-only. Turning cash rewards off records who
approved it and when (R6)."""

import pytest

from tests.helpers import PARTICIPANT_BODY, PROGRAM_BODY, assert_problem
from tular.programs.models import Program
from tular.programs.services import program_set_status, program_update
from tular.referrals.models import Referral
from tular.rewards.models import Reward
from tular.workspaces.audit import Actor
from tular.workspaces.models import AuditEntry

TWO_SIDED = {
    **PROGRAM_BODY,
    "hold_days": 0,
    "rules": [
        {"trigger": "sale", "recipient": "referrer", "kind": "percent", "percent": "20"},
        {"trigger": "signup", "recipient": "friend", "kind": "fixed", "amount": 5000000},
    ],
}


@pytest.fixture
def two_sided(api):
    response = api.post("/api/v1/programs", TWO_SIDED)
    assert response.status_code == 201, response.content
    enrolled = api.post("/api/v1/participants", PARTICIPANT_BODY)
    assert enrolled.status_code == 201, enrolled.content
    return response.json(), enrolled.json()


def signup_and_buy(api, code, n):
    signup = api.post(
        "/api/v1/track/signup",
        {
            "event_id": f"signup-{n}",
            "code": code,
            "customer": {"external_id": f"cust_{n}", "email": f"teman{n}@example.com"},
        },
    )
    assert signup.status_code == 201, signup.content
    sale = api.post(
        "/api/v1/track/sale",
        {
            "event_id": f"sale-{n}",
            "customer_external_id": f"cust_{n}",
            "amount": 100000000,
            "currency": "IDR",
            "invoice_id": f"inv-{n}",
        },
    )
    assert sale.status_code == 201, sale.content
    return signup.json(), sale.json()


def set_status(api, status, slug="pelanggan"):
    return api.request("PATCH", f"/api/v1/programs/{slug}", {"status": status})


def test_a_new_program_is_active_and_says_so(api, program):
    assert program["status"] == "active"
    assert program["monetary_rewards_changed_by"] == ""
    assert program["monetary_rewards_changed_at"] is None


def test_a_paused_program_records_events_and_keeps_links_but_grants_nothing(api, two_sided):
    _program, participant = two_sided
    # given the program earns rewards while active
    signup_and_buy(api, participant["code"], 1)
    assert Reward.objects.count() == 2
    # when the manager pauses it
    response = set_status(api, "paused")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "paused"
    # then the referral link still redirects
    assert api.client.get(f"/r/{participant['code']}").status_code == 302
    # and a new sign-up and sale are recorded, but earn nothing
    signup, sale = signup_and_buy(api, participant["code"], 2)
    assert sale["attributed"] is True
    assert signup["attributed"] is True
    assert Referral.objects.count() == 2
    assert Reward.objects.count() == 2
    # and when it is reactivated, new events earn again (what happened while paused does not)
    assert set_status(api, "active").status_code == 200
    signup_and_buy(api, participant["code"], 3)
    assert Reward.objects.count() == 4


def test_an_archived_program_grants_nothing_and_its_settings_are_read_only(api, two_sided):
    _program, participant = two_sided
    # when archived
    assert set_status(api, "archived").status_code == 200
    # then events earn nothing
    signup_and_buy(api, participant["code"], 1)
    assert Reward.objects.count() == 0
    # and a settings change is refused with 409, nothing changed
    response = api.request("PATCH", "/api/v1/programs/pelanggan", {"name": "Baru"})
    assert_problem(response, 409)
    assert Program.objects.get().name == TWO_SIDED["name"]
    # unless the same request reactivates it
    response = api.request(
        "PATCH", "/api/v1/programs/pelanggan", {"name": "Baru", "status": "active"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Baru"
    assert response.json()["status"] == "active"


def test_an_unknown_status_is_refused(api, program):
    assert_problem(set_status(api, "deleted"), 422)
    assert Program.objects.get().status == "active"


def test_status_changes_are_audited_and_a_repeat_changes_nothing(workspace, api, program):
    stored = Program.objects.get()
    actor = Actor.system("a test")
    program_set_status(program=stored, status="paused", actor=actor)
    program_set_status(program=stored, status="paused", actor=actor)
    entries = AuditEntry.objects.filter(action="program.status")
    assert entries.count() == 1
    assert entries.get().after == {"status": "paused"}


def test_turning_cash_rewards_off_records_who_and_when(api, workspace, frozen_clock):
    # given a program whose rules are perks only
    body = {
        **PROGRAM_BODY,
        "rules": [{"trigger": "won", "recipient": "referrer", "kind": "perk", "perk": "Makan"}],
    }
    assert api.post("/api/v1/programs", body).status_code == 201
    # when the compliance officer turns cash rewards off
    program = program_update(
        program=Program.objects.get(),
        changes={"monetary_rewards_allowed": False},
        actor=Actor.system("siti@firma.example"),
    )
    # then who and when are recorded and shown by the API
    assert program.monetary_rewards_changed_by == "siti@firma.example"
    assert program.monetary_rewards_changed_at == frozen_clock.now
    body = api.get("/api/v1/programs/pelanggan").json()
    assert body["monetary_rewards_allowed"] is False
    assert body["monetary_rewards_changed_by"] == "siti@firma.example"


def test_cash_rewards_cannot_be_turned_off_while_a_rule_pays_money(api, program):
    response = api.request(
        "PATCH", "/api/v1/programs/pelanggan", {"monetary_rewards_allowed": False}
    )
    assert_problem(response, 422)
    stored = Program.objects.get()
    assert stored.monetary_rewards_allowed is True
    assert stored.monetary_rewards_changed_at is None


def test_a_program_created_without_cash_rewards_records_its_creator(api):
    body = {
        **PROGRAM_BODY,
        "monetary_rewards_allowed": False,
        "rules": [{"trigger": "won", "recipient": "referrer", "kind": "perk", "perk": "Makan"}],
    }
    response = api.post("/api/v1/programs", body)
    assert response.status_code == 201, response.content
    assert response.json()["monetary_rewards_changed_by"].startswith("API key ")
    assert response.json()["monetary_rewards_changed_at"] is not None


def test_the_list_filters_by_status(api, program):
    set_status(api, "paused")
    assert [p["slug"] for p in api.get("/api/v1/programs?status=paused").json()["items"]] == [
        "pelanggan"
    ]
    assert api.get("/api/v1/programs?status=active").json()["items"] == []
