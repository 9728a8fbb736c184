"""The console's deal review queue: overdue first, approve / reject / extend with the same
services as the API, the holder shown to managers only."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.deals.conftest import make_partner, make_partner_program, register
from tular.deals.models import Deal


@pytest.fixture
def clock_start():
    return datetime(2026, 5, 15, 9, 0, tzinfo=UTC)  # a Friday


@pytest.fixture
def program(console_workspace):
    return make_partner_program(console_workspace)


@pytest.fixture
def deals(program, frozen_clock):
    sinar = make_partner(program, "mitra_sinar", "PT Sinar")
    cahaya = make_partner(program, "mitra_cahaya", "CV Cahaya")
    early = register(program, sinar, domain="maju.co.id", qualification={}).deal
    frozen_clock.advance(days=4)
    late = register(program, cahaya, domain="jaya.co.id", company="PT Jaya", qualification={})
    conflict = register(program, cahaya, domain="www.maju.co.id")
    frozen_clock.advance(hours=1)  # the first is past its two working days now
    return early, late.deal, conflict.deal


def test_the_queue_shows_overdue_first_in_indonesian(manager_client, deals):
    page = manager_client.get("/console/deals/").content.decode()
    assert page.index("PT Maju") < page.index("PT Jaya")
    assert "terlambat" in page  # overdue
    assert "Rp500.000.000" in page


def test_approve_reject_and_extend_from_the_console(manager_client, deals, frozen_clock):
    early, late, _conflict = deals
    response = manager_client.post(f"/console/deals/{early.pk}/approve", {"reason": ""})
    assert response.status_code == 302
    early.refresh_from_db()
    assert early.status == "approved"
    assert early.decided_by == "manager@toko.example"
    # Reject needs a reason: nothing changes without one.
    manager_client.post(f"/console/deals/{late.pk}/reject", {"reason": ""})
    assert Deal.objects.get(pk=late.pk).status == "pending"
    manager_client.post(f"/console/deals/{late.pk}/reject", {"reason": "Direct customer"})
    assert Deal.objects.get(pk=late.pk).status == "rejected"
    before = early.expires_at
    manager_client.post(f"/console/deals/{early.pk}/extend", {"days": "30", "next": "detail"})
    assert Deal.objects.get(pk=early.pk).expires_at == before + timedelta(days=30)
    page = manager_client.post(
        f"/console/deals/{late.pk}/extend", {"days": "30"}, follow=True
    ).content.decode()
    assert "ditolak" in page  # 409 shown as a message: a rejected deal is not extended


def test_the_detail_shows_the_checklist_and_the_holder(manager_client, deals):
    _early, _late, conflict = deals
    page = manager_client.get(f"/console/deals/{conflict.pk}/").content.decode()
    assert "PT Sinar" in page  # managers see who holds it
    assert "pertemuan sudah dijadwalkan" in page


def test_a_viewer_cannot_decide(viewer_client, deals):
    early, _late, _conflict = deals
    assert viewer_client.post(f"/console/deals/{early.pk}/approve").status_code == 403
    assert Deal.objects.get(pk=early.pk).status == "pending"


def test_another_workspace_sees_nothing(outsider, deals):
    from tests.console.conftest import client_for

    early, _late, _conflict = deals
    assert client_for(outsider).get(f"/console/deals/{early.pk}/").status_code == 404


def test_won_from_the_console_shows_the_commission_at_the_tier_rate(manager_client, deals, program):
    from tular.partners.tiers import partner_set_tier, tier_create

    early = deals[0]
    program.rules = [
        {"trigger": "sale", "recipient": "referrer", "kind": "percent", "percent": "20"}
    ]
    program.save()
    partner_set_tier(
        participant=early.partner, tier=tier_create(program=program, name="Emas", rank=1, rate="30")
    )
    manager_client.post(f"/console/deals/{early.pk}/approve", {"reason": ""})
    # A value that is not an amount is refused beside nothing changing.
    page = manager_client.post(
        f"/console/deals/{early.pk}/close",
        {"status": "won", "value": "abc", "next": "detail"},
        follow=True,
    ).content.decode()
    assert "Masukkan jumlah" in page
    assert Deal.objects.get(pk=early.pk).status == "approved"
    page = manager_client.post(
        f"/console/deals/{early.pk}/close",
        {"status": "won", "value": "800.000.000", "next": "detail"},
        follow=True,
    ).content.decode()
    assert Deal.objects.get(pk=early.pk).status == "won"
    assert "Rp240.000.000" in page  # 30 % (Emas), not the rule's 20 %
    assert "Emas" in page
    assert "30% dari Rp800.000.000" in page


def test_a_dispute_is_decided_from_the_console_with_a_reason(manager_client, deals):
    from tular.deals.services import deal_dispute

    early, _late, conflict = deals
    deal_dispute(deal=conflict, reason="We met them first")
    page = manager_client.get(f"/console/deals/{conflict.pk}/").content.decode()
    assert "We met them first" in page
    manager_client.post(
        f"/console/deals/{conflict.pk}/dispute", {"decision": "uphold", "reason": ""}
    )
    assert Deal.objects.get(pk=conflict.pk).dispute_status == "open"  # a reason is needed
    manager_client.post(
        f"/console/deals/{conflict.pk}/dispute",
        {"decision": "uphold", "reason": "Bukti rapat lebih awal", "next": "detail"},
    )
    decided = Deal.objects.get(pk=conflict.pk)
    assert (decided.dispute_status, decided.status) == ("upheld", "approved")
    assert Deal.objects.get(pk=early.pk).status == "rejected"
