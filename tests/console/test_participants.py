"""Story: a manager finds their referrers, adds one by hand, opens their page (link, code, QR,
balances) and corrects an e-mail; a viewer reads everything and changes nothing; a user of
another workspace sees none of it."""

import io
from uuid import UUID

import pytest
import zxingcpp
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from tests.helpers import PROGRAM_BODY
from tular.participants.models import Participant
from tular.participants.services import participant_enrol
from tular.programs.services import program_create, program_validate
from tular.referrals.services import track_click, track_sale, track_signup
from tular.rewards import ledger
from tular.workspaces.models import AuditEntry

LIST = "/console/participants/"


@pytest.fixture
def shop(console_workspace):
    return program_create(workspace=console_workspace, config=program_validate(PROGRAM_BODY))


@pytest.fixture
def people(console_workspace, shop):
    """andi earns (a referred sale), budi shares (clicks only), citra is new, dewi refers (a
    sign-up, nothing earned yet); their referred friends earn the friend's sign-up reward."""

    def enrol(name, **kwargs):
        return participant_enrol(
            program=shop, email=f"{name.lower()}@example.com", name=name, **kwargs
        )[0]

    andi = enrol("Andi", external_id="cust_1")
    budi = enrol("Budi", kind="affiliate")
    citra = enrol("Citra")
    dewi = enrol("Dewi", external_id="cust_4")
    for who, clicks in ((andi, 2), (budi, 1)):
        for _ in range(clicks):
            track_click(workspace=console_workspace, code=who.code)
    for who, customer in ((andi, "shopper_1"), (dewi, "shopper_2")):
        track_signup(
            workspace=console_workspace,
            event_id=f"signup-{customer}",
            customer_external_id=customer,
            email=f"{customer}@example.com",
            name=customer,
            code=who.code,
        )
    track_sale(
        workspace=console_workspace,
        event_id="sale-1",
        customer_external_id="shopper_1",
        amount=10_000_000,  # Rp100.000 → 20 %: Rp20.000 for andi
        currency="IDR",
    )
    return {"andi": andi, "budi": budi, "citra": citra, "dewi": dewi}


@pytest.fixture
def outsiders_participant(other_workspace):
    program = program_create(workspace=other_workspace, config=program_validate(PROGRAM_BODY))
    return participant_enrol(program=program, email="rahasia@lain.example")[0]


def detail(participant) -> str:
    return f"{LIST}{participant.pk}/"


# ------------------------------------------------------------------------------- permissions


READ_PAGES = [
    LIST,
    f"{LIST}export/?format=csv",
    f"{LIST}export/?format=xlsx",
    f"{LIST}import/template.csv",
]


@pytest.mark.parametrize("path", READ_PAGES)
@pytest.mark.parametrize("who", ["owner_client", "manager_client", "viewer_client"])
def test_every_member_reads_the_list_and_exports(request, people, who, path):
    assert request.getfixturevalue(who).get(path).status_code == 200


@pytest.mark.parametrize("suffix", ["", "qr.png", "qr.svg"])
@pytest.mark.parametrize("who", ["owner_client", "manager_client", "viewer_client"])
def test_every_member_reads_a_participants_page(request, people, who, suffix):
    response = request.getfixturevalue(who).get(detail(people["andi"]) + suffix)
    assert response.status_code == 200


@pytest.mark.parametrize("path", [f"{LIST}new/", f"{LIST}import/", "EDIT"])
def test_a_viewer_cannot_add_import_or_edit(viewer_client, people, path):
    path = detail(people["andi"]) + "edit/" if path == "EDIT" else path
    assert viewer_client.get(path).status_code == 403
    assert viewer_client.post(path, {"email": "x@example.com"}).status_code == 403
    assert Participant.objects.filter(email="x@example.com").count() == 0


@pytest.mark.parametrize("suffix", ["", "edit/", "qr.png", "qr.svg"])
def test_an_outsider_never_sees_this_workspaces_participant(outsider_client, people, suffix):
    assert outsider_client.get(detail(people["andi"]) + suffix).status_code == 404


