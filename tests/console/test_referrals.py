"""Story: a manager looks through the referrals, opens the flagged queue, clears one
self-referral (it earns what it would have) and rejects another with a reason."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.rewards.books import make_participant, make_program, make_referral
from tular.referrals.models import Referral
from tular.rewards.models import Reward
from tular.workspaces.models import AuditEntry


@pytest.fixture
def andi(program):
    return make_participant(program, "Andi", email="andi@toko.example")


@pytest.fixture
def referral(program, andi):
    referral = make_referral(program, andi, customer="cust_sari")
    Referral.objects.filter(pk=referral.pk).update(
        name="Sari Wulandari", email="sari@contoh.example", company="PT Sari"
    )
    return referral


@pytest.fixture
def flagged(program, andi):
    return Referral.objects.create(
        workspace=program.workspace, program=program, participant=andi,
        customer_external_id="cust_andi2", email="andi@toko.example", name="Andi Lagi",
        status="flagged", flag_reason="self-referral: the customer is the referrer",
        created_at=andi.created_at,
    )  # fmt: skip


@pytest.fixture
def foreign_flagged(other_workspace):
    program = make_program(other_workspace, slug="lain")
    someone = make_participant(program, "Orang Lain")
    return Referral.objects.create(
        workspace=other_workspace, program=program, participant=someone,
        customer_external_id="cust_x", status="flagged", flag_reason="self-referral: x",
        created_at=someone.created_at,
    )  # fmt: skip


PAGES = ["/console/referrals/", "/console/referrals/flagged/"]


# ---------------------------------------------------------------- who sees what


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("persona", ["owner_client", "manager_client", "viewer_client"])
def test_members_see_the_pages(request, persona, url, referral, flagged):
    response = request.getfixturevalue(persona).get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Andi Lagi" in page


def test_the_detail_page_is_for_members_only(
    manager_client, viewer_client, outsider_client, anonymous_client, referral
):
    url = f"/console/referrals/{referral.pk}/"
    assert manager_client.get(url).status_code == 200
    assert viewer_client.get(url).status_code == 200
    assert outsider_client.get(url).status_code == 404
    response = anonymous_client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/console/login/")


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(anonymous_client, url):
    response = anonymous_client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/console/login/?next={url}"


@pytest.mark.parametrize("url", PAGES)
def test_the_outsider_never_sees_this_workspaces_referrals(outsider_client, url, flagged):
    page = outsider_client.get(url).content.decode()
    assert "Andi Lagi" not in page


def test_a_viewer_cannot_clear_or_reject(viewer_client, flagged):
    assert viewer_client.post(f"/console/referrals/{flagged.pk}/clear").status_code == 403
    response = viewer_client.post(
        f"/console/referrals/{flagged.pk}/reject", {"reason_choice": "fraud"}
    )
    assert response.status_code == 403
    assert Referral.objects.get(pk=flagged.pk).status == "flagged"


def test_the_outsider_cannot_review_another_workspaces_referral(outsider_client, flagged):
    assert outsider_client.post(f"/console/referrals/{flagged.pk}/clear").status_code == 404
    assert Referral.objects.get(pk=flagged.pk).status == "flagged"


# ---------------------------------------------------------------- the list


def test_the_list_shows_customer_referrer_source_and_filters(manager_client, referral, flagged):
    page = manager_client.get("/console/referrals/").content.decode()
    assert "Sari Wulandari" in page and "sari@contoh.example" in page and "PT Sari" in page
    assert f"/console/participants/{referral.participant_id}/" in page
    assert "lewat kode" in page  # no click recorded: via code
    only_flagged = manager_client.get("/console/referrals/?status=flagged").content.decode()
    assert "Andi Lagi" in only_flagged and "Sari Wulandari" not in only_flagged
    searched = manager_client.get("/console/referrals/?q=wulan").content.decode()
    assert "Sari Wulandari" in searched and "Andi Lagi" not in searched


def test_the_list_takes_the_same_queries_for_many_referrals(manager_client, program, andi):
    for _ in range(3):
        make_referral(program, andi)
    manager_client.get("/console/referrals/")  # the first visit makes the user's preferences
    with CaptureQueriesContext(connection) as few:
        manager_client.get("/console/referrals/")
    for index in range(20):
        make_participant(program, f"P{index}")
        make_referral(program, make_participant(program, f"R{index}"))
    with CaptureQueriesContext(connection) as many:
        manager_client.get("/console/referrals/")
    assert len(many) == len(few)


# ---------------------------------------------------------------- clear and reject


def test_a_manager_clears_a_flagged_referral(manager_client, flagged):
    # when
    response = manager_client.post(
        f"/console/referrals/{flagged.pk}/clear",
        {"reason_choice": "other", "reason_text": "Istri Andi"},
        follow=True,
    )
    # then
    assert response.status_code == 200
    assert Referral.objects.get(pk=flagged.pk).status == "active"
    assert "Andi Lagi" in response.content.decode()
    entry = AuditEntry.objects.get(action="referral.clear")
    assert entry.actor == "manager@toko.example"
    assert entry.after["reason"] == "Istri Andi"


def test_reject_needs_a_reason(manager_client, flagged):
    # when
    response = manager_client.post(f"/console/referrals/{flagged.pk}/reject", {}, follow=True)
    # then
    assert Referral.objects.get(pk=flagged.pk).status == "flagged"
    assert "alasan" in response.content.decode()
    assert not AuditEntry.objects.filter(action="referral.reject").exists()


def test_a_manager_rejects_with_a_reason(manager_client, flagged):
    # when
    response = manager_client.post(
        f"/console/referrals/{flagged.pk}/reject",
        {"reason_choice": "duplicate", "reason_text": "kartu yang sama", "next": "detail"},
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == f"/console/referrals/{flagged.pk}/"
    referral = Referral.objects.get(pk=flagged.pk)
    assert referral.status == "rejected"
    assert referral.review_reason == "Akun ganda: kartu yang sama"
    entry = AuditEntry.objects.get(action="referral.reject")
    assert entry.actor == "manager@toko.example"
    assert not Reward.objects.filter(referral=flagged).exists()
    page = manager_client.get(f"/console/referrals/{flagged.pk}/").content.decode()
    assert "kartu yang sama" in page


def test_clearing_twice_acts_once_and_says_so(manager_client, flagged):
    manager_client.post(f"/console/referrals/{flagged.pk}/clear")
    response = manager_client.post(f"/console/referrals/{flagged.pk}/clear", follow=True)
    assert AuditEntry.objects.filter(action="referral.clear").count() == 1
    assert "tidak lagi ditandai" in response.content.decode()


def test_the_detail_page_shows_history_and_rewards(manager_client, referral):
    page = manager_client.get(f"/console/referrals/{referral.pk}/").content.decode()
    assert "Sari Wulandari" in page
    assert "Riwayat" in page
