"""The portal's front door: one program opens straight away, several are listed, none is said
kindly; nobody sees it without signing in."""

from tests.portal.conftest import portal_client_for
from tests.rewards.books import make_participant, make_program


def test_not_signed_in_goes_to_the_sign_in_page(anonymous_portal_client):
    response = anonymous_portal_client.get("/portal/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/sign-in?next=%2Fportal%2F"


def test_one_program_opens_straight_away(portal_client):
    assert portal_client.get("/portal/")["Location"] == "/portal/p/hadiah/"


def test_a_person_in_two_programs_sees_both(referrer):
    # given Andi also takes part in the shop's partner program
    partners = make_program(referrer.workspace, slug="mitra", name="Mitra Toko", kind="reseller")
    mine = make_participant(partners, name="Andi", email="andi@example.com")
    client = portal_client_for(referrer)
    # when he opens the portal
    page = client.get("/portal/")
    # then both programs are there, each with its kind and a link to it
    assert page.status_code == 200
    text = page.text
    assert "Program Anda" in text
    assert "Hadiah Teman" in text and "Mitra Toko" in text
    assert 'href="/portal/p/hadiah/"' in text and 'href="/portal/p/mitra/"' in text
    assert referrer.code in text and mine.code in text
    # and ?program= opens the one he chose (the menu's program switch)
    assert client.get("/portal/?program=mitra")["Location"] == "/portal/p/mitra/"
    # but not a program he does not take part in
    make_program(referrer.workspace, slug="lain", name="Lain")
    assert client.get("/portal/?program=lain").status_code == 200


def test_someone_whose_programs_were_archived_is_told_kindly(referrer, portal_program):
    portal_program.status = "archived"
    portal_program.save(update_fields=["status"])
    page = portal_client_for(referrer).get("/portal/")
    assert page.status_code == 200
    assert "Belum ada program saat ini" in page.text
    assert 'action="/portal/sign-out"' in page.text


def test_another_workspaces_program_stays_out_of_sight(referrer):
    from tular.workspaces.services import workspace_get_or_create

    other, _ = workspace_get_or_create(slug="kopi", name="Kopi Kita")
    make_participant(make_program(other, slug="kopi"), name="Andi", email="andi@example.com")
    # signed in to Toko Maju, Andi sees only its program
    assert portal_client_for(referrer).get("/portal/")["Location"] == "/portal/p/hadiah/"


def test_an_address_enrolled_twice_in_a_program_sees_it_once(portal_program, referrer):
    # given Andi was enrolled a second time in the same program (another external id)
    second = make_participant(portal_program, name="Andi", email="ANDI@example.com")
    assert second.pk != referrer.pk
    client = portal_client_for(referrer)
    # when he opens the portal
    answer = client.get("/portal/")
    # then he goes straight to his one program, shown as his first enrolment
    assert answer.status_code == 302
    page = client.get(answer["Location"]).content.decode()
    assert referrer.code in page and second.code not in page
