"""Story: a manager makes a draft payout of the approved rewards, sends it, downloads the bank
CSV and marks it paid (or failed); a participant's payout history; double submits act once."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.console.conftest import sold
from tests.rewards.books import assert_books_agree, balance
from tular.rewards.models import Payout
from tular.rewards.payouts import payout_create
from tular.rewards.services import reward_approve
from tular.workspaces.models import AuditEntry

URL = "/console/payouts/"


@pytest.fixture
def approved(program):
    """Andi Rp937.500 and Budi Rp1.250.000, approved and in no payout."""
    sales = [("Andi", 750000000), ("Budi", 1000000000)]
    return [reward_approve(reward=reward) for reward in sold(program, sales)]


@pytest.fixture
def draft(console_workspace, program, approved):
    return payout_create(workspace=console_workspace, program=program, currency="IDR")


@pytest.fixture
def foreign_payout(other_workspace, foreign_reward):
    reward_approve(reward=foreign_reward)
    return payout_create(workspace=other_workspace, program=foreign_reward.program, currency="IDR")


def _form(client):
    """The create form's fields as the page gives them (the one-time token included)."""
    page = client.get(URL).content.decode()
    token = page.split('name="token" value="')[1].split('"')[0]
    return {"token": token}


# ---------------------------------------------------------------- who sees what


@pytest.mark.parametrize("persona", ["owner_client", "manager_client", "viewer_client"])
def test_members_see_the_list_and_the_payout(request, persona, draft):
    client = request.getfixturevalue(persona)
    assert "Ajak Teman" in client.get(URL).content.decode()
    page = client.get(f"{URL}{draft.pk}/").content.decode()
    assert "Rp2.187.500" in page and "Andi" in page and "Budi" in page
    assert client.get(f"{URL}{draft.pk}/export.csv").status_code == 200


def test_a_viewer_sees_no_actions_and_every_post_is_refused(viewer_client, draft, program):
    page = viewer_client.get(f"{URL}{draft.pk}/").content.decode()
    assert "/send" not in page and "/mark-paid" not in page
    assert "Buat draf" not in viewer_client.get(URL).content.decode()
    for action in ("send", "mark-paid", "mark-failed"):
        assert viewer_client.post(f"{URL}{draft.pk}/{action}").status_code == 403
    assert viewer_client.post(URL, {"program": program.pk, "currency": "IDR"}).status_code == 403
    assert Payout.objects.get(pk=draft.pk).status == "draft"


def test_the_outsider_gets_404_for_this_workspaces_payout(outsider_client, draft):
    assert outsider_client.get(f"{URL}{draft.pk}/").status_code == 404
    assert outsider_client.get(f"{URL}{draft.pk}/export.csv").status_code == 404
    assert outsider_client.post(f"{URL}{draft.pk}/mark-paid").status_code == 404
    assert "Ajak Teman" not in outsider_client.get(URL).content.decode()
    assert Payout.objects.get(pk=draft.pk).status == "draft"


@pytest.mark.parametrize("path", ["", "{id}/", "{id}/export.csv"])
def test_anonymous_visitors_are_sent_to_sign_in(anonymous_client, draft, path):
    response = anonymous_client.get(URL + path.format(id=draft.pk))
    assert response.status_code == 302 and response["Location"].startswith("/console/login/")


# ---------------------------------------------------------------- the lifecycle


