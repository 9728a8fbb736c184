"""The pipeline of submitted leads through the API: Andi (a customer of Toko Andalan) refers
Citra of PT Maju; the team walks her through submitted → … → won, and the rules of qualified
(a perk) and won (Rp7.500.000) fire once."""

from datetime import timedelta

import pytest

from tests.console.conftest import make_member
from tests.helpers import assert_problem
from tular.messaging.models import OutboundEmail
from tular.referrals import sla
from tular.referrals.models import Referral, ReferralChange
from tular.rewards.models import Reward
from tular.workspaces.models import Role

LEAD = {"name": "Citra", "email": "citra@ptmaju.co.id", "company": "PT Maju", "phone": "0812"}


def submit(api, **extra):
    body = {"program": "pelanggan", "referrer_external_id": "cust_42", "lead": LEAD, **extra}
    return api.post("/api/v1/referrals", body)


def move(api, referral_id, **body):
    return api.request("PATCH", f"/api/v1/referrals/{referral_id}", body)


@pytest.fixture
def lead(api, participant, frozen_clock):
    response = submit(api, consent=True, heard_from="LinkedIn")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_submitted_lead_starts_its_service_level_and_is_scored(lead, frozen_clock):
    assert lead["status"] == "submitted"
    assert lead["id"]
    assert lead["due"] == "acknowledge"
    assert lead["due_at"] == (frozen_clock.now + timedelta(hours=24)).isoformat().replace(
        "+00:00", "Z"
    )
    assert lead["overdue"] is False
    assert lead["lead_score"] == 20
    assert lead["intake"] == "api"
    assert lead["referral_type"] == "customer"
    assert lead["heard_from"] == "LinkedIn"
    assert lead["consent_at"] is not None
    assert [step["status"] for step in lead["history"]] == ["submitted"]


def test_get_shows_status_referrer_and_history(api, lead, participant):
    response = api.get(f"/api/v1/referrals/{lead['id']}")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "submitted"
    assert body["referrer"]["id"] == participant["id"]
    assert body["history"][0]["status"] == "submitted"
    assert body["history"][0]["at"]


def test_the_whole_walk_fires_qualified_and_won_rules_once(api, lead, participant):
    for status in ("acknowledged", "contacted", "qualified", "proposal"):
        response = move(api, lead["id"], status=status)
        assert response.status_code == 200, response.content
        assert response.json()["status"] == status
    perks = Reward.objects.filter(referral_id=lead["id"], trigger="qualified")
    assert [(r.kind, r.perk) for r in perks] == [("perk", "Akses beta")]

    response = move(api, lead["id"], status="won", deal_value=12_000_000_000)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["deal_value"] == 12_000_000_000
    assert body["currency"] == "IDR"
    assert body["due"] is None
    assert [step["status"] for step in body["history"]] == [
        "submitted",
        "acknowledged",
        "contacted",
        "qualified",
        "proposal",
        "won",
    ]
    won = Reward.objects.get(referral_id=lead["id"], trigger="won")
    assert (won.amount, won.currency, won.participant_id.hex) == (
        750_000_000,
        "IDR",
        participant["id"].replace("-", ""),
    )
    assert body["case_study"] == "asked"


def test_impossible_jumps_are_409_and_change_nothing(api, lead):
    problem = assert_problem(move(api, lead["id"], status="won"), 409)
    assert "submitted" in problem["detail"]
    assert Referral.objects.get(pk=lead["id"]).status == "submitted"
    assert ReferralChange.objects.filter(referral_id=lead["id"]).count() == 1


def test_lost_needs_a_reason_and_is_reopened_explicitly(api, lead):
    assert_problem(move(api, lead["id"], status="lost"), 422)
    assert move(api, lead["id"], status="lost", reason="Terlalu kecil").status_code == 200
    assert_problem(move(api, lead["id"], status="contacted"), 409)
    response = move(api, lead["id"], status="contacted", reopen=True)
    assert response.status_code == 200, response.content
    assert response.json()["history"][-1] == {
        **response.json()["history"][-1],
        "from_status": "lost",
        "status": "contacted",
        "reopened": True,
    }
    # Qualified twice (before and after a reopen) earns once.
    assert move(api, lead["id"], status="qualified").status_code == 200
    assert move(api, lead["id"], status="dark").status_code == 200
    assert move(api, lead["id"], status="qualified", reopen=True).status_code == 200
    assert Reward.objects.filter(referral_id=lead["id"], trigger="qualified").count() == 1


def test_won_stays_won(api, lead):
    for status in ("contacted", "qualified", "won"):
        assert move(api, lead["id"], status=status).status_code == 200
    assert_problem(move(api, lead["id"], status="lost", reason="x"), 409)
    assert_problem(move(api, lead["id"], status="contacted", reopen=True), 409)


