"""Story: Andi (a customer of Toko Maju) refers leads; the team works them in the console — the
board, the "Move to…" form (the board's script sends the same form with Accept: JSON), the
queue with a frozen clock, the list and its export, the referral page (owner, deal value, notes,
history, messages sent) and the overview's count of overdue leads."""

import csv
import io
from datetime import timedelta

import pytest

from tests.console.conftest import make_member
from tests.rewards.books import make_participant, make_program
from tular.messaging.models import OutboundEmail
from tular.referrals import pipeline
from tular.referrals.models import Referral, ReferralChange, ReferralNote
from tular.workspaces.audit import Actor
from tular.workspaces.models import Role


@pytest.fixture
def andi(program):
    return make_participant(program, "Andi", email="andi@toko.example")


def submit(andi, name, email, **extra):
    return pipeline.referral_submit(
        referrer=andi, name=name, email=email, intake=extra.pop("intake", "api"), **extra
    )


@pytest.fixture
def leads(andi, frozen_clock):
    """Citra submitted 30 h ago (acknowledge overdue by 6 h), Dewi 10 h ago (due in 14 h),
    Eko 26 h ago (overdue by 2 h); now is 2026-05-17 09:00 UTC."""
    start = frozen_clock.now
    made = {}
    for name, hours in (("Citra", 30), ("Dewi", 10), ("Eko", 26)):
        frozen_clock.set(start - timedelta(hours=hours))
        made[name] = submit(
            andi, name, f"{name.lower()}@perusahaan-{name.lower()}.co.id", company=f"PT {name}"
        )
    frozen_clock.set(start)
    return made


def post_move(client, lead, status, *, json=False, **data):
    headers = {"Accept": "application/json"} if json else {}
    return client.post(
        f"/console/pipeline/{lead.pk}/move",
        {"status": status, **data},
        headers=headers,
    )


PAGES = [
    "/console/pipeline/",
    "/console/pipeline/list/",
    "/console/pipeline/queue/",
    "/console/pipeline/list/export.csv",
]


# ---------------------------------------------------------------- who sees what


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("persona", ["owner_client", "manager_client", "viewer_client"])
def test_members_read_the_pipeline(request, persona, url, leads):
    response = request.getfixturevalue(persona).get(url)
    assert response.status_code == 200


def test_a_viewer_reads_but_cannot_move_import_or_note(viewer_client, leads):
    board = viewer_client.get("/console/pipeline/").content.decode()
    assert "Citra" in board
    assert "pipeline-move-form" not in board
    assert 'draggable="true"' not in board
    assert post_move(viewer_client, leads["Citra"], "acknowledged").status_code == 403
    assert viewer_client.get("/console/pipeline/import/").status_code == 403
    assert (
        viewer_client.post(f"/console/pipeline/{leads['Citra'].pk}/notes", {"body": "x"})
    ).status_code == 403
    assert Referral.objects.get(pk=leads["Citra"].pk).status == "submitted"
    assert not ReferralNote.objects.exists()


def test_another_workspace_never_sees_or_moves_these_leads(outsider_client, leads):
    assert "Citra" not in outsider_client.get("/console/pipeline/").content.decode()
    assert outsider_client.get(f"/console/referrals/{leads['Citra'].pk}/").status_code == 404
    assert post_move(outsider_client, leads["Citra"], "acknowledged").status_code == 404


def test_signed_out_visitors_go_to_the_login(anonymous_client):
    response = anonymous_client.get("/console/pipeline/")
    assert response.status_code == 302
    assert "/console/login" in response["Location"]


# ---------------------------------------------------------------- the board


def test_the_board_has_a_column_per_status_and_overdue_cards_first(manager_client, leads):
    page = manager_client.get("/console/pipeline/").content.decode()
    columns = [
        "submitted", "acknowledged", "contacted", "qualified", "proposal", "won", "lost", "dark",
    ]  # fmt: skip
    positions = [page.index(f'data-column="{status}"') for status in columns]
    assert positions == sorted(positions)
    # the most overdue first, then the other overdue one, then the one still in time
    assert page.index("Citra") < page.index("Eko") < page.index("Dewi")
    submitted = page[positions[0] : positions[1]]
    assert submitted.count("pipeline-card-overdue") == 2
    assert "2 terlambat" in submitted  # the column's overdue count (Indonesian)
    assert "Andi" in submitted and "PT Citra" in submitted