def test_an_outsider_lists_only_their_own(outsider_client, people, outsiders_participant):
    body = outsider_client.get(LIST).content.decode()
    assert "rahasia@lain.example" in body
    assert "andi@example.com" not in body
    export = b"".join(outsider_client.get(f"{LIST}export/?format=csv").streaming_content)
    assert b"andi@example.com" not in export


@pytest.mark.parametrize(
    "path", [LIST, f"{LIST}new/", f"{LIST}import/", f"{LIST}export/?format=csv", "DETAIL"]
)
def test_anonymous_visitors_are_sent_to_sign_in(anonymous_client, people, path):
    path = detail(people["andi"]) if path == "DETAIL" else path
    response = anonymous_client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/")


# ----------------------------------------------------------------------------- list, filters


def emails_listed(response) -> set[str]:
    return {p.email for p in response.context["page_obj"].object_list}


def test_the_list_shows_figures_and_activity(manager_client, people):
    response = manager_client.get(LIST)
    rows = {p.email: p for p in response.context["page_obj"].object_list}
    andi = rows["andi@example.com"]
    assert (andi.clicks_count, andi.referrals_count, andi.activity) == (2, 1, "earning")
    assert andi.earned == 2_000_000  # Rp20.000 in sen
    assert rows["budi@example.com"].activity == "sharing"
    assert rows["citra@example.com"].activity == "new"
    assert rows["dewi@example.com"].activity == "referring"
    assert rows["shopper_1@example.com"].activity == "earning"  # the friend's reward
    body = response.content.decode()
    assert "Rp20.000" in body
    assert 'class="badge bg-green-lt status-earning"' in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=andi", {"andi@example.com"}),
        ("q=cust_4", {"dewi@example.com"}),
        ("q=SHOPPER_2%40EXAMPLE", {"shopper_2@example.com"}),
        ("kind=affiliate", {"budi@example.com"}),
        ("activity=new", {"citra@example.com"}),
        ("activity=sharing", {"budi@example.com"}),
        ("activity=referring", {"dewi@example.com"}),
        (
            "activity=earning",
            {"andi@example.com", "shopper_1@example.com", "shopper_2@example.com"},
        ),
        ("earned=no", {"budi@example.com", "citra@example.com", "dewi@example.com"}),
        ("program=nope", None),  # an unknown value is ignored: everyone
    ],
)
def test_search_and_filters(manager_client, people, query, expected):
    response = manager_client.get(f"{LIST}?{query}")
    everyone = set(Participant.objects.values_list("email", flat=True))
    assert emails_listed(response) == (expected if expected is not None else everyone)


def test_search_by_code(manager_client, people):
    code = people["citra"].code
    assert emails_listed(manager_client.get(f"{LIST}?q={code.lower()}")) == {"citra@example.com"}


def test_an_empty_list_invites_to_add_someone(manager_client, viewer_client, shop):
    body = manager_client.get(LIST).content.decode()
    assert "Belum ada peserta" in body or "No participants yet" in body
    assert f'href="{LIST}new/"' in body
    assert f'href="{LIST}new/"' not in viewer_client.get(LIST).content.decode()


def test_the_list_paginates_by_50(manager_client, shop):
    for i in range(51):
        participant_enrol(program=shop, email=f"p{i}@example.com")
    first = manager_client.get(LIST)
    assert len(first.context["page_obj"].object_list) == 50
    assert len(manager_client.get(f"{LIST}?page=2").context["page_obj"].object_list) == 1


def test_the_lists_queries_do_not_grow_with_its_rows(manager_client, shop):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert manager_client.get(LIST).status_code == 200
        return len(captured)

    participant_enrol(program=shop, email="one@example.com")
    queries()  # the first visit also creates the user's preferences
    few = queries()
    for i in range(30):
        participant_enrol(program=shop, email=f"p{i}@example.com")
    assert queries() == few


# ----------------------------------------------------------------------------------- add one