def test_create_send_export_and_mark_paid(manager_client, program, approved):
    andi = approved[0].participant
    # when: the draft
    response = manager_client.post(
        URL, {"program": program.pk, "currency": "IDR", **_form(manager_client)}
    )
    # then
    payout = Payout.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{URL}{payout.pk}/"
    assert payout.status == "draft"
    preview = manager_client.get(f"{URL}{payout.pk}/export.csv")
    assert "draft-preview" in preview["Content-Disposition"]
    # when: sent
    manager_client.post(f"{URL}{payout.pk}/send")
    # then: the bank file, as the API gives it
    payout.refresh_from_db()
    assert payout.status == "sent"
    export = manager_client.get(f"{URL}{payout.pk}/export.csv")
    assert export["Content-Type"].startswith("text/csv")
    assert export["Content-Disposition"] == f'attachment; filename="payout-{payout.pk}.csv"'
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert sorted(int(row["amount_minor"]) for row in rows) == [93750000, 125000000]
    # when: paid
    page = manager_client.post(f"{URL}{payout.pk}/mark-paid", follow=True).content.decode()
    # then
    assert Payout.objects.get(pk=payout.pk).status == "paid"
    assert balance(andi) == {"pending": 0, "approved": 0, "paid": 93750000}
    assert "Ditandai dibayar" in page
    actions = list(
        AuditEntry.objects.filter(target_id=str(payout.pk)).values_list("action", "actor")
    )
    assert actions == [
        ("payout.create", "manager@toko.example"),
        ("payout.send", "manager@toko.example"),
        ("payout.mark_paid", "manager@toko.example"),
    ]
    assert_books_agree(program)


def test_mark_failed_needs_a_reason_and_frees_the_rewards(manager_client, draft, program):
    manager_client.post(f"{URL}{draft.pk}/send")
    # when: no reason
    response = manager_client.post(f"{URL}{draft.pk}/mark-failed", {"reason": ""}, follow=True)
    # then
    assert Payout.objects.get(pk=draft.pk).status == "sent"
    assert "alasan" in response.content.decode()
    # when
    manager_client.post(f"{URL}{draft.pk}/mark-failed", {"reason": "Rekening ditutup"})
    # then
    payout = Payout.objects.get(pk=draft.pk)
    assert (payout.status, payout.failure_reason) == ("failed", "Rekening ditutup")
    assert not payout.rewards.exists()
    assert "Rekening ditutup" in manager_client.get(f"{URL}{draft.pk}/").content.decode()
    assert_books_agree(program)


def test_nothing_to_pay_is_said_beside_the_currency(manager_client, program):
    response = manager_client.post(
        URL, {"program": program.pk, "currency": "IDR", **_form(manager_client)}
    )
    assert response.status_code == 200
    assert "Tidak ada yang perlu dibayar" in response.content.decode()
    assert not Payout.objects.exists()


def test_a_double_submitted_create_makes_one_payout(manager_client, program, approved):
    form = {"program": program.pk, "currency": "IDR", **_form(manager_client)}
    first = manager_client.post(URL, form)
    second = manager_client.post(URL, form, follow=True)
    assert first.status_code == 302
    assert Payout.objects.count() == 1
    assert "sudah dikirim" in second.content.decode()


def test_marking_paid_twice_acts_once_and_says_so(manager_client, draft):
    manager_client.post(f"{URL}{draft.pk}/mark-paid")
    response = manager_client.post(f"{URL}{draft.pk}/mark-paid", follow=True)
    assert AuditEntry.objects.filter(action="payout.mark_paid").count() == 1
    assert "sudah dibayar" in response.content.decode()


def test_the_history_of_one_participant(
    manager_client, console_workspace, program, draft, approved, foreign_payout
):
    # given: the draft pays Andi and Budi; a second payout pays only Citra
    reward_approve(reward=sold(program, [("Citra", 400000000)])[0])
    citras = payout_create(workspace=console_workspace, program=program, currency="IDR")
    andi = approved[0].participant
    # when
    page = manager_client.get(f"{URL}?participant={andi.pk}").content.decode()
    # then: only the payout that pays Andi, with his amount and its total
    assert f"{URL}{draft.pk}/" in page and f"{URL}{citras.pk}/" not in page
    assert "Rp937.500" in page and "Rp2.187.500" in page
    # and another workspace's participant is not found
    other = foreign_payout.items.get().participant_id
    assert manager_client.get(f"{URL}?participant={other}").status_code == 404


def test_the_list_takes_the_same_queries_for_more_payouts(
    manager_client, console_workspace, program, draft
):
    manager_client.get(URL)
    with CaptureQueriesContext(connection) as few:
        manager_client.get(URL)
    for index in range(5):
        reward_approve(reward=sold(program, [(f"P{index}", 1000000)])[0])
        payout_create(workspace=console_workspace, program=program, currency="IDR")
    with CaptureQueriesContext(connection) as many:
        manager_client.get(URL)
    assert len(many) == len(few)