def test_the_board_filters_by_program_and_owner(manager_client, manager, leads, console_workspace):
    pipeline.referral_assign(referral=leads["Dewi"], owner=manager, actor=Actor.for_user(manager))
    mine = manager_client.get(f"/console/pipeline/?owner={manager.pk}").content.decode()
    assert "Dewi" in mine and "Citra" not in mine
    nobody = manager_client.get("/console/pipeline/?owner=none").content.decode()
    assert "Citra" in nobody and "Dewi" not in nobody
    other_program = make_program(console_workspace, slug="mitra", name="Mitra")
    submit(make_participant(other_program, "Gita"), "Hadi", "hadi@hadi-corp.co.id")
    other = manager_client.get("/console/pipeline/?program=mitra").content.decode()
    assert "Hadi" in other and "Citra" not in other


def test_moving_with_the_form_calls_the_pipeline_and_comes_back(manager_client, leads):
    lead = leads["Citra"]
    response = post_move(manager_client, lead, "acknowledged", next="/console/pipeline/?owner=")
    assert response.status_code == 302
    assert response["Location"] == "/console/pipeline/?owner="
    lead.refresh_from_db()
    assert lead.status == "acknowledged"
    change = ReferralChange.objects.filter(referral=lead).last()
    assert (change.from_status, change.to_status, change.actor) == (
        "submitted",
        "acknowledged",
        "manager@toko.example",
    )
    page = manager_client.get(response["Location"]).content.decode()
    assert "Citra dipindah ke diterima." in page


def test_an_impossible_move_is_409_and_says_why(manager_client, leads):
    lead = leads["Citra"]
    response = post_move(manager_client, lead, "won", json=True)
    assert response.status_code == 409
    assert "Citra" in response.json()["message"]
    lead.refresh_from_db()
    assert lead.status == "submitted"
    # without JavaScript: the board comes back with the message
    response = post_move(manager_client, lead, "won")
    assert response.status_code == 302
    page = manager_client.get(response["Location"]).content.decode()
    assert "alert" in page and "Citra" in page
    assert ReferralChange.objects.filter(referral=lead).count() == 1


def test_a_move_by_the_boards_script_gets_the_card_back(manager_client, leads):
    response = post_move(manager_client, leads["Dewi"], "contacted", json=True)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "contacted"
    assert f'id="lead-{leads["Dewi"].pk}"' in body["card"]
    assert 'data-moves="qualified,lost,dark"' in body["card"]
    assert "Dewi" in body["message"]


def test_lost_needs_a_reason(manager_client, leads):
    lead = leads["Eko"]
    response = post_move(manager_client, lead, "lost", json=True)
    assert response.status_code == 422
    assert response.json()["field"] == "reason"
    lead.refresh_from_db()
    assert lead.status == "submitted"
    response = post_move(manager_client, lead, "lost", json=True, reason="Budget frozen")
    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.status == "lost"
    assert ReferralChange.objects.filter(referral=lead).last().reason == "Budget frozen"


def test_a_lost_lead_comes_back_only_when_reopened(manager_client, leads):
    lead = leads["Eko"]
    post_move(manager_client, lead, "lost", reason="No budget")
    assert post_move(manager_client, lead, "contacted", json=True).status_code == 409
    board = manager_client.get("/console/pipeline/").content.decode()
    card = board[board.index(f'id="lead-{lead.pk}"') :]
    assert 'data-reopen="1"' in card[:400]
    assert 'name="reopen" value="1"' in card
    response = post_move(manager_client, lead, "contacted", json=True, reopen="1")
    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.status == "contacted"
    assert ReferralChange.objects.filter(referral=lead).last().reopened is True


# ---------------------------------------------------------------- the queue