def test_a_manager_adds_a_participant(manager_client, manager, shop):
    response = manager_client.post(
        f"{LIST}new/",
        {
            "program": "pelanggan",
            "name": "Eka",
            "email": "eka@example.com",
            "external_id": "cust_9",
            "kind": "",
            "locale": "en",
        },
    )
    participant = Participant.objects.get(email="eka@example.com")
    assert response.status_code == 302
    assert response["Location"] == detail(participant)
    assert (participant.kind, participant.locale, participant.external_id) == (
        "customer",
        "en",
        "cust_9",
    )
    entry = AuditEntry.objects.get(action="participant.enrol", target_id=str(participant.pk))
    assert entry.actor_user_id == manager.pk


def test_the_same_external_id_again_links_to_who_is_enrolled(manager_client, people):
    response = manager_client.post(
        f"{LIST}new/",
        {
            "program": "pelanggan",
            "email": "other@example.com",
            "external_id": "cust_1",
            "locale": "id",
        },
    )
    assert response.status_code == 200
    error = response.context["form"].errors["external_id"][0]
    assert detail(people["andi"]) in error
    assert not Participant.objects.filter(email="other@example.com").exists()


def test_a_bad_email_is_shown_beside_the_field(manager_client, shop):
    response = manager_client.post(
        f"{LIST}new/", {"program": "pelanggan", "email": "andi@", "locale": "id"}
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["email"]
    assert 'id="email-error"' in response.content.decode()
    assert not Participant.objects.exists()


def test_the_same_form_sent_twice_enrols_once(manager_client, shop):
    token = manager_client.get(f"{LIST}new/").context["form"]["token"].value()
    body = {"program": "pelanggan", "email": "eka@example.com", "locale": "id", "token": token}
    manager_client.post(f"{LIST}new/", body)
    manager_client.post(f"{LIST}new/", body)
    assert Participant.objects.filter(email="eka@example.com").count() == 1


# -------------------------------------------------------------------------- a participant's page


def test_the_page_shows_link_code_stats_and_the_ledgers_balances(manager_client, people):
    andi = people["andi"]
    response = manager_client.get(detail(andi))
    body = response.content.decode()
    assert f"http://testserver/r/{andi.code}" in body
    assert f'data-copy="{andi.code}"' in body
    assert response.context["stats"] == {"clicks": 2, "signups": 1, "conversions": 1}
    assert response.context["balances"] == ledger.balances(participant=andi)
    assert response.context["balances"] == [
        {"currency": "IDR", "pending": 2_000_000, "approved": 0, "paid": 0}
    ]
    assert "Rp20.000" in body
    assert f"/console/rewards/?participant={andi.pk}" in body
    assert "shopper_1" in body  # the referral


def test_the_qr_code_reads_back_as_the_referral_link(manager_client, people):
    andi = people["andi"]
    response = manager_client.get(detail(andi) + "qr.png?download=1")
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == f'attachment; filename="qr-{andi.code}.png"'
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert [code.text for code in decoded] == [f"http://testserver/r/{andi.code}"]
    svg = manager_client.get(detail(andi) + "qr.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg.content.startswith(b"<svg")
    assert manager_client.get(detail(andi) + "qr.gif").status_code == 404


def test_a_manager_corrects_an_email(manager_client, manager, people):
    andi = people["andi"]
    response = manager_client.post(
        detail(andi) + "edit/", {"name": "Andi W.", "email": "andi.w@example.com", "locale": "en"}
    )
    assert response.status_code == 302
    andi.refresh_from_db()
    assert (andi.name, andi.email, andi.email_normalised, andi.locale) == (
        "Andi W.",
        "andi.w@example.com",
        "andi.w@example.com",
        "en",
    )
    entry = AuditEntry.objects.get(action="participant.update", target_id=str(andi.pk))
    assert entry.actor_user_id == manager.pk
    assert entry.before["email"] == "andi@example.com"


def test_a_bad_email_on_edit_changes_nothing(manager_client, people):
    andi = people["andi"]
    response = manager_client.post(
        detail(andi) + "edit/", {"name": "X", "email": "not-an-email", "locale": "id"}
    )
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    andi.refresh_from_db()
    assert (andi.name, andi.email) == ("Andi", "andi@example.com")


def test_an_unknown_id_is_a_404(manager_client, people):
    assert manager_client.get(f"{LIST}{UUID(int=7)}/").status_code == 404
