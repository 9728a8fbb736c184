"""Story: managers see their programs with headline figures, open a program's page (settings,
rules in plain words, figures, links), pause, archive and reactivate it, and turn cash rewards
off (R6) with who and when recorded. Viewers read everything and change nothing; another
workspace's people never see these programs; anonymous visitors sign in first."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tular.participants.services import participant_enrol
from tular.programs.models import Program
from tular.programs.rules import ProgramSettings
from tular.programs.services import program_create, program_set_status
from tular.referrals.services import track_sale, track_signup

BASE = {
    "kind": "customer",
    "currency": "IDR",
    "destination_url": "https://toko.example/daftar",
    "hold_days": 0,
    "rules": [
        {"trigger": "sale", "recipient": "referrer", "kind": "percent", "percent": "10"},
        {"trigger": "signup", "recipient": "friend", "kind": "fixed", "amount": 5000000},
    ],
}


def make_program(workspace, slug, name=None, **changes):
    settings = ProgramSettings.model_validate(
        {**BASE, "slug": slug, "name": name or slug, **changes}
    )
    return program_create(workspace=workspace, config=settings)


def refer_and_sell(program, n, amount=100000000):
    referrer, _ = participant_enrol(program=program, email=f"ref{n}@example.com")
    track_signup(
        workspace=program.workspace,
        event_id=f"{program.slug}-s{n}",
        code=referrer.code,
        customer_external_id=f"{program.slug}-c{n}",
        email=f"teman{n}@example.com",
    )
    track_sale(
        workspace=program.workspace,
        event_id=f"{program.slug}-p{n}",
        customer_external_id=f"{program.slug}-c{n}",
        amount=amount,
        currency="IDR",
    )


@pytest.fixture
def program(console_workspace):
    program = make_program(console_workspace, "ajak-teman", "Ajak Teman")
    refer_and_sell(program, 1)
    return program


# ---------------------------------------------------------------- the list


def test_the_list_shows_each_program_with_its_headline_figures(manager_client, program):
    response = manager_client.get("/console/programs/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ajak Teman" in page and 'href="/console/programs/ajak-teman/"' in page
    row = response.context["rows"][0]
    # one referrer and the friend enrolled on sign-up; one referral; Rp1.000.000 sold
    assert (row["figures"].participants, row["figures"].referrals) == (2, 1)
    assert row["figures"].revenue == [{"currency": "IDR", "amount": 100000000}]
    # the friend's Rp50.000 and 10 % of the sale
    assert row["figures"].rewards == [{"currency": "IDR", "amount": 15000000}]
    assert "Rp1.000.000" in page and "Rp150.000" in page


def test_the_list_needs_a_few_queries_whatever_the_number_of_programs(
    manager_client, console_workspace
):
    for n in range(6):
        refer_and_sell(make_program(console_workspace, f"p{n}"), n)
    manager_client.get("/console/programs/")  # warm the session and preferences
    with CaptureQueriesContext(connection) as few:
        manager_client.get("/console/programs/")
    for n in range(6, 12):
        refer_and_sell(make_program(console_workspace, f"p{n}"), n)
    with CaptureQueriesContext(connection) as more:
        response = manager_client.get("/console/programs/")
    assert len(response.context["rows"]) == 12
    assert len(more) == len(few) <= 15


def test_archived_programs_are_hidden_unless_asked_for(manager_client, console_workspace):
    make_program(console_workspace, "lama", "Program Lama")
    make_program(console_workspace, "baru", "Program Baru")
    program_set_status(program=Program.objects.get(slug="lama"), status="archived")
    assert "Program Lama" not in manager_client.get("/console/programs/").content.decode()
    archived = manager_client.get("/console/programs/?status=archived").content.decode()
    assert "Program Lama" in archived and "Program Baru" not in archived
    assert "Program Lama" in manager_client.get("/console/programs/?status=all").content.decode()


def test_an_empty_workspace_invites_to_create_the_first_program(manager_client, viewer_client):
    page = manager_client.get("/console/programs/").content.decode()
    assert "Buat program pertama Anda" in page
    assert 'href="/console/programs/new/"' in page
    # a viewer sees the empty state without the button
    page = viewer_client.get("/console/programs/").content.decode()
    assert "Belum ada program" in page
    assert 'href="/console/programs/new/"' not in page


def test_the_list_speaks_english_too(manager_client, program):
    manager_client.post("/console/language/", {"language": "en"})
    page = manager_client.get("/console/programs/", headers={"Accept-Language": "en"})
    assert "Revenue from referrals" in page.content.decode()


# ---------------------------------------------------------------- the program page


def test_the_program_page_shows_rules_in_words_figures_and_filtered_links(manager_client, program):
    response = manager_client.get("/console/programs/ajak-teman/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Anda mendapat 10% dari nilai pembelian saat pelanggan yang Anda ajak membayar." in page
    assert "/console/participants/?program=ajak-teman" in page
    assert "/console/referrals/?program=ajak-teman" in page
    assert "/console/rewards/?program=ajak-teman" in page
    assert "/r/CODE" in page
    assert "aktivitas baru" in page  # changed rules apply to new events only


def test_pausing_and_reactivating_from_the_page(manager_client, program):
    response = manager_client.post("/console/programs/ajak-teman/status/", {"status": "paused"})
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.status == "paused"
    page = manager_client.get("/console/programs/ajak-teman/").content.decode()
    assert "sedang dijeda" in page
    manager_client.post("/console/programs/ajak-teman/status/", {"status": "active"})
    program.refresh_from_db()
    assert program.status == "active"


def test_an_archived_program_is_read_only_in_the_console(manager_client, program):
    manager_client.post("/console/programs/ajak-teman/status/", {"status": "archived"})
    response = manager_client.get("/console/programs/ajak-teman/edit/")
    assert response.status_code == 302
    assert response["Location"] == "/console/programs/ajak-teman/"
    page = manager_client.get("/console/programs/ajak-teman/").content.decode()
    assert "/console/programs/ajak-teman/edit/" not in page


def test_an_unknown_status_is_a_message_not_an_error(manager_client, program):
    response = manager_client.post(
        "/console/programs/ajak-teman/status/", {"status": "hapus"}, follow=True
    )
    assert response.status_code == 200
    assert "Pilih aktif, dijeda, atau diarsipkan." in response.content.decode()


def test_cash_rewards_cannot_be_turned_off_while_rules_pay_money(manager_client, program):
    response = manager_client.post(
        "/console/programs/ajak-teman/cash/", {"monetary_rewards_allowed": "false"}, follow=True
    )
    assert "Hadiah uang tidak dapat dimatikan" in response.content.decode()
    program.refresh_from_db()
    assert program.monetary_rewards_allowed is True


def test_turning_cash_rewards_off_shows_who_approved_it_and_when(manager_client, console_workspace):
    make_program(
        console_workspace,
        "firma",
        "Rujukan Klien",
        rules=[{"trigger": "won", "recipient": "referrer", "kind": "perk", "perk": "Makan"}],
    )
    response = manager_client.post(
        "/console/programs/firma/cash/", {"monetary_rewards_allowed": "false"}, follow=True
    )
    page = response.content.decode()
    program = Program.objects.get(slug="firma")
    assert program.monetary_rewards_allowed is False
    assert program.monetary_rewards_changed_by == "manager@toko.example"
    assert "Disetujui oleh manager@toko.example pada tanggal" in page


# ---------------------------------------------------------------- who may do what

PAGES = [
    "/console/programs/",
    "/console/programs/ajak-teman/",
]
CHANGES = [
    ("get", "/console/programs/new/", None),
    ("get", "/console/programs/ajak-teman/edit/", None),
    ("get", "/console/programs/preview/", None),
    ("post", "/console/programs/ajak-teman/status/", {"status": "paused"}),
    ("post", "/console/programs/ajak-teman/cash/", {"monetary_rewards_allowed": "false"}),
]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("who", ["owner_client", "manager_client", "viewer_client"])
def test_every_member_reads_the_pages(request, program, who, path):
    assert request.getfixturevalue(who).get(path).status_code == 200


@pytest.mark.parametrize(("method", "path", "data"), CHANGES)
def test_a_viewer_changes_nothing(viewer_client, program, method, path, data):
    response = getattr(viewer_client, method)(path, data or {})
    assert response.status_code == 403
    program.refresh_from_db()
    assert program.status == "active" and program.monetary_rewards_allowed is True


def test_a_viewer_cannot_post_a_wizard_step(viewer_client, manager_client, program):
    base = manager_client.get("/console/programs/new/")["Location"]
    assert viewer_client.post(base, {"kind": "customer", "name": "X"}).status_code == 403
    assert viewer_client.get(base).status_code == 403


@pytest.mark.parametrize("who", ["owner_client", "manager_client"])
@pytest.mark.parametrize(("method", "path", "_data"), CHANGES[:3])
def test_managers_and_owners_open_the_forms(request, program, who, method, path, _data):
    assert request.getfixturevalue(who).get(path).status_code in (200, 302)


@pytest.mark.parametrize(
    "path",
    [
        "/console/programs/ajak-teman/",
        "/console/programs/ajak-teman/edit/",
    ],
)
def test_another_workspace_never_sees_the_program(outsider_client, program, path):
    assert outsider_client.get(path).status_code == 404


def test_another_workspace_cannot_change_the_program(outsider_client, program):
    response = outsider_client.post("/console/programs/ajak-teman/status/", {"status": "paused"})
    assert response.status_code == 404
    program.refresh_from_db()
    assert program.status == "active"
    assert "Ajak Teman" not in outsider_client.get("/console/programs/").content.decode()


def test_a_wizard_of_another_user_is_not_found(manager_client, owner_client, program):
    base = manager_client.get("/console/programs/new/")["Location"]
    assert owner_client.get(base).status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/console/programs/"),
        ("get", "/console/programs/ajak-teman/"),
        ("get", "/console/programs/new/"),
        ("get", "/console/programs/ajak-teman/edit/"),
        ("get", "/console/programs/preview/"),
        ("post", "/console/programs/ajak-teman/status/"),
        ("post", "/console/programs/ajak-teman/cash/"),
    ],
)
def test_anonymous_visitors_sign_in_first(anonymous_client, program, method, path):
    response = getattr(anonymous_client, method)(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/")
