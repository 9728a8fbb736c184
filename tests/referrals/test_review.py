"""Story: a self-referral is flagged; a manager clears it (it earns what it would have) or
rejects it with a reason (it never earns) — as a Python use case and through /api/v1."""

import pytest

from tests.helpers import assert_problem
from tests.referrals.conftest import sale_body
from tular.core.errors import Conflict, Invalid
from tular.referrals import services as use_cases
from tular.referrals.models import Referral
from tular.rewards.models import Reward
from tular.workspaces.audit import Actor
from tular.workspaces.models import AuditEntry


@pytest.fixture
def flagged(workspace, participant):
    """Andi signs himself up with his own code and e-mail: a self-referral, flagged."""
    result = use_cases.track_signup(
        workspace=workspace,
        event_id="self",
        customer_external_id="cust_self",
        email="andi@example.com",
        name="Andi sendiri",
        code=participant["code"],
    )
    assert result.status == "flagged"
    return Referral.objects.get(pk=result.referral_id)


def test_rejecting_a_flagged_referral_keeps_the_reason_and_audits_it(flagged):
    # when
    rejected = use_cases.referral_reject(
        referral=flagged, reason="Akun ganda", actor=Actor(label="rina@toko.example")
    )
    # then
    assert rejected.status == "rejected"
    assert Referral.objects.get(pk=flagged.pk).review_reason == "Akun ganda"
    entry = AuditEntry.objects.get(action="referral.reject")
    assert entry.actor == "rina@toko.example"
    assert entry.before["status"] == "flagged"
    assert entry.after == {"status": "rejected", "reason": "Akun ganda"}


def test_a_rejected_referral_earns_nothing_from_later_sales(workspace, flagged):
    # given
    use_cases.referral_reject(referral=flagged, reason="fraud")
    # when
    result = use_cases.track_sale(
        workspace=workspace, event_id="s1", customer_external_id="cust_self",
        amount=100_000_000, currency="IDR", invoice_id="inv-self",
    )  # fmt: skip
    # then
    assert result.attributed and result.rewards == ()
    assert not Reward.objects.filter(referral=flagged).exists()


def test_reject_needs_a_reason_and_a_flagged_referral(flagged):
    with pytest.raises(Invalid):
        use_cases.referral_reject(referral=flagged, reason="   ")
    assert Referral.objects.get(pk=flagged.pk).status == "flagged"
    use_cases.referral_clear(referral=flagged)
    with pytest.raises(Conflict):
        use_cases.referral_reject(referral=flagged, reason="too late")


def test_clear_keeps_an_optional_reason(flagged):
    use_cases.referral_clear(referral=flagged, reason="Istri Andi, bukan Andi")
    assert Referral.objects.get(pk=flagged.pk).review_reason == "Istri Andi, bukan Andi"
    assert AuditEntry.objects.get(action="referral.clear").after["reason"] == (
        "Istri Andi, bukan Andi"
    )


# ---------------------------------------------------------------- the API


def test_api_clear_grants_what_it_would_have_earned(api, workspace, flagged):
    # given: the self-referred customer bought before the review
    use_cases.track_sale(workspace=workspace, **sale_body(external_id="cust_self"))
    # when
    response = api.post(f"/api/v1/referrals/{flagged.pk}/clear", {"reason": "ok"})
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "active" and body["review_reason"] == "ok"
    assert {reward["recipient"] for reward in body["rewards"]} == {"referrer", "friend"}
    entry = AuditEntry.objects.get(action="referral.clear")
    assert entry.actor.startswith("API key")


def test_api_clear_without_a_body(api, flagged):
    response = api.post(f"/api/v1/referrals/{flagged.pk}/clear", raw="")
    assert response.status_code == 200, response.content


def test_api_reject(api, flagged):
    response = api.post(f"/api/v1/referrals/{flagged.pk}/reject", {"reason": "Penipuan"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "rejected"
    assert response.json()["review_reason"] == "Penipuan"


def test_api_reject_without_a_reason_is_422(api, flagged):
    assert_problem(api.post(f"/api/v1/referrals/{flagged.pk}/reject", {}), 422)
    assert_problem(api.post(f"/api/v1/referrals/{flagged.pk}/reject", {"reason": ""}), 422)
    body = assert_problem(api.post(f"/api/v1/referrals/{flagged.pk}/reject", {"reason": " "}), 422)
    assert body["errors"][0]["loc"] == ["body", "reason"]
    assert Referral.objects.get(pk=flagged.pk).status == "flagged"


def test_api_review_of_a_referral_that_is_not_flagged_is_409(api, flagged):
    assert api.post(f"/api/v1/referrals/{flagged.pk}/clear").status_code == 200
    assert_problem(api.post(f"/api/v1/referrals/{flagged.pk}/clear"), 409)
    assert_problem(api.post(f"/api/v1/referrals/{flagged.pk}/reject", {"reason": "x"}), 409)


def test_api_review_of_an_unknown_or_foreign_referral_is_404(api, outsider_api, flagged):
    assert_problem(outsider_api.post(f"/api/v1/referrals/{flagged.pk}/clear"), 404)
    assert_problem(
        outsider_api.post(f"/api/v1/referrals/{flagged.pk}/reject", {"reason": "x"}), 404
    )
    assert_problem(api.post("/api/v1/referrals/not-an-id/clear"), 404)
    assert Referral.objects.get(pk=flagged.pk).status == "flagged"