def test_the_same_status_again_changes_nothing(api, lead):
    assert move(api, lead["id"], status="acknowledged").status_code == 200
    assert move(api, lead["id"], status="acknowledged").status_code == 200
    assert ReferralChange.objects.filter(referral_id=lead["id"]).count() == 2


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"program": "nope"}, "program"),
        ({"referrer_external_id": "nobody"}, "referrer_external_id"),
        ({"lead": {"name": "Citra", "email": "not-an-email"}}, "email"),
        ({"lead": {"name": "Andi", "email": "andi@example.com"}}, "email"),
        ({"lead": {"name": "", "email": "c@x.example"}}, "name"),
    ],
)
def test_bad_intake_is_422_and_writes_nothing(api, participant, body, loc):
    full = {"program": "pelanggan", "referrer_external_id": "cust_42", "lead": LEAD, **body}
    problem = assert_problem(api.post("/api/v1/referrals", full), 422)
    assert any(loc in error["loc"] for error in problem["errors"]), problem
    assert not Referral.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_a_lead_of_the_same_company_is_a_possible_duplicate(api, lead):
    other = submit(api, lead={"name": "Dodi", "email": "dodi@ptmaju.co.id"}).json()
    assert other["duplicate_of"] == lead["id"]
    gmail = submit(api, lead={"name": "Eka", "email": "eka@gmail.com"}).json()
    again = submit(api, lead={"name": "Eka L.", "email": "EKA@gmail.com"}).json()
    assert gmail["duplicate_of"] is None
    assert again["duplicate_of"] == gmail["id"]


def test_other_workspaces_see_nothing(outsider_api, lead):
    assert_problem(outsider_api.get(f"/api/v1/referrals/{lead['id']}"), 404)
    assert_problem(move(outsider_api, lead["id"], status="acknowledged"), 404)


def test_owner_and_deal_value(api, lead, workspace):
    sari = make_member(workspace, "sari@toko.example", Role.MANAGER)
    response = move(api, lead["id"], owner="SARI@toko.example", deal_value=5_000_000)
    assert response.status_code == 200, response.content
    assert response.json()["owner"] == sari.email
    assert response.json()["deal_value"] == 5_000_000
    assert_problem(move(api, lead["id"], owner="stranger@x.example"), 422)
    assert_problem(move(api, lead["id"], deal_value=5, currency="XYZ"), 422)
    assert move(api, lead["id"], owner="").json()["owner"] is None


def test_notes(api, lead):
    response = api.post(f"/api/v1/referrals/{lead['id']}/notes", {"body": "Telepon Senin"})
    assert response.status_code == 201
    notes = api.get(f"/api/v1/referrals/{lead['id']}").json()["notes_by_team"]
    assert [n["body"] for n in notes] == ["Telepon Senin"]


# ---------------------------------------------------------------- service levels


def told(kind):
    return list(OutboundEmail.objects.filter(kind=kind).values_list("to", flat=True))


def test_an_overdue_lead_is_flagged_and_its_owner_told_once(api, lead, workspace, frozen_clock):
    sari = make_member(workspace, "sari@toko.example", Role.MANAGER)
    move(api, lead["id"], owner=sari.email)
    frozen_clock.advance(hours=23)
    assert sla.overdue_tell() == 0
    frozen_clock.advance(hours=2)
    assert api.get(f"/api/v1/referrals/{lead['id']}").json()["overdue"] is True
    assert sla.overdue_tell() == 1
    assert sla.overdue_tell() == 0  # once per level
    assert told("pipeline_overdue") == ["sari@toko.example"]

    # Acknowledged late: the next level (first contact, 48 h from submission) is due next.
    body = move(api, lead["id"], status="acknowledged").json()
    assert (body["due"], body["overdue"]) == ("contact", False)
    frozen_clock.advance(hours=24)
    assert sla.overdue_tell() == 1
    assert told("pipeline_overdue") == ["sari@toko.example"] * 2


def test_without_an_owner_the_managers_are_told(api, lead, workspace, frozen_clock):
    make_member(workspace, "owner@toko.example", Role.OWNER)
    make_member(workspace, "viewer@toko.example", Role.VIEWER)
    frozen_clock.advance(hours=25)
    assert sla.overdue_tell() == 1
    assert told("pipeline_overdue") == ["owner@toko.example"]


def test_a_closed_lead_is_never_overdue(api, lead, frozen_clock):
    move(api, lead["id"], status="lost", reason="Bukan target")
    frozen_clock.advance(days=30)
    assert api.get(f"/api/v1/referrals/{lead['id']}").json()["overdue"] is False
    assert sla.overdue_tell() == 0


def test_a_dark_lead_comes_back_after_the_program_setting(api, lead, workspace, frozen_clock):
    make_member(workspace, "owner@toko.example", Role.OWNER)
    for status in ("acknowledged", "contacted", "dark"):
        move(api, lead["id"], status=status)
    body = api.get(f"/api/v1/referrals/{lead['id']}").json()
    assert body["recontact_at"] == (frozen_clock.now + timedelta(days=90)).isoformat().replace(
        "+00:00", "Z"
    )
    frozen_clock.advance(days=89)
    assert sla.recontact_tell() == 0
    frozen_clock.advance(days=2)
    assert sla.recontact_tell() == 1
    assert sla.recontact_tell() == 0
    assert told("pipeline_recontact") == ["owner@toko.example"]


def test_a_deal_value_sent_with_the_same_status_is_audited(api, lead):
    from tular.workspaces.models import AuditEntry

    move(api, lead["id"], status="acknowledged")
    response = move(api, lead["id"], status="acknowledged", deal_value=4_000_000)
    assert response.json()["deal_value"] == 4_000_000
    entry = AuditEntry.objects.get(action="referral.deal_value", target_id=lead["id"])
    assert entry.after == {"deal_value": 4_000_000, "currency": "IDR"}
