"""The use cases called as Python functions (as Stripe and the demo call them): typed keyword
arguments, their own exactly-once wrapper and transaction, frozen_clock results."""

import dataclasses

import pytest

from tular.core.errors import Invalid, NotFound
from tular.referrals import services as use_cases
from tular.referrals.models import Conversion, Referral, TrackedEvent
from tular.referrals.results import SaleResult, SignupResult
from tular.workspaces.audit import Actor
from tular.workspaces.models import AuditEntry


@pytest.fixture
def signed_up(workspace, participant):
    return use_cases.track_signup(
        workspace=workspace,
        event_id="signup-budi",
        customer_external_id="cust_budi",
        email="budi@example.com",
        name="Budi",
        code=participant["code"],
    )


def test_sign_up_returns_a_frozen_result(signed_up, participant):
    assert isinstance(signed_up, SignupResult)
    assert signed_up.attributed and signed_up.first_time
    assert str(signed_up.participant_id) == participant["id"]
    assert [reward.recipient for reward in signed_up.rewards] == ["friend"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        signed_up.status = "flagged"


def test_a_repeated_event_returns_the_first_result_and_changes_nothing(workspace, signed_up):
    sale = dict(workspace=workspace, event_id="sale-1", customer_external_id="cust_budi",
                amount=100_000_000, currency="IDR", invoice_id="inv-1")  # fmt: skip
    first = use_cases.track_sale(**sale)
    again = use_cases.track_sale(**{**sale, "amount": 1})
    assert isinstance(first, SaleResult) and first.first_time and not again.first_time
    assert dataclasses.replace(again, first_time=True) == first
    assert Conversion.objects.filter(kind="sale").count() == 1


def test_a_failing_use_case_leaves_no_event_behind(workspace, signed_up):
    with pytest.raises(NotFound):
        use_cases.track_refund(workspace=workspace, event_id="refund-x",
                               customer_external_id="cust_budi", invoice_id="never-sold",
                               currency="IDR", amount=1)  # fmt: skip
    assert not TrackedEvent.objects.filter(event_id="refund-x").exists()


def test_refund_by_refunded_total_records_only_what_is_new(workspace, signed_up):
    use_cases.track_sale(workspace=workspace, event_id="s", customer_external_id="cust_budi",
                         amount=100_000_000, currency="IDR", invoice_id="inv-9")  # fmt: skip
    common = dict(workspace=workspace, customer_external_id="cust_budi", invoice_id="inv-9",
                  currency="IDR")  # fmt: skip
    use_cases.track_refund(event_id="r1", refunded_total=30_000_000, **common)
    use_cases.track_refund(event_id="r2", refunded_total=50_000_000, **common)
    refunds = Conversion.objects.filter(kind="refund").order_by("created_at")
    assert [refund.amount for refund in refunds] == [30_000_000, 20_000_000]
    with pytest.raises(Invalid):
        use_cases.track_refund(event_id="r3", refunded_total=50_000_000, **common)


def test_bad_ip_is_refused_before_anything_is_written(workspace, participant):
    with pytest.raises(Invalid):
        use_cases.track_signup(
            workspace=workspace,
            event_id="e",
            customer_external_id="c",
            email="c@example.com",
            code=participant["code"],
            ip="300.1.1.1",
        )
    assert not Referral.objects.exists() and not TrackedEvent.objects.exists()


def test_clearing_a_flag_is_in_the_audit_log_with_who_did_it(workspace, participant):
    flagged = use_cases.track_signup(
        workspace=workspace,
        event_id="self",
        customer_external_id="cust_self",
        email="andi@example.com",  # the referrer himself
        code=participant["code"],
    )
    assert flagged.status == "flagged"
    referral = Referral.objects.get(pk=flagged.referral_id)
    granted = use_cases.referral_clear(referral=referral, actor=Actor(label="rina@toko.example"))
    entry = AuditEntry.objects.get(action="referral.clear")
    assert entry.actor == "rina@toko.example"
    assert entry.target_id == str(referral.pk)
    assert entry.before["status"] == "flagged" and entry.after["status"] == "active"
    assert len(entry.after["rewards"]) == len(granted)