def test_the_queue_lists_the_most_overdue_first_then_due_soonest_then_dark(
    manager_client, leads, frozen_clock, andi, program
):
    # Fajar went dark 91 days ago: his re-contact date (90 days) has come
    with frozen_clock.at(frozen_clock.now - timedelta(days=92)):
        fajar = submit(andi, "Fajar", "fajar@fajar-jaya.co.id")
        pipeline.referral_move(referral=fajar, status="acknowledged", actor=Actor(label="t"))
    with frozen_clock.at(frozen_clock.now - timedelta(days=91)):
        pipeline.referral_move(referral=fajar, status="dark", actor=Actor(label="t"))
    page = manager_client.get("/console/pipeline/queue/").content.decode()
    open_part, dark_part = page.split('id="queue-dark"')
    assert open_part.index("Citra") < open_part.index("Eko") < open_part.index("Dewi")
    assert open_part.count("queue-row queue-overdue") == 2
    assert "Fajar" in dark_part and "Fajar" not in open_part
    # an hour before the re-contact date it is not listed yet
    with frozen_clock.at(frozen_clock.now - timedelta(days=1, hours=1)):
        earlier = manager_client.get("/console/pipeline/queue/").content.decode()
    assert "Fajar" not in earlier.split('id="queue-dark"')[1]


def test_the_queues_quick_action_acknowledges(manager_client, leads):
    page = manager_client.get("/console/pipeline/queue/").content.decode()
    row = page[page.index(f'data-lead="{leads["Citra"].pk}"') :].split("</li>")[0]
    assert 'name="status" value="acknowledged"' in row and "Terima" in row
    assert 'name="status" value="contacted"' in row
    response = post_move(
        manager_client, leads["Citra"], "acknowledged", next="/console/pipeline/queue/"
    )
    assert response["Location"] == "/console/pipeline/queue/"
    leads["Citra"].refresh_from_db()
    assert leads["Citra"].status == "acknowledged"
    assert leads["Citra"].due_kind == "contact"


def test_an_outside_next_is_not_followed(manager_client, leads):
    response = post_move(
        manager_client, leads["Citra"], "acknowledged", next="https://evil.example/"
    )
    assert response["Location"] == "/console/pipeline/"


# ---------------------------------------------------------------- the overview and the nav


def test_the_overview_counts_overdue_leads_and_links_to_the_queue(
    manager_client, leads, frozen_clock
):
    page = manager_client.get("/console/").content.decode()
    card = page[page.index("todo-overdue_leads") :][:900]
    assert 'href="/console/pipeline/queue/"' in page[page.index("todo-overdue_leads") - 200 :][:400]
    assert '<div class="todo-count">2</div>' in card
    assert 'nav-badge">2' in page
    # twenty hours later Dewi is late too
    frozen_clock.advance(hours=20)
    page = manager_client.get("/console/").content.decode()
    assert '<div class="todo-count">3</div>' in page[page.index("todo-overdue_leads") :][:900]


def test_no_overdue_leads_no_card(manager_client, program):
    page = manager_client.get("/console/").content.decode()
    assert "todo-overdue_leads" not in page
    assert "nav-badge" not in page


# ---------------------------------------------------------------- the list and its export


def test_the_list_filters_and_sorts_by_due_time(manager_client, leads, andi):
    page = manager_client.get("/console/pipeline/list/").content.decode()
    assert page.index("Citra") < page.index("Eko") < page.index("Dewi")
    page = manager_client.get("/console/pipeline/list/?sort=-due").content.decode()
    assert page.index("Dewi") < page.index("Eko") < page.index("Citra")
    page = manager_client.get("/console/pipeline/list/?overdue=on").content.decode()
    assert "Citra" in page and "Eko" in page and "Dewi" not in page
    twin = submit(andi, "Citra Lagi", "citra2@perusahaan-citra.co.id", intake="csv")
    assert twin.duplicate_of_id == leads["Citra"].pk
    page = manager_client.get("/console/pipeline/list/?duplicates=on").content.decode()
    assert "Citra Lagi" in page and "Dewi" not in page
    page = manager_client.get("/console/pipeline/list/?intake=csv").content.decode()
    assert "Citra Lagi" in page and "Eko" not in page
    page = manager_client.get("/console/pipeline/list/?status=lost").content.decode()
    assert "Citra" not in page


def test_the_export_is_the_filtered_list_as_csv(manager_client, leads):
    response = manager_client.get("/console/pipeline/list/export.csv?overdue=on")
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert [row[0] for row in rows[1:]] == ["Citra", "Eko"]
    assert rows[1][2] == "PT Citra"
    assert rows[1][9] == "ya"  # overdue, in the reader's language


# ---------------------------------------------------------------- the referral page


def test_the_referral_page_shows_the_lead_and_its_history(manager_client, leads, manager):
    lead = leads["Citra"]
    page = manager_client.get(f"/console/referrals/{lead.pk}/").content.decode()
    assert "Menerima lead: terlambat 6" in page  # 6 hours past the 24-hour service level
    post_move(manager_client, lead, "acknowledged")
    page = manager_client.get(f"/console/referrals/{lead.pk}/").content.decode()
    for text in ("Citra", "citra@perusahaan-citra.co.id", "PT Citra", "Andi", "tenggat dalam 18"):
        assert text in page, text
    history = page[page.index("lead-history") :]
    assert "manager@toko.example" in history
    assert history.index("diajukan") < history.index("diterima")
    assert 'name="owner"' in page and "manager@toko.example" in page
    messages = page[page.index("lead-messages") :]
    sent = OutboundEmail.objects.filter(referral=lead)
    assert sent.exists()
    assert sent.first().subject in messages


def test_the_referral_page_sets_owner_deal_and_notes(manager_client, manager, leads):
    lead = leads["Dewi"]
    response = manager_client.post(f"/console/pipeline/{lead.pk}/owner", {"owner": manager.pk})
    assert response.status_code == 302
    response = manager_client.post(
        f"/console/pipeline/{lead.pk}/deal", {"deal_value": "7.500.000", "currency": "IDR"}
    )
    assert response.status_code == 302
    response = manager_client.post(
        f"/console/pipeline/{lead.pk}/notes", {"body": "Called, meeting on Tuesday"}
    )
    lead.refresh_from_db()
    assert lead.owner == manager
    assert (lead.deal_value, lead.deal_currency) == (750_000_000, "IDR")
    assert ReferralNote.objects.get(referral=lead).author == "manager@toko.example"
    page = manager_client.get(f"/console/referrals/{lead.pk}/").content.decode()
    assert "Called, meeting on Tuesday" in page
    assert "Rp7.500.000" in page


def test_a_stranger_cannot_own_a_lead(manager_client, leads, other_workspace):
    stranger = make_member(other_workspace, "x@lain.example", Role.OWNER)
    manager_client.post(f"/console/pipeline/{leads['Dewi'].pk}/owner", {"owner": stranger.pk})
    leads["Dewi"].refresh_from_db()
    assert leads["Dewi"].owner is None


def test_an_empty_note_or_a_bad_amount_is_a_message(manager_client, leads):
    lead = leads["Dewi"]
    response = manager_client.post(
        f"/console/pipeline/{lead.pk}/notes", {"body": "  "}, follow=True
    )
    assert "alert" in response.content.decode()
    manager_client.post(f"/console/pipeline/{lead.pk}/deal", {"deal_value": "abc"})
    lead.refresh_from_db()
    assert lead.deal_value is None
    assert not ReferralNote.objects.exists()


def test_a_won_deal_shows_the_case_study_answer(manager_client, leads):
    lead = leads["Dewi"]
    for status in ("contacted", "qualified", "won"):
        post_move(manager_client, lead, status)
    pipeline.referral_case_study_answer(referral=lead, agreed=True)
    page = manager_client.get(f"/console/referrals/{lead.pk}/").content.decode()
    answer = page[page.index("lead-case-study") :][:300]
    assert "Perujuk setuju" in answer
    assert "lead-move" not in page  # a won deal has nowhere to go
    assert "Kesepakatan yang berhasil tetap berhasil" in page


def test_a_tracked_sign_up_keeps_its_old_page(manager_client, program, andi):
    from tests.rewards.books import make_referral

    referral = make_referral(program, andi)
    page = manager_client.get(f"/console/referrals/{referral.pk}/").content.decode()
    assert "lead-history" not in page
    assert "pipeline-move-form" not in page
